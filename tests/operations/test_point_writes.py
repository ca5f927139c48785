"""Point writes, payload, vectors and payload indexes without a server: the request builders,
both wire directions (client encode, server ``to_rest``), and the checks that make REST
and gRPC refuse the same input before anything is sent."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from google.protobuf.message import Message
from qdrant_client import models as qm

import qdpool
from qdpool import operations as ops
from qdpool._proto import collections_pb2 as _col
from qdpool._proto import points_pb2 as _pts
from qdpool.call import Call, Options
from qdpool.endpoint import Endpoint
from qdpool.errors import InvalidInput
from qdpool.models import UpdateResult
from qdpool.operations import indexes, payload, points, vectors
from qdpool.operations.spec import Operation
from qdpool.testing import MockTransport
from qdpool.wire import points_ops as po

UPDATE = UpdateResult(7, "completed")


def make_client(result: Any = UPDATE) -> tuple[qdpool.Client, MockTransport, MockTransport]:
    rest = MockTransport(lambda call: result, "rest")
    grpc = MockTransport(lambda call: result, "grpc")
    client = qdpool.Client(Endpoint("127.0.0.1"), transports={"rest": rest, "grpc": grpc})
    return client, rest, grpc


def call_of(
    spec: Operation[Any], body: Any, options: Options | None = None, path: Any = None
) -> Call:
    return Call(spec, "docs", "grpc", body, options, 0.0, Endpoint("h"), path)


def round_trip(
    spec: Operation[Any], body: Any, options: Options | None = None, path: Any = None
) -> tuple[Any, dict[str, str]]:
    """Client encode, the bytes on the wire, server decode: the REST body and params the
    engine gets."""
    assert spec.grpc is not None and spec.grpc.request is not None
    message = spec.grpc.encode(call_of(spec, body, options, path))
    assert isinstance(message, Message)
    wire = spec.grpc.request.FromString(message.SerializeToString())
    collection, rest_body, params = spec.grpc.to_rest(wire)
    assert collection == "docs"
    return rest_body, params


SPARSE = {"indices": [1, 9], "values": [0.5, 0.25]}
FILTER = {"must": [{"key": "city", "match": {"value": "Berlin"}}]}

# (spec, REST body) pairs that must reach the server exactly as the REST door would get them.
BODIES: list[tuple[Operation[Any], dict[str, Any]]] = [
    (
        ops.UPSERT,
        {
            "points": [
                {"id": 1, "vector": [0.5, 0.25], "payload": {"a": 1}},
                {"id": 2, "vector": {"d": [1.0, 2.0], "s": SPARSE, "m": [[1.0], [2.0]]}},
                {"id": "5c56c793-69f3-4fbf-87e6-c4bf54c28c26", "vector": [[1.0, 0.5]]},
            ],
            "update_filter": FILTER,
            "update_mode": "insert_only",
        },
    ),
    (ops.UPSERT, {"points": [{"id": 3, "vector": {"s": SPARSE}}], "update_mode": "update_only"}),
    (ops.DELETE_POINTS, {"points": [1, 2]}),
    (ops.DELETE_POINTS, {"filter": FILTER}),
    (ops.UPDATE_VECTORS, {"points": [{"id": 1, "vector": {"s": SPARSE}}], "update_filter": FILTER}),
    (ops.DELETE_VECTORS, {"points": [1], "vector": ["s", "m"]}),
    (ops.DELETE_VECTORS, {"filter": FILTER, "vector": ["d"]}),
    (ops.SET_PAYLOAD, {"payload": {"x": {"y": [1, None]}}, "points": [1], "key": "meta.inner"}),
    (ops.SET_PAYLOAD, {"payload": {"x": 1}, "filter": FILTER}),
    (ops.OVERWRITE_PAYLOAD, {"payload": {"only": True}, "points": [4]}),
    (ops.DELETE_PAYLOAD, {"keys": ["a", "b.c"], "points": [1]}),
    (ops.DELETE_PAYLOAD, {"keys": ["a"], "filter": FILTER}),
    (ops.CLEAR_PAYLOAD, {"points": [1, 2]}),
    (ops.CLEAR_PAYLOAD, {"filter": FILTER}),
    (
        ops.BATCH_UPDATE_POINTS,
        {
            "operations": [
                {"upsert": {"points": [{"id": 1, "vector": [1.0]}], "update_mode": "upsert"}},
                {"delete": {"points": [2]}},
                {"set_payload": {"payload": {"a": 1}, "points": [1], "key": "k"}},
                {"overwrite_payload": {"payload": {"b": 2}, "filter": FILTER}},
                {"delete_payload": {"keys": ["a"], "points": [1]}},
                {"clear_payload": {"filter": FILTER}},
                {"update_vectors": {"points": [{"id": 1, "vector": {"s": SPARSE}}]}},
                {"delete_vectors": {"points": [1], "vector": ["s"]}},
            ]
        },
    ),
    (ops.CREATE_PAYLOAD_INDEX, {"field_name": "city", "field_schema": "keyword"}),
    (
        ops.CREATE_PAYLOAD_INDEX,
        {
            "field_name": "t",
            "field_schema": {"type": "keyword", "is_tenant": True, "on_disk": True},
        },
    ),
    (
        ops.CREATE_PAYLOAD_INDEX,
        {"field_name": "n", "field_schema": {"type": "integer", "lookup": False, "range": True}},
    ),
    (
        ops.CREATE_PAYLOAD_INDEX,
        {
            "field_name": "body",
            "field_schema": {
                "type": "text",
                "tokenizer": "word",
                "lowercase": True,
                "min_token_len": 2,
                "max_token_len": 20,
                "stopwords": {"languages": ["english"], "custom": ["foo"]},
                "stemmer": {"type": "snowball", "language": "english"},
                "phrase_matching": True,
            },
        },
    ),
]


@pytest.mark.parametrize(
    ("spec", "body"), BODIES, ids=[f"{s.name}-{i}" for i, (s, _) in enumerate(BODIES)]
)
def test_a_write_reaches_the_server_as_its_rest_body(spec: Operation[Any], body: Any) -> None:
    assert round_trip(spec, body, Options(wait=True))[0] == body


def test_vectors_travel_in_qdrants_current_fields() -> None:
    message = ops.UPSERT.grpc.encode(call_of(ops.UPSERT, BODIES[0][1]))  # type: ignore[union-attr]
    first, second, third = message.points
    assert first.vectors.vector.WhichOneof("vector") == "dense"
    named = second.vectors.vectors.vectors
    kinds = {name: named[name].WhichOneof("vector") for name in named}
    assert kinds == {"d": "dense", "s": "sparse", "m": "multi_dense"}
    assert third.vectors.vector.WhichOneof("vector") == "multi_dense"
    assert message.update_mode == _pts.InsertOnly


def test_the_server_reads_the_deprecated_vector_layout_of_older_clients() -> None:
    message = _pts.UpsertPoints(collection_name="docs")
    point = message.points.add()
    point.id.num = 1
    named = point.vectors.vectors.vectors
    named["s"].data.extend([0.5, 0.25])
    named["s"].indices.data.extend([3, 4])
    named["m"].data.extend([1.0, 2.0, 3.0, 4.0])
    named["m"].vectors_count = 2
    _, body, _ = po.upsert_to_rest(message)
    assert body["points"][0]["vector"] == {
        "s": {"indices": [3, 4], "values": [0.5, 0.25]},
        "m": [[1.0, 2.0], [3.0, 4.0]],
    }


def test_write_options_become_rest_params() -> None:
    _, params = round_trip(ops.SET_PAYLOAD, BODIES[7][1], Options(wait=False, ordering="strong"))
    assert params == {"wait": "false", "ordering": "strong"}
    _, params = round_trip(
        ops.DELETE_PAYLOAD_INDEX, None, Options(wait=True, ordering="medium"), {"field_name": "a.b"}
    )
    assert params == {"wait": "true", "ordering": "medium", "field_name": "a.b"}


def test_the_server_refuses_what_it_does_not_honour() -> None:
    # (shard_key_selector is carried both ways now: tests/wire/test_shard_keys.py)
    index = _pts.CreateFieldIndexCollection(collection_name="docs", field_name="k")
    index.field_index_params.keyword_index_params.nested = "x"
    with pytest.raises(InvalidInput) as info:
        po.create_field_index_to_rest(index)
    assert info.value.field == "field_index_params.keyword_index_params.nested"
    inference = _pts.UpsertPoints(collection_name="docs")
    point = inference.points.add()
    point.id.num = 1
    point.vectors.vector.document.text = "hello"
    with pytest.raises(InvalidInput, match="inference") as info:
        po.upsert_to_rest(inference)
    assert info.value.field == "points[0].vector.document"


def test_the_server_reads_deprecated_batch_members() -> None:
    batch = _pts.UpdateBatchPoints(collection_name="docs")
    batch.operations.add().delete_deprecated.points.ids.add().num = 3
    batch.operations.add().clear_payload_deprecated.points.ids.add().num = 4
    _, body, _ = po.update_batch_to_rest(batch)
    assert body == {"operations": [{"delete": {"points": [3]}}, {"clear_payload": {"points": [4]}}]}


def test_a_stopword_language_travels_as_qdrant_client_sends_it() -> None:
    body = {"field_name": "t", "field_schema": {"type": "text", "stopwords": "english"}}
    rest_body, _ = round_trip(ops.CREATE_PAYLOAD_INDEX, body)
    assert rest_body["field_schema"]["stopwords"] == {"languages": ["english"]}


def test_batch_results_decode_alike() -> None:
    result = [
        {"operation_id": 1, "status": "completed"},
        {"operation_id": 2, "status": "acknowledged"},
    ]
    spec = ops.BATCH_UPDATE_POINTS
    assert spec.grpc is not None
    reply = spec.grpc.from_rest(result, 0.01)
    decoded = spec.grpc.decode(type(reply).FromString(reply.SerializeToString()))
    assert (
        decoded
        == spec.decode_rest(result)
        == [
            UpdateResult(1, "completed"),
            UpdateResult(2, "acknowledged"),
        ]
    )


# ---------------------------------------------------------------- request builders


def test_upsert_takes_qdrant_client_models_and_numpy() -> None:
    body = points.upsert_request(
        [
            qm.PointStruct(
                id=5,
                vector={
                    "d": np.arange(3, dtype=np.float64),
                    "m": np.ones((2, 2)),
                    "s": qm.SparseVector(indices=[1, 2], values=[0.5, 1.0]),
                },
                payload={"n": np.int64(3), "x": np.float32(0.5), "v": np.array([1, 2])},
            )
        ],
        update_filter=qm.Filter(must=[qm.FieldCondition(key="n", match=qm.MatchValue(value=3))]),
        update_mode=qm.UpdateMode.INSERT_ONLY,
    )
    (point,) = body["points"]
    assert point["id"] == 5
    assert list(point["vector"]["d"]) == [0.0, 1.0, 2.0]
    assert point["vector"]["m"] == [[1.0, 1.0], [1.0, 1.0]]
    assert point["vector"]["s"] == {"indices": [1, 2], "values": [0.5, 1.0]}
    assert point["payload"] == {"n": 3, "x": 0.5, "v": [1, 2]}
    assert type(point["payload"]["n"]) is int
    assert body["update_filter"] == {"must": [{"key": "n", "match": {"value": 3}}]}
    assert body["update_mode"] == "insert_only"


def test_upsert_takes_the_column_form() -> None:
    body = points.upsert_request(
        qm.Batch(ids=[1, 2], vectors={"d": [[1.0], [2.0]]}, payloads=[{"a": 1}, {"b": 2}])
    )
    assert body["points"] == [
        {"id": 1, "vector": {"d": [1.0]}, "payload": {"a": 1}},
        {"id": 2, "vector": {"d": [2.0]}, "payload": {"b": 2}},
    ]
    with pytest.raises(InvalidInput) as info:
        points.upsert_request({"ids": [1, 2], "vectors": [[1.0]]})
    assert info.value.field == "points.vectors"


def test_selectors_take_ids_filters_and_qdrant_client_selectors() -> None:
    flt = qm.Filter(must=[qm.HasIdCondition(has_id=[1])])
    assert payload.selector([1, 2], None) == {"points": [1, 2]}
    assert payload.selector(qm.PointIdsList(points=[3]), None) == {"points": [3]}
    assert payload.selector(qm.FilterSelector(filter=flt), None) == {
        "filter": {"must": [{"has_id": [1]}]}
    }
    assert payload.selector(flt, None) == {"filter": {"must": [{"has_id": [1]}]}}
    assert payload.selector(None, flt) == {"filter": {"must": [{"has_id": [1]}]}}
    for bad in ((None, None), ([1], FILTER), (qm.FilterSelector(filter=flt), FILTER)):
        with pytest.raises(InvalidInput) as info:
            payload.selector(*bad)
        assert info.value.field == "points/filter"


def test_index_schemas_take_qdrant_client_models() -> None:
    keyword = indexes.create_payload_index_request("k", qm.PayloadSchemaType.KEYWORD)
    assert keyword == {"field_name": "k", "field_schema": "keyword"}
    text = indexes.create_payload_index_request(
        "t",
        qm.TextIndexParams(
            type=qm.TextIndexType.TEXT,
            tokenizer=qm.TokenizerType.WORD,
            lowercase=True,
            stopwords=qm.Language.ENGLISH,
            stemmer=qm.SnowballParams(
                type=qm.Snowball.SNOWBALL, language=qm.SnowballLanguage.ENGLISH
            ),
        ),
    )
    assert text["field_schema"] == {
        "type": "text",
        "tokenizer": "word",
        "lowercase": True,
        "stopwords": "english",
        "stemmer": {"type": "snowball", "language": "english"},
    }


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        ("keywords", "field_schema"),
        ({"type": "vector"}, "field_schema.type"),
        ({"type": "integer", "is_tenant": True}, "field_schema.is_tenant"),
        ({"type": "integer", "range": "yes"}, "field_schema.range"),
        ({"type": "text", "tokenizer": "letters"}, "field_schema.tokenizer"),
        ({"type": "text", "min_token_len": -1}, "field_schema.min_token_len"),
        ({"type": "text", "stemmer": {"type": "porter"}}, "field_schema.stemmer"),
        ({"type": "keyword", "nested": "x"}, "field_schema.nested"),
        (None, "field_schema"),
    ],
)
def test_a_bad_index_schema_names_the_field(schema: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        indexes.create_payload_index_request("k", schema)
    assert info.value.field == field


def test_batch_operations_are_checked_as_their_own_methods_check_them() -> None:
    body = points.batch_update_request(
        [
            qm.UpsertOperation(upsert=qm.PointsList(points=[qm.PointStruct(id=1, vector=[1.0])])),
            qm.DeleteOperation(delete=qm.PointIdsList(points=[2])),
            qm.SetPayloadOperation(set_payload=qm.SetPayload(payload={"a": 1}, points=[1])),
            qm.OverwritePayloadOperation(
                overwrite_payload=qm.SetPayload(
                    payload={"b": 2}, filter=qm.Filter(must=[qm.HasIdCondition(has_id=[1])])
                )
            ),
            qm.DeletePayloadOperation(delete_payload=qm.DeletePayload(keys=["a"], points=[1])),
            qm.ClearPayloadOperation(clear_payload=qm.PointIdsList(points=[1])),
            qm.UpdateVectorsOperation(
                update_vectors=qm.UpdateVectors(points=[qm.PointVectors(id=1, vector=[2.0])])
            ),
            qm.DeleteVectorsOperation(delete_vectors=qm.DeleteVectors(points=[1], vector=["v"])),
        ]
    )
    assert [next(iter(op)) for op in body["operations"]] == [
        "upsert",
        "delete",
        "set_payload",
        "overwrite_payload",
        "delete_payload",
        "clear_payload",
        "update_vectors",
        "delete_vectors",
    ]
    assert body["operations"][1] == {"delete": {"points": [2]}}
    assert round_trip(ops.BATCH_UPDATE_POINTS, body)[0] == body


@pytest.mark.parametrize(
    ("operations", "field"),
    [
        ([], "update_operations"),
        (
            [{"upsert": {"points": [{"id": 1, "vector": [float("nan")]}]}}],
            "update_operations[0].upsert.points[0].vector[0]",
        ),
        ([{"delete": {"points": [1]}}, {"frobnicate": {}}], "update_operations[1].frobnicate"),
        (
            [{"set_payload": {"payload": {"a": 1}}}],
            "update_operations[0].set_payload.points/filter",
        ),
        (
            [{"delete_payload": {"keys": "a", "points": [1]}}],
            "update_operations[0].delete_payload.keys",
        ),
        (
            [{"update_vectors": {"points": [{"id": 1}]}}],
            "update_operations[0].update_vectors.points[0].vector",
        ),
        (
            [{"clear_payload": {"points": [1], "extra": 1}}],
            "update_operations[0].clear_payload.extra",
        ),
    ],
)
def test_a_bad_batch_names_the_operation(operations: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        points.batch_update_request(operations)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: payload.set_payload_request(None, points=[1]), "payload"),
        (lambda: payload.set_payload_request({"a": float("inf")}, points=[1]), "payload.a"),
        (lambda: payload.set_payload_request({"a": 1}, points=[1], key=""), "key"),
        (lambda: payload.delete_payload_request([], points=[1]), "keys"),
        (lambda: payload.delete_payload_request(["a", 3], points=[1]), "keys[1]"),
        (lambda: payload.clear_payload_request(points=[-1]), "points[0]"),
        (lambda: vectors.delete_vectors_request("v", points=[1]), "vectors"),
        (lambda: vectors.delete_vectors_request([], points=[1]), "vectors"),
        (lambda: vectors.update_vectors_request([], update_filter=None), "points"),
        (
            lambda: vectors.update_vectors_request([{"id": 1, "vector": "x"}], update_filter=None),
            "points[0].vector",
        ),
        (
            lambda: points.upsert_request([{"id": 1, "vector": [1.0]}], update_mode="merge"),
            "update_mode",
        ),
        (
            lambda: points.upsert_request(
                [{"id": 1, "vector": [1.0]}],
                update_filter={"must": [{"key": "a", "range": {"lt": "x"}}]},
            ),
            "update_filter.must[0].range.lt",
        ),
        (lambda: indexes.create_payload_index_request("", "keyword"), "field_name"),
    ],
)
def test_bad_input_names_the_field(build: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        build()
    assert info.value.field == field


# ---------------------------------------------------------------- client methods


async def test_every_write_goes_out_alike_on_both_protocols() -> None:
    client, rest, grpc = make_client()
    async with client:
        for protocol in ("rest", "grpc"):
            kw: dict[str, Any] = {"protocol": protocol, "ordering": "strong"}
            results = [
                await client.upsert(
                    "docs", [{"id": 1, "vector": [1.0]}], update_mode="insert_only", **kw
                ),
                await client.update_vectors("docs", [{"id": 1, "vector": [2.0]}], **kw),
                await client.delete_vectors("docs", ["v"], points=[1], **kw),
                await client.set_payload("docs", {"a": 1}, points=[1], key="m", **kw),
                await client.overwrite_payload("docs", {"a": 1}, filter=FILTER, **kw),
                await client.delete_payload("docs", ["a"], points=[1], **kw),
                await client.clear_payload("docs", points=[1], **kw),
                await client.create_payload_index("docs", "city", "keyword", **kw),
                await client.delete_payload_index("docs", "city", **kw),
            ]
            assert results == [UpdateResult(7, "completed")] * len(results)
    names = [c.operation.name for c in rest.calls]
    assert (
        names
        == [c.operation.name for c in grpc.calls]
        == [
            "upsert",
            "update_vectors",
            "delete_vectors",
            "set_payload",
            "overwrite_payload",
            "delete_payload",
            "clear_payload",
            "create_payload_index",
            "delete_payload_index",
        ]
    )
    assert [c.body for c in rest.calls] == [c.body for c in grpc.calls]
    assert all(c.options == Options(wait=True, ordering="strong") for c in rest.calls)
    assert rest.calls[-1].path == {"field_name": "city"}


async def test_batch_returns_one_result_per_operation() -> None:
    client, _, _ = make_client([UPDATE, UpdateResult(8, "completed")])
    async with client:
        results = await client.batch_update_points(
            "docs", [{"delete": {"points": [1]}}, {"clear_payload": {"points": [2]}}]
        )
    assert results == [UpdateResult(7, "completed"), UpdateResult(8, "completed")]


async def test_bad_input_is_refused_before_anything_is_sent() -> None:
    client, rest, grpc = make_client()
    async with client:
        for protocol in ("rest", "grpc"):
            with pytest.raises(InvalidInput):
                await client.set_payload("docs", {"a": 1}, protocol=protocol)
            with pytest.raises(InvalidInput):
                await client.create_payload_index("docs", "k", "vector", protocol=protocol)
            with pytest.raises(InvalidInput):
                await client.upsert(
                    "docs", [{"id": 1, "vector": [1.0]}], update_mode="x", protocol=protocol
                )  # type: ignore[arg-type]
    assert rest.calls == [] and grpc.calls == []


def test_an_upsert_split_in_parts_keeps_its_update_filter_and_mode() -> None:
    many = [{"id": i, "vector": [0.5] * 64} for i in range(300)]
    body = points.upsert_request(many, update_filter=FILTER, update_mode="update_only")
    for protocol, limit in (("rest", 40_000), ("grpc", 40_000)):
        call = Call(ops.UPSERT, "docs", protocol, body, None, 0.0, Endpoint("h"))
        parts = list(points.split_upsert(call, limit))
        assert len(parts) > 2
        assert sum(len(p.body["points"]) for p in parts) == 300
        for part in parts:
            assert part.body["update_filter"] == FILTER
            assert part.body["update_mode"] == "update_only"
            if protocol == "rest":
                import orjson

                assert part.encoded is not None and len(part.encoded) <= limit
                assert orjson.loads(part.encoded) == part.body


def test_the_field_index_encoder_covers_every_index_kind() -> None:
    kinds = {name for name, number in _col.PayloadSchemaType.items() if number}
    seen = set()
    for kind in kinds:
        out = _pts.CreateFieldIndexCollection()
        po.fill_field_schema(out, kind.lower())
        seen.add(_pts.FieldType.Name(out.field_type).removeprefix("FieldType"))
    assert seen == kinds


def test_retrieve_carries_read_consistency_over_grpc() -> None:
    body = {"ids": [1, 2], "with_payload": True, "with_vector": ["d"]}
    for consistency, expected in (("majority", "majority"), (2, "2"), ("all", "all")):
        rest_body, params = round_trip(ops.RETRIEVE, body, Options(consistency=consistency))
        assert rest_body == body
        assert params == {"consistency": expected}


# Every top-level request field the embedded server honours, per write; any other field a
# client sets is refused by name (``refuse_unhandled``), never dropped.
_WRITE = {"collection_name", "wait", "ordering", "timeout"}
HONOURED: dict[str, tuple[Operation[Any], dict[str, Any], set[str]]] = {
    "upsert": (ops.UPSERT, BODIES[0][1], _WRITE | {"points", "update_filter", "update_mode"}),
    "delete": (ops.DELETE_POINTS, BODIES[2][1], _WRITE | {"points"}),
    "update_vectors": (ops.UPDATE_VECTORS, BODIES[4][1], _WRITE | {"points", "update_filter"}),
    "delete_vectors": (ops.DELETE_VECTORS, BODIES[5][1], _WRITE | {"points_selector", "vectors"}),
    "set_payload": (ops.SET_PAYLOAD, BODIES[7][1], _WRITE | {"payload", "points_selector", "key"}),
    "delete_payload": (ops.DELETE_PAYLOAD, BODIES[10][1], _WRITE | {"keys", "points_selector"}),
    "clear_payload": (ops.CLEAR_PAYLOAD, BODIES[12][1], _WRITE | {"points"}),
    "batch": (ops.BATCH_UPDATE_POINTS, BODIES[14][1], _WRITE | {"operations"}),
    "create_index": (
        ops.CREATE_PAYLOAD_INDEX,
        BODIES[16][1],
        _WRITE | {"field_name", "field_type", "field_index_params"},
    ),
}


def _set_any(message: Any, field: Any) -> None:
    if field.message_type is not None and not field.is_repeated:
        getattr(message, field.name).SetInParent()
    elif field.message_type is not None:
        getattr(message, field.name).add()
    elif field.is_repeated:
        getattr(message, field.name).append(1 if field.cpp_type != field.CPPTYPE_STRING else "x")
    elif field.cpp_type == field.CPPTYPE_STRING:
        setattr(message, field.name, "x")
    elif field.cpp_type == field.CPPTYPE_BOOL:
        setattr(message, field.name, True)
    else:
        setattr(message, field.name, 1)


@pytest.mark.parametrize("name", HONOURED)
def test_each_request_field_is_honoured_or_refused_by_name(name: str) -> None:
    spec, body, honoured = HONOURED[name]
    assert spec.grpc is not None
    fields = {f.name: f for f in spec.grpc.request.DESCRIPTOR.fields}  # type: ignore[union-attr]
    assert honoured <= set(fields)
    base = spec.grpc.encode(call_of(spec, body, Options(wait=True, ordering="weak")))
    spec.grpc.to_rest(base)  # every honoured field set at once converts
    for field_name in set(fields) - honoured:
        message = type(base)()
        message.CopyFrom(base)
        _set_any(message, fields[field_name])
        with pytest.raises(InvalidInput) as info:
            spec.grpc.to_rest(message)
        assert info.value.field == field_name


async def test_upload_points_takes_write_ordering() -> None:
    client, rest, grpc = make_client()
    async with client:
        for protocol in ("rest", "grpc"):
            written = await client.upload_points(
                "docs",
                ({"id": i, "vector": [1.0]} for i in range(5)),
                batch_size=2,
                ordering="medium",
                protocol=protocol,
            )
            assert written == 5
    for transport in (rest, grpc):
        assert [c.options for c in transport.calls] == [Options(wait=True, ordering="medium")] * 3


def test_the_column_form_reaches_the_server_as_points() -> None:
    body = {"batch": {"ids": [1, 2], "vectors": {"d": [[1.0], [2.0]]}, "payloads": [{"a": 1}, {}]}}
    rest_body, _ = round_trip(ops.UPSERT, body)
    assert rest_body == {
        "points": [
            {"id": 1, "vector": {"d": [1.0]}, "payload": {"a": 1}},
            {"id": 2, "vector": {"d": [2.0]}},
        ]
    }
    with pytest.raises(InvalidInput) as info:
        round_trip(ops.UPSERT, {"batch": {"ids": [1, 2], "vectors": [[1.0]]}})
    assert info.value.field == "batch"
