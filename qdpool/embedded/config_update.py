"""``PATCH /collections/{c}``: a Qdrant ``UpdateCollection`` body applied to a stored config.

``apply_update`` returns the new stored config (the input is not modified); the
engine then writes it to ``collection.json`` and reopens the shard with it, so
Qdrant Edge applies what it can change on an existing shard (HNSW and
optimizer parameters, quantization, vectors' and payload's on-disk placement,
sparse index parameters) and refuses, at reopening, what it cannot; the engine
then keeps the old configuration.  Changes that have no engine counterpart on a
single node (``replication_factor``, ``read_fan_out_factor``,
``read_fan_out_delay_ms``, ``metadata``, a disabled strict mode) are stored
and reported, as Qdrant reports them.

``quantization_config: "Disabled"`` removes quantization; because Qdrant Edge
keeps a shard's quantization when none is given, ``clear_edge_quantization``
also removes it from the shard's persisted engine config before reopening.

Refused with a 400: vector or sparse vector names the collection does not have
(Qdrant's "Not existing vector name" error), a changed sparse ``modifier``
(Qdrant Edge cannot reopen a shard with it), ``write_consistency_factor`` above
1, enabling strict mode with a limit that is not enforced here.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import orjson

from qdpool.embedded import config as cfg
from qdpool.embedded import config_fields as cf
from qdpool.embedded.collection import CONFIG_FILE
from qdpool.embedded.convert import parse_object, reject_unknown_fields
from qdpool.embedded.errors import EngineError

_UPDATE_FIELDS = frozenset(
    (
        "vectors",
        "optimizers_config",
        "params",
        "hnsw_config",
        "quantization_config",
        "sparse_vectors",
        "strict_mode_config",
        "metadata",
    )
)
_PARAMS_DIFF: dict[str, cf.Field] = {
    "replication_factor": cf.Field("uint", minimum=1),
    "write_consistency_factor": cf.Field("uint", minimum=1),
    "read_fan_out_factor": cf.Field("uint"),
    "read_fan_out_delay_ms": cf.Field("uint"),
    "on_disk_payload": cf.Field("bool"),
}
_VECTOR_DIFF_FIELDS = frozenset(("hnsw_config", "quantization_config", "on_disk"))
EDGE_CONFIG_FILE = "edge_config.json"
"""Where Qdrant Edge persists a shard's configuration (inside the shard directory)."""


def apply_update(config: dict[str, Any], body: Any) -> dict[str, Any]:
    """The stored config after ``body``; raises ``EngineError`` with Qdrant's wording."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, _UPDATE_FIELDS, "")
    new = copy.deepcopy(config)
    params = new["params"]
    if body.get("vectors") is not None:
        _update_vectors(new, body["vectors"])
    if body.get("params") is not None:
        diff = cf.parse_fields(body["params"], _PARAMS_DIFF, "params")
        if diff.get("write_consistency_factor", 1) > 1:
            raise EngineError.unsupported(
                "write_consistency_factor > 1 (a single node has one replica, so no write "
                "could reach that many)"
            )
        params.update(diff)
    if body.get("optimizers_config") is not None:
        new["optimizer_config"] = cfg.parse_optimizers(
            new["optimizer_config"], body["optimizers_config"]
        )
    if body.get("hnsw_config") is not None:
        new["hnsw_config"] = cfg.merge_diff(
            new["hnsw_config"], body["hnsw_config"], cf.HNSW_DIFF, "hnsw_config"
        )
    if body.get("quantization_config") is not None:
        new["quantization_config"] = _quantization(
            new.get("quantization_config"), body["quantization_config"], "quantization_config"
        )
    if body.get("sparse_vectors") is not None:
        _update_sparse(params, body["sparse_vectors"])
    if body.get("strict_mode_config") is not None:
        new["strict_mode_config"] = cfg.parse_strict_mode(
            new.get("strict_mode_config") or {}, body["strict_mode_config"]
        )
    metadata = body.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise EngineError.format("metadata: invalid type, expected a map")
        # Qdrant merges the given keys; an empty object clears the metadata.
        new["metadata"] = {**new.get("metadata", {}), **metadata} if metadata else {}
        if not new["metadata"]:
            del new["metadata"]
    return new


def _update_vectors(config: dict[str, Any], raw: Any) -> None:
    if not isinstance(raw, dict):
        raise EngineError.format("vectors: invalid type, expected a map")
    vectors = config["params"]["vectors"]
    named = cfg.is_named(config)
    for name, diff in raw.items():
        path = f"vectors.{name}"
        target = _vector_entry(vectors, name, named)
        if target is None:
            raise EngineError.wrong_input(f"Not existing vector name error: {name}")
        diff = parse_object(diff, path)
        reject_unknown_fields(diff, _VECTOR_DIFF_FIELDS, f"{path}: ")
        hnsw = diff.get("hnsw_config")
        if hnsw is not None:
            if hnsw == {}:
                target.pop("hnsw_config", None)  # "If empty object - it will be unset"
            else:
                target["hnsw_config"] = cfg.merge_diff(
                    target.get("hnsw_config", {}), hnsw, cf.HNSW_DIFF, f"{path}.hnsw_config"
                )
        if diff.get("quantization_config") is not None:
            quantization = _quantization(
                target.get("quantization_config"),
                diff["quantization_config"],
                f"{path}.quantization_config",
            )
            if quantization is None:
                target.pop("quantization_config", None)
            else:
                target["quantization_config"] = quantization
        if diff.get("on_disk") is not None:
            if not isinstance(diff["on_disk"], bool):
                raise EngineError.format(f"{path}.on_disk: invalid type, expected a boolean")
            target["on_disk"] = diff["on_disk"]


def _vector_entry(vectors: dict[str, Any], name: str, named: bool) -> dict[str, Any] | None:
    """The stored params of vector ``name`` ("" is the unnamed vector), or None."""
    if named:
        found = vectors.get(name) if name else None
        return found if isinstance(found, dict) else None
    return vectors if name == "" else None


def _quantization(current: Any, raw: Any, path: str) -> dict[str, Any] | None:
    """The new quantization; ``"Disabled"`` removes it (``None``)."""
    parsed = cf.parse_quantization(raw, path, allow_disabled=True)
    if parsed == "Disabled":
        return None
    assert isinstance(parsed, dict)
    return parsed


def removed_quantization(old: dict[str, Any], new: dict[str, Any]) -> tuple[bool, list[str]]:
    """Whether the update removes the collection's quantization, and from which vectors."""
    collection = bool(old.get("quantization_config")) and not new.get("quantization_config")
    vectors: list[str] = []
    if cfg.is_named(old):
        for name, params in old["params"]["vectors"].items():
            after = new["params"]["vectors"].get(name, {})
            if params.get("quantization_config") and not after.get("quantization_config"):
                vectors.append(name)
    elif old["params"]["vectors"].get("quantization_config") and not new["params"]["vectors"].get(
        "quantization_config"
    ):
        vectors.append("")
    return collection, vectors


def clear_edge_quantization(shard_dir: Path, collection: bool, vectors: list[str]) -> None:
    """Remove quantization from the shard's persisted engine config, before it is reopened.

    Qdrant Edge resolves a parameter left unspecified from what the shard persisted,
    so quantization cannot be switched off by leaving it out; it is removed from
    ``edge_config.json`` instead.  Existing quantized data is left to the engine's
    optimizer, as Qdrant leaves it until segments are rebuilt.
    """
    path = shard_dir / EDGE_CONFIG_FILE
    persisted = orjson.loads(path.read_bytes())
    if collection:
        persisted["quantization_config"] = None
    stored = persisted.get("vectors") or {}
    for name in vectors:
        if isinstance(stored.get(name), dict):
            stored[name]["quantization_config"] = None
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(persisted))
    os.replace(tmp, path)


def _update_sparse(params: dict[str, Any], raw: Any) -> None:
    if not isinstance(raw, dict):
        raise EngineError.format("sparse_vectors: invalid type, expected a map")
    existing = params.get("sparse_vectors") or {}
    for name, diff in raw.items():
        if name not in existing:
            raise EngineError.wrong_input(f"Not existing vector name error: {name}")
        parsed = cf.parse_sparse_params(diff, f"sparse_vectors.{name}")
        current = existing[name]
        if "index" in parsed:
            current["index"] = {**current.get("index", {}), **parsed["index"]}
        if "modifier" in parsed and parsed["modifier"] != current.get("modifier", "none"):
            # Qdrant Edge refuses to reopen a shard whose sparse modifier changed.
            raise EngineError.unsupported(
                f"changing sparse_vectors.{name}.modifier of an existing collection"
            )


def write_config(directory: Path, meta: dict[str, Any]) -> None:
    """Replace ``collection.json`` atomically (temporary file, fsync, rename)."""
    tmp = directory / (CONFIG_FILE + ".tmp")
    with open(tmp, "wb") as f:
        f.write(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, directory / CONFIG_FILE)


def read_meta(directory: Path) -> dict[str, Any]:
    """The whole ``collection.json`` (name, config, and whatever else it keeps)."""
    meta: dict[str, Any] = orjson.loads((directory / CONFIG_FILE).read_bytes())
    return meta
