"""The gRPC door: a grpc.aio server on Qdrant's method paths, backed by the same engine.

Each method path from ``qdpool.call.OPERATIONS`` (``/qdrant.Points/Query`` ...)
gets a generic unary handler that decodes the request with qdpool's own
messages (``qdpool.transport.codec_proto.GRPC_MESSAGES``; Qdrant's field
numbers, so any Qdrant client can talk to it), converts it to the REST shape
with ``request_to_rest``, runs the engine, and encodes the REST result with
``result_to_response``.  The REST door and this one therefore share every
behaviour except framing and status codes.

Per call, as on REST: trace headers logged, faults, then the key
(``api-key`` metadata or ``authorization: Bearer``; UNAUTHENTICATED when
missing or wrong, PERMISSION_DENIED for a write with the read-only key).
Engine errors map to NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT,
PERMISSION_DENIED, UNAVAILABLE or INTERNAL.  ``grpc.health.v1.Health/Check``
(messages from grpcio-health-checking) and ``qdrant.Qdrant/HealthCheck`` need
no key.  Messages have no size limit, as in Qdrant.
"""

from __future__ import annotations

import struct
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

import grpc
import grpc.aio
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2

from qdpool.call import HEALTH, OPERATIONS, Operation
from qdpool.embedded.auth import ApiKeys, Denial, presented_key
from qdpool.embedded.engine import Engine
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.embedded.faults import FaultInjector, FaultRule
from qdpool.embedded.version import version_info
from qdpool.errors import InvalidInput
from qdpool.transport.codec_proto import GRPC_MESSAGES, request_to_rest, result_to_response

SERVER_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", -1),
    ("grpc.so_reuseport", 0),
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
    for op in OPERATIONS.values():
        if op.grpc_method is None or op.name not in GRPC_MESSAGES:
            continue
        service, method = op.grpc_method[1:].split("/")
        request_cls, response_cls = GRPC_MESSAGES[op.name]
        if op.name == "get_collection":
            # Serialized by the handler itself, to add the config sections (see the end).
            services[service][method] = grpc.unary_unary_rpc_method_handler(
                door.get_collection_handler(op), request_deserializer=request_cls.FromString
            )
            continue
        services[service][method] = grpc.unary_unary_rpc_method_handler(
            door.handler(op),
            request_deserializer=request_cls.FromString,
            response_serializer=response_cls.SerializeToString,
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

    def handler(self, op: Operation) -> Unary:
        async def handle(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Message:
            return await self.serve(op, request, context)

        return handle

    def get_collection_handler(self, op: Operation) -> Callable[..., Awaitable[bytes]]:
        async def handle(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
            started = time.perf_counter()
            result = await self.run(op, request, context)
            response = result_to_response(op.name, result, time.perf_counter() - started)
            return response.SerializeToString() + collection_config_sections(result)

        return handle

    async def serve(
        self, op: Operation, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Message:
        started = time.perf_counter()
        result = await self.run(op, request, context)
        return result_to_response(op.name, result, time.perf_counter() - started)

    async def run(
        self, op: Operation, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Any:
        """Front checks, then the engine; returns the REST ``result`` JSON or aborts the call."""
        await self.front(op, getattr(request, "collection_name", None) or None, context)
        try:
            collection, body, params = request_to_rest(op.name, request)
        except (InvalidInput, ValueError) as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        if op is HEALTH:
            return version_info()
        try:
            return await self.engine.run(op.name, collection, body, params)
        except EngineError as exc:
            await context.abort(_CODES[exc.kind], exc.message)

    async def health_check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> health_pb2.HealthCheckResponse:
        await self.front(HEALTH, None, context)
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

    async def front(
        self, op: Operation, collection: str | None, context: grpc.aio.ServicerContext[Any, Any]
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
        if op is HEALTH:
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


# -- bridge: collection config sections missing from qdpool's protos -----------------------
#
# qdpool's ``CollectionConfig`` message carries only ``params``; Qdrant's also has
# ``hnsw_config`` (2), ``optimizer_config`` (3) and ``wal_config`` (4), and the official
# qdrant-client refuses a ``GetCollectionInfoResponse`` without them (its pydantic models
# require ``m``, ``ef_construct``, ``flush_interval_sec``, ``wal_capacity_mb`` ...).
# Protobuf merges repeated occurrences of a singular sub-message, so these sections are
# encoded here and appended to the serialized response.  Once the protos and
# ``codec_proto.result_to_response`` carry them, this bridge can go (appending the same
# values again would be harmless meanwhile).


def collection_config_sections(result: Any) -> bytes:
    """``result.config.{hnsw_config, optimizer_config, wal_config}`` in Qdrant's wire format."""
    config = result.get("config") or {}
    sections = (
        _message(2, _fields(config.get("hnsw_config") or {}, _HNSW_FIELDS))
        + _message(3, _fields(config.get("optimizer_config") or {}, _OPTIMIZER_FIELDS))
        + _message(4, _fields(config.get("wal_config") or {}, _WAL_FIELDS))
    )
    return _message(1, _message(7, sections))  # GetCollectionInfoResponse.result.config


# (JSON name, field number, wire kind) as in Qdrant's HnswConfigDiff, OptimizersConfigDiff
# and WalConfigDiff.
_HNSW_FIELDS = (
    ("m", 1, "uint"),
    ("ef_construct", 2, "uint"),
    ("full_scan_threshold", 3, "uint"),
    ("max_indexing_threads", 4, "uint"),
    ("on_disk", 5, "uint"),
    ("payload_m", 6, "uint"),
)
_OPTIMIZER_FIELDS = (
    ("deleted_threshold", 1, "double"),
    ("vacuum_min_vector_number", 2, "uint"),
    ("default_segment_number", 3, "uint"),
    ("max_segment_size", 4, "uint"),
    ("memmap_threshold", 5, "uint"),
    ("indexing_threshold", 6, "uint"),
    ("flush_interval_sec", 7, "uint"),
)
_WAL_FIELDS = (("wal_capacity_mb", 1, "uint"), ("wal_segments_ahead", 2, "uint"))


def _fields(values: dict[str, Any], layout: tuple[tuple[str, int, str], ...]) -> bytes:
    out = b""
    for name, number, kind in layout:
        value = values.get(name)
        if value is None:
            continue
        if kind == "double":
            out += _varint(number << 3 | 1) + struct.pack("<d", float(value))
        else:
            out += _varint(number << 3) + _varint(int(value))
    return out


def _message(number: int, body: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(body)) + body


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)
