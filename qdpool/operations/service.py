"""The node itself: health (title and version) and cluster status."""

from __future__ import annotations

from typing import Any

from qdpool._proto import qdrant_pb2 as _qd
from qdpool.models import HealthInfo
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import requests as rq
from qdpool.wire import responses as rs
from qdpool.wire import rest

CLUSTER_STATUS: Operation[dict[str, Any]] = Operation(
    "cluster_status",
    "GET",
    "/cluster",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_object,
)
"""Qdrant has no gRPC method for it, so it always goes over REST."""

HEALTH: Operation[HealthInfo] = Operation(
    "health",
    "GET",
    "/",
    "/qdrant.Qdrant/HealthCheck",
    idempotent=True,
    read=True,
    decode_rest=rest.decode_health,
    grpc=GrpcCodec(
        _qd.HealthCheckRequest,
        _qd.HealthCheckReply,
        lambda call: _qd.HealthCheckRequest(),
        rs.decode_health,
        rq.nothing_to_rest,
        rs.responder(_qd.HealthCheckReply, rs.respond_health, timed=False),
    ),
    envelope=False,
)
"""``GET /`` is the one answer Qdrant sends without the ``{"result": ...}`` envelope."""


TELEMETRY: Operation[Any] = Operation(
    "telemetry",
    "GET",
    "/telemetry",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=frozenset(),
)
