"""``upload_points`` and ``upload_collection`` with ``update_mode`` and ``update_filter``, on
both protocols against the embedded server, judged by qdrant-client on a twin collection:
its ``upsert`` with the same points and conditions (its ``upload_*`` methods block the event
loop, which the in-process server shares, so they cannot run here), and the stored points
must agree. A bad condition is refused before any batch is sent."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

import qdpool
from qdpool import errors
from qdpool.embedded import EmbeddedQdrant

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"


@pytest_asyncio.fixture(scope="module")
async def ours(server: EmbeddedQdrant) -> AsyncIterator[qdpool.Client]:
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as c:
        yield c


@pytest_asyncio.fixture(scope="module")
async def judges(server: EmbeddedQdrant) -> AsyncIterator[dict[str, AsyncQdrantClient]]:
    clients = {
        protocol: AsyncQdrantClient(
            url=server.rest_url,
            grpc_port=int(server.grpc_url.rsplit(":", 1)[1]),
            prefer_grpc=protocol == "grpc",
            api_key=KEY,
            https=False,
            check_compatibility=False,
        )
        for protocol in ("rest", "grpc")
    }
    yield clients
    for client in clients.values():
        await client.close()


async def _seeded(judge: AsyncQdrantClient) -> str:
    name = f"upload_cond_{uuid.uuid4().hex[:8]}"
    await judge.create_collection(name, qm.VectorParams(size=2, distance=qm.Distance.DOT))
    await judge.upsert(
        name,
        [qm.PointStruct(id=i, vector=[1.0, float(i)], payload={"n": i}) for i in range(1, 5)],
        wait=True,
    )
    return name


async def _stored(judge: AsyncQdrantClient, name: str) -> list[tuple[Any, Any, Any]]:
    records, _ = await judge.scroll(name, limit=100, with_payload=True, with_vectors=True)
    return sorted((r.id, r.payload, r.vector) for r in records)


def _where(n: int) -> qm.Filter:
    return qm.Filter(must=[qm.FieldCondition(key="n", match=qm.MatchValue(value=n))])


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
async def test_conditions_apply_to_every_batch_as_qdrant_clients_do(
    ours: qdpool.Client, judges: dict[str, AsyncQdrantClient], protocol: str
) -> None:
    judge = judges[protocol]
    mine, theirs = await _seeded(judge), await _seeded(judge)
    insert_only = [
        qm.PointStruct(id=1, vector=[9.0, 9.0], payload={"n": 100}),  # exists: kept as it is
        qm.PointStruct(id=5, vector=[1.0, 5.0], payload={"n": 5}),  # new: inserted
    ]
    rows = np.array([[2.0, 2.0], [3.0, 3.0], [6.0, 6.0]], dtype=np.float32)
    columns: dict[str, Any] = {
        "ids": [2, 3, 6],
        "payload": [{"n": 20}, {"n": 30}, {"n": 6}],
        "update_filter": _where(2),  # 2 matches and is replaced, 3 does not, 6 is new
    }
    await ours.upload_points(
        mine, insert_only, batch_size=1, update_mode="insert_only", protocol=protocol
    )
    await ours.upload_collection(mine, rows, batch_size=2, protocol=protocol, **columns)
    await judge.upsert(theirs, insert_only, wait=True, update_mode=qm.UpdateMode.INSERT_ONLY)
    batch = qm.Batch(ids=columns["ids"], vectors=rows.tolist(), payloads=columns["payload"])
    await judge.upsert(theirs, batch, wait=True, update_filter=columns["update_filter"])

    stored = await _stored(judge, mine)
    assert stored == await _stored(judge, theirs)
    payloads = {point_id: payload for point_id, payload, _ in stored}
    assert payloads == {
        1: {"n": 1},
        2: {"n": 20},
        3: {"n": 3},
        4: {"n": 4},
        5: {"n": 5},
        6: {"n": 6},
    }


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
async def test_a_bad_condition_is_refused_before_anything_is_sent(
    ours: qdpool.Client, judges: dict[str, AsyncQdrantClient], protocol: str
) -> None:
    name = await _seeded(judges[protocol])
    new = [{"id": 9, "vector": [1.0, 9.0]}]
    with pytest.raises(errors.InvalidInput, match="update_mode"):
        await ours.upload_points(name, new, update_mode="sometimes", protocol=protocol)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInput, match="update_filter"):
        await ours.upload_collection(
            name, np.ones((1, 2), dtype=np.float32), ids=[9], update_filter={"must": 3},
            protocol=protocol,
        )  # fmt: skip
    assert [point_id for point_id, _, _ in await _stored(judges[protocol], name)] == [1, 2, 3, 4]
