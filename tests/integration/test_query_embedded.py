"""Queries and reads through qdpool on both protocols against the embedded server, judged by
the official qdrant-client (REST and gRPC) on the same data.

One collection (dense, multi-dense and sparse vectors; keyword, integer and datetime
indexes) is shared by the module. Each case is written once with qdrant-client's models;
qdrant-client runs it over REST and over gRPC, qdpool runs the same models over REST and
over gRPC, and all four answers must agree (ids in order, float32 scores).
"""

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
from qdpool.models import FacetHit, PointGroup, as_float32

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
N = 24
TAGS = ("red", "green", "blue")
PROTOCOLS = ("rest", "grpc")


def _point(i: int) -> qm.PointStruct:
    vector: dict[str, Any] = {
        "dense": [1.0, i / N, (i % 3) / 3, 0.5 - i / (2 * N)],
        "multi": [[1.0, i / 4], [float(i % 4), 1.0]],
    }
    if i % 4:
        vector["sparse"] = qm.SparseVector(indices=[i % 5, 7], values=[1.0, i / 10])
    payload: dict[str, Any] = {
        "tag": TAGS[i % 3],
        "n": i,
        "price": i * 1.5,
        "text": f"the quick fox number {i}" if i % 2 else f"a lazy dog number {i}",
        "loc": {"lon": 10 + i * 0.1, "lat": 50 + i * 0.05},
        "created": f"2024-01-{i + 1:02d}T00:00:00Z",
        "items": [{"k": "x", "v": i}, {"k": "y", "v": -i}],
        "labels": ["a", "b", "c"][: i % 4],
    }
    if i % 5 == 0:
        payload["opt"] = None
    elif i % 5 == 1:
        payload["opt"] = i
    return qm.PointStruct(id=i + 1, vector=vector, payload=payload)


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


@pytest_asyncio.fixture(scope="module")
async def coll(judges: dict[str, AsyncQdrantClient]) -> AsyncIterator[str]:
    """The shared collection, and a second one (``<name>_lookup``) for ``lookup_from``."""
    c = judges["rest"]
    name = f"query_{uuid.uuid4().hex[:8]}"
    await c.create_collection(
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
    await c.upsert(name, [_point(i) for i in range(N)], wait=True)
    for field, schema in (
        ("tag", qm.PayloadSchemaType.KEYWORD),
        ("n", qm.PayloadSchemaType.INTEGER),
        ("created", qm.PayloadSchemaType.DATETIME),
        ("loc", qm.PayloadSchemaType.GEO),
    ):
        await c.create_payload_index(name, field, field_schema=schema, wait=True)
    lookup = f"{name}_lookup"
    await c.create_collection(
        lookup, vectors_config={"v": qm.VectorParams(size=4, distance=qm.Distance.COSINE)}
    )
    await c.upsert(
        lookup,
        [
            qm.PointStruct(id=100, vector={"v": [0.0, 1.0, 0.0, 0.0]}, payload={"name": "up"}),
            qm.PointStruct(id=1, vector={"v": [1.0, 0.0, 0.0, 0.0]}, payload={"x": 1}),
        ],
        wait=True,
    )
    yield name
    await c.delete_collection(name)
    await c.delete_collection(lookup)


def hits(points: Any) -> list[tuple[Any, float]]:
    """Ids and float32 scores, best first; equal scores (fusion ranks tie) by id, since
    Qdrant leaves the order of ties open."""
    return sorted(((p.id, as_float32(p.score)) for p in points), key=lambda h: (-h[1], h[0]))


def f32(value: Any) -> Any:
    """qdrant-client's vectors (models, JSON floats) as qdpool gives them: plain dicts and
    lists of float32-rounded floats, sparse indices as ints."""
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        return {k: v if k == "indices" else f32(v) for k, v in value.items()}
    if isinstance(value, list):
        return [f32(v) for v in value]
    return as_float32(value)


async def judged(
    judges: dict[str, AsyncQdrantClient], ours: qdpool.Client, call: str, **kwargs: Any
) -> tuple[list[Any], list[Any]]:
    """The official answers (REST, gRPC) and ours (REST, gRPC) for one ``query_points`` case,
    written in qdrant-client's keywords."""
    theirs = [(await getattr(j, call)(**kwargs)) for j in judges.values()]
    mine_kwargs = dict(kwargs)
    if "query_filter" in mine_kwargs:
        mine_kwargs["filter"] = mine_kwargs.pop("query_filter")
    if "search_params" in mine_kwargs:
        mine_kwargs["params"] = mine_kwargs.pop("search_params")
    if "with_vectors" in mine_kwargs:
        mine_kwargs["with_vector"] = mine_kwargs.pop("with_vectors")
    if "scroll_filter" in mine_kwargs:
        mine_kwargs["filter"] = mine_kwargs.pop("scroll_filter")
    if "count_filter" in mine_kwargs:
        mine_kwargs["filter"] = mine_kwargs.pop("count_filter")
    if "facet_filter" in mine_kwargs:
        mine_kwargs["filter"] = mine_kwargs.pop("facet_filter")
    mine = [(await getattr(ours, call)(**mine_kwargs, protocol=p)) for p in PROTOCOLS]
    return theirs, mine


DENSE = [1.0, 0.3, 0.6, 0.2]
SPARSE = qm.SparseVector(indices=[1, 7], values=[1.0, 0.5])
MULTI = [[1.0, 2.0], [3.0, 1.0]]
TAG_RED = qm.Filter(must=[qm.FieldCondition(key="tag", match=qm.MatchValue(value="red"))])

QUERY_CASES: dict[str, dict[str, Any]] = {
    "dense": {"query": DENSE, "using": "dense", "limit": 5},
    "dense_params_filter_offset": {
        "query": DENSE,
        "using": "dense",
        "query_filter": TAG_RED,
        "search_params": qm.SearchParams(
            hnsw_ef=64,
            exact=True,
            quantization=qm.QuantizationSearchParams(rescore=True, oversampling=2.0),
            indexed_only=False,
        ),
        "limit": 3,
        "offset": 1,
        "score_threshold": 0.1,
        "with_payload": ["tag", "n"],
    },
    "sparse": {"query": SPARSE, "using": "sparse", "limit": 5},
    "multi": {"query": MULTI, "using": "multi", "limit": 5},
    "by_id": {"query": 3, "using": "dense", "limit": 4},
    "with_vectors": {"query": SPARSE, "using": "sparse", "limit": 3, "with_vectors": True},
    "mmr": {
        "query": qm.NearestQuery(nearest=DENSE, mmr=qm.Mmr(diversity=0.6, candidates_limit=10)),
        "using": "dense",
        "limit": 4,
    },
    "recommend_average": {
        "query": qm.RecommendQuery(recommend=qm.RecommendInput(positive=[1, 2], negative=[9])),
        "using": "dense",
        "limit": 4,
    },
    "recommend_best_score": {
        "query": qm.RecommendQuery(
            recommend=qm.RecommendInput(
                positive=[1, DENSE], negative=[5], strategy=qm.RecommendStrategy.BEST_SCORE
            )
        ),
        "using": "dense",
        "limit": 4,
    },
    "recommend_sum_scores": {
        "query": qm.RecommendQuery(
            recommend=qm.RecommendInput(
                positive=[2], negative=[7], strategy=qm.RecommendStrategy.SUM_SCORES
            )
        ),
        "using": "dense",
        "limit": 4,
    },
    "discover": {
        "query": qm.DiscoverQuery(
            discover=qm.DiscoverInput(target=4, context=[qm.ContextPair(positive=1, negative=10)])
        ),
        "using": "dense",
        "limit": 4,
    },
    "context": {
        "query": qm.ContextQuery(
            context=[
                qm.ContextPair(positive=2, negative=11),
                qm.ContextPair(positive=3, negative=8),
            ]
        ),
        "using": "dense",
        "limit": 4,
    },
    "order_by": {
        "query": qm.OrderByQuery(
            order_by=qm.OrderBy(key="n", direction=qm.Direction.DESC, start_from=20)
        ),
        "limit": 4,
    },
    "rrf_hybrid": {
        "prefetch": [
            qm.Prefetch(query=DENSE, using="dense", limit=10),
            qm.Prefetch(query=SPARSE, using="sparse", limit=10),
        ],
        "query": qm.FusionQuery(fusion=qm.Fusion.RRF),
        "query_filter": TAG_RED,
        "limit": 5,
    },
    "rrf_k": {
        "prefetch": [
            qm.Prefetch(query=DENSE, using="dense", limit=8),
            qm.Prefetch(query=MULTI, using="multi", limit=8),
        ],
        "query": qm.RrfQuery(rrf=qm.Rrf(k=10)),
        "limit": 5,
    },
    "dbsf_nested": {
        "prefetch": [
            qm.Prefetch(
                prefetch=[qm.Prefetch(query=DENSE, using="dense", limit=12)],
                query=MULTI,
                using="multi",
                limit=6,
                score_threshold=0.0,
                filter=qm.Filter(must_not=[qm.HasIdCondition(has_id=[5])]),
                params=qm.SearchParams(exact=True),
            ),
            qm.Prefetch(query=SPARSE, using="sparse", limit=6),
        ],
        "query": qm.FusionQuery(fusion=qm.Fusion.DBSF),
        "limit": 5,
    },
    "formula": {
        "prefetch": qm.Prefetch(query=DENSE, using="dense", limit=10),
        "query": qm.FormulaQuery(
            formula=qm.SumExpression(
                sum=[
                    "$score",
                    qm.MultExpression(
                        mult=[0.5, qm.FieldCondition(key="tag", match=qm.MatchValue(value="blue"))]
                    ),
                    qm.MultExpression(mult=[0.01, "n"]),
                    qm.ExpDecayExpression(
                        exp_decay=qm.DecayParamsExpression(x="price", target=9.0, scale=5.0)
                    ),
                ]
            ),
            defaults={"n": 0},
        ),
        "limit": 5,
    },
    "lookup_from": {
        "query": 100,
        "using": "dense",
        "lookup_from": qm.LookupLocation(collection="{lookup}", vector="v"),
        "limit": 3,
    },
}


@pytest.mark.parametrize("case", sorted(QUERY_CASES))
async def test_query_points_matches_qdrant_client(
    case: str, coll: str, judges: dict[str, AsyncQdrantClient], ours: qdpool.Client
) -> None:
    kwargs = dict(QUERY_CASES[case])
    if "lookup_from" in kwargs:
        kwargs["lookup_from"] = qm.LookupLocation(collection=f"{coll}_lookup", vector="v")
    theirs, mine = await judged(judges, ours, "query_points", collection_name=coll, **kwargs)
    expected = hits(theirs[0].points)
    assert expected, case
    assert hits(theirs[1].points) == expected
    assert [hits(m) for m in mine] == [expected, expected]
    if case == "with_vectors":
        vectors = [f32(p.vector) for p in theirs[0].points]
        assert [f32(p.vector) for p in theirs[1].points] == vectors
        assert [[p.vector for p in m] for m in mine] == [vectors, vectors]
        assert set(vectors[0]) == {"dense", "multi", "sparse"}
    if case == "dense_params_filter_offset":
        assert all(set(p.payload) == {"tag", "n"} for p in mine[1])


async def test_plain_dicts_and_sample(coll: str, ours: qdpool.Client) -> None:
    """REST JSON dicts work as the models do; a random sample gives distinct points."""
    for protocol in PROTOCOLS:
        fused = await ours.query_points(
            coll,
            {"fusion": "rrf"},
            prefetch=[
                {"query": DENSE, "using": "dense", "limit": 10},
                {"query": {"indices": [1, 7], "values": [1.0, 0.5]}, "using": "sparse"},
            ],
            filter={"must": [{"key": "tag", "match": {"value": "red"}}]},
            limit=5,
            protocol=protocol,
        )
        assert [p.payload and p.payload["tag"] for p in fused] == ["red"] * len(fused)
        sample = await ours.query_points(coll, {"sample": "random"}, limit=6, protocol=protocol)
        assert len({p.id for p in sample}) == 6


async def test_query_batch_points(
    coll: str, judges: dict[str, AsyncQdrantClient], ours: qdpool.Client
) -> None:
    requests = [
        qm.QueryRequest(query=DENSE, using="dense", limit=3),
        qm.QueryRequest(
            prefetch=[qm.Prefetch(query=SPARSE, using="sparse", limit=5)],
            query=qm.FusionQuery(fusion=qm.Fusion.RRF),
            limit=2,
        ),
        qm.QueryRequest(query=qm.OrderByQuery(order_by="n"), filter=TAG_RED, limit=2),
    ]
    theirs = [await j.query_batch_points(coll, requests) for j in judges.values()]
    expected = [hits(r.points) for r in theirs[0]]
    assert [hits(r.points) for r in theirs[1]] == expected
    for protocol in PROTOCOLS:
        mine = await ours.query_batch_points(
            coll, requests, consistency="majority", protocol=protocol
        )
        assert [hits(r) for r in mine] == expected


def _groups(groups: Any) -> list[tuple[Any, list[tuple[Any, float]], Any]]:
    return [
        (g.id, hits(g.hits), (g.lookup.id, g.lookup.payload) if g.lookup else None) for g in groups
    ]


async def test_query_points_groups(
    coll: str, judges: dict[str, AsyncQdrantClient], ours: qdpool.Client
) -> None:
    kwargs: dict[str, Any] = {
        "collection_name": coll,
        "group_by": "tag",
        "query": DENSE,
        "using": "dense",
        "limit": 2,
        "group_size": 2,
    }
    theirs = [await j.query_points_groups(**kwargs) for j in judges.values()]
    expected = _groups(theirs[0].groups)
    assert len(expected) == 2 and _groups(theirs[1].groups) == expected
    for protocol in PROTOCOLS:
        mine = await ours.query_points_groups(**kwargs, protocol=protocol)
        assert all(isinstance(g, PointGroup) for g in mine)
        assert _groups(mine) == expected
    # with_lookup: group ids that are point ids of the lookup collection get its point
    lookup = qm.WithLookup(collection=f"{coll}_lookup", with_payload=True, with_vectors=False)
    kwargs.update(group_by="opt", with_lookup=lookup, limit=5)
    theirs = [await j.query_points_groups(**kwargs) for j in judges.values()]
    expected = _groups(theirs[0].groups)
    assert _groups(theirs[1].groups) == expected
    for protocol in PROTOCOLS:
        assert _groups(await ours.query_points_groups(**kwargs, protocol=protocol)) == expected


async def test_scroll_order_by(
    coll: str, judges: dict[str, AsyncQdrantClient], ours: qdpool.Client
) -> None:
    order = qm.OrderBy(key="n", direction=qm.Direction.DESC, start_from=15)
    theirs = [
        await j.scroll(coll, limit=4, order_by=order, scroll_filter=TAG_RED)
        for j in judges.values()
    ]
    expected = [r.id for r in theirs[0][0]]
    assert expected and [r.id for r in theirs[1][0]] == expected
    for protocol in PROTOCOLS:
        records, offset = await ours.scroll(
            coll, limit=4, order_by=order, filter=TAG_RED, protocol=protocol
        )
        assert [r.id for r in records] == expected and offset is None
        records, _ = await ours.scroll(
            coll, limit=3, order_by={"key": "created"}, protocol=protocol
        )
        assert [r.id for r in records] == [1, 2, 3]


async def test_facet(coll: str, judges: dict[str, AsyncQdrantClient], ours: qdpool.Client) -> None:
    flt = qm.Filter(must=[qm.FieldCondition(key="n", range=qm.Range(gte=3))])
    theirs = [await j.facet(coll, "tag", facet_filter=flt, exact=True) for j in judges.values()]
    expected = [FacetHit(h.value, h.count) for h in theirs[0].hits]
    assert [FacetHit(h.value, h.count) for h in theirs[1].hits] == expected
    for protocol in PROTOCOLS:
        assert await ours.facet(coll, "tag", filter=flt, exact=True, protocol=protocol) == expected
        integers = await ours.facet(coll, "n", limit=3, protocol=protocol)
        assert len(integers) == 3 and all(isinstance(h.value, int) for h in integers)


async def test_search_matrix(
    coll: str, judges: dict[str, AsyncQdrantClient], ours: qdpool.Client
) -> None:
    # sample covers every matching point, so the answer is deterministic
    kwargs: dict[str, Any] = {"query_filter": TAG_RED, "limit": 2, "sample": N, "using": "dense"}
    pairs = [await j.search_matrix_pairs(coll, **kwargs) for j in judges.values()]
    expected = [(p.a, p.b, as_float32(p.score)) for p in pairs[0].pairs]
    assert len(expected) == 2 * N // 3
    assert [(p.a, p.b, as_float32(p.score)) for p in pairs[1].pairs] == expected
    offsets = [await j.search_matrix_offsets(coll, **kwargs) for j in judges.values()]
    rows = offsets[0].offsets_row
    assert offsets[1].offsets_row == rows
    mine_kwargs = {**kwargs, "filter": kwargs["query_filter"]}
    del mine_kwargs["query_filter"]
    for protocol in PROTOCOLS:
        mine = await ours.search_matrix_pairs(coll, **mine_kwargs, protocol=protocol)
        assert [(p.a, p.b, p.score) for p in mine] == expected
        matrix = await ours.search_matrix_offsets(coll, **mine_kwargs, protocol=protocol)
        assert list(matrix.offsets_row) == rows
        assert list(matrix.offsets_col) == offsets[0].offsets_col
        assert list(matrix.ids) == offsets[0].ids
        assert list(matrix.scores) == [as_float32(s) for s in offsets[0].scores]


G = qm.GeoPoint
FILTERS: dict[str, qm.Filter] = {
    "geo_bounding_box": qm.Filter(
        must=[
            qm.FieldCondition(
                key="loc",
                geo_bounding_box=qm.GeoBoundingBox(
                    top_left=G(lon=10.0, lat=50.6), bottom_right=G(lon=10.95, lat=50.0)
                ),
            )
        ]
    ),
    "geo_radius": qm.Filter(
        must=[
            qm.FieldCondition(
                key="loc", geo_radius=qm.GeoRadius(center=G(lon=10.0, lat=50.0), radius=40_000)
            )
        ]
    ),
    "geo_polygon": qm.Filter(
        must=[
            qm.FieldCondition(
                key="loc",
                geo_polygon=qm.GeoPolygon(
                    exterior=qm.GeoLineString(
                        points=[
                            G(lon=9.9, lat=49.9),
                            G(lon=11.0, lat=49.9),
                            G(lon=11.0, lat=50.5),
                            G(lon=9.9, lat=50.5),
                            G(lon=9.9, lat=49.9),
                        ]
                    ),
                    interiors=[
                        qm.GeoLineString(
                            points=[
                                G(lon=10.05, lat=50.0),
                                G(lon=10.35, lat=50.0),
                                G(lon=10.35, lat=50.2),
                                G(lon=10.05, lat=50.2),
                                G(lon=10.05, lat=50.0),
                            ]
                        )
                    ],
                ),
            )
        ]
    ),
    "datetime_range": qm.Filter(
        must=[
            qm.FieldCondition(
                key="created",
                range=qm.DatetimeRange(gte="2024-01-05T00:00:00Z", lt="2024-01-12T00:00:00+00:00"),
            )
        ]
    ),
    "has_vector": qm.Filter(must=[qm.HasVectorCondition(has_vector="sparse")]),
    "match_text": qm.Filter(must=[qm.FieldCondition(key="text", match=qm.MatchText(text="fox"))]),
    "match_phrase": qm.Filter(
        must=[qm.FieldCondition(key="text", match=qm.MatchPhrase(phrase="lazy dog"))]
    ),
    "match_any": qm.Filter(
        must=[qm.FieldCondition(key="tag", match=qm.MatchAny(any=["red", "blue"]))]
    ),
    "match_except": qm.Filter(
        must=[qm.FieldCondition(key="n", match=qm.MatchExcept(**{"except": [1, 2, 3]}))]
    ),
    "match_keywords_bool_int": qm.Filter(
        should=[
            qm.FieldCondition(key="n", match=qm.MatchValue(value=4)),
            qm.FieldCondition(key="tag", match=qm.MatchValue(value="green")),
        ]
    ),
    "nested": qm.Filter(
        must=[
            qm.NestedCondition(
                nested=qm.Nested(
                    key="items",
                    filter=qm.Filter(
                        must=[
                            qm.FieldCondition(key="k", match=qm.MatchValue(value="y")),
                            qm.FieldCondition(key="v", range=qm.Range(lt=-10)),
                        ]
                    ),
                )
            )
        ]
    ),
    "min_should": qm.Filter(
        min_should=qm.MinShould(
            conditions=[
                qm.FieldCondition(key="tag", match=qm.MatchValue(value="red")),
                qm.FieldCondition(key="n", range=qm.Range(gt=10)),
                qm.HasIdCondition(has_id=[1, 2, 3, 4, 5, 6, 7]),
            ],
            min_count=2,
        )
    ),
    "values_count": qm.Filter(
        must=[qm.FieldCondition(key="labels", values_count=qm.ValuesCount(gte=2))]
    ),
    "is_empty": qm.Filter(must=[qm.IsEmptyCondition(is_empty=qm.PayloadField(key="opt"))]),
    "is_null": qm.Filter(must=[qm.IsNullCondition(is_null=qm.PayloadField(key="opt"))]),
    "has_id_must_not": qm.Filter(must_not=[qm.HasIdCondition(has_id=[1, 2, 3])]),
}


@pytest.mark.parametrize("name", sorted(FILTERS))
async def test_filters_count_as_qdrant_client(
    name: str, coll: str, judges: dict[str, AsyncQdrantClient], ours: qdpool.Client
) -> None:
    flt = FILTERS[name]
    theirs = [(await j.count(coll, count_filter=flt, exact=True)).count for j in judges.values()]
    assert 0 < theirs[0] < N and theirs[1] == theirs[0], (name, theirs)
    for protocol in PROTOCOLS:
        assert await ours.count(coll, filter=flt, protocol=protocol) == theirs[0]
        assert (
            await ours.count(coll, filter=flt, exact=False, consistency=1, protocol=protocol) >= 0
        )
    # and as a plain REST dict, through the query path too
    plain = flt.model_dump(mode="json", exclude_none=True, by_alias=True)
    for protocol in PROTOCOLS:
        found = await ours.query_points(
            coll, DENSE, using="dense", filter=plain, limit=N, protocol=protocol
        )
        assert len(found) == theirs[0]
