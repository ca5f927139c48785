"""Point writes, payload, vectors and payload indexes through qdpool on both protocols against
the embedded server, judged by the official qdrant-client (REST and gRPC) on the same data.

The main case is one script of writes written once with qdrant-client's models: named
dense, multi-dense and sparse vectors; ``update_mode`` and ``update_filter``; vector
updates and deletes; payload set (at a nested key), overwrite, delete and clear by ids
and by filter; a mixed batch; deletes; every payload index schema. Four drivers run it
on four collections of the same configuration (qdpool over REST, qdpool over gRPC,
qdrant-client over REST, over gRPC): every step's result (operation id and status) and
the final collections (points with payloads and vectors, payload schema) must agree.

Then issue 9's defects on both protocols: a write with one bad point writes nothing
(``upsert``, ``batch_update_points``, each batch of ``upload_points``), and
qdrant-client models and numpy values are accepted.
"""

from __future__ import annotations

import asyncio
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
from qdpool.models import Record, UpdateResult

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
PROTOCOLS = ("rest", "grpc")
DRIVERS = ("qdpool-rest", "qdpool-grpc", "official-rest", "official-grpc")
TAGS = ("red", "green", "blue")


def official(server: EmbeddedQdrant, *, grpc_on: bool) -> AsyncQdrantClient:
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
async def judges(server: EmbeddedQdrant) -> AsyncIterator[dict[str, AsyncQdrantClient]]:
    clients = {p: official(server, grpc_on=p == "grpc") for p in PROTOCOLS}
    yield clients
    for c in clients.values():
        await c.close()


@pytest_asyncio.fixture(scope="module")
async def ours(server: EmbeddedQdrant) -> AsyncIterator[qdpool.Client]:
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as c:
        yield c


async def new_collection(judge: AsyncQdrantClient, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    await judge.create_collection(
        name,
        vectors_config={
            "dense": qm.VectorParams(size=4, distance=qm.Distance.COSINE),
            "multi": qm.VectorParams(
                size=2,
                distance=qm.Distance.DOT,
                multivector_config=qm.MultiVectorConfig(
                    comparator=qm.MultiVectorComparator.MAX_SIM
                ),
            ),
        },
        sparse_vectors_config={"sparse": qm.SparseVectorParams()},
    )
    return name


async def collections(judge: AsyncQdrantClient, keys: tuple[str, ...]) -> dict[str, str]:
    made = await asyncio.gather(*(new_collection(judge, k.replace("-", "_")) for k in keys))
    return dict(zip(keys, made, strict=True))


def vector(i: int) -> dict[str, Any]:
    return {
        "dense": [1.0, i / 10, (i % 3) / 3, 0.5],
        "multi": [[1.0, i / 4], [float(i % 4), 1.0]],
        "sparse": qm.SparseVector(indices=[i % 5, 7], values=[1.0, i / 10]),
    }


def where(key: str, value: Any) -> qm.Filter:
    return qm.Filter(must=[qm.FieldCondition(key=key, match=qm.MatchValue(value=value))])


POINTS = [
    qm.PointStruct(id=i, vector=vector(i), payload={"n": i, "tag": TAGS[i % 3], "obj": {"k": i}})
    for i in range(1, 13)
]
TEXT_SCHEMA = qm.TextIndexParams(
    type=qm.TextIndexType.TEXT,
    tokenizer=qm.TokenizerType.WORD,
    lowercase=True,
    min_token_len=2,
    max_token_len=15,
    phrase_matching=True,
    stopwords=qm.StopwordsSet(languages=[qm.Language.ENGLISH]),
    stemmer=qm.SnowballParams(type=qm.Snowball.SNOWBALL, language=qm.SnowballLanguage.ENGLISH),
)

# (method, positional arguments after the collection, keyword arguments): qdrant-client's
# spelling; ``as_qdpool`` renames the few that qdpool spells differently.
SCRIPT: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("upsert", (POINTS,), {}),
    (
        "upsert",
        (
            [
                qm.PointStruct(id=1, vector={"dense": [0, 0, 0, 1.0]}, payload={"new": 1}),
                qm.PointStruct(id=20, vector={"dense": [0, 1.0, 0, 0]}, payload={"n": 20}),
            ],
        ),
        {"update_mode": qm.UpdateMode.INSERT_ONLY},
    ),
    (
        "upsert",
        (
            [
                qm.PointStruct(id=2, vector={"dense": [0, 0, 1.0, 0]}, payload={"updated": True}),
                qm.PointStruct(id=21, vector={"dense": [1.0, 0, 0, 0]}),
            ],
        ),
        {"update_mode": qm.UpdateMode.UPDATE_ONLY, "ordering": qm.WriteOrdering.STRONG},
    ),
    (
        "upsert",
        (
            [
                qm.PointStruct(
                    id=3, vector={"dense": [0.5, 0.5, 0, 0]}, payload={"n": 3, "hit": 1}
                ),
                qm.PointStruct(
                    id=4, vector={"dense": [0.5, 0, 0.5, 0]}, payload={"n": 4, "hit": 1}
                ),
            ],
        ),
        {"update_filter": where("n", 3)},
    ),
    (
        "update_vectors",
        ([qm.PointVectors(id=5, vector={"sparse": qm.SparseVector(indices=[2], values=[0.75])})],),
        {},
    ),
    (
        "update_vectors",
        (
            [
                qm.PointVectors(id=6, vector={"dense": [0, 0, 0, 2.0], "multi": [[3.0, 3.0]]}),
                qm.PointVectors(id=7, vector={"dense": [0, 0, 2.0, 0]}),
            ],
        ),
        {"update_filter": where("n", 6), "ordering": qm.WriteOrdering.MEDIUM},
    ),
    ("delete_vectors", (["multi"],), {"points": [5, 6]}),
    ("delete_vectors", (["sparse"],), {"points": where("tag", "red")}),
    ("set_payload", ({"x": 1, "deep": {"a": [1, 2]}},), {"points": [1, 2]}),
    ("set_payload", ({"inner": "yes"},), {"points": [1], "key": "obj"}),
    ("set_payload", ({"flag": True},), {"points": qm.FilterSelector(filter=where("tag", "green"))}),
    ("overwrite_payload", ({"only": "this"},), {"points": qm.PointIdsList(points=[3])}),
    ("delete_payload", (["x", "obj.k"],), {"points": [1]}),
    (
        "delete_payload",
        (["tag"],),
        {"points": qm.Filter(must=[qm.FieldCondition(key="n", range=qm.Range(gte=10))])},
    ),
    ("clear_payload", (), {"points_selector": [4]}),
    ("clear_payload", (), {"points_selector": where("n", 9), "ordering": qm.WriteOrdering.WEAK}),
    (
        "batch_update_points",
        (
            [
                qm.UpsertOperation(
                    upsert=qm.PointsList(
                        points=[qm.PointStruct(id=30, vector=vector(30), payload={"b": 1})]
                    )
                ),
                qm.DeleteOperation(delete=qm.PointIdsList(points=[12])),
                qm.SetPayloadOperation(
                    set_payload=qm.SetPayload(payload={"batched": 1}, points=[30, 11])
                ),
                qm.OverwritePayloadOperation(
                    overwrite_payload=qm.SetPayload(payload={"over": 1}, filter=where("n", 8))
                ),
                qm.DeletePayloadOperation(
                    delete_payload=qm.DeletePayload(keys=["batched"], points=[11])
                ),
                qm.ClearPayloadOperation(clear_payload=qm.PointIdsList(points=[2])),
                qm.UpdateVectorsOperation(
                    update_vectors=qm.UpdateVectors(
                        points=[qm.PointVectors(id=30, vector={"dense": [1.0, 1.0, 0, 0]})]
                    )
                ),
                qm.DeleteVectorsOperation(
                    delete_vectors=qm.DeleteVectors(points=[30], vector=["multi"])
                ),
            ],
        ),
        {},
    ),
    ("delete", (), {"points_selector": [20]}),
    ("delete", (), {"points_selector": qm.FilterSelector(filter=where("n", 7))}),
    ("create_payload_index", ("tag", qm.PayloadSchemaType.KEYWORD), {}),
    (
        "create_payload_index",
        ("n", qm.IntegerIndexParams(type="integer", lookup=False, range=True)),
        {},
    ),
    ("create_payload_index", ("price", qm.PayloadSchemaType.FLOAT), {}),
    ("create_payload_index", ("ok", qm.BoolIndexParams(type="bool", on_disk=True)), {}),
    ("create_payload_index", ("loc", qm.PayloadSchemaType.GEO), {}),
    (
        "create_payload_index",
        ("at", qm.DatetimeIndexParams(type="datetime", is_principal=True)),
        {},
    ),
    ("create_payload_index", ("uid", qm.UuidIndexParams(type="uuid", is_tenant=True)), {}),
    (
        "create_payload_index",
        ("ten", qm.KeywordIndexParams(type="keyword", is_tenant=True, on_disk=True)),
        {},
    ),
    ("create_payload_index", ("body", TEXT_SCHEMA), {"ordering": qm.WriteOrdering.STRONG}),
    ("delete_payload_index", ("price",), {}),
]


def as_qdpool(method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    out = {k: (v.value if isinstance(v, qm.WriteOrdering) else v) for k, v in kwargs.items()}
    selector = out.pop("points_selector", None)
    if method == "delete":
        if isinstance(selector, qm.FilterSelector):
            out["filter"] = selector.filter
        else:
            out["ids"] = selector
    elif selector is not None:
        out["points"] = selector
    return out


async def run(
    driver: str,
    name: str,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    ours: qdpool.Client,
    judges: dict[str, AsyncQdrantClient],
) -> Any:
    who, protocol = driver.split("-")
    if who == "qdpool":
        call = getattr(ours, method)
        return await call(name, *args, protocol=protocol, **as_qdpool(method, kwargs))
    return await getattr(judges[protocol], method)(name, *args, **kwargs)


def outcome(result: Any) -> Any:
    """A write's result as ``(operation_id, status)``, from either client."""
    if isinstance(result, list):
        return [outcome(r) for r in result]
    if isinstance(result, UpdateResult):
        return result.operation_id, result.status
    return result.operation_id, result.status.value


def plain_vector(vector: Any) -> Any:
    if isinstance(vector, dict):
        return {name: plain_vector(v) for name, v in vector.items()}
    if isinstance(vector, qm.SparseVector):
        return {"indices": list(vector.indices), "values": list(vector.values)}
    return vector


async def state(judge: AsyncQdrantClient, name: str) -> tuple[Any, Any]:
    """Every point (id, payload, vectors) and the payload schema, as the judge reads them."""
    records, _ = await judge.scroll(name, limit=100, with_payload=True, with_vectors=True)
    points = [(r.id, r.payload, plain_vector(r.vector)) for r in records]
    schema = (await judge.get_collection(name)).payload_schema
    return points, {key: info.model_dump() for key, info in schema.items()}


async def test_every_write_agrees_with_qdrant_client_on_both_protocols(
    ours: qdpool.Client, judges: dict[str, AsyncQdrantClient]
) -> None:
    names = await collections(judges["rest"], DRIVERS)
    results: dict[str, list[Any]] = {d: [] for d in DRIVERS}
    for method, args, kwargs in SCRIPT:  # the drivers at once, each on its own collection
        step = [run(d, names[d], method, args, kwargs, ours, judges) for d in DRIVERS]
        for driver, result in zip(DRIVERS, await asyncio.gather(*step), strict=True):
            results[driver].append(outcome(result))
    for driver in DRIVERS[1:]:
        assert results[driver] == results[DRIVERS[0]], driver
    assert all(status == "completed" for _, status in results[DRIVERS[0]][:3])
    assert [s for _, s in results[DRIVERS[0]][16]] == ["completed"] * 8  # the batch
    states = {d: await state(judges["rest"], names[d]) for d in DRIVERS}
    for driver in DRIVERS[1:]:
        assert states[driver] == states[DRIVERS[0]], driver

    points = {pid: (payload, vec) for pid, payload, vec in states[DRIVERS[0]][0]}
    assert points[1][0] == {
        "n": 1,
        "tag": "green",
        "obj": {"inner": "yes"},
        "deep": {"a": [1, 2]},
        "flag": True,
    }
    assert points[2][0] == {}  # updated by update_only, then cleared in the batch
    assert 21 not in points and 20 not in points and 12 not in points and 7 not in points
    assert points[3][0] == {"only": "this"} and points[4][0] == {}  # filter spared 4, then clear
    assert "multi" not in points[5][1] and points[5][1]["sparse"]["indices"] == [2]
    assert set(points[6][1]) == {"dense"}  # multi deleted by id, sparse by filter (tag red)
    assert points[30][0] == {"b": 1, "batched": 1} and "multi" not in points[30][1]
    schema = states[DRIVERS[0]][1]
    assert set(schema) == {"tag", "n", "ok", "loc", "at", "uid", "ten", "body"}

    # qdpool reads the same points, equal over both protocols.
    ids = sorted(points)
    reads = [
        await ours.retrieve(names[DRIVERS[0]], ids, with_vector=True, protocol=p) for p in PROTOCOLS
    ]
    assert reads[0] == reads[1]
    assert [(r.id, r.payload or {}) for r in reads[0]] == [(i, points[i][0]) for i in ids]
    for name in names.values():
        await judges["rest"].delete_collection(name)


async def test_a_refused_write_changes_nothing_on_any_driver(
    ours: qdpool.Client, judges: dict[str, AsyncQdrantClient]
) -> None:
    names = await collections(judges["rest"], DRIVERS)
    refused: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("update_vectors", ([qm.PointVectors(id=999, vector={"dense": [1.0, 0, 0, 0]})],), {}),
        ("set_payload", ({"a": 1},), {"points": [1, 999]}),
        (
            "batch_update_points",
            (
                [
                    qm.UpsertOperation(
                        upsert=qm.PointsList(
                            points=[qm.PointStruct(id=50, vector={"dense": [1.0, 0, 0, 0]})]
                        )
                    ),
                    qm.UpdateVectorsOperation(
                        update_vectors=qm.UpdateVectors(
                            points=[qm.PointVectors(id=1, vector={"dense": [1.0, 0]})]
                        )
                    ),
                ],
            ),
            {},
        ),
        ("delete_vectors", (["nope"],), {"points": [1]}),
    ]
    for driver in DRIVERS:
        await run(driver, names[driver], "upsert", (POINTS[:3],), {}, ours, judges)
        before = await state(judges["rest"], names[driver])
        for method, args, kwargs in refused:
            with pytest.raises(Exception) as caught:  # each client's own error type
                await run(driver, names[driver], method, args, kwargs, ours, judges)
            if driver.startswith("qdpool"):
                assert isinstance(caught.value, errors.QdpoolError), caught.value
        assert await state(judges["rest"], names[driver]) == before, driver
    for name in names.values():
        await judges["rest"].delete_collection(name)


# ---------------------------------------------------------------- issue 9: atomic rejection


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_upsert_with_one_bad_point_writes_nothing(
    protocol: str, ours: qdpool.Client, judges: dict[str, AsyncQdrantClient]
) -> None:
    name = await new_collection(judges["rest"], "atomic")
    batch = [{"id": i, "vector": {"dense": [1.0, 0.5, 0.25, float(i)]}} for i in range(100)]
    batch[57] = {"id": 57, "vector": {"dense": [1.0, 0.5, 0.25]}}
    with pytest.raises(errors.InvalidArgument, match="expected dim: 4, got 3"):
        await ours.upsert(name, batch, protocol=protocol)  # type: ignore[arg-type]
    assert await ours.count(name, protocol=protocol) == 0
    # The judge sees the same: nothing written, whichever protocol wrote.
    assert (await judges[protocol].count(name)).count == 0
    with pytest.raises(errors.InvalidArgument):
        await ours.batch_update_points(
            name,
            [{"upsert": {"points": batch[:10]}}, {"upsert": {"points": batch[50:60]}}],
            protocol=protocol,  # type: ignore[arg-type]
        )
    assert await ours.count(name, protocol=protocol) == 0
    await judges["rest"].delete_collection(name)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_upload_points_writes_no_part_of_a_refused_batch(
    protocol: str, ours: qdpool.Client, judges: dict[str, AsyncQdrantClient]
) -> None:
    name = await new_collection(judges["rest"], "atomic_upload")

    def stream() -> Any:
        for i in range(2_500):
            size = 3 if i == 1_500 else 4
            yield {"id": i, "vector": {"dense": [1.0] * size}}

    done: list[int] = []
    with pytest.raises(errors.InvalidArgument, match="expected dim: 4, got 3"):
        await ours.upload_points(
            name,
            stream(),
            batch_size=1_000,
            parallel=1,
            progress=done.append,
            protocol=protocol,  # type: ignore[arg-type]
        )
    assert done == [1_000]
    assert await ours.count(name, protocol=protocol) == 1_000
    refused_batch = await ours.retrieve(name, range(1_000, 2_000), protocol=protocol)  # type: ignore[arg-type]
    assert refused_batch == []
    await judges["rest"].delete_collection(name)


# ---------------------------------------------------------------- issue 9: the types users have


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_qdrant_client_models_and_numpy_are_accepted(
    protocol: str, ours: qdpool.Client, judges: dict[str, AsyncQdrantClient]
) -> None:
    name = f"types_{uuid.uuid4().hex[:8]}"
    created = await ours.create_collection(  # qdrant-client's VectorParams, through qdpool
        name,
        vectors_config={
            "dense": qm.VectorParams(size=4, distance=qm.Distance.COSINE),
            "multi": qm.VectorParams(
                size=2,
                distance=qm.Distance.DOT,
                multivector_config=qm.MultiVectorConfig(
                    comparator=qm.MultiVectorComparator.MAX_SIM
                ),
            ),
        },
        sparse_vectors_config={"sparse": qm.SparseVectorParams()},
        protocol=protocol,  # type: ignore[arg-type]
    )
    assert created is True
    result = await ours.upsert(
        name,
        [
            qm.PointStruct(
                id=1,
                vector={
                    "dense": np.array([0.6, 0.8, 0.0, 0.0], dtype=np.float32),
                    "multi": np.array([[1.0, 2.0], [3.0, 4.0]]),
                    "sparse": qm.SparseVector(indices=[3, 8], values=[0.5, 0.25]),
                },
                payload={
                    "n": np.int64(7),
                    "x": np.float32(0.5),
                    "arr": np.arange(3),
                    "ok": np.bool_(True),
                },
            ),
            {"id": 2, "vector": {"dense": np.ones(4)}, "payload": {"n": np.int32(8)}},
        ],
        protocol=protocol,  # type: ignore[arg-type]
    )
    assert result.status == "completed"
    await ours.upsert(
        name,
        [qm.PointStruct(id=2, vector={"dense": [0.0, 0.0, 0.0, 1.0]}, payload={"n": 0})],
        update_filter=qm.Filter(must=[qm.FieldCondition(key="n", match=qm.MatchValue(value=9))]),
        protocol=protocol,  # type: ignore[arg-type]
    )
    await ours.set_payload(
        name,
        {"seen": np.int16(1)},
        points=qm.Filter(must=[qm.HasIdCondition(has_id=[1])]),
        protocol=protocol,  # type: ignore[arg-type]
    )
    records = await ours.retrieve(name, [1, 2], with_vector=True, protocol=protocol)  # type: ignore[arg-type]
    first, second = records
    assert first.payload == {"n": 7, "x": 0.5, "arr": [0, 1, 2], "ok": True, "seen": 1}
    assert type(first.payload["n"]) is int
    assert isinstance(first.vector, dict)
    assert first.vector["multi"] == [[1.0, 2.0], [3.0, 4.0]]
    assert first.vector["sparse"] == {"indices": [3, 8], "values": [0.5, 0.25]}
    assert second.payload == {"n": 8}  # the update filter (n == 9) spared it
    # What qdpool read is what the judge reads, on its own protocol.
    theirs = await judges[protocol].retrieve(name, [1, 2], with_vectors=True)
    assert [(r.id, r.payload, plain_vector(r.vector)) for r in theirs] == [
        (r.id, r.payload, r.vector) for r in records
    ]
    await judges["rest"].delete_collection(name)


async def test_payload_indexes_show_in_the_schema_alike(
    ours: qdpool.Client, judges: dict[str, AsyncQdrantClient]
) -> None:
    """A filtered count uses the index the same way on both protocols, and the schema
    reports each index with its parameters and point count."""
    names = await collections(judges["rest"], PROTOCOLS)
    for protocol, name in names.items():
        await ours.upsert(name, POINTS, protocol=protocol)  # type: ignore[arg-type]
        for exact in (True, False):
            mine = await ours.count(name, exact=exact, protocol=protocol)  # type: ignore[arg-type]
            assert mine == (await judges[protocol].count(name, exact=exact)).count == 12
        await ours.create_payload_index(
            name,
            "tag",
            {"type": "keyword", "is_tenant": True},
            protocol=protocol,  # type: ignore[arg-type]
        )
        await ours.create_payload_index(name, "n", "integer", protocol=protocol)  # type: ignore[arg-type]
        assert (
            await ours.count(name, filter={"must": [{"key": "tag", "match": {"value": "red"}}]})
            == 4
        )
    schemas = [(await judges[p].get_collection(names[p])).payload_schema for p in PROTOCOLS]
    assert schemas[0] == schemas[1]
    assert schemas[0]["tag"].params == qm.KeywordIndexParams(type="keyword", is_tenant=True)
    assert schemas[0]["tag"].points == 12 and schemas[0]["n"].points == 12
    for protocol, name in names.items():
        await ours.delete_payload_index(name, "tag", protocol=protocol)  # type: ignore[arg-type]
        assert set((await judges["rest"].get_collection(name)).payload_schema) == {"n"}
        await judges["rest"].delete_collection(name)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_records_of_every_vector_kind_read_alike(
    protocol: str, ours: qdpool.Client, judges: dict[str, AsyncQdrantClient]
) -> None:
    name = await new_collection(judges["rest"], "kinds")
    await judges[protocol].upsert(name, POINTS[:3])
    mine = await ours.retrieve(name, [1, 2, 3], with_vector=True, protocol=protocol)  # type: ignore[arg-type]
    other = await ours.retrieve(
        name, [1, 2, 3], with_vector=True, protocol="grpc" if protocol == "rest" else "rest"
    )
    assert mine == other
    assert isinstance(mine[0], Record) and isinstance(mine[0].vector, dict)
    assert set(mine[0].vector) == {"dense", "multi", "sparse"}
    await judges["rest"].delete_collection(name)
