"""Read consistency and write ordering: honoured as a single Qdrant node honours them.

One replica per shard meets every consistency and ordering, so the server
accepts each value (over REST's query string and gRPC's fields) and answers as
without it; a value Qdrant could not parse is refused with its 400, not ignored.
qdrant-client, on both protocols, is the judge.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from embedded_support import API_KEY, Rest
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")


@pytest.mark.parametrize("grpc_on", [False, True], ids=["rest", "grpc"])
async def test_qdrant_client_sends_consistency_and_ordering_and_gets_the_same_answers(
    server: Any, grpc_on: bool
) -> None:
    client = AsyncQdrantClient(
        url=server.rest_url,
        grpc_port=int(server.grpc_url.rsplit(":", 1)[1]),
        prefer_grpc=grpc_on,
        api_key=API_KEY,
        https=False,
        check_compatibility=False,
    )
    name = f"replica_{uuid.uuid4().hex[:8]}"
    try:
        await client.create_collection(
            name, vectors_config=qm.VectorParams(size=2, distance=qm.Distance.DOT)
        )
        for i, ordering in enumerate(qm.WriteOrdering):
            point = qm.PointStruct(id=i + 1, vector=[1.0, float(i)], payload={"i": i})
            await client.upsert(name, [point], ordering=ordering, wait=True)
        consistencies: list[Any] = [None, 1, 2, *qm.ReadConsistencyType]
        answers = []
        for consistency in consistencies:
            hits = await client.query_points(name, [1.0, 1.0], limit=3, consistency=consistency)
            records = await client.retrieve(name, [1, 2, 3], consistency=consistency)
            page, _ = await client.scroll(name, limit=10, consistency=consistency)
            answers.append(
                (
                    [(h.id, h.score) for h in hits.points],
                    sorted(r.id for r in records),
                    sorted(p.id for p in page),
                )
            )
        assert answers[0][1] == [1, 2, 3]
        assert all(answer == answers[0] for answer in answers)
    finally:
        await client.delete_collection(name)
        await client.close()


async def test_values_qdrant_cannot_parse_are_refused_over_rest(rest: Rest) -> None:
    name = f"replica_{uuid.uuid4().hex[:8]}"
    created = await rest("PUT", f"/collections/{name}", {"vectors": {"size": 2, "distance": "Dot"}})
    assert created.status == 200
    try:
        bad_read = await rest(
            "POST", f"/collections/{name}/points/count", {}, params={"consistency": "most"}
        )
        assert bad_read.status == 400
        assert bad_read.error.startswith("Query deserialize error")
        bad_write = await rest(
            "PUT",
            f"/collections/{name}/points",
            {"points": [{"id": 1, "vector": [1.0, 0.0]}]},
            params={"wait": "true", "ordering": "fastest"},
        )
        assert bad_write.status == 400
        assert "`weak`, `medium`, `strong`" in bad_write.error
        counted = await rest(
            "POST", f"/collections/{name}/points/count", {}, params={"consistency": "quorum"}
        )
        assert counted.result == {"count": 0}  # the refused write changed nothing
    finally:
        await rest("DELETE", f"/collections/{name}")
