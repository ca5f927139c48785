"""Bad input is refused before the network, with an error that names the field."""

from __future__ import annotations

import math
import uuid

import pytest

from qdpool import validate
from qdpool.errors import InvalidInput
from qdpool.models import Point


def field_of(excinfo: pytest.ExceptionInfo[InvalidInput]) -> str:
    return excinfo.value.field


@pytest.mark.parametrize("bad", ["", 5, None, "a/b", "x" * 256])
def test_collection_name(bad: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate.collection_name(bad)
    assert field_of(exc) == "collection_name"


def test_point_ids_accept_unsigned_ints_and_uuids() -> None:
    u = uuid.uuid4()
    assert validate.point_id(0) == 0
    assert validate.point_id(2**64 - 1) == 2**64 - 1
    assert validate.point_id(str(u).upper()) == str(u)
    assert validate.point_id(u) == str(u)
    assert validate.point_id(u.hex) == str(u)


@pytest.mark.parametrize("bad", [-1, 2**64, True, 1.5, "not-a-uuid", None, b"x"])
def test_point_ids_reject_everything_else(bad: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate.point_id(bad, "points[2].id")
    assert field_of(exc) == "points[2].id"


@pytest.mark.parametrize(
    ("vector", "field"),
    [
        ([], "vector"),
        ([0.1, math.nan], "vector[1]"),
        ([math.inf, 0.2], "vector[0]"),
        ([0.1, "x"], "vector[1]"),
        ("abc", "vector"),
        (None, "vector"),
    ],
)
def test_vectors(vector: object, field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate.vector(vector)
    assert field_of(exc) == field


def test_vector_accepts_tuples_and_arrays() -> None:
    np = pytest.importorskip("numpy")
    assert validate.vector((1.0, 2)) == [1.0, 2]
    kept = np.array([1.0, 2.0], dtype=np.float32)
    assert validate.vector(kept) is kept  # a float32 array travels as it is (no float list)
    converted = validate.vector(np.array([1, 2], dtype=np.int64))
    assert converted.dtype == np.float32 and converted.tolist() == [1.0, 2.0]
    with pytest.raises(InvalidInput, match=r"vector\[1\]: must be finite, got nan"):
        validate.vector(np.array([1.0, np.nan, 3.0]))
    with pytest.raises(InvalidInput, match=r"vector\[0\]: must fit in a float32, got 1e\+300"):
        validate.vector(np.array([1e300, 1.0]))  # finite float64, infinite as float32
    with pytest.raises(InvalidInput, match="must be a 1-D array"):
        validate.vector(np.zeros((2, 2), dtype=np.float32))
    with pytest.raises(InvalidInput, match="must not be empty"):
        validate.vector(np.zeros(0, dtype=np.float32))
    with pytest.raises(InvalidInput, match="array of numbers"):
        validate.vector(np.array(["a", "b"]))


def test_points_name_the_index_and_field() -> None:
    good = {"id": 1, "vector": [0.1]}
    with pytest.raises(InvalidInput) as exc:
        validate.points([good, {"id": 2}])
    assert field_of(exc) == "points[1].vector"
    with pytest.raises(InvalidInput) as exc:
        validate.points([good, good, {"id": -3, "vector": [1.0]}])
    assert field_of(exc) == "points[2].id"
    with pytest.raises(InvalidInput) as exc:
        validate.points([{"id": 1, "vector": [1.0], "payload": {"x": math.nan}}])
    assert field_of(exc) == "points[0].payload.x"
    with pytest.raises(InvalidInput) as exc:
        validate.points([{"id": 1, "vector": [1.0], "vectors": [1.0]}])
    assert field_of(exc) == "points[0]"
    with pytest.raises(InvalidInput):
        validate.points([])


def test_points_accept_dataclasses_and_named_vectors() -> None:
    out = validate.points([Point(1, {"a": [1.0]}, {"k": [1, {"n": None}]})])
    assert out == [{"id": 1, "vector": {"a": [1.0]}, "payload": {"k": [1, {"n": None}]}}]


@pytest.mark.parametrize("bad", ["cosine!", "", 3, None])
def test_distance(bad: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate.distance(bad)
    assert field_of(exc) == "distance"


def test_distance_is_case_insensitive() -> None:
    assert validate.distance("euclid") == "Euclid"


def test_filter_shape() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate.filter_({"must": [{"key": "a"}], "oops": []})
    assert field_of(exc) == "filter"
    with pytest.raises(InvalidInput) as exc:
        validate.filter_({"must": ["not a condition"]})
    assert field_of(exc) == "filter.must[0]"
    with pytest.raises(InvalidInput):
        validate.filter_([1])
    assert validate.filter_(None) is None


@pytest.mark.parametrize("bad", [0, -1.0, math.inf, math.nan, "5", True])
def test_timeout(bad: object) -> None:
    with pytest.raises(InvalidInput):
        validate.timeout(bad)


def test_query_is_a_vector_or_an_id() -> None:
    assert validate.query(5) == 5
    assert validate.query([1.0, 2.0]) == [1.0, 2.0]
    with pytest.raises(InvalidInput) as exc:
        validate.query([math.nan])
    assert field_of(exc) == "query[0]"
