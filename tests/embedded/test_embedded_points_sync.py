"""The synchronous qdrant-client (REST) on the data plane, run in a thread beside the server.

The server lives on the test's event loop, so the blocking client runs in a
worker thread; its local mode on the same data is the judge.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from points_support import KEY, dataset, sparse_config, vectors_config
from qdrant_client import QdrantClient
from qdrant_client import models as m
from qdrant_client.http.exceptions import UnexpectedResponse

from qdpool.embedded import EmbeddedQdrant

pytestmark = [
    pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection"),
    pytest.mark.asyncio(loop_scope="session"),
]


def scenario(client: QdrantClient, name: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    client.create_collection(
        name, vectors_config=vectors_config(), sparse_vectors_config=sparse_config()
    )
    try:
        bad = [m.PointStruct(id=i, vector={"d": [1.0, 0, 0, float(i)]}) for i in range(100)]
        bad[40] = m.PointStruct(id=40, vector={"d": [1.0, 0]})
        try:
            client.upsert(name, bad, wait=True)
            seen["bad upsert"] = "accepted"
        except (UnexpectedResponse, ValueError) as exc:
            seen["bad upsert"] = "Vector dimension error" in str(exc)
        seen["count after bad"] = client.count(name).count
        client.upsert(name, dataset(), wait=True)
        client.create_payload_index(name, "group", m.PayloadSchemaType.INTEGER, wait=True)
        client.set_payload(name, {"seen": True}, points=[1, 2], wait=True)
        fused = client.query_points(
            name,
            prefetch=[
                m.Prefetch(query=[0.3, -0.2, 0.9, 0.1], using="d", limit=10),
                m.Prefetch(
                    query=m.SparseVector(indices=[1, 4], values=[1.0, 0.5]), using="s", limit=10
                ),
            ],
            query=m.FusionQuery(fusion=m.Fusion.DBSF),
            limit=5,
        )
        seen["fused"] = [(p.id, round(p.score, 4)) for p in fused.points]
        groups = client.query_points_groups(
            name, query=[0.3, -0.2, 0.9, 0.1], using="d", group_by="group", limit=3, group_size=2
        )
        seen["groups"] = [(g.id, [h.id for h in g.hits]) for g in groups.groups]
        seen["facet"] = sorted((h.value, h.count) for h in client.facet(name, "group").hits)
        seen["payload"] = [r.payload for r in client.retrieve(name, [1, 2, 3])]
    finally:
        client.delete_collection(name)
    return seen


async def test_sync_client_agrees_with_local_mode(server: EmbeddedQdrant) -> None:
    remote = QdrantClient(
        url=server.rest_url, api_key=KEY, https=False, prefer_grpc=False, check_compatibility=False
    )
    local = QdrantClient(":memory:")
    name = f"dp_sync_{uuid.uuid4().hex[:8]}"
    try:
        over_rest = await asyncio.to_thread(scenario, remote, name)
        judged = scenario(local, name)
    finally:
        remote.close()
        local.close()
    assert over_rest == judged
    assert over_rest["bad upsert"] is True and over_rest["count after bad"] == 0
