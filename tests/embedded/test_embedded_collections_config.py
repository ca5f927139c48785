"""Collection configuration on the embedded server, judged by the official qdrant-client (REST).

What qdrant-client's models parse from ``GET /collections/{c}`` must equal what
was configured (with Qdrant 1.18's defaults filled in), before and after
``update_collection`` and across a restart; what the embedded server cannot
hold is refused with a 400/422 and leaves nothing behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import pytest_asyncio
from embedded_support import Rest
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import UnexpectedResponse
from wire_support import SPECS

from qdpool.embedded import EmbeddedQdrant
from qdpool.embedded.engine import Engine
from qdpool.embedded.errors import EngineError, ErrorKind

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"


def official(server: EmbeddedQdrant) -> AsyncQdrantClient:
    return AsyncQdrantClient(
        url=server.rest_url,
        api_key=KEY,
        https=False,
        prefer_grpc=False,
        check_compatibility=False,
        timeout=30,
    )


@pytest_asyncio.fixture
async def client(server: EmbeddedQdrant) -> AsyncIterator[AsyncQdrantClient]:
    c = official(server)
    yield c
    await c.close()


def dense(size: int = 4, **extra: Any) -> qm.VectorParams:
    return qm.VectorParams(size=size, distance=qm.Distance.COSINE, **extra)


async def test_defaults_are_qdrants(
    client: AsyncQdrantClient, rest: Rest, collection_name: str
) -> None:
    await client.create_collection(collection_name, vectors_config=dense())
    info = await client.get_collection(collection_name)
    assert info.status == qm.CollectionStatus.GREEN
    assert info.optimizer_status == qm.OptimizersStatusOneOf.OK
    assert info.update_queue == qm.UpdateQueueInfo(length=0)
    assert info.payload_schema == {}
    config = info.config
    assert config.params == qm.CollectionParams(
        vectors=dense(),
        shard_number=1,
        replication_factor=1,
        write_consistency_factor=1,
        on_disk_payload=True,
    )
    assert config.hnsw_config == qm.HnswConfig(
        m=16, ef_construct=100, full_scan_threshold=10000, max_indexing_threads=0, on_disk=False
    )
    assert config.optimizer_config == qm.OptimizersConfig(
        deleted_threshold=0.2,
        vacuum_min_vector_number=1000,
        default_segment_number=0,
        max_segment_size=None,
        memmap_threshold=None,
        indexing_threshold=10000,
        flush_interval_sec=5,
        max_optimization_threads=None,
    )
    assert config.wal_config == qm.WalConfig(
        wal_capacity_mb=32, wal_segments_ahead=0, wal_retain_closed=1
    )
    assert config.quantization_config is None
    assert config.strict_mode_config == qm.StrictModeConfigOutput(enabled=False)
    assert config.metadata is None
    # Qdrant 1.18 has no creation time in collection info.
    raw = (await rest("GET", f"/collections/{collection_name}")).result
    assert "created_at" not in raw
    assert set(raw) == {
        "status",
        "optimizer_status",
        "indexed_vectors_count",
        "points_count",
        "segments_count",
        "config",
        "payload_schema",
        "update_queue",
    }


async def test_everything_configured_is_reported(
    client: AsyncQdrantClient, collection_name: str
) -> None:
    vectors = {
        "text": dense(
            8,
            on_disk=True,
            datatype=qm.Datatype.FLOAT16,
            hnsw_config=qm.HnswConfigDiff(m=8, ef_construct=50),
            quantization_config=qm.ScalarQuantization(
                scalar=qm.ScalarQuantizationConfig(
                    type=qm.ScalarType.INT8, quantile=0.99, always_ram=True
                )
            ),
        ),
        "colbert": qm.VectorParams(
            size=4,
            distance=qm.Distance.DOT,
            multivector_config=qm.MultiVectorConfig(comparator=qm.MultiVectorComparator.MAX_SIM),
        ),
        "image": qm.VectorParams(
            size=4,
            distance=qm.Distance.EUCLID,
            datatype=qm.Datatype.UINT8,
            quantization_config=qm.ProductQuantization(
                product=qm.ProductQuantizationConfig(compression=qm.CompressionRatio.X4)
            ),
        ),
    }
    sparse = {
        "bm25": qm.SparseVectorParams(modifier=qm.Modifier.IDF),
        "splade": qm.SparseVectorParams(
            index=qm.SparseIndexParams(on_disk=True, full_scan_threshold=500)
        ),
    }
    quantization = qm.BinaryQuantization(
        binary=qm.BinaryQuantizationConfig(
            always_ram=True,
            encoding=qm.BinaryQuantizationEncoding.TWO_BITS,
            query_encoding=qm.BinaryQuantizationQueryEncoding.SCALAR8BITS,
        )
    )
    strict = qm.StrictModeConfig(enabled=False, max_query_limit=100, search_allow_exact=False)
    await client.create_collection(
        collection_name,
        vectors_config=vectors,
        sparse_vectors_config=sparse,
        hnsw_config=qm.HnswConfigDiff(m=32, ef_construct=64, payload_m=16, on_disk=True),
        optimizers_config=qm.OptimizersConfigDiff(
            indexing_threshold=0, deleted_threshold=0.3, max_optimization_threads=1
        ),
        wal_config=qm.WalConfigDiff(wal_capacity_mb=32),
        quantization_config=quantization,
        on_disk_payload=False,
        replication_factor=2,
        sharding_method=qm.ShardingMethod.AUTO,
        strict_mode_config=strict,
        metadata={"owner": "search", "model": {"name": "e5", "dim": 8}},
    )
    config = (await client.get_collection(collection_name)).config
    assert config.params.vectors == vectors
    assert config.params.sparse_vectors == sparse
    assert config.params.replication_factor == 2
    assert config.params.shard_number == 1
    assert config.params.sharding_method == qm.ShardingMethod.AUTO
    assert config.params.on_disk_payload is False
    assert config.hnsw_config == qm.HnswConfig(
        m=32,
        ef_construct=64,
        full_scan_threshold=10000,
        max_indexing_threads=0,
        on_disk=True,
        payload_m=16,
    )
    assert config.optimizer_config.indexing_threshold == 0
    assert config.optimizer_config.deleted_threshold == 0.3
    assert config.optimizer_config.max_optimization_threads == 1
    assert config.quantization_config == quantization
    assert config.strict_mode_config == qm.StrictModeConfigOutput(
        enabled=False, max_query_limit=100, search_allow_exact=False
    )
    assert config.metadata == {"owner": "search", "model": {"name": "e5", "dim": 8}}


async def test_sparse_only_collection(client: AsyncQdrantClient, collection_name: str) -> None:
    await client.create_collection(
        collection_name,
        vectors_config={},
        sparse_vectors_config={"text": qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
    )
    info = await client.get_collection(collection_name)
    assert info.config.params.vectors == {}
    assert info.config.params.sparse_vectors == {
        "text": qm.SparseVectorParams(modifier=qm.Modifier.IDF)
    }
    assert info.points_count == 0


async def test_turbo_quantization_and_auto_threads(
    client: AsyncQdrantClient, rest: Rest, collection_name: str
) -> None:
    body = {
        "vectors": {"size": 8, "distance": "Dot"},
        "quantization_config": {"turbo": {"bits": "bits2", "always_ram": False}},
        "optimizers_config": {"max_optimization_threads": "auto"},
    }
    assert (await rest("PUT", f"/collections/{collection_name}", body)).result is True
    config = (await client.get_collection(collection_name)).config
    assert config.quantization_config == qm.TurboQuantization(
        turbo=qm.TurboQuantQuantizationConfig(bits=qm.TurboQuantBitSize.BITS2, always_ram=False)
    )
    assert config.optimizer_config.max_optimization_threads is None  # "auto" is stored as null


D4 = {"size": 4, "distance": "Dot"}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"vectors": D4, "shard_number": 3}, 400, "Wrong input: shard_number > 1"),
        ({"vectors": D4, "shard_number": 0}, 422, "Validation error in JSON body: [shard_number"),
        ({"vectors": D4, "replication_factor": 0}, 422, "Validation error in JSON body: "),
        ({"vectors": D4, "write_consistency_factor": 2}, 400, "Wrong input: write_consistency"),
        ({"vectors": D4, "sharding_method": "custom"}, 400, "Wrong input: custom sharding"),
        ({"vectors": D4, "wal_config": {"wal_capacity_mb": 64}}, 400, "Wrong input: wal_config"),
        (
            {"vectors": D4, "strict_mode_config": {"enabled": True, "read_rate_limit": 10}},
            400,
            "Wrong input: strict_mode_config.read_rate_limit with strict mode enabled",
        ),
        ({}, 400, "Wrong input: a collection without any vectors"),
        (
            {"vectors": D4, "hnsw_config": {"ef_construct": 2}},
            422,
            "Validation error in JSON body: [hnsw_config.ef_construct: value 2 invalid, "
            "must be 4 or larger]",
        ),
        (
            {"vectors": D4, "optimizers_config": {"deleted_threshold": 1.5}},
            422,
            "Validation error in JSON body: [optimizers_config.deleted_threshold: value 1.5",
        ),
        (
            {"vectors": D4, "quantization_config": {"scalar": {"type": "int8", "quantile": 0.1}}},
            422,
            "Validation error in JSON body: [quantization_config.scalar.quantile",
        ),
        (
            {"vectors": D4, "quantization_config": {"fancy": {}}},
            400,
            "Format error in JSON body: quantization_config: data did not match",
        ),
        (
            {"vectors": D4, "hnsw_config": {"m": "sixteen"}},
            400,
            "Format error in JSON body: hnsw_config.m: invalid value",
        ),
        (
            {"vectors": {**D4, "multivector_config": {"comparator": "min_sim"}}},
            400,
            "Format error in JSON body: vectors.multivector_config.comparator",
        ),
        (
            {"vectors": D4, "sparse_vectors": {"s": {"modifier": "bm42"}}},
            400,
            "Format error in JSON body: sparse_vectors.s.modifier: unknown variant `bm42`",
        ),
    ],
)
async def test_refused_at_creation(
    rest: Rest, collection_name: str, body: dict[str, Any], status: int, message: str
) -> None:
    reply = await rest("PUT", f"/collections/{collection_name}", body)
    assert reply.status == status, reply.body
    assert reply.error.startswith(message), reply.error
    assert (await rest("GET", f"/collections/{collection_name}/exists")).result["exists"] is False


async def test_update_collection_applies_and_keeps_data(
    client: AsyncQdrantClient, collection_name: str
) -> None:
    await client.create_collection(
        collection_name,
        vectors_config={"text": dense(), "image": dense()},
        sparse_vectors_config={"bm25": qm.SparseVectorParams()},
        metadata={"a": 1, "b": 2},
    )
    points = [
        qm.PointStruct(
            id=i, vector={"text": [1.0, i, 0, 0], "image": [0, 1.0, i, 0]}, payload={"i": i}
        )
        for i in range(5)
    ]
    await client.upsert(collection_name, points, wait=True)

    assert await client.update_collection(
        collection_name,
        optimizers_config=qm.OptimizersConfigDiff(deleted_threshold=0.5, flush_interval_sec=2),
        collection_params=qm.CollectionParamsDiff(
            replication_factor=3, on_disk_payload=False, read_fan_out_factor=1
        ),
        hnsw_config=qm.HnswConfigDiff(m=24),
        vectors_config={
            "text": qm.VectorParamsDiff(
                on_disk=True,
                hnsw_config=qm.HnswConfigDiff(ef_construct=40),
                quantization_config=qm.ScalarQuantization(
                    scalar=qm.ScalarQuantizationConfig(type=qm.ScalarType.INT8)
                ),
            )
        },
        quantization_config=qm.ProductQuantization(
            product=qm.ProductQuantizationConfig(compression=qm.CompressionRatio.X8)
        ),
        sparse_vectors_config={
            "bm25": qm.SparseVectorParams(index=qm.SparseIndexParams(on_disk=True))
        },
        strict_mode_config=qm.StrictModeConfig(max_timeout=10),
        metadata={"b": 3, "c": 4},
    )
    info = await client.get_collection(collection_name)
    config = info.config
    assert config.optimizer_config.deleted_threshold == 0.5
    assert config.optimizer_config.flush_interval_sec == 2
    assert config.params.replication_factor == 3
    assert config.params.read_fan_out_factor == 1
    assert config.params.on_disk_payload is False
    assert config.hnsw_config.m == 24
    assert isinstance(config.params.vectors, dict)
    assert config.params.vectors["text"] == dense(
        on_disk=True,
        hnsw_config=qm.HnswConfigDiff(ef_construct=40),
        quantization_config=qm.ScalarQuantization(
            scalar=qm.ScalarQuantizationConfig(type=qm.ScalarType.INT8)
        ),
    )
    assert config.params.vectors["image"] == dense()
    assert config.quantization_config == qm.ProductQuantization(
        product=qm.ProductQuantizationConfig(compression=qm.CompressionRatio.X8)
    )
    assert config.params.sparse_vectors == {
        "bm25": qm.SparseVectorParams(index=qm.SparseIndexParams(on_disk=True))
    }
    assert config.strict_mode_config == qm.StrictModeConfigOutput(enabled=False, max_timeout=10)
    assert config.metadata == {"a": 1, "b": 3, "c": 4}
    # The shard was reopened with the new configuration and kept every point.
    assert info.points_count == 5
    got = await client.retrieve(collection_name, [3], with_vectors=True)
    assert got[0].payload == {"i": 3}
    # A per-vector HNSW override is removed with an empty object.
    await client.update_collection(
        collection_name,
        vectors_config={"text": qm.VectorParamsDiff(hnsw_config=qm.HnswConfigDiff())},
    )
    config = (await client.get_collection(collection_name)).config
    assert isinstance(config.params.vectors, dict)
    assert config.params.vectors["text"].hnsw_config is None


async def test_update_unnamed_vector_by_empty_name(
    client: AsyncQdrantClient, collection_name: str
) -> None:
    await client.create_collection(collection_name, vectors_config=dense())
    await client.update_collection(
        collection_name, vectors_config={"": qm.VectorParamsDiff(on_disk=True)}
    )
    config = (await client.get_collection(collection_name)).config
    assert config.params.vectors == dense(on_disk=True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"vectors": {"nope": {"on_disk": True}}},
            "Wrong input: Not existing vector name error: nope",
        ),
        ({"sparse_vectors": {"nope": {}}}, "Wrong input: Not existing vector name error: nope"),
        (
            {"sparse_vectors": {"s": {"modifier": "idf"}}},
            "Wrong input: changing sparse_vectors.s.modifier of an existing collection",
        ),
        (
            {"quantization_config": {"scalar": {"type": "int4"}}},
            "Format error in JSON body: quantization_config.scalar.type: unknown variant `int4`",
        ),
        ({"params": {"write_consistency_factor": 2}}, "Wrong input: write_consistency_factor"),
        (
            {"strict_mode_config": {"enabled": True, "max_points_count": 5}},
            "Wrong input: strict_mode_config.max_points_count with strict mode enabled",
        ),
        ({"colour": "red"}, "Format error in JSON body: unknown field `colour`"),
    ],
)
async def test_update_refusals_leave_the_config(
    client: AsyncQdrantClient, rest: Rest, collection_name: str, body: dict[str, Any], message: str
) -> None:
    await client.create_collection(
        collection_name,
        vectors_config={"v": dense()},
        sparse_vectors_config={"s": qm.SparseVectorParams()},
        quantization_config=qm.ScalarQuantization(
            scalar=qm.ScalarQuantizationConfig(type=qm.ScalarType.INT8)
        ),
    )
    before = (await client.get_collection(collection_name)).config
    reply = await rest("PATCH", f"/collections/{collection_name}", body)
    assert reply.status == 400, reply.body
    assert reply.error.startswith(message), reply.error
    assert (await client.get_collection(collection_name)).config == before


async def test_update_missing_collection_is_404(client: AsyncQdrantClient) -> None:
    with pytest.raises(UnexpectedResponse) as info:
        await client.update_collection("no_such_collection_xyz", hnsw_config=qm.HnswConfigDiff(m=4))
    assert info.value.status_code == 404


async def test_configuration_survives_a_restart(server_factory: Any, tmp_path: Path) -> None:
    first = await server_factory(path=tmp_path, api_key=KEY)
    c = official(first)
    await c.create_collection(
        "kept",
        vectors_config={"v": dense()},
        sparse_vectors_config={"s": qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
        metadata={"v": 1},
    )
    await c.update_collection("kept", hnsw_config=qm.HnswConfigDiff(m=12), metadata={"v": 2})
    expected = (await c.get_collection("kept")).config
    await c.close()
    await first.close()

    second = await server_factory(path=tmp_path, api_key=KEY)
    c = official(second)
    try:
        assert (await c.get_collection("kept")).config == expected
        assert expected.hnsw_config.m == 12
    finally:
        await c.close()


async def test_calls_in_flight_survive_an_update(
    client: AsyncQdrantClient, collection_name: str
) -> None:
    """Reopening the shard for an update never fails the reads and writes around it."""
    await client.create_collection(collection_name, vectors_config=dense())
    await client.upsert(
        collection_name, [qm.PointStruct(id=i, vector=[1.0, i, 0, 0]) for i in range(20)], wait=True
    )
    done = asyncio.Event()
    failures: list[BaseException] = []

    async def traffic(worker: int) -> int:
        calls = 0
        while not done.is_set() and calls < 300:
            try:
                await client.query_points(collection_name, query=[1.0, 0, 0, 0], limit=3)
                await client.upsert(
                    collection_name,
                    [qm.PointStruct(id=100 + worker, vector=[0.0, 1.0, calls, 0])],
                    wait=True,
                )
            except Exception as exc:  # every failure is the finding
                failures.append(exc)
            calls += 1
        return calls

    workers = [asyncio.create_task(traffic(w)) for w in range(3)]
    for m in (8, 20):
        await client.update_collection(collection_name, hnsw_config=qm.HnswConfigDiff(m=m))
    done.set()
    calls = await asyncio.gather(*workers)
    assert failures == []
    assert sum(calls) > 0
    assert (await client.get_collection(collection_name)).config.hnsw_config.m == 20
    assert (await client.count(collection_name)).count == 23


def test_a_call_on_a_replaced_collection_runs_again(tmp_path: Path) -> None:
    """The deterministic version: the update lands between the lookup and the shard call."""
    engine = Engine(tmp_path)
    try:
        engine.execute(SPECS["create_collection"], "c", {"vectors": {"size": 2, "distance": "Dot"}})
        points = [{"id": i, "vector": [1.0, float(i)]} for i in range(3)]
        engine.execute(SPECS["upsert"], "c", {"points": points}, {"wait": "true"})
        original = engine._handlers[SPECS["count"]]
        calls: list[str] = []

        def racing(name: str | None, body: Any, params: dict[str, str]) -> Any:
            calls.append("call")
            if len(calls) == 1:
                stale = engine._get(name)
                engine.execute(SPECS["update_collection"], name, {"hnsw_config": {"m": 8}})
                return stale.count(body)  # closed by the update: "doesn't exist"
            return original(name, body, params)

        engine._handlers[SPECS["count"]] = racing
        assert engine.execute(SPECS["count"], "c", {}) == {"count": 3}
        assert calls == ["call", "call"]
        # Without a replacement in between, a missing collection is reported at once.
        with pytest.raises(EngineError) as missing:
            engine.execute(SPECS["count"], "nope", {})
        assert missing.value.kind is ErrorKind.NOT_FOUND
    finally:
        engine.close()


async def test_quantization_can_be_disabled(
    client: AsyncQdrantClient, server: EmbeddedQdrant, collection_name: str
) -> None:
    scalar = qm.ScalarQuantization(scalar=qm.ScalarQuantizationConfig(type=qm.ScalarType.INT8))
    await client.create_collection(
        collection_name,
        vectors_config={"v": dense(quantization_config=scalar), "w": dense()},
        quantization_config=qm.BinaryQuantization(binary=qm.BinaryQuantizationConfig()),
    )
    await client.upsert(
        collection_name, [qm.PointStruct(id=1, vector={"v": [1, 0, 0, 0]})], wait=True
    )
    await client.update_collection(
        collection_name,
        quantization_config=qm.Disabled.DISABLED,
        vectors_config={"v": qm.VectorParamsDiff(quantization_config=qm.Disabled.DISABLED)},
    )
    info = await client.get_collection(collection_name)
    assert info.config.quantization_config is None
    assert info.config.params.vectors == {"v": dense(), "w": dense()}
    assert info.points_count == 1
    # Qdrant Edge's own persisted configuration no longer quantizes either.
    shard = server.engine.collections_dir / collection_name / "shard"
    persisted = orjson.loads((shard / "edge_config.json").read_bytes())
    assert persisted.get("quantization_config") is None
    assert persisted["vectors"]["v"].get("quantization_config") is None
    # Disabling what is not set changes nothing.
    assert await client.update_collection(collection_name, quantization_config=qm.Disabled.DISABLED)
