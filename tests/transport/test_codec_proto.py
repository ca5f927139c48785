"""The protobuf codec: REST JSON shapes <-> qdpool's gRPC messages, both directions."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
import wire_support as cp
from wire_support import SPECS as OPERATIONS

from qdpool import models
from qdpool._proto import collections_pb2, json_with_int_pb2, points_pb2
from qdpool.call import Call, Options
from qdpool.endpoint import Endpoint
from qdpool.errors import InvalidInput
from qdpool.transport import codec_json

UUID = str(uuid.UUID(int=0x1234))
ENDPOINT = Endpoint("localhost")


def make_call(
    name: str,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
    collection: str | None = "c",
    encoded: bytes | None = None,
) -> Call:
    options = None
    if params:
        wait = params.get("wait")
        options = Options(wait=None if wait is None else wait == "true")
    return Call(OPERATIONS[name], collection, "grpc", body, options, 1e9, ENDPOINT, None, encoded)


# ---------------------------------------------------------------- values


JSON_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -7,
    2**63 - 1,
    -(2**63),
    1.5,
    -0.0,
    1e300,
    "",
    "héllo",
    [],
    {},
    [1, "a", None, True, 2.5, [], {}],
    {"a": {"b": {"c": [1, {"d": None}]}}, "e": [[1, 2], [3.5]]},
]


@pytest.mark.parametrize("value", JSON_VALUES, ids=repr)
def test_value_round_trip(value: Any) -> None:
    pb = cp.value_to_pb(value)
    back = cp.value_from_pb(json_with_int_pb2.Value.FromString(pb.SerializeToString()))
    assert back == value
    assert type(back) is type(value)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (True, "bool_value"),
        (1, "integer_value"),
        (1.0, "double_value"),
        (None, "null_value"),
        ("x", "string_value"),
        ({}, "struct_value"),
        ([], "list_value"),
        ((1, 2), "list_value"),
    ],
)
def test_value_kinds(value: Any, kind: str) -> None:
    assert cp.value_to_pb(value).WhichOneof("kind") == kind


def test_value_subclasses_bool_before_int() -> None:
    class MyInt(int):
        pass

    assert cp.value_to_pb(MyInt(3)).integer_value == 3
    assert cp.value_to_pb({"t": True}).struct_value.fields["t"].WhichOneof("kind") == "bool_value"
    assert cp.value_to_pb(True).WhichOneof("kind") == "bool_value"


@pytest.mark.parametrize("bad", [2**63, -(2**63) - 1, object(), b"bytes", {1.5}])
def test_value_rejects_non_json(bad: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        cp.value_to_pb({"k": [bad]}, "payload")
    assert info.value.field == "payload"


def test_payload_round_trip_and_empty_is_none() -> None:
    point = points_pb2.PointStruct()
    payload = {"city": "Berlin", "n": 3, "f": 0.25, "ok": True, "tags": ["a", "b"], "x": None}
    cp.payload_to_pb(payload, point.payload)
    assert cp.payload_from_pb(point.payload) == payload
    assert cp.payload_from_pb(points_pb2.PointStruct().payload) is None


def test_payload_errors_name_the_path() -> None:
    point = points_pb2.PointStruct()
    with pytest.raises(InvalidInput) as info:
        cp.payload_to_pb({"a": object()}, point.payload, "points[3].payload")
    assert info.value.field == "points[3].payload.a"
    with pytest.raises(InvalidInput) as info:
        cp.payload_to_pb({1: 1}, point.payload)  # type: ignore[dict-item]
    assert info.value.field == "payload"
    with pytest.raises(InvalidInput):
        cp.payload_to_pb(["not", "a", "dict"], point.payload)  # type: ignore[arg-type]


# ---------------------------------------------------------------- ids and vectors


@pytest.mark.parametrize("point_id", [0, 1, 2**64 - 1, UUID])
def test_point_id_round_trip(point_id: int | str) -> None:
    pb = cp.point_id_to_pb(point_id)
    assert pb.WhichOneof("point_id_options") == ("num" if isinstance(point_id, int) else "uuid")
    assert cp.point_id_from_pb(pb) == point_id


@pytest.mark.parametrize("bad", [-1, 2**64, True, 1.5, None, [1]])
def test_point_id_rejects(bad: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        cp.point_id_to_pb(bad, "points[0].id")
    assert info.value.field == "points[0].id"


@pytest.mark.parametrize(
    "vector",
    [
        [0.5, -1.0, 0.25],
        {"image": [1.0, 2.0], "text": [0.5]},
        {},
        [],
        [[0.5, 1.0], [0.25, -2.0]],
        {"sparse": {"indices": [3, 7], "values": [0.5, 0.25]}, "multi": [[1.0], [2.0]]},
    ],
)
def test_vectors_round_trip(vector: Any) -> None:
    pb = cp.vectors_to_pb(vector)
    assert cp.vectors_from_pb(pb) == vector
    out = cp.vectors_output_to_pb(vector)
    assert cp.vectors_output_from_pb(out) == vector


def test_vectors_use_dense_field() -> None:
    pb = cp.vectors_to_pb([1.0, 2.0])
    assert pb.vector.WhichOneof("vector") == "dense"
    assert list(pb.vector.data) == []
    named = cp.vectors_to_pb({"a": [1.0]})
    assert named.vectors.vectors["a"].WhichOneof("vector") == "dense"


def test_vector_output_is_float32() -> None:
    values = [0.1, 1 / 3, 1e-30, 3.4e38, -2.5, 123456.789]
    out = cp.vectors_output_to_pb({"a": values})
    decoded = cp.vectors_output_from_pb(type(out).FromString(out.SerializeToString()))
    assert decoded == {"a": [models.as_float32(x) for x in values]}
    point = cp.result_to_response("query_points", {"points": [{"id": 1, "score": 0.1}]}, 0)
    assert cp.decode_response("query_points", point)[0].score == models.as_float32(0.1)


def test_vector_output_reads_legacy_data() -> None:
    out = points_pb2.VectorsOutput()
    out.vector.data.extend([0.1, 0.2])  # the deprecated field of older servers
    assert cp.vectors_output_from_pb(out) == [models.as_float32(0.1), models.as_float32(0.2)]
    assert cp.vectors_output_from_pb(points_pb2.VectorsOutput()) is None


@pytest.mark.parametrize(
    ("vector", "path"),
    [
        ("abc", "vector"),
        ([1.0, "x"], "vector"),
        ({"a": {"indices": [1], "values": [0.5, 1.0]}}, "vector.a"),
        ({"a": {"indices": ["x"], "values": [0.5]}}, "vector.a.indices"),
        ({"a": [None]}, "vector.a"),
        ([[1.0], ["x"]], "vector[1]"),
    ],
)
def test_vectors_reject(vector: Any, path: str) -> None:
    with pytest.raises(InvalidInput) as info:
        cp.vectors_to_pb(vector)
    assert info.value.field == path


# ---------------------------------------------------------------- filters

FILTERS: list[dict[str, Any]] = [
    {},
    {"must": [{"key": "city", "match": {"value": "Berlin"}}]},
    {"must": [{"key": "n", "match": {"value": 42}}]},
    {"must": [{"key": "neg", "match": {"value": -(2**63)}}]},
    {"must": [{"key": "ok", "match": {"value": True}}]},
    {"must": [{"key": "ok", "match": {"value": False}}]},
    {"should": [{"key": "c", "match": {"any": ["a", "b"]}}]},
    {"should": [{"key": "c", "match": {"any": [1, 2, 3]}}]},
    {"should": [{"key": "c", "match": {"any": []}}]},
    {"must_not": [{"key": "c", "match": {"except": ["x"]}}]},
    {"must_not": [{"key": "c", "match": {"except": [7, 8]}}]},
    {"must": [{"key": "d", "match": {"text": "good cheap"}}]},
    {"must": [{"key": "d", "match": {"phrase": "good cheap"}}]},
    {"must": [{"key": "d", "match": {"text_any": "good cheap"}}]},
    {"must": [{"key": "p", "range": {"gte": 1.5, "lt": 10.0}}]},
    {"must": [{"key": "p", "range": {"gt": 0.0, "lte": 3.0}}]},
    {"must": [{"key": "p", "range": {}}]},
    {"must": [{"key": "t", "range": {"gte": "2024-01-02T03:04:05Z"}}]},
    {"must": [{"key": "t", "range": {"lt": "2024-01-02T03:04:05.500Z"}}]},
    {"must": [{"key": "tags", "values_count": {"gt": 1, "lte": 5}}]},
    {"must": [{"key": "x", "match": {"value": "a"}, "range": {"gt": 1.0}}]},
    {"must": [{"has_id": [1, 2, UUID]}]},
    {"must": [{"has_id": []}]},
    {"must": [{"is_empty": {"key": "tags"}}]},
    {"must_not": [{"is_null": {"key": "name"}}]},
    {"must": [{"has_vector": "image"}]},
    {
        "must": [
            {
                "nested": {
                    "key": "diet[]",
                    "filter": {"must": [{"key": "food", "match": {"value": "meat"}}]},
                }
            }
        ]
    },
    {"must": [{"nested": {"key": "a", "filter": {}}}]},
    {
        "min_should": {
            "conditions": [
                {"key": "a", "match": {"value": 1}},
                {"key": "b", "match": {"value": 2}},
                {"key": "c", "match": {"value": 3}},
            ],
            "min_count": 2,
        }
    },
    {
        "must": [
            {"should": [{"key": "a", "match": {"value": 1}}, {"has_id": [5]}]},
            {"must_not": [{"must": [{"is_empty": {"key": "z"}}]}]},
            {},
        ],
        "should": [{"key": "b", "range": {"lt": 2.0}}],
        "must_not": [{"key": "c", "match": {"any": ["q"]}}],
        "min_should": {"conditions": [{"has_id": [UUID]}], "min_count": 1},
    },
]


@pytest.mark.parametrize("filter_", FILTERS, ids=lambda f: orjson.dumps(f).decode()[:60])
def test_filter_round_trip(filter_: dict[str, Any]) -> None:
    pb = cp.filter_to_pb(filter_)
    wire = type(pb).FromString(pb.SerializeToString())
    assert cp.filter_from_pb(wire) == filter_


def test_filter_accepts_rest_variants() -> None:
    # A single condition instead of a list, null members, integer range bounds.
    single = {"must": {"key": "a", "match": {"value": 1}}, "should": None}
    assert cp.filter_from_pb(cp.filter_to_pb(single)) == {
        "must": [{"key": "a", "match": {"value": 1}}]
    }
    ranged = cp.filter_from_pb(cp.filter_to_pb({"must": [{"key": "p", "range": {"gte": 1}}]}))
    assert ranged == {"must": [{"key": "p", "range": {"gte": 1.0}}]}
    loose = {"must": [{"key": "a", "match": {"value": "x"}, "range": None, "geo_radius": None}]}
    assert cp.filter_from_pb(cp.filter_to_pb(loose)) == {
        "must": [{"key": "a", "match": {"value": "x"}}]
    }
    naive = {"must": [{"key": "t", "range": {"gte": "2024-01-02T03:04:05"}}]}
    assert cp.filter_from_pb(cp.filter_to_pb(naive)) == {
        "must": [{"key": "t", "range": {"gte": "2024-01-02T03:04:05Z"}}]
    }


def test_filter_match_kinds() -> None:
    def match_of(value: Any) -> str:
        pb = cp.filter_to_pb({"must": [{"key": "k", "match": value}]})
        kind: str = pb.must[0].field.match.WhichOneof("match_value")
        return kind

    assert match_of({"value": "s"}) == "keyword"
    assert match_of({"value": 1}) == "integer"
    assert match_of({"value": True}) == "boolean"  # bool before int
    assert match_of({"any": ["s"]}) == "keywords"
    assert match_of({"any": [1]}) == "integers"
    assert match_of({"except": ["s"]}) == "except_keywords"
    assert match_of({"except": [1]}) == "except_integers"
    assert match_of({"text": "s"}) == "text"


BAD_FILTERS: list[tuple[Any, str]] = [
    ([], "filter"),
    ({"mustt": []}, "filter.mustt"),
    ({"must": 3}, "filter.must"),
    ({"must": [3]}, "filter.must[0]"),
    ({"must": [{"key": "a"}]}, "filter.must[0]"),
    ({"must": [{"key": 1, "match": {"value": 1}}]}, "filter.must[0].key"),
    ({"must": [{"key": "a", "match": {"value": 1.5}}]}, "filter.must[0].match.value"),
    ({"must": [{"key": "a", "match": {"value": None}}]}, "filter.must[0].match.value"),
    ({"must": [{"key": "a", "match": {"valu": 1}}]}, "filter.must[0].match.valu"),
    ({"must": [{"key": "a", "match": {}}]}, "filter.must[0].match"),
    ({"must": [{"key": "a", "match": {"value": 1, "any": [1]}}]}, "filter.must[0].match"),
    ({"must": [{"key": "a", "match": "x"}]}, "filter.must[0].match"),
    ({"must": [{"key": "a", "match": {"any": [1, "a"]}}]}, "filter.must[0].match.any"),
    ({"must": [{"key": "a", "match": {"any": "a"}}]}, "filter.must[0].match.any"),
    ({"must": [{"key": "a", "match": {"except": [1.5]}}]}, "filter.must[0].match.except"),
    ({"must": [{"key": "a", "match": {"value": 2**63}}]}, "filter.must[0].match.value"),
    ({"must": [{"key": "a", "match": {"text": 1}}]}, "filter.must[0].match.text"),
    ({"should": [{}, {"key": "a", "range": {"gte": "x"}}]}, "filter.should[1].range.gte"),
    (
        {"should": [{"key": "a", "range": {"gte": 1, "lt": "2024-01-01"}}]},
        "filter.should[0].range.lt",
    ),
    ({"should": [{"key": "a", "range": {"gte": True}}]}, "filter.should[0].range.gte"),
    ({"should": [{"key": "a", "range": {"from": 1}}]}, "filter.should[0].range.from"),
    ({"should": [{"key": "a", "range": 5}]}, "filter.should[0].range"),
    ({"should": [{"key": "a", "values_count": {"gt": -1}}]}, "filter.should[0].values_count.gt"),
    ({"should": [{"key": "a", "values_count": {"gt": 1.5}}]}, "filter.should[0].values_count.gt"),
    ({"should": [{"key": "a", "geo_radius": {"radius": 1}}]}, "filter.should[0].geo_radius.center"),
    ({"must": [{"has_id": [-1]}]}, "filter.must[0].has_id[0]"),
    ({"must": [{"has_id": 5}]}, "filter.must[0].has_id"),
    ({"must": [{"has_id": [1], "is_empty": {"key": "a"}}]}, "filter.must[0].is_empty"),
    ({"must": [{"is_empty": "a"}]}, "filter.must[0].is_empty"),
    ({"must": [{"is_null": {}}]}, "filter.must[0].is_null"),
    ({"must": [{"nested": {"key": "a"}}]}, "filter.must[0].nested"),
    (
        {"must": [{"nested": {"key": "a", "filter": {"must": [{"key": "b"}]}}}]},
        "filter.must[0].nested.filter.must[0]",
    ),
    ({"must": [{"has_vector": 3}]}, "filter.must[0].has_vector"),
    ({"must": [{"bogus": 1}]}, "filter.must[0].bogus"),
    ({"must": [{"must": [{"key": "a", "match": 1}]}]}, "filter.must[0].must[0].match"),
    ({"min_should": [1]}, "filter.min_should"),
    ({"min_should": {"conditions": [], "min_count": -1}}, "filter.min_should.min_count"),
    ({"min_should": {"conditions": [3], "min_count": 1}}, "filter.min_should.conditions[0]"),
    ({"min_should": {"conditionz": [], "min_count": 1}}, "filter.min_should.conditionz"),
]


@pytest.mark.parametrize(("filter_", "path"), BAD_FILTERS, ids=lambda x: str(x)[:60])
def test_bad_filter_names_the_path(filter_: Any, path: str) -> None:
    with pytest.raises(InvalidInput) as info:
        cp.filter_to_pb(filter_)
    assert info.value.field == path
    assert isinstance(info.value, ValueError)


def test_filter_from_pb_rejects_empty_condition() -> None:
    pb = cp.filter_to_pb({})
    pb.must.add()
    with pytest.raises(InvalidInput):
        cp.filter_from_pb(pb)


# ---------------------------------------------------------------- requests

FILTER = {"must": [{"key": "city", "match": {"value": "Berlin"}}]}

# (operation, body, params, expected REST body after the server-side conversion or None for
# "same as body", expected params)
REQUESTS: list[tuple[str, dict[str, Any] | None, dict[str, str] | None, Any, dict[str, str]]] = [
    (
        "create_collection",
        {"vectors": {"size": 4, "distance": "Cosine"}},
        None,
        None,
        {},
    ),
    (
        "create_collection",
        {
            "vectors": {
                "image": {"size": 4, "distance": "Dot", "on_disk": True},
                "text": {"size": 2, "distance": "Manhattan"},
            },
            "shard_number": 2,
            "replication_factor": 3,
            "on_disk_payload": False,
        },
        None,
        None,
        {},
    ),
    ("list_collections", None, None, None, {}),
    ("get_collection", None, None, None, {}),
    ("collection_exists", None, None, None, {}),
    ("delete_collection", None, None, None, {}),
    (
        "upsert",
        {
            "points": [
                {"id": 1, "vector": [0.5, 0.25], "payload": {"a": 1, "b": [True, None]}},
                {"id": UUID, "vector": {"image": [1.0], "text": [2.0, 3.0]}},
                {"id": 2**64 - 1, "vector": {}},
            ]
        },
        {"wait": "true"},
        None,
        {"wait": "true"},
    ),
    (
        "upsert",
        {"batch": {"ids": [1, 2], "vectors": [[1.0], [2.0]], "payloads": [{"a": 1}, None]}},
        {"wait": "false"},
        {
            "points": [
                {"id": 1, "vector": [1.0], "payload": {"a": 1}},
                {"id": 2, "vector": [2.0]},
            ]
        },
        {"wait": "false"},
    ),
    (
        "upsert",
        {"batch": {"ids": [1], "vectors": {"a": [[1.0]], "b": [[2.0]]}}},
        None,
        {"points": [{"id": 1, "vector": {"a": [1.0], "b": [2.0]}}]},
        {},
    ),
    (
        "retrieve",
        {"ids": [1, UUID], "with_payload": ["a", "b"], "with_vector": ["image"]},
        None,
        None,
        {},
    ),
    (
        "retrieve",
        {"ids": [1]},
        None,
        {"ids": [1], "with_payload": True, "with_vector": False},
        {},
    ),
    (
        "retrieve",
        {"ids": [1], "with_payload": {"exclude": ["big"]}, "with_vector": True},
        None,
        None,
        {},
    ),
    (
        "retrieve",
        {"ids": [1], "with_payload": {"include": ["a"]}},
        None,
        {"ids": [1], "with_payload": ["a"], "with_vector": False},
        {},
    ),
    ("count", {"filter": FILTER, "exact": False}, None, None, {}),
    ("count", {}, None, {"exact": True}, {}),
    ("delete", {"points": [1, UUID]}, {"wait": "true"}, None, {"wait": "true"}),
    ("delete", {"filter": FILTER}, None, None, {}),
    (
        "query_points",
        {
            "query": [0.5, 0.25, 1.0],
            "filter": FILTER,
            "limit": 5,
            "offset": 2,
            "with_payload": True,
            "with_vector": False,
            "score_threshold": 0.5,
            "using": "image",
            "params": {
                "hnsw_ef": 128,
                "exact": False,
                "indexed_only": True,
                "quantization": {"ignore": False, "rescore": True, "oversampling": 2.0},
            },
        },
        None,
        None,
        {},
    ),
    ("query_points", {"query": 7, "limit": 3}, None, None, {}),
    ("query_points", {"query": UUID}, None, None, {}),
    ("query_points", {"query": {"nearest": [1.0]}}, None, {"query": [1.0]}, {}),
    ("query_points", {}, None, None, {}),
    (
        "scroll",
        {"offset": UUID, "limit": 10, "filter": FILTER, "with_payload": False, "with_vector": True},
        None,
        None,
        {},
    ),
    ("scroll", {}, None, {"with_payload": True, "with_vector": False}, {}),
    ("create_snapshot", None, None, None, {}),
    ("list_snapshots", None, None, None, {}),
    ("health", None, None, None, {}),
]


@pytest.mark.parametrize(
    ("name", "body", "params", "expected", "expected_params"),
    REQUESTS,
    ids=[f"{r[0]}-{i}" for i, r in enumerate(REQUESTS)],
)
def test_request_round_trip(
    name: str,
    body: dict[str, Any] | None,
    params: dict[str, str] | None,
    expected: Any,
    expected_params: dict[str, str],
) -> None:
    collection = None if name in ("list_collections", "health") else "c"
    message = cp.encode_request(make_call(name, body, params, collection))
    request_cls, _ = cp.GRPC_MESSAGES[name]
    assert type(message) is request_cls
    wire = request_cls.FromString(message.SerializeToString())
    got_collection, got_body, got_params = cp.request_to_rest(name, wire)
    assert got_collection == collection
    want = body if expected is None else expected
    if want == {} and got_body is None:
        got_body = {}
    assert got_body == (want if want is not None else None)
    assert got_params == expected_params


def test_request_shapes() -> None:
    query: Any = cp.encode_request(make_call("query_points", {"query": [1.0, 2.0]}))
    assert query.query.nearest.WhichOneof("variant") == "dense"
    assert list(query.query.nearest.dense.data) == [1.0, 2.0]
    by_id: Any = cp.encode_request(make_call("query_points", {"query": 3}))
    assert by_id.query.nearest.id.num == 3
    upsert: Any = cp.encode_request(make_call("upsert", {"points": [{"id": 1, "vector": [1.0]}]}))
    assert upsert.points[0].vectors.vector.dense.data == [1.0]
    assert not upsert.HasField("wait")
    waited: Any = cp.encode_request(make_call("upsert", {"points": []}, {"wait": "true"}))
    assert waited.wait is True and not waited.HasField("timeout")
    created: Any = cp.encode_request(
        make_call("create_collection", {"vectors": {"size": 3, "distance": "Euclid"}})
    )
    assert created.vectors_config.params.size == 3
    assert created.vectors_config.params.distance == 2
    assert not created.HasField("shard_number")
    count: Any = cp.encode_request(make_call("count", {}))
    assert count.exact is True and not count.HasField("filter")


def test_request_from_encoded_body() -> None:
    body = {"points": [{"id": 9, "vector": [1.0], "payload": {"k": "v"}}]}
    call = make_call("upsert", None, None, encoded=orjson.dumps(body))
    message = cp.encode_request(call)
    assert cp.request_to_rest("upsert", message)[1] == body


BAD_REQUESTS: list[tuple[str, Any, Any, str | None, str]] = [
    ("upsert", {"points": [{"id": -1, "vector": [1.0]}]}, None, "c", "points[0].id"),
    ("upsert", {"points": [{"id": 1, "vector": "x"}]}, None, "c", "points[0].vector"),
    (
        "upsert",
        {"points": [{"id": 1, "vector": [1.0], "payload": 3}]},
        None,
        "c",
        "points[0].payload",
    ),
    ("upsert", {"points": [{"vector": [1.0]}]}, None, "c", "points[0].id"),
    ("upsert", {"points": [{"id": 1, "vectors": [1.0]}]}, None, "c", "points[0].vectors"),
    ("upsert", {}, None, "c", "body"),
    ("upsert", {"batch": {"ids": [1, 2], "vectors": [[1.0]]}}, None, "c", "batch"),
    ("upsert", {"points": []}, None, None, "collection"),
    (
        "create_collection",
        {"vectors": {"size": 4, "distance": "cos"}},
        None,
        "c",
        "vectors.distance",
    ),
    ("create_collection", {"vectors": {"size": -4, "distance": "Dot"}}, None, "c", "vectors.size"),
    ("create_collection", {"vectors": {"a": {"size": 1}}}, None, "c", "vectors.a.distance"),
    (
        "create_collection",
        {"vectors": {"size": 1, "distance": "Dot", "hnsw_config": {"m": -1}}},
        None,
        "c",
        "vectors.hnsw_config.m",
    ),
    ("create_collection", {"hnsw_config": {"mm": 4}}, None, "c", "hnsw_config.mm"),
    ("create_collection", {"write_consistency_factor": "1"}, None, "c", "write_consistency_factor"),
    (
        "query_points",
        {"query": [1.0], "filter": {"must": [{"key": "a"}]}},
        None,
        "c",
        "filter.must[0]",
    ),
    (
        "query_points",
        {"query": {"recommend": {"strategy": "x"}}},
        None,
        "c",
        "query.recommend.strategy",
    ),
    ("query_points", {"query": [1.0], "prefetch": [{"hnsw": 1}]}, None, "c", "prefetch[0].hnsw"),
    ("query_points", {"query": [1.0], "params": {"hnsw": 1}}, None, "c", "params.hnsw"),
    (
        "query_points",
        {"params": {"quantization": {"oversampling": "x"}}},
        None,
        "c",
        "params.quantization.oversampling",
    ),
    ("query_points", {"params": {"hnsw_ef": -1}}, None, "c", "params.hnsw_ef"),
    ("query_points", {"query": [1.0], "limit": "5"}, None, "c", "limit"),
    ("query_points", {"query": [1.0], "score_threshold": "x"}, None, "c", "score_threshold"),
    ("query_points", {"query": [1.0], "with_payload": 3}, None, "c", "with_payload"),
    ("query_points", {"query": [1.0], "with_vector": "a"}, None, "c", "with_vector"),
    ("scroll", {"offset": 1.5}, None, "c", "offset"),
    ("scroll", {"limit": 2**40}, None, "c", "limit"),
    ("scroll", {"order_by": {"direction": "asc"}}, None, "c", "order_by.key"),
    ("delete", {}, None, "c", "body"),
    ("delete", {"points": [True]}, None, "c", "points[0]"),
    ("delete", {"points": [1, 2, "x", 2**64]}, None, "c", "points[3]"),
    ("retrieve", {"ids": "1"}, None, "c", "ids"),
    ("count", {"filter": {"must": [{"key": "a", "match": {}}]}}, None, "c", "filter.must[0].match"),
]


@pytest.mark.parametrize(
    ("name", "body", "params", "collection", "path"),
    BAD_REQUESTS,
    ids=[f"{r[0]}-{r[4]}" for r in BAD_REQUESTS],
)
def test_bad_request_names_the_path(
    name: str, body: Any, params: Any, collection: str | None, path: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        cp.encode_request(make_call(name, body, params, collection))
    assert info.value.field == path


def test_grpc_messages_cover_every_grpc_operation() -> None:
    with_grpc = {name for name, op in OPERATIONS.items() if op.grpc_method is not None}
    assert set(cp.GRPC_MESSAGES) == with_grpc


# ---------------------------------------------------------------- responses

POINT_JSON = {"id": 1, "payload": {"city": "Berlin", "n": 3}, "vector": [0.1, 0.2, 0.3]}
NAMED_POINT_JSON = {"id": UUID, "payload": None, "vector": {"image": [0.5], "text": [0.7, 0.9]}}
BARE_POINT_JSON: dict[str, Any] = {"id": 2, "payload": {}}

RESULTS: list[tuple[str, Any]] = [
    ("create_collection", True),
    ("create_collection", False),
    ("delete_collection", True),
    ("list_collections", {"collections": [{"name": "a"}, {"name": "b"}]}),
    ("list_collections", {"collections": []}),
    (
        "get_collection",
        {
            "status": "green",
            "optimizer_status": "ok",
            "points_count": 10,
            "indexed_vectors_count": 0,
            "segments_count": 2,
            "config": {
                "params": {
                    "vectors": {"size": 4, "distance": "Cosine"},
                    "shard_number": 1,
                    "replication_factor": 1,
                    "on_disk_payload": True,
                }
            },
            "payload_schema": {},
        },
    ),
    (
        "get_collection",
        {
            "status": "yellow",
            "optimizer_status": {"error": "boom"},
            "points_count": 0,
            "indexed_vectors_count": 5,
            "segments_count": 8,
            "config": {
                "params": {
                    "vectors": {
                        "image": {"size": 512, "distance": "Dot", "on_disk": True},
                        "text": {"size": 3, "distance": "Manhattan"},
                    },
                    "shard_number": 3,
                    "replication_factor": 2,
                    "on_disk_payload": False,
                }
            },
            "payload_schema": {"city": {"data_type": "keyword", "points": 4}},
        },
    ),
    ("collection_exists", {"exists": True}),
    ("collection_exists", {"exists": False}),
    ("upsert", {"operation_id": 5, "status": "completed"}),
    ("upsert", {"operation_id": None, "status": "acknowledged"}),
    ("delete", {"operation_id": 0, "status": "wait_timeout"}),
    ("retrieve", [POINT_JSON, NAMED_POINT_JSON, BARE_POINT_JSON]),
    ("retrieve", []),
    ("count", {"count": 0}),
    ("count", {"count": 123456789012}),
    (
        "query_points",
        {
            "points": [
                {**POINT_JSON, "score": 0.123456789, "version": 3},
                {**NAMED_POINT_JSON, "score": -1.5, "version": 0},
                {**BARE_POINT_JSON, "score": 1, "version": 1},
            ]
        },
    ),
    ("query_points", {"points": []}),
    ("scroll", {"points": [POINT_JSON, NAMED_POINT_JSON], "next_page_offset": 99}),
    ("scroll", {"points": [BARE_POINT_JSON], "next_page_offset": UUID}),
    ("scroll", {"points": [], "next_page_offset": None}),
    (
        "create_snapshot",
        {
            "name": "c-1.snapshot",
            "creation_time": "2024-05-06T07:08:09.123456",
            "size": 1024,
            "checksum": "abc",
        },
    ),
    ("create_snapshot", {"name": "s", "creation_time": None, "size": 0, "checksum": None}),
    (
        "list_snapshots",
        [
            {"name": "a", "creation_time": "2024-05-06T07:08:09", "size": 1, "checksum": "x"},
            {"name": "b", "creation_time": "1999-12-31T23:59:59.999999999", "size": 2},
        ],
    ),
    ("list_snapshots", []),
    ("health", {"title": "qdrant - vector search engine", "version": "1.15.0", "commit": "abc"}),
    ("health", {"title": "qdrant - vector search engine", "version": "1.15.0"}),
]


def rest_decode(name: str, result: Any) -> Any:
    # ``GET /`` is the one REST answer without the envelope.
    envelope = result if name == "health" else {"result": result, "status": "ok", "time": 0.001}
    raw = orjson.dumps(envelope)
    return codec_json.decode(make_call(name), 200, raw, None)


@pytest.mark.parametrize(("name", "result"), RESULTS, ids=[r[0] for r in RESULTS])
def test_response_matches_rest_decoder(name: str, result: Any) -> None:
    message = cp.result_to_response(name, result, 0.25)
    _, response_cls = cp.GRPC_MESSAGES[name]
    assert type(message) is response_cls
    wire: Any = response_cls.FromString(message.SerializeToString())
    if name != "health":
        assert wire.time == 0.25
    assert cp.decode_response(name, wire) == rest_decode(name, result)


def test_decoded_types() -> None:
    points = cp.decode_response(
        "query_points",
        cp.result_to_response(
            "query_points", {"points": [{"id": 1, "score": 0.1, "vector": [0.1]}]}, 0
        ),
    )
    assert points == [
        models.ScoredPoint(1, models.as_float32(0.1), 0, None, [models.as_float32(0.1)])
    ]
    update = cp.decode_response(
        "upsert", cp.result_to_response("upsert", {"status": "acknowledged"}, 0)
    )
    assert update == models.UpdateResult(None, "acknowledged")
    snapshot = cp.decode_response(
        "create_snapshot",
        cp.result_to_response(
            "create_snapshot",
            {"name": "s", "creation_time": "2024-05-06T07:08:09.999", "size": 3},
            0,
        ),
    )
    assert snapshot == models.SnapshotInfo("s", "2024-05-06T07:08:09", 3, None)
    named = [r for n, r in RESULTS if n == "get_collection"][1]
    info = cp.decode_response("get_collection", cp.result_to_response("get_collection", named, 0))
    assert info.vectors["image"] == models.VectorParams(512, "Dot", True)
    assert info.status == "yellow"
    page = next(r for n, r in RESULTS if n == "scroll")
    scroll = cp.decode_response("scroll", cp.result_to_response("scroll", page, 0))
    assert scroll[1] == 99 and isinstance(scroll[0][0], models.Record)


def test_payload_and_vector_absent_are_none() -> None:
    records = cp.decode_response("retrieve", cp.result_to_response("retrieve", [{"id": 1}], 0))
    assert records == [models.Record(1, None, None)]


CONFIG_SECTIONS: dict[str, Any] = {
    "hnsw_config": {
        "m": 16,
        "ef_construct": 100,
        "full_scan_threshold": 10000,
        "max_indexing_threads": 0,
        "on_disk": False,
        "payload_m": 8,
        "inline_storage": True,
    },
    "optimizer_config": {
        "deleted_threshold": 0.2,
        "vacuum_min_vector_number": 1000,
        "default_segment_number": 0,
        "max_segment_size": None,
        "memmap_threshold": None,
        "indexing_threshold": 10000,
        "flush_interval_sec": 5,
        "max_optimization_threads": 4,
        "not_a_field": 1,
    },
    "wal_config": {"wal_capacity_mb": 32, "wal_segments_ahead": 0},
}


def test_result_to_response_fills_config_sections() -> None:
    result = {"status": "green", "config": {"params": {"vectors": {}}, **CONFIG_SECTIONS}}
    message: Any = cp.result_to_response("get_collection", result, 0)
    config = collections_pb2.CollectionConfig.FromString(message.result.config.SerializeToString())
    hnsw, opt, wal = config.hnsw_config, config.optimizer_config, config.wal_config
    assert (hnsw.m, hnsw.ef_construct, hnsw.full_scan_threshold) == (16, 100, 10000)
    assert hnsw.HasField("max_indexing_threads") and hnsw.max_indexing_threads == 0
    assert hnsw.HasField("on_disk") and hnsw.on_disk is False
    assert (hnsw.payload_m, hnsw.inline_storage) == (8, True)
    assert opt.deleted_threshold == 0.2 and opt.HasField("default_segment_number")
    assert not opt.HasField("max_segment_size") and not opt.HasField("memmap_threshold")
    assert (opt.indexing_threshold, opt.flush_interval_sec) == (10000, 5)
    assert opt.max_optimization_threads.value == 4
    assert (wal.wal_capacity_mb, wal.wal_segments_ahead) == (32, 0)
    assert wal.HasField("wal_segments_ahead")
    # Sections the result leaves out stay unset; "auto" threads map to the Auto setting.
    bare: Any = cp.result_to_response("get_collection", {"config": {"params": {}}}, 0)
    assert not bare.result.config.HasField("hnsw_config")
    assert not bare.result.config.HasField("wal_config")
    auto: Any = cp.result_to_response(
        "get_collection",
        {"config": {"optimizer_config": {"max_optimization_threads": "auto"}}},
        0,
    )
    threads = auto.result.config.optimizer_config.max_optimization_threads
    assert threads.WhichOneof("variant") == "setting"
    assert threads.setting == collections_pb2.MaxOptimizationThreads.Auto


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"hnsw_config": [16]}, "config.hnsw_config"),
        ({"hnsw_config": {"m": -1}}, "config.hnsw_config.m"),
        ({"hnsw_config": {"on_disk": 1}}, "config.hnsw_config.on_disk"),
        (
            {"optimizer_config": {"deleted_threshold": "x"}},
            "config.optimizer_config.deleted_threshold",
        ),
        (
            {"optimizer_config": {"max_optimization_threads": "many"}},
            "config.optimizer_config.max_optimization_threads",
        ),
        ({"wal_config": {"wal_capacity_mb": 1.5}}, "config.wal_config.wal_capacity_mb"),
    ],
)
def test_result_to_response_rejects_bad_config_section(config: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        cp.result_to_response("get_collection", {"config": config}, 0)
    assert info.value.field == field


def test_result_to_response_rejects_bad_vector() -> None:
    with pytest.raises(InvalidInput) as info:
        cp.result_to_response("retrieve", [{"id": 1, "vector": "x"}], 0)
    assert info.value.field == "result[0].vector"
    with pytest.raises(InvalidInput) as info:
        cp.result_to_response("query_points", {"points": [{"id": -1, "score": 1.0}]}, 0)
    assert info.value.field == "result.points[0].id"
