"""Point writes on the embedded server, judged by qdrant-client (REST) against its local mode.

Upserts of named dense, sparse and multivectors (list and batch shapes, update
modes, update filters), vector updates and deletes, every payload operation by
ids and by filter, ``batch_update_points``, ``GET .../points/{id}``; and atomic
rejection (issue 9 item 6): a write with one bad point or one bad operation
writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
from embedded_support import Rest
from points_support import (
    N,
    Pair,
    assert_same_records,
    dataset,
    make_pair,
    records,
    remote_client,
    sparse_config,
    vectors_config,
)
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as m
from qdrant_client.http.exceptions import UnexpectedResponse

from qdpool.embedded import EmbeddedQdrant

pytestmark = [
    pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection"),
    pytest.mark.asyncio(loop_scope="session"),
]

ALL = list(range(N))


@pytest_asyncio.fixture
async def pair(server: EmbeddedQdrant) -> AsyncIterator[Pair]:
    p = await make_pair(server)
    yield p
    await p.close()


@pytest_asyncio.fixture
async def empty(server: EmbeddedQdrant) -> AsyncIterator[Pair]:
    p = await make_pair(server, load=False)
    yield p
    await p.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared(server: EmbeddedQdrant) -> AsyncIterator[Pair]:
    """One loaded collection for the tests that must leave it unchanged."""
    p = await make_pair(server)
    yield p
    await p.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared_empty(server: EmbeddedQdrant) -> AsyncIterator[Pair]:
    """One empty collection for refused writes (each test checks it stayed empty)."""
    p = await make_pair(server, load=False)
    yield p
    await p.close()


async def test_named_sparse_and_multivector_upsert_round_trips(shared: Pair) -> None:
    remote, local = await shared.both(lambda c: records(c, shared.name, ALL))
    assert len(remote) == N
    assert_same_records(remote, local)
    nine = next(r for r in remote if r[0] == 9)
    assert set(nine[2]) == {"d", "m", "s"}  # point 9 has no `e`
    assert isinstance(nine[2]["s"], m.SparseVector)


async def test_batch_shape_with_named_columns(empty: Pair) -> None:
    batch = m.Batch(
        ids=[1, 2, 3],
        vectors={
            "d": [[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0]],
            "s": [
                m.SparseVector(indices=[1], values=[0.5]),
                m.SparseVector(indices=[2, 9], values=[0.1, 0.2]),
                m.SparseVector(indices=[], values=[]),
            ],
        },
        payloads=[{"k": 1}, {"k": 2}, {}],
    )
    for client in (empty.remote, empty.local):
        await client.upsert(empty.name, batch, wait=True)
    remote, local = await empty.both(lambda c: records(c, empty.name, [1, 2, 3]))
    assert_same_records(remote, local)
    assert remote[0][2]["d"] == [1.0, 0.0, 0.0, 0.0]


BAD_POINTS: list[tuple[str, dict[str, Any], int, str]] = [
    ("wrong dimension", {"d": [1.0, 2.0]}, 400, "Vector dimension error: expected dim: 4, got 2"),
    ("unknown name", {"nope": [1.0]}, 400, "Not existing vector name error: nope"),
    ("multivector row", {"m": [[1.0, 2.0], [1.0]]}, 400, "expected dim: 2, got 1"),
    ("sparse lengths", {"s": {"indices": [1, 2], "values": [0.5]}}, 422, "same length"),
    ("sparse duplicates", {"s": {"indices": [3, 3], "values": [1, 2]}}, 422, "must be unique"),
    ("sparse for dense", {"d": {"indices": [1], "values": [1.0]}}, 400, "sparse"),
    ("not a number", {"d": [1.0, "x", 3.0, 4.0]}, 400, "Format error in JSON body"),
]


@pytest.mark.parametrize(
    ("case", "vector", "status", "text"), BAD_POINTS, ids=[c[0] for c in BAD_POINTS]
)
async def test_one_bad_point_of_100_writes_nothing(
    shared_empty: Pair, rest: Rest, case: str, vector: dict[str, Any], status: int, text: str
) -> None:
    points: list[dict[str, Any]] = [
        {"id": i, "vector": {"d": [1.0, 0.5, 0.25, float(i)]}, "payload": {"i": i}}
        for i in range(100)
    ]
    points[61]["vector"] = vector
    path = f"/collections/{shared_empty.name}/points"
    answer = await rest("PUT", path, {"points": points}, params={"wait": "true"})
    assert answer.status == status, answer.body
    assert text in answer.error
    assert (await shared_empty.remote.count(shared_empty.name, exact=True)).count == 0
    # the same points in the batch shape
    batch = {
        "ids": [p["id"] for p in points],
        "vectors": [p["vector"] for p in points],
        "payloads": [p["payload"] for p in points],
    }
    answer = await rest("PUT", path, {"batch": batch}, params={"wait": "true"})
    assert answer.status == status, answer.body
    assert (await shared_empty.remote.count(shared_empty.name, exact=True)).count == 0


async def test_bad_id_in_an_upsert_writes_nothing(shared_empty: Pair, rest: Rest) -> None:
    points: list[dict[str, Any]] = [{"id": i, "vector": {"d": [1.0, 0, 0, 0]}} for i in range(10)]
    points[7]["id"] = "not-a-uuid"
    answer = await rest("PUT", f"/collections/{shared_empty.name}/points", {"points": points})
    assert answer.status == 400
    assert answer.error.startswith(
        "Format error in JSON body: value not-a-uuid is not a valid point ID"
    )
    assert (await shared_empty.remote.count(shared_empty.name)).count == 0


async def test_a_bad_point_leaves_existing_points_untouched(shared: Pair) -> None:
    before = await records(shared.remote, shared.name, [0, 1])
    bad = [
        m.PointStruct(id=0, vector={"d": [9.0, 9, 9, 9]}, payload={"replaced": True}),
        m.PointStruct(id=1, vector={"d": [1.0, 2.0, 3.0]}),
    ]
    with pytest.raises(UnexpectedResponse) as refused:
        await shared.remote.upsert(shared.name, bad, wait=True)
    assert refused.value.status_code == 400
    assert await records(shared.remote, shared.name, [0, 1]) == before


async def test_update_modes_and_update_filter_match_local(pair: Pair) -> None:
    new = m.PointStruct(id=100, vector={"d": [1.0, 1, 1, 1]}, payload={"fresh": True})
    old = m.PointStruct(id=1, vector={"d": [1.0, 1, 1, 1]}, payload={"overwritten": True})
    flt = m.Filter(must=[m.FieldCondition(key="tag", match=m.MatchValue(value="even"))])
    two = m.PointStruct(id=2, vector={"d": [0.5, 0.5, 0.5, 0.5]}, payload={"two": "changed"})
    three = m.PointStruct(id=3, vector={"d": [0.5, 0.5, 0.5, 0.5]}, payload={"three": "changed"})
    for client in (pair.remote, pair.local):
        await client.upsert(pair.name, [new, old], update_mode=m.UpdateMode.INSERT_ONLY, wait=True)
        await client.upsert(
            pair.name,
            [m.PointStruct(id=101, vector={"d": [1.0, 0, 0, 0]}), old],
            update_mode=m.UpdateMode.UPDATE_ONLY,
            wait=True,
        )
        await client.upsert(pair.name, [two, three], update_filter=flt, wait=True)
    remote, local = await pair.both(lambda c: records(c, pair.name, [1, 2, 3, 100, 101]))
    assert_same_records(remote, local)
    by_id = {r[0]: r[1] for r in remote}
    assert by_id[100] == {"fresh": True}  # inserted
    assert 101 not in by_id  # update_only does not insert
    assert by_id[1] == {"overwritten": True}  # updated by update_only, not by insert_only
    assert by_id[2] == {"two": "changed"}  # matched the update filter
    assert by_id[3]["n"] == 3  # odd: kept


async def test_payload_operations_by_ids_and_by_filter_match_local(pair: Pair) -> None:
    odd = m.Filter(must=[m.FieldCondition(key="tag", match=m.MatchValue(value="odd"))])
    berlin = m.Filter(must=[m.FieldCondition(key="city.name", match=m.MatchValue(value="Berlin"))])
    for client in (pair.remote, pair.local):
        await client.set_payload(pair.name, {"x": 1, "tag": "set"}, points=[0, 2], wait=True)
        await client.set_payload(pair.name, {"deep": 5}, points=[4], key="city.extra", wait=True)
        await client.set_payload(pair.name, {"flag": True}, points=odd, wait=True)
        await client.overwrite_payload(pair.name, {"only": "this"}, points=[6], wait=True)
        await client.overwrite_payload(
            pair.name,
            {"rome": 1},
            points=m.Filter(
                must=[m.FieldCondition(key="city.name", match=m.MatchValue(value="Rome"))]
            ),
            wait=True,
        )
        await client.delete_payload(pair.name, ["price", "tags"], points=[8, 9], wait=True)
        await client.delete_payload(pair.name, ["text"], points=berlin, wait=True)
        await client.clear_payload(pair.name, m.PointIdsList(points=[10]), wait=True)
        await client.clear_payload(
            pair.name,
            m.FilterSelector(
                filter=m.Filter(must=[m.FieldCondition(key="n", range=m.Range(gte=35))])
            ),
            wait=True,
        )
    remote, local = await pair.both(lambda c: records(c, pair.name, ALL))
    assert_same_records(remote, local)
    by_id = {r[0]: r[1] for r in remote}
    assert by_id[0]["x"] == 1 and by_id[0]["tag"] == "set"
    assert by_id[4]["city"]["extra"] == {"deep": 5} and by_id[4]["city"]["name"] == "Berlin"
    assert by_id[6] == {"only": "this"}
    assert by_id[10] == {} and by_id[36] == {}


async def test_payload_write_with_a_missing_id_writes_nothing(shared: Pair, rest: Rest) -> None:
    before = await records(shared.remote, shared.name, [1])
    path = f"/collections/{shared.name}/points/payload"
    answer = await rest("POST", path, {"payload": {"x": 1}, "points": [1, 999]})
    assert answer.status == 404
    assert answer.error == "Not found: No point with id 999 found"
    vectors = await rest(
        "PUT",
        f"/collections/{shared.name}/points/vectors",
        {
            "points": [
                {"id": 1, "vector": {"d": [1, 1, 1, 1]}},
                {"id": 999, "vector": {"d": [1, 1, 1, 1]}},
            ]
        },
    )
    assert vectors.status == 404
    assert await records(shared.remote, shared.name, [1]) == before


async def test_update_and_delete_vectors_match_local(pair: Pair) -> None:
    for client in (pair.remote, pair.local):
        await client.update_vectors(
            pair.name,
            [
                m.PointVectors(id=1, vector={"d": [0.0, 0, 0, 1]}),
                m.PointVectors(id=9, vector={"e": [1.0, 2, 3]}),  # adds the missing vector
                m.PointVectors(id=2, vector={"s": m.SparseVector(indices=[7], values=[0.7])}),
                m.PointVectors(id=3, vector={"m": [[1.0, 1.0]]}),
            ],
            wait=True,
        )
        await client.update_vectors(
            pair.name,
            [m.PointVectors(id=i, vector={"e": [0.5, 0.5, 0.5]}) for i in (10, 11, 12)],
            update_filter=m.Filter(
                must=[m.FieldCondition(key="tag", match=m.MatchValue(value="odd"))]
            ),
            wait=True,
        )
        await client.delete_vectors(pair.name, ["e", "s"], points=[4, 5], wait=True)
        await client.delete_vectors(
            pair.name,
            ["m"],
            points=m.Filter(must=[m.FieldCondition(key="n", range=m.Range(gte=30, lt=33))]),
            wait=True,
        )
    remote, local = await pair.both(lambda c: records(c, pair.name, ALL))
    assert_same_records(remote, local)
    by_id = {r[0]: r[2] for r in remote}
    assert set(by_id[4]) == {"d", "m"} and "m" not in by_id[31]
    assert by_id[9]["e"] == [1.0, 2.0, 3.0]
    assert by_id[11]["e"] == [0.5, 0.5, 0.5] and by_id[10]["e"] != [0.5, 0.5, 0.5]


async def test_vector_writes_refuse_unknown_names_and_dimensions(shared: Pair, rest: Rest) -> None:
    base = f"/collections/{shared.name}/points/vectors"
    wrong = await rest("PUT", base, {"points": [{"id": 1, "vector": {"d": [1.0]}}]})
    assert wrong.status == 400 and "expected dim: 4, got 1" in wrong.error
    unknown = await rest("POST", base + "/delete", {"points": [1], "vector": ["zz"]})
    assert (
        unknown.status == 400 and unknown.error == "Wrong input: Not existing vector name error: zz"
    )


async def test_batch_update_points_mixed_operations_match_local(pair: Pair) -> None:
    operations: list[Any] = [
        m.UpsertOperation(
            upsert=m.PointsList(
                points=[m.PointStruct(id=200, vector={"d": [1.0, 0, 0, 0]}, payload={"k": 1})]
            )
        ),
        m.SetPayloadOperation(set_payload=m.SetPayload(payload={"k": 2, "z": 0}, points=[200])),
        m.OverwritePayloadOperation(overwrite_payload=m.SetPayload(payload={"o": 1}, points=[3])),
        m.DeletePayloadOperation(delete_payload=m.DeletePayload(keys=["z"], points=[200])),
        m.ClearPayloadOperation(clear_payload=m.PointIdsList(points=[4])),
        m.UpdateVectorsOperation(
            update_vectors=m.UpdateVectors(
                points=[m.PointVectors(id=5, vector={"d": [0.0, 1, 0, 0]})]
            )
        ),
        m.DeleteVectorsOperation(delete_vectors=m.DeleteVectors(points=[6], vector=["s"])),
        m.DeleteOperation(delete=m.PointIdsList(points=[7])),
    ]
    results = []
    for client in (pair.remote, pair.local):
        results.append(await client.batch_update_points(pair.name, operations, wait=True))
    assert len(results[0]) == len(operations)
    ids = [r.operation_id for r in results[0]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(r.status == m.UpdateStatus.COMPLETED for r in results[0])
    remote, local = await pair.both(lambda c: records(c, pair.name, [*ALL, 200]))
    assert_same_records(remote, local)


async def test_batch_with_one_bad_operation_applies_none(shared: Pair, rest: Rest) -> None:
    before = await records(shared.remote, shared.name, ALL)
    body = {
        "operations": [
            {"delete": {"points": [0, 1, 2]}},
            {"set_payload": {"payload": {"x": 1}, "points": [3]}},
            {"upsert": {"points": [{"id": 300, "vector": {"d": [1.0, 2.0]}}]}},
        ]
    }
    answer = await rest("POST", f"/collections/{shared.name}/points/batch", body)
    assert answer.status == 400 and "expected dim: 4, got 2" in answer.error
    missing = await rest(
        "POST",
        f"/collections/{shared.name}/points/batch",
        {
            "operations": [
                {"delete": {"points": [0]}},
                {"set_payload": {"payload": {}, "points": [0]}},
            ]
        },
    )
    assert missing.status == 404  # point 0 is gone by the time the second operation runs
    unknown = await rest(
        "POST", f"/collections/{shared.name}/points/batch", {"operations": [{"nope": {}}]}
    )
    assert unknown.status == 400 and "unknown variant `nope`" in unknown.error
    assert await records(shared.remote, shared.name, ALL) == before


async def test_batch_may_write_a_point_and_then_use_it(empty: Pair, rest: Rest) -> None:
    body = {
        "operations": [
            {"upsert": {"points": [{"id": 1, "vector": {"d": [1, 0, 0, 0]}}]}},
            {"set_payload": {"payload": {"made": "here"}, "points": [1]}},
        ]
    }
    answer = await rest(
        "POST", f"/collections/{empty.name}/points/batch", body, params={"wait": "true"}
    )
    assert [r["status"] for r in answer.result] == ["completed", "completed"]
    assert (await empty.remote.retrieve(empty.name, [1]))[0].payload == {"made": "here"}


async def test_get_point_by_id(shared: Pair, rest: Rest) -> None:
    answer = await rest("GET", f"/collections/{shared.name}/points/3")
    point = answer.result
    assert point["id"] == 3 and point["payload"]["n"] == 3
    assert set(point["vector"]) == {"d", "e", "m", "s"}
    assert set(point["vector"]["s"]) == {"indices", "values"}
    missing = await rest("GET", f"/collections/{shared.name}/points/12345")
    assert missing.status == 404 and missing.error == "Not found: No point with id 12345 found"
    bad = await rest("GET", f"/collections/{shared.name}/points/not-an-id")
    assert bad.status == 400


async def test_a_shard_key_is_answered_as_qdrant_answers_a_missing_one(
    shared: Pair, rest: Rest
) -> None:
    answer = await rest(
        "POST",
        f"/collections/{shared.name}/points/payload",
        {"payload": {}, "points": [1], "shard_key": "a"},
    )
    assert answer.status == 400 and answer.error == 'Wrong input: Shard key "a" not found'


async def test_collection_with_only_sparse_vectors(server: EmbeddedQdrant) -> None:
    client = remote_client(server)
    name = "dp_sparse_only"
    try:
        await client.create_collection(
            name, vectors_config={}, sparse_vectors_config=sparse_config()
        )
        await client.upsert(
            name,
            [
                m.PointStruct(
                    id=i, vector={"s": m.SparseVector(indices=[i, 50], values=[1.0, 0.1])}
                )
                for i in range(5)
            ],
            wait=True,
        )
        found = await client.query_points(
            name, query=m.SparseVector(indices=[3], values=[1.0]), using="s"
        )
        assert found.points[0].id == 3
    finally:
        await client.delete_collection(name)


async def test_dataset_shapes() -> None:
    # the fixtures' data has what the tests above rely on
    points = dataset()
    assert len(points) == N and "e" not in points[9].vector  # type: ignore[operator]
    assert set(vectors_config()) == {"d", "e", "m"}


async def test_grpc_upsert_with_one_bad_point_writes_nothing(server: EmbeddedQdrant) -> None:
    # The gRPC door converts to the same REST shape, so the same whole-write check applies.
    grpc_client = AsyncQdrantClient(
        url=server.rest_url,
        grpc_port=int(server.grpc_url.rsplit(":", 1)[1]),
        prefer_grpc=True,
        api_key="test-key",
        https=False,
        check_compatibility=False,
    )
    name = f"dp_grpc_{uuid.uuid4().hex[:8]}"
    try:
        await grpc_client.create_collection(
            name, vectors_config=m.VectorParams(size=4, distance=m.Distance.DOT)
        )
        points = [m.PointStruct(id=i, vector=[1.0, 0.0, 0.0, float(i)]) for i in range(100)]
        points[77] = m.PointStruct(id=77, vector=[1.0, 2.0])
        with pytest.raises(grpc.RpcError) as refused:
            await grpc_client.upsert(name, points, wait=True)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "Vector dimension error: expected dim: 4, got 2" in str(refused.value.details())
        assert (await grpc_client.count(name, exact=True)).count == 0
    finally:
        await grpc_client.delete_collection(name)
        await grpc_client.close()
