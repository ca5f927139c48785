"""The gRPC door: a grpc.aio server on Qdrant's method paths, backed by the same engine.

Each gRPC method of the specs in ``qdpool.operations.ALL`` (``/qdrant.Points/Query`` ...)
gets a generic unary handler that decodes the request with qdpool's own
messages (the spec's ``grpc.request``; Qdrant's field numbers, so any Qdrant
client can talk to it), converts it to the REST shape with the spec's
``grpc.to_rest`` (which refuses any field the server does not honour), runs the
engine, and encodes the REST result with the spec's ``grpc.from_rest``.  The REST
door and this one therefore share every behaviour except framing and status codes.

Per call, as on REST: trace headers logged, faults, then the key
(``api-key`` metadata or ``authorization: Bearer``; UNAUTHENTICATED when
missing or wrong, PERMISSION_DENIED for a write with the read-only key).
Engine errors map to NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT,
PERMISSION_DENIED, UNAVAILABLE or INTERNAL.  ``grpc.health.v1.Health/Check``
(messages from grpcio-health-checking) and ``qdrant.Qdrant/HealthCheck`` need
no key.  Messages have no size limit, as in Qdrant.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

import grpc
import grpc.aio
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2

from qdpool import operations as ops
from qdpool.embedded.auth import ApiKeys, Denial, presented_key
from qdpool.embedded.engine import Engine
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.embedded.faults import FaultInjector, FaultRule
from qdpool.embedded.version import version_info
from qdpool.errors import InvalidInput
from qdpool.operations.spec import Operation

SERVER_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", -1),
    ("grpc.so_reuseport", 0),
    # Accept HTTP/2 keepalive pings from idle clients, as Qdrant's server does; grpcio's
    # default would answer a client pinging every 30 s with GOAWAY "too_many_pings".
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 5_000),
    ("grpc.http2.max_ping_strikes", 0),
]

_CODES: dict[ErrorKind, grpc.StatusCode] = {
    ErrorKind.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorKind.ALREADY_EXISTS: grpc.StatusCode.ALREADY_EXISTS,
    ErrorKind.BAD_REQUEST: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorKind.FORMAT: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorKind.VALIDATION: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorKind.FORBIDDEN: grpc.StatusCode.PERMISSION_DENIED,
    ErrorKind.UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    ErrorKind.INTERNAL: grpc.StatusCode.INTERNAL,
}
_FAULT_CODES: dict[int, grpc.StatusCode] = {
    408: grpc.StatusCode.DEADLINE_EXCEEDED,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    500: grpc.StatusCode.INTERNAL,
    502: grpc.StatusCode.UNAVAILABLE,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}
DROP_MESSAGE = "Connection reset by peer"
"""What a dropped-connection fault reports on gRPC (see ``faults``: no real reset is possible)."""

_HEALTH_SERVICE = "grpc.health.v1.Health"

Unary = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Message]]


def create_server(engine: Engine, faults: FaultInjector, keys: ApiKeys) -> grpc.aio.Server:
    """A grpc.aio server with every Qdrant method qdpool uses; add a port, then start it."""
    door = _GrpcDoor(engine, faults, keys)
    services: dict[str, dict[str, grpc.RpcMethodHandler[Any, Any]]] = defaultdict(dict)
    for op in ops.ALL:
        codec = op.grpc
        if op.grpc_method is None or codec is None or codec.request is None:
            continue
        service, method = op.grpc_method[1:].split("/")
        assert codec.response is not None
        services[service][method] = grpc.unary_unary_rpc_method_handler(
            door.handler(op),
            request_deserializer=codec.request.FromString,
            response_serializer=codec.response.SerializeToString,
        )
    services[_HEALTH_SERVICE]["Check"] = grpc.unary_unary_rpc_method_handler(
        door.health_check,
        request_deserializer=health_pb2.HealthCheckRequest.FromString,
        response_serializer=health_pb2.HealthCheckResponse.SerializeToString,
    )
    server = grpc.aio.server(options=SERVER_OPTIONS)
    server.add_generic_rpc_handlers(
        tuple(grpc.method_handlers_generic_handler(s, m) for s, m in services.items())
    )
    return server


class _GrpcDoor:
    def __init__(self, engine: Engine, faults: FaultInjector, keys: ApiKeys) -> None:
        self.engine = engine
        self.faults = faults
        self.keys = keys

    def handler(self, op: Operation[Any]) -> Unary:
        async def handle(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Message:
            return await self.serve(op, request, context)

        return handle

    async def serve(
        self, op: Operation[Any], request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Message:
        started = time.perf_counter()
        result = await self.run(op, request, context)
        assert op.grpc is not None
        return op.grpc.from_rest(result, time.perf_counter() - started)

    async def run(
        self, op: Operation[Any], request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Any:
        """Front checks, then the engine; returns the REST ``result`` JSON or aborts the call."""
        await self.front(op, getattr(request, "collection_name", None) or None, context)
        try:
            collection, body, params = op.grpc.to_rest(request)  # type: ignore[union-attr]
        except (InvalidInput, ValueError) as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        if op is ops.HEALTH:
            return version_info()
        try:
            return await self.engine.run(op, collection, body, params)
        except EngineError as exc:
            await context.abort(_CODES[exc.kind], exc.message)

    async def health_check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> health_pb2.HealthCheckResponse:
        await self.front(ops.HEALTH, None, context)
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

    async def front(
        self,
        op: Operation[Any],
        collection: str | None,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> None:
        """Trace log, faults and the key check; aborts the call when one of them says so."""
        metadata = {m.key: m.value for m in _metadata(context)}
        self.faults.record_request(
            "grpc",
            op.name,
            _text(metadata.get("traceparent")),
            _text(metadata.get("tracestate")),
            collection,
        )
        decision = self.faults.decide("grpc", op.name)
        if decision.delay:
            await self.faults.sleep(decision.delay)
        if decision.rule is not None:
            await _abort_fault(context, decision.rule, decision.rule_id)
        self.faults.record_served("grpc", op.name)
        if op is ops.HEALTH:
            return
        key = presented_key(lambda name: _text(metadata.get(name)))
        denial = self.keys.check(key, write=not op.read)
        if denial is Denial.FORBIDDEN:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, denial.value)
        if denial is not None:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, denial.value)


async def _abort_fault(
    context: grpc.aio.ServicerContext[Any, Any], rule: FaultRule, rule_id: int
) -> NoReturn:
    if rule.kind == "drop":
        await context.abort(
            grpc.StatusCode.UNAVAILABLE,
            f"{DROP_MESSAGE} (injected by qdpool fault rule #{rule_id})",
        )
    assert rule.status is not None
    trailers: tuple[tuple[str, str], ...] = ()
    retry_after = rule.effective_retry_after
    if retry_after is not None:
        trailers = (("retry-after", f"{retry_after:g}"),)
    await context.abort(_FAULT_CODES[rule.status], rule.error_message(rule_id), trailers)


def _metadata(context: grpc.aio.ServicerContext[Any, Any]) -> Any:
    return context.invocation_metadata() or ()


def _text(value: str | bytes | None) -> str | None:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value
