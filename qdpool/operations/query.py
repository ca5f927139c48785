"""The universal query: ``query_points``."""

from __future__ import annotations

from typing import Any

from qdpool import validate
from qdpool._proto import points_pb2 as _pts
from qdpool.models import Filter, ScoredPoint
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import requests as rq
from qdpool.wire import responses as rs
from qdpool.wire import rest

QUERY_POINTS: Operation[list[ScoredPoint]] = Operation(
    "query_points",
    "POST",
    "/collections/{collection}/points/query",
    "/qdrant.Points/Query",
    idempotent=True,
    read=True,
    decode_rest=rest.decode_scored_points,
    grpc=GrpcCodec(
        _pts.QueryPoints,
        _pts.QueryResponse,
        rq.encode_query,
        rs.decode_query,
        rq.query_to_rest,
        rs.responder(_pts.QueryResponse, rs.respond_query),
    ),
    server_timeout=True,
    options=frozenset(("consistency",)),
)


def query_request(
    query: Any,
    *,
    filter: Filter | None,
    limit: int,
    offset: int | None,
    with_payload: Any,
    with_vector: Any,
    score_threshold: float | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "query": validate.query(query),
        "limit": validate.positive_int(limit, "limit"),
        "with_payload": validate.with_payload(with_payload),
        "with_vector": validate.with_vector(with_vector),
    }
    checked = validate.filter_(filter)
    if checked is not None:
        body["filter"] = checked
    if offset is not None:
        body["offset"] = validate.positive_int(offset, "offset", minimum=0)
    threshold = validate.score_threshold(score_threshold)
    if threshold is not None:
        body["score_threshold"] = threshold
    return body
