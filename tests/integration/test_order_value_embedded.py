"""``order_value`` on ``Record`` (scroll) and ``ScoredPoint`` (query) when ordered by a payload
field: equal over REST and gRPC through qdpool, and equal to what qdrant-client (REST and
gRPC) reads from the embedded server on the same data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

import qdpool
from qdpool.embedded import EmbeddedQdrant

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
PROTOCOLS = ("rest", "grpc")


def _judge(server: EmbeddedQdrant, *, grpc_on: bool) -> AsyncQdrantClient:
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
async def setup(
    server: EmbeddedQdrant,
) -> AsyncIterator[tuple[str, list[AsyncQdrantClient], qdpool.Client]]:
    judges = [_judge(server, grpc_on=g) for g in (False, True)]
    name = f"order_value_{uuid.uuid4().hex[:8]}"
    await judges[0].create_collection(
        name, vectors_config=qm.VectorParams(size=2, distance=qm.Distance.DOT)
    )
    await judges[0].upsert(
        name,
        [
            qm.PointStruct(id=i, vector=[1.0, i / 10], payload={"n": 10 - i, "price": i * 1.25})
            for i in range(1, 9)
        ],
        wait=True,
    )
    for field, schema in (("n", qm.PayloadSchemaType.INTEGER), ("price", "float")):
        await judges[0].create_payload_index(name, field, field_schema=schema, wait=True)
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as ours:
        yield name, judges, ours
    await judges[0].delete_collection(name)
    for judge in judges:
        await judge.close()


@pytest.mark.parametrize("key", ["n", "price"])
async def test_scroll_order_value(
    setup: tuple[str, list[AsyncQdrantClient], qdpool.Client], key: str
) -> None:
    name, judges, ours = setup
    order = qm.OrderBy(key=key, direction=qm.Direction.DESC)
    theirs = [(await j.scroll(name, limit=4, order_by=order))[0] for j in judges]
    expected = [(r.id, r.order_value) for r in theirs[0]]
    assert expected and all(value is not None for _, value in expected)
    assert [(r.id, r.order_value) for r in theirs[1]] == expected
    mine = [(await ours.scroll(name, limit=4, order_by=order, protocol=p))[0] for p in PROTOCOLS]
    assert [(r.id, r.order_value) for r in mine[0]] == expected
    assert mine[0] == mine[1]
    assert all(type(r.order_value) is type(v) for r, (_, v) in zip(mine[1], expected, strict=True))
    plain, _ = await ours.scroll(name, limit=2)
    assert [r.order_value for r in plain] == [None, None]


async def test_query_order_value(
    setup: tuple[str, list[AsyncQdrantClient], qdpool.Client],
) -> None:
    name, judges, ours = setup
    query: Any = qm.OrderByQuery(order_by=qm.OrderBy(key="price", direction=qm.Direction.ASC))
    theirs = [(await j.query_points(name, query=query, limit=3)).points for j in judges]
    expected = [(p.id, p.order_value) for p in theirs[0]]
    assert expected == [(1, 1.25), (2, 2.5), (3, 3.75)]
    assert [(p.id, p.order_value) for p in theirs[1]] == expected
    mine = [await ours.query_points(name, query, limit=3, protocol=p) for p in PROTOCOLS]
    assert [(p.id, p.order_value) for p in mine[0]] == expected
    assert mine[0] == mine[1]
    nearest = await ours.query_points(name, [1.0, 0.0], limit=2, protocol="grpc")
    assert [p.order_value for p in nearest] == [None, None]
