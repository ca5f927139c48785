"""Collections: create (every configuration section), update, list, get (full info),
exists, delete, cluster info."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

from qdpool import validate
from qdpool._proto import collections_pb2 as _col
from qdpool.errors import InvalidInput
from qdpool.models import CollectionClusterInfo, CollectionInfo
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import collections as wc
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
        wc.encode_create_collection,
        lambda m: bool(m.result),
        wc.create_collection_to_rest,
        rs.responder(_col.CollectionOperationResponse, rs.respond_create),
    ),
    server_timeout=True,
)

UPDATE_COLLECTION: Operation[bool] = Operation(
    "update_collection",
    "PATCH",
    _C,
    "/qdrant.Collections/Update",
    idempotent=True,
    read=False,
    decode_rest=rest.decode_bool,
    grpc=GrpcCodec(
        _col.UpdateCollection,
        _col.CollectionOperationResponse,
        wc.encode_update_collection,
        lambda m: bool(m.result),
        wc.update_collection_to_rest,
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
    decode_rest=wc.collection_info_from_json,
    grpc=GrpcCodec(
        _col.GetCollectionInfoRequest,
        _col.GetCollectionInfoResponse,
        rq.named_request(_col.GetCollectionInfoRequest),
        wc.decode_collection_info,
        rq.collection_only_to_rest,
        wc.respond_collection_info,
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

COLLECTION_CLUSTER_INFO: Operation[CollectionClusterInfo] = Operation(
    "collection_cluster_info",
    "GET",
    _C + "/cluster",
    "/qdrant.Collections/CollectionClusterInfo",
    idempotent=True,
    read=True,
    decode_rest=wc.cluster_info_from_json,
    grpc=GrpcCodec(
        _col.CollectionClusterInfoRequest,
        _col.CollectionClusterInfoResponse,
        rq.named_request(_col.CollectionClusterInfoRequest),
        wc.cluster_info_from_pb,
        rq.collection_only_to_rest,
        wc.respond_cluster_info,
    ),
)


# ---------------------------------------------------------------- request builders


def config_value(value: Any, field: str) -> Any:
    """A configuration argument as Qdrant's REST JSON: dicts, qdrant-client models,
    qdpool's ``VectorParams``, enums (their values) and numpy scalars, at any depth."""
    return validate.json_value(_plain(value), field)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    dumped = validate.plain(value)
    if dumped is not value:
        return dumped
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _put(body: dict[str, Any], key: str, value: Any, field: str) -> None:
    if value is not None:
        body[key] = config_value(value, field)


def create_collection_request(
    *,
    vectors_config: Any,
    size: int | None,
    distance: str,
    on_disk: bool | None,
    sparse_vectors_config: Any,
    shard_number: int | None,
    sharding_method: str | None,
    replication_factor: int | None,
    write_consistency_factor: int | None,
    on_disk_payload: bool | None,
    hnsw_config: Any,
    optimizers_config: Any,
    wal_config: Any,
    quantization_config: Any,
    strict_mode_config: Any,
    metadata: Mapping[str, Any] | None,
    payload: Any = None,
    id_tracker: Any = None,
) -> dict[str, Any]:
    """The body of ``PUT /collections/{name}``, checked by the gRPC encoder so that both
    protocols refuse the same input.

    ``size``/``distance``/``on_disk`` are the shorthand for one unnamed dense vector;
    ``vectors_config`` is one ``VectorParams`` or a dict of named ones; neither means a
    collection without dense vectors (sparse only, or added later)."""
    body: dict[str, Any] = {}
    if size is not None:
        if vectors_config is not None:
            raise InvalidInput("size", "give size= or vectors_config=, not both")
        vectors: dict[str, Any] = {
            "size": validate.positive_int(size, "size"),
            "distance": validate.distance(distance),
        }
        if on_disk is not None:
            vectors["on_disk"] = validate.flag(on_disk, "on_disk")
        body["vectors"] = vectors
    elif on_disk is not None:
        raise InvalidInput("on_disk", "goes with size=; put it in vectors_config instead")
    else:
        _put(body, "vectors", vectors_config, "vectors_config")
    for name, value in (
        ("shard_number", shard_number),
        ("replication_factor", replication_factor),
        ("write_consistency_factor", write_consistency_factor),
    ):
        if value is not None:
            body[name] = validate.positive_int(value, name)
    if on_disk_payload is not None:
        body["on_disk_payload"] = validate.flag(on_disk_payload, "on_disk_payload")
    _put(body, "sharding_method", sharding_method, "sharding_method")
    _put(body, "sparse_vectors", sparse_vectors_config, "sparse_vectors_config")
    _put(body, "hnsw_config", hnsw_config, "hnsw_config")
    _put(body, "optimizers_config", optimizers_config, "optimizers_config")
    _put(body, "wal_config", wal_config, "wal_config")
    _put(body, "quantization_config", quantization_config, "quantization_config")
    _put(body, "strict_mode_config", strict_mode_config, "strict_mode_config")
    _put(body, "metadata", metadata, "metadata")
    _put(body, "payload", payload, "payload")
    _put(body, "id_tracker", id_tracker, "id_tracker")
    wc.check_create_body(body)
    return body


def update_collection_request(
    *,
    vectors_config: Any,
    optimizers_config: Any,
    collection_params: Any,
    hnsw_config: Any,
    quantization_config: Any,
    sparse_vectors_config: Any,
    strict_mode_config: Any,
    metadata: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The body of ``PATCH /collections/{name}``: only the sections given change.

    ``vectors_config`` maps vector names (``""`` for the unnamed one) to their changes;
    ``quantization_config="Disabled"`` switches quantization off."""
    body: dict[str, Any] = {}
    _put(body, "vectors", vectors_config, "vectors_config")
    _put(body, "optimizers_config", optimizers_config, "optimizers_config")
    _put(body, "params", collection_params, "collection_params")
    _put(body, "hnsw_config", hnsw_config, "hnsw_config")
    _put(body, "quantization_config", quantization_config, "quantization_config")
    _put(body, "sparse_vectors", sparse_vectors_config, "sparse_vectors_config")
    _put(body, "strict_mode_config", strict_mode_config, "strict_mode_config")
    _put(body, "metadata", metadata, "metadata")
    wc.check_update_body(body)
    return body
