"""gRPC wire format: the one place where Qdrant's REST JSON shapes meet protobuf.

Client side, ``encode_request`` turns a ``Call`` (its body in Qdrant's REST JSON shape,
its params as REST query strings) into the request message of the operation's gRPC
method, and ``decode_response`` turns the reply into exactly what the REST decoder
(``codec_json``) returns for the same answer, so both protocols compare equal.

Server side (the embedded Qdrant-compatible server), ``request_to_rest`` turns a request
message into ``(collection, REST body, REST params)`` and ``result_to_response`` turns a
REST ``result`` JSON into the reply message, so both doors share this conversion.

Rules shared with the REST decoder:

* A payload is None when the server returned none or an empty one (gRPC cannot tell an
  absent payload from an empty map; REST gives ``null``, absent or ``{}``). A vector is
  None when the server returned none.
* Scores and vector components are float32 values (``models.as_float32``). A protobuf
  ``float`` already holds exactly that, so vector components are copied as they are.
* Snapshot ``creation_time`` is rendered ``YYYY-MM-DDTHH:MM:SS``: UTC, no zone, whole
  seconds (fractions truncated). Qdrant's REST gives the same without zone but may add a
  fraction; ``codec_json.normalize_timestamp`` cuts it to the same 19 characters.
* Update statuses are lower-case snake case, as over REST (``"wait_timeout"``).
* Defaults are made explicit where REST and gRPC might differ: retrieve and scroll send
  ``with_payload=true``/``with_vectors=false`` unless the body says otherwise, count sends
  ``exact=true``.

Messages live in qdpool's own proto package (``qdpool.wire``) with Qdrant's names and
field numbers; the wire carries no package names, and method paths come from
``qdpool.call``. Fields qdpool does not use are not declared; a request body that needs
one (e.g. ``hnsw_config``, ``prefetch``, a geo filter) is refused with ``InvalidInput``
instead of being dropped silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from qdpool._proto import collections_pb2 as _col
from qdpool._proto import common_pb2 as _com
from qdpool._proto import json_with_int_pb2 as _json
from qdpool._proto import points_pb2 as _pts
from qdpool._proto import qdrant_pb2 as _qd
from qdpool._proto import snapshots_pb2 as _snap
from qdpool.call import Call
from qdpool.errors import InvalidInput
from qdpool.models import (
    CollectionInfo,
    HealthInfo,
    PointId,
    Record,
    ScoredPoint,
    SnapshotInfo,
    UpdateResult,
    VectorOutput,
    VectorParams,
    as_float32,
)

__all__ = [
    "GRPC_MESSAGES",
    "decode_response",
    "encode_request",
    "filter_from_pb",
    "filter_to_pb",
    "payload_from_pb",
    "payload_to_pb",
    "point_id_from_pb",
    "point_id_to_pb",
    "request_to_rest",
    "result_to_response",
    "value_from_pb",
    "value_to_pb",
    "vectors_from_pb",
    "vectors_output_from_pb",
    "vectors_output_to_pb",
    "vectors_to_pb",
]

GRPC_MESSAGES: dict[str, tuple[type[Message], type[Message]]] = {
    "create_collection": (_col.CreateCollection, _col.CollectionOperationResponse),
    "list_collections": (_col.ListCollectionsRequest, _col.ListCollectionsResponse),
    "get_collection": (_col.GetCollectionInfoRequest, _col.GetCollectionInfoResponse),
    "collection_exists": (_col.CollectionExistsRequest, _col.CollectionExistsResponse),
    "delete_collection": (_col.DeleteCollection, _col.CollectionOperationResponse),
    "upsert": (_pts.UpsertPoints, _pts.PointsOperationResponse),
    "retrieve": (_pts.GetPoints, _pts.GetResponse),
    "count": (_pts.CountPoints, _pts.CountResponse),
    "delete": (_pts.DeletePoints, _pts.PointsOperationResponse),
    "query_points": (_pts.QueryPoints, _pts.QueryResponse),
    "scroll": (_pts.ScrollPoints, _pts.ScrollResponse),
    "create_snapshot": (_snap.CreateSnapshotRequest, _snap.CreateSnapshotResponse),
    "list_snapshots": (_snap.ListSnapshotsRequest, _snap.ListSnapshotsResponse),
    "health": (_qd.HealthCheckRequest, _qd.HealthCheckReply),
}
"""Operation name (``qdpool.call``) -> (request class, response class)."""

# ---------------------------------------------------------------- lookup tables

_DISTANCE_TO_PB: dict[str, int] = {
    name: _col.Distance.Value(name) for name in ("Cosine", "Euclid", "Dot", "Manhattan")
}
_DISTANCE_FROM_PB: dict[int, str] = {v: k for k, v in _DISTANCE_TO_PB.items()}

_STATUS_TO_PB: dict[str, int] = {
    "green": _col.Green,
    "yellow": _col.Yellow,
    "red": _col.Red,
    "grey": _col.Grey,
}
_STATUS_FROM_PB: dict[int, str] = {v: k for k, v in _STATUS_TO_PB.items()}

_UPDATE_STATUS_TO_PB: dict[str, int] = {
    "acknowledged": _pts.Acknowledged,
    "completed": _pts.Completed,
    "clock_rejected": _pts.ClockRejected,
    "wait_timeout": _pts.WaitTimeout,
}
_UPDATE_STATUS_FROM_PB: dict[int, str] = {v: k for k, v in _UPDATE_STATUS_TO_PB.items()}

_SCHEMA_TYPE_TO_PB: dict[str, int] = {
    name.lower(): number
    for name, number in _col.PayloadSchemaType.items()
    if number != _col.UnknownType
}
_SCHEMA_TYPE_FROM_PB: dict[int, str] = {v: k for k, v in _SCHEMA_TYPE_TO_PB.items()}

_UNKNOWN_CLAUSE = "unknown filter clause (expected must, should, must_not, min_should)"
_WITH_PAYLOAD_SHAPES = 'expected a bool, a list, {"include": [...]} or {"exclude": [...]}'
_FILTER_CLAUSES = ("must", "should", "must_not")
_FILTER_KEYS = frozenset((*_FILTER_CLAUSES, "min_should"))
_BOUNDS = ("lt", "gt", "gte", "lte")
_TRUE_FALSE = {"true": True, "false": False, "1": True, "0": False}
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
    """A payload map as a dict, or None when it is empty (see the module rules)."""
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


def _fill_dense(out: Any, vector: Any, path: str) -> None:
    if isinstance(vector, str | bytes | Mapping):
        raise InvalidInput(path, "a dense vector must be a list of numbers")
    try:
        out.data.extend(vector)
    except (TypeError, ValueError):
        raise InvalidInput(path, "a dense vector must be a list of numbers") from None


def _fill_vectors(out: Any, vector: Any, path: str) -> None:
    # Vectors and VectorsOutput have the same shape: vector.dense or vectors.vectors[name].dense.
    if isinstance(vector, Mapping):
        named = out.vectors
        named.SetInParent()
        entries = named.vectors
        for name, item in vector.items():
            if isinstance(item, Mapping):
                raise InvalidInput(f"{path}.{name}", "sparse vectors are not supported over gRPC")
            _fill_dense(entries[name].dense, item, f"{path}.{name}")
    else:
        _fill_dense(out.vector.dense, vector, path)


def vectors_to_pb(vector: Any, path: str = "vector") -> Any:
    """A dense vector (list) or named vectors (dict) as a ``Vectors`` message (upsert)."""
    out = _pts.Vectors()
    _fill_vectors(out, vector, path)
    return out


def _floats(data: Any) -> list[float]:
    # A protobuf ``float`` field holds float32 values and reads them back exactly, so this is
    # already what ``as_float32`` would give, element by element (checked in the tests);
    # slicing is the cheapest copy to a list.
    result: list[float] = data[:]
    return result


def _dense_from(vector: Any) -> list[float]:
    # Vector and VectorOutput: dense (101), or the legacy data (1) of older peers.
    if vector.WhichOneof("vector") == "dense":
        return _floats(vector.dense.data)
    return _floats(vector.data)


def vectors_from_pb(vectors: Any) -> Any:
    """A ``Vectors`` message (upsert) as a list or a dict of lists; unset gives ``{}``."""
    kind = vectors.WhichOneof("vectors_options")
    if kind == "vector":
        return _dense_from(vectors.vector)
    if kind == "vectors":
        return {name: _dense_from(item) for name, item in vectors.vectors.vectors.items()}
    return {}


def vectors_output_from_pb(vectors: Any) -> VectorOutput | None:
    """A ``VectorsOutput`` as a list or a dict of lists; None when unset."""
    kind = vectors.WhichOneof("vectors_options")
    if kind == "vector":
        return _dense_from(vectors.vector)
    if kind == "vectors":
        return {name: _dense_from(item) for name, item in vectors.vectors.vectors.items()}
    return None


def vectors_output_to_pb(vector: Any, path: str = "vector") -> Any:
    """A list or dict of lists as a ``VectorsOutput`` (server side)."""
    out = _pts.VectorsOutput()
    _fill_vectors(out, vector, path)
    return out


# ---------------------------------------------------------------- filters: dict -> pb


def filter_to_pb(filter_: Mapping[str, Any], path: str = "filter") -> Any:
    """Qdrant's REST JSON filter as a ``Filter``; ``InvalidInput`` names the bad path."""
    out = _com.Filter()
    _fill_filter(out, filter_, path)
    return out


def _fill_filter(out: Any, filter_: Any, path: str) -> None:
    if not isinstance(filter_, Mapping):
        raise InvalidInput(path, "a filter must be an object")
    for key, value in filter_.items():
        if value is None:
            continue
        if key in _FILTER_CLAUSES:
            _fill_conditions(getattr(out, key), value, f"{path}.{key}")
        elif key == "min_should":
            _fill_min_should(out.min_should, value, f"{path}.min_should")
        else:
            raise InvalidInput(
                f"{path}.{key}",
                "unknown filter clause (expected must, should, must_not, min_should)",
            )


def _fill_conditions(out: Any, conditions: Any, path: str) -> None:
    if isinstance(conditions, Mapping):  # REST also takes a single condition
        _fill_condition(out.add(), conditions, path)
        return
    if not isinstance(conditions, list | tuple):
        raise InvalidInput(path, "expected a list of conditions")
    for index, condition in enumerate(conditions):
        _fill_condition(out.add(), condition, f"{path}[{index}]")


def _fill_min_should(out: Any, value: Any, path: str) -> None:
    if not isinstance(value, Mapping):
        raise InvalidInput(path, 'expected {"conditions": [...], "min_count": n}')
    out.SetInParent()
    for key, item in value.items():
        if key == "conditions":
            _fill_conditions(out.conditions, item, f"{path}.conditions")
        elif key == "min_count":
            _fill_uint(out, "min_count", item, f"{path}.min_count")
        elif item is not None:
            raise InvalidInput(f"{path}.{key}", "unknown key (expected conditions, min_count)")


def _fill_uint(out: Any, name: str, value: Any, path: str) -> None:
    if type(value) is not int or value < 0:
        raise InvalidInput(path, "expected a non-negative integer")
    try:
        setattr(out, name, value)
    except ValueError:
        raise InvalidInput(path, "integer out of range") from None


def _fill_condition(out: Any, condition: Any, path: str) -> None:
    if not isinstance(condition, Mapping):
        raise InvalidInput(path, "a condition must be an object")
    if condition.get("key") is not None:
        _fill_field_condition(out.field, condition, path)
        return
    has_id = condition.get("has_id")
    if has_id is not None:
        _only(condition, "has_id", path)
        ids = out.has_id
        ids.SetInParent()
        if not isinstance(has_id, list | tuple):
            raise InvalidInput(f"{path}.has_id", "expected a list of point ids")
        _fill_ids(ids.has_id, has_id, f"{path}.has_id")
        return
    for name in ("is_empty", "is_null"):
        target = condition.get(name)
        if target is not None:
            _only(condition, name, path)
            key = target.get("key") if isinstance(target, Mapping) else None
            if not isinstance(key, str):
                raise InvalidInput(f"{path}.{name}", 'expected {"key": "..."}')
            getattr(out, name).key = key
            return
    nested = condition.get("nested")
    if nested is not None:
        _only(condition, "nested", path)
        key = nested.get("key") if isinstance(nested, Mapping) else None
        inner = nested.get("filter") if isinstance(nested, Mapping) else None
        if not isinstance(key, str) or inner is None:
            raise InvalidInput(f"{path}.nested", 'expected {"key": "...", "filter": {...}}')
        out.nested.key = key
        _fill_filter(out.nested.filter, inner, f"{path}.nested.filter")
        out.nested.filter.SetInParent()
        return
    has_vector = condition.get("has_vector")
    if has_vector is not None:
        _only(condition, "has_vector", path)
        if not isinstance(has_vector, str):
            raise InvalidInput(f"{path}.has_vector", "expected a vector name")
        out.has_vector.has_vector = has_vector
        return
    if all(key in _FILTER_KEYS or value is None for key, value in condition.items()):
        out.filter.SetInParent()
        _fill_filter(out.filter, condition, path)
        return
    unknown = next(key for key, value in condition.items() if value is not None)
    raise InvalidInput(f"{path}.{unknown}", "unknown or unsupported condition")


def _only(condition: Mapping[str, Any], name: str, path: str) -> None:
    for key, value in condition.items():
        if key != name and value is not None:
            raise InvalidInput(f"{path}.{key}", f"unexpected next to {name!r}")


def _fill_field_condition(out: Any, condition: Mapping[str, Any], path: str) -> None:
    key = condition["key"]
    if not isinstance(key, str):
        raise InvalidInput(f"{path}.key", "expected a string")
    out.key = key
    predicates = 0
    for name, value in condition.items():
        if name == "key" or value is None:
            continue
        if name == "match":
            _fill_match(out.match, value, f"{path}.match")
        elif name == "range":
            _fill_range(out, value, f"{path}.range")
        elif name == "values_count":
            _fill_values_count(out.values_count, value, f"{path}.values_count")
        else:
            raise InvalidInput(f"{path}.{name}", "unknown or unsupported field condition")
        predicates += 1
    if not predicates:
        raise InvalidInput(path, "a field condition needs match, range or values_count")


def _fill_match(out: Any, match: Any, path: str) -> None:
    if not isinstance(match, Mapping) or len(match) != 1:
        raise InvalidInput(path, "expected one of value, any, except, text, phrase, text_any")
    ((name, value),) = match.items()
    if name == "value":
        if type(value) is str:
            out.keyword = value
        elif type(value) is bool:
            out.boolean = value
        elif type(value) is int:
            _fill_int(out, "integer", value, f"{path}.value")
        else:
            raise InvalidInput(f"{path}.value", "expected a string, an integer or a boolean")
    elif name in ("any", "except"):
        _fill_match_list(out, name, value, f"{path}.{name}")
    elif name in ("text", "phrase", "text_any"):
        if not isinstance(value, str):
            raise InvalidInput(f"{path}.{name}", "expected a string")
        setattr(out, name, value)
    else:
        raise InvalidInput(f"{path}.{name}", "unknown match (expected value, any, except, text)")


def _fill_int(out: Any, name: str, value: int, path: str) -> None:
    try:
        setattr(out, name, value)
    except ValueError:
        raise InvalidInput(path, "integer outside the signed 64-bit range") from None


def _fill_match_list(out: Any, name: str, values: Any, path: str) -> None:
    if not isinstance(values, list | tuple):
        raise InvalidInput(path, "expected a list of strings or of integers")
    if all(type(v) is str for v in values):
        target = out.keywords if name == "any" else out.except_keywords
        target.SetInParent()
        target.strings.extend(values)
    elif all(type(v) is int for v in values):
        target = out.integers if name == "any" else out.except_integers
        target.SetInParent()
        try:
            target.integers.extend(values)
        except ValueError:
            raise InvalidInput(path, "integer outside the signed 64-bit range") from None
    else:
        raise InvalidInput(path, "expected a list of strings or of integers (not mixed)")


def _fill_range(out: Any, bounds: Any, path: str) -> None:
    if not isinstance(bounds, Mapping):
        raise InvalidInput(path, "expected an object with lt, gt, gte, lte")
    present = {k: v for k, v in bounds.items() if v is not None}
    for key in present:
        if key not in _BOUNDS:
            raise InvalidInput(f"{path}.{key}", "unknown bound (expected lt, gt, gte, lte)")
    if present and all(isinstance(v, str) for v in present.values()):
        target = out.datetime_range
        target.SetInParent()
        for key, value in present.items():
            getattr(target, key).CopyFrom(_timestamp_from_text(value, f"{path}.{key}"))
        return
    target = out.range
    target.SetInParent()
    for key, value in present.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{path}.{key}", "expected a number (or all bounds datetimes)")
        setattr(target, key, value)


def _fill_values_count(out: Any, bounds: Any, path: str) -> None:
    if not isinstance(bounds, Mapping):
        raise InvalidInput(path, "expected an object with lt, gt, gte, lte")
    out.SetInParent()
    for key, value in bounds.items():
        if value is None:
            continue
        if key not in _BOUNDS:
            raise InvalidInput(f"{path}.{key}", "unknown bound (expected lt, gt, gte, lte)")
        _fill_uint(out, key, value, f"{path}.{key}")


# ---------------------------------------------------------------- filters: pb -> dict


def filter_from_pb(filter_: Any) -> dict[str, Any]:
    """A ``Filter`` as Qdrant's REST JSON filter (empty clauses left out)."""
    result: dict[str, Any] = {}
    for clause in _FILTER_CLAUSES:
        conditions = getattr(filter_, clause)
        if conditions:
            result[clause] = [_condition_from_pb(c) for c in conditions]
    if filter_.HasField("min_should"):
        min_should = filter_.min_should
        result["min_should"] = {
            "conditions": [_condition_from_pb(c) for c in min_should.conditions],
            "min_count": min_should.min_count,
        }
    return result


def _condition_from_pb(condition: Any) -> dict[str, Any]:
    kind = condition.WhichOneof("condition_one_of")
    if kind == "field":
        return _field_condition_from_pb(condition.field)
    if kind == "filter":
        return filter_from_pb(condition.filter)
    if kind == "has_id":
        return {"has_id": [point_id_from_pb(i) for i in condition.has_id.has_id]}
    if kind == "is_empty":
        return {"is_empty": {"key": condition.is_empty.key}}
    if kind == "is_null":
        return {"is_null": {"key": condition.is_null.key}}
    if kind == "nested":
        nested = condition.nested
        return {"nested": {"key": nested.key, "filter": filter_from_pb(nested.filter)}}
    if kind == "has_vector":
        return {"has_vector": condition.has_vector.has_vector}
    raise InvalidInput("filter", "a condition has no kind set")


def _field_condition_from_pb(field: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"key": field.key}
    if field.HasField("match"):
        result["match"] = _match_from_pb(field.match)
    if field.HasField("range"):
        rng = field.range
        result["range"] = {b: getattr(rng, b) for b in _BOUNDS if rng.HasField(b)}
    elif field.HasField("datetime_range"):
        drange = field.datetime_range
        result["range"] = {
            b: getattr(drange, b).ToJsonString() for b in _BOUNDS if drange.HasField(b)
        }
    if field.HasField("values_count"):
        count = field.values_count
        result["values_count"] = {b: getattr(count, b) for b in _BOUNDS if count.HasField(b)}
    return result


def _match_from_pb(match: Any) -> dict[str, Any]:
    kind = match.WhichOneof("match_value")
    if kind == "keyword":
        return {"value": match.keyword}
    if kind == "integer":
        return {"value": match.integer}
    if kind == "boolean":
        return {"value": match.boolean}
    if kind == "keywords":
        return {"any": list(match.keywords.strings)}
    if kind == "integers":
        return {"any": list(match.integers.integers)}
    if kind == "except_keywords":
        return {"except": list(match.except_keywords.strings)}
    if kind == "except_integers":
        return {"except": list(match.except_integers.integers)}
    if kind in ("text", "phrase", "text_any"):
        return {kind: getattr(match, kind)}
    raise InvalidInput("filter", "a match has no value set")


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


# ---------------------------------------------------------------- client: requests


def _body_of(call: Call) -> Mapping[str, Any]:
    if call.body is not None:
        return call.body
    if call.encoded:
        try:
            decoded = orjson.loads(call.encoded)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput("body", f"not JSON: {exc}") from None
        if not isinstance(decoded, dict):
            raise InvalidInput("body", "expected a JSON object")
        return decoded
    return {}


def _collection_of(call: Call) -> str:
    if not call.collection:
        raise InvalidInput("collection", f"{call.operation.name} needs a collection name")
    return call.collection


def _check_keys(body: Mapping[str, Any], allowed: frozenset[str], path: str = "body") -> None:
    for key, value in body.items():
        if key not in allowed and value is not None:
            raise InvalidInput(f"{path}.{key}", "not supported over gRPC by qdpool")


def _apply_params(out: Any, params: Mapping[str, str] | None, *, wait: bool) -> None:
    if not params:
        return
    if wait:
        raw = params.get("wait")
        if raw is not None:
            flag = _TRUE_FALSE.get(str(raw).lower())
            if flag is None:
                raise InvalidInput("params.wait", 'expected "true" or "false"')
            out.wait = flag
    raw = params.get("timeout")
    if raw is not None:
        try:
            seconds = int(raw)
        except ValueError:
            try:
                seconds = int(-(-float(raw) // 1))  # a fraction rounds up to whole seconds
            except ValueError:
                raise InvalidInput("params.timeout", "expected whole seconds") from None
        if seconds < 0:
            raise InvalidInput("params.timeout", "expected a non-negative number of seconds")
        out.timeout = seconds


def _fill_with_payload(out: Any, value: Any, path: str) -> None:
    if isinstance(value, bool):
        out.enable = value
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        out.include.SetInParent()
        out.include.fields.extend(value)
    elif isinstance(value, Mapping) and len(value) == 1:
        ((name, fields),) = value.items()
        if name not in ("include", "exclude") or not isinstance(fields, list | tuple):
            raise InvalidInput(
                path, 'expected a bool, a list, {"include": [...]} or {"exclude": ...}'
            )
        target = getattr(out, name)
        target.SetInParent()
        try:
            target.fields.extend(fields)
        except TypeError:
            raise InvalidInput(f"{path}.{name}", "expected a list of strings") from None
    else:
        raise InvalidInput(path, _WITH_PAYLOAD_SHAPES)


def _fill_with_vectors(out: Any, value: Any, path: str) -> None:
    if isinstance(value, bool):
        out.enable = value
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        out.include.SetInParent()
        out.include.names.extend(value)
    else:
        raise InvalidInput(path, "expected a bool or a list of vector names")


def _fill_number(out: Any, name: str, value: Any, path: str, *, integer: bool = True) -> None:
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        raise InvalidInput(path, "expected an integer" if integer else "expected a number")
    try:
        setattr(out, name, value)
    except ValueError:
        raise InvalidInput(path, "out of range") from None


_CREATE_KEYS = frozenset(("vectors", "shard_number", "replication_factor", "on_disk_payload"))
_VECTOR_PARAM_KEYS = frozenset(("size", "distance", "on_disk"))


def _fill_vector_params(out: Any, params: Any, path: str) -> None:
    if not isinstance(params, Mapping):
        raise InvalidInput(path, 'expected {"size": n, "distance": "..."}')
    _check_keys(params, _VECTOR_PARAM_KEYS, path)
    _fill_number(out, "size", params.get("size"), f"{path}.size")
    distance = _DISTANCE_TO_PB.get(params.get("distance"))  # type: ignore[arg-type]
    if distance is None:
        raise InvalidInput(f"{path}.distance", "expected Cosine, Euclid, Dot or Manhattan")
    out.distance = distance
    on_disk = params.get("on_disk")
    if on_disk is not None:
        out.on_disk = bool(on_disk)


def _fill_vectors_config(out: Any, vectors: Any, path: str) -> None:
    if not isinstance(vectors, Mapping):
        raise InvalidInput(path, "expected vector parameters or a map of named ones")
    out.SetInParent()
    if "size" in vectors and not isinstance(vectors["size"], Mapping):
        _fill_vector_params(out.params, vectors, path)
    else:
        named = out.params_map
        named.SetInParent()
        for name, params in vectors.items():
            _fill_vector_params(named.map[name], params, f"{path}.{name}")


def _encode_create_collection(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, _CREATE_KEYS)
    out = _col.CreateCollection(collection_name=_collection_of(call))
    vectors = body.get("vectors")
    if vectors is not None:
        _fill_vectors_config(out.vectors_config, vectors, "vectors")
    for name in ("shard_number", "replication_factor"):
        value = body.get(name)
        if value is not None:
            _fill_number(out, name, value, name)
    on_disk_payload = body.get("on_disk_payload")
    if on_disk_payload is not None:
        out.on_disk_payload = bool(on_disk_payload)
    _apply_params(out, call.params, wait=False)
    return out


def _encode_delete_collection(call: Call) -> Any:
    out = _col.DeleteCollection(collection_name=_collection_of(call))
    _apply_params(out, call.params, wait=False)
    return out


def _within(prefix: str, exc: InvalidInput) -> InvalidInput:
    """``exc`` with ``prefix`` put before its (relative, possibly empty) field."""
    return InvalidInput(f"{prefix}.{exc.field}" if exc.field else prefix, exc.problem)


def _encode_point(out: Any, point: Any) -> None:
    # Paths are relative to the point; the caller prefixes ``points[i]`` only on error, so
    # the loop allocates no path strings.
    if not isinstance(point, Mapping):
        raise InvalidInput("", 'expected {"id", "vector", "payload"}')
    for key, value in point.items():
        if value is None:
            continue
        if key == "id":
            _fill_point_id(out.id, value, "id")
        elif key == "vector":
            _fill_vectors(out.vectors, value, "vector")
        elif key == "payload":
            payload_to_pb(value, out.payload, "payload")
        else:
            raise InvalidInput(key, "not supported over gRPC by qdpool")
    if "id" not in point:
        raise InvalidInput("id", "a point needs an id")


def _encode_batch(out: Any, batch: Any) -> None:
    if not isinstance(batch, Mapping):
        raise InvalidInput("batch", 'expected {"ids", "vectors", "payloads"}')
    _check_keys(batch, frozenset(("ids", "vectors", "payloads")), "batch")
    ids = batch.get("ids") or []
    vectors = batch.get("vectors")
    payloads = batch.get("payloads")
    if isinstance(vectors, Mapping):
        per_point: list[Any] = [
            {name: column[i] for name, column in vectors.items()} for i in range(len(ids))
        ]
    else:
        per_point = list(vectors) if vectors is not None else [None] * len(ids)
    if len(per_point) != len(ids) or (payloads is not None and len(payloads) != len(ids)):
        raise InvalidInput("batch", "ids, vectors and payloads must have the same length")
    add = out.points.add
    for index, point_id in enumerate(ids):
        point = add()
        try:
            _fill_point_id(point.id, point_id, "ids")
            if per_point[index] is not None:
                _fill_vectors(point.vectors, per_point[index], "vectors")
            if payloads is not None and payloads[index] is not None:
                payload_to_pb(payloads[index], point.payload, "payloads")
        except InvalidInput as exc:
            column, _, rest = exc.field.partition(".")
            field = f"batch.{column}[{index}]" + (f".{rest}" if rest else "")
            raise InvalidInput(field, exc.problem) from None


def _encode_upsert(call: Call) -> Any:
    body = _body_of(call)
    out = _pts.UpsertPoints(collection_name=_collection_of(call))
    points = body.get("points")
    if points is not None:
        _check_keys(body, frozenset(("points",)))
        if not isinstance(points, list | tuple):
            raise InvalidInput("points", "expected a list of points")
        add = out.points.add
        for index, point in enumerate(points):
            try:
                _encode_point(add(), point)
            except InvalidInput as exc:
                raise _within(f"points[{index}]", exc) from None
    elif body.get("batch") is not None:
        _check_keys(body, frozenset(("batch",)))
        _encode_batch(out, body["batch"])
    else:
        raise InvalidInput("body", 'expected "points" or "batch"')
    _apply_params(out, call.params, wait=True)
    return out


def _fill_ids(out: Any, ids: Any, path: str) -> None:
    if not isinstance(ids, list | tuple):
        raise InvalidInput(path, "expected a list of point ids")
    add = out.add
    for index, point_id in enumerate(ids):
        try:
            _fill_point_id(add(), point_id, "")
        except InvalidInput as exc:
            raise _within(f"{path}[{index}]", exc) from None


def _encode_delete(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("points", "filter")))
    out = _pts.DeletePoints(collection_name=_collection_of(call))
    selector = out.points
    if body.get("points") is not None:
        selector.points.SetInParent()
        _fill_ids(selector.points.ids, body["points"], "points")
    elif body.get("filter") is not None:
        selector.filter.SetInParent()
        _fill_filter(selector.filter, body["filter"], "filter")
    else:
        raise InvalidInput("body", 'expected "points" or "filter"')
    _apply_params(out, call.params, wait=True)
    return out


_RETRIEVE_KEYS = frozenset(("ids", "with_payload", "with_vector"))


def _encode_retrieve(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, _RETRIEVE_KEYS)
    out = _pts.GetPoints(collection_name=_collection_of(call))
    _fill_ids(out.ids, body.get("ids") or [], "ids")
    _fill_selectors(out, body, payload_default=True)
    _apply_params(out, call.params, wait=False)
    return out


def _fill_selectors(out: Any, body: Mapping[str, Any], *, payload_default: bool | None) -> None:
    with_payload = body.get("with_payload")
    if with_payload is None:
        with_payload = payload_default
    if with_payload is not None:
        _fill_with_payload(out.with_payload, with_payload, "with_payload")
    with_vector = body.get("with_vector")
    if with_vector is None and payload_default is not None:
        with_vector = False
    if with_vector is not None:
        _fill_with_vectors(out.with_vectors, with_vector, "with_vector")


def _encode_count(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("filter", "exact")))
    out = _pts.CountPoints(collection_name=_collection_of(call))
    if body.get("filter") is not None:
        out.filter.SetInParent()
        _fill_filter(out.filter, body["filter"], "filter")
    exact = body.get("exact")
    out.exact = True if exact is None else bool(exact)
    _apply_params(out, call.params, wait=False)
    return out


_QUERY_KEYS = frozenset(
    (
        "query",
        "using",
        "filter",
        "limit",
        "offset",
        "with_payload",
        "with_vector",
        "score_threshold",
        "params",
    )
)
_SEARCH_PARAM_KEYS = frozenset(("hnsw_ef", "exact", "quantization", "indexed_only"))
_QUANTIZATION_KEYS = frozenset(("ignore", "rescore", "oversampling"))


def _fill_search_params(out: Any, params: Any, path: str) -> None:
    if not isinstance(params, Mapping):
        raise InvalidInput(path, "expected an object")
    _check_keys(params, _SEARCH_PARAM_KEYS, path)
    out.SetInParent()
    if params.get("hnsw_ef") is not None:
        _fill_number(out, "hnsw_ef", params["hnsw_ef"], f"{path}.hnsw_ef")
    for name in ("exact", "indexed_only"):
        if params.get(name) is not None:
            setattr(out, name, bool(params[name]))
    quantization = params.get("quantization")
    if quantization is not None:
        qpath = f"{path}.quantization"
        if not isinstance(quantization, Mapping):
            raise InvalidInput(qpath, "expected an object")
        _check_keys(quantization, _QUANTIZATION_KEYS, qpath)
        target = out.quantization
        target.SetInParent()
        for name in ("ignore", "rescore"):
            if quantization.get(name) is not None:
                setattr(target, name, bool(quantization[name]))
        if quantization.get("oversampling") is not None:
            _fill_number(
                target,
                "oversampling",
                quantization["oversampling"],
                f"{qpath}.oversampling",
                integer=False,
            )


def _search_params_to_json(params: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        name: getattr(params, name)
        for name in ("hnsw_ef", "exact", "indexed_only")
        if params.HasField(name)
    }
    if params.HasField("quantization"):
        quantization = params.quantization
        result["quantization"] = {
            name: getattr(quantization, name)
            for name in ("ignore", "rescore", "oversampling")
            if quantization.HasField(name)
        }
    return result


def _fill_query(out: Any, query: Any, path: str) -> None:
    if isinstance(query, Mapping):
        if set(query) == {"nearest"}:
            _fill_query(out, query["nearest"], f"{path}.nearest")
            return
        raise InvalidInput(path, "only nearest queries (a vector or a point id) are supported")
    nearest = out.nearest
    if isinstance(query, int | str) and not isinstance(query, bool):
        _fill_point_id(nearest.id, query, path)
    else:
        _fill_dense(nearest.dense, query, path)


def _encode_query(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, _QUERY_KEYS)
    out = _pts.QueryPoints(collection_name=_collection_of(call))
    query = body.get("query")
    if query is not None:
        _fill_query(out.query, query, "query")
    using = body.get("using")
    if using is not None:
        if not isinstance(using, str):
            raise InvalidInput("using", "expected a vector name")
        out.using = using
    if body.get("filter") is not None:
        _fill_filter(out.filter, body["filter"], "filter")
        out.filter.SetInParent()
    for name in ("limit", "offset"):
        value = body.get(name)
        if value is not None:
            _fill_number(out, name, value, name)
    search_params = body.get("params")
    if search_params is not None:
        _fill_search_params(out.params, search_params, "params")
    threshold = body.get("score_threshold")
    if threshold is not None:
        _fill_number(out, "score_threshold", threshold, "score_threshold", integer=False)
    _fill_selectors(out, body, payload_default=None)
    _apply_params(out, call.params, wait=False)
    return out


def _encode_scroll(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("offset", "limit", "filter", "with_payload", "with_vector")))
    out = _pts.ScrollPoints(collection_name=_collection_of(call))
    if body.get("filter") is not None:
        out.filter.SetInParent()
        _fill_filter(out.filter, body["filter"], "filter")
    offset = body.get("offset")
    if offset is not None:
        _fill_point_id(out.offset, offset, "offset")
    limit = body.get("limit")
    if limit is not None:
        _fill_number(out, "limit", limit, "limit")
    _fill_selectors(out, body, payload_default=True)
    _apply_params(out, call.params, wait=False)
    return out


def _named_request(cls: Any) -> Callable[[Call], Any]:
    def encode(call: Call) -> Any:
        return cls(collection_name=_collection_of(call))

    return encode


_ENCODERS: dict[str, Callable[[Call], Any]] = {
    "create_collection": _encode_create_collection,
    "list_collections": lambda call: _col.ListCollectionsRequest(),
    "get_collection": _named_request(_col.GetCollectionInfoRequest),
    "collection_exists": _named_request(_col.CollectionExistsRequest),
    "delete_collection": _encode_delete_collection,
    "upsert": _encode_upsert,
    "retrieve": _encode_retrieve,
    "count": _encode_count,
    "delete": _encode_delete,
    "query_points": _encode_query,
    "scroll": _encode_scroll,
    "create_snapshot": _named_request(_snap.CreateSnapshotRequest),
    "list_snapshots": _named_request(_snap.ListSnapshotsRequest),
    "health": lambda call: _qd.HealthCheckRequest(),
}


def encode_request(call: Call) -> Message:
    """The gRPC request message for ``call`` (REST-shaped body and params).

    Raises ``InvalidInput`` naming the offending path for input gRPC cannot carry.
    """
    encoder = _ENCODERS.get(call.operation.name)
    if encoder is None:
        raise InvalidInput("operation", f"{call.operation.name} has no gRPC method")
    message: Message = encoder(call)
    return message


# ---------------------------------------------------------------- client: responses


def _record(point: Any) -> Record:
    return Record(
        point_id_from_pb(point.id),
        payload_from_pb(point.payload),
        vectors_output_from_pb(point.vectors) if point.HasField("vectors") else None,
    )


def _scored_point(point: Any) -> ScoredPoint:
    return ScoredPoint(
        point_id_from_pb(point.id),
        as_float32(point.score),
        point.version,
        payload_from_pb(point.payload),
        vectors_output_from_pb(point.vectors) if point.HasField("vectors") else None,
    )


def _update_result(message: Any) -> UpdateResult:
    result = message.result
    return UpdateResult(
        result.operation_id if result.HasField("operation_id") else None,
        _UPDATE_STATUS_FROM_PB.get(result.status, "unknown"),
    )


def _vector_params_from_pb(params: Any) -> VectorParams:
    return VectorParams(
        params.size,
        _DISTANCE_FROM_PB.get(params.distance, "UnknownDistance"),  # type: ignore[arg-type]
        params.on_disk if params.HasField("on_disk") else None,
    )


def _collection_info(message: Any) -> CollectionInfo:
    info = message.result
    params = info.config.params
    config = params.vectors_config
    kind = config.WhichOneof("config")
    if kind == "params":
        vectors = {"": _vector_params_from_pb(config.params)}
    elif kind == "params_map":
        vectors = {name: _vector_params_from_pb(p) for name, p in config.params_map.map.items()}
    else:
        vectors = {}
    return CollectionInfo(
        status=_STATUS_FROM_PB.get(info.status, "unknown"),
        points_count=info.points_count,
        indexed_vectors_count=info.indexed_vectors_count,
        segments_count=info.segments_count,
        vectors=vectors,
        shard_number=params.shard_number or 1,
        replication_factor=params.replication_factor
        if params.HasField("replication_factor")
        else 1,
        on_disk_payload=params.on_disk_payload,
    )


def _snapshot(description: Any) -> SnapshotInfo:
    return SnapshotInfo(
        name=description.name,
        creation_time=(
            _timestamp_text(description.creation_time)
            if description.HasField("creation_time")
            else None
        ),
        size=description.size,
        checksum=description.checksum if description.HasField("checksum") else None,
    )


def _scroll(message: Any) -> tuple[list[Record], PointId | None]:
    records = [_record(p) for p in message.result]
    if message.HasField("next_page_offset"):
        return records, point_id_from_pb(message.next_page_offset)
    return records, None


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "create_collection": lambda m: m.result,
    "list_collections": lambda m: [c.name for c in m.collections],
    "get_collection": _collection_info,
    "collection_exists": lambda m: m.result.exists,
    "delete_collection": lambda m: m.result,
    "upsert": _update_result,
    "retrieve": lambda m: [_record(p) for p in m.result],
    "count": lambda m: m.result.count,
    "delete": _update_result,
    "query_points": lambda m: [_scored_point(p) for p in m.result],
    "scroll": _scroll,
    "create_snapshot": lambda m: _snapshot(m.snapshot_description),
    "list_snapshots": lambda m: [_snapshot(s) for s in m.snapshot_descriptions],
    "health": lambda m: HealthInfo(m.title, m.version, m.commit if m.HasField("commit") else None),
}


def decode_response(operation_name: str, message: Message) -> Any:
    """The typed result of a gRPC reply: exactly what ``codec_json.decode`` gives over REST."""
    return _DECODERS[operation_name](message)


# ---------------------------------------------------------------- server: requests


def _params_from(message: Any, *, wait: bool) -> dict[str, str]:
    params: dict[str, str] = {}
    if wait and message.HasField("wait"):
        params["wait"] = "true" if message.wait else "false"
    if message.HasField("timeout"):
        params["timeout"] = str(message.timeout)
    return params


def _with_payload_from_pb(selector: Any) -> Any:
    kind = selector.WhichOneof("selector_options")
    if kind == "enable":
        return selector.enable
    if kind == "include":
        return list(selector.include.fields)
    if kind == "exclude":
        return {"exclude": list(selector.exclude.fields)}
    return None


def _with_vectors_from_pb(selector: Any) -> Any:
    kind = selector.WhichOneof("selector_options")
    if kind == "enable":
        return selector.enable
    if kind == "include":
        return list(selector.include.names)
    return None


def _selectors_to_body(message: Any, body: dict[str, Any]) -> None:
    with_payload = _with_payload_from_pb(message.with_payload)
    if with_payload is not None:
        body["with_payload"] = with_payload
    if message.HasField("with_vectors"):
        with_vector = _with_vectors_from_pb(message.with_vectors)
        if with_vector is not None:
            body["with_vector"] = with_vector


def _vector_params_to_json(params: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "size": params.size,
        "distance": _DISTANCE_FROM_PB.get(params.distance, "UnknownDistance"),
    }
    if params.HasField("on_disk"):
        result["on_disk"] = params.on_disk
    return result


def _vectors_config_to_json(config: Any) -> dict[str, Any]:
    if config.WhichOneof("config") == "params":
        return _vector_params_to_json(config.params)
    return {name: _vector_params_to_json(p) for name, p in config.params_map.map.items()}


def _create_collection_to_rest(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if message.HasField("vectors_config"):
        body["vectors"] = _vectors_config_to_json(message.vectors_config)
    for name in ("shard_number", "replication_factor", "on_disk_payload"):
        if message.HasField(name):
            body[name] = getattr(message, name)
    return body


def _point_to_json(point: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": point_id_from_pb(point.id),
        "vector": vectors_from_pb(point.vectors),
    }
    payload = payload_from_pb(point.payload)
    if payload is not None:
        result["payload"] = payload
    return result


def _delete_to_rest(message: Any) -> dict[str, Any]:
    selector = message.points
    kind = selector.WhichOneof("points_selector_one_of")
    if kind == "points":
        return {"points": [point_id_from_pb(i) for i in selector.points.ids]}
    if kind == "filter":
        return {"filter": filter_from_pb(selector.filter)}
    raise InvalidInput("points", "a points selector needs ids or a filter")


def _retrieve_to_rest(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ids": [point_id_from_pb(i) for i in message.ids]}
    _selectors_to_body(message, body)
    return body


def _count_to_rest(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    if message.HasField("exact"):
        body["exact"] = message.exact
    return body


def _query_to_rest(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if message.HasField("query"):
        query = message.query
        if query.WhichOneof("variant") != "nearest":
            raise InvalidInput("query", "only nearest queries are supported")
        nearest = query.nearest
        kind = nearest.WhichOneof("variant")
        if kind == "dense":
            body["query"] = _floats(nearest.dense.data)
        elif kind == "id":
            body["query"] = point_id_from_pb(nearest.id)
        else:
            raise InvalidInput("query.nearest", "expected a dense vector or a point id")
    if message.HasField("using"):
        body["using"] = message.using
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    for name in ("limit", "offset"):
        if message.HasField(name):
            body[name] = getattr(message, name)
    if message.HasField("params"):
        body["params"] = _search_params_to_json(message.params)
    if message.HasField("score_threshold"):
        body["score_threshold"] = message.score_threshold
    if message.HasField("with_payload"):
        with_payload = _with_payload_from_pb(message.with_payload)
        if with_payload is not None:
            body["with_payload"] = with_payload
    if message.HasField("with_vectors"):
        with_vector = _with_vectors_from_pb(message.with_vectors)
        if with_vector is not None:
            body["with_vector"] = with_vector
    return body


def _scroll_to_rest(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if message.HasField("offset"):
        body["offset"] = point_id_from_pb(message.offset)
    if message.HasField("limit"):
        body["limit"] = message.limit
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    _selectors_to_body(message, body)
    return body


_RestRequest = tuple[str | None, dict[str, Any] | None, dict[str, str]]


def _no_body(message: Any) -> _RestRequest:
    return message.collection_name, None, {}


_REQUEST_TO_REST: dict[str, Callable[[Any], _RestRequest]] = {
    "create_collection": lambda m: (
        m.collection_name,
        _create_collection_to_rest(m),
        _params_from(m, wait=False),
    ),
    "list_collections": lambda m: (None, None, {}),
    "get_collection": _no_body,
    "collection_exists": _no_body,
    "delete_collection": lambda m: (m.collection_name, None, _params_from(m, wait=False)),
    "upsert": lambda m: (
        m.collection_name,
        {"points": [_point_to_json(p) for p in m.points]},
        _params_from(m, wait=True),
    ),
    "retrieve": lambda m: (m.collection_name, _retrieve_to_rest(m), _params_from(m, wait=False)),
    "count": lambda m: (m.collection_name, _count_to_rest(m), _params_from(m, wait=False)),
    "delete": lambda m: (m.collection_name, _delete_to_rest(m), _params_from(m, wait=True)),
    "query_points": lambda m: (m.collection_name, _query_to_rest(m), _params_from(m, wait=False)),
    "scroll": lambda m: (m.collection_name, _scroll_to_rest(m), _params_from(m, wait=False)),
    "create_snapshot": _no_body,
    "list_snapshots": _no_body,
    "health": lambda m: (None, None, {}),
}


def request_to_rest(
    operation_name: str, message: Message
) -> tuple[str | None, dict[str, Any] | None, dict[str, str]]:
    """A gRPC request as ``(collection, REST body or None, REST query params)``.

    Unset optional fields are left out of the body, so REST's defaults apply.
    """
    return _REQUEST_TO_REST[operation_name](message)


# ---------------------------------------------------------------- server: responses


def _fill_point_out(out: Any, item: Mapping[str, Any]) -> None:
    _fill_point_id(out.id, item["id"], "id")
    payload = item.get("payload")
    if payload:
        payload_to_pb(payload, out.payload, "payload")
    vector = item.get("vector")
    if vector is not None:
        _fill_vectors(out.vectors, vector, "vector")


def _fill_records(out: Any, items: Iterable[Mapping[str, Any]]) -> None:
    add = out.add
    for index, item in enumerate(items):
        try:
            _fill_point_out(add(), item)
        except InvalidInput as exc:
            raise _within(f"result[{index}]", exc) from None


def _fill_scored(out: Any, items: Iterable[Mapping[str, Any]]) -> None:
    add = out.add
    for index, item in enumerate(items):
        point = add()
        try:
            _fill_point_out(point, item)
        except InvalidInput as exc:
            raise _within(f"result.points[{index}]", exc) from None
        point.score = item["score"]
        point.version = item.get("version") or 0


def _fill_snapshot(out: Any, item: Mapping[str, Any]) -> None:
    out.name = item["name"]
    created = item.get("creation_time")
    if created:
        out.creation_time.CopyFrom(_timestamp_from_text(created, "creation_time"))
    out.size = int(item["size"])
    checksum = item.get("checksum")
    if checksum is not None:
        out.checksum = checksum


def _vector_params_from_json(out: Any, raw: Mapping[str, Any]) -> None:
    out.size = int(raw["size"])
    out.distance = _DISTANCE_TO_PB.get(raw.get("distance"), 0)  # type: ignore[arg-type]
    if raw.get("on_disk") is not None:
        out.on_disk = bool(raw["on_disk"])


def _fill_collection_info(out: Any, result: Mapping[str, Any]) -> None:
    out.status = _STATUS_TO_PB.get(str(result.get("status", "")).lower(), 0)
    optimizer = result.get("optimizer_status")
    if optimizer == "ok":
        out.optimizer_status.ok = True
    elif isinstance(optimizer, Mapping):
        out.optimizer_status.error = str(optimizer.get("error", ""))
    for name in ("points_count", "indexed_vectors_count", "segments_count"):
        value = result.get(name)
        if value is not None:
            setattr(out, name, int(value))
    params = (result.get("config") or {}).get("params") or {}
    target = out.config.params
    out.config.SetInParent()
    vectors = params.get("vectors")
    if isinstance(vectors, Mapping):
        config = target.vectors_config
        config.SetInParent()
        if "size" in vectors and not isinstance(vectors["size"], Mapping):
            _vector_params_from_json(config.params, vectors)
        else:
            config.params_map.SetInParent()
            for name, raw in vectors.items():
                _vector_params_from_json(config.params_map.map[name], raw)
    target.shard_number = int(params.get("shard_number") or 1)
    if params.get("replication_factor") is not None:
        target.replication_factor = int(params["replication_factor"])
    target.on_disk_payload = bool(params.get("on_disk_payload", True))
    config = result.get("config") or {}
    for section in ("hnsw_config", "optimizer_config", "wal_config"):
        if config.get(section) is not None:
            _fill_config_section(getattr(out.config, section), config[section], section)
    for key, schema in (result.get("payload_schema") or {}).items():
        entry = out.payload_schema[key]
        entry.data_type = _SCHEMA_TYPE_TO_PB.get(str(schema.get("data_type", "")).lower(), 0)
        if schema.get("points") is not None:
            entry.points = int(schema["points"])


def _fill_config_section(out: Any, raw: Any, path: str) -> None:
    """A REST ``config.{hnsw,optimizer,wal}_config`` object into its ``*ConfigDiff``.

    Every declared field present (not null) in ``raw`` is copied; keys the message does
    not declare are left out, as unknown fields would be on the wire.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"config.{path}", "expected an object")
    out.SetInParent()
    for field in out.DESCRIPTOR.fields:
        value = raw.get(field.name)
        if value is None:
            continue
        where = f"config.{path}.{field.name}"
        if field.message_type is not None:  # OptimizersConfigDiff.max_optimization_threads
            _fill_max_optimization_threads(getattr(out, field.name), value, where)
        elif field.type == FieldDescriptor.TYPE_BOOL:
            if not isinstance(value, bool):
                raise InvalidInput(where, "expected a bool")
            setattr(out, field.name, value)
        else:
            integer = field.type != FieldDescriptor.TYPE_DOUBLE
            _fill_number(out, field.name, value, where, integer=integer)


def _fill_max_optimization_threads(out: Any, value: Any, path: str) -> None:
    if isinstance(value, str) and value.lower() == "auto":
        out.setting = _col.MaxOptimizationThreads.Auto
    else:
        _fill_number(out, "value", value, path)


def _fill_update_result(out: Any, result: Mapping[str, Any]) -> None:
    target = out.result
    target.SetInParent()
    if result.get("operation_id") is not None:
        target.operation_id = int(result["operation_id"])
    target.status = _UPDATE_STATUS_TO_PB.get(str(result.get("status", "")).lower(), 0)


def _respond_create(out: Any, result: Any) -> None:
    out.result = bool(result)


def _respond_list(out: Any, result: Any) -> None:
    add = out.collections.add
    for item in result["collections"]:
        add().name = item["name"]


def _respond_get(out: Any, result: Any) -> None:
    out.result.SetInParent()
    _fill_collection_info(out.result, result)


def _respond_exists(out: Any, result: Any) -> None:
    out.result.exists = bool(result["exists"])


def _respond_retrieve(out: Any, result: Any) -> None:
    _fill_records(out.result, result)


def _respond_count(out: Any, result: Any) -> None:
    out.result.count = int(result["count"])


def _respond_query(out: Any, result: Any) -> None:
    points = result["points"] if isinstance(result, Mapping) else result
    _fill_scored(out.result, points)


def _respond_scroll(out: Any, result: Any) -> None:
    _fill_records(out.result, result["points"])
    offset = result.get("next_page_offset")
    if offset is not None:
        _fill_point_id(out.next_page_offset, offset, "result.next_page_offset")


def _respond_create_snapshot(out: Any, result: Any) -> None:
    _fill_snapshot(out.snapshot_description, result)


def _respond_list_snapshots(out: Any, result: Any) -> None:
    add = out.snapshot_descriptions.add
    for item in result:
        _fill_snapshot(add(), item)


def _respond_health(out: Any, result: Any) -> None:
    out.title = result["title"]
    out.version = result["version"]
    if result.get("commit") is not None:
        out.commit = result["commit"]


_RESPONDERS: dict[str, Callable[[Any, Any], None]] = {
    "create_collection": _respond_create,
    "list_collections": _respond_list,
    "get_collection": _respond_get,
    "collection_exists": _respond_exists,
    "delete_collection": _respond_create,
    "upsert": _fill_update_result,
    "retrieve": _respond_retrieve,
    "count": _respond_count,
    "delete": _fill_update_result,
    "query_points": _respond_query,
    "scroll": _respond_scroll,
    "create_snapshot": _respond_create_snapshot,
    "list_snapshots": _respond_list_snapshots,
    "health": _respond_health,
}


def result_to_response(operation_name: str, result_json: Any, elapsed_seconds: float) -> Message:
    """The gRPC reply for a REST ``result`` JSON (what Qdrant's REST puts under ``"result"``).

    ``time`` is set to ``elapsed_seconds`` where the reply has it (not on ``HealthCheckReply``).
    Raises ``InvalidInput`` (a ``ValueError``) or ``KeyError`` for a malformed result.
    """
    out: Any = GRPC_MESSAGES[operation_name][1]()
    _RESPONDERS[operation_name](out, result_json)
    if operation_name != "health":
        out.time = elapsed_seconds
    message: Message = out
    return message
