"""Result and input types: frozen, slotted value objects, equal across protocols.

Both transports decode into these, so a point read over REST compares equal to
the same point read over gRPC. Scores and vector components are float32 on the
server; both decoders round them to float32 precision (see ``as_float32``) so
that equality holds exactly.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

PointId: TypeAlias = int | str
"""An unsigned 64-bit integer or a UUID string, as Qdrant accepts them."""

Payload: TypeAlias = dict[str, Any]
Vector: TypeAlias = list[float]
VectorOutput: TypeAlias = list[float] | list[list[float]] | dict[str, Any]
"""A stored point's vector: dense (a list), multi-dense (a list of lists), or named vectors
(a dict of those and of sparse vectors, ``{"indices": [int, ...], "values": [float, ...]}``)."""
Filter: TypeAlias = Mapping[str, Any]
"""A filter in Qdrant's REST JSON shape; the gRPC codec converts it."""

Distance: TypeAlias = Literal["Cosine", "Euclid", "Dot", "Manhattan"]
Protocol: TypeAlias = Literal["rest", "grpc"]

_F32 = struct.Struct("<f")


def as_float32(value: float) -> float:
    """Round a Python float to the nearest float32, as the server stores it."""
    result: float = _F32.unpack(_F32.pack(value))[0]
    return result


@dataclass(frozen=True, slots=True)
class Point:
    """A point to upsert: an id, a dense vector (or named vectors) and a payload."""

    id: PointId
    vector: Vector | dict[str, Vector]
    payload: Payload | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """A stored point as returned by retrieve and scroll."""

    id: PointId
    payload: Payload | None = None
    vector: VectorOutput | None = None


@dataclass(frozen=True, slots=True)
class ScoredPoint:
    """A point returned by a query, with its similarity score."""

    id: PointId
    score: float
    version: int = 0
    payload: Payload | None = None
    vector: VectorOutput | None = None


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """The outcome of a write. ``operation_id`` is None when the server gives none.

    ``status`` is ``"acknowledged"``, ``"completed"`` or ``"wait_timeout"`` (the
    write is in the server's WAL but indexing outlasted the wait; not an error).
    """

    operation_id: int | None
    status: str


@dataclass(frozen=True, slots=True)
class VectorParams:
    """The configuration of one dense vector."""

    size: int
    distance: Distance
    on_disk: bool | None = None


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    """What ``get_collection`` reports: health, size and vector configuration.

    ``vectors`` maps vector names to their parameters; the unnamed default
    vector is under the key ``""``.
    """

    status: str
    points_count: int
    indexed_vectors_count: int
    segments_count: int
    vectors: Mapping[str, VectorParams] = field(default_factory=dict)
    shard_number: int = 1
    replication_factor: int = 1
    on_disk_payload: bool = True


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """A snapshot file on the server. ``creation_time`` is ISO 8601 without zone, as Qdrant
    gives it over REST."""

    name: str
    creation_time: str | None
    size: int
    checksum: str | None = None


@dataclass(frozen=True, slots=True)
class HealthInfo:
    """The server's identity, from ``GET /`` or ``qdrant.Qdrant/HealthCheck``."""

    title: str
    version: str
    commit: str | None = None
