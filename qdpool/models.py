"""Result and input types: slotted value objects, equal across protocols (frozen dataclasses,
except the per-point results ``Record`` and ``ScoredPoint``: msgspec Structs).

Both transports decode into these, so a point read over REST compares equal to
the same point read over gRPC. Scores and vector components are float32 on the
server; both decoders round them to float32 precision (see ``as_float32``) so
that equality holds exactly.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

import msgspec

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
_T = TypeVar("_T", "Record", "ScoredPoint")


def as_float32(value: float) -> float:
    """Round a Python float to the nearest float32, as the server stores it."""
    result: float = _F32.unpack(_F32.pack(value))[0]
    return result


def _deferred(cls: type[_T], sources: Iterable[Any], fill: Callable[[Any, Any], None]) -> list[_T]:
    # One call per answer rather than per point: a point costs an allocation and two stores.
    new = object.__new__
    pending = _PENDING[cls]
    out = []
    for source in sources:
        point = new(pending)
        point._source = source
        point._fill = fill
        out.append(point)
    return out


def _pending_class(cls: type[_T]) -> type[_T]:
    """The class a deferred point has until it is decoded: ``cls`` with, for each field, a
    property that decodes the point, turns it into a plain ``cls`` (``__class__`` is
    assigned; the layout is the same) and reads the slot. So the first read of any field
    decodes the point, and every read after it, like every field of a point built decoded,
    is a plain slot read (a ``__getattr__`` fallback would pay for an ``AttributeError``
    on every first read)."""

    def deferred_field(name: str) -> property:
        slot = cls.__dict__[name]

        def read(point: Any) -> Any:
            _decode(point, cls)
            return slot.__get__(point, cls)

        def write(point: Any, value: Any) -> None:
            _decode(point, cls)
            slot.__set__(point, value)

        return property(read, write, doc=f"``{name}``, decoding the point on first use.")

    # No ``__slots__`` here: msgspec gives a Struct subclass its layout and refuses one.
    namespace: dict[str, Any] = {name: deferred_field(name) for name in cls.__struct_fields__}
    namespace.update(__module__=cls.__module__, __qualname__=cls.__qualname__)
    return type(cls.__name__, (cls,), namespace)


def _decode(point: Any, cls: type) -> None:
    source = point._source
    point.__class__ = cls
    point._fill(point, source)
    point._source = None


@dataclass(frozen=True, slots=True)
class Point:
    """A point to upsert: an id, a dense vector (or named vectors) and a payload."""

    id: PointId
    vector: Vector | dict[str, Vector]
    payload: Payload | None = None


class _Deferrable:
    """The two slots a deferred point (``Record.deferred``) keeps until it is decoded."""

    __slots__ = ("_fill", "_source")
    _source: Any  # a deferred point's message, None once decoded
    _fill: Callable[[Any, Any], None]


if TYPE_CHECKING:
    _VectorField: TypeAlias = VectorOutput | None
else:
    # msgspec cannot decode a union of two list types; the REST decoder takes a vector as
    # the JSON has it and rounds it to float32 itself (``wire.rest_points``).
    _VectorField = Any


class Record(_Deferrable, msgspec.Struct, gc=False):
    """A stored point as returned by retrieve and scroll.

    ``Record`` and ``ScoredPoint`` are msgspec Structs rather than frozen dataclasses: an
    answer makes one per point, a frozen dataclass's ``__init__`` (an ``object.__setattr__``
    per field) cost about nine times a plain one, more than parsing the answer, and the REST
    decoder builds Structs straight from the answer's bytes in one pass. They are values all
    the same: equal by value, hashable when their payload and vector are, and not meant to
    be changed. They are not tracked by the garbage collector (``gc=False``: a point costs
    no collector work), so a point that is part of a reference cycle, such as a payload that
    holds the point itself, is never freed.

    ``order_value`` is the ``order_by`` key's value for the point when a scroll or query is
    ordered by a payload field (Qdrant sends it then), else None.

    The gRPC decoder makes ``deferred`` ones, decoded from the point's message when a field
    is first read: with upb every field read makes a Python object, and decoding a query's
    payloads at once cost several times parsing the whole reply, paid whether or not they
    were read. Until then the point keeps its message, which keeps the reply's buffer alive,
    and its class is a private subclass (``isinstance`` holds; ``type(point)`` is the class
    itself once any field has been read).
    """

    id: PointId
    payload: Payload | None = None
    vector: _VectorField = None
    order_value: int | float | None = None

    @classmethod
    def deferred(cls, sources: Iterable[Any], fill: Callable[[Any, Any], None]) -> list[Record]:
        """One record per source, each decoded when a field is first read, by
        ``fill(record, source)`` (which sets every field); the source is kept until then."""
        return _deferred(cls, sources, fill)

    def _key(self) -> tuple[Any, ...]:
        return (self.id, self.payload, self.vector, self.order_value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Record, self._key())

    def __copy__(self) -> Record:
        # Fields read as attributes (msgspec's own copy reads the slots), so that a deferred
        # point is decoded first; the same for ``__rich_repr__``.
        return Record(*self._key())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        tail = "" if self.order_value is None else f", order_value={self.order_value!r}"
        return f"Record(id={self.id!r}, payload={self.payload!r}, vector={self.vector!r}{tail})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return list(zip(self.__struct_fields__, self._key(), strict=True))


class ScoredPoint(_Deferrable, msgspec.Struct, gc=False):
    """A point returned by a query, with its similarity score (a Struct, as ``Record`` and
    for the same reasons)."""

    id: PointId
    score: float
    version: int = 0
    payload: Payload | None = None
    vector: _VectorField = None
    order_value: int | float | None = None

    @classmethod
    def deferred(
        cls, sources: Iterable[Any], fill: Callable[[Any, Any], None]
    ) -> list[ScoredPoint]:
        """One point per source, decoded on first access, as ``Record.deferred``."""
        return _deferred(cls, sources, fill)

    def _key(self) -> tuple[Any, ...]:
        return (self.id, self.score, self.version, self.payload, self.vector, self.order_value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ScoredPoint, self._key())

    def __copy__(self) -> ScoredPoint:
        # As ``Record.__copy__``: a deferred point is decoded first.
        return ScoredPoint(*self._key())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScoredPoint):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"ScoredPoint(id={self.id!r}, score={self.score!r}, version={self.version!r}, "
            f"payload={self.payload!r}, vector={self.vector!r}"
            + ("" if self.order_value is None else f", order_value={self.order_value!r}")
            + ")"
        )

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return list(zip(self.__struct_fields__, self._key(), strict=True))


_PENDING: dict[type, Any] = {cls: _pending_class(cls) for cls in (Record, ScoredPoint)}
"""The class of each kind of point until it is decoded (``_pending_class``)."""


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
    """The configuration of one dense vector space.

    The nested sections (``hnsw_config`` overriding the collection's, ``quantization_config``
    such as ``{"scalar": {"type": "int8"}}``, ``multivector_config``) are Qdrant's REST JSON
    objects holding what the server reports; None where it reports none.
    """

    size: int
    distance: Distance
    on_disk: bool | None = None
    datatype: str | None = None
    hnsw_config: Mapping[str, Any] | None = None
    quantization_config: Mapping[str, Any] | None = None
    multivector_config: Mapping[str, Any] | None = None
    memory: str | None = None


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    """What ``get_collection`` reports: health, size and the whole configuration.

    ``vectors`` maps vector names to their parameters; the unnamed default
    vector is under the key ``""``. The config sections (``hnsw_config``,
    ``optimizer_config``, ``wal_config``, ``quantization_config``,
    ``strict_mode_config``, ``metadata``) are Qdrant's REST JSON objects, converted
    through the same protobuf messages on both protocols so that they compare equal
    (float32 fields as their shortest decimal). ``optimizer_status`` is ``"ok"`` or the
    optimizer's error text. ``payload_storage`` and ``id_tracker`` are the collection
    params' ``payload`` and ``id_tracker`` placement (``{"memory": "cold"}``).
    """

    status: str
    points_count: int
    indexed_vectors_count: int
    segments_count: int
    vectors: Mapping[str, VectorParams] = field(default_factory=dict)
    shard_number: int = 1
    replication_factor: int = 1
    on_disk_payload: bool = True
    write_consistency_factor: int = 1
    sparse_vectors: Mapping[str, SparseVectorParams] = field(default_factory=dict)
    payload_schema: Mapping[str, PayloadIndexInfo] = field(default_factory=dict)
    hnsw_config: Mapping[str, Any] = field(default_factory=dict)
    optimizer_config: Mapping[str, Any] = field(default_factory=dict)
    wal_config: Mapping[str, Any] = field(default_factory=dict)
    quantization_config: Mapping[str, Any] | None = None
    strict_mode_config: Mapping[str, Any] | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    optimizer_status: str = "ok"
    sharding_method: str | None = None
    warnings: tuple[str, ...] = ()
    read_fan_out_factor: int | None = None
    read_fan_out_delay_ms: int | None = None
    payload_storage: Mapping[str, Any] | None = None
    id_tracker: Mapping[str, Any] | None = None


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


# ------------------------------------------------------------ queries and reads


@dataclass(frozen=True, slots=True)
class PointGroup:
    """One group of ``query_points_groups``: the group's value at ``group_by``, its best
    hits, and the point of that id in the ``with_lookup`` collection (None without one, or
    when the lookup collection has no such point)."""

    id: int | str
    hits: list[ScoredPoint]
    lookup: Record | None = None


@dataclass(frozen=True, slots=True)
class FacetHit:
    """One value of a payload key and the number of points (matching the filter) that have it."""

    value: str | int | bool
    count: int


@dataclass(frozen=True, slots=True)
class SearchMatrixPair:
    """Two sampled points and the similarity score between them."""

    a: PointId
    b: PointId
    score: float


@dataclass(frozen=True, slots=True)
class SearchMatrixOffsets:
    """The distance matrix in coordinate form: entry ``k`` is the score between
    ``ids[offsets_row[k]]`` and ``ids[offsets_col[k]]``."""

    offsets_row: tuple[int, ...]
    offsets_col: tuple[int, ...]
    scores: tuple[float, ...]
    ids: tuple[PointId, ...]


# ------------------------------------------------------------ collections, aliases, snapshots


@dataclass(frozen=True, slots=True)
class SparseVectorParams:
    """One sparse vector space: its index settings (REST JSON) and value ``modifier``
    (``"none"`` or ``"idf"``)."""

    index: Mapping[str, Any] | None = None
    modifier: str | None = None


@dataclass(frozen=True, slots=True)
class PayloadIndexInfo:
    """One payload index in ``CollectionInfo.payload_schema``: its schema type, its
    parameters (REST JSON, ``{"type": "keyword", "is_tenant": true}``) and points indexed."""

    data_type: str
    params: Mapping[str, Any] | None = None
    points: int = 0


@dataclass(frozen=True, slots=True)
class AliasDescription:
    """An alias and the collection it points to."""

    alias_name: str
    collection_name: str


@dataclass(frozen=True, slots=True)
class LocalShardInfo:
    """A shard of the collection held by the peer that answered."""

    shard_id: int
    points_count: int
    state: str
    shard_key: str | int | None = None


@dataclass(frozen=True, slots=True)
class RemoteShardInfo:
    """A shard of the collection held by another peer."""

    shard_id: int
    peer_id: int
    state: str
    shard_key: str | int | None = None


@dataclass(frozen=True, slots=True)
class ShardTransferInfo:
    """A shard moving between peers (``from_peer`` -> ``to_peer``)."""

    shard_id: int
    from_peer: int
    to_peer: int
    sync: bool
    to_shard_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReshardingInfo:
    """A resharding operation in progress (``direction`` ``"up"`` or ``"down"``)."""

    shard_id: int
    peer_id: int
    direction: str
    shard_key: str | int | None = None


@dataclass(frozen=True, slots=True)
class CollectionClusterInfo:
    """``collection_cluster_info``: where the collection's shards are, on this peer and others."""

    peer_id: int
    shard_count: int
    local_shards: tuple[LocalShardInfo, ...] = ()
    remote_shards: tuple[RemoteShardInfo, ...] = ()
    shard_transfers: tuple[ShardTransferInfo, ...] = ()
    resharding_operations: tuple[ReshardingInfo, ...] = ()
