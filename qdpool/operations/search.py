"""Reads beyond the single query: batches of queries, grouped queries, facets and the
distance matrix, with their request builders.

Nested query bodies (each search of a batch, a grouped query) are made plain JSON once
and checked by the gRPC encoder, so both protocols refuse the same input alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qdpool import validate
from qdpool._proto import points_pb2 as _pts
from qdpool.errors import InvalidInput
from qdpool.models import (
    FacetHit,
    Filter,
    PointGroup,
    ScoredPoint,
    SearchMatrixOffsets,
    SearchMatrixPair,
)
from qdpool.operations.query import stage
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import query_ops as qo
from qdpool.wire import responses as rs
from qdpool.wire import rest_points, shard_keys

_C = "/collections/{collection}"
_READ = frozenset(("consistency",))

QUERY_BATCH_POINTS: Operation[list[list[ScoredPoint]]] = Operation(
    "query_batch_points",
    "POST",
    _C + "/points/query/batch",
    "/qdrant.Points/QueryBatch",
    idempotent=True,
    read=True,
    decode_rest=rest_points.decode_query_batch,
    raw_answer=True,
    grpc=GrpcCodec(
        _pts.QueryBatchPoints,
        _pts.QueryBatchResponse,
        qo.encode_query_batch,
        qo.decode_query_batch,
        qo.query_batch_to_rest,
        rs.responder(_pts.QueryBatchResponse, qo.respond_query_batch),
    ),
    server_timeout=True,
    options=_READ,
)

QUERY_POINTS_GROUPS: Operation[list[PointGroup]] = Operation(
    "query_points_groups",
    "POST",
    _C + "/points/query/groups",
    "/qdrant.Points/QueryGroups",
    idempotent=True,
    read=True,
    decode_rest=rest_points.decode_query_groups,
    raw_answer=True,
    grpc=GrpcCodec(
        _pts.QueryPointGroups,
        _pts.QueryGroupsResponse,
        qo.encode_query_groups,
        qo.decode_query_groups,
        qo.query_groups_to_rest,
        rs.responder(_pts.QueryGroupsResponse, qo.respond_query_groups),
    ),
    server_timeout=True,
    options=_READ,
)

FACET: Operation[list[FacetHit]] = Operation(
    "facet",
    "POST",
    _C + "/facet",
    "/qdrant.Points/Facet",
    idempotent=True,
    read=True,
    decode_rest=qo.rest_facet,
    grpc=GrpcCodec(
        _pts.FacetCounts,
        _pts.FacetResponse,
        qo.encode_facet,
        qo.decode_facet,
        qo.facet_to_rest,
        rs.responder(_pts.FacetResponse, qo.respond_facet),
    ),
    server_timeout=True,
    options=_READ,
)

SEARCH_MATRIX_PAIRS: Operation[list[SearchMatrixPair]] = Operation(
    "search_matrix_pairs",
    "POST",
    _C + "/points/search/matrix/pairs",
    "/qdrant.Points/SearchMatrixPairs",
    idempotent=True,
    read=True,
    decode_rest=qo.rest_matrix_pairs,
    grpc=GrpcCodec(
        _pts.SearchMatrixPoints,
        _pts.SearchMatrixPairsResponse,
        qo.encode_matrix,
        qo.decode_matrix_pairs,
        qo.matrix_to_rest,
        rs.responder(_pts.SearchMatrixPairsResponse, qo.respond_matrix_pairs),
    ),
    server_timeout=True,
    options=_READ,
)

SEARCH_MATRIX_OFFSETS: Operation[SearchMatrixOffsets] = Operation(
    "search_matrix_offsets",
    "POST",
    _C + "/points/search/matrix/offsets",
    "/qdrant.Points/SearchMatrixOffsets",
    idempotent=True,
    read=True,
    decode_rest=qo.rest_matrix_offsets,
    grpc=GrpcCodec(
        _pts.SearchMatrixPoints,
        _pts.SearchMatrixOffsetsResponse,
        qo.encode_matrix,
        qo.decode_matrix_offsets,
        qo.matrix_to_rest,
        rs.responder(_pts.SearchMatrixOffsetsResponse, qo.respond_matrix_offsets),
    ),
    server_timeout=True,
    options=_READ,
)


# ---------------------------------------------------------------- requests


def query_batch_request(requests: Iterable[Any]) -> dict[str, Any]:
    """``{"searches": [...]}``: each request a REST ``QueryRequest`` dict or a qdrant-client
    ``QueryRequest``, checked as one ``query_points`` body."""
    if isinstance(requests, Mapping | str | bytes) or not isinstance(requests, Iterable):
        raise InvalidInput("requests", "must be a list of query requests")
    searches = []
    for index, request in enumerate(requests):
        field = f"requests[{index}]"
        body = validate.json_value(request, field)
        if not isinstance(body, Mapping):
            raise InvalidInput(field, f"must be a query request dict, not {validate.short(body)}")
        spec, shard_key = shard_keys.split(body)
        try:
            qo.check_query(spec)
            searches.append(shard_keys.with_selector(dict(spec), shard_key))
        except InvalidInput as exc:
            raise InvalidInput(
                f"{field}.{exc.field}" if exc.field else field, exc.problem
            ) from None
    if not searches:
        raise InvalidInput("requests", "must not be empty")
    return {"searches": searches}


def query_groups_request(
    group_by: str,
    query: Any,
    *,
    using: str | None,
    prefetch: Any,
    filter: Filter | None,
    params: Any,
    limit: int,
    group_size: int,
    with_payload: Any,
    with_vector: Any,
    score_threshold: float | None,
    with_lookup: Any,
    lookup_from: Any,
) -> dict[str, Any]:
    if not isinstance(group_by, str) or not group_by:
        raise InvalidInput("group_by", f"must be a payload key, not {validate.short(group_by)}")
    body: dict[str, Any] = {
        "group_by": group_by,
        "limit": validate.positive_int(limit, "limit"),
        "group_size": validate.positive_int(group_size, "group_size"),
        "with_payload": validate.with_payload(with_payload),
        "with_vector": validate.with_vector(with_vector),
    }
    stage(
        body,
        query,
        using=using,
        prefetch=prefetch,
        filter=filter,
        params=params,
        score_threshold=score_threshold,
        lookup_from=lookup_from,
    )
    if with_lookup is not None:
        body["with_lookup"] = validate.json_value(with_lookup, "with_lookup")
    qo.check_groups(body)
    return body


def facet_request(key: str, *, filter: Filter | None, limit: int, exact: bool) -> dict[str, Any]:
    if not isinstance(key, str) or not key:
        raise InvalidInput("key", f"must be a payload key, not {validate.short(key)}")
    body: dict[str, Any] = {
        "key": key,
        "limit": validate.positive_int(limit, "limit"),
        "exact": validate.flag(exact, "exact"),
    }
    checked = validate.filter_(filter)
    if checked is not None:
        body["filter"] = checked
    return body


def matrix_request(
    *, filter: Filter | None, sample: int, limit: int, using: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sample": validate.positive_int(sample, "sample", minimum=2),
        "limit": validate.positive_int(limit, "limit"),
    }
    checked = validate.filter_(filter)
    if checked is not None:
        body["filter"] = checked
    if using is not None:
        if not isinstance(using, str):
            raise InvalidInput("using", f"must be a vector name, not {validate.short(using)}")
        body["using"] = using
    return body
