"""Custom sharding's shard keys: create, delete, list (``/collections/{c}/shards``).

A collection created with ``sharding_method: custom`` has no shard until a key is created;
point operations then name their key with ``shard_key_selector`` (``wire.shard_keys``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qdpool import validate
from qdpool._proto import collections_pb2 as _col
from qdpool.call import Call
from qdpool.errors import InvalidInput
from qdpool.operations.spec import GrpcCodec, Operation, RestRequest
from qdpool.wire import requests as rq
from qdpool.wire import responses as rs
from qdpool.wire import rest
from qdpool.wire import shard_keys as sk

_SHARDS = "/collections/{collection}/shards"
_STATES = tuple(_col.ReplicaState.keys())
"""The replica states Qdrant takes as a new key's ``initial_state``."""
_CREATE_KEYS = frozenset(
    ("shard_key", "shards_number", "replication_factor", "placement", "initial_state")
)


def create_request(
    shard_key: Any,
    *,
    shards_number: int | None,
    replication_factor: int | None,
    placement: Sequence[int] | None,
    initial_state: str | None,
) -> dict[str, Any]:
    """The body of ``PUT /collections/{c}/shards`` (Qdrant's ``CreateShardingKey``)."""
    body: dict[str, Any] = {"shard_key": _one_key(shard_key)}
    for name, value in (
        ("shards_number", shards_number),
        ("replication_factor", replication_factor),
    ):
        if value is not None:
            body[name] = validate.positive_int(value, name)
    if placement is not None:
        if isinstance(placement, str | bytes) or not isinstance(placement, Sequence):
            raise InvalidInput("placement", "must be a list of peer ids")
        body["placement"] = [validate.positive_int(p, "placement") for p in placement]
    if initial_state is not None:
        if initial_state not in _STATES:
            raise InvalidInput("initial_state", f"must be one of {', '.join(_STATES)}")
        body["initial_state"] = initial_state
    return body


def delete_request(shard_key: Any) -> dict[str, Any]:
    """The body of ``POST /collections/{c}/shards/delete``."""
    return {"shard_key": _one_key(shard_key)}


def _one_key(value: Any) -> sk.ShardKey:
    key = sk.selector(value, "shard_key")
    if not isinstance(key, str | int):
        raise InvalidInput("shard_key", "must be one shard key (a string or an unsigned integer)")
    return key


# ---------------------------------------------------------------- gRPC, both directions


def _encode_create(call: Call) -> Any:
    body = rq._body_of(call)
    out = _col.CreateShardKeyRequest(collection_name=rq._collection_of(call))
    request: Any = out.request  # (the stubs type the enum field narrower than its values)
    rq._check_keys(body, _CREATE_KEYS)
    sk._fill_key(request.shard_key, body["shard_key"])
    for name in ("shards_number", "replication_factor"):
        if body.get(name) is not None:
            setattr(request, name, body[name])
    request.placement.extend(body.get("placement") or ())
    if body.get("initial_state") is not None:
        request.initial_state = _col.ReplicaState.Value(body["initial_state"])
    return out


def _create_to_rest(message: Any) -> RestRequest:
    rq.refuse_unhandled(message, frozenset(("collection_name", "request", "timeout")))
    request = message.request
    rq.refuse_unhandled(request, _CREATE_KEYS, "request")
    body: dict[str, Any] = {"shard_key": sk._key_json(request.shard_key)}
    for name in ("shards_number", "replication_factor"):
        if request.HasField(name):
            body[name] = getattr(request, name)
    if request.placement:
        body["placement"] = list(request.placement)
    if request.HasField("initial_state"):
        body["initial_state"] = _col.ReplicaState.Name(request.initial_state)
    return message.collection_name, body, rq._params_from(message, wait=False)


def _encode_delete(call: Call) -> Any:
    body = rq._body_of(call)
    rq._check_keys(body, frozenset(("shard_key",)))
    out = _col.DeleteShardKeyRequest(collection_name=rq._collection_of(call))
    sk._fill_key(out.request.shard_key, body["shard_key"])
    return out


def _delete_to_rest(message: Any) -> RestRequest:
    rq.refuse_unhandled(message, frozenset(("collection_name", "request", "timeout")))
    rq.refuse_unhandled(message.request, frozenset(("shard_key",)), "request")
    body = {"shard_key": sk._key_json(message.request.shard_key)}
    return message.collection_name, body, rq._params_from(message, wait=False)


def decode_listed(result: Any) -> list[sk.ShardKey] | None:
    """``{"shard_keys": [{"key": k}, ...]}`` -> the keys; None when there are none: Qdrant
    gives ``null`` for a collection without custom sharding, and gRPC cannot tell that from
    an empty list, so both read as None on both protocols."""
    keys = [item["key"] for item in result.get("shard_keys") or ()]
    return keys or None


def _decode_listed_pb(message: Any) -> list[sk.ShardKey] | None:
    keys = [sk._key_json(item.key) for item in message.shard_keys]
    return keys or None


def _respond_listed(out: Any, result: Any) -> None:
    for item in result.get("shard_keys") or ():
        sk._fill_key(out.shard_keys.add().key, item["key"])


CREATE_SHARD_KEY: Operation[bool] = Operation(
    "create_shard_key",
    "PUT",
    _SHARDS,
    "/qdrant.Collections/CreateShardKey",
    idempotent=False,
    read=False,
    decode_rest=rest.decode_bool,
    grpc=GrpcCodec(
        _col.CreateShardKeyRequest,
        _col.CreateShardKeyResponse,
        _encode_create,
        lambda m: bool(m.result),
        _create_to_rest,
        rs.responder(_col.CreateShardKeyResponse, rs.respond_create),
    ),
    server_timeout=True,
)

DELETE_SHARD_KEY: Operation[bool] = Operation(
    "delete_shard_key",
    "POST",
    _SHARDS + "/delete",
    "/qdrant.Collections/DeleteShardKey",
    idempotent=False,
    read=False,
    decode_rest=rest.decode_bool,
    grpc=GrpcCodec(
        _col.DeleteShardKeyRequest,
        _col.DeleteShardKeyResponse,
        _encode_delete,
        lambda m: bool(m.result),
        _delete_to_rest,
        rs.responder(_col.DeleteShardKeyResponse, rs.respond_create),
    ),
    server_timeout=True,
)

LIST_SHARD_KEYS: Operation[list[sk.ShardKey] | None] = Operation(
    "list_shard_keys",
    "GET",
    _SHARDS,
    "/qdrant.Collections/ListShardKeys",
    idempotent=True,
    read=True,
    decode_rest=decode_listed,
    grpc=GrpcCodec(
        _col.ListShardKeysRequest,
        _col.ListShardKeysResponse,
        rq.named_request(_col.ListShardKeysRequest),
        _decode_listed_pb,
        rq.collection_only_to_rest,
        rs.responder(_col.ListShardKeysResponse, _respond_listed),
    ),
)
