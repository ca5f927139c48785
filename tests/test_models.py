"""Result types: frozen, slotted, equal by value, float32 rounding."""

from __future__ import annotations

import dataclasses

import pytest

from qdpool.models import CollectionInfo, Point, Record, ScoredPoint, UpdateResult, as_float32


def test_results_are_frozen_and_slotted() -> None:
    for value in (Record(1), ScoredPoint(1, 0.5), UpdateResult(1, "completed"), Point(1, [0.1])):
        assert not hasattr(value, "__dict__")
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, 2)


def test_equal_by_value() -> None:
    assert Record(1, {"a": [1, {"b": None}]}, [0.5]) == Record(1, {"a": [1, {"b": None}]}, [0.5])
    assert ScoredPoint("u", 0.25) != ScoredPoint("u", 0.5)
    assert CollectionInfo("green", 0, 0, 1) == CollectionInfo("green", 0, 0, 1)


def test_float32_rounding_is_idempotent_and_exact_for_float32_values() -> None:
    assert as_float32(0.1) != 0.1
    assert as_float32(as_float32(0.1)) == as_float32(0.1)
    assert as_float32(0.5) == 0.5
