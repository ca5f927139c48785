"""Filters: Qdrant's REST JSON filter dict <-> the ``Filter`` message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qdpool._proto import common_pb2 as _com
from qdpool.errors import InvalidInput
from qdpool.wire.values import (
    _fill_ids,
    _timestamp_from_text,
    point_id_from_pb,
)

_UNKNOWN_CLAUSE = "unknown filter clause (expected must, should, must_not, min_should)"
_FILTER_CLAUSES = ("must", "should", "must_not")
_FILTER_KEYS = frozenset((*_FILTER_CLAUSES, "min_should"))
_BOUNDS = ("lt", "gt", "gte", "lte")


# ---------------------------------------------------------------- dict -> pb


def filter_to_pb(filter_: Mapping[str, Any], path: str = "filter") -> Any:
    """Qdrant's REST JSON filter as a ``Filter``; ``InvalidInput`` names the bad path."""
    out = _com.Filter()
    _fill_filter(out, filter_, path)
    return out


def _fill_filter(out: Any, filter_: Any, path: str) -> None:
    if not isinstance(filter_, Mapping):
        raise InvalidInput(path, "a filter must be an object")
    for key, value in filter_.items():
        if value is None:
            continue
        if key in _FILTER_CLAUSES:
            _fill_conditions(getattr(out, key), value, f"{path}.{key}")
        elif key == "min_should":
            _fill_min_should(out.min_should, value, f"{path}.min_should")
        else:
            raise InvalidInput(
                f"{path}.{key}",
                "unknown filter clause (expected must, should, must_not, min_should)",
            )


def _fill_conditions(out: Any, conditions: Any, path: str) -> None:
    if isinstance(conditions, Mapping):  # REST also takes a single condition
        _fill_condition(out.add(), conditions, path)
        return
    if not isinstance(conditions, list | tuple):
        raise InvalidInput(path, "expected a list of conditions")
    for index, condition in enumerate(conditions):
        _fill_condition(out.add(), condition, f"{path}[{index}]")


def _fill_min_should(out: Any, value: Any, path: str) -> None:
    if not isinstance(value, Mapping):
        raise InvalidInput(path, 'expected {"conditions": [...], "min_count": n}')
    out.SetInParent()
    for key, item in value.items():
        if key == "conditions":
            _fill_conditions(out.conditions, item, f"{path}.conditions")
        elif key == "min_count":
            _fill_uint(out, "min_count", item, f"{path}.min_count")
        elif item is not None:
            raise InvalidInput(f"{path}.{key}", "unknown key (expected conditions, min_count)")


def _fill_uint(out: Any, name: str, value: Any, path: str) -> None:
    if type(value) is not int or value < 0:
        raise InvalidInput(path, "expected a non-negative integer")
    try:
        setattr(out, name, value)
    except ValueError:
        raise InvalidInput(path, "integer out of range") from None


def _fill_condition(out: Any, condition: Any, path: str) -> None:
    if not isinstance(condition, Mapping):
        raise InvalidInput(path, "a condition must be an object")
    if condition.get("key") is not None:
        _fill_field_condition(out.field, condition, path)
        return
    has_id = condition.get("has_id")
    if has_id is not None:
        _only(condition, "has_id", path)
        ids = out.has_id
        ids.SetInParent()
        if not isinstance(has_id, list | tuple):
            raise InvalidInput(f"{path}.has_id", "expected a list of point ids")
        _fill_ids(ids.has_id, has_id, f"{path}.has_id")
        return
    for name in ("is_empty", "is_null"):
        target = condition.get(name)
        if target is not None:
            _only(condition, name, path)
            key = target.get("key") if isinstance(target, Mapping) else None
            if not isinstance(key, str):
                raise InvalidInput(f"{path}.{name}", 'expected {"key": "..."}')
            getattr(out, name).key = key
            return
    nested = condition.get("nested")
    if nested is not None:
        _only(condition, "nested", path)
        key = nested.get("key") if isinstance(nested, Mapping) else None
        inner = nested.get("filter") if isinstance(nested, Mapping) else None
        if not isinstance(key, str) or inner is None:
            raise InvalidInput(f"{path}.nested", 'expected {"key": "...", "filter": {...}}')
        out.nested.key = key
        _fill_filter(out.nested.filter, inner, f"{path}.nested.filter")
        out.nested.filter.SetInParent()
        return
    has_vector = condition.get("has_vector")
    if has_vector is not None:
        _only(condition, "has_vector", path)
        if not isinstance(has_vector, str):
            raise InvalidInput(f"{path}.has_vector", "expected a vector name")
        out.has_vector.has_vector = has_vector
        return
    if all(key in _FILTER_KEYS or value is None for key, value in condition.items()):
        out.filter.SetInParent()
        _fill_filter(out.filter, condition, path)
        return
    unknown = next(key for key, value in condition.items() if value is not None)
    raise InvalidInput(f"{path}.{unknown}", "unknown or unsupported condition")


def _only(condition: Mapping[str, Any], name: str, path: str) -> None:
    for key, value in condition.items():
        if key != name and value is not None:
            raise InvalidInput(f"{path}.{key}", f"unexpected next to {name!r}")


def _fill_field_condition(out: Any, condition: Mapping[str, Any], path: str) -> None:
    key = condition["key"]
    if not isinstance(key, str):
        raise InvalidInput(f"{path}.key", "expected a string")
    out.key = key
    predicates = 0
    for name, value in condition.items():
        if name == "key" or value is None:
            continue
        if name == "match":
            _fill_match(out.match, value, f"{path}.match")
        elif name == "range":
            _fill_range(out, value, f"{path}.range")
        elif name == "values_count":
            _fill_values_count(out.values_count, value, f"{path}.values_count")
        elif name == "geo_bounding_box":
            _fill_geo_box(out.geo_bounding_box, value, f"{path}.geo_bounding_box")
        elif name == "geo_radius":
            _fill_geo_radius(out.geo_radius, value, f"{path}.geo_radius")
        elif name == "geo_polygon":
            _fill_geo_polygon(out.geo_polygon, value, f"{path}.geo_polygon")
        elif name in ("is_empty", "is_null"):
            if not isinstance(value, bool):
                raise InvalidInput(f"{path}.{name}", "expected a bool")
            setattr(out, name, value)
        else:
            raise InvalidInput(f"{path}.{name}", "unknown or unsupported field condition")
        predicates += 1
    if not predicates:
        raise InvalidInput(
            path,
            "a field condition needs match, range, geo_bounding_box, geo_radius, geo_polygon,"
            " values_count, is_empty or is_null",
        )


def _fill_match(out: Any, match: Any, path: str) -> None:
    if not isinstance(match, Mapping) or len(match) != 1:
        raise InvalidInput(path, "expected one of value, any, except, text, phrase, text_any")
    ((name, value),) = match.items()
    if name == "value":
        if type(value) is str:
            out.keyword = value
        elif type(value) is bool:
            out.boolean = value
        elif type(value) is int:
            _fill_int(out, "integer", value, f"{path}.value")
        else:
            raise InvalidInput(f"{path}.value", "expected a string, an integer or a boolean")
    elif name in ("any", "except"):
        _fill_match_list(out, name, value, f"{path}.{name}")
    elif name in ("text", "phrase", "text_any"):
        if not isinstance(value, str):
            raise InvalidInput(f"{path}.{name}", "expected a string")
        setattr(out, name, value)
    else:
        raise InvalidInput(f"{path}.{name}", "unknown match (expected value, any, except, text)")


def _fill_int(out: Any, name: str, value: int, path: str) -> None:
    try:
        setattr(out, name, value)
    except ValueError:
        raise InvalidInput(path, "integer outside the signed 64-bit range") from None


def _fill_match_list(out: Any, name: str, values: Any, path: str) -> None:
    if not isinstance(values, list | tuple):
        raise InvalidInput(path, "expected a list of strings or of integers")
    if all(type(v) is str for v in values):
        target = out.keywords if name == "any" else out.except_keywords
        target.SetInParent()
        target.strings.extend(values)
    elif all(type(v) is int for v in values):
        target = out.integers if name == "any" else out.except_integers
        target.SetInParent()
        try:
            target.integers.extend(values)
        except ValueError:
            raise InvalidInput(path, "integer outside the signed 64-bit range") from None
    else:
        raise InvalidInput(path, "expected a list of strings or of integers (not mixed)")


def _fill_range(out: Any, bounds: Any, path: str) -> None:
    if not isinstance(bounds, Mapping):
        raise InvalidInput(path, "expected an object with lt, gt, gte, lte")
    present = {k: v for k, v in bounds.items() if v is not None}
    for key in present:
        if key not in _BOUNDS:
            raise InvalidInput(f"{path}.{key}", "unknown bound (expected lt, gt, gte, lte)")
    if present and all(isinstance(v, str) for v in present.values()):
        target = out.datetime_range
        target.SetInParent()
        for key, value in present.items():
            getattr(target, key).CopyFrom(_timestamp_from_text(value, f"{path}.{key}"))
        return
    target = out.range
    target.SetInParent()
    for key, value in present.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{path}.{key}", "expected a number (or all bounds datetimes)")
        setattr(target, key, value)


def _fill_values_count(out: Any, bounds: Any, path: str) -> None:
    if not isinstance(bounds, Mapping):
        raise InvalidInput(path, "expected an object with lt, gt, gte, lte")
    out.SetInParent()
    for key, value in bounds.items():
        if value is None:
            continue
        if key not in _BOUNDS:
            raise InvalidInput(f"{path}.{key}", "unknown bound (expected lt, gt, gte, lte)")
        _fill_uint(out, key, value, f"{path}.{key}")


def _fill_geo_point(out: Any, point: Any, path: str) -> None:
    if not isinstance(point, Mapping) or set(point) != {"lon", "lat"}:
        raise InvalidInput(path, 'expected {"lon": ..., "lat": ...}')
    out.SetInParent()
    for name in ("lon", "lat"):
        value = point[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{path}.{name}", "expected a number")
        setattr(out, name, value)


def _object(value: Any, keys: frozenset[str], required: frozenset[str], path: str) -> Any:
    if not isinstance(value, Mapping):
        raise InvalidInput(path, f"expected an object with {', '.join(sorted(keys))}")
    for key, item in value.items():
        if key not in keys and item is not None:
            raise InvalidInput(f"{path}.{key}", f"unknown key (expected {', '.join(sorted(keys))})")
    for key in required:
        if value.get(key) is None:
            raise InvalidInput(f"{path}.{key}", "is required")
    return value


_BOX_KEYS = frozenset(("top_left", "bottom_right"))
_RADIUS_KEYS = frozenset(("center", "radius"))
_POLYGON_KEYS = frozenset(("exterior", "interiors"))
_LINE_KEYS = frozenset(("points",))


def _fill_geo_box(out: Any, box: Any, path: str) -> None:
    _object(box, _BOX_KEYS, _BOX_KEYS, path)
    out.SetInParent()
    _fill_geo_point(out.top_left, box["top_left"], f"{path}.top_left")
    _fill_geo_point(out.bottom_right, box["bottom_right"], f"{path}.bottom_right")


def _fill_geo_radius(out: Any, radius: Any, path: str) -> None:
    _object(radius, _RADIUS_KEYS, _RADIUS_KEYS, path)
    out.SetInParent()
    _fill_geo_point(out.center, radius["center"], f"{path}.center")
    value = radius["radius"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{path}.radius", "expected a number of meters")
    out.radius = value


def _fill_line(out: Any, line: Any, path: str) -> None:
    _object(line, _LINE_KEYS, _LINE_KEYS, path)
    points = line["points"]
    if not isinstance(points, list | tuple):
        raise InvalidInput(f"{path}.points", "expected a list of geo points")
    out.SetInParent()
    for index, point in enumerate(points):
        _fill_geo_point(out.points.add(), point, f"{path}.points[{index}]")


def _fill_geo_polygon(out: Any, polygon: Any, path: str) -> None:
    _object(polygon, _POLYGON_KEYS, frozenset(("exterior",)), path)
    out.SetInParent()
    _fill_line(out.exterior, polygon["exterior"], f"{path}.exterior")
    interiors = polygon.get("interiors")
    if interiors is not None:
        if not isinstance(interiors, list | tuple):
            raise InvalidInput(f"{path}.interiors", "expected a list of line strings")
        for index, line in enumerate(interiors):
            _fill_line(out.interiors.add(), line, f"{path}.interiors[{index}]")


# ---------------------------------------------------------------- pb -> dict


def filter_from_pb(filter_: Any) -> dict[str, Any]:
    """A ``Filter`` as Qdrant's REST JSON filter (empty clauses left out)."""
    result: dict[str, Any] = {}
    for clause in _FILTER_CLAUSES:
        conditions = getattr(filter_, clause)
        if conditions:
            result[clause] = [_condition_from_pb(c) for c in conditions]
    if filter_.HasField("min_should"):
        min_should = filter_.min_should
        result["min_should"] = {
            "conditions": [_condition_from_pb(c) for c in min_should.conditions],
            "min_count": min_should.min_count,
        }
    return result


def _condition_from_pb(condition: Any) -> dict[str, Any]:
    kind = condition.WhichOneof("condition_one_of")
    if kind == "field":
        return _field_condition_from_pb(condition.field)
    if kind == "filter":
        return filter_from_pb(condition.filter)
    if kind == "has_id":
        return {"has_id": [point_id_from_pb(i) for i in condition.has_id.has_id]}
    if kind == "is_empty":
        return {"is_empty": {"key": condition.is_empty.key}}
    if kind == "is_null":
        return {"is_null": {"key": condition.is_null.key}}
    if kind == "nested":
        nested = condition.nested
        return {"nested": {"key": nested.key, "filter": filter_from_pb(nested.filter)}}
    if kind == "has_vector":
        return {"has_vector": condition.has_vector.has_vector}
    if kind is not None:  # declared by newer Qdrants (slice), not in 1.18's REST API
        raise InvalidInput(f"filter.{kind}", "is not supported by qdpool's embedded server")
    raise InvalidInput("filter", "a condition has no kind set")


def _field_condition_from_pb(field: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"key": field.key}
    if field.HasField("match"):
        result["match"] = _match_from_pb(field.match)
    if field.HasField("range"):
        rng = field.range
        result["range"] = {b: getattr(rng, b) for b in _BOUNDS if rng.HasField(b)}
    elif field.HasField("datetime_range"):
        drange = field.datetime_range
        result["range"] = {
            b: getattr(drange, b).ToJsonString() for b in _BOUNDS if drange.HasField(b)
        }
    if field.HasField("values_count"):
        count = field.values_count
        result["values_count"] = {b: getattr(count, b) for b in _BOUNDS if count.HasField(b)}
    if field.HasField("geo_bounding_box"):
        box = field.geo_bounding_box
        result["geo_bounding_box"] = {
            "top_left": _geo_point_from_pb(box.top_left),
            "bottom_right": _geo_point_from_pb(box.bottom_right),
        }
    if field.HasField("geo_radius"):
        radius = field.geo_radius
        result["geo_radius"] = {
            "center": _geo_point_from_pb(radius.center),
            "radius": radius.radius,
        }
    if field.HasField("geo_polygon"):
        polygon = field.geo_polygon
        result["geo_polygon"] = {
            "exterior": _line_from_pb(polygon.exterior),
            "interiors": [_line_from_pb(line) for line in polygon.interiors],
        }
    for flag in ("is_empty", "is_null"):
        if field.HasField(flag):
            result[flag] = getattr(field, flag)
    return result


def _geo_point_from_pb(point: Any) -> dict[str, float]:
    return {"lon": point.lon, "lat": point.lat}


def _line_from_pb(line: Any) -> dict[str, Any]:
    return {"points": [_geo_point_from_pb(p) for p in line.points]}


def _match_from_pb(match: Any) -> dict[str, Any]:
    kind = match.WhichOneof("match_value")
    if kind == "keyword":
        return {"value": match.keyword}
    if kind == "integer":
        return {"value": match.integer}
    if kind == "boolean":
        return {"value": match.boolean}
    if kind == "keywords":
        return {"any": list(match.keywords.strings)}
    if kind == "integers":
        return {"any": list(match.integers.integers)}
    if kind == "except_keywords":
        return {"except": list(match.except_keywords.strings)}
    if kind == "except_integers":
        return {"except": list(match.except_integers.integers)}
    if kind in ("text", "phrase", "text_any"):
        return {kind: getattr(match, kind)}
    if kind is not None:  # prefix, substring: newer than Qdrant 1.18
        raise InvalidInput(f"filter.match.{kind}", "is not supported by qdpool's embedded server")
    raise InvalidInput("filter", "a match has no value set")
