"""``qdpool.wire.responses``, client side: gRPC points decode lazily to the REST decoder's values.

A point keeps its message and decodes it when a field is first read. The judge is the
REST decoder on the same answer, for every kind of payload value (nested ones too),
vectors and order values, whichever field is touched first; and a deferred point behaves
as any other value (equality, hashing, repr, pickling, copying) and lets its message go
once decoded.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from wire_support import decode_rest_result

from qdpool.models import Record, ScoredPoint
from qdpool.operations import QUERY_POINTS, RETRIEVE, SCROLL

PAYLOAD: dict[str, Any] = {
    "s": "text",
    "i": -7,
    "big": 2**63 - 1,
    "f": 0.5,
    "t": True,
    "no": False,
    "none": None,
    "list": [1, "two", 3.5, None, [], {"x": [True]}],
    "obj": {"a": {"b": [{"c": None}]}, "empty": {}},
    "": "empty key",
}
POINTS: list[dict[str, Any]] = [
    {"id": 1, "score": 0.123456789, "version": 3, "payload": PAYLOAD, "vector": [0.1, 0.2]},
    {
        "id": "00000000-0000-0000-0000-000000001234",
        "score": -1.5,
        "version": 0,
        "payload": {"k": "v"},
        "vector": {"image": [0.5], "sparse": {"indices": [1, 4], "values": [0.25, 0.75]}},
        "order_value": 12,
    },
    {"id": 2, "score": 1, "version": 1, "payload": {}, "order_value": 2.5},
]


def _grpc(operation: Any, result: Any) -> Any:
    codec = operation.grpc
    reply = codec.response.FromString(codec.from_rest(result, 0.0).SerializeToString())
    return codec.decode(reply)


def _rest(operation: Any, result: Any) -> Any:
    return decode_rest_result(operation, result)


def test_query_points_equal_the_rest_decoders() -> None:
    hits = _grpc(QUERY_POINTS, {"points": POINTS})
    assert hits == _rest(QUERY_POINTS, {"points": POINTS})
    assert hits[0].payload == PAYLOAD
    assert [type(h) for h in hits] == [ScoredPoint] * 3


def test_records_equal_the_rest_decoders() -> None:
    records = [{k: v for k, v in p.items() if k not in ("score", "version")} for p in POINTS]
    assert _grpc(RETRIEVE, records) == _rest(RETRIEVE, records)
    page = {"points": records, "next_page_offset": 5}
    assert _grpc(SCROLL, page) == _rest(SCROLL, page)


@pytest.mark.parametrize("first", ["payload", "vector", "order_value"])
def test_any_deferred_field_touched_first_decodes_them_all(first: str) -> None:
    (grpc_hit, *_), (rest_hit, *_) = (
        _grpc(QUERY_POINTS, {"points": POINTS[1:]}),
        _rest(QUERY_POINTS, {"points": POINTS[1:]}),
    )
    assert getattr(grpc_hit, first) == getattr(rest_hit, first)
    assert (grpc_hit.payload, grpc_hit.vector, grpc_hit.order_value) == (
        rest_hit.payload,
        rest_hit.vector,
        rest_hit.order_value,
    )


@pytest.mark.parametrize("first", ["id", "score", "version"])
def test_nothing_is_decoded_before_a_field_is_read_then_everything(first: str) -> None:
    hit = _grpc(QUERY_POINTS, {"points": POINTS})[0]
    assert hit._source is not None  # the point's message, kept until a field is read
    assert getattr(hit, first) == {"id": 1, "score": 0.12345679104328156, "version": 3}[first]
    assert hit._source is None  # decoded once, then let go
    assert (hit.payload, hit.vector) == (PAYLOAD, [0.10000000149011612, 0.20000000298023224])


def test_a_deferred_point_is_a_value_like_any_other() -> None:
    def fresh() -> ScoredPoint:
        hit: ScoredPoint = _grpc(QUERY_POINTS, {"points": POINTS})[1]
        return hit

    rest_hit = _rest(QUERY_POINTS, {"points": POINTS})[1]
    bare = _grpc(QUERY_POINTS, {"points": POINTS[2:]})[0]
    assert repr(bare) == repr(_rest(QUERY_POINTS, {"points": POINTS[2:]})[0])
    bare = _grpc(QUERY_POINTS, {"points": POINTS[2:]})[0]
    assert hash(bare) == hash(_rest(QUERY_POINTS, {"points": POINTS[2:]})[0])
    assert pickle.loads(pickle.dumps(fresh())) == rest_hit
    assert copy.copy(fresh()) == rest_hit and copy.deepcopy(fresh()) == rest_hit
    match fresh():
        case ScoredPoint(point_id, _, _, payload):
            assert (point_id, payload) == (POINTS[1]["id"], {"k": "v"})
    record = _grpc(RETRIEVE, [{"id": 3, "payload": {"a": 1}}])[0]
    assert pickle.loads(pickle.dumps(record)) == Record(3, {"a": 1})


def test_unknown_attributes_still_raise() -> None:
    hit = _grpc(QUERY_POINTS, {"points": POINTS})[0]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        hit.nope  # type: ignore[attr-defined]  # noqa: B018
    hit.payload  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        hit.nope  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ScoredPoint(1, 0.5).nope  # type: ignore[attr-defined]  # noqa: B018


def test_a_point_outlives_its_reply() -> None:
    """The kept message is the point's own: dropping the reply and everything else that
    refers to it leaves the point decodable."""
    codec = QUERY_POINTS.grpc
    assert codec is not None
    reply = codec.response.FromString(codec.from_rest({"points": POINTS}, 0.0).SerializeToString())
    hits = codec.decode(reply)
    del reply
    assert hits == _rest(QUERY_POINTS, {"points": POINTS})
