"""Qdrant's score-boosting formula (``{"formula": ..., "defaults": ...}``) → ``qe.Expression``.

A formula node is a number (constant), a string (a variable: ``$score``,
``$score[i]`` or a payload key), a one-key object naming an operator (``sum``,
``mult``, ``neg``, ``abs``, ``sqrt``, ``exp``, ``log10``, ``ln``, ``div``,
``pow``, ``geo_distance``, ``datetime``, ``datetime_key``, and the decays
``lin_decay`` / ``exp_decay`` / ``gauss_decay``), or else a filter condition,
which scores 1 where it matches and 0 elsewhere.
"""

from __future__ import annotations

from typing import Any

import qdrant_edge as qe

from qdpool.embedded.convert import parse_float, parse_object, reject_unknown_fields
from qdpool.embedded.errors import EngineError
from qdpool.embedded.filters import parse_condition

_UNARY = {
    "neg": qe.Expression.Neg,
    "abs": qe.Expression.Abs,
    "sqrt": qe.Expression.Sqrt,
    "exp": qe.Expression.Exp,
    "log10": qe.Expression.Log10,
    "ln": qe.Expression.Ln,
}
_DECAYS = {
    "lin_decay": qe.DecayKind.Lin,
    "exp_decay": qe.DecayKind.Exp,
    "gauss_decay": qe.DecayKind.Gauss,
}


def parse_expression(raw: Any, path: str) -> qe.Expression:
    """One node of a formula: a number, a variable, an operator, or a filter condition."""
    if isinstance(raw, bool):
        raise EngineError.format(f"{path}: a boolean is not an expression")
    if isinstance(raw, int | float):
        return qe.Expression.Constant(float(raw))
    if isinstance(raw, str):
        return qe.Expression.Variable(raw)
    if not isinstance(raw, dict):
        raise EngineError.format(f"{path}: data did not match any variant of Expression")
    if len(raw) == 1:
        ((op, arg),) = raw.items()
        sub = f"{path}.{op}"
        if op in ("sum", "mult"):
            if not isinstance(arg, list):
                raise EngineError.format(f"{sub}: expected a list of expressions")
            items = [parse_expression(x, f"{sub}[{i}]") for i, x in enumerate(arg)]
            return qe.Expression.Sum(items) if op == "sum" else qe.Expression.Mult(items)
        if op in _UNARY:
            return _UNARY[op](parse_expression(arg, sub))
        if op == "div":
            spec = parse_object(arg, sub)
            reject_unknown_fields(spec, frozenset(("left", "right", "by_zero_default")), f"{sub}: ")
            return qe.Expression.Div(
                parse_expression(spec.get("left"), f"{sub}.left"),
                parse_expression(spec.get("right"), f"{sub}.right"),
                parse_float(spec.get("by_zero_default"), f"{sub}.by_zero_default"),
            )
        if op == "pow":
            spec = parse_object(arg, sub)
            reject_unknown_fields(spec, frozenset(("base", "exponent")), f"{sub}: ")
            return qe.Expression.Pow(
                parse_expression(spec.get("base"), f"{sub}.base"),
                parse_expression(spec.get("exponent"), f"{sub}.exponent"),
            )
        if op == "geo_distance":
            spec = parse_object(arg, sub)
            reject_unknown_fields(spec, frozenset(("origin", "to")), f"{sub}: ")
            origin = parse_object(spec.get("origin"), f"{sub}.origin")
            to = spec.get("to")
            lon = parse_float(origin.get("lon"), f"{sub}.origin.lon")
            lat = parse_float(origin.get("lat"), f"{sub}.origin.lat")
            if not isinstance(to, str) or lon is None or lat is None:
                raise EngineError.format(f"{sub}: expected {{origin: {{lon, lat}}, to: key}}")
            return qe.Expression.GeoDistance(qe.GeoPoint(lon=lon, lat=lat), to)
        if op == "datetime":
            if not isinstance(arg, str):
                raise EngineError.format(f"{sub}: expected a datetime string")
            try:
                return qe.Expression.Datetime(arg)
            except ValueError as exc:
                raise EngineError.format(f"{sub}: {exc}") from None
        if op == "datetime_key":
            if not isinstance(arg, str):
                raise EngineError.format(f"{sub}: expected a payload key")
            return qe.Expression.DatetimeKey(arg)
        if op in _DECAYS:
            spec = parse_object(arg, sub)
            reject_unknown_fields(spec, frozenset(("x", "target", "scale", "midpoint")), f"{sub}: ")
            if "x" not in spec:
                raise EngineError.format(f"{sub}: missing field `x`")
            target = spec.get("target")
            return qe.Expression.Decay(
                _DECAYS[op],
                parse_expression(spec["x"], f"{sub}.x"),
                parse_expression(target, f"{sub}.target") if target is not None else None,
                parse_float(spec.get("midpoint"), f"{sub}.midpoint"),
                parse_float(spec.get("scale"), f"{sub}.scale"),
            )
    return qe.Expression.Condition(parse_condition(raw, path))
