"""Collections, aliases and snapshots through qdpool on both protocols against the embedded
server, judged by the official qdrant-client (REST and gRPC) on the same collections.

A collection created with every configuration section, over either protocol and by
either client, must read back the same everywhere: qdpool's ``get_collection`` over REST
and gRPC (equal values), and qdrant-client's over REST and gRPC (the same sections,
float32 fields compared as float32).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

import qdpool
from qdpool.embedded import EmbeddedQdrant
from qdpool.models import AliasDescription, CollectionInfo, SnapshotInfo, as_float32

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
PROTOCOLS = ("rest", "grpc")

CONFIG: dict[str, Any] = {
    "vectors_config": {
        "dense": {
            "size": 4,
            "distance": "Dot",
            "on_disk": True,
            "datatype": "float16",
            "hnsw_config": {"m": 8},
            "quantization_config": {
                "scalar": {"type": "int8", "quantile": 0.9, "always_ram": True}
            },
        },
        "colbert": {
            "size": 2,
            "distance": "Cosine",
            "multivector_config": {"comparator": "max_sim"},
        },
    },
    "sparse_vectors_config": {"text": {"modifier": "idf", "index": {"full_scan_threshold": 100}}},
    "hnsw_config": {"m": 20, "payload_m": 10},
    "optimizers_config": {"indexing_threshold": 0},
    "quantization_config": {"binary": {"always_ram": True}},
    "strict_mode_config": {"enabled": True, "max_query_limit": 100},
    "metadata": {"owner": "search", "version": [1, 2]},
    "write_consistency_factor": 1,
    "on_disk_payload": False,
}


def official(server: EmbeddedQdrant, *, grpc_on: bool) -> AsyncQdrantClient:
    return AsyncQdrantClient(
        url=server.rest_url,
        grpc_port=int(server.grpc_url.rsplit(":", 1)[1]),
        prefer_grpc=grpc_on,
        api_key=KEY,
        https=False,
        check_compatibility=False,
        timeout=30,
    )


@pytest_asyncio.fixture(scope="module")
async def judges(server: EmbeddedQdrant) -> AsyncIterator[dict[str, AsyncQdrantClient]]:
    clients = {p: official(server, grpc_on=p == "grpc") for p in PROTOCOLS}
    yield clients
    for c in clients.values():
        await c.close()


@pytest_asyncio.fixture(scope="module")
async def ours(server: EmbeddedQdrant) -> AsyncIterator[qdpool.Client]:
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as c:
        yield c


@pytest.fixture
def names() -> Iterator[list[str]]:
    """Collection names for one test; what the test created is deleted afterwards."""
    made: list[str] = []
    yield made


@pytest_asyncio.fixture
async def fresh(ours: qdpool.Client, names: list[str]) -> AsyncIterator[Any]:
    def make(prefix: str = "coll") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        names.append(name)
        return name

    yield make
    for name in names:
        await ours.delete_collection(name)


def norm(value: Any) -> Any:
    """JSON with nulls and empty objects dropped and floats as float32, so that qdrant-client's
    models (REST or converted from gRPC) and qdpool's values compare."""
    if isinstance(value, dict):
        out = {k: norm(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in out.items() if v != {}}
    if isinstance(value, list | tuple):
        return [norm(v) for v in value]
    if isinstance(value, float):
        return as_float32(value)
    return value


def as_rest(info: CollectionInfo) -> dict[str, Any]:
    """qdpool's ``CollectionInfo`` in the shape of qdrant-client's ``config`` and schema."""
    vectors = {
        name: {f.name: getattr(v, f.name) for f in fields(v)} for name, v in info.vectors.items()
    }
    params: dict[str, Any] = {
        "vectors": vectors[""] if list(vectors) == [""] else vectors,
        "shard_number": info.shard_number,
        "sharding_method": info.sharding_method,
        "replication_factor": info.replication_factor,
        "write_consistency_factor": info.write_consistency_factor,
        "on_disk_payload": info.on_disk_payload,
        "read_fan_out_factor": info.read_fan_out_factor,
        "read_fan_out_delay_ms": info.read_fan_out_delay_ms,
        "payload": info.payload_storage,
        "id_tracker": info.id_tracker,
        "sparse_vectors": {
            n: {"index": s.index, "modifier": s.modifier} for n, s in info.sparse_vectors.items()
        },
    }
    return norm(
        {
            "config": {
                "params": params,
                "hnsw_config": info.hnsw_config,
                "optimizer_config": info.optimizer_config,
                "wal_config": info.wal_config,
                "quantization_config": info.quantization_config,
                "strict_mode_config": info.strict_mode_config,
                "metadata": info.metadata,
            },
            "payload_schema": {
                k: {"data_type": s.data_type, "params": s.params, "points": s.points}
                for k, s in info.payload_schema.items()
            },
        }
    )


def theirs_as_rest(info: qm.CollectionInfo) -> dict[str, Any]:
    dumped = info.model_dump(mode="json", include={"config", "payload_schema"}, by_alias=True)
    return norm(dumped)


async def read_everywhere(
    name: str, ours: qdpool.Client, judges: dict[str, AsyncQdrantClient]
) -> CollectionInfo:
    """``get_collection`` on all four paths; asserts they agree and returns qdpool's."""
    over_rest = await ours.get_collection(name, protocol="rest")
    over_grpc = await ours.get_collection(name, protocol="grpc")
    assert over_rest == over_grpc
    mine = as_rest(over_rest)
    for protocol, judge in judges.items():
        assert theirs_as_rest(await judge.get_collection(name)) == mine, protocol
    return over_rest


# ---------------------------------------------------------------- collections


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_every_section_is_created_and_read_back_alike(
    protocol: str, ours: qdpool.Client, judges: dict[str, AsyncQdrantClient], fresh: Any
) -> None:
    name = fresh()
    assert await ours.create_collection(name, **CONFIG, protocol=protocol)  # type: ignore[arg-type]
    await ours.rest_request(
        "PUT",
        f"/collections/{name}/index?wait=true",
        body={"field_name": "tag", "field_schema": {"type": "keyword", "is_tenant": True}},
        read=False,
        idempotent=True,
    )
    info = await read_everywhere(name, ours, judges)
    dense = info.vectors["dense"]
    assert (dense.size, dense.distance, dense.datatype, dense.on_disk) == (
        4,
        "Dot",
        "float16",
        True,
    )
    assert dense.hnsw_config == {"m": 8}
    assert dense.quantization_config == {
        "scalar": {"type": "int8", "quantile": 0.9, "always_ram": True}
    }
    assert info.vectors["colbert"].multivector_config == {"comparator": "max_sim"}
    assert info.sparse_vectors["text"].modifier == "idf"
    assert (info.hnsw_config["m"], info.hnsw_config["payload_m"]) == (20, 10)
    assert info.optimizer_config["indexing_threshold"] == 0
    assert info.quantization_config == {"binary": {"always_ram": True}}
    assert info.strict_mode_config == {"enabled": True, "max_query_limit": 100}
    assert info.metadata == {"owner": "search", "version": [1, 2]}
    assert (info.write_consistency_factor, info.on_disk_payload) == (1, False)
    assert info.payload_schema["tag"].params == {"type": "keyword", "is_tenant": True}


async def test_qdrant_clients_grpc_create_arrives_whole(
    ours: qdpool.Client, judges: dict[str, AsyncQdrantClient], fresh: Any
) -> None:
    """Created by qdrant-client over gRPC: every section reaches the server (its to_rest
    drops nothing) and reads back alike on all four paths."""
    name = fresh()
    await judges["grpc"].create_collection(
        name,
        vectors_config={
            "dense": qm.VectorParams(
                size=4,
                distance=qm.Distance.EUCLID,
                hnsw_config=qm.HnswConfigDiff(ef_construct=64),
                quantization_config=qm.ProductQuantization(
                    product=qm.ProductQuantizationConfig(compression=qm.CompressionRatio.X16)
                ),
            )
        },
        sparse_vectors_config={"text": qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
        hnsw_config=qm.HnswConfigDiff(m=12),
        quantization_config=qm.ScalarQuantization(
            scalar=qm.ScalarQuantizationConfig(type=qm.ScalarType.INT8, quantile=0.95)
        ),
        strict_mode_config=qm.StrictModeConfig(enabled=True, search_max_hnsw_ef=128),
        metadata={"team": "a"},
        write_consistency_factor=1,
    )
    info = await read_everywhere(name, ours, judges)
    assert info.vectors["dense"].quantization_config == {"product": {"compression": "x16"}}
    assert info.vectors["dense"].hnsw_config == {"ef_construct": 64}
    assert info.quantization_config == {"scalar": {"type": "int8", "quantile": 0.95}}
    assert info.strict_mode_config == {"enabled": True, "search_max_hnsw_ef": 128}
    assert info.metadata == {"team": "a"} and info.hnsw_config["m"] == 12


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_write_consistency_factor_is_accepted(
    protocol: str, ours: qdpool.Client, fresh: Any
) -> None:
    """Issue 9: ``write_consistency_factor`` used to fail late inside the gRPC codec."""
    name = fresh("wcf")
    assert await ours.create_collection(name, size=4, write_consistency_factor=1, protocol=protocol)  # type: ignore[arg-type]
    assert (await ours.get_collection(name)).write_consistency_factor == 1


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_update_changes_only_what_it_names(
    protocol: str, ours: qdpool.Client, judges: dict[str, AsyncQdrantClient], fresh: Any
) -> None:
    name = fresh("upd")
    await ours.create_collection(
        name,
        size=4,
        quantization_config={"scalar": {"type": "int8"}},
        metadata={"a": 1},
    )
    assert await ours.update_collection(
        name,
        vectors_config={"": {"on_disk": True, "hnsw_config": {"m": 6}}},
        optimizers_config=qm.OptimizersConfigDiff(indexing_threshold=500),
        hnsw_config={"ef_construct": 64},
        quantization_config="Disabled",
        strict_mode_config={"enabled": True, "max_query_limit": 7},
        metadata={"b": 2},
        protocol=protocol,  # type: ignore[arg-type]
    )
    info = await read_everywhere(name, ours, judges)
    assert info.vectors[""].on_disk is True and info.vectors[""].hnsw_config == {"m": 6}
    assert info.optimizer_config["indexing_threshold"] == 500
    assert (info.hnsw_config["ef_construct"], info.hnsw_config["m"]) == (64, 16)
    assert info.quantization_config is None
    assert info.strict_mode_config == {"enabled": True, "max_query_limit": 7}
    assert info.metadata == {"a": 1, "b": 2}


async def test_cluster_info_agrees_with_qdrant_client(
    ours: qdpool.Client, judges: dict[str, AsyncQdrantClient], fresh: Any
) -> None:
    name = fresh("cluster")
    await ours.create_collection(name, size=2)
    await ours.upsert(name, [{"id": 1, "vector": [1.0, 0.0]}])
    over_rest = await ours.collection_cluster_info(name, protocol="rest")
    assert await ours.collection_cluster_info(name, protocol="grpc") == over_rest
    assert over_rest.shard_count == 1 and over_rest.local_shards[0].points_count == 1
    for judge in judges.values():
        theirs = await judge.collection_cluster_info(name)
        assert theirs.peer_id == over_rest.peer_id
        assert [(s.shard_id, s.points_count, s.state.value) for s in theirs.local_shards] == [
            (s.shard_id, s.points_count, s.state) for s in over_rest.local_shards
        ]


# ---------------------------------------------------------------- aliases


async def _aliases_of(judge: AsyncQdrantClient, prefix: str) -> list[AliasDescription]:
    listed = (await judge.get_aliases()).aliases
    return sorted(
        AliasDescription(a.alias_name, a.collection_name)
        for a in listed
        if a.alias_name.startswith(prefix)
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_blue_green_switch(
    protocol: str, ours: qdpool.Client, judges: dict[str, AsyncQdrantClient], fresh: Any
) -> None:
    blue, green = fresh("blue"), fresh("green")
    live = f"live_{uuid.uuid4().hex[:8]}"
    for name, point in ((blue, 1), (green, 2)):
        await ours.create_collection(name, size=2)
        await ours.upsert(name, [{"id": point, "vector": [1.0, 0.0]}])
    p: Any = protocol
    assert await ours.create_alias(blue, live, protocol=p)
    assert [h.id for h in await ours.query_points(live, [1.0, 0.0], protocol=p)] == [1]
    # A list whose second action fails applies nothing.
    with pytest.raises(qdpool.NotFound):
        await ours.update_collection_aliases(
            [
                {"delete_alias": {"alias_name": live}},
                {"create_alias": {"collection_name": "no_such_" + green, "alias_name": live}},
            ],
            protocol=p,
        )
    assert await ours.get_collection_aliases(blue, protocol=p) == [AliasDescription(live, blue)]
    assert await ours.update_collection_aliases(
        [
            qm.DeleteAliasOperation(delete_alias=qm.DeleteAlias(alias_name=live)),
            {"create_alias": {"collection_name": green, "alias_name": live}},
        ],
        protocol=p,
    )
    assert [h.id for h in await ours.query_points(live, [1.0, 0.0], protocol=p)] == [2]
    mine = sorted(a for a in await ours.get_aliases(protocol=p) if a.alias_name == live)
    assert mine == [AliasDescription(live, green)]
    for judge in judges.values():
        assert await _aliases_of(judge, live) == mine
        theirs = (await judge.get_collection_aliases(green)).aliases
        assert [(a.alias_name, a.collection_name) for a in theirs] == [(live, green)]
    assert await ours.rename_alias(live, live + "_x", protocol=p)
    assert await ours.get_collection_aliases(green, protocol="rest") == [
        AliasDescription(live + "_x", green)
    ]
    assert await ours.delete_alias(live + "_x", protocol=p)
    assert await ours.get_collection_aliases(green, protocol="grpc") == []


# ---------------------------------------------------------------- snapshots


def _snapshots(listed: Any) -> list[SnapshotInfo]:
    return [
        SnapshotInfo(s.name, (s.creation_time or "")[:19] or None, s.size, s.checksum)
        for s in listed
    ]


@pytest.mark.parametrize("transport", ["aiohttp", "httpx", "http1"])
async def test_snapshot_download_recover_delete(
    transport: str,
    server: EmbeddedQdrant,
    ours: qdpool.Client,
    judges: dict[str, AsyncQdrantClient],
    fresh: Any,
    tmp_path: Path,
) -> None:
    source, copy, uploaded = fresh("snap"), fresh("recovered"), fresh("uploaded")
    await ours.create_collection(source, size=2)
    await ours.upsert(source, [{"id": i, "vector": [1.0, float(i)]} for i in range(5)])
    snapshot = await ours.create_snapshot(source)
    target = tmp_path / "s.snapshot"
    async with qdpool.connect(
        server.rest_url,
        protocols=("rest",),
        rest_transport=transport,  # type: ignore[arg-type]
        api_key=KEY,
    ) as client:
        assert await client.download_snapshot(source, snapshot.name, target) == snapshot
        assert await client.upload_snapshot(uploaded, target)
    assert await ours.count(uploaded) == 5
    data = target.read_bytes()
    assert len(data) == snapshot.size
    assert hashlib.sha256(data).hexdigest() == snapshot.checksum
    location = f"{server.rest_url}/collections/{source}/snapshots/{snapshot.name}"
    assert await ours.recover_snapshot(copy, location, checksum=snapshot.checksum, api_key=KEY)
    assert await ours.count(copy) == 5
    protocol: Any = "grpc" if transport == "httpx" else "rest"
    assert await ours.delete_snapshot(source, snapshot.name, protocol=protocol)
    assert await ours.list_snapshots(source) == []
    for judge in judges.values():
        assert await judge.list_snapshots(source) == []
    with pytest.raises(qdpool.NotFound):
        await ours.delete_snapshot(source, snapshot.name, protocol=protocol)


async def test_full_snapshots(server_factory: Any, tmp_path: Path) -> None:
    """On a server of its own: a full snapshot holds every collection of the storage."""
    own = await server_factory(api_key=KEY)
    judges = {p: official(own, grpc_on=p == "grpc") for p in PROTOCOLS}
    async with qdpool.connect(own.rest_url, grpc_url=own.grpc_url, api_key=KEY) as ours:
        await ours.create_collection("full", size=2)
        for protocol in PROTOCOLS:
            p: Any = protocol
            created = await ours.create_full_snapshot(protocol=p)
            listed = await ours.list_full_snapshots(protocol="rest")
            assert created in listed and await ours.list_full_snapshots(protocol="grpc") == listed
            for judge in judges.values():
                assert _snapshots(await judge.list_full_snapshots()) == listed
            target = tmp_path / f"full-{protocol}.snapshot"
            assert await ours.download_full_snapshot(created.name, target) == created
            assert hashlib.sha256(target.read_bytes()).hexdigest() == created.checksum
            assert await ours.delete_full_snapshot(created.name, protocol=p)
            assert created not in await ours.list_full_snapshots(protocol=p)
    for judge in judges.values():
        await judge.close()
