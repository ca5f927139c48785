"""Result types: frozen, slotted, equal by value, float32 rounding."""

from __future__ import annotations

import dataclasses
import gc

import pytest

from qdpool.models import CollectionInfo, Point, Record, ScoredPoint, UpdateResult, as_float32


def test_results_are_frozen_and_slotted() -> None:
    for value in (UpdateResult(1, "completed"), Point(1, [0.1])):
        assert not hasattr(value, "__dict__")
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, 2)


def test_per_point_results_are_slotted_values_outside_the_collector() -> None:
    """``Record`` and ``ScoredPoint`` trade frozenness for a cheap construction (one per hit)
    and a one-pass REST decoder (msgspec Structs), and cost the garbage collector nothing."""
    for value in (Record(1, {"a": [1]}), ScoredPoint(1, 0.5, 0, {"a": [1]})):
        assert not hasattr(value, "__dict__")
        assert not gc.is_tracked(value)
        with pytest.raises(AttributeError):
            value.extra = 1  # type: ignore[attr-defined]
    hit = ScoredPoint("u", 0.5, 3, {"a": 1}, [0.25])
    assert (hit.id, hit.score, hit.version, hit.payload, hit.vector) == (
        "u",
        0.5,
        3,
        {"a": 1},
        [0.25],
    )
    assert repr(hit) == "ScoredPoint(id='u', score=0.5, version=3, payload={'a': 1}, vector=[0.25])"
    assert repr(Record(2)) == "Record(id=2, payload=None, vector=None)"
    assert hash(ScoredPoint(1, 0.5)) == hash(ScoredPoint(1, 0.5))
    assert hash(Record(1)) == hash(Record(1))
    assert Record(1) != ScoredPoint(1, 0.0) and Record(1) != (1, None, None)
    match hit:
        case ScoredPoint(point_id, score):
            assert (point_id, score) == ("u", 0.5)


def test_equal_by_value() -> None:
    assert Record(1, {"a": [1, {"b": None}]}, [0.5]) == Record(1, {"a": [1, {"b": None}]}, [0.5])
    assert ScoredPoint("u", 0.25) != ScoredPoint("u", 0.5)
    assert CollectionInfo("green", 0, 0, 1) == CollectionInfo("green", 0, 0, 1)


def test_float32_rounding_is_idempotent_and_exact_for_float32_values() -> None:
    assert as_float32(0.1) != 0.1
    assert as_float32(as_float32(0.1)) == as_float32(0.1)
    assert as_float32(0.5) == 0.5
