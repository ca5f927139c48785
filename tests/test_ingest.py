"""Bulk ingestion (``qdpool.ingest``, ``Client.upload_collection`` / ``upload_points``).

Unit tests of the batch sources (lazy, bounded, the array's rows handed on without a
copy, every bad shape, dtype and value refused before the first batch), then the
client against the embedded server on both protocols: what is stored is exactly the
float32 rounding of what was given, bad input sends nothing, and ids, payloads and
named vectors land where they belong.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import numpy as np
import pytest
import pytest_asyncio

import qdpool
from qdpool import ingest
from qdpool.errors import InvalidInput
from qdpool.wire.packed import PointRows

KEY = "test-key"
PROTOCOLS = ("rest", "grpc")
DIM = 12
DATA = np.random.default_rng(3).standard_normal((50, DIM))  # float64: rounded on the way


# ---------------------------------------------------------------- batch sources


class Counting:
    """An iterator of payloads that records how many have been read."""

    def __init__(self, total: int) -> None:
        self.read = 0
        self.total = total

    def __iter__(self) -> Iterator[dict[str, int]]:
        for i in range(self.total):
            self.read += 1
            yield {"i": i}


def test_column_batches_slice_the_array_with_ids_and_payloads() -> None:
    data = DATA.astype(np.float32)
    batches = list(ingest.column_batches(data, range(50), ({"i": i} for i in range(50)), 20))
    assert [len(b) for b in batches] == [20, 20, 10]
    assert all(type(b) is PointRows for b in batches)
    point = batches[2][3]
    assert point["id"] == 43 and point["payload"] == {"i": 43}
    assert np.array_equal(point["vector"], data[43])


def test_float32_rows_are_views_of_the_callers_array_not_copies() -> None:
    data = DATA.astype(np.float32)
    [batch] = list(ingest.column_batches(data, range(50), None, 50))
    assert all(np.shares_memory(p["vector"], data) for p in batch)
    assert all("payload" not in p for p in batch)


def test_float64_rows_are_made_float32_a_batch_at_a_time() -> None:
    batches = list(ingest.column_batches(DATA, range(50), None, 20))
    vector = batches[1][0]["vector"]
    assert vector.dtype == np.float32 and vector.flags.c_contiguous
    assert np.array_equal(vector, DATA[20].astype(np.float32))
    assert not np.shares_memory(vector, DATA)


def test_named_arrays_become_named_vectors() -> None:
    image, text = DATA[:, :4], DATA[:, 4:]
    [batch] = list(ingest.column_batches({"image": image, "text": text}, range(50), None, 64))
    assert set(batch[7]["vector"]) == {"image", "text"}
    assert np.array_equal(batch[7]["vector"]["text"], text[7].astype(np.float32))


def test_without_ids_points_get_random_uuids() -> None:
    [batch] = list(ingest.column_batches(DATA[:5], None, None, 10))
    ids = [p["id"] for p in batch]
    assert len(set(ids)) == 5
    assert all(str(uuid.UUID(i)) == i for i in ids)


def test_numpy_ids_become_python_ints() -> None:
    [batch] = list(ingest.column_batches(DATA[:3], np.array([5, 6, 7], dtype=np.uint64), None, 8))
    assert [p["id"] for p in batch] == [5, 6, 7]
    assert all(type(p["id"]) is int for p in batch)


BAD_ARRAYS = [
    (np.zeros((2, 3, 4)), "vectors", "2-D array"),
    (np.zeros(4), "vectors", "2-D array"),
    (np.zeros((3, 0)), "vectors", "must not be empty"),
    (np.array([["a", "b"]]), "vectors", "array of numbers"),
    (np.zeros((2, 2), dtype=bool), "vectors", "array of numbers"),
    (np.array([[1.0, 2.0], [3.0, np.nan]]), "vectors[1][1]", "must be finite"),
    (np.array([[1.0, np.inf]]), "vectors[0][1]", "must be finite"),
    (np.array([[1.0], [1e39]]), "vectors[1][0]", "must fit in a float32"),
]


@pytest.mark.parametrize(("array", "field", "problem"), BAD_ARRAYS)
def test_bad_arrays_are_refused_before_the_first_batch(
    array: Any, field: str, problem: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        ingest.column_batches(array, None, None, 10)  # not iterated: refused when called
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_a_bad_value_far_into_a_large_array_is_found_before_anything_is_sent() -> None:
    array = np.zeros((10_000, 4), dtype=np.float32)
    array[9_876, 2] = np.nan
    with pytest.raises(InvalidInput) as caught:
        ingest.column_batches(array, None, None, 100)
    assert caught.value.field == "vectors[9876][2]"


@pytest.mark.parametrize(
    ("vectors", "ids", "payload", "field"),
    [
        (DATA, range(49), None, "ids"),
        (DATA, None, [{}] * 51, "payload"),
        (DATA, np.array([1, -2] * 25), None, "ids[1]"),
        (DATA, np.zeros((50, 2), dtype=int), None, "ids"),
        (DATA, 7, None, "ids"),
        (DATA, None, "not payloads", "payload"),
        ({"a": DATA, "b": DATA[:10]}, None, None, "vectors"),
        ({"a": [[1.0]]}, None, None, "vectors.a"),
        ({"a": np.full((1, 2), np.nan)}, None, None, "vectors.a[0][0]"),
        ({}, None, None, "vectors"),
    ],
)
def test_bad_columns_are_refused_before_the_first_batch(
    vectors: Any, ids: Any, payload: Any, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        ingest.column_batches(vectors, ids, payload, 10)
    assert caught.value.field == field


def test_ids_and_payloads_are_checked_batch_by_batch() -> None:
    ids = iter([0, 1, 2, -3])
    batches = ingest.column_batches(DATA[:4], ids, None, 3)
    next(batches)
    with pytest.raises(InvalidInput) as caught:
        next(batches)
    assert caught.value.field == "ids[3]"
    payloads = iter([{"ok": 1}, {"bad": float("nan")}])
    with pytest.raises(InvalidInput) as caught:
        next(ingest.column_batches(DATA[:2], None, payloads, 5))
    assert caught.value.field == "payload[1].bad"


def test_an_id_iterator_that_ends_early_is_refused_at_its_batch() -> None:
    batches = ingest.column_batches(DATA[:6], iter(range(4)), None, 3)
    assert len(next(batches)) == 3
    with pytest.raises(InvalidInput, match="ends after 4 items"):
        next(batches)


async def test_upload_holds_at_most_parallel_batches() -> None:
    """While every send is blocked, only ``parallel`` batches have been made: the payload
    source has been read ``parallel x batch`` items far, not further."""
    payloads = Counting(1_000)
    release = asyncio.Event()
    in_flight: list[int] = []
    acked: list[int] = []

    async def send(batch: PointRows) -> None:
        in_flight.append(len(batch))
        await release.wait()

    source = ingest.column_batches(DATA[np.arange(1_000) % 50], range(1_000), payloads, 40)
    task = asyncio.create_task(ingest.upload(source, parallel=3, send=send, progress=acked.append))
    for _ in range(20):
        await asyncio.sleep(0)
    assert in_flight == [40, 40, 40]
    assert payloads.read == 3 * 40
    release.set()
    assert await task == 1_000
    assert payloads.read == 1_000
    assert sum(acked) == 1_000 and len(acked) == 25


async def test_the_first_failure_cancels_the_rest_and_is_raised() -> None:
    sent: list[int] = []

    async def send(batch: PointRows) -> None:
        sent.append(batch[0]["id"])
        if batch[0]["id"] == 20:
            raise RuntimeError("server says no")
        await asyncio.sleep(0)

    source = ingest.column_batches(DATA, range(50), None, 10)
    with pytest.raises(RuntimeError, match="server says no"):
        await ingest.upload(source, parallel=2, send=send, progress=None)
    assert 20 in sent and 40 not in sent


def test_zip_points_pairs_columns_lazily() -> None:
    points = ingest.zip_points(([float(i)] * 2 for i in range(3)), [7, 8, 9], [{"a": 1}] * 3)
    assert next(points) == {"id": 7, "vector": [0.0, 0.0], "payload": {"a": 1}}
    assert [p["id"] for p in points] == [8, 9]
    with pytest.raises(InvalidInput, match="ends after 1 items"):
        list(ingest.zip_points([[1.0], [2.0]], [1], None))


# ---------------------------------------------------------------- against the embedded server


@pytest_asyncio.fixture
async def client(server: Any) -> AsyncIterator[qdpool.Client]:
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as c:
        yield c


@pytest_asyncio.fixture
async def collection(client: qdpool.Client) -> AsyncIterator[str]:
    name = f"ingest_{uuid.uuid4().hex[:8]}"
    await client.create_collection(name, size=DIM, distance="Dot")
    yield name
    await client.delete_collection(name)


async def _stored(client: qdpool.Client, name: str, ids: list[int]) -> dict[int, Any]:
    records = await client.retrieve(name, ids, with_vector=True)
    return {int(r.id): r for r in records}  # type: ignore[arg-type]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int32])
async def test_upload_collection_stores_exactly_the_float32_rows(
    client: qdpool.Client, collection: str, protocol: str, dtype: Any
) -> None:
    data = (DATA * 100 if dtype is np.int32 else DATA).astype(dtype)
    payloads = [{"row": i, "tag": ["a", "b"][i % 2]} for i in range(50)]
    written = await client.upload_collection(
        collection, data, payload=iter(payloads), ids=range(50), batch_size=16, protocol=protocol
    )
    assert written == 50
    assert await client.count(collection) == 50
    stored = await _stored(client, collection, list(range(50)))
    expected = data.astype(np.float32)
    for i in range(50):
        assert stored[i].vector == expected[i].tolist()
        assert stored[i].payload == payloads[i]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_upload_points_with_array_rows_stores_exactly_the_float32_rows(
    client: qdpool.Client, collection: str, protocol: str
) -> None:
    points = ({"id": i, "vector": DATA[i], "payload": {"i": i}} for i in range(50))
    assert await client.upload_points(collection, points, batch_size=7, protocol=protocol) == 50
    stored = await _stored(client, collection, [0, 49])
    assert stored[49].vector == DATA[49].astype(np.float32).tolist()
    assert stored[49].payload == {"i": 49}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_named_arrays_land_in_named_vectors(client: qdpool.Client, protocol: str) -> None:
    name = f"ingest_named_{uuid.uuid4().hex[:8]}"
    await client.create_collection(
        name,
        vectors_config={
            "image": {"size": 4, "distance": "Dot"},
            "text": {"size": DIM - 4, "distance": "Dot"},
        },
    )
    try:
        image, text = DATA[:, :4], DATA[:, 4:]
        vectors = {"image": image, "text": text}
        await client.upload_collection(name, vectors, ids=range(50), protocol=protocol)
        [record] = await client.retrieve(name, [31], with_vector=True)
        assert record.vector == {
            "image": image[31].astype(np.float32).tolist(),
            "text": text[31].astype(np.float32).tolist(),
        }
    finally:
        await client.delete_collection(name)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("vectors", "field"),
    [
        (np.zeros((4, 3, DIM)), "vectors"),
        (np.where(np.arange(50)[:, None] == 45, np.nan, DATA), "vectors[45][0]"),
        (DATA.astype(object), "vectors"),
    ],
)
async def test_bad_arrays_send_nothing(
    client: qdpool.Client, collection: str, protocol: str, vectors: Any, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await client.upload_collection(
            collection, vectors, ids=range(len(vectors)), batch_size=10, protocol=protocol
        )
    assert caught.value.field == field
    assert await client.count(collection) == 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_wrong_dimension_is_the_servers_error(
    client: qdpool.Client, collection: str, protocol: str
) -> None:
    with pytest.raises(qdpool.InvalidArgument):
        await client.upload_collection(
            collection, np.zeros((3, DIM + 1)), ids=[1, 2, 3], protocol=protocol
        )
    assert await client.count(collection) == 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_iterables_of_vectors_take_the_point_path(
    client: qdpool.Client, collection: str, protocol: str
) -> None:
    rows = [row.tolist() for row in DATA[:10]]
    written = await client.upload_collection(
        collection, iter(rows), payload=[{"n": i} for i in range(10)], protocol=protocol
    )
    assert written == 10
    records, _ = await client.scroll(collection, limit=20, with_vector=True)
    assert sorted(r.payload["n"] for r in records if r.payload) == list(range(10))
    assert all(isinstance(r.id, str) for r in records)  # random UUIDs


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_memory_mapped_array_uploads_as_it_is(
    client: qdpool.Client, collection: str, protocol: str, tmp_path: Any
) -> None:
    np.save(tmp_path / "v.npy", DATA.astype(np.float32))
    mapped = np.load(tmp_path / "v.npy", mmap_mode="r")
    assert (
        await client.upload_collection(collection, mapped, ids=range(50), protocol=protocol) == 50
    )
    stored = await _stored(client, collection, [17])
    assert stored[17].vector == DATA[17].astype(np.float32).tolist()
