"""Every Qdrant operation qdpool speaks, one spec each (see ``spec.Operation``).

A module per family holds its specs and the request builders that validate a
method's arguments into Qdrant's REST JSON shape. ``ALL`` lists every spec: the
embedded server routes both of its doors from it, and the fault injector checks
operation names against it.
"""

from __future__ import annotations

from typing import Any

from qdpool.operations.collections import (
    COLLECTION_EXISTS,
    CREATE_COLLECTION,
    DELETE_COLLECTION,
    GET_COLLECTION,
    LIST_COLLECTIONS,
)
from qdpool.operations.points import COUNT, DELETE_POINTS, RETRIEVE, SCROLL, UPSERT
from qdpool.operations.query import QUERY_POINTS
from qdpool.operations.service import CLUSTER_STATUS, HEALTH
from qdpool.operations.snapshots import CREATE_SNAPSHOT, LIST_SNAPSHOTS
from qdpool.operations.spec import GrpcCodec, Operation

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
)

NAMES: frozenset[str] = frozenset(op.name for op in ALL)

__all__ = [
    "ALL",
    "CLUSTER_STATUS",
    "COLLECTION_EXISTS",
    "COUNT",
    "CREATE_COLLECTION",
    "CREATE_SNAPSHOT",
    "DELETE_COLLECTION",
    "DELETE_POINTS",
    "GET_COLLECTION",
    "HEALTH",
    "LIST_COLLECTIONS",
    "LIST_SNAPSHOTS",
    "NAMES",
    "QUERY_POINTS",
    "RETRIEVE",
    "SCROLL",
    "UPSERT",
    "GrpcCodec",
    "Operation",
]
