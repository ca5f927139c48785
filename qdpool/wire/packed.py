"""Upserts from bulk ingestion, and the plain nearest query, written straight to protobuf bytes.

``upload_points`` and ``upload_collection`` hand the transport batches of checked points
(``PointRows``) whose dense vectors are float32 numpy arrays. Building an
``UpsertPoints`` message for them costs more than the rest of the upload: each point
is a chain of upb objects, and serializing the message copies its floats one by one
again. So the request is written here as protobuf's wire format, which is plain
concatenation:

- a dense vector is its array's little-endian bytes behind a header that depends only
  on its dimension (``Vectors.vector`` -> ``Vector.dense`` -> ``DenseVector.data``,
  packed ``float``), so one ``tobytes()`` per point;
- ids and payloads (``map<string, Value>``) are a few tags and varints per value;
- the message's other fields (collection, ``wait``, ordering, ``update_filter``,
  ``update_mode``) are serialized by upb as usual and put before the points: a parser
  reads fields in any order, and a repeated field's entries in the order they come.

Field numbers are those of ``qdpool/_proto`` (Qdrant's ``points.proto`` and
``json_with_int.proto``). Anything the fast path does not know (multi-dense and
sparse vectors, vectors as lists, values of other types) is encoded for that point by
the usual upb fill, and a batch the fast path cannot encode at all (a value out of
range, a bad key) is encoded by the usual path, which raises the usual ``InvalidInput``
- so the bytes always parse to the message ``encode_upsert`` would have built.

The plain nearest query (``query_points`` with one dense vector and no more than a
limit and the two selectors, a search service's every call) is written here too
(``nearest_query``): its vector is one ``struct`` pack behind a header that depends
only on its dimension, and the rest of its ``QueryPoints`` is the same for every call
with that collection, limit and selectors, so ``query_ops`` serializes it once.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any, SupportsIndex, overload

from qdpool._proto import points_pb2 as _pts
from qdpool.wire.values import _fill_vectors

_INT64 = 1 << 63
_U64_MASK = (1 << 64) - 1
_SMALL = tuple(bytes((n,)) for n in range(0x80))
_pack_double = struct.Struct("<d").pack

# Tags: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
_POINTS = b"\x1a"  # UpsertPoints.points = 3
_ID = b"\x0a"  # PointStruct.id = 1
_PAYLOAD = b"\x1a"  # PointStruct.payload = 3 (map entries)
_VECTORS = b"\x22"  # PointStruct.vectors = 4
_NUM, _UUID = b"\x08", b"\x12"  # PointId.num = 1, PointId.uuid = 2
_KEY, _VALUE = b"\x0a", b"\x12"  # a map entry's key = 1, value = 2
_NULL, _TRUE, _FALSE = b"\x08\x00", b"\x28\x01", b"\x28\x00"  # Value.null_value, bool_value
_DOUBLE, _INTEGER, _STRING = b"\x11", b"\x18", b"\x22"  # Value.double/integer/string_value
_STRUCT, _LIST = b"\x32", b"\x3a"  # Value.struct_value = 6, list_value = 7
_ENTRY = b"\x0a"  # Struct.fields = 1 (map entries), ListValue.values = 1, NamedVectors = 1
_NAMED = b"\x12"  # Vectors.vectors = 2
_DENSE = b"\xaa\x06"  # Vector.dense = 101
_DATA = b"\x0a"  # DenseVector.data = 1 (packed float)
_SMALL_INTEGERS = tuple(_INTEGER + bytes((n,)) for n in range(0x80))
_KEYS: dict[str, bytes] = {}
_HEADERS: dict[int, bytes] = {}  # data bytes -> dense_header
_MAX_KEYS = 4096
_NEAREST: dict[int, tuple[bytes, Any]] = {}  # dimension -> (nearest_query's header, packer)


class PointRows(list[dict[str, Any]]):
    """Checked points in Qdrant's REST shape, from the bulk path: ``encode_upsert`` writes
    them to bytes here. A slice is ``PointRows`` too, so the parts of a batch split by
    size keep the fast encoding."""

    __slots__ = ()

    @overload
    def __getitem__(self, index: SupportsIndex) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> PointRows: ...

    def __getitem__(self, index: SupportsIndex | slice) -> dict[str, Any] | PointRows:
        if isinstance(index, slice):
            return PointRows(super().__getitem__(index))
        return super().__getitem__(index)


class Unsupported(Exception):
    """A value the fast path does not encode; the batch goes the usual way."""


def varint(value: int) -> bytes:
    """An unsigned varint."""
    if value < 0x80:
        return _SMALL[value]
    if value < 0x4000:
        return bytes(((value & 0x7F) | 0x80, value >> 7))
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(tag: bytes, body: bytes) -> bytes:
    return tag + varint(len(body)) + body


def dense_header(dim: int) -> bytes:
    """The bytes before a ``dim``-d float32 vector's data in ``PointStruct.vectors``
    (remembered per size: a collection's vectors share one)."""
    data = 4 * dim
    dense = _DATA + varint(data)  # DenseVector{data}
    vector = _DENSE + varint(len(dense) + data) + dense  # Vector{dense}
    vectors = _ENTRY + varint(len(vector) + data) + vector  # Vectors{vector}
    header = _VECTORS + varint(len(vectors) + data) + vectors
    if len(_HEADERS) >= _MAX_KEYS:
        _HEADERS.clear()
    _HEADERS[data] = header
    return header


def _dense_vector_bytes(array: Any) -> bytes:
    """``Vector{dense: DenseVector{data}}`` for a float32 array (inside named vectors)."""
    raw: bytes = array.astype("<f4", copy=False).tobytes()
    dense = _DATA + varint(len(raw)) + raw
    return _DENSE + varint(len(dense)) + dense


def point_id(value: Any) -> bytes:
    """``PointStruct.id`` for a checked id (an int in u64 range or a UUID string)."""
    kind = type(value)
    if kind is int and 0 <= value <= _U64_MASK:
        inner = _NUM + (_SMALL[value] if value < 0x80 else varint(value))
    elif kind is str:
        inner = _field(_UUID, value.encode())
    else:
        raise Unsupported
    return _ID + varint(len(inner)) + inner


def value(item: Any) -> bytes:
    """A JSON value as a ``Value`` message's bytes."""
    kind = type(item)
    if kind is str:
        raw: bytes = item.encode()
        size = len(raw)
        return _STRING + (_SMALL[size] if size < 0x80 else varint(size)) + raw
    if kind is int:
        if 0 <= item < 0x80:
            small: bytes = _SMALL_INTEGERS[item]
            return small
        if not -_INT64 <= item < _INT64:
            raise Unsupported  # the usual path refuses it, naming the key
        return _INTEGER + varint(item & _U64_MASK)  # int64: two's complement, 10 bytes if < 0
    if kind is float:
        return _DOUBLE + _pack_double(item)
    if kind is bool:
        return _TRUE if item else _FALSE
    if item is None:
        return _NULL
    if kind is dict:
        return _field(_STRUCT, _entries(item, _ENTRY))
    if kind is list:
        return _field(_LIST, b"".join([_field(_ENTRY, value(v)) for v in item]))
    raise Unsupported


def _entries(mapping: Mapping[Any, Any], tag: bytes) -> bytes:
    """A ``map<string, Value>``'s entries, each behind ``tag`` (its field's)."""
    keys = _KEYS
    parts = []
    for key, item in mapping.items():
        head = keys.get(key)
        if head is None:
            if type(key) is not str:
                raise Unsupported
            head = _key(key)
        entry = head + _VALUE
        encoded = value(item)
        size = len(encoded)
        entry += (_SMALL[size] if size < 0x80 else varint(size)) + encoded
        size = len(entry)
        parts.append(tag + (_SMALL[size] if size < 0x80 else varint(size)) + entry)
    return b"".join(parts)


def _key(key: str) -> bytes:
    """A map entry's key field, remembered: payloads repeat their keys point after point."""
    head = _field(_KEY, key.encode())
    if len(_KEYS) >= _MAX_KEYS:
        _KEYS.clear()
    _KEYS[key] = head
    return head


def _payload(payload: Mapping[str, Any]) -> bytes:
    if type(payload) is not dict:
        raise Unsupported
    return _entries(payload, _PAYLOAD)


def _vectors(vector: Any) -> bytes:
    """``PointStruct.vectors``: dense float32 arrays (alone or named) here, anything else
    through upb."""
    if hasattr(vector, "dtype") and vector.ndim == 1:
        raw: bytes = vector.astype("<f4", copy=False).tobytes()
        header = _HEADERS.get(len(raw)) or dense_header(len(vector))
        return header + raw
    if type(vector) is dict and all(hasattr(v, "dtype") and v.ndim == 1 for v in vector.values()):
        entries = b"".join(
            [
                _field(_ENTRY, _key(name) + _field(_VALUE, _dense_vector_bytes(v)))
                for name, v in vector.items()
            ]
        )
        return _field(_VECTORS, _field(_NAMED, entries))
    message = _pts.Vectors()
    _fill_vectors(message, vector, "vector")
    return _field(_VECTORS, message.SerializeToString())


def point(item: Mapping[str, Any]) -> bytes:
    """One ``UpsertPoints.points`` entry (tag and length included) for a checked point."""
    body = point_id(item.get("id"))
    payload = item.get("payload")
    if payload:
        body += _payload(payload)
    vector = item.get("vector")
    if vector is not None:
        body += _vectors(vector)
    return _POINTS + varint(len(body)) + body


def points(rows: PointRows) -> bytes:
    """The ``points`` field of an ``UpsertPoints`` for ``rows``; raises ``Unsupported``
    (or the usual path's ``InvalidInput``) when a point cannot be written here."""
    return b"".join([point(item) for item in rows])


def nearest_query(vector: Any) -> bytes | None:
    """``QueryPoints.query`` for a dense vector (a list of numbers, or a 1-d array), or
    None for anything else, and for what ``struct`` refuses (a float32 overflow, which
    protobuf makes inf, or a non-number): the usual fill encodes those, for the same
    message or the same error."""
    if type(vector) is list:
        head = _NEAREST.get(len(vector)) or _nearest_header(len(vector))
        try:
            floats: bytes = head[1](*vector)
        except (struct.error, OverflowError, TypeError):
            return None
        return head[0] + floats
    if getattr(vector, "ndim", None) == 1 and hasattr(vector, "astype"):
        raw: bytes = vector.astype("<f4", copy=False).tobytes()
        return _nearest_header(len(raw) // 4)[0] + raw
    return None


def _nearest_header(dim: int) -> tuple[bytes, Any]:
    """The bytes before a ``dim``-d query's floats in ``QueryPoints`` (``query`` = 3 ->
    ``Query.nearest`` = 1 -> ``VectorInput.dense`` = 2 -> ``DenseVector.data`` = 1), and
    the ``struct`` packer of its floats; remembered per dimension."""
    cached = _NEAREST.get(dim)
    if cached is not None:
        return cached
    data = 4 * dim
    dense = _DATA + varint(data)
    vector_input = b"\x12" + varint(len(dense) + data) + dense
    query = b"\x0a" + varint(len(vector_input) + data) + vector_input
    header = b"\x1a" + varint(len(query) + data) + query
    if len(_NEAREST) >= _MAX_KEYS:
        _NEAREST.clear()
    made = _NEAREST[dim] = (header, struct.Struct(f"<{dim}f").pack)
    return made
