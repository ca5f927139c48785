"""Every client method and error against the embedded server: REST (aiohttp, httpx) and gRPC."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

import qdpool
from qdpool import errors

DIM = 8
KEY = "test-key"
READ_ONLY_KEY = "ro-key"

# (protocol, REST transport): gRPC calls are the same whichever REST transport the client has.
VARIANTS = [("rest", "aiohttp"), ("rest", "httpx"), ("grpc", "aiohttp")]


def vec(seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in range(DIM)]


PAYLOAD = {
    "title": "doc",
    "price": 19,
    "ratio": 0.25,
    "tags": ["a", "b"],
    "nested": {"deep": {"n": None, "ok": True, "list": [1, 2.5, "x", {"k": False}]}},
    "category": "index",
}


@pytest.fixture(scope="module", params=VARIANTS, ids=lambda v: f"{v[0]}-{v[1]}")
async def client(request: pytest.FixtureRequest, server: Any) -> AsyncIterator[qdpool.Client]:
    protocol, rest_transport = request.param
    async with qdpool.connect(
        server.rest_url,
        grpc_url=server.grpc_url,
        api_key=KEY,
        protocol=protocol,
        rest_transport=rest_transport,
    ) as c:
        yield c


@pytest.fixture
async def collection(client: qdpool.Client) -> AsyncIterator[str]:
    name = f"t_{client.protocol}_{client.rest_transport}_{uuid.uuid4().hex[:8]}"
    assert await client.create_collection(name, size=DIM, distance="Cosine") is True
    yield name
    await client.delete_collection(name)


async def seed(client: qdpool.Client, name: str, n: int = 50) -> None:
    points = [
        {
            "id": i,
            "vector": vec(i),
            "payload": {**PAYLOAD, "price": i, "category": "index" if i % 2 else "ops"},
        }
        for i in range(1, n + 1)
    ]
    result = await client.upsert(name, points)
    assert result.status == "completed"


async def test_collections_lifecycle(client: qdpool.Client, collection: str) -> None:
    assert collection in await client.list_collections()
    assert await client.collection_exists(collection) is True
    info = await client.get_collection(collection)
    assert info.vectors[""] == qdpool.VectorParams(DIM, "Cosine", info.vectors[""].on_disk)
    assert info.points_count == 0
    assert info.status == "green"
    with pytest.raises(errors.AlreadyExists) as exc:
        await client.create_collection(collection, size=DIM)
    assert exc.value.status in (409, "ALREADY_EXISTS")
    assert exc.value.protocol == client.protocol


async def test_missing_collection(client: qdpool.Client) -> None:
    name = f"missing_{uuid.uuid4().hex[:8]}"
    assert await client.collection_exists(name) is False
    assert await client.delete_collection(name) is False
    with pytest.raises(errors.NotFound) as exc:
        await client.get_collection(name)
    assert "doesn't exist" in exc.value.message
    with pytest.raises(errors.NotFound):
        await client.count(name)


async def test_points_round_trip(client: qdpool.Client, collection: str) -> None:
    uid = str(uuid.uuid4())
    await client.upsert(
        collection,
        [
            qdpool.Point(1, vec(1), PAYLOAD),
            {"id": uid, "vector": vec(2), "payload": {"k": 1}},
            {"id": 3, "vector": vec(3)},
        ],
    )
    records = await client.retrieve(collection, [1, uid, 3, 999], with_vector=True)
    by_id = {r.id: r for r in records}
    assert set(by_id) == {1, uid, 3}
    assert by_id[1].payload == PAYLOAD
    assert by_id[3].payload is None
    assert by_id[1].vector is not None and len(by_id[1].vector) == DIM
    bare = await client.retrieve(collection, [1], with_payload=False)
    assert bare == [qdpool.Record(1, None, None)]


async def test_count_delete_query_scroll(client: qdpool.Client, collection: str) -> None:
    await seed(client, collection)
    assert await client.count(collection) == 50
    cheap = {"must": [{"key": "price", "range": {"lt": 20}}]}
    assert await client.count(collection, filter=cheap) == 19
    result = await client.delete(collection, filter=cheap)
    assert result.status == "completed"
    assert await client.count(collection) == 31
    await client.delete(collection, ids=[20, 21])
    assert await client.count(collection) == 29

    index_only = {"must": [{"key": "category", "match": {"value": "index"}}]}
    hits = await client.query_points(collection, vec(25), filter=index_only, limit=3)
    assert len(hits) == 3
    assert hits[0].id == 25 and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert all(h.payload and h.payload["category"] == "index" for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score)
    by_id = await client.query_points(collection, 25, filter=index_only, limit=3)
    assert 25 not in [h.id for h in by_id]
    paged = await client.query_points(collection, vec(25), limit=2, offset=1, with_payload=False)
    assert [h.payload for h in paged] == [None, None]
    none = await client.query_points(collection, vec(25), score_threshold=1.5)
    assert none == []

    seen: list[Any] = []
    offset: Any = None
    while True:
        page, offset = await client.scroll(collection, limit=7, offset=offset)
        seen.extend(r.id for r in page)
        if offset is None:
            break
    assert seen == sorted(seen) and len(seen) == 29
    assert [r.id async for r in client.scroll_all(collection, page_size=10)] == seen


async def test_snapshots_cluster_health(client: qdpool.Client, collection: str) -> None:
    await seed(client, collection, 5)
    snap = await client.create_snapshot(collection)
    assert snap.name.endswith(".snapshot") and snap.size > 0 and snap.checksum
    listed = await client.list_snapshots(collection)
    assert snap in listed
    assert await client.cluster_status() == {"status": "disabled"}
    health = await client.health()
    assert health.title.startswith("qdrant") and health.version


async def test_auth_errors(client: qdpool.Client, server: Any) -> None:
    async def attempt(api_key: str | None) -> None:
        async with qdpool.connect(
            server.rest_url, grpc_url=server.grpc_url, api_key=api_key, protocol=client.protocol
        ) as other:
            await other.list_collections()

    with pytest.raises(errors.Unauthenticated):
        await attempt(None)
    with pytest.raises(errors.Unauthenticated):
        await attempt("wrong")
    async with qdpool.connect(
        server.rest_url, grpc_url=server.grpc_url, api_key=READ_ONLY_KEY, protocol=client.protocol
    ) as read_only:
        await read_only.list_collections()
        with pytest.raises(errors.PermissionDenied):
            await read_only.create_collection(f"ro_{uuid.uuid4().hex[:6]}", size=4)


async def test_server_side_validation_errors(client: qdpool.Client, collection: str) -> None:
    with pytest.raises(errors.InvalidArgument):
        await client.upsert(collection, [{"id": 1, "vector": [0.1] * (DIM + 1)}])
    with pytest.raises(errors.InvalidArgument):
        await client.query_points(collection, [0.1] * (DIM - 1))


async def test_bad_input_never_reaches_the_server(client: qdpool.Client, collection: str) -> None:
    with pytest.raises(errors.InvalidInput):
        await client.upsert(collection, [{"id": -1, "vector": vec(1)}])
    with pytest.raises(errors.InvalidInput):
        await client.query_points(collection, [float("nan")] * DIM)
    assert await client.count(collection) == 0


async def test_results_are_equal_across_protocols(server: Any) -> None:
    name = f"eq_{uuid.uuid4().hex[:8]}"
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as c:
        await c.create_collection(name, size=DIM)
        try:
            await seed(c, name, 30)
            for fn in (
                lambda p: c.retrieve(name, [1, 2, 3], with_vector=True, protocol=p),
                lambda p: c.query_points(name, vec(3), limit=5, with_vector=True, protocol=p),
                lambda p: c.scroll(name, limit=10, offset=5, protocol=p),
                lambda p: c.count(
                    name, filter={"must": [{"key": "price", "range": {"gte": 10}}]}, protocol=p
                ),
                lambda p: c.get_collection(name, protocol=p),
                lambda p: c.list_snapshots(name, protocol=p),
            ):
                assert await fn("rest") == await fn("grpc")
        finally:
            await c.delete_collection(name)


async def test_start_fails_fast_naming_the_address() -> None:
    with pytest.raises(errors.Unavailable, match=r"127\.0\.0\.1:1"):
        async with qdpool.connect(
            "http://127.0.0.1:1",
            grpc_url="http://127.0.0.1:1",
            protocols=("grpc",),
            protocol="grpc",
            pool=qdpool.PoolConfig(connect_timeout=0.5),
        ):
            pass
    with pytest.raises(errors.Unavailable, match=r"127\.0\.0\.1:1"):
        async with qdpool.connect(
            "http://127.0.0.1:1", protocols=("rest",), pool=qdpool.PoolConfig(connect_timeout=0.5)
        ):
            pass


async def test_own_httpx_client_is_used_and_left_open(server: Any) -> None:
    import httpx

    seen: list[str] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request.url.path)

    own = httpx.AsyncClient(event_hooks={"request": [record]})
    async with qdpool.connect(
        server.rest_url, api_key=KEY, protocols=("rest",), httpx_client=own
    ) as c:
        assert c.rest_transport == "httpx"
        await c.list_collections()
    assert "/collections" in seen
    assert not own.is_closed
    await own.aclose()


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
async def test_large_upserts_are_split_and_all_points_land(server: Any, protocol: str) -> None:
    name = f"split_{protocol}_{uuid.uuid4().hex[:6]}"
    dim = 384
    points = [
        {"id": i, "vector": [((i * 31 + j) % 97) / 97 for j in range(dim)], "payload": {"i": i}}
        for i in range(600)
    ]
    async with qdpool.connect(
        server.rest_url,
        grpc_url=server.grpc_url,
        api_key=KEY,
        protocol=protocol,
        max_rest_body=256 * 1024,
        max_grpc_message=128 * 1024,
    ) as c:
        await c.create_collection(name, size=dim)
        try:
            before = server.faults.served_count("upsert", protocol)
            result = await c.upsert(name, points)
            requests = server.faults.served_count("upsert", protocol) - before
            assert requests >= 10  # ~4 MB of points under a 128-256 KiB cap
            assert result.status == "completed"
            assert await c.count(name) == 600
            records = await c.retrieve(name, [0, 299, 599])
            assert [r.payload for r in records] == [{"i": 0}, {"i": 299}, {"i": 599}]
        finally:
            await c.delete_collection(name)


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
async def test_a_stalled_server_never_makes_a_call_overrun_its_deadline(
    server: Any, protocol: str
) -> None:
    from qdpool.embedded.faults import FaultRule

    name = f"stall_{protocol}_{uuid.uuid4().hex[:6]}"
    async with qdpool.connect(
        server.rest_url, grpc_url=server.grpc_url, api_key=KEY, protocol=protocol
    ) as c:
        await c.create_collection(name, size=DIM)
        try:
            server.faults.add(FaultRule.stall(30, operation="count", protocol=protocol))
            started = time.monotonic()
            with pytest.raises(errors.DeadlineExceeded):
                await c.count(name, timeout=0.3)
            assert time.monotonic() - started < 0.3 + 0.05
        finally:
            server.faults.clear()
            await c.delete_collection(name)


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
async def test_upload_points_streams_a_generator_into_the_server(
    server: Any, protocol: str
) -> None:
    name = f"upload_{protocol}_{uuid.uuid4().hex[:6]}"
    async with qdpool.connect(
        server.rest_url, grpc_url=server.grpc_url, api_key=KEY, protocol=protocol
    ) as c:
        await c.create_collection(name, size=DIM)
        try:
            stream = ({"id": i, "vector": vec(i), "payload": {"i": i}} for i in range(2500))
            assert await c.upload_points(name, stream, batch_size=300, parallel=3) == 2500
            assert await c.count(name) == 2500
            assert [r.payload for r in await c.retrieve(name, [2499])] == [{"i": 2499}]
        finally:
            await c.delete_collection(name)
