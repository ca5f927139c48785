"""The "Done when" check: the official qdrant-client runs the seed's walkthrough on both protocols.

An API key is enforced (``https=False`` explicitly: with a key, qdrant-client
would otherwise switch to TLS).  Both runs use their own collection with the
same seeded 5,000 x 384-d points and must observe equal results.
"""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import numpy as np
import pytest
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import UnexpectedResponse

from qdpool.embedded import EmbeddedQdrant
from qdpool.models import as_float32

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
DIM = 384
N = 5000
BATCH = 1000
CATEGORIES = ("index", "search", "storage", "network")


def dataset() -> tuple[np.ndarray, list[dict[str, Any]]]:
    rng = np.random.default_rng(20240601)
    vectors = rng.standard_normal((N, DIM)).astype(np.float32)
    payloads = [
        {
            "price": int(rng.integers(0, 100)),
            "category": CATEGORIES[i % len(CATEGORIES)],
            "title": f"doc {i}",
            "meta": {"rank": i, "score": float(i) / 10, "ok": i % 3 == 0, "none": None},
        }
        for i in range(N)
    ]
    return vectors, payloads


VECTORS, PAYLOADS = dataset()


def client(server: EmbeddedQdrant, *, grpc_on: bool, key: str | None = KEY) -> AsyncQdrantClient:
    return AsyncQdrantClient(
        url=server.rest_url,
        grpc_port=int(server.grpc_url.rsplit(":", 1)[1]),
        prefer_grpc=grpc_on,
        api_key=key,
        https=False,
        check_compatibility=False,
        timeout=30,
    )


async def walkthrough(server: EmbeddedQdrant, *, grpc_on: bool) -> dict[str, Any]:
    name = f"walk_{'grpc' if grpc_on else 'rest'}_{uuid.uuid4().hex[:6]}"
    seen: dict[str, Any] = {}

    # The key is enforced: refused without it ...
    anonymous = client(server, grpc_on=grpc_on, key=None)
    if grpc_on:
        with pytest.raises(grpc.RpcError) as refused:
            await anonymous.get_collections()
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    else:
        with pytest.raises(UnexpectedResponse) as http_refused:
            await anonymous.get_collections()
        assert http_refused.value.status_code == 401
    await anonymous.close()

    # ... and accepted with it.
    c = client(server, grpc_on=grpc_on)
    try:
        assert await c.create_collection(
            name, vectors_config=qm.VectorParams(size=DIM, distance=qm.Distance.COSINE)
        )
        listed = await c.get_collections()
        assert name in [col.name for col in listed.collections]
        info = await c.get_collection(name)
        vectors_config = info.config.params.vectors
        assert isinstance(vectors_config, qm.VectorParams)
        seen["config"] = (vectors_config.size, vectors_config.distance)
        seen["status"] = info.status

        for start in range(0, N, BATCH):
            result = await c.upsert(
                name,
                points=qm.Batch(
                    ids=list(range(start, start + BATCH)),
                    vectors=VECTORS[start : start + BATCH].tolist(),
                    payloads=PAYLOADS[start : start + BATCH],
                ),
                wait=True,
            )
            assert result.status == qm.UpdateStatus.COMPLETED
        seen["points_count"] = (await c.get_collection(name)).points_count

        records = await c.retrieve(name, ids=[1, 2, 4999], with_payload=True)
        seen["retrieved"] = sorted((r.id, r.payload) for r in records)
        assert seen["retrieved"][0][1] == PAYLOADS[1]

        seen["count"] = (await c.count(name, exact=True)).count

        cheap = qm.Filter(must=[qm.FieldCondition(key="price", range=qm.Range(lt=20))])
        deleted = await c.delete(name, points_selector=qm.FilterSelector(filter=cheap), wait=True)
        assert deleted.status == qm.UpdateStatus.COMPLETED
        seen["count_after_delete"] = (await c.count(name, exact=True)).count

        index_only = qm.Filter(
            must=[qm.FieldCondition(key="category", match=qm.MatchValue(value="index"))]
        )
        hits = await c.query_points(
            name, query=VECTORS[10].tolist(), query_filter=index_only, limit=3, with_payload=True
        )
        seen["query"] = [(h.id, as_float32(h.score), h.payload) for h in hits.points]
        assert len(hits.points) == 3
        assert all(h.payload and h.payload["category"] == "index" for h in hits.points)

        scrolled: list[int] = []
        offset: Any = None
        for _ in range(20):
            page, offset = await c.scroll(name, limit=1000, offset=offset, with_payload=False)
            scrolled += [int(p.id) for p in page]
            if offset is None:
                break
        assert offset is None
        seen["scrolled"] = scrolled

        snapshot = await c.create_snapshot(name, wait=True)
        assert snapshot is not None and snapshot.size > 0 and snapshot.checksum
        snapshots = await c.list_snapshots(name)
        assert [s.name for s in snapshots] == [snapshot.name]
        seen["snapshots"] = len(snapshots)
    finally:
        await c.close()
    return seen


async def test_qdrant_client_walkthrough_equal_over_rest_and_grpc(server: EmbeddedQdrant) -> None:
    over_rest = await walkthrough(server, grpc_on=False)
    over_grpc = await walkthrough(server, grpc_on=True)
    assert over_rest == over_grpc
    assert over_rest["config"] == (DIM, qm.Distance.COSINE)
    assert over_rest["points_count"] == over_rest["count"] == N
    cheap = sum(1 for p in PAYLOADS if p["price"] < 20)
    assert over_rest["count_after_delete"] == N - cheap
    assert len(over_rest["scrolled"]) == N - cheap
    assert over_rest["scrolled"] == sorted(over_rest["scrolled"])

    # Cluster status: qdrant-client only has it over REST.
    rest = client(server, grpc_on=False)
    try:
        status = await rest.http.distributed_api.cluster_status()
        assert status.result is not None and status.result.status == "disabled"
    finally:
        await rest.close()
