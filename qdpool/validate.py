"""Input checks that run before anything is sent.

Each function returns the value in the shape the wire wants (Qdrant's REST
JSON) or raises ``InvalidInput`` naming the field, e.g. ``points[3].vector``.
They are written for the hot path: a 384-d vector is checked with one ``sum``
(any NaN or infinity makes the sum non-finite) rather than a Python loop.

The types users already have are accepted where the equivalent dict is:
qdrant-client's pydantic models (anything with ``model_dump``; converted once,
without importing qdrant-client), numpy arrays as vectors (1-D; 2-D for a
multivector) and numpy scalars in payloads. Errors show a shortened value, never
a whole vector.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from qdpool.errors import InvalidInput
from qdpool.models import Point, PointId

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Dense: TypeAlias = "list[float] | NDArray[np.float32]"
"""A checked dense vector: a list of floats, or a numpy array kept as float32."""

DISTANCES = {"cosine": "Cosine", "euclid": "Euclid", "dot": "Dot", "manhattan": "Manhattan"}
PROTOCOLS = ("rest", "grpc")
_MAX_ID = 2**64 - 1
_FILTER_KEYS = frozenset({"must", "should", "must_not", "min_should"})


_SHORT = 60


def short(value: object) -> str:
    """``repr(value)`` cut to a readable length, for error messages."""
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype"):
        return f"<{type(value).__name__} shape={tuple(shape)} dtype={value.dtype}>"
    text = repr(value)
    if len(text) <= _SHORT:
        return text
    if isinstance(value, list | tuple):
        return f"{text[: _SHORT - 20]}... ({len(value)} items)"
    return text[: _SHORT - 3] + "..."


def plain(value: Any) -> Any:
    """A qdrant-client (pydantic) model as Qdrant's REST JSON; anything else unchanged."""
    dump = getattr(value, "model_dump", None)
    if dump is not None and callable(dump) and not isinstance(value, type):
        try:
            return dump(mode="json", exclude_none=True, by_alias=True)
        except ValueError:  # a value pydantic cannot write as JSON (a numpy array or scalar)
            return dump(mode="python", exclude_none=True, by_alias=True)
    return value


def flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field, f"must be a bool, not {type(value).__name__}")
    return value


_VALID_NAMES: set[str] = set()
"""Collection names already found valid: a client names the same few on every call.
Bounded (emptied when full), as the REST paths cached from them are."""
_VALID_NAMES_KEPT = 1024


def collection_name(name: object) -> str:
    if type(name) is str and name in _VALID_NAMES:
        return name
    if not isinstance(name, str):
        raise InvalidInput("collection_name", f"must be a string, not {type(name).__name__}")
    if not name:
        raise InvalidInput("collection_name", "must not be empty")
    if len(name) > 255:
        raise InvalidInput("collection_name", "must be at most 255 characters")
    if "/" in name or "\0" in name:
        raise InvalidInput("collection_name", f"{name!r} must not contain '/' or NUL")
    if len(_VALID_NAMES) >= _VALID_NAMES_KEPT:
        _VALID_NAMES.clear()
    if type(name) is str:  # not a subclass, whose equality could be its own
        _VALID_NAMES.add(name)
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
        if _is_numpy_int(value):
            return positive_int(int(value), field, minimum=minimum)  # type: ignore[call-overload]
        raise InvalidInput(field, f"must be an integer, not {type(value).__name__}")
    if value < minimum:
        raise InvalidInput(field, f"must be at least {minimum}, got {value}")
    return int(value)


def point_id(value: object, field: str = "id") -> PointId:
    """An unsigned 64-bit integer, or a UUID string normalized to Qdrant's hyphenated form."""
    if isinstance(value, bool):
        raise InvalidInput(field, "must be an unsigned integer or a UUID string, not a bool")
    if isinstance(value, int) or _is_numpy_int(value):
        number: int = int(value)  # type: ignore[call-overload]
        if 0 <= number <= _MAX_ID:
            return number
        raise InvalidInput(field, f"integer ids must be in 0..2**64-1, got {number}")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise InvalidInput(field, f"{short(value)} is not a UUID") from None
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


def vector(value: object, field: str = "vector") -> Dense:
    """A dense vector as a list of floats, or a numpy array as a C-contiguous float32 array
    (no Python floats made: orjson and protobuf take the array's buffer as it is);
    rejects empty, non-numeric, NaN and infinite values."""
    if type(value) is not list:  # a list, the common case, goes straight to the sum
        if hasattr(value, "dtype") and hasattr(value, "ndim"):
            return _array(value, field)
        if hasattr(value, "tolist"):
            value = value.tolist()  # array-likes other than numpy's
        if not isinstance(value, list | tuple):
            raise InvalidInput(field, f"must be a list of floats, not {short(value)}")
    if not value:
        raise InvalidInput(field, "must not be empty")
    try:
        total = sum(value)
    except TypeError:
        bad = next(i for i, x in enumerate(value) if not _is_number(x))
        raise InvalidInput(
            f"{field}[{bad}]", f"must be a number, got {short(value[bad])}"
        ) from None
    if not math.isfinite(total):
        first = next((i for i, x in enumerate(value) if not math.isfinite(x)), None)
        if first is not None:
            raise InvalidInput(f"{field}[{first}]", f"must be finite, got {value[first]!r}")
        raise InvalidInput(field, "values are too large to sum to a finite number")
    return value if isinstance(value, list) else list(value)


def _array(value: Any, field: str) -> Dense:
    import numpy as np  # loaded already: the caller made the array

    if value.ndim != 1:
        raise InvalidInput(field, f"must be a 1-D array, got {short(value)}")
    if not value.size:
        raise InvalidInput(field, "must not be empty")
    array: NDArray[np.float32]
    if value.dtype == np.float32 and value.flags.c_contiguous:
        array = value  # the common case (a row of a float32 matrix): nothing to convert
    elif value.dtype.kind not in "fiu":
        raise InvalidInput(field, f"must be an array of numbers, not of {value.dtype}")
    else:
        with np.errstate(over="ignore"):  # overflow shows as inf, refused below
            array = np.ascontiguousarray(value, dtype=np.float32)
    if not np.isfinite(array).all():  # no arithmetic: no overflow, no numpy warning
        first = int(np.flatnonzero(~np.isfinite(array))[0])
        given = float(value[first])
        problem = "must be finite" if not math.isfinite(given) else "must fit in a float32"
        raise InvalidInput(f"{field}[{first}]", f"{problem}, got {given!r}")
    return array


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


_SCAN_ROWS = 4096
"""Rows checked at a time by ``matrix``: bounds the temporary float32 copy of a float64
array (4,096 x 1,536-d is 24 MiB), and reads a memory-mapped file a window at a time."""


def is_array(value: object) -> bool:
    """Whether ``value`` looks like a numpy array (checked without importing numpy)."""
    return hasattr(value, "dtype") and hasattr(value, "ndim") and hasattr(value, "shape")


def matrix(value: Any, field: str) -> Any:
    """A 2-D numpy array of vectors, one per row, checked as a whole: a numeric dtype, at
    least one column, and every value finite once made float32 (NaN, infinities and values
    beyond float32's range are refused, naming ``field[row][column]``). The array is
    returned as given: rows are made float32 batch by batch (``rows``), so memory holds one
    batch's copy at most, never the whole array's."""
    import numpy as np  # loaded already: the caller made the array

    if value.ndim != 2:
        raise InvalidInput(field, f"must be a 2-D array (one vector per row), got {short(value)}")
    if value.dtype.kind not in "fiu":
        raise InvalidInput(field, f"must be an array of numbers, not of {value.dtype}")
    if not value.shape[1]:
        raise InvalidInput(field, f"vectors must not be empty, got {short(value)}")
    for start in range(0, len(value), _SCAN_ROWS):
        chunk = rows(value[start : start + _SCAN_ROWS])
        if not np.isfinite(chunk).all():
            row, column = (int(i[0]) for i in np.nonzero(~np.isfinite(chunk)))
            given = float(value[start + row, column])
            problem = "must be finite" if not math.isfinite(given) else "must fit in a float32"
            raise InvalidInput(f"{field}[{start + row}][{column}]", f"{problem}, got {given!r}")
    return value


def rows(value: Any) -> NDArray[np.float32]:
    """Rows of a checked ``matrix`` as one C-contiguous float32 array: the same array
    when it is one already (a slice of a float32 array), else one copy."""
    import numpy as np

    with np.errstate(over="ignore"):  # overflow shows as inf, which ``matrix`` refuses
        return np.ascontiguousarray(value, dtype=np.float32)


def vectors(value: object, field: str) -> Any:
    """A point's vector: dense (a list or a 1-D array), a multivector (a list of lists or a
    2-D array), sparse (``{"indices": [...], "values": [...]}``), or named vectors
    ``{"name": any of those}``."""
    value = plain(value)
    if isinstance(value, Mapping):
        if not value:
            raise InvalidInput(field, "named vectors must not be empty")
        if set(value) == {"indices", "values"}:
            return sparse_vector(value, field)
        out: dict[str, Any] = {}
        for name, vec in value.items():
            if not isinstance(name, str):
                raise InvalidInput(field, f"vector names must be strings, got {short(name)}")
            out[name] = one_vector(vec, f"{field}.{name}")
        return out
    return one_vector(value, field)


def one_vector(value: object, field: str) -> Any:
    """One unnamed vector: dense, multivector or sparse."""
    value = plain(value)
    if isinstance(value, Mapping):
        return sparse_vector(value, field)
    ndim = getattr(value, "ndim", None)
    if ndim == 2:
        return multivector(value.tolist(), field)  # type: ignore[attr-defined]
    if isinstance(value, list) and value and isinstance(value[0], list | tuple):
        return multivector(value, field)
    if ndim is not None and ndim != 1:
        raise InvalidInput(field, f"must be a 1-D or 2-D array, got {short(value)}")
    return vector(value, field)


def multivector(rows: list[Any], field: str) -> list[Dense]:
    checked = [vector(row, f"{field}[{i}]") for i, row in enumerate(rows)]
    if not checked:
        raise InvalidInput(field, "must not be empty")
    width = len(checked[0])
    for i, row in enumerate(checked):
        if len(row) != width:
            raise InvalidInput(f"{field}[{i}]", f"has {len(row)} values; the first row has {width}")
    return checked


def sparse_vector(value: Mapping[str, Any], field: str) -> dict[str, Any]:
    unknown = set(value) - {"indices", "values"}
    if unknown:
        raise InvalidInput(
            field, f"unknown keys {sorted(unknown)}; a sparse vector has indices, values"
        )
    indices: Any = value.get("indices")
    values = value.get("values")
    if hasattr(indices, "tolist"):
        indices = indices.tolist()
    if not isinstance(indices, list | tuple):
        raise InvalidInput(f"{field}.indices", f"must be a list of integers, not {short(indices)}")
    for i, index in enumerate(indices):
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 2**32:
            raise InvalidInput(
                f"{field}.indices[{i}]", f"must be an unsigned 32-bit integer, got {short(index)}"
            )
    checked = vector(values, f"{field}.values") if indices else []
    if len(checked) != len(indices):
        raise InvalidInput(field, f"has {len(indices)} indices but {len(checked)} values")
    if len(set(indices)) != len(indices):
        raise InvalidInput(f"{field}.indices", "must not repeat an index")
    return {"indices": list(indices), "values": checked}


def payload(value: object, field: str = "payload") -> dict[str, Any] | None:
    """A JSON object with string keys; numpy scalars and arrays become plain numbers and
    lists; NaN and infinite floats are refused (JSON has no spelling for them, and orjson
    would silently turn them into null)."""
    if value is None:
        return None
    value = plain(value)
    if not isinstance(value, Mapping):
        raise InvalidInput(field, f"must be a dict, not {type(value).__name__}")
    cleaned = json_value(value, field)
    return cleaned if isinstance(cleaned, dict) else dict(cleaned)


def json_value(value: Any, field: str) -> Any:
    """``value`` as plain JSON, or raise naming the path; returns ``value`` itself when it
    already is (the common case allocates nothing)."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if kind is float:
        if not math.isfinite(value):
            raise InvalidInput(field, f"must be finite, got {value!r}")
        return value
    if isinstance(value, Mapping):
        changed: dict[str, Any] | None = None
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(field, f"keys must be strings, got {short(key)}")
            clean = json_value(item, f"{field}.{key}")
            if clean is not item and changed is None:
                changed = dict(value)
            if changed is not None:
                changed[key] = clean
        if changed is not None:
            return changed
        return value if kind is dict else dict(value)
    if isinstance(value, list | tuple):
        items = [json_value(item, f"{field}[{i}]") for i, item in enumerate(value)]
        if kind is list and all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items
    if isinstance(value, bool | int | float | str):  # subclasses (IntEnum, str enums)
        return json_value(_base(value), field)
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # numpy scalar or array
        return json_value(value.tolist(), field)
    dumped = plain(value)
    if dumped is not value:
        return json_value(dumped, field)
    raise InvalidInput(field, f"{type(value).__name__} is not a JSON value")


def _base(value: bool | int | float | str) -> bool | int | float | str:
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def _is_numpy_int(value: object) -> bool:
    return (
        hasattr(value, "dtype")
        and getattr(value, "ndim", None) == 0
        and str(getattr(value, "dtype", "")).startswith(("int", "uint"))
    )


def point(value: object, index: int) -> dict[str, Any]:
    """One point in Qdrant's REST shape ``{"id", "vector", "payload"}``."""
    field = f"points[{index}]"
    value = plain(value)
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
        raise InvalidInput(
            field,
            f"must be a dict, a qdpool.Point or a qdrant-client PointStruct, "
            f"not {type(value).__name__}",
        )
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
    """A filter in Qdrant's REST JSON shape (or a qdrant-client ``Filter``).

    Checked in full here, before anything is queued, by the same code that builds the
    gRPC ``Filter``, so REST and gRPC refuse exactly the same filters with the same
    message: a range bound that is neither a number nor an RFC 3339 datetime, an unknown
    condition, a malformed match.
    """
    if value is None:
        return None
    value = plain(value)
    if not isinstance(value, Mapping):
        raise InvalidInput(
            field, f"must be a dict in Qdrant's filter shape, not {type(value).__name__}"
        )
    unknown = set(value) - _FILTER_KEYS
    if unknown:
        raise InvalidInput(
            field, f"unknown keys {sorted(unknown)}; expected must, should, must_not, min_should"
        )
    checked = json_value(value, field)
    from qdpool.wire.filters import filter_to_pb  # the wire imports this module's errors

    filter_to_pb(checked, field)
    return checked if isinstance(checked, dict) else dict(checked)


def query(value: object) -> Dense | PointId:
    """A query: a dense vector, or the id of a stored point to search like."""
    if type(value) is list:
        return vector(value, "query")
    if isinstance(value, int | str | uuid.UUID) and not isinstance(value, bool):
        return point_id(value, "query")
    return vector(value, "query")


def with_payload(value: object) -> Any:
    """``with_payload``: a bool, a list of keys, or ``{"include"/"exclude": [...]}``."""
    if value is True or value is False:  # the common case, on every query's path
        return value
    value = plain(value)
    if isinstance(value, Mapping) and len(value) == 1:
        ((kind, keys),) = value.items()
        if kind in ("include", "exclude") and _is_str_list(keys):
            return {kind: list(keys)}
    return with_flag(value, "with_payload")


def with_vector(value: object) -> bool | list[str]:
    """``with_vector``: a bool or a list of vector names."""
    return with_flag(value, "with_vector")


def _is_str_list(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


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
    raise InvalidInput(field, f"must be a bool or a list of field names, got {short(value)}")
