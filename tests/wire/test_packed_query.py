"""The plain nearest query written straight to ``QueryPoints`` bytes (``encode_query``).

The judge is the usual encoder, ``query_message``: the bytes must parse to exactly the
message it builds from the same body, for every vector length (around the varint
boundaries of the nested lengths), limit, collection name and selector; and every body
the fast path does not write goes the usual way, for the same message or the same error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from qdpool import operations as ops
from qdpool._proto import points_pb2
from qdpool.call import Call, Options
from qdpool.endpoint import Endpoint
from qdpool.errors import InvalidInput
from qdpool.wire import packed
from qdpool.wire import query_ops as qo

ENDPOINT = Endpoint("127.0.0.1")


def _call(body: dict[str, Any], collection: str = "docs", options: Options | None = None) -> Call:
    return Call(ops.QUERY_POINTS, collection, "grpc", body, options, 0.0, ENDPOINT)


def _plain(
    vector: Any, limit: int = 5, with_payload: bool = True, with_vector: bool = False
) -> Any:
    return {
        "query": vector,
        "limit": limit,
        "with_payload": with_payload,
        "with_vector": with_vector,
    }


def _same_as_usual(body: dict[str, Any], collection: str = "docs") -> None:
    fast = qo.encode_query(_call(body, collection))
    assert isinstance(fast, bytes)
    assert points_pb2.QueryPoints.FromString(fast) == qo.query_message(body, collection)


@pytest.mark.parametrize("dim", [0, 1, 2, 31, 32, 33, 384, 1000, 4095, 4096, 4097, 40_000])
def test_every_dimension_parses_to_the_usual_message(dim: int) -> None:
    # 32 floats are the first 128-byte vector; 4096 the first 16 KiB one (3-byte lengths)
    vector = [float(i) / 7 - 3 for i in range(dim)]
    _same_as_usual(_plain(vector))
    _same_as_usual(_plain(np.array(vector, dtype=np.float32)))
    _same_as_usual(_plain(np.array(vector, dtype=np.float64)))


@pytest.mark.parametrize("limit", [1, 5, 127, 128, 16_384, 2**40])
@pytest.mark.parametrize("with_payload", [True, False])
@pytest.mark.parametrize("with_vector", [True, False])
def test_every_limit_and_selector_parses_to_the_usual_message(
    limit: int, with_payload: bool, with_vector: bool
) -> None:
    _same_as_usual(_plain([0.5, -1.0, 2.0], limit, with_payload, with_vector))


@pytest.mark.parametrize("collection", ["c", "docs", "é" * 70, "x" * 255])
def test_every_collection_name_parses_to_the_usual_message(collection: str) -> None:
    _same_as_usual(_plain([1.0, 2.0]), collection)


def test_the_parts_are_remembered_per_collection_limit_and_selectors() -> None:
    first = qo.encode_query(_call(_plain([1.0, 2.0], 5)))
    other = qo.encode_query(_call(_plain([1.0, 2.0], 6)))
    assert first != other and first == qo.encode_query(_call(_plain([1.0, 2.0], 5)))
    assert points_pb2.QueryPoints.FromString(other).limit == 6
    assert points_pb2.QueryPoints.FromString(qo.encode_query(_call(_plain([1.0]), "b"))) == (
        qo.query_message(_plain([1.0]), "b")
    )


def test_numbers_that_are_not_floats_parse_to_the_usual_message() -> None:
    _same_as_usual(_plain([1, 2, 3]))
    _same_as_usual(_plain([1, 2.5, True]))


@pytest.mark.parametrize(
    "body",
    [
        _plain([1.0, 2.0], with_payload=["a"]),  # type: ignore[arg-type]
        {**_plain([1.0, 2.0]), "filter": {"must": [{"key": "a", "match": {"value": 1}}]}},
        {"query": [1.0], "limit": 5, "with_payload": True, "with_vectors": True},
        _plain([[1.0, 2.0], [3.0, 4.0]]),  # multi-dense
        _plain({"nearest": [1.0, 2.0]}),
        _plain([1e39, 1.0]),  # beyond float32: protobuf makes it inf, struct refuses it
    ],
)
def test_other_bodies_go_the_usual_way(body: dict[str, Any]) -> None:
    message = qo.encode_query(_call(body))
    assert isinstance(message, points_pb2.QueryPoints)
    assert message == qo.query_message(body, "docs")


def test_a_read_consistency_goes_the_usual_way() -> None:
    message = qo.encode_query(_call(_plain([1.0, 2.0]), options=Options(consistency="majority")))
    assert isinstance(message, points_pb2.QueryPoints)
    assert message.read_consistency.type == points_pb2.Majority
    assert message.query.nearest.dense.data == [1.0, 2.0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_plain([1.0], limit=-1), "limit"),
        (_plain([1.0], limit=2**64), "limit"),
        (_plain(["a", 1.0]), "query"),
        (_plain([None]), "query"),
    ],
)
def test_what_the_usual_path_refuses_is_refused_the_same_way(
    body: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as usual:
        qo.query_message(body, "docs")
    with pytest.raises(InvalidInput) as fast:
        qo.encode_query(_call(body))
    assert str(fast.value) == str(usual.value) and field in str(fast.value)


def test_only_a_dense_vector_is_written_here() -> None:
    assert packed.nearest_query({"nearest": [1.0]}) is None
    assert packed.nearest_query("1.0") is None
    assert packed.nearest_query(np.zeros((2, 2), dtype=np.float32)) is None
    assert packed.nearest_query([[1.0]]) is None
