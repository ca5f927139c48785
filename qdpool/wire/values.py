"""Building blocks: JSON values and payloads, point ids, vectors, numbers and timestamps.

Converters between plain JSON values and their protobuf messages, and the ``_fill_*``
helpers that the filter, request and response conversions build on. Errors are
``InvalidInput`` naming the offending path.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from qdpool._proto import common_pb2 as _com
from qdpool._proto import json_with_int_pb2 as _json
from qdpool._proto import points_pb2 as _pts
from qdpool.errors import InvalidInput
from qdpool.models import PointId, VectorOutput

_NULL_VALUE = _json.NULL_VALUE
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


# ---------------------------------------------------------------- JSON values


class _BadValue(Exception):
    """A payload value protobuf cannot carry; the caller adds the path."""


def _fill_value(out: Any, value: Any) -> None:
    kind = type(value)
    if kind is str:
        out.string_value = value
    elif kind is int:
        try:
            out.integer_value = value
        except ValueError:
            raise _BadValue(f"integer {value} is outside the signed 64-bit range") from None
    elif kind is float:
        out.double_value = value
    elif kind is bool:
        out.bool_value = value
    elif value is None:
        out.null_value = _NULL_VALUE
    elif kind is dict:
        struct = out.struct_value
        struct.SetInParent()
        fields = struct.fields
        for key, item in value.items():
            _fill_value(fields[key], item)
    elif kind is list:
        values = out.list_value
        values.SetInParent()
        add = values.values.add
        for item in value:
            _fill_value(add(), item)
    else:
        _fill_value_slow(out, value)


def _fill_value_slow(out: Any, value: Any) -> None:
    # Subclasses and other containers; bool before int (bool is an int).
    if isinstance(value, bool):
        out.bool_value = value
    elif isinstance(value, int):
        _fill_value(out, int(value))
    elif isinstance(value, float):
        out.double_value = float(value)
    elif isinstance(value, str):
        out.string_value = str(value)
    elif isinstance(value, Mapping):
        _fill_value(out, dict(value))
    elif isinstance(value, list | tuple):
        _fill_value(out, list(value))
    else:
        raise _BadValue(f"{type(value).__name__} is not a JSON value")


def value_to_pb(value: Any, path: str = "value") -> Any:
    """A JSON value (dict/list/int/float/bool/None/str) as a ``Value`` message."""
    out = _json.Value()
    try:
        _fill_value(out, value)
    except _BadValue as exc:
        raise InvalidInput(path, str(exc)) from None
    return out


def value_from_pb(value: Any) -> Any:
    """A ``Value`` message as a JSON value; an unset value is None."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "integer_value":
        return value.integer_value
    if kind == "double_value":
        return value.double_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return {key: value_from_pb(item) for key, item in value.struct_value.fields.items()}
    if kind == "list_value":
        return [value_from_pb(item) for item in value.list_value.values]
    return None


def payload_to_pb(payload: Mapping[str, Any], out: Any, path: str = "payload") -> None:
    """Fill the ``map<string, Value>`` ``out`` from a payload dict."""
    if not isinstance(payload, Mapping):
        raise InvalidInput(path, "a payload must be an object")
    key: Any = None
    try:
        for key, item in payload.items():
            _fill_value(out[key], item)
    except _BadValue as exc:
        raise InvalidInput(f"{path}.{key}", str(exc)) from None
    except (TypeError, ValueError):  # a non-string key
        raise InvalidInput(path, f"payload keys must be strings, not {key!r}") from None


def payload_from_pb(payload: Any) -> dict[str, Any] | None:
    """A payload map as a dict, or None when it is empty (see the ``codec_proto`` rules)."""
    if not payload:
        return None
    return {key: value_from_pb(item) for key, item in payload.items()}


# ---------------------------------------------------------------- ids and vectors


def _fill_point_id(out: Any, value: Any, path: str) -> None:
    kind = type(value)
    if kind is int:
        if not 0 <= value < 1 << 64:
            raise InvalidInput(path, "an integer point id must be an unsigned 64-bit integer")
        out.num = value
    elif kind is str:
        out.uuid = value
    elif isinstance(value, int) and not isinstance(value, bool):
        _fill_point_id(out, int(value), path)
    elif isinstance(value, str):
        out.uuid = str(value)
    else:
        raise InvalidInput(path, "a point id must be an unsigned integer or a UUID string")


def point_id_to_pb(value: PointId, path: str = "id") -> Any:
    """An int or UUID string as a ``PointId``."""
    out = _com.PointId()
    _fill_point_id(out, value, path)
    return out


def point_id_from_pb(value: Any) -> PointId:
    """A ``PointId`` as an int or a UUID string."""
    if value.WhichOneof("point_id_options") == "num":
        num: int = value.num
        return num
    uuid: str = value.uuid
    return uuid


def _within(prefix: str, exc: InvalidInput) -> InvalidInput:
    """``exc`` with ``prefix`` put before its (relative, possibly empty) field."""
    return InvalidInput(f"{prefix}.{exc.field}" if exc.field else prefix, exc.problem)


def _fill_ids(out: Any, ids: Any, path: str) -> None:
    if not isinstance(ids, list | tuple):
        raise InvalidInput(path, "expected a list of point ids")
    add = out.add
    for index, point_id in enumerate(ids):
        try:
            _fill_point_id(add(), point_id, "")
        except InvalidInput as exc:
            raise _within(f"{path}[{index}]", exc) from None


def _fill_dense(out: Any, vector: Any, path: str) -> None:
    if type(vector) is list:
        # A list packed by ``struct`` (one C loop) and merged as the encoded field costs
        # about half of ``data.extend`` (upb converts and appends each float on its own).
        # What struct refuses (a float32 overflow, which protobuf makes inf, or a non-number)
        # goes the protobuf way below, for the same result or error.
        try:
            raw = struct.pack(f"<{len(vector)}f", *vector)
        except (struct.error, OverflowError, TypeError):
            pass
        else:
            out.MergeFromString(_dense_field(raw))
            return
    elif isinstance(vector, str | bytes | Mapping):
        raise InvalidInput(path, "a dense vector must be a list of numbers")
    elif hasattr(vector, "dtype"):  # numpy: validate.vector made it a float32 array
        out.MergeFromString(_packed_floats(vector))
        return
    try:
        out.data.extend(vector)
    except (TypeError, ValueError):
        raise InvalidInput(path, "a dense vector must be a list of numbers") from None


def _packed_floats(array: Any) -> bytes:
    """``DenseVector.data`` (field 1, packed float32) straight from an array's buffer: a
    copy of its bytes, where ``data.extend(array)`` converts each float on its own (~200x)."""
    return _dense_field(array.astype("<f4", copy=False).tobytes())


def _dense_field(raw: bytes) -> bytes:
    """Little-endian float32 bytes as an encoded ``DenseVector.data`` (field 1, packed)."""
    size, head = len(raw), bytearray(b"\x0a")
    while size > 0x7F:
        head.append(0x80 | (size & 0x7F))
        size >>= 7
    head.append(size)
    return bytes(head) + raw


def _fill_vector(out: Any, vector: Any, path: str) -> None:
    """One vector (``Vector`` or ``VectorOutput``): dense (a list of numbers), multi-dense
    (a list of lists) or sparse (``{"indices", "values"}``)."""
    if type(vector) is list and not (vector and type(vector[0]) is list):
        try:
            out.dense.data.extend(vector)  # the hot path: one dense vector
            return
        except (TypeError, ValueError):
            raise InvalidInput(path, "a dense vector must be a list of numbers") from None
    if isinstance(vector, Mapping):
        _fill_sparse(out.sparse, vector, path)
    elif isinstance(vector, list | tuple) and vector and isinstance(vector[0], list | tuple):
        rows = out.multi_dense
        rows.SetInParent()
        add = rows.vectors.add
        for index, row in enumerate(vector):
            _fill_dense(add(), row, f"{path}[{index}]")
    else:
        _fill_dense(out.dense, vector, path)


def _fill_sparse(out: Any, vector: Mapping[str, Any], path: str) -> None:
    if set(vector) != {"indices", "values"}:
        raise InvalidInput(path, 'a sparse vector is {"indices": [...], "values": [...]}')
    out.SetInParent()
    try:
        out.indices.extend(vector["indices"])
    except (TypeError, ValueError):
        raise InvalidInput(f"{path}.indices", "expected unsigned 32-bit integers") from None
    values = vector["values"]
    try:
        out.values.extend(values.tolist() if hasattr(values, "dtype") else values)
    except (TypeError, ValueError):
        raise InvalidInput(f"{path}.values", "expected a list of numbers") from None
    if len(out.indices) != len(out.values):
        raise InvalidInput(path, "indices and values must have the same length")


def _fill_vectors(out: Any, vector: Any, path: str) -> None:
    # Vectors and VectorsOutput have the same shape: vector.<kind> or vectors.vectors[name].
    if isinstance(vector, Mapping):
        named = out.vectors
        named.SetInParent()
        entries = named.vectors
        for name, item in vector.items():
            _fill_vector(entries[name], item, f"{path}.{name}")
    else:
        _fill_vector(out.vector, vector, path)


def vectors_to_pb(vector: Any, path: str = "vector") -> Any:
    """A vector (dense, multi-dense; see ``_fill_vector``) or named vectors (a dict of those
    or of sparse vectors) as a ``Vectors`` message (upsert)."""
    out = _pts.Vectors()
    _fill_vectors(out, vector, path)
    return out


def _floats(data: Any) -> list[float]:
    # A protobuf ``float`` field holds float32 values and reads them back exactly, so this is
    # already what ``as_float32`` would give, element by element (checked in the tests);
    # slicing is the cheapest copy to a list.
    result: list[float] = data[:]
    return result


def _vector_from(vector: Any, path: str = "vector") -> Any:
    """``Vector`` / ``VectorOutput`` as REST JSON: a list, a list of lists, or
    ``{"indices", "values"}``; also the deprecated layout of older peers (``data``, with
    ``indices`` for sparse and ``vectors_count`` for multi-dense)."""
    kind = vector.WhichOneof("vector")
    if kind == "dense":
        return _floats(vector.dense.data)
    if kind == "sparse":
        sparse = vector.sparse
        return {"indices": sparse.indices[:], "values": _floats(sparse.values)}
    if kind == "multi_dense":
        return [_floats(row.data) for row in vector.multi_dense.vectors]
    if kind is not None:  # document, image, object
        raise InvalidInput(
            f"{path}.{kind}", "inference (documents, images, objects) is not supported"
        )
    data = _floats(vector.data)
    if vector.HasField("indices"):
        return {"indices": vector.indices.data[:], "values": data}
    if vector.HasField("vectors_count"):
        count = vector.vectors_count
        if not count or len(data) % count:
            raise InvalidInput(f"{path}.vectors_count", "does not divide the data evenly")
        step = len(data) // count
        return [data[i : i + step] for i in range(0, len(data), step)]
    return data


def vectors_from_pb(vectors: Any) -> Any:
    """A ``Vectors`` message (upsert) as REST JSON (see ``_vector_from``); unset gives ``{}``."""
    kind = vectors.WhichOneof("vectors_options")
    if kind == "vector":
        return _vector_from(vectors.vector)
    if kind == "vectors":
        return {
            name: _vector_from(item, f"vector.{name}")
            for name, item in vectors.vectors.vectors.items()
        }
    return {}


def vectors_output_from_pb(vectors: Any) -> VectorOutput | None:
    """A ``VectorsOutput`` as REST JSON (see ``_vector_from``); None when unset."""
    kind = vectors.WhichOneof("vectors_options")
    if kind == "vector":
        result: VectorOutput = _vector_from(vectors.vector)
        return result
    if kind == "vectors":
        return {name: _vector_from(item) for name, item in vectors.vectors.vectors.items()}
    return None


def vectors_output_to_pb(vector: Any, path: str = "vector") -> Any:
    """A vector or named vectors, as ``vectors_to_pb``, as a ``VectorsOutput`` (server side)."""
    out = _pts.VectorsOutput()
    _fill_vectors(out, vector, path)
    return out


# ---------------------------------------------------------------- numbers


def _fill_number(out: Any, name: str, value: Any, path: str, *, integer: bool = True) -> None:
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        raise InvalidInput(path, "expected an integer" if integer else "expected a number")
    try:
        setattr(out, name, value)
    except ValueError:
        raise InvalidInput(path, "out of range") from None


# ---------------------------------------------------------------- time


def _timestamp_from_text(text: str, path: str) -> Timestamp:
    """An RFC 3339 / ISO 8601 datetime (naive means UTC) as a ``Timestamp``."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(path, f"not an ISO 8601 datetime: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    out = Timestamp()
    out.FromDatetime(moment)
    return out


def _timestamp_text(timestamp: Any) -> str:
    """Canonical snapshot time: UTC ``YYYY-MM-DDTHH:MM:SS``, fraction truncated, no zone."""
    return time.strftime(_TIME_FORMAT, time.gmtime(timestamp.seconds))
