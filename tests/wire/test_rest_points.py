"""REST answers carrying points, decoded from their bytes in one pass (``wire.rest_points``)."""

from __future__ import annotations

import gc
from typing import Any

import orjson
import pytest

from qdpool.models import PointGroup, Record, ScoredPoint, as_float32
from qdpool.wire import rest_points


def _answer(result: Any) -> bytes:
    return orjson.dumps({"result": result, "status": "ok", "time": 0.001})


def test_a_query_answer_becomes_points_as_the_grpc_decoder_gives_them() -> None:
    raw = _answer(
        {
            "points": [
                {"id": 1, "version": 2, "score": 0.1, "payload": {}, "vector": [0.1, 1]},
                {"id": "6f1c4f3e-0000-4000-8000-000000000000", "version": 0, "score": 1,
                 "payload": {"a": [1, None]}, "vector": None, "shard_key": "eu",
                 "order_value": 2.5},
            ]
        }
    )  # fmt: skip
    first, second = rest_points.decode_query(raw)
    assert type(first) is ScoredPoint
    assert first == ScoredPoint(1, as_float32(0.1), 2, None, [as_float32(0.1), 1.0])
    assert second == ScoredPoint(
        "6f1c4f3e-0000-4000-8000-000000000000", 1.0, 0, {"a": [1, None]}, None, 2.5
    )
    assert isinstance(second.score, float)
    assert not gc.is_tracked(first)


def test_every_vector_shape_is_rounded_to_float32() -> None:
    named = {
        "image": [0.1],
        "colbert": [[0.1, 0.2], [0.3, 0.4]],
        "text": {"indices": [3, 9], "values": [0.1, 0.7]},
    }
    (record,) = rest_points.decode_retrieve(_answer([{"id": 5, "vector": named}]))
    f = as_float32
    assert record == Record(
        5,
        None,
        {
            "image": [f(0.1)],
            "colbert": [[f(0.1), f(0.2)], [f(0.3), f(0.4)]],
            "text": {"indices": [3, 9], "values": [f(0.1), f(0.7)]},
        },
    )
    (multi,) = rest_points.decode_retrieve(_answer([{"id": 6, "vector": [[0.5, 0.1]]}]))
    assert multi.vector == [[0.5, f(0.1)]]


def test_batches_groups_and_pages() -> None:
    hit = {"id": 1, "version": 0, "score": 0.5}
    assert rest_points.decode_query_batch(_answer([{"points": [hit]}, {"points": []}])) == [
        [ScoredPoint(1, 0.5)],
        [],
    ]
    groups = rest_points.decode_query_groups(
        _answer(
            {
                "groups": [
                    {"id": "red", "hits": [hit], "lookup": {"id": 9, "payload": {"k": 1}}},
                    {"id": -4, "hits": []},
                ]
            }
        )
    )
    assert groups == [
        PointGroup("red", [ScoredPoint(1, 0.5)], Record(9, {"k": 1})),
        PointGroup(-4, [], None),
    ]
    page = _answer({"points": [{"id": 2, "payload": {}}], "next_page_offset": "u-1"})
    assert rest_points.decode_scroll(page) == ([Record(2)], "u-1")
    last = _answer({"points": [], "next_page_offset": None})
    assert rest_points.decode_scroll(last) == ([], None)


@pytest.mark.parametrize(
    ("decode", "result", "where"),
    [
        (rest_points.decode_query, {"points": [{"id": True, "score": 0.5}]}, "points[0].id"),
        (rest_points.decode_query, {"points": [{"id": 1.5, "score": 0.5}]}, "points[0].id"),
        (rest_points.decode_query, {"points": [{"id": 1}]}, "score"),
        (rest_points.decode_query, {"points": [{"id": 1, "score": "high"}]}, "score"),
        (rest_points.decode_query, {"hits": []}, "points"),
        (rest_points.decode_query_groups, {"groups": [{"id": False, "hits": []}]}, "id"),
        (rest_points.decode_retrieve, [{"id": 1, "payload": [1]}], "payload"),
        (rest_points.decode_scroll, {"points": [], "next_page_offset": 1.5}, "next_page_offset"),
    ],
)
def test_a_mistyped_answer_is_a_value_error_naming_the_field(
    decode: Any, result: Any, where: str
) -> None:
    with pytest.raises(ValueError, match=where.replace("[", r"\[").replace("]", r"\]")):
        decode(_answer(result))


def test_a_malformed_vector_or_body_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="bad vector"):
        rest_points.decode_retrieve(_answer([{"id": 1, "vector": 3}]))
    with pytest.raises(ValueError):
        rest_points.decode_query(b"<html>")
