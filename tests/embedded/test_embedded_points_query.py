"""The universal query on the embedded server, judged by qdrant-client (REST) and its local mode.

Every query kind is run on both with the same data and compared (ids and
scores); nearest neighbours are also checked against numpy brute force.
Ties are avoided by the seeded data, except where noted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from embedded_support import Rest
from points_support import (
    N,
    Pair,
    close_hits,
    dataset,
    hits,
    ids,
    make_pair,
    remote_client,
    same_vectors,
)
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as m

from qdpool.embedded import EmbeddedQdrant

pytestmark = [
    pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection"),
    # qdrant-client's local mode, the second judge here, says what it does not model
    pytest.mark.filterwarnings("ignore:Payload indexes have no effect in the local Qdrant"),
    pytest.mark.filterwarnings("ignore:Local mode performs exact"),
    pytest.mark.asyncio(loop_scope="session"),
]

POINTS = dataset()
D = np.array([p.vector["d"] for p in POINTS])  # type: ignore[index]
Q = [0.3, -0.2, 0.9, 0.1]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pair(server: EmbeddedQdrant) -> AsyncIterator[Pair]:
    p = await make_pair(server)
    for client in (p.remote, p.local):
        await client.create_payload_index(p.name, "n", m.PayloadSchemaType.INTEGER, wait=True)
    yield p
    await p.close()


def cosine_top(query: list[float], k: int, exclude: frozenset[int] = frozenset()) -> list[int]:
    unit = D / np.linalg.norm(D, axis=1, keepdims=True)
    scores = unit @ (np.array(query) / np.linalg.norm(query))
    order = [int(i) for i in np.argsort(-scores) if int(i) not in exclude]
    return order[:k]


async def query(pair: Pair, **kwargs: Any) -> tuple[Any, Any]:
    return await pair.both(lambda c: c.query_points(pair.name, **kwargs))


async def test_nearest_dense_matches_brute_force_and_local(pair: Pair) -> None:
    remote, local = await query(pair, query=Q, using="d", limit=5)
    assert ids(remote) == cosine_top(Q, 5)
    assert hits(remote) == hits(local)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"query": m.SparseVector(indices=[1, 4, 7], values=[0.5, 1.0, 0.2]), "using": "s"},
        {"query": [[0.5, -1.0], [1.0, 0.2]], "using": "m"},
        {"query": [0.1, 0.2, 0.3], "using": "e"},
        {"query": 5, "using": "d"},
        {"query": m.NearestQuery(nearest=7), "using": "s"},
    ],
    ids=["sparse", "multivector", "euclid", "by id", "by id sparse"],
)
async def test_nearest_kinds_match_local(pair: Pair, kwargs: dict[str, Any]) -> None:
    remote, local = await query(pair, limit=6, **kwargs)
    assert hits(remote) == hits(local)
    if isinstance(kwargs["query"], int):
        assert kwargs["query"] not in ids(remote)  # the example itself is left out


@pytest.mark.parametrize("diversity", [0.0, 0.3, 0.8])
async def test_mmr_matches_local(pair: Pair, diversity: float) -> None:
    mmr = m.NearestQuery(nearest=Q, mmr=m.Mmr(diversity=diversity, candidates_limit=20))
    remote, local = await query(pair, query=mmr, using="d", limit=6)
    assert ids(remote) == ids(local)
    if diversity == 0.0:
        assert ids(remote) == cosine_top(Q, 6)


@pytest.mark.parametrize(
    "strategy",
    [
        None,
        m.RecommendStrategy.AVERAGE_VECTOR,
        m.RecommendStrategy.BEST_SCORE,
        m.RecommendStrategy.SUM_SCORES,
    ],
)
@pytest.mark.parametrize("using", ["d", "s", "m"])
async def test_recommend_matches_local(pair: Pair, strategy: Any, using: str) -> None:
    recommend = m.RecommendQuery(
        recommend=m.RecommendInput(positive=[3, 11], negative=[20], strategy=strategy)
    )
    remote, local = await query(pair, query=recommend, using=using, limit=5)
    assert hits(remote) == hits(local)
    assert not {3, 11, 20} & set(ids(remote))


async def test_recommend_with_vectors_and_only_negatives(pair: Pair) -> None:
    recommend = m.RecommendQuery(
        recommend=m.RecommendInput(negative=[Q], strategy=m.RecommendStrategy.BEST_SCORE)
    )
    remote, local = await query(pair, query=recommend, using="d", limit=4)
    assert hits(remote) == hits(local)


async def test_discover_and_context_match_local(pair: Pair) -> None:
    discover = m.DiscoverQuery(
        discover=m.DiscoverInput(
            target=Q,
            context=[m.ContextPair(positive=1, negative=2), m.ContextPair(positive=3, negative=4)],
        )
    )
    remote, local = await query(pair, query=discover, using="d", limit=5)
    assert hits(remote) == hits(local)
    context = m.ContextQuery(context=[m.ContextPair(positive=1, negative=2)])
    remote, local = await query(pair, query=context, using="d", limit=N)
    # context scores tie at 0 for every point on the positive side: compare as sets of scores
    assert sorted(s for _, s in hits(remote)) == sorted(s for _, s in hits(local))
    assert {i for i, s in hits(remote) if s < 0} == {i for i, s in hits(local) if s < 0}


async def test_order_by_query_matches_local(pair: Pair) -> None:
    order = m.OrderByQuery(order_by=m.OrderBy(key="n", direction=m.Direction.DESC, start_from=30))
    remote, local = await query(pair, query=order, limit=5)
    assert ids(remote) == ids(local) == [30, 29, 28, 27, 26]
    assert [p.order_value for p in remote.points] == [30, 29, 28, 27, 26]


PREFETCH = [
    m.Prefetch(query=Q, using="d", limit=8),
    m.Prefetch(query=m.SparseVector(indices=[1, 4, 7], values=[0.5, 1.0, 0.2]), using="s", limit=8),
]


@pytest.mark.parametrize(
    "fusion",
    [
        m.FusionQuery(fusion=m.Fusion.RRF),
        m.RrfQuery(rrf=m.Rrf(k=60)),
        m.FusionQuery(fusion=m.Fusion.DBSF),
    ],
    ids=["rrf", "rrf k=60", "dbsf"],
)
async def test_fusion_matches_local(pair: Pair, fusion: Any) -> None:
    remote, local = await query(pair, prefetch=PREFETCH, query=fusion, limit=10)
    # RRF gives equal scores to equal ranks: compare scores in order and ids per score
    assert [s for _, s in hits(remote)] == [s for _, s in hits(local)]
    by_score: dict[float, set[Any]] = {}
    for i, s in hits(local):
        by_score.setdefault(s, set()).add(i)
    assert all(i in by_score[s] for i, s in hits(remote))


async def test_nested_prefetch_with_filters_and_thresholds_matches_local(pair: Pair) -> None:
    even = m.Filter(must=[m.FieldCondition(key="tag", match=m.MatchValue(value="even"))])
    inner = m.Prefetch(
        prefetch=[
            m.Prefetch(query=Q, using="d", limit=15, filter=even),
            m.Prefetch(query=[0.1, 0.2, 0.3], using="e", limit=15, score_threshold=-2.5),
        ],
        query=m.FusionQuery(fusion=m.Fusion.DBSF),
        limit=10,
    )
    remote, local = await query(pair, prefetch=inner, query=[[0.5, -1.0]], using="m", limit=4)
    assert close_hits(remote, local)


async def test_formula_score_boosting_matches_local(pair: Pair) -> None:
    formula = m.FormulaQuery(
        formula=m.SumExpression(
            sum=[
                "$score",
                m.MultExpression(mult=[0.01, "n"]),
                m.MultExpression(
                    mult=[0.5, m.FieldCondition(key="tag", match=m.MatchValue(value="odd"))]
                ),
                m.ExpDecayExpression(
                    exp_decay=m.DecayParamsExpression(x="price", target=50, scale=20)
                ),
            ]
        ),
        defaults={"price": 0},
    )
    remote, local = await query(pair, prefetch=PREFETCH[0], query=formula, limit=6)
    assert hits(remote) == hits(local)


async def test_sample_random_returns_distinct_matching_points(pair: Pair) -> None:
    flt = m.Filter(must=[m.FieldCondition(key="n", range=m.Range(lt=10))])
    remote = await pair.remote.query_points(
        pair.name, query=m.SampleQuery(sample=m.Sample.RANDOM), query_filter=flt, limit=50
    )
    assert sorted(ids(remote)) == list(range(10))


async def test_params_threshold_offset_and_selectors_match_local(pair: Pair) -> None:
    kwargs: dict[str, Any] = {
        "query": Q,
        "using": "d",
        "limit": 5,
        "offset": 2,
        "score_threshold": 0.0,
        "search_params": m.SearchParams(
            hnsw_ef=32,
            exact=True,
            quantization=m.QuantizationSearchParams(rescore=True, oversampling=2.0),
            indexed_only=False,
        ),
        "with_payload": m.PayloadSelectorInclude(include=["n", "city.name"]),
        "with_vectors": ["d", "s"],
    }
    remote, local = await query(pair, **kwargs)
    assert hits(remote) == hits(local)
    assert ids(remote) == cosine_top(Q, 7)[2:]
    for r, lo in zip(remote.points, local.points, strict=True):
        assert r.payload == lo.payload and set(r.payload or {}) == {"n", "city"}
        assert same_vectors(r.vector, lo.vector)
    excluded = await pair.remote.query_points(
        pair.name,
        query=Q,
        using="d",
        limit=3,
        with_payload=m.PayloadSelectorExclude(exclude=["text", "items"]),
    )
    assert all(
        "text" not in (p.payload or {}) and "n" in (p.payload or {}) for p in excluded.points
    )


async def test_lookup_from_another_collection(server: EmbeddedQdrant, pair: Pair) -> None:
    other = "dp_lookup_source"
    for client in (pair.remote, pair.local):
        await client.create_collection(
            other, vectors_config={"v": m.VectorParams(size=4, distance=m.Distance.DOT)}
        )
        await client.upsert(other, [m.PointStruct(id=1, vector={"v": Q})], wait=True)
    try:
        lookup = m.LookupLocation(collection=other, vector="v")
        remote, local = await query(pair, query=1, using="d", limit=4, lookup_from=lookup)
        assert ids(remote) == cosine_top(Q, 4)  # the id is the other collection's: not excluded
        assert hits(remote) == hits(local)
        recommend = m.RecommendQuery(recommend=m.RecommendInput(positive=[1]))
        remote, local = await query(pair, query=recommend, using="d", limit=3, lookup_from=lookup)
        assert hits(remote) == hits(local)
    finally:
        await pair.remote.delete_collection(other)


async def test_query_batch_matches_single_queries(pair: Pair) -> None:
    requests = [
        m.QueryRequest(query=Q, using="d", limit=3),
        m.QueryRequest(query=5, using="d", limit=2, with_payload=True),
        m.QueryRequest(prefetch=PREFETCH, query=m.FusionQuery(fusion=m.Fusion.DBSF), limit=4),
    ]
    remote, local = await pair.both(lambda c: c.query_batch_points(pair.name, requests))
    assert [hits(r) for r in remote] == [hits(r) for r in local]
    assert remote[1].points[0].payload is not None


async def test_query_groups_match_local(pair: Pair) -> None:
    async def grouped(client: AsyncQdrantClient, **kwargs: Any) -> list[Any]:
        result = await client.query_points_groups(pair.name, query=Q, using="d", **kwargs)
        return [(g.id, hits(g.hits)) for g in result.groups]

    for kwargs in (
        {"group_by": "group", "limit": 3, "group_size": 2},
        {"group_by": "tags", "limit": 5, "group_size": 3},  # arrays: a point in several groups
        {"group_by": "city.name", "limit": 2, "group_size": 4, "with_payload": ["n"]},
    ):
        remote, local = await pair.both(lambda c, kw=kwargs: grouped(c, **kw))  # type: ignore[misc]
        assert remote == local, kwargs
    result = await pair.remote.query_points_groups(
        pair.name, query=Q, using="d", group_by="group", limit=2, group_size=1, with_payload=["n"]
    )
    assert all(
        h.payload is not None and set(h.payload) == {"n"} for g in result.groups for h in g.hits
    )


async def test_query_groups_with_lookup(server: EmbeddedQdrant, pair: Pair) -> None:
    client = remote_client(server)
    names = "dp_group_names"
    try:
        await client.create_collection(
            names, vectors_config=m.VectorParams(size=1, distance=m.Distance.DOT)
        )
        await client.upsert(
            names,
            [m.PointStruct(id=g, vector=[1.0], payload={"label": f"group {g}"}) for g in range(4)],
            wait=True,
        )
        result = await client.query_points_groups(
            pair.name,
            query=Q,
            using="d",
            group_by="group",
            limit=5,
            group_size=1,
            with_lookup=m.WithLookup(collection=names, with_payload=True),
        )
        assert len(result.groups) == 5
        for group in result.groups:
            if group.id == 4:
                assert group.lookup is None  # no such point in the lookup collection
            else:
                assert group.lookup is not None and group.lookup.payload == {
                    "label": f"group {group.id}"
                }
    finally:
        await client.delete_collection(names)
        await client.close()


BAD_QUERIES: list[tuple[dict[str, Any], int, str]] = [
    ({"query": [1.0, 2.0], "using": "d"}, 400, "Vector dimension error: expected dim: 4, got 2"),
    ({"query": [1.0, 2.0, 3.0, 4.0], "using": "zz"}, 400, "Not existing vector name error: zz"),
    ({"query": 12345, "using": "d"}, 404, "Not found: No point with id 12345 found"),
    ({"query": {"fusion": "rrf"}}, 422, "Validation error"),
    (
        {"query": {"fusion": "max"}, "prefetch": {"query": [1, 0, 0, 0], "using": "d"}},
        400,
        "unknown variant",
    ),
    (
        {"query": {"recommend": {"positive": [1], "strategy": "x"}}, "using": "d"},
        400,
        "unknown variant",
    ),
    ({"query": {"nearest": [1, 0, 0, 0], "mmr": {"diversity": 2}}, "using": "d"}, 422, "diversity"),
    ({"query": {"text": "hello", "model": "bm25"}}, 400, "not supported"),
    ({"query": {"relevance_feedback": {}}}, 400, "not supported"),
    ({"query": [1, 0, 0, 0], "using": "d", "limit": 0}, 422, "limit"),
    ({"query": [1, 0, 0, 0], "using": "d", "params": {"nope": 1}}, 400, "unknown field `nope`"),
    ({"query": [1, 0, 0, 0], "using": "d", "shard_key": "x"}, 400, 'Shard key "x" not found'),
    (
        {"query": {"formula": {"sum": [True]}}, "prefetch": {"query": [1, 0, 0, 0], "using": "d"}},
        400,
        "Format error",
    ),
    ({"query": {"order_by": "price"}}, 400, "No range index"),
    ({"query": {"sample": "first"}}, 400, "unknown variant"),
    (
        {"query": [1, 0, 0, 0], "using": "d", "lookup_from": {"collection": "dp_no_such"}},
        404,
        "dp_no_such",
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "text"), BAD_QUERIES, ids=[str(i) for i in range(len(BAD_QUERIES))]
)
async def test_bad_queries_get_qdrants_errors(
    pair: Pair, rest: Rest, body: dict[str, Any], status: int, text: str
) -> None:
    answer = await rest("POST", f"/collections/{pair.name}/points/query", body)
    assert answer.status == status, answer.body
    assert text in answer.error


async def test_bad_group_and_batch_requests(pair: Pair, rest: Rest) -> None:
    base = f"/collections/{pair.name}/points/query"
    no_key = await rest("POST", base + "/groups", {"query": Q, "using": "d"})
    assert no_key.status == 400 and "group_by" in no_key.error
    offset = await rest(
        "POST", base + "/groups", {"query": Q, "using": "d", "group_by": "n", "offset": 1}
    )
    assert offset.status == 400 and "unknown field `offset`" in offset.error
    batch = await rest(
        "POST",
        base + "/batch",
        {"searches": [{"query": Q, "using": "d"}, {"query": [1.0], "using": "d"}]},
    )
    assert batch.status == 400 and "expected dim: 4, got 1" in batch.error
    malformed = await rest("POST", base + "/batch", {"searches": [{"query": Q, "using": 5}]})
    assert malformed.status == 400 and "searches[0]" in malformed.error
