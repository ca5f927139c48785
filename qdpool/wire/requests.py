"""Requests: a REST-shaped ``Call`` -> gRPC request (client), and back (server).

Client side, the ``encode_*`` functions build the request message of a call's gRPC
method from its REST JSON body and typed options. Server side, the ``*_to_rest``
functions turn a request message into ``(collection, REST body, REST params)`` and
refuse any field the embedded server does not honour (``refuse_unhandled``). Each
operation's spec (``qdpool.operations``) names its pair.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import orjson
from google.protobuf.message import Message
from google.protobuf.unknown_fields import UnknownFieldSet

from qdpool._proto import collections_pb2 as _col
from qdpool._proto import points_pb2 as _pts
from qdpool.call import Call

if TYPE_CHECKING:
    from qdpool.operations.spec import RestRequest
from qdpool.errors import InvalidInput
from qdpool.wire.filters import _fill_filter, filter_from_pb
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

_WITH_PAYLOAD_SHAPES = 'expected a bool, a list, {"include": [...]} or {"exclude": [...]}'


# ---------------------------------------------------------------- client: encode


def _body_of(call: Call) -> Mapping[str, Any]:
    if call.body is not None:
        body: Mapping[str, Any] = call.body
        return body
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


def _apply_options(out: Any, call: Call, *, wait: bool) -> None:
    options = call.options
    if options is None:
        return
    if wait and options.wait is not None:
        out.wait = options.wait
    if options.ordering is not None:
        out.ordering.type = _ORDERING_TO_PB[options.ordering]
    if options.consistency is not None:
        _fill_consistency(out.read_consistency, options.consistency)


_ORDERING_TO_PB = {"weak": 0, "medium": 1, "strong": 2}
_CONSISTENCY_TO_PB = {"all": 0, "majority": 1, "quorum": 2}


def _fill_consistency(out: Any, value: int | str) -> None:
    if isinstance(value, int):
        out.factor = value
    else:
        out.type = _CONSISTENCY_TO_PB[value]


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


def encode_delete_collection(call: Call) -> Any:
    out = _col.DeleteCollection(collection_name=_collection_of(call))
    _apply_options(out, call, wait=False)
    return out


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


def encode_upsert(call: Call) -> Any:
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
    _apply_options(out, call, wait=True)
    return out


def encode_delete(call: Call) -> Any:
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
    _apply_options(out, call, wait=True)
    return out


_RETRIEVE_KEYS = frozenset(("ids", "with_payload", "with_vector"))


def encode_retrieve(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, _RETRIEVE_KEYS)
    out = _pts.GetPoints(collection_name=_collection_of(call))
    _fill_ids(out.ids, body.get("ids") or [], "ids")
    _fill_selectors(out, body, payload_default=True)
    _apply_options(out, call, wait=False)
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


def named_request(cls: Any) -> Callable[[Call], Any]:
    def encode(call: Call) -> Any:
        return cls(collection_name=_collection_of(call))

    return encode


# ---------------------------------------------------------------- server: decode


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


# ---------------------------------------------------------------- server: never ignore a field


def refuse_unhandled(message: Message, handled: frozenset[str], path: str = "") -> None:
    """Refuse a request that sets a field the server does not honour.

    Qdrant's server honours every field it declares; qdpool's embedded server honours
    a subset, and a field silently dropped would change what the caller asked for (an
    ``update_filter`` ignored overwrites a point that should have stayed). So every set
    field outside ``handled``, and any field our protos do not declare, is refused with
    ``InvalidInput`` naming it (the door answers INVALID_ARGUMENT).
    """
    for descriptor, _value in message.ListFields():
        if descriptor.name not in handled:
            where = f"{path}.{descriptor.name}" if path else descriptor.name
            raise InvalidInput(where, "is not supported by qdpool's embedded server")
    unknown = UnknownFieldSet(message)
    if len(unknown):
        numbers = sorted({unknown[i].field_number for i in range(len(unknown))})
        raise InvalidInput(path or "request", f"has fields this server does not know: {numbers}")


def _rest_params(message: Any, *, wait: bool) -> dict[str, str]:
    return _params_from(message, wait=wait)


def _collection_only(message: Any) -> RestRequest:
    refuse_unhandled(message, _NAME_ONLY)
    return message.collection_name, None, {}


_NAME_ONLY = frozenset(("collection_name",))


def nothing_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset())
    return None, None, {}


collection_only_to_rest = _collection_only


def delete_collection_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset(("collection_name", "timeout")))
    return message.collection_name, None, _params_from(message, wait=False)


def upsert_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset(("collection_name", "wait", "points", "timeout")))
    return (
        message.collection_name,
        {"points": [_point_to_json(p) for p in message.points]},
        _params_from(message, wait=True),
    )


def retrieve_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(
        message, frozenset(("collection_name", "ids", "with_payload", "with_vectors", "timeout"))
    )
    return message.collection_name, _retrieve_to_rest(message), _params_from(message, wait=False)


def delete_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset(("collection_name", "wait", "points", "timeout")))
    return message.collection_name, _delete_to_rest(message), _params_from(message, wait=True)
