"""Field-by-field validation of Qdrant's configuration objects, with Qdrant's wording.

Qdrant's REST structs deny unknown fields (a 400 ``Format error``), check each
field's JSON type (also a 400) and then validate ranges (a 422 ``Validation
error``).  The specs below carry Qdrant 1.18's types and bounds for every
configuration object a collection has (``HnswConfigDiff``,
``OptimizersConfigDiff``, ``WalConfigDiff``, ``StrictModeConfig``, the
quantization variants, sparse vector params), so ``config`` and
``config_update`` validate with one function and store exactly what was sent
(``null`` fields dropped, as Qdrant's serializer skips them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qdpool.embedded.convert import json_type
from qdpool.embedded.errors import EngineError, ErrorKind


@dataclass(frozen=True, slots=True)
class Field:
    """One field: its JSON kind and bounds.

    ``kind`` is ``"uint"``, ``"float"``, ``"bool"``, ``"enum"`` (``choices``),
    ``"uint_or_auto"`` (``max_optimization_threads``) or ``"map"`` (a JSON
    object kept as is).
    """

    kind: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


_UINT = Field("uint")
_BOOL = Field("bool")
_FLOAT = Field("float")


def _uint(minimum: int) -> Field:
    return Field("uint", minimum=minimum)


DATATYPES = ("float32", "uint8", "float16")

HNSW_DIFF: dict[str, Field] = {
    "m": _UINT,
    "ef_construct": _uint(4),
    "full_scan_threshold": _uint(10),
    "max_indexing_threads": _UINT,
    "on_disk": _BOOL,
    "payload_m": _UINT,
    "inline_storage": _BOOL,
}
OPTIMIZERS_DIFF: dict[str, Field] = {
    "deleted_threshold": Field("float", minimum=0.0, maximum=1.0),
    "vacuum_min_vector_number": _uint(100),
    "default_segment_number": _UINT,
    "max_segment_size": _uint(1),
    "memmap_threshold": _UINT,
    "indexing_threshold": _UINT,
    "flush_interval_sec": _UINT,
    "max_optimization_threads": Field("uint_or_auto"),
    "prevent_unoptimized": _BOOL,
}
WAL_DIFF: dict[str, Field] = {
    "wal_capacity_mb": _uint(1),
    "wal_segments_ahead": _UINT,
    "wal_retain_closed": _UINT,
}
STRICT_MODE: dict[str, Field] = {
    "enabled": _BOOL,
    "max_query_limit": _uint(1),
    "max_timeout": _uint(1),
    "unindexed_filtering_retrieve": _BOOL,
    "unindexed_filtering_update": _BOOL,
    "search_max_hnsw_ef": _UINT,
    "search_allow_exact": _BOOL,
    "search_max_oversampling": _FLOAT,
    "upsert_max_batchsize": _UINT,
    "search_max_batchsize": _UINT,
    "max_collection_vector_size_bytes": _UINT,
    "read_rate_limit": _uint(1),
    "write_rate_limit": _uint(1),
    "max_collection_payload_size_bytes": _UINT,
    "max_points_count": _uint(1),
    "filter_max_conditions": _UINT,
    "condition_max_size": _UINT,
    "multivector_config": Field("map"),
    "sparse_config": Field("map"),
    "max_payload_index_count": _UINT,
    "max_resident_memory_percent": Field("uint", minimum=1, maximum=100),
}
SPARSE_INDEX: dict[str, Field] = {
    "full_scan_threshold": _UINT,
    "on_disk": _BOOL,
    "datatype": Field("enum", choices=DATATYPES),
}
QUANTIZATION: dict[str, dict[str, Field]] = {
    "scalar": {
        "type": Field("enum", choices=("int8",)),
        "quantile": Field("float", minimum=0.5, maximum=1.0),
        "always_ram": _BOOL,
    },
    "product": {
        "compression": Field("enum", choices=("x4", "x8", "x16", "x32", "x64")),
        "always_ram": _BOOL,
    },
    "binary": {
        "always_ram": _BOOL,
        "encoding": Field("enum", choices=("one_bit", "two_bits", "one_and_half_bits")),
        "query_encoding": Field(
            "enum", choices=("default", "binary", "scalar4bits", "scalar8bits")
        ),
    },
    "turbo": {
        "always_ram": _BOOL,
        "bits": Field("enum", choices=("bits1", "bits1_5", "bits2", "bits4")),
    },
}
_QUANTIZATION_REQUIRED = {"scalar": "type", "product": "compression"}


def parse_fields(value: Any, spec: dict[str, Field], path: str) -> dict[str, Any]:
    """Validate one object against ``spec``; returns it without its ``null`` fields."""
    if not isinstance(value, dict):
        raise EngineError.format(f"{path}: invalid type: {json_type(value)}, expected a map")
    out: dict[str, Any] = {}
    for key, item in value.items():
        field = spec.get(key)
        if field is None:
            expected = ", ".join(f"`{k}`" for k in spec)
            raise EngineError.format(f"{path}: unknown field `{key}`, expected one of {expected}")
        if item is None:
            continue
        out[key] = _check(item, field, f"{path}.{key}")
    return out


def parse_quantization(value: Any, path: str, *, allow_disabled: bool) -> dict[str, Any] | str:
    """``{"scalar"|"product"|"binary"|"turbo": {...}}`` (or ``"Disabled"`` in an update)."""
    if allow_disabled and value == "Disabled":
        return "Disabled"
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in QUANTIZATION:
        raise EngineError.format(
            f"{path}: data did not match any variant of untagged enum QuantizationConfig"
        )
    ((kind, params),) = value.items()
    parsed = parse_fields(params, QUANTIZATION[kind], f"{path}.{kind}")
    required = _QUANTIZATION_REQUIRED.get(kind)
    if required and required not in parsed:
        raise EngineError.format(f"{path}.{kind}: missing field `{required}`")
    return {kind: parsed}


def parse_sparse_params(value: Any, path: str) -> dict[str, Any]:
    """``SparseVectorParams``: ``{"index": {...}, "modifier": "none" | "idf"}``."""
    if not isinstance(value, dict):
        raise EngineError.format(f"{path}: invalid type: {json_type(value)}, expected a map")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key not in ("index", "modifier"):
            raise EngineError.format(
                f"{path}: unknown field `{key}`, expected one of `index`, `modifier`"
            )
        if item is None:
            continue
        if key == "index":
            out["index"] = parse_fields(item, SPARSE_INDEX, f"{path}.index")
        else:
            out["modifier"] = _check(item, Field("enum", choices=("none", "idf")), f"{path}.{key}")
    return out


def _check(value: Any, field: Field, path: str) -> Any:
    kind = field.kind
    if kind == "map":
        if not isinstance(value, dict):
            raise EngineError.format(f"{path}: invalid type: {json_type(value)}, expected a map")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise EngineError.format(
                f"{path}: invalid type: {json_type(value)}, expected a boolean"
            )
        return value
    if kind == "enum":
        if value not in field.choices:
            expected = ", ".join(f"`{c}`" for c in field.choices)
            raise EngineError.format(
                f"{path}: unknown variant `{value}`, expected one of {expected}"
            )
        return value
    if kind == "uint_or_auto" and value == "auto":
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EngineError.format(f"{path}: invalid type: {json_type(value)}, expected f64")
    elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise EngineError.format(
            f"{path}: invalid value: {json_type(value)}, expected an unsigned integer"
        )
    if field.minimum is not None and value < field.minimum:
        raise EngineError(
            ErrorKind.VALIDATION,
            f"Validation error in JSON body: [{path}: value {value} invalid, "
            f"must be {_num(field.minimum)} or larger]",
        )
    if field.maximum is not None and value > field.maximum:
        raise EngineError(
            ErrorKind.VALIDATION,
            f"Validation error in JSON body: [{path}: value {value} invalid, "
            f"must be {_num(field.maximum)} or smaller]",
        )
    return value


def _num(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)
