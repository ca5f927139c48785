"""Collections, aliases and snapshots without a server: request builders, both wire
directions of every codec, and the checks that make REST and gRPC refuse the same input
before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from qdrant_client import models as qm
from qdrant_client.conversions.conversion import RestToGrpc
from qdrant_client.grpc import collections_pb2 as theirs

import qdpool
from qdpool import errors
from qdpool import operations as ops
from qdpool._proto import collections_pb2 as _col
from qdpool._proto import snapshots_pb2 as _snap
from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import InvalidInput
from qdpool.models import (
    AliasDescription,
    CollectionClusterInfo,
    LocalShardInfo,
    PayloadIndexInfo,
    SparseVectorParams,
    VectorParams,
)
from qdpool.testing import MockTransport
from qdpool.transport import codec_json
from qdpool.wire import collections as wc
from qdpool.wire.collections_config import from_json, to_json

PROTOCOLS = ("rest", "grpc")

FULL_BODY: dict[str, Any] = {
    "vectors": {
        "dense": {
            "size": 4,
            "distance": "Dot",
            "on_disk": True,
            "datatype": "float16",
            "hnsw_config": {"m": 8, "ef_construct": 50},
            "quantization_config": {
                "scalar": {"type": "int8", "quantile": 0.9, "always_ram": True}
            },
        },
        "colbert": {
            "size": 2,
            "distance": "Cosine",
            "multivector_config": {"comparator": "max_sim"},
            "quantization_config": {"product": {"compression": "x16"}},
        },
    },
    "sparse_vectors": {"text": {"modifier": "idf", "index": {"full_scan_threshold": 100}}},
    "shard_number": 1,
    "sharding_method": "auto",
    "replication_factor": 1,
    "write_consistency_factor": 1,
    "on_disk_payload": False,
    "hnsw_config": {"m": 20, "payload_m": 10, "on_disk": False},
    "optimizers_config": {"indexing_threshold": 0, "max_optimization_threads": "auto"},
    "wal_config": {"wal_capacity_mb": 32, "wal_segments_ahead": 0},
    "quantization_config": {
        "binary": {"always_ram": True, "encoding": "two_bits", "query_encoding": "scalar8bits"}
    },
    "strict_mode_config": {
        "enabled": True,
        "max_query_limit": 100,
        "search_max_oversampling": 1.5,
        "sparse_config": {"text": {"max_length": 32}},
        "multivector_config": {"colbert": {"max_vectors": 8}},
    },
    "metadata": {"owner": "search", "version": [1, 2], "extra": {"x": None}},
}


def make_client(handler: Any = None) -> tuple[qdpool.Client, MockTransport, MockTransport]:
    answer = handler if callable(handler) else (lambda call: handler)
    rest = MockTransport(answer, "rest")
    grpc = MockTransport(answer, "grpc")
    client = qdpool.Client(Endpoint("127.0.0.1"), transports={"rest": rest, "grpc": grpc})
    return client, rest, grpc


def call_of(spec: Any, body: Any, collection: str | None = "docs", path: Any = None) -> Call:
    return Call(spec, collection, "grpc", body, None, 0.0, Endpoint("h"), path)


def grpc_round_trip(spec: Any, body: Any, collection: str | None = "docs", path: Any = None) -> Any:
    """Client encode, bytes, server decode: the REST request the engine would get."""
    message = spec.grpc.encode(call_of(spec, body, collection, path))
    received = spec.grpc.request.FromString(message.SerializeToString())
    return spec.grpc.to_rest(received)


# ---------------------------------------------------------------- the issue-9 defect


async def test_write_consistency_factor_travels_on_both_protocols() -> None:
    client, rest, grpc = make_client(True)
    async with client:
        for protocol in PROTOCOLS:
            assert await client.create_collection(
                "docs", size=4, write_consistency_factor=1, protocol=protocol
            )
    assert rest.calls[0].body == grpc.calls[0].body
    assert rest.calls[0].body["write_consistency_factor"] == 1
    message = ops.CREATE_COLLECTION.grpc.encode(grpc.calls[0])  # type: ignore[union-attr]
    assert message.write_consistency_factor == 1
    assert grpc_round_trip(ops.CREATE_COLLECTION, grpc.calls[0].body)[1] == rest.calls[0].body


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"size": 4, "write_consistency_factor": 0}, "write_consistency_factor"),
        ({"size": 4, "vectors_config": {"size": 4, "distance": "Dot"}}, "size"),
        ({"vectors_config": {"a": {"size": 4}}}, "vectors.a.distance"),
        ({"vectors_config": {"size": 4, "distance": "cosine"}}, "vectors.distance"),
        ({"size": 4, "hnsw_config": {"m": -1}}, "hnsw_config.m"),
        ({"size": 4, "hnsw_config": {"mm": 4}}, "hnsw_config.mm"),
        ({"size": 4, "wal_config": {"wal_capacity_mb": 1.5}}, "wal_config.wal_capacity_mb"),
        (
            {"size": 4, "quantization_config": {"scalar": {"type": "int4"}}},
            "quantization_config.scalar.type",
        ),
        (
            {"size": 4, "quantization_config": {"scalar": {"type": "int8"}, "binary": {}}},
            "quantization_config.binary",
        ),
        (
            {"size": 4, "sparse_vectors_config": {"s": {"modifier": "bm42"}}},
            "sparse_vectors.s.modifier",
        ),
        ({"size": 4, "strict_mode_config": {"enabled": "yes"}}, "strict_mode_config.enabled"),
        ({"size": 4, "metadata": {"k": object()}}, "metadata.k"),
        ({"size": 4, "sharding_method": "random"}, "sharding_method"),
    ],
)
async def test_bad_configuration_is_refused_alike_before_anything_is_sent(
    kwargs: dict[str, Any], field: str
) -> None:
    client, rest, grpc = make_client(True)
    seen = []
    async with client:
        for protocol in PROTOCOLS:
            with pytest.raises(InvalidInput) as caught:
                await client.create_collection("docs", **kwargs, protocol=protocol)
            seen.append((caught.value.field, caught.value.problem))
    assert seen[0] == seen[1] and seen[0][0] == field
    assert rest.calls == [] and grpc.calls == []


# ---------------------------------------------------------------- create / update bodies


def test_every_create_section_crosses_grpc_unchanged() -> None:
    collection, body, params = grpc_round_trip(ops.CREATE_COLLECTION, FULL_BODY)
    assert collection == "docs" and params == {}
    assert body == FULL_BODY


def test_create_matches_qdrant_clients_own_conversion() -> None:
    """Our CreateCollection bytes parse, in qdrant-client's messages, to what qdrant-client
    builds for the same models (field for field)."""
    message = ops.CREATE_COLLECTION.grpc.encode(  # type: ignore[union-attr]
        call_of(ops.CREATE_COLLECTION, FULL_BODY)
    )
    parsed = theirs.CreateCollection.FromString(message.SerializeToString())
    model = qm.CreateCollection(**FULL_BODY)
    assert parsed.vectors_config == RestToGrpc.convert_vectors_config(model.vectors)
    assert parsed.hnsw_config == RestToGrpc.convert_hnsw_config_diff(model.hnsw_config)
    assert parsed.quantization_config == RestToGrpc.convert_quantization_config(
        model.quantization_config
    )
    assert parsed.strict_mode_config == RestToGrpc.convert_strict_mode_config(
        model.strict_mode_config
    )
    assert parsed.sparse_vectors_config == RestToGrpc.convert_sparse_vector_config(
        model.sparse_vectors
    )
    assert parsed.optimizers_config == RestToGrpc.convert_optimizers_config_diff(
        model.optimizers_config
    )
    assert MessageToDict(parsed)["metadata"] == {
        "owner": {"stringValue": "search"},
        "version": {"listValue": {"values": [{"integerValue": "1"}, {"integerValue": "2"}]}},
        "extra": {"structValue": {"fields": {"x": {"nullValue": "NULL_VALUE"}}}},
    }


async def test_qdrant_client_models_and_qdpool_params_give_the_same_body() -> None:
    client, rest, _ = make_client(True)
    async with client:
        await client.create_collection(
            "docs",
            vectors_config={
                "dense": qm.VectorParams(
                    size=4,
                    distance=qm.Distance.DOT,
                    hnsw_config=qm.HnswConfigDiff(m=8),
                    quantization_config=qm.ScalarQuantization(
                        scalar=qm.ScalarQuantizationConfig(type=qm.ScalarType.INT8)
                    ),
                ),
                "plain": VectorParams(2, "Cosine", on_disk=True),
            },
            sparse_vectors_config={"text": qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            hnsw_config=qm.HnswConfigDiff(m=20),
            strict_mode_config=qm.StrictModeConfig(enabled=True, max_query_limit=5),
            protocol="rest",
        )
        await client.create_collection(
            "docs",
            vectors_config={
                "dense": {
                    "size": 4,
                    "distance": "Dot",
                    "hnsw_config": {"m": 8},
                    "quantization_config": {"scalar": {"type": "int8"}},
                },
                "plain": {"size": 2, "distance": "Cosine", "on_disk": True},
            },
            sparse_vectors_config={"text": {"modifier": "idf"}},
            hnsw_config={"m": 20},
            strict_mode_config={"enabled": True, "max_query_limit": 5},
            protocol="rest",
        )
    assert rest.calls[0].body == rest.calls[1].body


async def test_storage_placement_travels_on_both_protocols() -> None:
    client, rest, grpc = make_client(True)
    async with client:
        for protocol in PROTOCOLS:
            await client.create_collection(
                "docs",
                size=4,
                sharding_method="auto",
                payload=qm.PayloadStorageParams(memory=qm.Memory.COLD),
                id_tracker={"memory": "pinned"},
                protocol=protocol,
            )
    body = rest.calls[0].body
    assert body == grpc.calls[0].body
    assert (body["payload"], body["id_tracker"]) == ({"memory": "cold"}, {"memory": "pinned"})
    message = ops.CREATE_COLLECTION.grpc.encode(grpc.calls[0])  # type: ignore[union-attr]
    assert message.payload.memory == _col.Cold and message.id_tracker.memory == _col.Pinned
    assert message.sharding_method == _col.Auto and message.HasField("sharding_method")
    info = ops.GET_COLLECTION.decode_rest(
        {"status": "green", "config": {"params": {**body, "read_fan_out_factor": 2}}}
    )
    assert (info.payload_storage, info.id_tracker) == ({"memory": "cold"}, {"memory": "pinned"})
    assert (info.read_fan_out_factor, info.read_fan_out_delay_ms) == (2, None)


async def test_a_collection_without_dense_vectors_sends_none() -> None:
    client, rest, _ = make_client(True)
    async with client:
        await client.create_collection("docs", sparse_vectors_config={"s": {}}, protocol="rest")
    assert rest.calls[0].body == {"sparse_vectors": {"s": {}}}


async def test_update_sections_cross_grpc_unchanged() -> None:
    client, rest, grpc = make_client(True)
    async with client:
        for protocol in PROTOCOLS:
            await client.update_collection(
                "docs",
                vectors_config={"": qm.VectorParamsDiff(on_disk=True, hnsw_config={"m": 4})},
                optimizers_config={"indexing_threshold": 100},
                collection_params=qm.CollectionParamsDiff(replication_factor=2),
                hnsw_config={"ef_construct": 64},
                quantization_config=qm.Disabled.DISABLED,
                sparse_vectors_config={"s": {"modifier": "none"}},
                strict_mode_config={"enabled": False},
                metadata={"v": 2},
                protocol=protocol,
            )
    body = rest.calls[0].body
    assert body == grpc.calls[0].body
    assert body["vectors"] == {"": {"on_disk": True, "hnsw_config": {"m": 4}}}
    assert body["params"] == {"replication_factor": 2}
    assert body["quantization_config"] == "Disabled"
    message = ops.UPDATE_COLLECTION.grpc.encode(grpc.calls[0])  # type: ignore[union-attr]
    assert message.vectors_config.WhichOneof("config") == "params"  # "" is the unnamed one
    assert message.quantization_config.WhichOneof("quantization") == "disabled"
    assert grpc_round_trip(ops.UPDATE_COLLECTION, body)[1] == body
    named = grpc_round_trip(ops.UPDATE_COLLECTION, {"vectors": {"a": {"on_disk": False}}})
    assert named[1] == {"vectors": {"a": {"on_disk": False}}}


def test_the_server_refuses_fields_it_cannot_read() -> None:
    # hnsw_config (field 4) carrying m=4 and a field 99 our protos do not declare, as a
    # newer client might send it.
    hnsw = _col.HnswConfigDiff(m=4).SerializeToString() + b"\x98\x06\x01"
    raw = _col.CreateCollection(collection_name="docs").SerializeToString()
    tampered = _col.CreateCollection.FromString(raw + b"\x22" + bytes([len(hnsw)]) + hnsw)
    assert tampered.hnsw_config.m == 4
    with pytest.raises(InvalidInput) as caught:
        wc.create_collection_to_rest(tampered)
    assert caught.value.field == "hnsw_config"
    assert "[99]" in caught.value.problem


# ---------------------------------------------------------------- collection info


INFO: dict[str, Any] = {
    "status": "yellow",
    "optimizer_status": {"error": "disk full"},
    "indexed_vectors_count": 3,
    "points_count": 10,
    "segments_count": 2,
    "config": {
        "params": {
            "vectors": FULL_BODY["vectors"],
            "shard_number": 1,
            "replication_factor": 1,
            "write_consistency_factor": 1,
            "on_disk_payload": False,
            "sparse_vectors": FULL_BODY["sparse_vectors"],
        },
        "hnsw_config": {
            "m": 20,
            "ef_construct": 100,
            "full_scan_threshold": 10000,
            "max_indexing_threads": 0,
            "on_disk": False,
        },
        "optimizer_config": {
            "deleted_threshold": 0.2,
            "vacuum_min_vector_number": 1000,
            "default_segment_number": 0,
            "max_segment_size": None,
            "indexing_threshold": 0,
            "flush_interval_sec": 5,
            "max_optimization_threads": None,
        },
        "wal_config": {"wal_capacity_mb": 32, "wal_segments_ahead": 0, "wal_retain_closed": 1},
        "quantization_config": FULL_BODY["quantization_config"],
        "strict_mode_config": FULL_BODY["strict_mode_config"],
        "metadata": FULL_BODY["metadata"],
    },
    "payload_schema": {
        "tag": {
            "data_type": "keyword",
            "params": {"type": "keyword", "is_tenant": True},
            "points": 7,
        },
        "body": {
            "data_type": "text",
            "params": {
                "type": "text",
                "tokenizer": "word",
                "lowercase": True,
                "stopwords": "english",
                "stemmer": {"type": "snowball", "language": "english"},
                "phrase_matching": True,
            },
            "points": 5,
        },
        "n": {"data_type": "integer", "points": 10},
    },
    "update_queue": {"length": 0},
    "a_field_from_a_newer_qdrant": {"ignored": True},
}


def test_collection_info_is_equal_over_rest_and_grpc() -> None:
    over_rest = ops.GET_COLLECTION.decode_rest(INFO)
    assert ops.GET_COLLECTION.grpc is not None
    reply = ops.GET_COLLECTION.grpc.from_rest(INFO, 0.5)
    over_grpc = ops.GET_COLLECTION.grpc.decode(
        _col.GetCollectionInfoResponse.FromString(reply.SerializeToString())
    )
    assert over_rest == over_grpc
    info = over_rest
    assert (info.status, info.optimizer_status, info.points_count) == ("yellow", "disk full", 10)
    assert info.vectors["dense"] == VectorParams(
        4,
        "Dot",
        True,
        "float16",
        {"m": 8, "ef_construct": 50},
        {"scalar": {"type": "int8", "quantile": 0.9, "always_ram": True}},
    )
    assert info.vectors["colbert"].multivector_config == {"comparator": "max_sim"}
    assert info.sparse_vectors == {"text": SparseVectorParams({"full_scan_threshold": 100}, "idf")}
    assert (info.write_consistency_factor, info.on_disk_payload) == (1, False)
    assert info.hnsw_config["m"] == 20 and info.wal_config["wal_retain_closed"] == 1
    assert "max_segment_size" not in info.optimizer_config  # null means unset
    assert info.quantization_config == FULL_BODY["quantization_config"]
    assert info.strict_mode_config == FULL_BODY["strict_mode_config"]
    assert info.metadata == FULL_BODY["metadata"]
    assert info.payload_schema["tag"] == PayloadIndexInfo(
        "keyword", {"type": "keyword", "is_tenant": True}, 7
    )
    assert info.payload_schema["body"].params == {
        "type": "text",
        "tokenizer": "word",
        "lowercase": True,
        "stopwords": {"languages": ["english"]},
        "stemmer": {"type": "snowball", "language": "english"},
        "phrase_matching": True,
    }
    assert info.payload_schema["n"] == PayloadIndexInfo("integer", None, 10)


def test_server_info_matches_qdrant_clients_own_conversion() -> None:
    """The server's gRPC answer, read with qdrant-client's messages, equals qdrant-client's
    conversion of the REST info (the fields Qdrant 1.18 has), section by section."""
    info = {k: v for k, v in INFO.items() if k != "a_field_from_a_newer_qdrant"}
    info["payload_schema"] = {"tag": info["payload_schema"]["tag"]}
    ours = theirs.GetCollectionInfoResponse.FromString(
        ops.GET_COLLECTION.grpc.from_rest(info, 0).SerializeToString()  # type: ignore[union-attr]
    ).result
    expected = RestToGrpc.convert_collection_info(qm.CollectionInfo(**info))
    for section in ("params", "hnsw_config", "optimizer_config", "wal_config"):
        assert getattr(ours.config, section) == getattr(expected.config, section), section
    assert ours.config.quantization_config == expected.config.quantization_config
    assert ours.config.strict_mode_config == expected.config.strict_mode_config
    assert ours.config.metadata == expected.config.metadata
    assert ours.payload_schema == expected.payload_schema
    assert ours.optimizer_status == expected.optimizer_status
    assert (ours.status, ours.points_count) == (expected.status, expected.points_count)


def test_a_minimal_info_gets_qdrants_defaults() -> None:
    info = ops.GET_COLLECTION.decode_rest({"status": "green", "config": {"params": {}}})
    assert (info.shard_number, info.replication_factor, info.write_consistency_factor) == (1, 1, 1)
    assert info.on_disk_payload is True and info.vectors == {} and info.hnsw_config == {}
    assert info.quantization_config is None and info.metadata == {}


def test_cluster_info_is_equal_over_rest_and_grpc() -> None:
    result = {
        "peer_id": 7,
        "shard_count": 2,
        "local_shards": [{"shard_id": 0, "points_count": 0, "state": "Active"}],
        "remote_shards": [{"shard_id": 1, "peer_id": 8, "state": "Dead", "shard_key": "eu"}],
        "shard_transfers": [
            {"shard_id": 1, "from": 8, "to": 7, "sync": True, "method": "stream_records"}
        ],
    }
    over_rest = ops.COLLECTION_CLUSTER_INFO.decode_rest(result)
    spec = ops.COLLECTION_CLUSTER_INFO.grpc
    assert spec is not None
    reply = _col.CollectionClusterInfoResponse.FromString(
        spec.from_rest(result, 0).SerializeToString()
    )
    assert spec.decode(reply) == over_rest
    assert over_rest.local_shards == (LocalShardInfo(0, 0, "Active"),)
    assert over_rest.remote_shards[0].shard_key == "eu"
    assert over_rest.shard_transfers[0].from_peer == 8
    assert isinstance(over_rest, CollectionClusterInfo)


# ---------------------------------------------------------------- aliases


async def test_alias_methods_build_qdrants_actions_on_both_protocols() -> None:
    client, rest, grpc = make_client(True)
    async with client:
        for protocol in PROTOCOLS:
            await client.create_alias("docs_v2", "docs", protocol=protocol)
            await client.rename_alias("docs", "live", protocol=protocol)
            await client.delete_alias("live", protocol=protocol)
            await client.update_collection_aliases(
                [
                    qm.DeleteAliasOperation(delete_alias=qm.DeleteAlias(alias_name="live")),
                    qm.CreateAliasOperation(
                        create_alias=qm.CreateAlias(collection_name="v3", alias_name="live")
                    ),
                ],
                protocol=protocol,
            )
    bodies = [c.body for c in rest.calls]
    assert bodies == [c.body for c in grpc.calls]
    assert bodies[0] == {
        "actions": [{"create_alias": {"collection_name": "docs_v2", "alias_name": "docs"}}]
    }
    assert bodies[1] == {
        "actions": [{"rename_alias": {"old_alias_name": "docs", "new_alias_name": "live"}}]
    }
    assert bodies[3]["actions"][0] == {"delete_alias": {"alias_name": "live"}}
    for body in bodies:
        assert grpc_round_trip(ops.UPDATE_COLLECTION_ALIASES, body, None) == (None, body, {})


@pytest.mark.parametrize(
    ("actions", "field"),
    [
        ([], "actions"),
        ([{}], "actions[0]"),
        ([{"create_alias": {"alias_name": "a"}}], "actions[0].create_alias.collection_name"),
        (
            [{"create_alias": {"collection_name": "c", "alias_name": "a"}, "delete_alias": {}}],
            "actions[0].delete_alias",
        ),
        ([{"drop_alias": {"alias_name": "a"}}], "actions[0].drop_alias"),
        ("create", "actions"),
    ],
)
async def test_bad_alias_actions_are_refused_alike(actions: Any, field: str) -> None:
    client, rest, grpc = make_client(True)
    async with client:
        for protocol in PROTOCOLS:
            with pytest.raises(InvalidInput) as caught:
                await client.update_collection_aliases(actions, protocol=protocol)
            assert caught.value.field == field
        with pytest.raises(InvalidInput):
            await client.create_alias("docs", "")
    assert rest.calls == [] and grpc.calls == []


def test_alias_listings_are_equal_over_rest_and_grpc() -> None:
    result = {"aliases": [{"alias_name": "live", "collection_name": "docs"}]}
    expected = [AliasDescription("live", "docs")]
    for spec in (ops.GET_ALIASES, ops.GET_COLLECTION_ALIASES):
        assert spec.decode_rest(result) == expected
        assert spec.grpc is not None
        reply = _col.ListAliasesResponse.FromString(
            spec.grpc.from_rest(result, 0).SerializeToString()
        )
        assert spec.grpc.decode(reply) == expected


# ---------------------------------------------------------------- snapshots


def test_snapshot_deletes_carry_the_name_both_ways() -> None:
    path = {"snapshot_name": "s1.snapshot"}
    assert grpc_round_trip(ops.DELETE_SNAPSHOT, None, "docs", path) == ("docs", None, path)
    assert grpc_round_trip(ops.DELETE_FULL_SNAPSHOT, None, None, path) == (None, None, path)
    reply = ops.DELETE_SNAPSHOT.grpc.from_rest(True, 0.1)  # type: ignore[union-attr]
    assert isinstance(reply, _snap.DeleteSnapshotResponse) and reply.time == 0.1
    assert ops.DELETE_SNAPSHOT.grpc.decode(reply) is True  # type: ignore[union-attr]
    assert ops.DELETE_SNAPSHOT.decode_rest(True) is True


def test_full_snapshot_answers_are_equal_over_rest_and_grpc() -> None:
    item = {
        "name": "full.snapshot",
        "creation_time": "2026-01-02T03:04:05",
        "size": 9,
        "checksum": "ab",
    }
    for spec, result in ((ops.CREATE_FULL_SNAPSHOT, item), (ops.LIST_FULL_SNAPSHOTS, [item])):
        assert spec.grpc is not None
        reply = spec.grpc.from_rest(result, 0)
        assert spec.grpc.decode(type(reply).FromString(reply.SerializeToString())) == (
            spec.decode_rest(result)
        )


async def test_snapshot_names_and_recover_arguments_are_checked() -> None:
    client, rest, grpc = make_client(True)
    async with client:
        for protocol in PROTOCOLS:
            with pytest.raises(InvalidInput, match="snapshot_name"):
                await client.delete_snapshot("docs", "../etc", protocol=protocol)
        with pytest.raises(InvalidInput, match="priority"):
            await client.recover_snapshot("docs", "file:///s", priority="first")  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="location"):
            await client.recover_snapshot("docs", "")
        await client.recover_snapshot("docs", "file:///s", checksum="ab", wait=False)
    assert grpc.calls == []
    (recover,) = rest.calls
    assert recover.body == {"location": "file:///s", "checksum": "ab"}
    assert recover.options is not None and recover.options.rest_query == "wait=false"


def test_a_raw_answer_is_not_parsed_as_json() -> None:
    call = call_of(ops.DOWNLOAD_SNAPSHOT, None, "docs", {"snapshot_name": "s"})
    assert codec_json.decode(call, 200, b"\x00not json", None) == b"\x00not json"
    with pytest.raises(errors.NotFound):
        codec_json.decode(call, 404, b'{"status": {"error": "Not found"}}', None)


# ---------------------------------------------------------------- the converter itself


def test_enums_and_float32_use_qdrants_rest_texts() -> None:
    message = _col.QuantizationConfig()
    from_json(message, {"turbo": {"bits": "bits1_5", "memory": "cached"}})
    assert message.WhichOneof("quantization") == "turboquant"
    assert to_json(message) == {"turbo": {"bits": "bits1_5", "memory": "cached"}}
    scalar = _col.ScalarQuantization()
    from_json(scalar, {"type": "int8", "quantile": 0.99})
    assert scalar.quantile != 0.99 and to_json(scalar)["quantile"] == 0.99
    params = _col.VectorParams()
    with pytest.raises(InvalidInput, match="expected one of float32, uint8, float16"):
        from_json(params, {"size": 1, "distance": "Dot", "datatype": "float64"})
