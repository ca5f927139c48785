"""Payload indexes, filters, ordered scroll, facets and the distance matrix on the embedded server.

Judged by qdrant-client (REST) against its local mode on the same data where
local mode has the feature (filters, order_by, facet, matrix), and against
values computed here where it does not (``payload_schema``, text indexes).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from embedded_support import Rest
from points_support import COORDS, N, Pair, dataset, make_pair
from qdrant_client import models as m
from qdrant_client.http.exceptions import UnexpectedResponse

from qdpool.embedded import EmbeddedQdrant

pytestmark = [
    pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection"),
    pytest.mark.asyncio(loop_scope="session"),
]

POINTS = dataset()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pair(server: EmbeddedQdrant) -> AsyncIterator[Pair]:
    p = await make_pair(server)
    yield p
    await p.close()


@pytest_asyncio.fixture
async def fresh(server: EmbeddedQdrant) -> AsyncIterator[Pair]:
    p = await make_pair(server)
    yield p
    await p.close()


def F(**kwargs: Any) -> m.Filter:
    return m.Filter(**kwargs)


def key(name: str, **kwargs: Any) -> m.FieldCondition:
    return m.FieldCondition(key=name, **kwargs)


BERLIN_LON, BERLIN_LAT = COORDS["Berlin"]
FILTERS: dict[str, m.Filter] = {
    "geo box": F(
        must=[
            key(
                "city.location",
                geo_bounding_box=m.GeoBoundingBox(
                    top_left=m.GeoPoint(lon=0.0, lat=55.0),
                    bottom_right=m.GeoPoint(lon=14.0, lat=45.0),
                ),
            )
        ]
    ),
    "geo radius": F(
        must=[
            key(
                "city.location",
                geo_radius=m.GeoRadius(
                    center=m.GeoPoint(lon=BERLIN_LON, lat=BERLIN_LAT), radius=1_000_000.0
                ),
            )
        ]
    ),
    "geo polygon": F(
        must=[
            key(
                "city.location",
                geo_polygon=m.GeoPolygon(
                    exterior=m.GeoLineString(
                        points=[
                            m.GeoPoint(lon=0.0, lat=40.0),
                            m.GeoPoint(lon=15.0, lat=40.0),
                            m.GeoPoint(lon=15.0, lat=50.0),
                            m.GeoPoint(lon=0.0, lat=50.0),
                            m.GeoPoint(lon=0.0, lat=40.0),
                        ]
                    )
                ),
            )
        ]
    ),
    "datetime range": F(
        must=[key("when", range=m.DatetimeRange(gte="2024-01-05T00:00:00Z", lt="2024-01-12"))]
    ),
    "number range": F(must=[key("price", range=m.Range(gt=20.5, lte=70))]),
    "has_vector": F(must=[m.HasVectorCondition(has_vector="e")]),
    "not has_vector": F(must_not=[m.HasVectorCondition(has_vector="e")]),
    "match value": F(must=[key("city.name", match=m.MatchValue(value="Rome"))]),
    "match int": F(must=[key("group", match=m.MatchValue(value=3))]),
    "match any": F(must=[key("tags", match=m.MatchAny(any=["t0", "t3"]))]),
    "match except": F(must=[key("group", match=m.MatchExcept(**{"except": [0, 1]}))]),
    "match text": F(must=[key("text", match=m.MatchText(text="vector"))]),
    "values_count": F(must=[key("tags", values_count=m.ValuesCount(gte=2))]),
    "is_empty": F(must=[m.IsEmptyCondition(is_empty=m.PayloadField(key="empty"))]),
    "is_null": F(must=[m.IsNullCondition(is_null=m.PayloadField(key="maybe"))]),
    "nested": F(
        must=[
            m.NestedCondition(
                nested=m.Nested(
                    key="items",
                    filter=F(
                        must=[
                            key("kind", match=m.MatchValue(value="b")),
                            key("qty", range=m.Range(gte=5)),
                        ]
                    ),
                )
            )
        ]
    ),
    "min_should": F(
        min_should=m.MinShould(
            conditions=[
                key("tag", match=m.MatchValue(value="odd")),
                key("group", match=m.MatchValue(value=2)),
                key("city.name", match=m.MatchValue(value="Oslo")),
            ],
            min_count=2,
        )
    ),
    "has_id": F(must=[m.HasIdCondition(has_id=[1, 5, 7, 999])]),
    "should and must_not": F(
        should=[
            key("group", match=m.MatchValue(value=1)),
            key("group", match=m.MatchValue(value=4)),
        ],
        must_not=[key("tag", match=m.MatchValue(value="odd"))],
    ),
}


@pytest.mark.parametrize("name", list(FILTERS))
async def test_filters_match_local(pair: Pair, name: str) -> None:
    flt = FILTERS[name]
    remote, local = await pair.both(
        lambda c: c.scroll(pair.name, scroll_filter=flt, limit=N, with_payload=False)
    )
    remote_ids, local_ids = sorted(p.id for p in remote[0]), sorted(p.id for p in local[0])
    assert remote_ids == local_ids
    assert 0 < len(remote_ids) < N, name  # the filter really selects
    counted = await pair.remote.count(pair.name, count_filter=flt, exact=True)
    assert counted.count == len(remote_ids)


async def test_filtered_query_with_an_index_gives_the_same_answer(fresh: Pair) -> None:
    flt = F(must=[key("city.name", match=m.MatchValue(value="Paris"))])
    before = await fresh.remote.query_points(
        fresh.name, query=[1, 0, 0, 0], using="d", query_filter=flt, limit=5
    )
    await fresh.remote.create_payload_index(
        fresh.name, "city.name", m.PayloadSchemaType.KEYWORD, wait=True
    )
    after = await fresh.remote.query_points(
        fresh.name, query=[1, 0, 0, 0], using="d", query_filter=flt, limit=5
    )
    assert [p.id for p in before.points] == [p.id for p in after.points]


async def test_bad_datetime_and_geo_are_format_errors(pair: Pair, rest: Rest) -> None:
    path = f"/collections/{pair.name}/points/count"
    bad_date = await rest(
        "POST", path, {"filter": {"must": [{"key": "when", "range": {"gte": "yesterday"}}]}}
    )
    assert bad_date.status == 400 and bad_date.error.startswith("Format error in JSON body: ")
    mixed = await rest(
        "POST",
        path,
        {"filter": {"must": [{"key": "when", "range": {"gte": "2024-01-01", "lt": 5}}]}},
    )
    assert mixed.status == 400
    bad_lat = {
        "key": "city.location",
        "geo_radius": {"center": {"lon": 0, "lat": 100}, "radius": 1},
    }
    geo = await rest("POST", path, {"filter": {"must": [bad_lat]}})
    assert geo.status == 400 and "latitude" in geo.error


ALL_SCHEMAS: list[tuple[str, Any, dict[str, Any] | None]] = [
    ("tag", "keyword", None),
    (
        "n",
        {"type": "integer", "lookup": False, "range": True},
        {"type": "integer", "lookup": False, "range": True},
    ),
    ("price", "float", None),
    ("city.location", {"type": "geo", "on_disk": True}, {"type": "geo", "on_disk": True}),
    ("when", "datetime", None),
    ("flag", "bool", None),
    ("uid", {"type": "uuid", "is_tenant": True}, {"type": "uuid", "is_tenant": True}),
    (
        "city.name",
        {"type": "keyword", "is_tenant": True, "on_disk": False},
        {"type": "keyword", "is_tenant": True, "on_disk": False},
    ),
    (
        "text",
        {
            "type": "text",
            "tokenizer": "word",
            "lowercase": True,
            "min_token_len": 2,
            "max_token_len": 20,
            "phrase_matching": True,
            "stopwords": "english",
            "stemmer": {"type": "snowball", "language": "english"},
        },
        {
            "type": "text",
            "tokenizer": "word",
            "lowercase": True,
            "min_token_len": 2,
            "max_token_len": 20,
            "phrase_matching": True,
            "stopwords": "english",
            "stemmer": {"type": "snowball", "language": "english"},
        },
    ),
]


async def test_payload_indexes_are_built_and_reported(fresh: Pair, rest: Rest) -> None:
    base = f"/collections/{fresh.name}/index"
    for field, schema, _ in ALL_SCHEMAS:
        answer = await rest(
            "PUT", base, {"field_name": field, "field_schema": schema}, params={"wait": "true"}
        )
        assert answer.result["status"] == "completed", (field, answer.body)
    info = (await rest("GET", f"/collections/{fresh.name}")).result["payload_schema"]
    points_with = {
        "tag": N,
        "n": N,
        "price": N,
        "city.location": N,
        "when": N,
        "flag": 0,
        "uid": 0,
        "city.name": N,
        "text": N,
    }
    for field, schema, params in ALL_SCHEMAS:
        entry = info[field]
        expected_type = schema if isinstance(schema, str) else schema["type"]
        assert entry["data_type"] == expected_type, field
        assert entry["points"] == points_with[field], field
        if params is None:
            assert "params" not in entry, field
        else:
            assert {k: entry["params"].get(k) for k in params} == params, field
    # the official client reads it too
    typed = await fresh.remote.get_collection(fresh.name)
    assert typed.payload_schema["text"].data_type == m.PayloadSchemaType.TEXT
    deleted = await rest("DELETE", f"{base}/tag", params={"wait": "true"})
    assert deleted.result["status"] == "completed"
    info = (await rest("GET", f"/collections/{fresh.name}")).result["payload_schema"]
    assert "tag" not in info and "n" in info


async def test_text_index_tokenizes_and_matches_phrases(fresh: Pair) -> None:
    flt_phrase = F(must=[key("text", match=m.MatchPhrase(phrase="vector search"))])
    await fresh.remote.create_payload_index(
        fresh.name,
        "text",
        m.TextIndexParams(
            type=m.TextIndexType.TEXT,
            tokenizer=m.TokenizerType.WORD,
            lowercase=True,
            phrase_matching=True,
        ),
        wait=True,
    )
    found = await fresh.remote.count(fresh.name, count_filter=flt_phrase)
    expected = sum(1 for p in POINTS if "vector search" in (p.payload or {})["text"])
    assert found.count == expected > 0
    words = F(
        must=[key("text", match=m.MatchText(text="INDEX fast"))]
    )  # all tokens, any order, any case
    expected_words = sum(
        1 for p in POINTS if {"index", "fast"} <= set((p.payload or {})["text"].split())
    )
    assert (await fresh.remote.count(fresh.name, count_filter=words)).count == expected_words > 0


async def test_bad_index_requests(pair: Pair, rest: Rest) -> None:
    base = f"/collections/{pair.name}/index"
    cases: list[tuple[Any, int, str]] = [
        ({"field_name": "x", "field_schema": "vector"}, 400, "unknown variant `vector`"),
        (
            {"field_name": "x", "field_schema": {"type": "keyword", "range": True}},
            400,
            "unknown field `range`",
        ),
        (
            {
                "field_name": "x",
                "field_schema": {"type": "integer", "lookup": False, "range": False},
            },
            422,
            "lookup",
        ),
        (
            {"field_name": "x", "field_schema": {"type": "text", "tokenizer": "nope"}},
            400,
            "tokenizer",
        ),
        ({"field_name": "x"}, 400, "field_schema"),
        ({"field_schema": "keyword"}, 400, "field_name"),
    ]
    for body, status, text in cases:
        answer = await rest("PUT", base, body)
        assert answer.status == status, (body, answer.body)
        assert text in answer.error, (body, answer.error)


async def test_scroll_order_by_needs_an_index_then_matches_local(fresh: Pair) -> None:
    order = m.OrderBy(key="price", direction=m.Direction.DESC)
    with pytest.raises(UnexpectedResponse) as refused:
        await fresh.remote.scroll(fresh.name, order_by=order, limit=5)
    assert (
        refused.value.status_code == 400
        and b"No range index for `order_by` key" in refused.value.content
    )
    await fresh.remote.create_payload_index(
        fresh.name, "price", m.PayloadSchemaType.FLOAT, wait=True
    )
    for order_by in (
        order,
        m.OrderBy(key="price", start_from=50.0),
        "price",
    ):
        remote, local = await fresh.both(
            lambda c, o=order_by: c.scroll(fresh.name, order_by=o, limit=7)
        )  # type: ignore[misc]
        assert [(p.id, p.order_value) for p in remote[0]] == [
            (p.id, p.order_value) for p in local[0]
        ]
        assert remote[1] is None
    await fresh.remote.create_payload_index(
        fresh.name, "when", m.PayloadSchemaType.DATETIME, wait=True
    )
    since = m.OrderBy(key="when", direction=m.Direction.ASC, start_from="2024-01-20T00:00:00Z")
    remote, local = await fresh.both(lambda c: c.scroll(fresh.name, order_by=since, limit=6))
    assert [p.id for p in remote[0]] == [p.id for p in local[0]]
    assert all((p.payload or {})["when"] >= "2024-01-20" for p in remote[0])
    prices = sorted(((p.payload or {})["price"], p.id) for p in POINTS)
    ascending = await fresh.remote.scroll(fresh.name, order_by="price", limit=3)
    assert [p.id for p in ascending[0]] == [i for _, i in prices[:3]]


async def test_scroll_order_by_with_offset_is_refused(pair: Pair, rest: Rest) -> None:
    answer = await rest(
        "POST", f"/collections/{pair.name}/points/scroll", {"order_by": "n", "offset": 3}
    )
    assert answer.status == 400 and "Cannot use an `offset` when using `order_by`" in answer.error


async def test_facet_needs_an_index_then_matches_local(fresh: Pair) -> None:
    with pytest.raises(UnexpectedResponse) as refused:
        await fresh.remote.facet(fresh.name, "city.name")
    assert refused.value.status_code == 400
    await fresh.remote.create_payload_index(
        fresh.name, "city.name", m.PayloadSchemaType.KEYWORD, wait=True
    )
    await fresh.remote.create_payload_index(
        fresh.name, "group", m.PayloadSchemaType.INTEGER, wait=True
    )
    for kwargs in (
        {"key": "city.name"},
        {"key": "group", "limit": 3},
        {
            "key": "group",
            "facet_filter": F(must=[key("tag", match=m.MatchValue(value="odd"))]),
            "exact": True,
        },
    ):
        remote, local = await fresh.both(lambda c, kw=kwargs: c.facet(fresh.name, **kw))  # type: ignore[misc]
        assert sorted((h.value, h.count) for h in remote.hits) == sorted(
            (h.value, h.count) for h in local.hits
        )
    groups = await fresh.remote.facet(fresh.name, "group")
    assert [h.count for h in groups.hits] == sorted((h.count for h in groups.hits), reverse=True)


async def test_distance_matrix_matches_local_and_brute_force(pair: Pair) -> None:
    flt = F(must=[key("n", range=m.Range(lt=12))])
    remote, local = await pair.both(
        lambda c: c.search_matrix_offsets(
            pair.name, query_filter=flt, sample=50, limit=2, using="d"
        )
    )
    assert remote.ids == local.ids == list(range(12))
    assert remote.offsets_row == local.offsets_row and remote.offsets_col == local.offsets_col
    assert np.allclose(remote.scores, local.scores, atol=1e-4)
    unit = np.array([POINTS[i].vector["d"] for i in range(12)])  # type: ignore[index]
    unit = unit / np.linalg.norm(unit, axis=1, keepdims=True)
    sims = unit @ unit.T
    for row, col, score in zip(remote.offsets_row, remote.offsets_col, remote.scores, strict=True):
        assert abs(sims[row, col] - score) < 1e-4
    pairs_remote, pairs_local = await pair.both(
        lambda c: c.search_matrix_pairs(pair.name, query_filter=flt, sample=50, limit=2, using="d")
    )
    assert [(p.a, p.b) for p in pairs_remote.pairs] == [(p.a, p.b) for p in pairs_local.pairs]
    sampled = await pair.remote.search_matrix_pairs(pair.name, sample=5, limit=1, using="d")
    assert len(sampled.pairs) == 5 and len({p.a for p in sampled.pairs}) == 5


async def test_matrix_validation(pair: Pair, rest: Rest) -> None:
    path = f"/collections/{pair.name}/points/search/matrix/pairs"
    assert (await rest("POST", path, {"sample": 1})).status == 422
    assert (await rest("POST", path, {"using": "nope"})).status == 400
    none = await rest("POST", path, {"using": "d", "filter": {"must": [{"has_id": [1]}]}})
    assert none.result == {"pairs": []}
