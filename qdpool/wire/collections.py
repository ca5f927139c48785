"""Collections on the wire: create, update, get (full info) and cluster info, both ways.

Every message here goes through ``collections_config``'s one converter, so the
client's encoder, the server's decoder and both result decoders agree on every
field. The REST result decoders parse Qdrant's JSON into the same protobuf
message the gRPC answer arrives in and decode that, so a ``CollectionInfo`` read
over REST compares equal to the one read over gRPC by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from qdpool._proto import collections_pb2 as _col
from qdpool.call import Call
from qdpool.errors import InvalidInput
from qdpool.models import (
    CollectionClusterInfo,
    CollectionInfo,
    LocalShardInfo,
    PayloadIndexInfo,
    RemoteShardInfo,
    ReshardingInfo,
    ShardTransferInfo,
    SparseVectorParams,
    VectorParams,
)
from qdpool.wire.collections_config import enum_text, from_json, to_json
from qdpool.wire.requests import _body_of, _collection_of, refuse_unhandled
from qdpool.wire.values import payload_from_pb

if TYPE_CHECKING:
    from qdpool.operations.spec import RestRequest

_ENVELOPE = frozenset(("collection_name", "timeout"))


def _all_fields(cls: Any) -> frozenset[str]:
    return frozenset(f.name for f in cls.DESCRIPTOR.fields)


def _timeout_params(message: Any) -> dict[str, str]:
    return {"timeout": str(message.timeout)} if message.HasField("timeout") else {}


def _text(message: Any, field: str) -> str | None:
    """An enum field's REST text, or None where it is unset or a placeholder."""
    descriptor = message.DESCRIPTOR.fields_by_name[field]
    if descriptor.has_presence and not message.HasField(field):
        return None
    return enum_text(descriptor.enum_type)[0].get(getattr(message, field))


def _optional(message: Any, field: str) -> int | None:
    return int(getattr(message, field)) if message.HasField(field) else None


def _section(message: Any, field: str) -> dict[str, Any] | None:
    if not message.HasField(field):
        return None
    converted = to_json(getattr(message, field))
    return converted if isinstance(converted, dict) else {"value": converted}


# ---------------------------------------------------------------- client: encode


def _encode_config(cls: Any, call: Call) -> Any:
    body = _body_of(call)
    out = cls(collection_name=_collection_of(call))
    for key in _ENVELOPE:
        if body.get(key) is not None:
            raise InvalidInput(key, "is not part of the request body")
    from_json(out, body)
    return out


def encode_create_collection(call: Call) -> Any:
    """``PUT /collections/{c}`` body -> ``CreateCollection`` (every field Qdrant has)."""
    return _encode_config(_col.CreateCollection, call)


def encode_update_collection(call: Call) -> Any:
    """``PATCH /collections/{c}`` body -> ``UpdateCollection``."""
    return _encode_config(_col.UpdateCollection, call)


def check_create_body(body: Mapping[str, Any]) -> None:
    """Validate a create body exactly as the gRPC encoder reads it (both protocols refuse
    the same input before anything is sent)."""
    from_json(_col.CreateCollection(collection_name="-"), body)


def check_update_body(body: Mapping[str, Any]) -> None:
    """``check_create_body`` for an update body."""
    from_json(_col.UpdateCollection(collection_name="-"), body)


# ---------------------------------------------------------------- server: decode


def _config_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, _all_fields(type(message)))
    body = to_json(message, strict=True)
    for key in _ENVELOPE:
        body.pop(key, None)
    return message.collection_name, body, _timeout_params(message)


def create_collection_to_rest(message: Any) -> RestRequest:
    """``CreateCollection`` -> the REST body; every field converts, none is dropped."""
    return _config_to_rest(message)


def update_collection_to_rest(message: Any) -> RestRequest:
    """``UpdateCollection`` -> the REST ``PATCH`` body."""
    return _config_to_rest(message)


# ---------------------------------------------------------------- results


def _vector_params(params: Any) -> VectorParams:
    return VectorParams(
        params.size,
        _text(params, "distance") or "UnknownDistance",  # type: ignore[arg-type]
        params.on_disk if params.HasField("on_disk") else None,
        _text(params, "datatype"),
        _section(params, "hnsw_config"),
        _section(params, "quantization_config"),
        _section(params, "multivector_config"),
        _text(params, "memory"),
    )


def _vectors(params: Any) -> dict[str, VectorParams]:
    if not params.HasField("vectors_config"):
        return {}
    config = params.vectors_config
    kind = config.WhichOneof("config")
    if kind == "params":
        return {"": _vector_params(config.params)}
    if kind == "params_map":
        return {name: _vector_params(p) for name, p in config.params_map.map.items()}
    return {}


def _sparse(params: Any) -> dict[str, SparseVectorParams]:
    return {
        name: SparseVectorParams(_section(p, "index"), _text(p, "modifier"))
        for name, p in params.sparse_vectors_config.map.items()
    }


def _payload_schema(info: Any) -> dict[str, PayloadIndexInfo]:
    return {
        key: PayloadIndexInfo(
            _text(schema, "data_type") or "unknown",
            _section(schema, "params"),
            schema.points,
        )
        for key, schema in info.payload_schema.items()
    }


def collection_info_from_pb(info: Any) -> CollectionInfo:
    """A ``CollectionInfo`` message -> qdpool's ``CollectionInfo``."""
    config = info.config
    params = config.params
    status = info.optimizer_status
    return CollectionInfo(
        status=_text(info, "status") or "unknown",
        points_count=info.points_count,
        indexed_vectors_count=info.indexed_vectors_count,
        segments_count=info.segments_count,
        vectors=_vectors(params),
        shard_number=params.shard_number or 1,
        replication_factor=(
            params.replication_factor if params.HasField("replication_factor") else 1
        ),
        on_disk_payload=params.on_disk_payload,
        write_consistency_factor=(
            params.write_consistency_factor if params.HasField("write_consistency_factor") else 1
        ),
        sparse_vectors=_sparse(params),
        payload_schema=_payload_schema(info),
        hnsw_config=_section(config, "hnsw_config") or {},
        optimizer_config=_section(config, "optimizer_config") or {},
        wal_config=_section(config, "wal_config") or {},
        quantization_config=_section(config, "quantization_config"),
        strict_mode_config=_section(config, "strict_mode_config"),
        metadata=payload_from_pb(config.metadata) or {},
        optimizer_status="ok" if status.ok or not status.error else status.error,
        sharding_method=_text(params, "sharding_method"),
        warnings=tuple(w.message for w in info.warnings),
        read_fan_out_factor=_optional(params, "read_fan_out_factor"),
        read_fan_out_delay_ms=_optional(params, "read_fan_out_delay_ms"),
        payload_storage=_section(params, "payload"),
        id_tracker=_section(params, "id_tracker"),
    )


def decode_collection_info(message: Any) -> CollectionInfo:
    """gRPC: ``GetCollectionInfoResponse`` -> ``CollectionInfo``."""
    return collection_info_from_pb(message.result)


def collection_info_from_json(result: Any) -> CollectionInfo:
    """REST: the ``result`` of ``GET /collections/{c}`` -> ``CollectionInfo`` (through the
    same message as gRPC's answer; keys our protos lack are skipped)."""
    info = _col.CollectionInfo()
    from_json(info, result, strict=False)
    return collection_info_from_pb(info)


def respond_collection_info(result: Any, elapsed: float) -> Any:
    """Server: the REST info -> ``GetCollectionInfoResponse``, every section included."""
    out = _col.GetCollectionInfoResponse(time=elapsed)
    from_json(out.result, result, strict=False)
    return out


def _shard_key(message: Any) -> str | int | None:
    if not message.HasField("shard_key"):
        return None
    key = message.shard_key
    value: str | int = key.keyword if key.WhichOneof("key") == "keyword" else key.number
    return value


def cluster_info_from_pb(message: Any) -> CollectionClusterInfo:
    """``CollectionClusterInfoResponse`` -> ``CollectionClusterInfo``."""
    return CollectionClusterInfo(
        peer_id=message.peer_id,
        shard_count=message.shard_count,
        local_shards=tuple(
            LocalShardInfo(s.shard_id, s.points_count, _text(s, "state") or "", _shard_key(s))
            for s in message.local_shards
        ),
        remote_shards=tuple(
            RemoteShardInfo(s.shard_id, s.peer_id, _text(s, "state") or "", _shard_key(s))
            for s in message.remote_shards
        ),
        shard_transfers=tuple(
            ShardTransferInfo(
                t.shard_id,
                getattr(t, "from"),
                t.to,
                t.sync,
                t.to_shard_id if t.HasField("to_shard_id") else None,
            )
            for t in message.shard_transfers
        ),
        resharding_operations=tuple(
            ReshardingInfo(r.shard_id, r.peer_id, _text(r, "direction") or "", _shard_key(r))
            for r in message.resharding_operations
        ),
    )


def cluster_info_from_json(result: Any) -> CollectionClusterInfo:
    """REST: ``GET /collections/{c}/cluster`` -> ``CollectionClusterInfo``."""
    message = _col.CollectionClusterInfoResponse()
    from_json(message, result, strict=False)
    return cluster_info_from_pb(message)


def respond_cluster_info(result: Any, elapsed: float) -> Any:
    """Server: the REST cluster info -> ``CollectionClusterInfoResponse``."""
    out = _col.CollectionClusterInfoResponse()
    from_json(out, result, strict=False)
    out.time = elapsed
    return out
