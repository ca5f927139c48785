"""Every Qdrant operation qdpool speaks, one spec each (see ``spec.Operation``).

A module per family holds its specs and the request builders that validate a
method's arguments into Qdrant's REST JSON shape. ``ALL`` lists every spec: the
embedded server routes both of its doors from it, and the fault injector checks
operation names against it.
"""

from __future__ import annotations

from typing import Any

from qdpool.operations.aliases import (
    GET_ALIASES,
    GET_COLLECTION_ALIASES,
    UPDATE_COLLECTION_ALIASES,
)
from qdpool.operations.collections import (
    COLLECTION_CLUSTER_INFO,
    COLLECTION_EXISTS,
    CREATE_COLLECTION,
    DELETE_COLLECTION,
    GET_COLLECTION,
    LIST_COLLECTIONS,
    UPDATE_COLLECTION,
)
from qdpool.operations.indexes import CREATE_PAYLOAD_INDEX, DELETE_PAYLOAD_INDEX
from qdpool.operations.payload import (
    CLEAR_PAYLOAD,
    DELETE_PAYLOAD,
    OVERWRITE_PAYLOAD,
    SET_PAYLOAD,
)
from qdpool.operations.points import (
    BATCH_UPDATE_POINTS,
    COUNT,
    DELETE_POINTS,
    GET_POINT,
    RETRIEVE,
    SCROLL,
    UPSERT,
)
from qdpool.operations.query import QUERY_POINTS
from qdpool.operations.search import (
    FACET,
    QUERY_BATCH_POINTS,
    QUERY_POINTS_GROUPS,
    SEARCH_MATRIX_OFFSETS,
    SEARCH_MATRIX_PAIRS,
)
from qdpool.operations.service import CLUSTER_STATUS, HEALTH, TELEMETRY
from qdpool.operations.shard_keys import CREATE_SHARD_KEY, DELETE_SHARD_KEY, LIST_SHARD_KEYS
from qdpool.operations.snapshots import (
    CREATE_FULL_SNAPSHOT,
    CREATE_SNAPSHOT,
    DELETE_FULL_SNAPSHOT,
    DELETE_SNAPSHOT,
    DOWNLOAD_FULL_SNAPSHOT,
    DOWNLOAD_SNAPSHOT,
    LIST_FULL_SNAPSHOTS,
    LIST_SNAPSHOTS,
    RECOVER_SNAPSHOT,
    UPLOAD_SNAPSHOT,
)
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.operations.vectors import DELETE_VECTORS, UPDATE_VECTORS

ALL: tuple[Operation[Any], ...] = (
    CREATE_COLLECTION,
    LIST_COLLECTIONS,
    GET_COLLECTION,
    COLLECTION_EXISTS,
    DELETE_COLLECTION,
    UPSERT,
    RETRIEVE,
    COUNT,
    DELETE_POINTS,
    QUERY_POINTS,
    SCROLL,
    CREATE_SNAPSHOT,
    LIST_SNAPSHOTS,
    CLUSTER_STATUS,
    HEALTH,
    GET_POINT,
    SET_PAYLOAD,
    OVERWRITE_PAYLOAD,
    DELETE_PAYLOAD,
    CLEAR_PAYLOAD,
    UPDATE_VECTORS,
    DELETE_VECTORS,
    BATCH_UPDATE_POINTS,
    CREATE_PAYLOAD_INDEX,
    DELETE_PAYLOAD_INDEX,
    QUERY_BATCH_POINTS,
    QUERY_POINTS_GROUPS,
    FACET,
    SEARCH_MATRIX_PAIRS,
    SEARCH_MATRIX_OFFSETS,
    UPDATE_COLLECTION,
    UPDATE_COLLECTION_ALIASES,
    GET_ALIASES,
    GET_COLLECTION_ALIASES,
    COLLECTION_CLUSTER_INFO,
    DELETE_SNAPSHOT,
    DOWNLOAD_SNAPSHOT,
    RECOVER_SNAPSHOT,
    UPLOAD_SNAPSHOT,
    CREATE_FULL_SNAPSHOT,
    LIST_FULL_SNAPSHOTS,
    DELETE_FULL_SNAPSHOT,
    DOWNLOAD_FULL_SNAPSHOT,
    TELEMETRY,
    CREATE_SHARD_KEY,
    DELETE_SHARD_KEY,
    LIST_SHARD_KEYS,
)

_BY_NAME: dict[str, Operation[Any]] = {op.name: op for op in ALL}
NAMES: frozenset[str] = frozenset(_BY_NAME)


def by_name(name: str) -> Operation[Any]:
    """The spec named ``name``, where a name crosses a boundary that cannot carry the spec
    itself (the embedded cluster's engine link, fault rules given as JSON)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no Qdrant operation named {name!r}") from None


__all__ = [
    "ALL",
    "BATCH_UPDATE_POINTS",
    "CLEAR_PAYLOAD",
    "CLUSTER_STATUS",
    "COLLECTION_CLUSTER_INFO",
    "COLLECTION_EXISTS",
    "COUNT",
    "CREATE_COLLECTION",
    "CREATE_FULL_SNAPSHOT",
    "CREATE_PAYLOAD_INDEX",
    "CREATE_SHARD_KEY",
    "CREATE_SNAPSHOT",
    "DELETE_COLLECTION",
    "DELETE_FULL_SNAPSHOT",
    "DELETE_PAYLOAD",
    "DELETE_PAYLOAD_INDEX",
    "DELETE_POINTS",
    "DELETE_SHARD_KEY",
    "DELETE_SNAPSHOT",
    "DELETE_VECTORS",
    "DOWNLOAD_FULL_SNAPSHOT",
    "DOWNLOAD_SNAPSHOT",
    "FACET",
    "GET_ALIASES",
    "GET_COLLECTION",
    "GET_COLLECTION_ALIASES",
    "GET_POINT",
    "HEALTH",
    "LIST_COLLECTIONS",
    "LIST_FULL_SNAPSHOTS",
    "LIST_SHARD_KEYS",
    "LIST_SNAPSHOTS",
    "NAMES",
    "OVERWRITE_PAYLOAD",
    "QUERY_BATCH_POINTS",
    "QUERY_POINTS",
    "QUERY_POINTS_GROUPS",
    "RECOVER_SNAPSHOT",
    "RETRIEVE",
    "SCROLL",
    "SEARCH_MATRIX_OFFSETS",
    "SEARCH_MATRIX_PAIRS",
    "SET_PAYLOAD",
    "TELEMETRY",
    "UPDATE_COLLECTION",
    "UPDATE_COLLECTION_ALIASES",
    "UPDATE_VECTORS",
    "UPLOAD_SNAPSHOT",
    "UPSERT",
    "GrpcCodec",
    "Operation",
    "by_name",
]
