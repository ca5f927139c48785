"""Collections: create, list, get, exists, delete."""

from __future__ import annotations

from typing import Any

from qdpool import validate
from qdpool._proto import collections_pb2 as _col
from qdpool.models import CollectionInfo
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import requests as rq
from qdpool.wire import responses as rs
from qdpool.wire import rest

_C = "/collections/{collection}"

CREATE_COLLECTION: Operation[bool] = Operation(
    "create_collection",
    "PUT",
    _C,
    "/qdrant.Collections/Create",
    idempotent=False,
    read=False,
    decode_rest=rest.decode_bool,
    grpc=GrpcCodec(
        _col.CreateCollection,
        _col.CollectionOperationResponse,
        rq.encode_create_collection,
        lambda m: bool(m.result),
        rq.create_collection_to_rest,
        rs.responder(_col.CollectionOperationResponse, rs.respond_create),
    ),
    server_timeout=True,
)

LIST_COLLECTIONS: Operation[list[str]] = Operation(
    "list_collections",
    "GET",
    "/collections",
    "/qdrant.Collections/List",
    idempotent=True,
    read=True,
    decode_rest=rest.decode_list_collections,
    grpc=GrpcCodec(
        _col.ListCollectionsRequest,
        _col.ListCollectionsResponse,
        lambda call: _col.ListCollectionsRequest(),
        rs.decode_list_collections,
        rq.nothing_to_rest,
        rs.responder(_col.ListCollectionsResponse, rs.respond_list),
    ),
)

GET_COLLECTION: Operation[CollectionInfo] = Operation(
    "get_collection",
    "GET",
    _C,
    "/qdrant.Collections/Get",
    idempotent=True,
    read=True,
    decode_rest=rest.decode_collection_info,
    grpc=GrpcCodec(
        _col.GetCollectionInfoRequest,
        _col.GetCollectionInfoResponse,
        rq.named_request(_col.GetCollectionInfoRequest),
        rs.decode_collection_info,
        rq.collection_only_to_rest,
        rs.responder(_col.GetCollectionInfoResponse, rs.respond_get),
    ),
)

COLLECTION_EXISTS: Operation[bool] = Operation(
    "collection_exists",
    "GET",
    _C + "/exists",
    "/qdrant.Collections/CollectionExists",
    idempotent=True,
    read=True,
    decode_rest=rest.decode_exists,
    grpc=GrpcCodec(
        _col.CollectionExistsRequest,
        _col.CollectionExistsResponse,
        rq.named_request(_col.CollectionExistsRequest),
        lambda m: bool(m.result.exists),
        rq.collection_only_to_rest,
        rs.responder(_col.CollectionExistsResponse, rs.respond_exists),
    ),
)

DELETE_COLLECTION: Operation[bool] = Operation(
    "delete_collection",
    "DELETE",
    _C,
    "/qdrant.Collections/Delete",
    idempotent=False,
    read=False,
    decode_rest=rest.decode_bool,
    grpc=GrpcCodec(
        _col.DeleteCollection,
        _col.CollectionOperationResponse,
        rq.encode_delete_collection,
        lambda m: bool(m.result),
        rq.delete_collection_to_rest,
        rs.responder(_col.CollectionOperationResponse, rs.respond_create),
    ),
    server_timeout=True,
)

COLLECTION_OPTIONS = (
    "shard_number",
    "replication_factor",
    "on_disk_payload",
    "write_consistency_factor",
)


def create_collection_request(
    *,
    size: int,
    distance: str,
    on_disk: bool | None,
    shard_number: int | None,
    replication_factor: int | None,
    write_consistency_factor: int | None,
    on_disk_payload: bool | None,
) -> dict[str, Any]:
    """The body of ``PUT /collections/{name}``: one unnamed dense vector and the options."""
    vectors: dict[str, Any] = {
        "size": validate.positive_int(size, "size"),
        "distance": validate.distance(distance),
    }
    if on_disk is not None:
        vectors["on_disk"] = validate.flag(on_disk, "on_disk")
    body: dict[str, Any] = {"vectors": vectors}
    for name, value in (
        ("shard_number", shard_number),
        ("replication_factor", replication_factor),
        ("write_consistency_factor", write_consistency_factor),
    ):
        if value is not None:
            body[name] = validate.positive_int(value, name)
    if on_disk_payload is not None:
        body["on_disk_payload"] = validate.flag(on_disk_payload, "on_disk_payload")
    return body


UPDATE_COLLECTION: Operation[Any] = Operation(
    "update_collection",
    "PATCH",
    _C,
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=frozenset(),
)

COLLECTION_CLUSTER_INFO: Operation[Any] = Operation(
    "collection_cluster_info",
    "GET",
    _C + "/cluster",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=frozenset(),
)
