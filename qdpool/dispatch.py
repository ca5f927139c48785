"""The pipeline's terminal: the transport of the call's node and protocol.

This is where the protocol is final (fallback, and later the balancer, have
chosen it), so it is where a request too large for one message is split
(``Operation.split``): the parts go one after another through the same
transport, and ``Operation.merge`` makes one result of theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import ApiError, ClientClosed
from qdpool.transport.base import Transport

MAX_REST_BODY = 32 * 1024 * 1024
"""Qdrant's REST body cap (``service.max_request_size_mb``, 32 MiB by default)."""
MAX_GRPC_MESSAGE = 16 * 1024 * 1024
"""qdpool's own bound on one gRPC upsert message, to keep memory and latency per message sane."""
DEFAULT_LIMITS = {"rest": MAX_REST_BODY, "grpc": MAX_GRPC_MESSAGE}


class Dispatch:
    """Sends each call through ``transports[call.endpoint][call.protocol]``.

    Args:
        transports: per node, per protocol.
        limits: per protocol, the most bytes one request may take (REST: Qdrant's body
            cap; gRPC: qdpool's own bound on one message); ``DEFAULT_LIMITS`` by default.
    """

    name = "transport"
    __slots__ = ("_limits", "transports")

    def __init__(
        self,
        transports: dict[Endpoint, dict[str, Transport]],
        limits: Mapping[str, int] = DEFAULT_LIMITS,
    ) -> None:
        self.transports = transports
        self._limits = dict(limits)

    def __call__(self, call: Call) -> Any:
        try:
            transport = self.transports[call.endpoint][call.protocol]
        except KeyError:
            raise ClientClosed(
                f"no {call.protocol} transport for {call.endpoint}; is the client started, "
                f"and is {call.protocol!r} among its protocols?"
            ) from None
        if call.operation.split is None:
            return transport.send(call)
        return self._send_in_parts(transport, call)

    async def _send_in_parts(self, transport: Transport, call: Call) -> Any:
        operation = call.operation
        assert operation.split is not None and operation.merge is not None
        results: list[Any] = []
        for part in operation.split(call, self._limits[call.protocol]):
            try:
                results.append(await transport.send(part))
            except ApiError as exc:
                if results:
                    exc.sent = True  # earlier parts were written: the call was partly sent
                raise
            finally:
                call.sent = call.sent or part.sent
        return operation.merge(results)
