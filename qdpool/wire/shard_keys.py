"""Shard key selectors (custom sharding), on both protocols, for every point operation that
takes one.

Qdrant's REST bodies carry ``shard_key``: one key (a string or an unsigned integer), a list
of keys, or ``{"target": key, "fallback": key}``; gRPC requests carry the same as
``shard_key_selector`` (``ShardKeySelector``: ``shard_keys`` and an optional ``fallback``).
A call keeps it in its REST-shaped body; ``encoding`` and ``to_rest`` wrap an operation's
gRPC codec (``Operation`` does it for every spec whose request message has the field) so
that it travels in the message and comes back into the body, without the operation's own
encoder (or the server's converter) knowing of it. A call without one pays
one dict lookup.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from qdpool.errors import InvalidInput

if TYPE_CHECKING:
    from google.protobuf.message import Message

    from qdpool.call import Call
    from qdpool.operations.spec import GrpcCodec, RestRequest

R = TypeVar("R")

ShardKey: TypeAlias = str | int
ShardKeySelector: TypeAlias = ShardKey | Sequence[ShardKey] | Mapping[str, ShardKey]
"""One key, a list of keys, or ``{"target": key, "fallback": key}`` (Qdrant's REST shapes;
qdrant-client's ``ShardKeyWithFallback`` model is taken too)."""

FIELD = "shard_key"
"""The REST body's field."""


def selector(value: Any, path: str = "shard_key_selector") -> Any:
    """``value`` checked, in Qdrant's REST JSON shape."""
    if hasattr(value, "model_dump"):  # qdrant-client's ShardKeyWithFallback
        value = value.model_dump()
    if isinstance(value, Mapping):
        if set(value) != {"target", "fallback"}:
            raise InvalidInput(path, 'a mapping must be {"target": key, "fallback": key}')
        return {"target": _key(value["target"], path), "fallback": _key(value["fallback"], path)}
    if isinstance(value, list | tuple):
        if not value:
            raise InvalidInput(path, "an empty list selects no shard")
        return [_key(item, f"{path}[{i}]") for i, item in enumerate(value)]
    return _key(value, path)


def _key(value: Any, path: str) -> ShardKey:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**64:
        return value
    raise InvalidInput(
        path, f"a shard key is a non-empty string or an unsigned integer, not {value!r}"
    )


def split(body: Mapping[str, Any]) -> tuple[Mapping[str, Any], Any]:
    """``body`` without ``shard_key``, and its value (None when it has none): for a
    batch's operations and queries, each of which may carry its own."""
    if FIELD not in body:
        return body, None
    rest = dict(body)
    return rest, rest.pop(FIELD)


def with_selector(body: dict[str, Any], value: Any) -> dict[str, Any]:
    """``body`` with ``shard_key`` set from a method's ``shard_key_selector`` (None: as is)."""
    return body if value is None else {**body, FIELD: selector(value)}


# ---------------------------------------------------------------- gRPC, both directions


def fill(out: Any, value: Any) -> None:
    """A REST ``shard_key`` into a ``ShardKeySelector`` message."""
    if isinstance(value, Mapping):
        _fill_key(out.shard_keys.add(), value["target"])
        _fill_key(out.fallback, value["fallback"])
    elif isinstance(value, list):
        for key in value:
            _fill_key(out.shard_keys.add(), key)
    else:
        _fill_key(out.shard_keys.add(), value)


def _fill_key(out: Any, key: ShardKey) -> None:
    if isinstance(key, str):
        out.keyword = key
    else:
        out.number = key


def to_json(message: Any) -> Any:
    """A ``ShardKeySelector`` as the REST ``shard_key``."""
    keys = [_key_json(key) for key in message.shard_keys]
    if message.HasField("fallback"):
        if len(keys) != 1:
            raise InvalidInput("shard_key_selector", "a fallback needs exactly one target key")
        return {"target": keys[0], "fallback": _key_json(message.fallback)}
    if not keys:
        raise InvalidInput("shard_key_selector", "selects no shard key")
    return keys[0] if len(keys) == 1 else keys


def _key_json(key: Any) -> ShardKey:
    kind = key.WhichOneof("key")
    if kind is None:
        raise InvalidInput("shard_key_selector", "a shard key without a value")
    value: ShardKey = getattr(key, kind)
    return value


def encoding(
    encode: Callable[[Call], Message | bytes], request: type[Message]
) -> Callable[[Call], Message | bytes]:
    """``encode`` (an operation's gRPC encoder) taking the body's ``shard_key`` into the
    request's ``shard_key_selector``; the encoder itself sees the body without it."""

    def encode_with_shard_key(call: Call) -> Message | bytes:
        body = call.body
        if type(body) is not dict or FIELD not in body:
            return encode(call)
        rest = dict(body)
        value = rest.pop(FIELD)
        message = encode(call.part(rest, None))
        if isinstance(message, bytes):  # pre-serialized (the bulk upsert): append the field
            extra = request()
            fill(extra.shard_key_selector, value)  # type: ignore[attr-defined]
            return message + extra.SerializeToString()
        fill(message.shard_key_selector, value)  # type: ignore[attr-defined]
        return message

    return encode_with_shard_key


def to_rest(convert: Callable[[Any], RestRequest]) -> Callable[[Any], RestRequest]:
    """``convert`` (the server's message -> REST request) bringing ``shard_key_selector``
    back into the body as ``shard_key``, for the engine to honour or refuse."""

    def to_rest_with_shard_key(message: Any) -> RestRequest:
        if not message.HasField("shard_key_selector"):
            return convert(message)
        value = to_json(message.shard_key_selector)
        stripped = type(message)()
        stripped.CopyFrom(message)
        stripped.ClearField("shard_key_selector")
        collection, body, params = convert(stripped)
        return collection, {**body, FIELD: value}, params

    return to_rest_with_shard_key


__all__ = [
    "FIELD",
    "ShardKey",
    "ShardKeySelector",
    "codec",
    "encoding",
    "fill",
    "selector",
    "split",
    "to_json",
    "to_rest",
    "with_selector",
]


def codec(grpc: GrpcCodec[R]) -> GrpcCodec[R]:
    """An operation's gRPC codec, with the shard key carried both ways (``encoding``,
    ``to_rest``); as it is where the request message has no ``shard_key_selector`` (a
    payload index write shares the point writes' spec builder)."""
    request = grpc.request
    if request is None or "shard_key_selector" not in request.DESCRIPTOR.fields_by_name:
        return grpc
    if grpc.encode in _CARRYING:  # already carries it
        return grpc
    encode = encoding(grpc.encode, request)
    _CARRYING.add(encode)
    return dataclasses.replace(grpc, encode=encode, to_rest=to_rest(grpc.to_rest))


_CARRYING: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()
"""Encoders ``codec`` made, so that wrapping a codec twice leaves it as it was."""
