"""Small conversions between Qdrant's REST JSON values and qdrant_edge's Python values.

Every parser here raises ``EngineError`` with Qdrant's wording, so a bad field in
any request body produces the same 400/422 that Qdrant would send.  Kept apart
from the engine so the filter parser and the collection code share one notion of
"a point id", "a payload selector" and so on.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import qdrant_edge as qe

from qdpool.embedded.errors import EngineError

PointId = int | str
P = ParamSpec("P")
R = TypeVar("R")

_U64_MAX = 2**64 - 1


def parse_point_id(value: Any) -> PointId:
    """A REST point id: an unsigned 64-bit integer or a UUID string.

    UUIDs are normalized to Qdrant's output form (lower-case, hyphenated) so that
    ``"8C7B..."`` and ``"8c7b..."`` name the same point, as they do in Qdrant.
    """
    if isinstance(value, bool):
        raise _bad_id(value)
    if isinstance(value, int):
        if 0 <= value <= _U64_MAX:
            return value
        raise _bad_id(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise _bad_id(value) from None
    raise _bad_id(value)


def _bad_id(value: Any) -> EngineError:
    return EngineError.format(
        f"value {value} is not a valid point ID, "
        "valid values are either an unsigned integer or a UUID"
    )


def parse_point_ids(value: Any, field: str) -> list[PointId]:
    """A JSON list of point ids."""
    if not isinstance(value, list):
        raise EngineError.format(f"{field}: invalid type: expected a sequence of point ids")
    return [parse_point_id(v) for v in value]


def point_id_out(value: object) -> PointId:
    """An id as qdrant_edge returns it (int or ``uuid.UUID``) in REST form."""
    if isinstance(value, int):
        return value
    return str(value)


def parse_bool(value: Any, field: str, default: bool) -> bool:
    """A JSON boolean (or null/absent for the default)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    raise EngineError.format(f"{field}: invalid type: {json_type(value)}, expected a boolean")


def parse_uint(value: Any, field: str, default: int | None, minimum: int = 0) -> int | None:
    """A JSON unsigned integer; ``minimum`` failures are validation errors (422), as in Qdrant."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise EngineError.format(
            f"{field}: invalid value: {json_type(value)}, expected an unsigned integer"
        )
    if value < minimum:
        raise EngineError.validation(field, f"value {value} invalid, must be {minimum} or larger")
    return value


def parse_float(value: Any, field: str) -> float | None:
    """A JSON number or null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EngineError.format(f"{field}: invalid type: {json_type(value)}, expected a number")
    return float(value)


def parse_object(value: Any, field: str) -> dict[str, Any]:
    """A JSON object (null counts as empty, which is how Qdrant treats a missing body)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise EngineError.format(f"{field}: invalid type: {json_type(value)}, expected a map")
    return value


def reject_unknown_fields(body: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    """Qdrant's request structs deny unknown fields; so do we, with serde's wording."""
    for key in body:
        if key not in allowed:
            expected = ", ".join(f"`{k}`" for k in sorted(allowed))
            raise EngineError.format(f"{where}unknown field `{key}`, expected one of {expected}")


def parse_with_payload(value: Any, default: bool) -> bool | list[str] | qe.PayloadSelector:
    """``with_payload``: a bool, a list of keys to include, or ``{"include"|"exclude": [...]}``."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(k, str) for k in value):
        return qe.PayloadSelector.Include(list(value))
    if isinstance(value, dict) and len(value) == 1:
        ((mode, keys),) = value.items()
        if mode in ("include", "exclude") and _is_str_list(keys):
            if mode == "include":
                return qe.PayloadSelector.Include(list(keys))
            return qe.PayloadSelector.Exclude(list(keys))
    raise EngineError.format(
        "with_payload: data did not match any variant of untagged enum WithPayloadInterface"
    )


def parse_with_vector(value: Any, default: bool) -> bool | list[str]:
    """``with_vector``: a bool or a list of vector names."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if _is_str_list(value):
        return list(value)
    raise EngineError.format(
        "with_vector: data did not match any variant of untagged enum WithVector"
    )


def parse_dense_vector(value: Any, field: str) -> list[float]:
    """A dense vector: a non-empty list (of numbers).

    The elements are not checked one by one here: that would cost more than the
    engine's whole upsert.  The engine's own conversion rejects a non-number with
    a ``TypeError``, which callers turn into the same format error.
    """
    if not isinstance(value, list) or not value:
        raise EngineError.format(f"{field}: expected a non-empty list of numbers")
    return value


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(k, str) for k in value)


def json_type(value: Any) -> str:
    """serde's way of naming the JSON value it did not expect."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, list):
        return "sequence"
    return "map"


def rejects_malformed(fn: Callable[P, R]) -> Callable[P, R]:
    """Report a value the engine's own conversion refused as Qdrant's 400 format error.

    qdrant_edge checks element types (a string inside a vector, a bad datetime,
    a polygon without points) when its objects are built; those ``TypeError`` /
    ``ValueError`` escapes are malformed input, never a server fault (500).
    """

    @functools.wraps(fn)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError, OverflowError) as exc:
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise EngineError.format(text) from None

    return checked
