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
from qdpool.wire.values import (
    _fill_ids,
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
