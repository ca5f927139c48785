"""Reads beyond the single query: batches of queries, grouped queries, facets and the
distance matrix."""

from __future__ import annotations

from typing import Any

from qdpool.operations.spec import Operation
from qdpool.wire import rest

_C = "/collections/{collection}"
_READ = frozenset(("consistency",))

QUERY_BATCH_POINTS: Operation[Any] = Operation(
    "query_batch_points",
    "POST",
    _C + "/points/query/batch",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=_READ,
)

QUERY_POINTS_GROUPS: Operation[Any] = Operation(
    "query_points_groups",
    "POST",
    _C + "/points/query/groups",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=_READ,
)

FACET: Operation[Any] = Operation(
    "facet",
    "POST",
    _C + "/facet",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=_READ,
)

SEARCH_MATRIX_PAIRS: Operation[Any] = Operation(
    "search_matrix_pairs",
    "POST",
    _C + "/points/search/matrix/pairs",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=_READ,
)

SEARCH_MATRIX_OFFSETS: Operation[Any] = Operation(
    "search_matrix_offsets",
    "POST",
    _C + "/points/search/matrix/offsets",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=_READ,
)
