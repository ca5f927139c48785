"""Point writes over gRPC: upserts, deletes, vectors, payloads, batches and payload indexes.

Client side, ``encode_*`` build a write's request message from its REST JSON body
(validated beforehand by the request builders in ``qdpool.operations``) and its typed
``Options``. Server side, ``*_to_rest`` turn the message back into ``(collection, REST
body, REST params)`` and refuse every field the embedded server does not honour.

A write inside ``UpdateBatch`` (``PointsUpdateOperation.SetPayload``...) names its fields
as the write on its own does (``SetPayloadPoints``), so each ``_fill_*`` / ``*_json`` pair
below serves both: only the top-level messages add the collection, ``wait``,
``ordering`` and ``timeout``.

Vectors of every kind (dense, sparse ``{"indices", "values"}``, multi-dense lists of
lists, named) go through ``values._fill_vectors`` / ``values.vectors_from_pb``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from qdpool._proto import collections_pb2 as _col
from qdpool._proto import points_pb2 as _pts
from qdpool.call import Call
from qdpool.errors import InvalidInput
from qdpool.models import UpdateResult
from qdpool.wire import packed, shard_keys
from qdpool.wire.filters import _fill_filter, filter_from_pb
from qdpool.wire.requests import (
    _apply_options,
    _body_of,
    _check_keys,
    _collection_of,
    _params_from,
    _selectors_to_body,
    refuse_unhandled,
)
from qdpool.wire.responses import _UPDATE_STATUS_FROM_PB, _UPDATE_STATUS_TO_PB
from qdpool.wire.values import (
    _fill_ids,
    _fill_point_id,
    _fill_vectors,
    _within,
    payload_from_pb,
    payload_to_pb,
    point_id_from_pb,
    vectors_from_pb,
)

if TYPE_CHECKING:
    from qdpool.operations.spec import RestRequest

_UPDATE_MODE_TO_PB = {
    "upsert": _pts.Upsert,
    "insert_only": _pts.InsertOnly,
    "update_only": _pts.UpdateOnly,
}
_UPDATE_MODE_FROM_PB = {v: k for k, v in _UPDATE_MODE_TO_PB.items()}
_ORDERING_FROM_PB = {_pts.Weak: "weak", _pts.Medium: "medium", _pts.Strong: "strong"}
_CONSISTENCY_FROM_PB = {_pts.All: "all", _pts.Majority: "majority", _pts.Quorum: "quorum"}
_POINT_KEYS = frozenset(("id", "vector", "payload"))

# Top-level fields every write message has besides its own (``wait`` and ``ordering`` go
# to REST parameters; one node applies writes in the order it receives them, so every
# ordering is honoured).
_WRITE_FIELDS = frozenset(("collection_name", "wait", "ordering", "timeout"))


# ---------------------------------------------------------------- selectors


def _fill_selector(out: Any, body: Mapping[str, Any]) -> None:
    """``{"points": [ids]}`` or ``{"filter": {...}}`` into a ``PointsSelector``."""
    points, filter_ = body.get("points"), body.get("filter")
    if (points is None) == (filter_ is None):
        raise InvalidInput("body", 'expected "points" (point ids) or "filter"')
    if points is not None:
        out.points.SetInParent()
        _fill_ids(out.points.ids, points, "points")
    else:
        out.filter.SetInParent()
        _fill_filter(out.filter, filter_, "filter")


def _selector_json(selector: Any, path: str) -> dict[str, Any]:
    kind = selector.WhichOneof("points_selector_one_of")
    if kind == "points":
        return {"points": [point_id_from_pb(i) for i in selector.points.ids]}
    if kind == "filter":
        return {"filter": filter_from_pb(selector.filter)}
    raise InvalidInput(path, "a points selector needs ids or a filter")


# ---------------------------------------------------------------- upsert


def _fill_point(out: Any, point: Any) -> None:
    # Paths are relative to the point; the caller prefixes ``points[i]`` only on error, so
    # the loop allocates no path strings.
    if not isinstance(point, Mapping):
        raise InvalidInput("", 'expected {"id", "vector", "payload"}')
    for key in point:
        if key not in _POINT_KEYS:
            raise InvalidInput(key, "not a field of a point")
    point_id = point.get("id")
    if point_id is None:
        raise InvalidInput("id", "a point needs an id")
    _fill_point_id(out.id, point_id, "id")
    vector = point.get("vector")
    if vector is not None:
        _fill_vectors(out.vectors, vector, "vector")
    payload = point.get("payload")
    if payload:
        payload_to_pb(payload, out.payload, "payload")


def _batch_points(batch: Any) -> list[dict[str, Any]]:
    """Qdrant's column form ``{"ids", "vectors", "payloads"}`` as a list of points."""
    if not isinstance(batch, Mapping):
        raise InvalidInput("batch", 'expected {"ids", "vectors", "payloads"}')
    _check_keys(batch, frozenset(("ids", "vectors", "payloads")), "batch")
    ids = batch.get("ids")
    if not isinstance(ids, list | tuple):
        raise InvalidInput("batch.ids", "expected a list of point ids")
    vectors = batch.get("vectors")
    payloads = batch.get("payloads")
    if isinstance(vectors, Mapping):
        if any(len(column) != len(ids) for column in vectors.values()):
            raise InvalidInput("batch.vectors", "every column needs one vector per id")
        per_point: list[Any] = [
            {name: column[i] for name, column in vectors.items()} for i in range(len(ids))
        ]
    else:
        per_point = list(vectors) if vectors is not None else [None] * len(ids)
    if len(per_point) != len(ids) or (payloads is not None and len(payloads) != len(ids)):
        raise InvalidInput("batch", "ids, vectors and payloads must have the same length")
    return [
        {"id": point_id, "vector": per_point[i], "payload": payloads[i] if payloads else None}
        for i, point_id in enumerate(ids)
    ]


_UPSERT_KEYS = frozenset(("points", "batch", "update_filter", "update_mode"))


def _fill_upsert(out: Any, body: Mapping[str, Any]) -> None:
    """An upsert body into ``UpsertPoints`` or a batch's ``PointStructList``."""
    _check_keys(body, _UPSERT_KEYS)
    points = body.get("points")
    if points is None:
        if body.get("batch") is None:
            raise InvalidInput("body", 'expected "points" or "batch"')
        points = _batch_points(body["batch"])
    elif body.get("batch") is not None:
        raise InvalidInput("body", 'expected "points" or "batch", not both')
    if not isinstance(points, list | tuple):
        raise InvalidInput("points", "expected a list of points")
    add = out.points.add
    for index, point in enumerate(points):
        try:
            _fill_point(add(), point)
        except InvalidInput as exc:
            raise _within(f"points[{index}]", exc) from None
    update_filter = body.get("update_filter")
    if update_filter is not None:
        out.update_filter.SetInParent()
        _fill_filter(out.update_filter, update_filter, "update_filter")
    mode = body.get("update_mode")
    if mode is not None:
        if mode not in _UPDATE_MODE_TO_PB:
            raise InvalidInput("update_mode", "expected upsert, insert_only or update_only")
        out.update_mode = _UPDATE_MODE_TO_PB[mode]


def _point_json(point: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": point_id_from_pb(point.id),
        "vector": vectors_from_pb(point.vectors),
    }
    payload = payload_from_pb(point.payload)
    if payload is not None:
        result["payload"] = payload
    return result


def _upsert_json(message: Any) -> dict[str, Any]:
    points = []
    for index, point in enumerate(message.points):
        try:
            points.append(_point_json(point))
        except InvalidInput as exc:
            raise _within(f"points[{index}]", exc) from None
    body: dict[str, Any] = {"points": points}
    if message.HasField("update_filter"):
        body["update_filter"] = filter_from_pb(message.update_filter)
    if message.HasField("update_mode"):
        body["update_mode"] = _UPDATE_MODE_FROM_PB[message.update_mode]
    return body


_UPSERT_FIELDS = frozenset(("points", "update_filter", "update_mode"))


# ---------------------------------------------------------------- delete points


def _fill_delete(out: Any, body: Mapping[str, Any]) -> None:
    _check_keys(body, frozenset(("points", "filter")))
    _fill_selector(out.points, body)


def _delete_json(message: Any) -> dict[str, Any]:
    return _selector_json(message.points, "points")


_DELETE_FIELDS = frozenset(("points",))


# ---------------------------------------------------------------- vectors


def _fill_update_vectors(out: Any, body: Mapping[str, Any]) -> None:
    _check_keys(body, frozenset(("points", "update_filter")))
    points = body.get("points")
    if not isinstance(points, list | tuple):
        raise InvalidInput("points", 'expected a list of {"id", "vector"}')
    add = out.points.add
    for index, point in enumerate(points):
        try:
            if not isinstance(point, Mapping):
                raise InvalidInput("", 'expected {"id", "vector"}')
            _check_keys(point, frozenset(("id", "vector")), "")
            item = add()
            _fill_point_id(item.id, point.get("id"), "id")
            item.vectors.SetInParent()
            _fill_vectors(item.vectors, point.get("vector"), "vector")
        except InvalidInput as exc:
            raise _within(f"points[{index}]", _relative(exc)) from None
    update_filter = body.get("update_filter")
    if update_filter is not None:
        out.update_filter.SetInParent()
        _fill_filter(out.update_filter, update_filter, "update_filter")


def _relative(exc: InvalidInput) -> InvalidInput:
    """``_check_keys`` with an empty path names fields ``.key``: drop the dot."""
    return InvalidInput(exc.field.lstrip("."), exc.problem)


def _update_vectors_json(message: Any) -> dict[str, Any]:
    points = []
    for index, point in enumerate(message.points):
        try:
            points.append(
                {"id": point_id_from_pb(point.id), "vector": vectors_from_pb(point.vectors)}
            )
        except InvalidInput as exc:
            raise _within(f"points[{index}]", exc) from None
    body: dict[str, Any] = {"points": points}
    if message.HasField("update_filter"):
        body["update_filter"] = filter_from_pb(message.update_filter)
    return body


_UPDATE_VECTORS_FIELDS = frozenset(("points", "update_filter"))


def _fill_delete_vectors(out: Any, body: Mapping[str, Any]) -> None:
    _check_keys(body, frozenset(("points", "filter", "vector")))
    _fill_selector(out.points_selector, body)
    names = body.get("vector")
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise InvalidInput("vector", "expected a list of vector names")
    out.vectors.SetInParent()
    out.vectors.names.extend(names)


def _delete_vectors_json(message: Any) -> dict[str, Any]:
    body = _selector_json(message.points_selector, "points_selector")
    body["vector"] = list(message.vectors.names)
    return body


_DELETE_VECTORS_FIELDS = frozenset(("points_selector", "vectors"))


# ---------------------------------------------------------------- payload


def _fill_set_payload(out: Any, body: Mapping[str, Any]) -> None:
    _check_keys(body, frozenset(("payload", "points", "filter", "key")))
    payload = body.get("payload")
    if not isinstance(payload, Mapping):
        raise InvalidInput("payload", "expected an object")
    payload_to_pb(payload, out.payload, "payload")
    _fill_selector(out.points_selector, body)
    key = body.get("key")
    if key is not None:
        if not isinstance(key, str):
            raise InvalidInput("key", "expected a payload key (a string)")
        out.key = key


def _set_payload_json(message: Any) -> dict[str, Any]:
    body = {"payload": payload_from_pb(message.payload) or {}}
    body.update(_selector_json(message.points_selector, "points_selector"))
    if message.HasField("key"):
        body["key"] = message.key
    return body


_SET_PAYLOAD_FIELDS = frozenset(("payload", "points_selector", "key"))


def _fill_delete_payload(out: Any, body: Mapping[str, Any]) -> None:
    _check_keys(body, frozenset(("keys", "points", "filter")))
    keys = body.get("keys")
    if not isinstance(keys, list | tuple) or not all(isinstance(k, str) for k in keys):
        raise InvalidInput("keys", "expected a list of payload keys")
    out.keys.extend(keys)
    _fill_selector(out.points_selector, body)


def _delete_payload_json(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"keys": list(message.keys)}
    body.update(_selector_json(message.points_selector, "points_selector"))
    return body


_DELETE_PAYLOAD_FIELDS = frozenset(("keys", "points_selector"))


def _fill_clear_payload(out: Any, body: Mapping[str, Any]) -> None:
    _check_keys(body, frozenset(("points", "filter")))
    _fill_selector(out.points, body)


_CLEAR_PAYLOAD_FIELDS = frozenset(("points",))


# ---------------------------------------------------------------- top-level writes


Fill = Callable[[Any, Mapping[str, Any]], None]
ToJson = Callable[[Any], dict[str, Any]]


def _encoder(cls: Any, fill: Fill) -> Callable[[Call], Any]:
    def encode(call: Call) -> Any:
        out = cls(collection_name=_collection_of(call))
        fill(out, _body_of(call))
        _apply_options(out, call, wait=True)
        return out

    return encode


def _write_params(message: Any) -> dict[str, str]:
    params = _params_from(message, wait=True)
    if message.HasField("ordering"):
        refuse_unhandled(message.ordering, frozenset(("type",)), "ordering")
        params["ordering"] = _ORDERING_FROM_PB.get(message.ordering.type, "weak")
    return params


def _to_rest(fields: frozenset[str], to_json: ToJson) -> Callable[[Any], RestRequest]:
    handled = fields | _WRITE_FIELDS

    def to_rest(message: Any) -> RestRequest:
        refuse_unhandled(message, handled)
        return message.collection_name, to_json(message), _write_params(message)

    return to_rest


_encode_upsert_message = _encoder(_pts.UpsertPoints, _fill_upsert)


def encode_upsert(call: Call) -> Any:
    """The ``UpsertPoints`` message; for the bulk path's ``PointRows``, its serialized bytes
    (``packed``: the same message, without building it), which the transport sends as
    they are."""
    body = _body_of(call)
    rows = body.get("points")
    if type(rows) is not packed.PointRows:
        return _encode_upsert_message(call)
    try:
        points = packed.points(rows)
    except (packed.Unsupported, InvalidInput, TypeError, ValueError, UnicodeError):
        return _encode_upsert_message(call)  # the usual path: its message, or its error
    head = _pts.UpsertPoints(collection_name=_collection_of(call))
    _fill_upsert(head, {**body, "points": ()})
    _apply_options(head, call, wait=True)
    return head.SerializeToString() + points


upsert_to_rest = _to_rest(_UPSERT_FIELDS, _upsert_json)
encode_delete = _encoder(_pts.DeletePoints, _fill_delete)
delete_to_rest = _to_rest(_DELETE_FIELDS, _delete_json)
encode_update_vectors = _encoder(_pts.UpdatePointVectors, _fill_update_vectors)
update_vectors_to_rest = _to_rest(_UPDATE_VECTORS_FIELDS, _update_vectors_json)
encode_delete_vectors = _encoder(_pts.DeletePointVectors, _fill_delete_vectors)
delete_vectors_to_rest = _to_rest(_DELETE_VECTORS_FIELDS, _delete_vectors_json)
encode_set_payload = _encoder(_pts.SetPayloadPoints, _fill_set_payload)
set_payload_to_rest = _to_rest(_SET_PAYLOAD_FIELDS, _set_payload_json)
encode_delete_payload = _encoder(_pts.DeletePayloadPoints, _fill_delete_payload)
delete_payload_to_rest = _to_rest(_DELETE_PAYLOAD_FIELDS, _delete_payload_json)
encode_clear_payload = _encoder(_pts.ClearPayloadPoints, _fill_clear_payload)
clear_payload_to_rest = _to_rest(_CLEAR_PAYLOAD_FIELDS, _delete_json)


# ---------------------------------------------------------------- batch


# REST operation kind -> (the ``PointsUpdateOperation`` oneof member, fill, to JSON,
# the member's fields that are honoured).
_BATCH: dict[str, tuple[str, Fill, ToJson, frozenset[str]]] = {
    "upsert": ("upsert", _fill_upsert, _upsert_json, _UPSERT_FIELDS),
    "delete": ("delete_points", _fill_delete, _delete_json, _DELETE_FIELDS),
    "set_payload": ("set_payload", _fill_set_payload, _set_payload_json, _SET_PAYLOAD_FIELDS),
    "overwrite_payload": (
        "overwrite_payload",
        _fill_set_payload,
        _set_payload_json,
        _SET_PAYLOAD_FIELDS,
    ),
    "delete_payload": (
        "delete_payload",
        _fill_delete_payload,
        _delete_payload_json,
        _DELETE_PAYLOAD_FIELDS,
    ),
    "clear_payload": ("clear_payload", _fill_clear_payload, _delete_json, _CLEAR_PAYLOAD_FIELDS),
    "update_vectors": (
        "update_vectors",
        _fill_update_vectors,
        _update_vectors_json,
        _UPDATE_VECTORS_FIELDS,
    ),
    "delete_vectors": (
        "delete_vectors",
        _fill_delete_vectors,
        _delete_vectors_json,
        _DELETE_VECTORS_FIELDS,
    ),
}
_BATCH_FROM_PB = {
    member: (kind, to_json, fields) for kind, (member, _f, to_json, fields) in _BATCH.items()
}
_BATCH_KINDS = ", ".join(_BATCH)


def _fill_batch(out: Any, body: Mapping[str, Any]) -> None:
    _check_keys(body, frozenset(("operations",)))
    operations = body.get("operations")
    if not isinstance(operations, list | tuple):
        raise InvalidInput("operations", "expected a list of operations")
    add = out.operations.add
    for index, operation in enumerate(operations):
        path = f"operations[{index}]"
        if not isinstance(operation, Mapping) or len(operation) != 1:
            raise InvalidInput(path, f"expected {{kind: body}}, kind one of {_BATCH_KINDS}")
        ((kind, inner),) = operation.items()
        entry = _BATCH.get(kind)
        if entry is None:
            raise InvalidInput(f"{path}.{kind}", f"unknown operation; expected {_BATCH_KINDS}")
        member, fill, _to_json, _fields = entry
        if not isinstance(inner, Mapping):
            raise InvalidInput(f"{path}.{kind}", "expected an object")
        target = getattr(add(), member)
        target.SetInParent()
        inner, shard_key = shard_keys.split(inner)
        try:
            fill(target, inner)
        except InvalidInput as exc:
            raise _within(f"{path}.{kind}", _relative_body(exc)) from None
        if shard_key is not None:
            shard_keys.fill(target.shard_key_selector, shard_key)


def _relative_body(exc: InvalidInput) -> InvalidInput:
    """Inside a batch, ``body.x`` means the operation's own ``x``."""
    field = exc.field
    if field == "body":
        field = ""
    elif field.startswith("body."):
        field = field[5:]
    return InvalidInput(field, exc.problem)


def _batch_json(message: Any) -> dict[str, Any]:
    operations = []
    for index, operation in enumerate(message.operations):
        path = f"operations[{index}]"
        member = operation.WhichOneof("operation")
        if member == "delete_deprecated":
            operations.append({"delete": _selector_json(operation.delete_deprecated, path)})
            continue
        if member == "clear_payload_deprecated":
            selector = operation.clear_payload_deprecated
            operations.append({"clear_payload": _selector_json(selector, path)})
            continue
        entry = _BATCH_FROM_PB.get(member or "")
        if entry is None:
            raise InvalidInput(path, "an operation needs one of its kinds set")
        kind, to_json, fields = entry
        inner = getattr(operation, member or "")
        refuse_unhandled(inner, fields | {"shard_key_selector"}, f"{path}.{member}")
        try:
            body = to_json(inner)
        except InvalidInput as exc:
            raise _within(f"{path}.{member}", exc) from None
        if inner.HasField("shard_key_selector"):
            body[shard_keys.FIELD] = shard_keys.to_json(inner.shard_key_selector)
        operations.append({kind: body})
    return {"operations": operations}


encode_update_batch = _encoder(_pts.UpdateBatchPoints, _fill_batch)
update_batch_to_rest = _to_rest(frozenset(("operations",)), _batch_json)


def decode_update_batch(message: Any) -> list[UpdateResult]:
    return [
        UpdateResult(
            r.operation_id if r.HasField("operation_id") else None,
            _UPDATE_STATUS_FROM_PB.get(r.status, "unknown"),
        )
        for r in message.result
    ]


def respond_update_batch(out: Any, result: Any) -> None:
    add = out.result.add
    for item in result:
        target = add()
        if item.get("operation_id") is not None:
            target.operation_id = int(item["operation_id"])
        target.status = _UPDATE_STATUS_TO_PB.get(str(item.get("status", "")).lower(), 0)


# ---------------------------------------------------------------- payload indexes

_FIELD_TYPES: dict[str, tuple[int, str]] = {
    "keyword": (_pts.FieldTypeKeyword, "keyword_index_params"),
    "integer": (_pts.FieldTypeInteger, "integer_index_params"),
    "float": (_pts.FieldTypeFloat, "float_index_params"),
    "geo": (_pts.FieldTypeGeo, "geo_index_params"),
    "text": (_pts.FieldTypeText, "text_index_params"),
    "bool": (_pts.FieldTypeBool, "bool_index_params"),
    "datetime": (_pts.FieldTypeDatetime, "datetime_index_params"),
    "uuid": (_pts.FieldTypeUuid, "uuid_index_params"),
}
_FIELD_TYPE_NAMES = {number: name for name, (number, _) in _FIELD_TYPES.items()}
_PARAMS_KINDS = {member: name for name, (_, member) in _FIELD_TYPES.items()}
_TOKENIZERS: dict[str, int] = {
    name.lower(): number for name, number in _col.TokenizerType.items() if number
}
_TOKENIZER_NAMES = {number: name for name, number in _TOKENIZERS.items()}
_SCHEMA_TYPES = ", ".join(_FIELD_TYPES)

# Parameters of each index kind carried as they are (bools and token lengths); the text
# index's tokenizer, stopwords and stemmer are converted on their own.
_TEXT_SPECIAL = frozenset(("tokenizer", "stopwords", "stemmer"))
_UNSUPPORTED_PARAMS = frozenset(("memory", "nested", "prefix", "scoring"))


def _scalar_params(params: Any) -> frozenset[str]:
    return frozenset(
        f.name
        for f in params.DESCRIPTOR.fields
        if f.message_type is None and f.enum_type is None and f.name not in _UNSUPPORTED_PARAMS
    )


_SCALARS: dict[str, frozenset[str]] = {
    name: _scalar_params(getattr(_col.PayloadIndexParams(), member))
    for name, (_, member) in _FIELD_TYPES.items()
}


def fill_field_schema(out: Any, schema: Any, path: str = "field_schema") -> None:
    """A REST ``field_schema`` (a type name, or ``{"type", ...parameters}``) into the
    ``field_type`` and ``field_index_params`` of ``CreateFieldIndexCollection``."""
    if isinstance(schema, str):
        if schema not in _FIELD_TYPES:
            raise InvalidInput(path, f"unknown index type {schema!r}; expected {_SCHEMA_TYPES}")
        out.field_type = _FIELD_TYPES[schema][0]
        return
    if not isinstance(schema, Mapping):
        raise InvalidInput(path, 'expected an index type or {"type": ..., parameters}')
    kind = schema.get("type")
    if kind not in _FIELD_TYPES:
        raise InvalidInput(f"{path}.type", f"unknown index type {kind!r}; expected {_SCHEMA_TYPES}")
    number, member = _FIELD_TYPES[kind]
    out.field_type = number
    params = getattr(out.field_index_params, member)
    params.SetInParent()
    scalars = _SCALARS[kind]
    for key, value in schema.items():
        if key == "type" or value is None:
            continue
        where = f"{path}.{key}"
        if key in scalars:
            _fill_scalar(params, key, value, where)
        elif kind == "text" and key in _TEXT_SPECIAL:
            _fill_text_special(params, key, value, where)
        elif key in _UNSUPPORTED_PARAMS:
            raise InvalidInput(where, "is not supported by qdpool")
        else:
            raise InvalidInput(where, f"not a parameter of a {kind} index")


def _fill_scalar(params: Any, key: str, value: Any, path: str) -> None:
    field = params.DESCRIPTOR.fields_by_name[key]
    if field.type == field.TYPE_BOOL:
        if not isinstance(value, bool):
            raise InvalidInput(path, "expected a bool")
    elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(path, "expected a non-negative integer")
    try:
        setattr(params, key, value)
    except ValueError:
        raise InvalidInput(path, "out of range") from None


def _fill_text_special(params: Any, key: str, value: Any, path: str) -> None:
    if key == "tokenizer":
        if value not in _TOKENIZERS:
            raise InvalidInput(path, f"expected one of {', '.join(_TOKENIZERS)}")
        params.tokenizer = _TOKENIZERS[value]
    elif key == "stopwords":
        stopwords = params.stopwords
        stopwords.SetInParent()
        if isinstance(value, str):
            stopwords.languages.append(value)
            return
        if not isinstance(value, Mapping):
            raise InvalidInput(path, 'expected a language or {"languages", "custom"}')
        _check_keys(value, frozenset(("languages", "custom")), path)
        for name in ("languages", "custom"):
            words = value.get(name)
            if words is None:
                continue
            if not isinstance(words, list | tuple) or not all(isinstance(w, str) for w in words):
                raise InvalidInput(f"{path}.{name}", "expected a list of strings")
            getattr(stopwords, name).extend(words)
    else:  # stemmer
        if not isinstance(value, Mapping) or value.get("type") != "snowball":
            raise InvalidInput(path, 'expected {"type": "snowball", "language": ...}')
        _check_keys(value, frozenset(("type", "language")), path)
        language = value.get("language")
        if not isinstance(language, str):
            raise InvalidInput(f"{path}.language", "expected a language name")
        params.stemmer.snowball.language = language


def field_schema_json(message: Any) -> Any:
    """The REST ``field_schema`` of a ``CreateFieldIndexCollection``, or None."""
    if not message.HasField("field_index_params"):
        if message.HasField("field_type"):
            return _FIELD_TYPE_NAMES[message.field_type]
        return None
    member = message.field_index_params.WhichOneof("index_params")
    if member is None:
        raise InvalidInput("field_index_params", "needs the parameters of one index type")
    kind = _PARAMS_KINDS[member]
    if message.HasField("field_type") and _FIELD_TYPE_NAMES.get(message.field_type) != kind:
        raise InvalidInput("field_type", f"does not match the {kind} index parameters")
    params = getattr(message.field_index_params, member)
    path = f"field_index_params.{member}"
    scalars = _SCALARS[kind]
    refuse_unhandled(params, scalars | (_TEXT_SPECIAL if kind == "text" else frozenset()), path)
    schema: dict[str, Any] = {"type": kind}
    for field, value in params.ListFields():
        if field.name in scalars:
            schema[field.name] = value
    if kind == "text":
        if params.tokenizer:
            schema["tokenizer"] = _TOKENIZER_NAMES[params.tokenizer]
        if params.HasField("stopwords"):
            stopwords: dict[str, Any] = {}
            if params.stopwords.languages:
                stopwords["languages"] = list(params.stopwords.languages)
            if params.stopwords.custom:
                stopwords["custom"] = list(params.stopwords.custom)
            schema["stopwords"] = stopwords
        if params.HasField("stemmer"):
            stemmer = params.stemmer
            refuse_unhandled(stemmer, frozenset(("snowball",)), f"{path}.stemmer")
            schema["stemmer"] = {"type": "snowball", "language": stemmer.snowball.language}
    return schema


def _fill_create_index(out: Any, body: Mapping[str, Any]) -> None:
    _check_keys(body, frozenset(("field_name", "field_schema")))
    name = body.get("field_name")
    if not isinstance(name, str):
        raise InvalidInput("field_name", "expected a payload key")
    out.field_name = name
    schema = body.get("field_schema")
    if schema is not None:
        fill_field_schema(out, schema)


def _create_index_json(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"field_name": message.field_name}
    schema = field_schema_json(message)
    if schema is not None:
        body["field_schema"] = schema
    return body


encode_create_field_index = _encoder(_pts.CreateFieldIndexCollection, _fill_create_index)
create_field_index_to_rest = _to_rest(
    frozenset(("field_name", "field_type", "field_index_params")), _create_index_json
)


def encode_delete_field_index(call: Call) -> Any:
    field_name = (call.path or {}).get("field_name")
    if not field_name:
        raise InvalidInput("field_name", "expected a payload key")
    out = _pts.DeleteFieldIndexCollection(
        collection_name=_collection_of(call), field_name=field_name
    )
    _apply_options(out, call, wait=True)
    return out


def delete_field_index_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, _WRITE_FIELDS | {"field_name"})
    params = _write_params(message)
    params["field_name"] = message.field_name
    return message.collection_name, None, params


# ---------------------------------------------------------------- reads with consistency


def _read_params(message: Any) -> dict[str, str]:
    params = _params_from(message, wait=False)
    if message.HasField("read_consistency"):
        consistency = message.read_consistency
        refuse_unhandled(consistency, frozenset(("type", "factor")), "read_consistency")
        if consistency.WhichOneof("value") == "factor":
            params["consistency"] = str(consistency.factor)
        else:
            params["consistency"] = _CONSISTENCY_FROM_PB.get(consistency.type, "all")
    return params


def retrieve_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(
        message,
        frozenset(
            (
                "collection_name",
                "ids",
                "with_payload",
                "with_vectors",
                "read_consistency",
                "timeout",
            )
        ),
    )
    body: dict[str, Any] = {"ids": [point_id_from_pb(i) for i in message.ids]}
    _selectors_to_body(message, body)
    return message.collection_name, body, _read_params(message)


__all__ = [
    "clear_payload_to_rest",
    "create_field_index_to_rest",
    "decode_update_batch",
    "delete_field_index_to_rest",
    "delete_payload_to_rest",
    "delete_to_rest",
    "delete_vectors_to_rest",
    "encode_clear_payload",
    "encode_create_field_index",
    "encode_delete",
    "encode_delete_field_index",
    "encode_delete_payload",
    "encode_delete_vectors",
    "encode_set_payload",
    "encode_update_batch",
    "encode_update_vectors",
    "encode_upsert",
    "field_schema_json",
    "fill_field_schema",
    "respond_update_batch",
    "retrieve_to_rest",
    "set_payload_to_rest",
    "update_batch_to_rest",
    "update_vectors_to_rest",
    "upsert_to_rest",
]
