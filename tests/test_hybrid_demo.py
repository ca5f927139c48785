"""The hybrid-search walkthrough of ``make demo`` (and docs/index.md): dense + sparse
prefetch fused by RRF under an indexed filter, then an alias switched to a re-built
collection; equal on both protocols and judged by the official qdrant-client."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

import qdpool
from qdpool.embedded import EmbeddedQdrant
from qdpool.hybrid_demo import build, hybrid_search
from qdpool.models import as_float32

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
KEY = "test-key"


def ranked(hits: Iterable[tuple[Any, float]]) -> list[tuple[Any, float]]:
    """Best first; equal fused scores (which Qdrant leaves unordered) by id."""
    return sorted(hits, key=lambda h: (-h[1], h[0]))


DENSE = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4, 0.6]


async def test_hybrid_search_switches_the_alias_on_both_protocols(server: EmbeddedQdrant) -> None:
    prefix = f"hybrid_{uuid.uuid4().hex[:6]}"
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as c:
        seen = {p: await hybrid_search(c, p, prefix) for p in ("rest", "grpc")}
        assert seen["rest"] == seen["grpc"]
        assert len(seen["rest"]["v1"]) == 3
        assert {version for _, version in seen["rest"]["v1"]} == {1}
        assert {version for _, version in seen["rest"]["v2"]} == {2}
        assert not any(prefix in name for name in await c.list_collections())


async def test_the_fused_query_matches_qdrant_client(server: EmbeddedQdrant) -> None:
    name = f"hybrid_{uuid.uuid4().hex[:6]}"
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as c:
        await build(c, name, 60, 1, "grpc")
        mine = [
            await c.query_points(
                name,
                {"fusion": "rrf"},
                prefetch=[
                    {"query": DENSE, "using": "dense", "limit": 20},
                    {"query": {"indices": [2, 5], "values": [1.0, 1.0]}, "using": "text"},
                ],
                filter={"must": [{"key": "lang", "match": {"value": "en"}}]},
                limit=5,
                protocol=protocol,
            )
            for protocol in ("rest", "grpc")
        ]
        for grpc_on in (False, True):
            judge = AsyncQdrantClient(
                url=server.rest_url,
                grpc_port=int(server.grpc_url.rsplit(":", 1)[1]),
                prefer_grpc=grpc_on,
                api_key=KEY,
                https=False,
                check_compatibility=False,
            )
            theirs = await judge.query_points(
                name,
                prefetch=[
                    qm.Prefetch(query=DENSE, using="dense", limit=20),
                    qm.Prefetch(
                        query=qm.SparseVector(indices=[2, 5], values=[1.0, 1.0]), using="text"
                    ),
                ],
                query=qm.FusionQuery(fusion=qm.Fusion.RRF),
                query_filter=qm.Filter(
                    must=[qm.FieldCondition(key="lang", match=qm.MatchValue(value="en"))]
                ),
                limit=5,
            )
            await judge.close()
            expected = ranked((p.id, as_float32(p.score)) for p in theirs.points)
            assert [ranked((p.id, p.score) for p in hits) for hits in mine] == [expected] * 2
        info = await c.get_collection(name)
        await c.delete_collection(name)
    assert "lang" in str(info)
