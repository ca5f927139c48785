"""Qdrant's REST filter JSON → a ``qdrant_edge.Filter``.

Qdrant's ``Condition`` is an untagged union: the keys of a condition object say
what it is (``key`` → field condition, ``has_id``, ``is_empty``, ``is_null``,
``has_vector``, ``nested``, and anything with ``must``/``should``/``must_not``/
``min_should`` is itself a filter).  ``must`` and friends take one condition or
a list.  A filter that cannot be read is a 400 ``Format error in JSON body``,
as in Qdrant, so clients see one consistent error for both doors.
"""

from __future__ import annotations

from typing import Any

import qdrant_edge as qe

from qdpool.embedded.convert import parse_point_id
from qdpool.embedded.errors import EngineError

_CLAUSES = ("must", "should", "must_not")
_FILTER_KEYS = frozenset((*_CLAUSES, "min_should"))


def parse_filter(value: Any, field: str = "filter") -> qe.Filter | None:
    """Parse an optional ``filter`` field; ``None`` (absent or null) means no filter."""
    if value is None:
        return None
    return _filter(value, field)


def parse_condition(value: Any, path: str) -> Any:
    """One filter condition on its own (formula expressions embed them)."""
    return _condition(value, path)


def _filter(value: Any, path: str) -> qe.Filter:
    if not isinstance(value, dict):
        raise _error(path, "expected a filter object")
    unknown = set(value) - _FILTER_KEYS
    if unknown:
        raise _error(path, f"unknown field `{sorted(unknown)[0]}` in filter")
    clauses: dict[str, list[Any] | None] = {}
    for clause in _CLAUSES:
        raw = value.get(clause)
        if raw is None:
            clauses[clause] = None
            continue
        items = raw if isinstance(raw, list) else [raw]
        clauses[clause] = [_condition(c, f"{path}.{clause}[{i}]") for i, c in enumerate(items)]
    min_should = None
    raw_min = value.get("min_should")
    if raw_min is not None:
        min_should = _min_should(raw_min, f"{path}.min_should")
    return qe.Filter(
        must=clauses["must"],
        should=clauses["should"],
        must_not=clauses["must_not"],
        min_should=min_should,
    )


def _min_should(value: Any, path: str) -> qe.MinShould:
    if not isinstance(value, dict) or "conditions" not in value or "min_count" not in value:
        raise _error(path, "expected {conditions: [...], min_count: n}")
    conditions = value["conditions"]
    count = value["min_count"]
    if not isinstance(conditions, list):
        raise _error(f"{path}.conditions", "expected a list of conditions")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise _error(f"{path}.min_count", "expected an unsigned integer")
    parsed = [_condition(c, f"{path}.conditions[{i}]") for i, c in enumerate(conditions)]
    return qe.MinShould(parsed, count)


def _condition(value: Any, path: str) -> Any:
    """One condition of a filter clause; returns the matching qdrant_edge condition object."""
    if not isinstance(value, dict):
        raise _error(path, "expected a condition object")
    if "key" in value:
        return _field_condition(value, path)
    if "has_id" in value:
        ids = value["has_id"]
        if not isinstance(ids, list):
            raise _error(f"{path}.has_id", "expected a list of point ids")
        return qe.HasIdCondition({parse_point_id(i) for i in ids})
    if "is_empty" in value:
        return qe.IsEmptyCondition(_key_of(value["is_empty"], f"{path}.is_empty"))
    if "is_null" in value:
        return qe.IsNullCondition(_key_of(value["is_null"], f"{path}.is_null"))
    if "has_vector" in value:
        name = value["has_vector"]
        if not isinstance(name, str):
            raise _error(f"{path}.has_vector", "expected a vector name")
        return qe.HasVectorCondition(name)
    if "nested" in value:
        nested = value["nested"]
        if not isinstance(nested, dict) or "filter" not in nested:
            raise _error(f"{path}.nested", "expected {key, filter}")
        key = _key_of(nested, f"{path}.nested")
        return qe.NestedCondition(key, _filter(nested["filter"], f"{path}.nested.filter"))
    if not value or set(value) <= _FILTER_KEYS:
        return _filter(value, path)
    raise _error(path, "data did not match any variant of untagged enum Condition")


def _key_of(value: Any, path: str) -> str:
    if not isinstance(value, dict) or not isinstance(value.get("key"), str):
        raise _error(path, "expected {key: string}")
    key: str = value["key"]
    return key


_FIELD_KEYS = frozenset(
    (
        "key",
        "match",
        "range",
        "geo_bounding_box",
        "geo_radius",
        "geo_polygon",
        "values_count",
        "is_empty",
        "is_null",
    )
)


def _field_condition(value: dict[str, Any], path: str) -> qe.FieldCondition:
    key = value["key"]
    if not isinstance(key, str):
        raise _error(f"{path}.key", "expected a string")
    unknown = set(value) - _FIELD_KEYS
    if unknown:
        raise _error(path, f"unknown field `{sorted(unknown)[0]}` in field condition")
    checks = {k: v for k, v in value.items() if k != "key" and v is not None}
    if not checks:
        raise EngineError.validation(path, "At least one field condition must be specified")
    for flag in ("is_empty", "is_null"):
        if flag in checks and not isinstance(checks[flag], bool):
            raise _error(f"{path}.{flag}", "expected a boolean")
    return qe.FieldCondition(
        key,
        match=_match(checks["match"], f"{path}.match") if "match" in checks else None,
        range=_range(checks["range"], f"{path}.range") if "range" in checks else None,
        geo_bounding_box=_geo_box(checks["geo_bounding_box"], f"{path}.geo_bounding_box")
        if "geo_bounding_box" in checks
        else None,
        geo_radius=_geo_radius(checks["geo_radius"], f"{path}.geo_radius")
        if "geo_radius" in checks
        else None,
        geo_polygon=_geo_polygon(checks["geo_polygon"], f"{path}.geo_polygon")
        if "geo_polygon" in checks
        else None,
        values_count=_values_count(checks["values_count"], f"{path}.values_count")
        if "values_count" in checks
        else None,
        is_empty=checks.get("is_empty"),
        is_null=checks.get("is_null"),
    )


def _match(value: Any, path: str) -> Any:
    if not isinstance(value, dict) or len(value) != 1:
        raise _error(path, "data did not match any variant of untagged enum Match")
    ((kind, arg),) = value.items()
    if kind == "value":
        if isinstance(arg, bool):
            return qe.MatchValue(_ExactBool(arg))  # type: ignore[arg-type]
        if isinstance(arg, int | str):
            return qe.MatchValue(arg)
        raise _error(f"{path}.value", "expected a string, an integer or a boolean")
    if kind in ("text", "text_any", "phrase"):
        if not isinstance(arg, str):
            raise _error(f"{path}.{kind}", "expected a string")
        if kind == "text":
            return qe.MatchText(arg)
        if kind == "text_any":
            return qe.MatchTextAny(arg)
        return qe.MatchPhrase(arg)
    if kind in ("any", "except"):
        values = _keywords_or_integers(arg, f"{path}.{kind}")
        return qe.MatchAny(values) if kind == "any" else qe.MatchExcept(values)
    raise _error(path, f"unknown match variant `{kind}`")


def _keywords_or_integers(arg: Any, path: str) -> list[str] | list[int]:
    if isinstance(arg, list):
        if all(isinstance(v, str) for v in arg):
            return list(arg)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in arg):
            return list(arg)
    raise _error(path, "expected a list of strings or a list of integers")


def _range(value: Any, path: str) -> qe.RangeFloat | qe.RangeDateTime:
    bounds = _bounds(value, path)
    if any(isinstance(v, str) for v in bounds.values()):
        if not all(isinstance(v, str) for v in bounds.values()):
            raise _error(path, "a range mixes datetimes and numbers")
        try:
            return qe.RangeDateTime(**bounds)
        except (TypeError, ValueError) as exc:
            # Qdrant reads the range as an untagged enum, so a bad datetime is a format error.
            raise _error(
                path, f"data did not match any variant of untagged enum RangeInterface ({exc})"
            ) from None
    for name, v in bounds.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _error(f"{path}.{name}", "expected a number or a datetime string")
    return qe.RangeFloat(**{k: float(v) for k, v in bounds.items()})


def _values_count(value: Any, path: str) -> qe.ValuesCount:
    bounds = _bounds(value, path)
    for name, v in bounds.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise _error(f"{path}.{name}", "expected an unsigned integer")
    return qe.ValuesCount(**bounds)


def _bounds(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _error(path, "expected an object with lt/gt/gte/lte")
    unknown = set(value) - {"lt", "gt", "gte", "lte"}
    if unknown:
        raise _error(path, f"unknown field `{sorted(unknown)[0]}`, expected lt, gt, gte or lte")
    return {k: v for k, v in value.items() if v is not None}


def _geo_point(value: Any, path: str) -> qe.GeoPoint:
    if not isinstance(value, dict):
        raise _error(path, "expected {lon, lat}")
    coordinates = []
    for name in ("lon", "lat"):
        v = value.get(name)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _error(f"{path}.{name}", "expected a number")
        coordinates.append(float(v))
    lon, lat = coordinates
    if not -180.0 <= lon <= 180.0:
        raise _error(f"{path}.lon", f"Wrong longitude {lon}: must be in range [-180, 180]")
    if not -90.0 <= lat <= 90.0:
        raise _error(f"{path}.lat", f"Wrong latitude {lat}: must be in range [-90, 90]")
    return qe.GeoPoint(lon=lon, lat=lat)


def _geo_box(value: Any, path: str) -> qe.GeoBoundingBox:
    if not isinstance(value, dict):
        raise _error(path, "expected {top_left, bottom_right}")
    return qe.GeoBoundingBox(
        _geo_point(value.get("top_left"), f"{path}.top_left"),
        _geo_point(value.get("bottom_right"), f"{path}.bottom_right"),
    )


def _geo_radius(value: Any, path: str) -> qe.GeoRadius:
    if not isinstance(value, dict):
        raise _error(path, "expected {center, radius}")
    radius = value.get("radius")
    if isinstance(radius, bool) or not isinstance(radius, int | float):
        raise _error(f"{path}.radius", "expected a number")
    return qe.GeoRadius(_geo_point(value.get("center"), f"{path}.center"), float(radius))


def _geo_line(value: Any, path: str) -> list[qe.GeoPoint]:
    if not isinstance(value, dict) or not isinstance(value.get("points"), list):
        raise _error(path, "expected {points: [...]}")
    return [_geo_point(p, f"{path}.points[{i}]") for i, p in enumerate(value["points"])]


def _geo_polygon(value: Any, path: str) -> qe.GeoPolygon:
    if not isinstance(value, dict):
        raise _error(path, "expected {exterior, interiors}")
    interiors = value.get("interiors")
    if interiors is not None and not isinstance(interiors, list):
        raise _error(f"{path}.interiors", "expected a list")
    return qe.GeoPolygon(
        _geo_line(value.get("exterior"), f"{path}.exterior"),
        [_geo_line(r, f"{path}.interiors[{i}]") for i, r in enumerate(interiors)]
        if interiors
        else None,
    )


class _ExactBool:
    """A boolean that qdrant_edge's ``MatchValue`` reads as a boolean.

    qdrant-edge-py 0.9 converts ``MatchValue(True)`` to the integer 1 (Python's
    ``bool`` is an ``int``, and the integer conversion is tried first), so a
    match on ``true`` would find ``1`` instead.  Its converter recognizes numpy's
    boolean by type name and module before trying integers; this stand-in has
    that name and only ``__bool__``, so it converts to a real boolean without
    making numpy a dependency.  ``test_filters[match bool]`` pins the behaviour.
    """

    __slots__ = ("_value",)

    def __init__(self, value: bool) -> None:
        self._value = value

    def __bool__(self) -> bool:
        return self._value


_ExactBool.__name__ = _ExactBool.__qualname__ = "bool_"
_ExactBool.__module__ = "numpy"


def _error(path: str, problem: str) -> EngineError:
    return EngineError.format(f"{path}: {problem}")
