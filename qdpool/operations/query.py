"""The universal query: ``query_points``, and its request builder.

A plain dense vector (the hot, benchmarked path) is checked by ``validate.query``
alone; anything beyond it (a query object, a sparse or multi-vector, prefetch,
params, lookup_from) is made plain JSON once (qdrant-client models and numpy
arrays accepted) and checked by running the gRPC encoder on it, so that both
protocols refuse the same input with the same ``InvalidInput``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qdpool import validate
from qdpool._proto import points_pb2 as _pts
from qdpool.errors import InvalidInput
from qdpool.models import Filter, ScoredPoint
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import query_ops as qo
from qdpool.wire import responses as rs
from qdpool.wire import rest_points

QUERY_POINTS: Operation[list[ScoredPoint]] = Operation(
    "query_points",
    "POST",
    "/collections/{collection}/points/query",
    "/qdrant.Points/Query",
    idempotent=True,
    read=True,
    decode_rest=rest_points.decode_query,
    raw_answer=True,
    grpc=GrpcCodec(
        _pts.QueryPoints,
        _pts.QueryResponse,
        qo.encode_query,
        rs.decode_query,
        qo.query_to_rest,
        rs.responder(_pts.QueryResponse, rs.respond_query),
    ),
    server_timeout=True,
    options=frozenset(("consistency",)),
)


def _is_simple(query: Any) -> bool:
    """A dense vector (list, tuple, 1-D array) or a point id: the fast path."""
    if isinstance(query, list):
        return not (query and isinstance(query[0], (list, tuple)))  # a tuple: no union per call
    if isinstance(query, Mapping) or hasattr(query, "model_dump"):
        return False
    ndim = getattr(query, "ndim", None)
    return ndim is None or ndim == 1


def stage(
    body: dict[str, Any],
    query: Any,
    *,
    using: str | None,
    prefetch: Any,
    filter: Filter | None,
    params: Any,
    score_threshold: float | None,
    lookup_from: Any,
) -> bool:
    """Fill ``body`` with one query stage's fields; True when it needs the full check."""
    full = False
    if query is not None:
        if _is_simple(query):
            body["query"] = validate.query(query)
        else:
            body["query"] = validate.json_value(query, "query")
            full = True
    if using is not None:
        if not isinstance(using, str):
            raise InvalidInput("using", f"must be a vector name, not {validate.short(using)}")
        body["using"] = using
    checked = validate.filter_(filter)
    if checked is not None:
        body["filter"] = checked
    threshold = validate.score_threshold(score_threshold)
    if threshold is not None:
        body["score_threshold"] = threshold
    if prefetch is not None:
        body["prefetch"] = validate.json_value(prefetch, "prefetch")
        full = True
    if params is not None:
        body["params"] = validate.json_value(params, "params")
        full = True
    if lookup_from is not None:
        body["lookup_from"] = validate.json_value(lookup_from, "lookup_from")
        full = True
    return full


def query_request(
    query: Any,
    *,
    using: str | None = None,
    prefetch: Any = None,
    filter: Filter | None,
    params: Any = None,
    limit: int,
    offset: int | None,
    with_payload: Any,
    with_vector: Any,
    score_threshold: float | None,
    lookup_from: Any = None,
) -> dict[str, Any]:
    if (
        filter is None
        and offset is None
        and score_threshold is None
        and using is None
        and prefetch is None
        and params is None
        and lookup_from is None
        and type(limit) is int
        and limit > 0
        and (with_payload is True or with_payload is False)
        and (with_vector is True or with_vector is False)
        and _is_simple(query)
    ):  # the plain nearest query, the most common call: nothing more to check
        return {
            "query": validate.query(query),
            "limit": limit,
            "with_payload": with_payload,
            "with_vector": with_vector,
        }
    body: dict[str, Any] = {
        "limit": validate.positive_int(limit, "limit"),
        "with_payload": validate.with_payload(with_payload),
        "with_vector": validate.with_vector(with_vector),
    }
    if offset is not None:
        body["offset"] = validate.positive_int(offset, "offset", minimum=0)
    full = stage(
        body,
        query,
        using=using,
        prefetch=prefetch,
        filter=filter,
        params=params,
        score_threshold=score_threshold,
        lookup_from=lookup_from,
    )
    if full:
        qo.check_query(body)
    return body
