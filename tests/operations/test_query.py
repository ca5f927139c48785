"""Queries and reads, without a server: request builders, both wire directions, and the
checks that make REST and gRPC refuse the same input before anything is sent."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from qdrant_client import models as qm
from wire_support import decode_rest_result

import qdpool
from qdpool import operations as ops
from qdpool._proto import points_pb2 as _pts
from qdpool.call import Call, Options
from qdpool.endpoint import Endpoint
from qdpool.errors import InvalidInput
from qdpool.models import FacetHit, PointGroup, ScoredPoint, SearchMatrixOffsets, SearchMatrixPair
from qdpool.testing import MockTransport
from qdpool.wire import query_ops as qo
from qdpool.wire.filters import filter_from_pb, filter_to_pb


def make_client(result: Any = None) -> tuple[qdpool.Client, MockTransport, MockTransport]:
    rest = MockTransport(lambda call: result, "rest")
    grpc = MockTransport(lambda call: result, "grpc")
    client = qdpool.Client(Endpoint("127.0.0.1"), transports={"rest": rest, "grpc": grpc})
    return client, rest, grpc


def call_of(spec: Any, body: Any, consistency: Any = None) -> Call:
    options = Options(consistency=consistency) if consistency is not None else None
    return Call(spec, "docs", "grpc", body, options, 0.0, Endpoint("h"))


# ---------------------------------------------------------------- the issue-9 range defect


async def test_a_bad_range_bound_is_refused_alike_before_anything_is_sent() -> None:
    client, rest, grpc = make_client(0)
    bad = {"must": [{"key": "n", "range": {"lt": "abc"}}]}
    errors = []
    async with client:
        for protocol in ("rest", "grpc"):
            with pytest.raises(InvalidInput) as caught:
                await client.count("docs", filter=bad, protocol=protocol)
            errors.append((caught.value.field, caught.value.problem))
            with pytest.raises(InvalidInput) as caught:
                await client.query_points(
                    "docs", {"fusion": "rrf"}, prefetch={"query": [1.0], "filter": bad}
                )
            assert caught.value.field == "prefetch[0].filter.must[0].range.lt"
    assert errors[0] == errors[1] == ("filter.must[0].range.lt", "not an ISO 8601 datetime: 'abc'")
    assert rest.calls == [] and grpc.calls == []


# ---------------------------------------------------------------- request builders


async def test_the_dense_vector_path_builds_the_same_small_body() -> None:
    client, rest, _ = make_client([])
    async with client:
        await client.query_points("docs", np.array([1.0, 2.0], dtype=np.float32), limit=3)
    body = dict(rest.calls[0].body)
    assert list(body.pop("query")) == [1.0, 2.0]
    assert body == {"limit": 3, "with_payload": True, "with_vector": False}
    encoded = qo.encode_query(call_of(ops.QUERY_POINTS, rest.calls[0].body))
    assert isinstance(encoded, bytes)  # the plain nearest query is written as bytes
    assert list(_pts.QueryPoints.FromString(encoded).query.nearest.dense.data) == [1.0, 2.0]


async def test_qdrant_client_models_and_numpy_become_rest_json() -> None:
    client, rest, grpc = make_client([])
    async with client:
        await client.query_points(
            "docs",
            qm.FusionQuery(fusion=qm.Fusion.RRF),
            prefetch=[
                qm.Prefetch(query=np.array([0.5, 1.0]), using="dense", limit=5),
                qm.Prefetch(query=qm.SparseVector(indices=[1], values=[2.0]), using="sparse"),
            ],
            params=qm.SearchParams(hnsw_ef=32),
            lookup_from=qm.LookupLocation(collection="other"),
            protocol="grpc",
        )
    body = grpc.calls[0].body
    assert body["query"] == {"fusion": "rrf"}
    assert body["prefetch"] == [
        {"query": [0.5, 1.0], "using": "dense", "limit": 5},
        {"query": {"indices": [1], "values": [2.0]}, "using": "sparse"},
    ]
    assert body["params"] == {"hnsw_ef": 32, "exact": False, "indexed_only": False}
    assert body["lookup_from"] == {"collection": "other"}
    assert rest.calls == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"query": {"fusion": "max"}}, "query.fusion"),
        ({"query": {"nearest": [1.0], "mmr": {"diversity": "x"}}}, "query.mmr.diversity"),
        (
            {"query": {"recommend": {"positive": [1], "strategy": "best"}}},
            "query.recommend.strategy",
        ),
        ({"query": {"formula": {"div": {"left": 1}}}}, "query.formula.div.right"),
        ({"query": {"order_by": {"key": "n", "direction": "up"}}}, "query.order_by.direction"),
        ({"query": [1.0], "params": {"hnsw": 3}}, "params.hnsw"),
        ({"query": [1.0], "prefetch": [{"limit": -1}]}, "prefetch[0].limit"),
        ({"query": [1.0], "lookup_from": {"vector": "v"}}, "lookup_from.collection"),
        ({"query": {"text": "hello", "model": "bm25"}}, "query"),
        ({"query": [[1.0], [float("nan")]]}, "query[1][0]"),
    ],
)
async def test_bad_queries_are_refused_alike_on_both_protocols(
    kwargs: dict[str, Any], field: str
) -> None:
    client, rest, grpc = make_client([])
    async with client:
        for protocol in ("rest", "grpc"):
            with pytest.raises(InvalidInput) as caught:
                await client.query_points("docs", **kwargs, protocol=protocol)
            assert caught.value.field == field
    assert rest.calls == [] and grpc.calls == []


async def test_batch_groups_facet_matrix_and_scroll_builders() -> None:
    client, rest, _ = make_client([])
    async with client:
        await client.query_batch_points(
            "docs", [qm.QueryRequest(query=[1.0], limit=2), {"query": 5}]
        )
        with pytest.raises(InvalidInput, match=r"requests\[1\]\.query\.sample"):
            await client.query_batch_points("docs", [{"query": [1.0]}, {"query": {"sample": "x"}}])
        with pytest.raises(InvalidInput, match="requests"):
            await client.query_batch_points("docs", [])
        await client.query_points_groups(
            "docs", "tag", [1.0], group_size=2, with_lookup=qm.WithLookup(collection="c")
        )
        with pytest.raises(InvalidInput, match="group_by"):
            await client.query_points_groups("docs", "", [1.0])
        await client.facet("docs", "tag", exact=True)
        await client.search_matrix_pairs("docs", sample=5, using="dense")
        with pytest.raises(InvalidInput, match="sample"):
            await client.search_matrix_offsets("docs", sample=1)
        await client.scroll("docs", order_by=qm.OrderBy(key="n", direction=qm.Direction.DESC))
        with pytest.raises(InvalidInput, match=r"order_by\.direction"):
            await client.scroll("docs", order_by={"key": "n", "direction": "sideways"})
    bodies = [c.body for c in rest.calls]
    assert bodies[0] == {"searches": [{"query": [1.0], "limit": 2}, {"query": 5}]}
    assert bodies[1]["group_by"] == "tag" and bodies[1]["with_lookup"] == {"collection": "c"}
    assert bodies[2] == {"key": "tag", "limit": 10, "exact": True}
    assert bodies[3] == {"sample": 5, "limit": 3, "using": "dense"}
    assert bodies[4]["order_by"] == {"key": "n", "direction": "desc"}


# ---------------------------------------------------------------- both wire directions

FULL_QUERY: dict[str, Any] = {
    "prefetch": [
        {
            "prefetch": [{"query": [1.0, 2.0], "using": "dense", "limit": 20}],
            "query": [[1.0, 0.0], [0.0, 1.0]],
            "using": "multi",
            "filter": {"must": [{"key": "tag", "match": {"any": ["a", "b"]}}]},
            "params": {"hnsw_ef": 64, "exact": False},
            "score_threshold": 0.25,
            "limit": 10,
            "lookup_from": {"collection": "other", "vector": "v"},
        },
        {"query": {"indices": [1, 7], "values": [0.5, 1.0]}, "using": "sparse", "limit": 10},
    ],
    "query": {"rrf": {"k": 60, "weights": [1.0, 2.0]}},
    "filter": {"must_not": [{"has_id": [1, "6f1c4f3e-0000-4000-8000-000000000000"]}]},
    "params": {
        "quantization": {"ignore": False, "rescore": True, "oversampling": 2.0},
        "indexed_only": True,
        "acorn": {"enable": True, "max_selectivity": 0.5},
    },
    "limit": 5,
    "offset": 2,
    "with_payload": {"exclude": ["big"]},
    "with_vector": ["dense"],
}

QUERIES: list[Any] = [
    7,
    "6f1c4f3e-0000-4000-8000-000000000000",
    [0.5, 1.5],
    [[0.5, 1.5], [1.0, 2.0]],
    {"indices": [3], "values": [0.25]},
    {"nearest": [1.0, 2.0], "mmr": {"diversity": 0.5, "candidates_limit": 30}},
    {"recommend": {"positive": [1, [1.0, 2.0]], "negative": [3], "strategy": "best_score"}},
    {"discover": {"target": 4, "context": [{"positive": 1, "negative": 2}]}},
    {"context": [{"positive": 1, "negative": 2}, {"positive": [0.5, 0.5], "negative": 3}]},
    {"order_by": {"key": "n", "direction": "desc", "start_from": 10}},
    {"order_by": {"key": "t", "start_from": "2024-01-01T00:00:00Z"}},
    {"order_by": {"key": "p", "start_from": 1.5}},
    {"fusion": "dbsf"},
    {"sample": "random"},
    {
        "formula": {
            "sum": [
                "$score",
                {"mult": [0.5, {"key": "tag", "match": {"value": "a"}}]},
                {"div": {"left": "n", "right": 2.0, "by_zero_default": 0.0}},
                {"pow": {"base": "n", "exponent": 2.0}},
                {"neg": {"abs": {"sqrt": {"exp": {"log10": {"ln": "n"}}}}}},
                {"geo_distance": {"origin": {"lon": 1.0, "lat": 2.0}, "to": "loc"}},
                {"datetime": "2024-01-01T00:00:00Z"},
                {"datetime_key": "created"},
                {"gauss_decay": {"x": "n", "target": 1.0, "scale": 2.0, "midpoint": 0.5}},
                {"lin_decay": {"x": "n"}},
            ]
        },
        "defaults": {"n": 0},
    },
]


def _roundtrip(body: dict[str, Any]) -> dict[str, Any]:
    message = qo.encode_query(call_of(ops.QUERY_POINTS, body, consistency="quorum"))
    assert message.read_consistency.type == _pts.Quorum
    collection, back, params = qo.query_to_rest(message)
    assert collection == "docs" and params == {"consistency": "quorum"}
    return back


def test_a_full_query_survives_both_directions() -> None:
    assert _roundtrip(FULL_QUERY) == FULL_QUERY


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: str(q)[:24])
def test_every_query_kind_survives_both_directions(query: Any) -> None:
    assert _roundtrip({"query": query})["query"] == query


FILTERS: list[dict[str, Any]] = [
    {"must": [{"key": "loc", "geo_bounding_box": {
        "top_left": {"lon": 1.0, "lat": 3.0}, "bottom_right": {"lon": 2.0, "lat": 1.0}}}]},
    {"must": [{"key": "loc", "geo_radius": {"center": {"lon": 1.0, "lat": 2.0}, "radius": 500.0}}]},
    {"must": [{"key": "loc", "geo_polygon": {
        "exterior": {"points": [{"lon": 0.0, "lat": 0.0}, {"lon": 1.0, "lat": 0.0},
                                {"lon": 0.0, "lat": 1.0}, {"lon": 0.0, "lat": 0.0}]},
        "interiors": []}}]},
    {"must": [{"key": "t", "range": {"gte": "2024-01-01T00:00:00Z"}}]},
    {"must": [{"has_vector": "sparse"}, {"key": "x", "is_empty": True},
              {"key": "y", "is_null": False}]},
    {"should": [{"key": "s", "match": {"text": "a"}}, {"key": "s", "match": {"phrase": "a b"}},
                {"key": "s", "match": {"text_any": "a b"}},
                {"key": "s", "match": {"except": [1, 2]}},
                {"key": "s", "match": {"any": ["x"]}}, {"key": "b", "match": {"value": True}}]},
    {"must": [{"nested": {"key": "items",
                          "filter": {"must": [{"key": "v", "range": {"lt": 1.0}}]}}}]},
    {"min_should": {"conditions": [{"is_empty": {"key": "a"}}, {"is_null": {"key": "b"}}],
                    "min_count": 1}},
    {"must": [{"key": "l", "values_count": {"gte": 2, "lt": 5}}, {"has_id": [1, 2]}]},
]  # fmt: skip


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: str(f)[:40])
def test_every_filter_condition_survives_both_directions(flt: dict[str, Any]) -> None:
    assert filter_from_pb(filter_to_pb(flt)) == flt


@pytest.mark.parametrize(
    ("flt", "field"),
    [
        ({"must": [{"key": "l", "geo_radius": {"center": {"lon": 1.0}, "radius": 1}}]},
         "filter.must[0].geo_radius.center"),
        ({"must": [{"key": "l", "geo_bounding_box": {"top_left": {"lon": 1, "lat": 2}}}]},
         "filter.must[0].geo_bounding_box.bottom_right"),
        ({"must": [{"key": "l", "geo_polygon": {"exterior": {"points": [1]}}}]},
         "filter.must[0].geo_polygon.exterior.points[0]"),
        ({"must": [{"key": "l", "is_empty": "yes"}]}, "filter.must[0].is_empty"),
    ],
)  # fmt: skip
def test_malformed_geo_and_flags_name_the_field(flt: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        filter_to_pb(flt)
    assert caught.value.field == field


def test_the_server_refuses_fields_it_does_not_convert() -> None:
    message = _pts.QueryPoints(collection_name="docs")
    message.shard_key_selector.SetInParent()
    with pytest.raises(InvalidInput, match="shard_key_selector"):
        qo.query_to_rest(message)
    message = _pts.QueryPoints(collection_name="docs")
    message.prefetch.add().query.nearest.document.text = "hello"
    with pytest.raises(InvalidInput, match=r"prefetch\[0\]\.query\.nearest\.document"):
        qo.query_to_rest(message)
    message = _pts.QueryPoints(collection_name="docs")
    message.params.idf.SetInParent()
    with pytest.raises(InvalidInput, match=r"params\.idf"):
        qo.query_to_rest(message)


def test_batch_groups_scroll_count_facet_and_matrix_requests_both_directions() -> None:
    batch = {"searches": [{"query": [1.0], "limit": 2}, {"query": {"nearest": 3, "mmr": {}}}]}
    assert (
        qo.query_batch_to_rest(qo.encode_query_batch(call_of(ops.QUERY_BATCH_POINTS, batch)))[1]
        == batch
    )
    groups = {
        "query": [1.0],
        "group_by": "tag",
        "group_size": 2,
        "limit": 3,
        "with_lookup": {"collection": "c", "with_payload": ["a"], "with_vectors": False},
    }
    spec = ops.QUERY_POINTS_GROUPS
    assert qo.query_groups_to_rest(qo.encode_query_groups(call_of(spec, groups)))[1] == groups
    scroll = {
        "limit": 3,
        "filter": {"must": [{"key": "a", "match": {"value": 1}}]},
        "order_by": {"key": "n", "direction": "desc", "start_from": 3},
        "with_payload": True,
        "with_vector": False,
    }
    assert qo.scroll_to_rest(qo.encode_scroll(call_of(ops.SCROLL, scroll, 2)))[1:] == (
        scroll,
        {"consistency": "2"},
    )
    count = {"filter": {"must": [{"has_vector": "v"}]}, "exact": False}
    assert qo.count_to_rest(qo.encode_count(call_of(ops.COUNT, count, "all")))[1:] == (
        count,
        {"consistency": "all"},
    )
    facet = {"key": "tag", "limit": 4, "exact": True}
    assert qo.facet_to_rest(qo.encode_facet(call_of(ops.FACET, facet)))[1] == facet
    matrix = {"sample": 10, "limit": 2, "using": "v"}
    assert (
        qo.matrix_to_rest(qo.encode_matrix(call_of(ops.SEARCH_MATRIX_PAIRS, matrix)))[1] == matrix
    )


def test_results_decode_equal_from_rest_and_from_grpc() -> None:
    hit = {"id": 1, "version": 3, "score": 0.1, "payload": {"a": 1}, "vector": None}
    cases: list[tuple[Any, Any, Any]] = [
        (ops.QUERY_BATCH_POINTS, [{"points": [hit]}, {"points": []}], [[ScoredPoint(1, 0.1)]]),
        (
            ops.QUERY_POINTS_GROUPS,
            {"groups": [{"id": "red", "hits": [hit]}, {"id": -4, "hits": [], "lookup": hit}]},
            [PointGroup("red", []), PointGroup(-4, [])],
        ),
        (
            ops.FACET,
            {"hits": [{"value": "a", "count": 3}, {"value": 7, "count": 1},
                      {"value": True, "count": 2}]},
            [FacetHit("a", 3), FacetHit(7, 1), FacetHit(True, 2)],
        ),
        (
            ops.SEARCH_MATRIX_PAIRS,
            {"pairs": [{"a": 1, "b": "6f1c4f3e-0000-4000-8000-000000000000", "score": 0.5}]},
            [SearchMatrixPair(1, "6f1c4f3e-0000-4000-8000-000000000000", 0.5)],
        ),
        (
            ops.SEARCH_MATRIX_OFFSETS,
            {"offsets_row": [0, 1], "offsets_col": [1, 0], "scores": [0.5, 0.5], "ids": [4, 9]},
            SearchMatrixOffsets((0, 1), (1, 0), (0.5, 0.5), (4, 9)),
        ),
    ]  # fmt: skip
    for spec, result, shape in cases:
        from_rest = decode_rest_result(spec, result)
        from_grpc = spec.grpc.decode(spec.grpc.from_rest(result, 0.01))
        assert from_rest == from_grpc, spec
        if spec is ops.QUERY_POINTS_GROUPS:
            assert [(g.id, len(g.hits), g.lookup is not None) for g in from_rest] == [
                ("red", 1, False),
                (-4, 0, True),
            ]
        elif spec is ops.QUERY_BATCH_POINTS:
            assert [[p.id for p in r] for r in from_rest] == [[1], []]
        else:
            assert from_rest == shape
