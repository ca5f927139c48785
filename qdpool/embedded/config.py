"""Collection configuration: a REST ``PUT /collections/{c}`` body → the stored config.

The stored form is exactly the ``config`` object that ``GET /collections/{c}``
returns, so it is written once at creation (to ``collection.json``), read back on
restart, and echoed to clients without further translation.  ``edge_config``
turns it into the ``qdrant_edge.EdgeConfig`` that the shard is created with.

Only what the embedded server honours is accepted: dense vectors (one unnamed or
several named) with their distance, storage datatype and ``on_disk``;
``on_disk_payload``; ``hnsw_config`` and ``optimizers_config`` (passed to the
engine); ``metadata``.  Single-node settings (one shard, one replica) are
accepted at their single-node values; anything else (sparse vectors,
multivectors, quantization, custom sharding) is refused with a clear 400 rather
than silently ignored.
"""

from __future__ import annotations

import re
from typing import Any

import qdrant_edge as qe

from qdpool.embedded.convert import parse_object, reject_unknown_fields
from qdpool.embedded.errors import EngineError, ErrorKind

DISTANCES: dict[str, qe.Distance] = {
    "Cosine": qe.Distance.Cosine,
    "Euclid": qe.Distance.Euclid,
    "Dot": qe.Distance.Dot,
    "Manhattan": qe.Distance.Manhattan,
}
_DATATYPES = {
    "float32": qe.VectorStorageDatatype.Float32,
    "float16": qe.VectorStorageDatatype.Float16,
    "uint8": qe.VectorStorageDatatype.Uint8,
}
MAX_VECTOR_SIZE = 65536

# Qdrant's defaults, as ``GET /collections/{c}`` reports them on a fresh node.
_HNSW_DEFAULTS: dict[str, Any] = {
    "m": 16,
    "ef_construct": 100,
    "full_scan_threshold": 10000,
    "max_indexing_threads": 0,
    "on_disk": False,
}
_OPTIMIZER_DEFAULTS: dict[str, Any] = {
    "deleted_threshold": 0.2,
    "vacuum_min_vector_number": 1000,
    "default_segment_number": 0,
    "max_segment_size": None,
    "memmap_threshold": None,
    "indexing_threshold": 10000,
    "flush_interval_sec": 5,
    "max_optimization_threads": None,
}
# The engine's write-ahead log is fixed at 32 MiB segments; reported as such.
_WAL_CONFIG: dict[str, Any] = {"wal_capacity_mb": 32, "wal_segments_ahead": 0}

_CREATE_FIELDS = frozenset(
    (
        "vectors",
        "shard_number",
        "sharding_method",
        "replication_factor",
        "write_consistency_factor",
        "on_disk_payload",
        "hnsw_config",
        "wal_config",
        "optimizers_config",
        "quantization_config",
        "sparse_vectors",
        "strict_mode_config",
        "metadata",
        "payload",
        "id_tracker",
        "init_from",
    )
)
_VECTOR_FIELDS = frozenset(
    (
        "size",
        "distance",
        "on_disk",
        "datatype",
        "hnsw_config",
        "quantization_config",
        "multivector_config",
        "memory",
    )
)
# Characters Qdrant refuses in collection names (and which would escape our data dir).
_BAD_NAME_CHARS = re.compile(r'[<>:"/\\|?*\x00]')


def validate_collection_name(name: str) -> None:
    """Qdrant's rule for names, which also keeps a name a safe directory name."""
    bad = _BAD_NAME_CHARS.search(name)
    if bad:
        raise EngineError(
            ErrorKind.VALIDATION,
            "Validation error in path parameters: "
            f'[name: collection name cannot contain "{bad.group()}" char]',
        )
    if not name or len(name) > 255 or name in (".", ".."):
        raise EngineError(
            ErrorKind.VALIDATION,
            "Validation error in path parameters: "
            "[name: collection name must be 1 to 255 characters and not . or ..]",
        )


def parse_create_body(body: Any) -> dict[str, Any]:
    """Validate a create-collection body and return the stored ``config`` object."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, _CREATE_FIELDS, "")
    if body.get("init_from") is not None:
        raise EngineError.unsupported("init_from")
    for feature in ("quantization_config", "payload", "id_tracker"):
        if body.get(feature) is not None:
            raise EngineError.unsupported(feature)
    if body.get("sparse_vectors"):
        raise EngineError.unsupported("sparse_vectors")
    strict = body.get("strict_mode_config")
    if isinstance(strict, dict) and strict.get("enabled"):
        raise EngineError.unsupported("strict_mode_config.enabled")
    _single_node_setting(body, "shard_number")
    _single_node_setting(body, "replication_factor")
    _single_node_setting(body, "write_consistency_factor")
    if body.get("sharding_method") not in (None, "auto"):
        raise EngineError.unsupported("custom sharding")
    on_disk_payload = body.get("on_disk_payload", True)
    if on_disk_payload is None:
        on_disk_payload = True
    if not isinstance(on_disk_payload, bool):
        raise EngineError.format("on_disk_payload: invalid type, expected a boolean")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise EngineError.format("metadata: invalid type, expected a map")
    config: dict[str, Any] = {
        "params": {
            "vectors": _parse_vectors(body.get("vectors")),
            "shard_number": 1,
            "replication_factor": 1,
            "write_consistency_factor": 1,
            "on_disk_payload": on_disk_payload,
        },
        "hnsw_config": _merge_diff(_HNSW_DEFAULTS, body.get("hnsw_config"), "hnsw_config"),
        "optimizer_config": _merge_diff(
            _OPTIMIZER_DEFAULTS, body.get("optimizers_config"), "optimizers_config"
        ),
        "wal_config": dict(_WAL_CONFIG),
        "quantization_config": None,
        "strict_mode_config": {"enabled": False},
    }
    if metadata is not None:
        config["metadata"] = metadata
    return config


def _single_node_setting(body: dict[str, Any], field: str) -> None:
    value = body.get(field)
    if value is None or value == 1:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise EngineError.validation(field, f"value {value} invalid, must be 1 or larger")
    raise EngineError.unsupported(f"{field} > 1 (the embedded server is a single-shard node)")


def _parse_vectors(value: Any) -> dict[str, Any]:
    """One unnamed vector ``{size, distance}`` or named ``{name: {size, distance}}``."""
    if value is None:
        raise EngineError.unsupported("a collection without dense vectors")
    if not isinstance(value, dict):
        raise EngineError.format("vectors: invalid type, expected a map")
    if "size" in value or "distance" in value:
        return _parse_vector_params(value, "vectors")
    if not value:
        raise EngineError.unsupported("a collection without dense vectors")
    return {name: _parse_vector_params(params, f"vectors.{name}") for name, params in value.items()}


def _parse_vector_params(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EngineError.format(f"{path}: invalid type, expected a map")
    reject_unknown_fields(value, _VECTOR_FIELDS, f"{path}: ")
    if "size" not in value:
        raise EngineError.format(f"{path}: missing field `size`")
    if "distance" not in value:
        raise EngineError.format(f"{path}: missing field `distance`")
    size, distance = value["size"], value["distance"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise EngineError.format(f"{path}.size: invalid value, expected an unsigned integer")
    if not 1 <= size <= MAX_VECTOR_SIZE:
        raise EngineError.validation(
            f"{path}.size", f"value {size} invalid, must be from 1 to {MAX_VECTOR_SIZE}"
        )
    if distance not in DISTANCES:
        raise EngineError.format(
            f"{path}.distance: unknown variant `{distance}`, "
            "expected one of `Cosine`, `Euclid`, `Dot`, `Manhattan`"
        )
    for feature in ("hnsw_config", "quantization_config", "multivector_config", "memory"):
        if value.get(feature) is not None:
            raise EngineError.unsupported(f"{path}.{feature}")
    params: dict[str, Any] = {"size": size, "distance": distance}
    if value.get("on_disk") is not None:
        if not isinstance(value["on_disk"], bool):
            raise EngineError.format(f"{path}.on_disk: invalid type, expected a boolean")
        params["on_disk"] = value["on_disk"]
    datatype = value.get("datatype")
    if datatype is not None:
        if datatype not in _DATATYPES:
            raise EngineError.format(
                f"{path}.datatype: unknown variant `{datatype}`, "
                "expected one of `float32`, `uint8`, `float16`"
            )
        params["datatype"] = datatype
    return params


def _merge_diff(defaults: dict[str, Any], diff: Any, path: str) -> dict[str, Any]:
    """Apply a ``*Diff`` object over Qdrant's defaults, type-checking each field."""
    merged = dict(defaults)
    if diff is None:
        return merged
    if not isinstance(diff, dict):
        raise EngineError.format(f"{path}: invalid type, expected a map")
    allowed = set(defaults) | {"payload_m", "inline_storage"}
    for key, value in diff.items():
        if key not in allowed:
            raise EngineError.format(f"{path}: unknown field `{key}`")
        if value is None:
            continue
        expected = defaults.get(key)
        if isinstance(expected, bool) or key == "inline_storage":
            ok = isinstance(value, bool)
        elif isinstance(expected, float):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        else:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        if not ok:
            raise EngineError.format(f"{path}.{key}: invalid value {value!r}")
        merged[key] = value
    return merged


def is_named(config: dict[str, Any]) -> bool:
    """Whether the collection has named vectors (rather than one unnamed vector)."""
    return "size" not in config["params"]["vectors"]


def vector_sizes(config: dict[str, Any]) -> dict[str, int]:
    """Vector name → dimension; the unnamed vector is ``""`` as in the engine."""
    vectors = config["params"]["vectors"]
    if is_named(config):
        return {name: int(p["size"]) for name, p in vectors.items()}
    return {"": int(vectors["size"])}


def edge_config(config: dict[str, Any], search_threads: int | None) -> qe.EdgeConfig:
    """The engine configuration for a stored collection config."""
    vectors = config["params"]["vectors"]
    edge_vectors: qe.EdgeVectorParams | dict[str, qe.EdgeVectorParams]
    if is_named(config):
        edge_vectors = {name: _edge_vector(p) for name, p in vectors.items()}
    else:
        edge_vectors = _edge_vector(vectors)
    hnsw = config["hnsw_config"]
    opt = config["optimizer_config"]
    return qe.EdgeConfig(
        vectors=edge_vectors,
        on_disk_payload=config["params"]["on_disk_payload"],
        hnsw_config=qe.HnswIndexConfig(
            m=hnsw["m"],
            ef_construct=hnsw["ef_construct"],
            full_scan_threshold=hnsw["full_scan_threshold"],
            max_indexing_threads=hnsw["max_indexing_threads"],
            on_disk=hnsw.get("on_disk"),
            payload_m=hnsw.get("payload_m"),
        ),
        optimizers=qe.EdgeOptimizersConfig(
            deleted_threshold=opt["deleted_threshold"],
            vacuum_min_vector_number=opt["vacuum_min_vector_number"],
            default_segment_number=opt["default_segment_number"],
            max_segment_size=opt["max_segment_size"],
            indexing_threshold=opt["indexing_threshold"],
        ),
        max_search_threads=search_threads,
    )


def _edge_vector(params: dict[str, Any]) -> qe.EdgeVectorParams:
    datatype = params.get("datatype")
    return qe.EdgeVectorParams(
        size=params["size"],
        distance=DISTANCES[params["distance"]],
        on_disk=params.get("on_disk"),
        datatype=_DATATYPES[datatype] if datatype else None,
    )
