"""gRPC over a pool of warm ``grpc.aio`` channels, each its own HTTP/2 connection.

grpcio shares one TCP connection between channels with equal arguments
(through its global subchannel pool), so a "pool" of channels built naively is
one connection with extra steps. Each channel here sets
``grpc.use_local_subchannel_pool`` so it really owns a connection; a call goes
to the channel with the fewest calls in flight; a channel whose connection has
failed is replaced on the spot instead of waiting out grpcio's reconnect
backoff (up to 120 s).

Channels are connected and health-checked (``grpc.health.v1.Health/Check``)
when the client starts, so a wrong address fails at start-up with an error that
names it. Multicallables for every method are built once per channel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import grpc
from grpc.aio import AioRpcError
from grpc_health.v1 import health_pb2

from qdpool import errors
from qdpool.call import Call
from qdpool.config import PoolConfig
from qdpool.endpoint import Endpoint
from qdpool.operations.spec import Operation

_HEALTH_CHECK = "/grpc.health.v1.Health/Check"

# Codes whose errors mean the request provably never reached a server.
_NOT_SENT_HINTS = ("failed to connect", "connection refused", "connections to all backends failing")

_CODE_TO_ERROR: dict[grpc.StatusCode, type[errors.ApiError]] = {
    grpc.StatusCode.NOT_FOUND: errors.NotFound,
    grpc.StatusCode.ALREADY_EXISTS: errors.AlreadyExists,
    grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgument,
    grpc.StatusCode.OUT_OF_RANGE: errors.InvalidArgument,
    grpc.StatusCode.FAILED_PRECONDITION: errors.InvalidArgument,
    grpc.StatusCode.UNAUTHENTICATED: errors.Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDenied,
    grpc.StatusCode.RESOURCE_EXHAUSTED: errors.ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: errors.Unavailable,
    grpc.StatusCode.CANCELLED: errors.Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: errors.DeadlineExceeded,
}


def _to_bytes(request: Any) -> bytes:
    return request if isinstance(request, bytes) else request.SerializeToString()


def map_rpc_error(exc: AioRpcError) -> errors.ApiError:
    """The qdpool error for a failed RPC: the gRPC transport's one error boundary."""
    code = exc.code()
    message = exc.details() or code.name
    kind = _CODE_TO_ERROR.get(code, errors.ServerError)
    sent: bool | None = True
    if code is grpc.StatusCode.UNAVAILABLE:
        lowered = message.lower()
        sent = False if any(h in lowered for h in _NOT_SENT_HINTS) else None
    elif code is grpc.StatusCode.CANCELLED:
        sent = None
    if kind is errors.ResourceExhausted:
        return errors.ResourceExhausted(
            message, protocol="grpc", status=code.name, retry_after=_retry_after(exc)
        )
    return kind(message, protocol="grpc", status=code.name, sent=sent)


def _retry_after(exc: AioRpcError) -> float | None:
    trailers: Any = exc.trailing_metadata() or ()
    for key, value in trailers:
        if key == "retry-after":
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                return None
            return seconds if seconds >= 0 else None
    return None


MIN_RECONNECT_BACKOFF_MS = 100
MAX_RECONNECT_BACKOFF_MS = 2_000
"""grpcio backs off reconnects up to 120 s by default; a pool that should notice a recovered
node within a retry or two caps it at 2 s."""

REPLACE_INTERVAL = 0.2
"""The least age of a channel before it may be replaced, so an outage cannot churn channels
(at most five new connections a second per slot)."""


class _Channel:
    """One slot of the pool: a channel, its multicallables and its in-flight count."""

    __slots__ = ("channel", "created_at", "in_flight", "methods")

    def __init__(self, channel: grpc.aio.Channel, created_at: float) -> None:
        self.channel = channel
        self.created_at = created_at
        self.in_flight = 0
        self.methods: dict[Operation[Any], Any] = {}

    def method(self, operation: Operation[Any]) -> Any:
        """The channel's multicallable for ``operation``, made on its first use."""
        codec = operation.grpc
        if codec is None:
            raise errors.InvalidInput("protocol", f"{operation.name} has no gRPC method")
        stub = self.channel.unary_unary(
            operation.grpc_method,  # type: ignore[arg-type]
            request_serializer=_to_bytes,  # a message, or bytes an encoder wrote itself
            response_deserializer=None if codec.response is None else codec.response.FromString,
        )
        self.methods[operation] = stub
        return stub

    def is_ready(self) -> bool:
        return self.channel.get_state() is grpc.ChannelConnectivity.READY


class GrpcTransport:
    """gRPC to one endpoint through ``PoolConfig.grpc_channels`` warm channels."""

    protocol = "grpc"

    def __init__(
        self,
        endpoint: Endpoint,
        config: PoolConfig | None = None,
        *,
        root_certificates: bytes | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint
        self._config = config or PoolConfig()
        self._target = endpoint.grpc_target
        self._credentials = (
            grpc.ssl_channel_credentials(root_certificates) if endpoint.tls else None
        )
        self._clock = clock
        self._channels: list[_Channel] = []
        self._retiring: set[asyncio.Task[None]] = set()
        self._closed = False
        cfg = self._config
        self._options: list[tuple[str, Any]] = [
            ("grpc.use_local_subchannel_pool", 1),
            ("grpc.keepalive_time_ms", int(cfg.grpc_keepalive_time * 1000)),
            ("grpc.keepalive_timeout_ms", int(cfg.grpc_keepalive_timeout * 1000)),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),
            ("grpc.max_send_message_length", -1),
            ("grpc.max_receive_message_length", -1),
            ("grpc.enable_retries", 0),
            ("grpc.initial_reconnect_backoff_ms", MIN_RECONNECT_BACKOFF_MS),
            ("grpc.min_reconnect_backoff_ms", MIN_RECONNECT_BACKOFF_MS),
            ("grpc.max_reconnect_backoff_ms", MAX_RECONNECT_BACKOFF_MS),
            ("grpc.primary_user_agent", "qdpool"),
        ]

    def _new_channel(self) -> _Channel:
        if self._credentials is None:
            channel = grpc.aio.insecure_channel(self._target, options=self._options)
        else:
            channel = grpc.aio.secure_channel(
                self._target, self._credentials, options=self._options
            )
        return _Channel(channel, self._clock())

    async def start(self, *, verify: bool = True) -> None:
        """Connect every channel and health-check it; fail if none comes up. Without
        ``verify`` the channels are made and connect on their first call."""
        if self._closed:
            raise errors.ClientClosed("gRPC transport is closed")
        self._channels = [self._new_channel() for _ in range(self._config.grpc_channels)]
        if not verify:
            return
        results = await asyncio.gather(
            *(self._check(slot) for slot in self._channels), return_exceptions=True
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if len(failures) == len(results):
            await self.aclose()
            raise errors.Unavailable(
                f"cannot reach Qdrant gRPC at {self._target}: {failures[0]}",
                protocol="grpc",
                sent=False,
            )

    async def _check(self, slot: _Channel) -> None:
        timeout = self._config.connect_timeout
        try:
            await asyncio.wait_for(slot.channel.channel_ready(), timeout)
        except TimeoutError:
            raise ConnectionError(f"no connection within {timeout:.1f}s") from None
        check = slot.channel.unary_unary(
            _HEALTH_CHECK,
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        try:
            reply = await check(health_pb2.HealthCheckRequest(), timeout=timeout)
        except AioRpcError as exc:
            if exc.code() is grpc.StatusCode.UNIMPLEMENTED:
                return  # a server without the health service is still a server
            raise ConnectionError(f"health check failed: {exc.code().name}") from None
        if reply.status != health_pb2.HealthCheckResponse.SERVING:
            raise ConnectionError("health check: not serving")

    def _pick(self) -> _Channel:
        channels = self._channels
        if not channels:
            raise errors.ClientClosed("gRPC transport is closed or not started")
        best = channels[0]
        for slot in channels:
            if slot.in_flight < best.in_flight:
                best = slot
        return best

    async def send(self, call: Call) -> Any:
        slot = self._pick()
        operation = call.operation
        method = slot.methods.get(operation) or slot.method(operation)
        timeout = call.attempt_deadline - self._clock()
        if timeout <= 0:
            raise errors.DeadlineExceeded(
                "no time left for the attempt", protocol="grpc", sent=False
            )
        request = operation.grpc.encode(call)  # type: ignore[union-attr]
        metadata = tuple(call.headers.items()) if call.headers else None
        slot.in_flight += 1
        sent_before = call.sent
        call.sent = True
        try:
            response = await method(request, timeout=timeout, metadata=metadata)
        except AioRpcError as exc:
            error: errors.ApiError | None = map_rpc_error(exc)
        except BaseException:
            slot.in_flight -= 1
            raise
        else:
            error = None
        slot.in_flight -= 1
        if error is not None:
            if error.sent is False:
                call.sent = sent_before
            if isinstance(error, errors.Unavailable):
                self._replace_if_broken(slot)
            # Raised outside the except block, so the error does not chain grpcio's own
            # (whose traceback holds its call and channel objects), and with this frame's
            # references dropped: callers may keep the error in a reference cycle (a hedge's
            # task, a retry's cause), and a closed channel, with grpcio's TCP connection, must
            # be freed at once, not whenever the garbage collector runs.
            del slot, method
            try:
                raise error
            finally:
                del error
        return operation.grpc.decode(response)  # type: ignore[union-attr]

    def _replace_if_broken(self, slot: _Channel) -> None:
        """Swap a channel whose connection failed for a fresh one that reconnects at once.

        A channel younger than ``REPLACE_INTERVAL`` is kept: during an outage its
        replacement would fail the same way; grpcio's own reconnect, with its backoff
        capped at ``MAX_RECONNECT_BACKOFF_MS``, takes over meanwhile.
        """
        if self._closed or slot not in self._channels:
            return
        if self._clock() - slot.created_at < REPLACE_INTERVAL:
            return
        state = slot.channel.get_state()
        if state not in (
            grpc.ChannelConnectivity.TRANSIENT_FAILURE,
            grpc.ChannelConnectivity.SHUTDOWN,
        ):
            return
        self._channels[self._channels.index(slot)] = self._new_channel()
        task = asyncio.get_running_loop().create_task(slot.channel.close(grace=1.0))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    @property
    def ready(self) -> int:
        """How many channels are connected right now."""
        return sum(1 for slot in self._channels if slot.is_ready())

    @property
    def in_flight(self) -> list[int]:
        return [slot.in_flight for slot in self._channels]

    async def aclose(self) -> None:
        self._closed = True
        channels, self._channels = self._channels, []
        await asyncio.gather(*(slot.channel.close(grace=None) for slot in channels))
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)

    def __repr__(self) -> str:
        if self._closed:
            return f"<GrpcTransport {self._target} closed>"
        return (
            f"<GrpcTransport {self._target} [Channels: {len(self._channels)} | "
            f"In flight: {sum(self.in_flight)} {self.in_flight} | Ready: {self.ready}]>"
        )
