"""Aliases: the atomic list of alias actions (the blue/green switch), and the listings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from qdpool import validate
from qdpool._proto import collections_pb2 as _col
from qdpool.errors import InvalidInput
from qdpool.models import AliasDescription
from qdpool.operations.collections import config_value
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import aliases as wa
from qdpool.wire import requests as rq
from qdpool.wire import responses as rs
from qdpool.wire import rest

UPDATE_COLLECTION_ALIASES: Operation[bool] = Operation(
    "update_collection_aliases",
    "POST",
    "/collections/aliases",
    "/qdrant.Collections/UpdateAliases",
    idempotent=False,
    read=False,
    decode_rest=rest.decode_bool,
    grpc=GrpcCodec(
        _col.ChangeAliases,
        _col.CollectionOperationResponse,
        wa.encode_update_aliases,
        lambda m: bool(m.result),
        wa.update_aliases_to_rest,
        rs.responder(_col.CollectionOperationResponse, rs.respond_create),
    ),
    server_timeout=True,
)

GET_ALIASES: Operation[list[AliasDescription]] = Operation(
    "get_aliases",
    "GET",
    "/aliases",
    "/qdrant.Collections/ListAliases",
    idempotent=True,
    read=True,
    decode_rest=wa.aliases_from_json,
    grpc=GrpcCodec(
        _col.ListAliasesRequest,
        _col.ListAliasesResponse,
        lambda call: _col.ListAliasesRequest(),
        wa.decode_aliases,
        rq.nothing_to_rest,
        rs.responder(_col.ListAliasesResponse, wa.respond_aliases),
    ),
)

GET_COLLECTION_ALIASES: Operation[list[AliasDescription]] = Operation(
    "get_collection_aliases",
    "GET",
    "/collections/{collection}/aliases",
    "/qdrant.Collections/ListCollectionAliases",
    idempotent=True,
    read=True,
    decode_rest=wa.aliases_from_json,
    grpc=GrpcCodec(
        _col.ListCollectionAliasesRequest,
        _col.ListAliasesResponse,
        rq.named_request(_col.ListCollectionAliasesRequest),
        wa.decode_aliases,
        rq.collection_only_to_rest,
        rs.responder(_col.ListAliasesResponse, wa.respond_aliases),
    ),
)


def _name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(field, f"must be a non-empty string, not {validate.short(value)}")
    return value


def create_alias_action(collection_name: object, alias_name: object) -> dict[str, Any]:
    return {
        "create_alias": {
            "collection_name": validate.collection_name(collection_name),
            "alias_name": _name(alias_name, "alias_name"),
        }
    }


def delete_alias_action(alias_name: object) -> dict[str, Any]:
    return {"delete_alias": {"alias_name": _name(alias_name, "alias_name")}}


def rename_alias_action(old_alias_name: object, new_alias_name: object) -> dict[str, Any]:
    return {
        "rename_alias": {
            "old_alias_name": _name(old_alias_name, "old_alias_name"),
            "new_alias_name": _name(new_alias_name, "new_alias_name"),
        }
    }


def update_aliases_request(actions: Iterable[Any]) -> dict[str, Any]:
    """``{"actions": [...]}``: each action a dict in Qdrant's REST shape
    (``{"create_alias": {...}}``, ``{"rename_alias": ...}``, ``{"delete_alias": ...}``) or
    qdrant-client's ``CreateAliasOperation`` etc.; checked by the gRPC encoder."""
    if isinstance(actions, str | bytes) or not isinstance(actions, Iterable):
        raise InvalidInput("actions", "must be a list of alias actions")
    body = {"actions": config_value(list(actions), "actions")}
    if not body["actions"]:
        raise InvalidInput("actions", "must name at least one action")
    wa.check_update_aliases_body(body)
    return body
