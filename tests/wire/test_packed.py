"""``qdpool.wire.packed``: bulk upserts written straight to protobuf bytes.

The judge is the usual encoder: the bytes must parse to exactly the ``UpsertPoints``
message ``_fill_upsert`` builds from the same body, for every kind of id, payload value
and vector (those the fast path writes itself and those it hands to upb), with every
top-level option; and where the usual path refuses a body, the bulk path refuses it the
same way.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pytest

from qdpool import operations as ops
from qdpool._proto import points_pb2
from qdpool.call import Call, Options
from qdpool.errors import InvalidInput
from qdpool.transport.grpc import _to_bytes
from qdpool.wire import packed
from qdpool.wire import points_ops as po

RNG = np.random.default_rng(5)
ARRAY = RNG.random((8, 24), dtype=np.float32)

PAYLOADS: list[Any] = [
    {"i": 0, "category": "index", "price": 7},
    {"small": 127, "two_bytes": 128, "big": 2**63 - 1, "low": -(2**63), "neg": -1, "zero": 0},
    {"f": 0.1, "neg_zero": -0.0, "huge": 1.5e300, "t": True, "false": False, "none": None},
    {"text": "é" * 100 + "\u2603", "empty": "", "": "empty key", "long": "x" * 300},
    {"nested": {"a": {"b": [1, "two", 3.0, None, {"c": []}]}}, "list": [], "obj": {}},
    {f"k{i}": i for i in range(200)},  # a payload longer than 127 bytes per entry set
]


def _call(points: list[dict[str, Any]], *, rows: bool, **body: Any) -> Call:
    batch: list[dict[str, Any]] = packed.PointRows(points) if rows else list(points)
    options = Options(wait=True, ordering="strong")
    return Call(ops.UPSERT, "things", "grpc", {"points": batch, **body}, options, 0.0, None)  # type: ignore[arg-type]


def _same(points: list[dict[str, Any]], **body: Any) -> None:
    fast = po.encode_upsert(_call(points, rows=True, **body))
    assert isinstance(fast, bytes)
    usual = po.encode_upsert(_call(points, rows=False, **body))
    assert isinstance(usual, points_pb2.UpsertPoints)
    assert points_pb2.UpsertPoints.FromString(fast) == usual


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_payload_value_parses_to_the_usual_message(payload: dict[str, Any]) -> None:
    _same([{"id": 1, "vector": ARRAY[0], "payload": payload}])


@pytest.mark.parametrize(
    "point_id", [0, 1, 127, 128, 300, 2**32, 2**64 - 1, str(uuid.UUID(int=7)), str(uuid.uuid4())]
)
def test_every_id_parses_to_the_usual_message(point_id: Any) -> None:
    _same([{"id": point_id, "vector": ARRAY[1]}])


@pytest.mark.parametrize(
    "vector",
    [
        ARRAY[2],  # dense, written here
        np.ones(1, dtype=np.float32),  # one value
        RNG.random(2048, dtype=np.float32),  # a length that takes a 2-byte varint
        {"a": ARRAY[3], "b": ARRAY[4][:5]},  # named dense, written here
        [0.5, 1.5, -2.25],  # a list: through upb
        {"sparse": {"indices": [1, 9], "values": [0.5, 0.25]}, "d": ARRAY[5]},  # mixed: upb
        [[1.0, 2.0], [3.0, 4.0]],  # multi-dense: upb
    ],
    ids=["dense", "one", "2048-d", "named", "list", "sparse+named", "multi"],
)
def test_every_vector_kind_parses_to_the_usual_message(vector: Any) -> None:
    _same([{"id": 3, "vector": vector, "payload": {"x": 1}}])


def test_a_batch_with_options_filter_and_mode_parses_to_the_usual_message() -> None:
    points = [
        {"id": i, "vector": ARRAY[i], "payload": PAYLOADS[i % len(PAYLOADS)]} for i in range(8)
    ]
    _same(points)
    _same(
        points,
        update_mode="insert_only",
        update_filter={"must": [{"key": "category", "match": {"value": "index"}}]},
    )


def test_a_point_without_payload_has_no_payload_field() -> None:
    fast = po.encode_upsert(_call([{"id": 1, "vector": ARRAY[0], "payload": {}}], rows=True))
    assert isinstance(fast, bytes)
    assert not points_pb2.UpsertPoints.FromString(fast).points[0].payload


def test_float32_bytes_are_the_arrays_own() -> None:
    fast = po.encode_upsert(_call([{"id": 1, "vector": ARRAY[6]}], rows=True))
    assert isinstance(fast, bytes)
    data = points_pb2.UpsertPoints.FromString(fast).points[0].vectors.vector.dense.data
    assert np.array_equal(np.array(data, dtype=np.float32), ARRAY[6])
    assert ARRAY[6].tobytes() in fast


def test_an_integer_beyond_int64_is_refused_as_the_usual_path_refuses_it() -> None:
    points = [{"id": 1, "vector": ARRAY[0], "payload": {"n": 2**63}}]
    with pytest.raises(InvalidInput) as usual:
        po.encode_upsert(_call(points, rows=False))
    with pytest.raises(InvalidInput) as fast:
        po.encode_upsert(_call(points, rows=True))
    assert (fast.value.field, fast.value.problem) == (usual.value.field, usual.value.problem)
    assert fast.value.field == "points[0].payload.n"


def test_a_point_without_an_id_is_refused_as_the_usual_path_refuses_it() -> None:
    with pytest.raises(InvalidInput, match=r"points\[0\].id"):
        po.encode_upsert(_call([{"vector": ARRAY[0]}], rows=True))


def test_a_slice_of_point_rows_is_point_rows() -> None:
    rows = packed.PointRows({"id": i, "vector": ARRAY[i]} for i in range(4))
    assert type(rows[1:3]) is packed.PointRows
    assert rows[1:3] == [rows[1], rows[2]]
    assert type(rows[0]) is dict


def test_the_grpc_transport_sends_bytes_as_they_are() -> None:
    fast = po.encode_upsert(_call([{"id": 1, "vector": ARRAY[0]}], rows=True))
    assert _to_bytes(fast) is fast
    message = points_pb2.UpsertPoints(collection_name="c")
    assert _to_bytes(message) == message.SerializeToString()


@pytest.mark.parametrize("value", [0, 1, 127, 128, 16383, 16384, 2**35, 2**64 - 1])
def test_varint(value: int) -> None:
    message = points_pb2.PointStruct()
    message.id.num = value
    assert packed.point_id(value) == message.SerializeToString()
