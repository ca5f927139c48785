"""The seed walkthrough through qdpool and through the official qdrant-client gives equal results.

Four runs against the same embedded server, each on its own collection with the
same 5,000 x 384-d points: qdpool over REST and over gRPC, qdrant-client over REST
and over gRPC (``prefer_grpc=True``). What each run observes is normalized to
plain values (ids, payloads, float32 scores, counts) and compared.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

import qdpool
from qdpool.demo import DIM, make_points
from qdpool.models import as_float32

KEY = "test-key"
POINTS = make_points(5000)
QUERY = POINTS[10]["vector"]
CHEAP = {"must": [{"key": "price", "range": {"lt": 20}}]}
INDEX_ONLY = {"must": [{"key": "category", "match": {"value": "index"}}]}


async def through_qdpool(server: Any, protocol: str) -> dict[str, Any]:
    name = f"walk_qdpool_{protocol}_{uuid.uuid4().hex[:6]}"
    async with qdpool.connect(
        server.rest_url, grpc_url=server.grpc_url, api_key=KEY, protocol=protocol
    ) as c:
        await c.create_collection(name, size=DIM, distance="Cosine")
        try:
            listed = name in await c.list_collections()
            info = await c.get_collection(name)
            for start in range(0, len(POINTS), 1000):
                await c.upsert(name, POINTS[start : start + 1000], wait=True)
            retrieved = await c.retrieve(name, [1, 2, 3])
            count = await c.count(name, exact=True)
            await c.delete(name, filter=CHEAP)
            after = await c.count(name, exact=True)
            hits = await c.query_points(name, QUERY, filter=INDEX_ONLY, limit=3)
            scrolled: list[Any] = []
            offset: Any = None
            while True:
                page, offset = await c.scroll(name, limit=1000, offset=offset)
                scrolled.extend(r.id for r in page)
                if offset is None:
                    break
            snapshot = await c.create_snapshot(name)
            snapshots = await c.list_snapshots(name)
            cluster = await c.cluster_status()
        finally:
            await c.delete_collection(name)
    return {
        "listed": listed,
        "size": info.vectors[""].size,
        "retrieved": sorted((r.id, r.payload) for r in retrieved),
        "count": count,
        "after": after,
        "hits": [(h.id, h.score, h.payload) for h in hits],
        "scrolled": scrolled,
        "snapshot_listed": snapshot.name in [s.name for s in snapshots],
        "cluster": cluster["status"],
    }


async def through_qdrant_client(server: Any, prefer_grpc: bool) -> dict[str, Any]:
    name = f"walk_official_{prefer_grpc}_{uuid.uuid4().hex[:6]}"
    grpc_port = int(server.grpc_url.rsplit(":", 1)[1])
    c = AsyncQdrantClient(
        url=server.rest_url,
        grpc_port=grpc_port,
        api_key=KEY,
        https=False,
        prefer_grpc=prefer_grpc,
        check_compatibility=False,
    )
    try:
        await c.create_collection(
            name, vectors_config=qm.VectorParams(size=DIM, distance=qm.Distance.COSINE)
        )
        try:
            listed = name in [col.name for col in (await c.get_collections()).collections]
            info = await c.get_collection(name)
            assert isinstance(info.config.params.vectors, qm.VectorParams)
            for start in range(0, len(POINTS), 1000):
                batch = [qm.PointStruct(**p) for p in POINTS[start : start + 1000]]
                await c.upsert(name, points=batch, wait=True)
            retrieved = await c.retrieve(name, ids=[1, 2, 3])
            count = (await c.count(name, exact=True)).count
            await c.delete(
                name,
                points_selector=qm.FilterSelector(
                    filter=qm.Filter(must=[qm.FieldCondition(key="price", range=qm.Range(lt=20))])
                ),
                wait=True,
            )
            after = (await c.count(name, exact=True)).count
            hits = (
                await c.query_points(
                    name,
                    query=QUERY,
                    query_filter=qm.Filter(
                        must=[qm.FieldCondition(key="category", match=qm.MatchValue(value="index"))]
                    ),
                    limit=3,
                    with_payload=True,
                )
            ).points
            scrolled: list[Any] = []
            offset: Any = None
            while True:
                page, offset = await c.scroll(name, limit=1000, offset=offset)
                scrolled.extend(r.id for r in page)
                if offset is None:
                    break
            snapshot = await c.create_snapshot(name)
            assert snapshot is not None
            snapshots = await c.list_snapshots(name)
            cluster = await c.http.distributed_api.cluster_status()
        finally:
            await c.delete_collection(name)
    finally:
        await c.close()
    return {
        "listed": listed,
        "size": info.config.params.vectors.size,
        "retrieved": sorted((r.id, r.payload) for r in retrieved),
        "count": count,
        "after": after,
        "hits": [(h.id, as_float32(h.score), h.payload) for h in hits],
        "scrolled": scrolled,
        "snapshot_listed": snapshot.name in [s.name for s in snapshots],
        "cluster": cluster.result.status if cluster.result else None,
    }


@pytest.mark.timeout(180)
@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
async def test_walkthrough_is_equal_through_qdpool_and_qdrant_client(server: Any) -> None:
    runs = {
        "qdpool rest": await through_qdpool(server, "rest"),
        "qdpool grpc": await through_qdpool(server, "grpc"),
        "qdrant-client rest": await through_qdrant_client(server, prefer_grpc=False),
        "qdrant-client grpc": await through_qdrant_client(server, prefer_grpc=True),
    }
    reference = runs["qdpool rest"]
    assert reference["count"] == 5000
    assert 0 < reference["after"] < 5000
    assert len(reference["hits"]) == 3
    assert reference["cluster"] == "disabled"
    for label, seen in runs.items():
        assert seen == reference, label
