"""Input checks that run before anything is sent.

Each function returns the value in the shape the wire wants (Qdrant's REST
JSON) or raises ``InvalidInput`` naming the field, e.g. ``points[3].vector``.
They are written for the hot path: a 384-d vector is checked with one ``sum``
(any NaN or infinity makes the sum non-finite) rather than a Python loop.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from qdpool.errors import InvalidInput
from qdpool.models import Point, PointId

DISTANCES = {"cosine": "Cosine", "euclid": "Euclid", "dot": "Dot", "manhattan": "Manhattan"}
PROTOCOLS = ("rest", "grpc")
_MAX_ID = 2**64 - 1
_FILTER_KEYS = frozenset({"must", "should", "must_not", "min_should"})


def collection_name(name: object) -> str:
    if not isinstance(name, str):
        raise InvalidInput("collection_name", f"must be a string, not {type(name).__name__}")
    if not name:
        raise InvalidInput("collection_name", "must not be empty")
    if len(name) > 255:
        raise InvalidInput("collection_name", "must be at most 255 characters")
    if "/" in name or "\0" in name:
        raise InvalidInput("collection_name", f"{name!r} must not contain '/' or NUL")
    return name


def protocol(value: object) -> str:
    if value == "rest" or value == "grpc":
        return str(value)
    raise InvalidInput("protocol", f"must be 'rest' or 'grpc', not {value!r}")


def timeout(value: object, field: str = "timeout") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(field, f"must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise InvalidInput(field, f"must be a positive, finite number of seconds, got {value!r}")
    return float(value)


def distance(value: object) -> str:
    canonical = DISTANCES.get(value.lower()) if isinstance(value, str) else None
    if canonical is None:
        raise InvalidInput(
            "distance", f"must be one of Cosine, Euclid, Dot, Manhattan; got {value!r}"
        )
    return canonical


def positive_int(value: object, field: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, f"must be an integer, not {type(value).__name__}")
    if value < minimum:
        raise InvalidInput(field, f"must be at least {minimum}, got {value}")
    return value


def point_id(value: object, field: str = "id") -> PointId:
    """An unsigned 64-bit integer, or a UUID string normalized to Qdrant's hyphenated form."""
    if isinstance(value, bool):
        raise InvalidInput(field, "must be an unsigned integer or a UUID string, not a bool")
    if isinstance(value, int):
        if 0 <= value <= _MAX_ID:
            return value
        raise InvalidInput(field, f"integer ids must be in 0..2**64-1, got {value}")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise InvalidInput(field, f"{value!r} is not a UUID") from None
    raise InvalidInput(
        field, f"must be an unsigned integer or a UUID string, not {type(value).__name__}"
    )


def point_ids(values: object, field: str = "ids") -> list[PointId]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(field, "must be a list of ids")
    ids = [point_id(v, f"{field}[{i}]") for i, v in enumerate(values)]
    if not ids:
        raise InvalidInput(field, "must not be empty")
    return ids


def vector(value: object, field: str = "vector") -> list[float]:
    """A dense vector as a list of floats; rejects empty, non-numeric, NaN and infinite values."""
    if hasattr(value, "tolist") and not isinstance(value, list):
        value = value.tolist()  # numpy arrays and the like
    if not isinstance(value, list | tuple):
        raise InvalidInput(field, f"must be a list of floats, not {type(value).__name__}")
    if not value:
        raise InvalidInput(field, "must not be empty")
    try:
        total = sum(value)
    except TypeError:
        bad = next(i for i, x in enumerate(value) if not _is_number(x))
        raise InvalidInput(f"{field}[{bad}]", f"must be a number, got {value[bad]!r}") from None
    if not math.isfinite(total):
        first = next((i for i, x in enumerate(value) if not math.isfinite(x)), None)
        if first is not None:
            raise InvalidInput(f"{field}[{first}]", f"must be finite, got {value[first]!r}")
        raise InvalidInput(field, "values are too large to sum to a finite number")
    return value if isinstance(value, list) else list(value)


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def vectors(value: object, field: str) -> list[float] | dict[str, list[float]]:
    """A dense vector, or named dense vectors ``{"name": [...]}``."""
    if isinstance(value, Mapping):
        if not value:
            raise InvalidInput(field, "named vectors must not be empty")
        out: dict[str, list[float]] = {}
        for name, vec in value.items():
            if not isinstance(name, str):
                raise InvalidInput(field, f"vector names must be strings, got {name!r}")
            out[name] = vector(vec, f"{field}.{name}")
        return out
    return vector(value, field)


def payload(value: object, field: str = "payload") -> dict[str, Any] | None:
    """A JSON object with string keys; NaN and infinite floats are refused (JSON has no spelling
    for them, and orjson would silently turn them into null)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput(field, f"must be a dict, not {type(value).__name__}")
    _check_json(value, field)
    return value if isinstance(value, dict) else dict(value)


def _check_json(value: object, field: str) -> None:
    if isinstance(value, str | bool | int) or value is None:
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(field, f"must be finite, got {value!r}")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(field, f"keys must be strings, got {key!r}")
            _check_json(item, f"{field}.{key}")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_json(item, f"{field}[{i}]")
        return
    raise InvalidInput(field, f"{type(value).__name__} is not a JSON value")


def point(value: object, index: int) -> dict[str, Any]:
    """One point in Qdrant's REST shape ``{"id", "vector", "payload"}``."""
    field = f"points[{index}]"
    if isinstance(value, Point):
        pid, vec, pay = value.id, value.vector, value.payload
    elif isinstance(value, Mapping):
        unknown = set(value) - {"id", "vector", "payload"}
        if unknown:
            raise InvalidInput(
                field, f"unknown keys {sorted(unknown)}; expected id, vector, payload"
            )
        if "id" not in value:
            raise InvalidInput(f"{field}.id", "is missing")
        if "vector" not in value:
            raise InvalidInput(f"{field}.vector", "is missing")
        pid, vec, pay = value["id"], value["vector"], value.get("payload")
    else:
        raise InvalidInput(field, f"must be a dict or qdpool.Point, not {type(value).__name__}")
    out: dict[str, Any] = {
        "id": point_id(pid, f"{field}.id"),
        "vector": vectors(vec, f"{field}.vector"),
    }
    checked = payload(pay, f"{field}.payload")
    if checked is not None:
        out["payload"] = checked
    return out


def points(values: object, *, start: int = 0) -> list[dict[str, Any]]:
    """Points in Qdrant's REST shape; ``start`` numbers them in errors when they are one batch
    of a larger stream."""
    if isinstance(values, Mapping | str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput("points", "must be a list of points")
    checked = [point(p, i) for i, p in enumerate(values, start)]
    if not checked:
        raise InvalidInput("points", "must not be empty")
    return checked


def filter_(value: object, field: str = "filter") -> dict[str, Any] | None:
    """A filter in Qdrant's REST JSON shape. Checked for shape here; the server (or, for gRPC,
    the codec) checks each condition."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput(
            field, f"must be a dict in Qdrant's filter shape, not {type(value).__name__}"
        )
    unknown = set(value) - _FILTER_KEYS
    if unknown:
        raise InvalidInput(
            field, f"unknown keys {sorted(unknown)}; expected must, should, must_not, min_should"
        )
    for clause in ("must", "should", "must_not"):
        conditions = value.get(clause)
        if conditions is None:
            continue
        if isinstance(conditions, Mapping):
            conditions = [conditions]
        if not isinstance(conditions, list | tuple):
            raise InvalidInput(f"{field}.{clause}", "must be a list of conditions")
        for i, condition in enumerate(conditions):
            if not isinstance(condition, Mapping):
                raise InvalidInput(f"{field}.{clause}[{i}]", "must be a dict")
            _check_json(condition, f"{field}.{clause}[{i}]")
    return value if isinstance(value, dict) else dict(value)


def query(value: object) -> list[float] | PointId:
    """A query: a dense vector, or the id of a stored point to search like."""
    if isinstance(value, int | str | uuid.UUID) and not isinstance(value, bool):
        return point_id(value, "query")
    return vector(value, "query")


def score_threshold(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("score_threshold", f"must be a finite number, got {value!r}")
    return float(value)


def with_flag(value: object, field: str) -> bool | list[str]:
    if isinstance(value, bool):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InvalidInput(field, f"must be a bool or a list of field names, got {value!r}")
