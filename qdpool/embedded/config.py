"""Collection configuration: a REST ``PUT /collections/{c}`` body → the stored config.

The stored form is exactly the ``config`` object that ``GET /collections/{c}``
returns in Qdrant 1.18's shape, so it is written to ``collection.json``, read
back on restart, and echoed to clients without further translation.
``edge_config`` turns it into the ``qdrant_edge.EdgeConfig`` the shard runs with.

What is honoured: dense vectors (none, one unnamed or several named) with
distance, ``datatype``, ``on_disk``, ``multivector_config`` and per-vector
``hnsw_config`` / ``quantization_config``; sparse vectors (``modifier``,
``index``); ``hnsw_config``, ``optimizers_config`` and ``quantization_config``
(scalar, product, binary, turbo), passed to the engine; ``on_disk_payload``;
``metadata``; ``replication_factor`` (stored and reported as Qdrant does on a
single node, where only one replica can exist).

What is refused (a 400 naming the feature, never silently ignored): more than
one shard, custom sharding, a ``write_consistency_factor`` above 1 (a single
replica could never satisfy it), a write-ahead log other than the engine's
fixed 32 MiB segments, an enabled strict mode with a limit that ``strict_mode``
does not enforce, and a collection with no vectors at all (Qdrant Edge needs at
least one dense or sparse vector).
"""

from __future__ import annotations

import re
from typing import Any

import qdrant_edge as qe

from qdpool.embedded import config_fields as cf
from qdpool.embedded import strict_mode
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
HNSW_DEFAULTS: dict[str, Any] = {
    "m": 16,
    "ef_construct": 100,
    "full_scan_threshold": 10000,
    "max_indexing_threads": 0,
    "on_disk": False,
}
OPTIMIZER_DEFAULTS: dict[str, Any] = {
    "deleted_threshold": 0.2,
    "vacuum_min_vector_number": 1000,
    "default_segment_number": 0,
    "max_segment_size": None,
    "memmap_threshold": None,
    "indexing_threshold": 10000,
    "flush_interval_sec": 5,
    "max_optimization_threads": None,
}
# The engine's write-ahead log has fixed 32 MiB segments, none created ahead.
WAL_CONFIG: dict[str, Any] = {
    "wal_capacity_mb": 32,
    "wal_segments_ahead": 0,
    "wal_retain_closed": 1,
}

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
    for feature in ("init_from", "payload", "id_tracker"):
        if body.get(feature) is not None:
            raise EngineError.unsupported(feature)
    params: dict[str, Any] = {"vectors": parse_vectors(body.get("vectors"))}
    params.update(parse_sharding(body))
    params["on_disk_payload"] = _bool(body.get("on_disk_payload"), "on_disk_payload", True)
    sparse = body.get("sparse_vectors")
    if sparse is not None:
        params["sparse_vectors"] = parse_sparse_vectors(sparse)
    if not params["vectors"] and not params.get("sparse_vectors"):
        raise EngineError.unsupported(
            "a collection without any vectors (Qdrant Edge needs a dense or a sparse vector)"
        )
    quantization = body.get("quantization_config")
    config: dict[str, Any] = {
        "params": params,
        "hnsw_config": merge_diff(
            HNSW_DEFAULTS, body.get("hnsw_config"), cf.HNSW_DIFF, "hnsw_config"
        ),
        "optimizer_config": parse_optimizers(OPTIMIZER_DEFAULTS, body.get("optimizers_config")),
        "wal_config": parse_wal(body.get("wal_config")),
        "quantization_config": (
            cf.parse_quantization(quantization, "quantization_config", allow_disabled=False)
            if quantization is not None
            else None
        ),
        "strict_mode_config": parse_strict_mode({"enabled": False}, body.get("strict_mode_config")),
    }
    metadata = body.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise EngineError.format("metadata: invalid type, expected a map")
        config["metadata"] = metadata
    return config


def parse_sharding(body: dict[str, Any]) -> dict[str, Any]:
    """Shard and replica settings, as Qdrant stores them on a single node."""
    out: dict[str, Any] = {}
    for field in ("shard_number", "replication_factor", "write_consistency_factor"):
        value = body.get(field)
        if value is None:
            out[field] = 1
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise EngineError.format(
                f"{field}: invalid value: {value!r}, expected an unsigned integer"
            )
        if value < 1:
            raise EngineError.validation(field, f"value {value} invalid, must be 1 or larger")
        out[field] = value
    if out["shard_number"] > 1:
        raise EngineError.unsupported(
            "shard_number > 1 (the embedded server keeps one shard per collection)"
        )
    if out["write_consistency_factor"] > 1:
        raise EngineError.unsupported(
            "write_consistency_factor > 1 (a single node has one replica, so no write could "
            "reach that many)"
        )
    method = body.get("sharding_method")
    if method is not None:
        if method not in ("auto", "custom"):
            raise EngineError.format(
                f"sharding_method: unknown variant `{method}`, expected `auto` or `custom`"
            )
        if method == "custom":
            raise EngineError.unsupported("custom sharding (sharding_method: custom)")
        out["sharding_method"] = method  # Qdrant keeps the field only when it was given
    return out


def parse_vectors(value: Any) -> dict[str, Any]:
    """One unnamed vector ``{size, distance, ...}``, named ``{name: {...}}``, or none (``{}``)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise EngineError.format("vectors: invalid type, expected a map")
    if "size" in value or "distance" in value:
        return _parse_vector_params(value, "vectors")
    return {name: _parse_vector_params(params, f"vectors.{name}") for name, params in value.items()}


def parse_sparse_vectors(value: Any) -> dict[str, Any]:
    """``sparse_vectors``: ``{name: SparseVectorParams}``."""
    if not isinstance(value, dict):
        raise EngineError.format("sparse_vectors: invalid type, expected a map")
    return {
        name: cf.parse_sparse_params(params, f"sparse_vectors.{name}")
        for name, params in value.items()
    }


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
    if value.get("memory") is not None:
        raise EngineError.format(f"{path}: unknown field `memory` (not in Qdrant 1.18)")
    params: dict[str, Any] = {"size": size, "distance": distance}
    if value.get("hnsw_config") is not None:
        params["hnsw_config"] = cf.parse_fields(
            value["hnsw_config"], cf.HNSW_DIFF, f"{path}.hnsw_config"
        )
    if value.get("quantization_config") is not None:
        params["quantization_config"] = cf.parse_quantization(
            value["quantization_config"], f"{path}.quantization_config", allow_disabled=False
        )
    if value.get("on_disk") is not None:
        params["on_disk"] = _bool(value["on_disk"], f"{path}.on_disk", False)
    datatype = value.get("datatype")
    if datatype is not None:
        if datatype not in _DATATYPES:
            raise EngineError.format(
                f"{path}.datatype: unknown variant `{datatype}`, "
                "expected one of `float32`, `uint8`, `float16`"
            )
        params["datatype"] = datatype
    multi = value.get("multivector_config")
    if multi is not None:
        if not isinstance(multi, dict) or set(multi) != {"comparator"}:
            raise EngineError.format(f"{path}.multivector_config: missing field `comparator`")
        if multi["comparator"] != "max_sim":
            raise EngineError.format(
                f"{path}.multivector_config.comparator: unknown variant "
                f"`{multi['comparator']}`, expected `max_sim`"
            )
        params["multivector_config"] = {"comparator": "max_sim"}
    return params


def merge_diff(
    current: dict[str, Any], diff: Any, spec: dict[str, cf.Field], path: str
) -> dict[str, Any]:
    """Apply a ``*Diff`` object (validated against ``spec``) over ``current``."""
    merged = dict(current)
    if diff is not None:
        merged.update(cf.parse_fields(diff, spec, path))
    return merged


def parse_optimizers(current: dict[str, Any], diff: Any) -> dict[str, Any]:
    """``optimizers_config``; ``max_optimization_threads: "auto"`` is stored as ``null``."""
    merged = merge_diff(current, diff, cf.OPTIMIZERS_DIFF, "optimizers_config")
    if merged.get("max_optimization_threads") == "auto":
        merged["max_optimization_threads"] = None
    return merged


def parse_wal(diff: Any) -> dict[str, Any]:
    """``wal_config``: only the engine's own values hold (Qdrant Edge's WAL is not tunable)."""
    merged = merge_diff(WAL_CONFIG, diff, cf.WAL_DIFF, "wal_config")
    for key, value in merged.items():
        if value != WAL_CONFIG[key]:
            raise EngineError.unsupported(
                f"wal_config.{key} = {value} (Qdrant Edge's write-ahead log has fixed "
                f"{WAL_CONFIG['wal_capacity_mb']} MiB segments; {key} must be {WAL_CONFIG[key]})"
            )
    return merged


def parse_strict_mode(current: dict[str, Any], diff: Any) -> dict[str, Any]:
    """``strict_mode_config``: stored; when enabled, only with limits ``strict_mode`` enforces."""
    merged = merge_diff(current, diff, cf.STRICT_MODE, "strict_mode_config")
    if merged.get("enabled"):
        for key in sorted(set(merged) - strict_mode.ENFORCED):
            raise EngineError.unsupported(
                f"strict_mode_config.{key} with strict mode enabled (the embedded server "
                "does not enforce this limit)"
            )
    return merged


def _bool(value: Any, path: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise EngineError.format(f"{path}: invalid type, expected a boolean")
    return value


def is_named(config: dict[str, Any]) -> bool:
    """Whether the collection has named (or no) dense vectors rather than one unnamed vector."""
    return "size" not in config["params"]["vectors"]


def vector_sizes(config: dict[str, Any]) -> dict[str, int]:
    """Dense vector name → dimension; the unnamed vector is ``""`` as in the engine."""
    vectors = config["params"]["vectors"]
    if is_named(config):
        return {name: int(p["size"]) for name, p in vectors.items()}
    return {"": int(vectors["size"])}


def edge_config(config: dict[str, Any], search_threads: int | None) -> qe.EdgeConfig:
    """The engine configuration for a stored collection config."""
    params = config["params"]
    hnsw = config["hnsw_config"]
    vectors = params["vectors"]
    edge_vectors: qe.EdgeVectorParams | dict[str, qe.EdgeVectorParams] | None
    if not vectors:
        edge_vectors = None
    elif is_named(config):
        edge_vectors = {name: _edge_vector(p, hnsw) for name, p in vectors.items()}
    else:
        edge_vectors = _edge_vector(vectors, hnsw)
    sparse = {name: _edge_sparse(p) for name, p in (params.get("sparse_vectors") or {}).items()}
    opt = config["optimizer_config"]
    quantization = config.get("quantization_config")
    return qe.EdgeConfig(
        vectors=edge_vectors,
        sparse_vectors=sparse or None,
        on_disk_payload=params["on_disk_payload"],
        hnsw_config=_edge_hnsw(hnsw),
        quantization_config=edge_quantization(quantization) if quantization else None,
        optimizers=qe.EdgeOptimizersConfig(
            deleted_threshold=opt["deleted_threshold"],
            vacuum_min_vector_number=opt["vacuum_min_vector_number"],
            default_segment_number=opt["default_segment_number"],
            max_segment_size=opt["max_segment_size"],
            indexing_threshold=opt["indexing_threshold"],
            prevent_unoptimized=opt.get("prevent_unoptimized"),
        ),
        max_search_threads=search_threads,
    )


def _edge_hnsw(hnsw: dict[str, Any]) -> qe.HnswIndexConfig:
    return qe.HnswIndexConfig(
        m=hnsw["m"],
        ef_construct=hnsw["ef_construct"],
        full_scan_threshold=hnsw["full_scan_threshold"],
        max_indexing_threads=hnsw["max_indexing_threads"],
        on_disk=hnsw.get("on_disk"),
        payload_m=hnsw.get("payload_m"),
        inline_storage=hnsw.get("inline_storage"),
    )


def _edge_vector(params: dict[str, Any], collection_hnsw: dict[str, Any]) -> qe.EdgeVectorParams:
    datatype = params.get("datatype")
    own_hnsw = params.get("hnsw_config")
    quantization = params.get("quantization_config")
    return qe.EdgeVectorParams(
        size=params["size"],
        distance=DISTANCES[params["distance"]],
        on_disk=params.get("on_disk"),
        multivector_config=(
            qe.MultiVectorConfig(qe.MultiVectorComparator.MaxSim)
            if params.get("multivector_config")
            else None
        ),
        datatype=_DATATYPES[datatype] if datatype else None,
        quantization_config=edge_quantization(quantization) if quantization else None,
        hnsw_config=_edge_hnsw({**collection_hnsw, **own_hnsw}) if own_hnsw else None,
    )


def _edge_sparse(params: dict[str, Any]) -> qe.EdgeSparseVectorParams:
    index = params.get("index") or {}
    datatype = index.get("datatype")
    return qe.EdgeSparseVectorParams(
        full_scan_threshold=index.get("full_scan_threshold"),
        on_disk=index.get("on_disk"),
        modifier=qe.Modifier.Idf if params.get("modifier") == "idf" else None,
        datatype=_DATATYPES[datatype] if datatype else None,
    )


_COMPRESSION = {
    "x4": qe.CompressionRatio.X4,
    "x8": qe.CompressionRatio.X8,
    "x16": qe.CompressionRatio.X16,
    "x32": qe.CompressionRatio.X32,
    "x64": qe.CompressionRatio.X64,
}
_BINARY_ENCODING = {
    "one_bit": qe.BinaryQuantizationEncoding.OneBit,
    "two_bits": qe.BinaryQuantizationEncoding.TwoBits,
    "one_and_half_bits": qe.BinaryQuantizationEncoding.OneAndHalfBits,
}
_QUERY_ENCODING = {
    "default": qe.BinaryQuantizationQueryEncoding.Default,
    "binary": qe.BinaryQuantizationQueryEncoding.Binary,
    "scalar4bits": qe.BinaryQuantizationQueryEncoding.Scalar4Bits,
    "scalar8bits": qe.BinaryQuantizationQueryEncoding.Scalar8Bits,
}
_TURBO_BITS = {
    "bits1": qe.TurboQuantBitSize.Bits1,
    "bits1_5": qe.TurboQuantBitSize.Bits1_5,
    "bits2": qe.TurboQuantBitSize.Bits2,
    "bits4": qe.TurboQuantBitSize.Bits4,
}


def edge_quantization(value: dict[str, Any]) -> Any:
    """A stored ``quantization_config`` as the engine's quantization object."""
    ((kind, p),) = value.items()
    if kind == "scalar":
        return qe.ScalarQuantizationConfig(
            qe.ScalarType.Int8, quantile=p.get("quantile"), always_ram=p.get("always_ram")
        )
    if kind == "product":
        return qe.ProductQuantizationConfig(
            _COMPRESSION[p["compression"]], always_ram=p.get("always_ram")
        )
    if kind == "binary":
        encoding, query = p.get("encoding"), p.get("query_encoding")
        return qe.BinaryQuantizationConfig(
            always_ram=p.get("always_ram"),
            encoding=_BINARY_ENCODING[encoding] if encoding else None,
            query_encoding=_QUERY_ENCODING[query] if query else None,
        )
    bits = p.get("bits")
    return qe.TurboQuantQuantizationConfig(
        always_ram=p.get("always_ram"), bits=_TURBO_BITS[bits] if bits else None
    )
