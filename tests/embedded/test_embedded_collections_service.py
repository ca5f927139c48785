"""Cluster info, telemetry and the version banner of the embedded server.

``collection_cluster_info`` is parsed by qdrant-client's own model; telemetry
follows Qdrant 1.18's ``TelemetryData`` (qdrant-client 1.20's model wants
fields Qdrant 1.18 does not send, so it is checked field by field here) and
reports what this process may really use.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from embedded_support import Rest
from qdrant_client import AsyncQdrantClient, QdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import UnexpectedResponse
from wire_support import SPECS

from qdpool.embedded import EmbeddedQdrant, telemetry

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"


@pytest_asyncio.fixture
async def client(server: EmbeddedQdrant) -> AsyncIterator[AsyncQdrantClient]:
    c = AsyncQdrantClient(
        url=server.rest_url,
        api_key=KEY,
        https=False,
        prefer_grpc=False,
        check_compatibility=False,
        timeout=30,
    )
    yield c
    await c.close()


async def test_collection_cluster_info(
    client: AsyncQdrantClient, server: EmbeddedQdrant, collection_name: str
) -> None:
    await client.create_collection(
        collection_name, vectors_config=qm.VectorParams(size=2, distance=qm.Distance.DOT)
    )
    await client.upsert(
        collection_name, [qm.PointStruct(id=i, vector=[1.0, i]) for i in range(6)], wait=True
    )
    info = await client.collection_cluster_info(collection_name)
    assert info == qm.CollectionClusterInfo(
        peer_id=server.engine.node_id,
        shard_count=1,
        local_shards=[qm.LocalShardInfo(shard_id=0, points_count=6, state=qm.ReplicaState.ACTIVE)],
        remote_shards=[],
        shard_transfers=[],
    )
    with pytest.raises(UnexpectedResponse) as missing:
        await client.collection_cluster_info(collection_name + "_missing")
    assert missing.value.status_code == 404
    await client.delete_collection(collection_name)


def expected_cores() -> int:
    cores = len(os.sched_getaffinity(0))
    quota = Path("/sys/fs/cgroup/cpu.max")
    if quota.exists():
        limit, period = quota.read_text().split()
        if limit != "max":
            cores = min(cores, max(1, math.ceil(int(limit) / int(period))))
    return cores


def total_ram_kib() -> int:
    return int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])


async def test_telemetry(rest: Rest, server: EmbeddedQdrant, collection_name: str) -> None:
    await rest(
        "PUT", f"/collections/{collection_name}", {"vectors": {"size": 2, "distance": "Dot"}}
    )
    result = (await rest("GET", "/telemetry")).result
    assert set(result) == {"id", "app", "collections"}
    assert "system" not in result["app"]  # Qdrant leaves it out at details_level 0
    result = (await rest("GET", "/telemetry", params={"details_level": "1"})).result
    app = result["app"]
    assert app["name"] == "qdrant"
    assert app["version"] == "1.18.0+qdpool-embedded"
    system = app["system"]
    assert system["cores"] == expected_cores() >= 1
    assert 0 < system["ram_size"] <= total_ram_kib()
    assert system["disk_size"] > 0
    assert system["cpu_endian"] in ("little", "big")
    assert isinstance(system["is_docker"], bool)
    assert isinstance(system["cpu_flags"], str)
    qm.RunningEnvironmentTelemetry.model_validate(
        {**system, "container_runtime": "other"}  # a field qdrant-client 1.20 adds
    )
    assert app["startup"].endswith("Z")
    count = result["collections"]["number_of_collections"]
    assert count == len(server.engine.execute(SPECS["list_collections"])["collections"])
    detailed = (await rest("GET", "/telemetry", params={"details_level": "1"})).result
    assert {"id": collection_name} in detailed["collections"]["collections"]
    anonymized = (
        await rest("GET", "/telemetry", params={"details_level": "1", "anonymize": "true"})
    ).result
    assert {"id": collection_name} not in anonymized["collections"]["collections"]
    reply = await rest("GET", "/telemetry", params={"details_level": "lots"})
    assert reply.status == 400
    await rest("DELETE", f"/collections/{collection_name}")


def test_cores_follow_the_affinity_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    monkeypatch.setattr(
        telemetry, "_read", lambda path: "150000 100000" if "cpu.max" in str(path) else None
    )
    assert telemetry.usable_cores() == 2  # a 1.5-CPU quota rounds up, below the 4 allowed CPUs
    monkeypatch.setattr(telemetry, "_read", lambda path: "max 100000")
    assert telemetry.usable_cores() == 4


async def test_version_says_what_it_follows(rest: Rest) -> None:
    reply = await rest("GET", "/", key=None)
    assert reply.status == 200
    assert reply.body["title"] == "qdrant - vector search engine"
    assert reply.body["version"] == "1.18.0+qdpool-embedded"
    assert reply.body["commit"].startswith("qdpool-")


def sync_walkthrough(url: str, name: str) -> dict[str, object]:
    """The collection data plane through the synchronous qdrant-client, as users call it."""
    client = QdrantClient(
        url=url, api_key=KEY, https=False, prefer_grpc=False, check_compatibility=False
    )
    seen: dict[str, object] = {}
    try:
        client.create_collection(
            name,
            vectors_config={"dense": qm.VectorParams(size=2, distance=qm.Distance.COSINE)},
            sparse_vectors_config={"text": qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            hnsw_config=qm.HnswConfigDiff(m=8),
        )
        client.upsert(
            name, [qm.PointStruct(id=1, vector={"dense": [1.0, 0.0]}, payload={"a": 1})], wait=True
        )
        client.update_collection(
            name, optimizers_config=qm.OptimizersConfigDiff(deleted_threshold=0.4)
        )
        alias = name + "_live"
        client.update_collection_aliases(
            change_aliases_operations=[
                qm.CreateAliasOperation(
                    create_alias=qm.CreateAlias(collection_name=name, alias_name=alias)
                )
            ]
        )
        snapshot = client.create_snapshot(alias)
        assert snapshot is not None
        client.delete(name, qm.PointIdsList(points=[1]), wait=True)
        location = f"{url}/collections/{name}/snapshots/{snapshot.name}"
        client.recover_snapshot(alias, location, api_key=KEY, checksum=snapshot.checksum)
        info = client.get_collection(alias)
        seen["points"] = info.points_count
        seen["m"] = info.config.hnsw_config.m
        seen["deleted_threshold"] = info.config.optimizer_config.deleted_threshold
        seen["aliases"] = client.get_collection_aliases(name).aliases
        seen["shards"] = client.collection_cluster_info(alias).shard_count
        assert client.delete_snapshot(name, snapshot.name)
        client.delete_collection(name)
        seen["aliases_after_delete"] = [
            a for a in client.get_aliases().aliases if a.alias_name == alias
        ]
    finally:
        client.close()
    return seen


async def test_the_synchronous_client_too(server: EmbeddedQdrant, collection_name: str) -> None:
    seen = await asyncio.to_thread(sync_walkthrough, server.rest_url, collection_name)
    assert seen == {
        "points": 1,
        "m": 8,
        "deleted_threshold": 0.4,
        "aliases": [
            qm.AliasDescription(
                alias_name=collection_name + "_live", collection_name=collection_name
            )
        ],
        "shards": 1,
        "aliases_after_delete": [],
    }
