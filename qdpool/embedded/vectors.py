"""A collection's vectors: what each name holds, and REST vectors in and out.

Qdrant checks every vector of a write against the collection's configuration
before it applies anything; Qdrant Edge checks each point while applying, so a
bad point in the middle of a batch would leave the points before it written.
``VectorSchema`` is the check done up front: ``point_vectors`` turns one REST
``vector`` value (a dense list, a multivector, or ``{name: dense | sparse |
multivector}``) into the engine's value, or raises Qdrant's error for it, and
the callers only hand the engine a write once all of its points have passed.
Element types are checked by the engine's own conversion when ``qe.Point``/
``qe.PointVectors`` are built, which also happens before anything is applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import qdrant_edge as qe

from qdpool.embedded.errors import EngineError

_U32_MAX = 2**32 - 1
_INFERENCE_KEYS = frozenset(("model", "text", "image", "object"))


@dataclass(frozen=True, slots=True)
class DenseSpec:
    """One dense vector name: its dimension and whether each point holds several."""

    size: int
    multi: bool


class VectorSchema:
    """The vector names of a stored collection config (``""`` is the unnamed vector)."""

    def __init__(self, dense: dict[str, DenseSpec], sparse: frozenset[str]) -> None:
        self.dense = dense
        self.sparse = sparse

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> VectorSchema:
        """Read the ``params`` of a collection config as ``GET /collections/{c}`` shows it."""
        params = config.get("params", {})
        vectors = params.get("vectors") or {}
        dense: dict[str, DenseSpec] = {}
        if "size" in vectors:
            dense[""] = _dense_spec(vectors)
        else:
            dense = {name: _dense_spec(p) for name, p in vectors.items()}
        sparse = frozenset(params.get("sparse_vectors") or {})
        return cls(dense, sparse)

    def names(self) -> frozenset[str]:
        """Every vector name, dense and sparse."""
        return frozenset(self.dense) | self.sparse

    def check_name(self, name: str) -> None:
        """Qdrant's error for a vector name the collection does not have."""
        if name not in self.dense and name not in self.sparse:
            raise not_existing_vector(name)

    def point_vectors(self, raw: Any, path: str) -> list[float] | dict[str, Any]:
        """A REST ``VectorStruct`` as the engine takes it, checked against this schema."""
        if isinstance(raw, list):
            return cast("list[float]", self._one("", raw, path))
        if isinstance(raw, dict):
            if _is_inference(raw):
                raise inference_refused()
            return {name: self._one(name, v, f"{path}.{name}") for name, v in raw.items()}
        raise EngineError.format(
            f"{path}: data did not match any variant of untagged enum VectorStruct"
        )

    def query_vector(self, raw: Any, using: str, path: str) -> Any:
        """A vector given in a query (dense, sparse or multivector) for the vector ``using``.

        As in upserts, the elements themselves are checked by the engine's conversion
        (a string or null is refused as a format error; checking each element here
        would cost more than the search).
        """
        return self._one(using, raw, path)

    def _one(self, name: str, raw: Any, path: str) -> Any:
        if isinstance(raw, dict):
            if _is_inference(raw):
                raise inference_refused()
            if name in self.dense:
                raise EngineError.wrong_input(
                    "Conversion between sparse and regular vectors failed"
                )
            if name not in self.sparse:
                raise not_existing_vector(name)
            return parse_sparse(raw, path)
        if not isinstance(raw, list):
            raise EngineError.format(
                f"{path}: data did not match any variant of untagged enum Vector"
            )
        spec = self.dense.get(name)
        if spec is None:
            if name in self.sparse:
                raise EngineError.wrong_input(
                    "Conversion between sparse and regular vectors failed"
                )
            raise not_existing_vector(name)
        is_multi = bool(raw) and isinstance(raw[0], list)
        if is_multi != spec.multi:
            raise EngineError.wrong_input("Conversion between multi and regular vectors failed")
        if not is_multi:
            _check_dim(spec.size, len(raw))
            return raw
        for i, row in enumerate(raw):
            if not isinstance(row, list):
                raise EngineError.format(f"{path}[{i}]: invalid type, expected a sequence")
            _check_dim(spec.size, len(row))
        return raw


def _dense_spec(params: dict[str, Any]) -> DenseSpec:
    return DenseSpec(int(params["size"]), params.get("multivector_config") is not None)


def _check_dim(expected: int, got: int) -> None:
    if got != expected:
        raise EngineError.wrong_input(
            f"Vector dimension error: expected dim: {expected}, got {got}"
        )


def parse_sparse(raw: dict[str, Any], path: str) -> qe.SparseVector:
    """``{"indices": [...], "values": [...]}``: same length, unique unsigned 32-bit indices."""
    unknown = set(raw) - {"indices", "values"}
    if unknown:
        raise EngineError.format(
            f"{path}: unknown field `{sorted(unknown)[0]}`, expected `indices` or `values`"
        )
    indices, values = raw.get("indices"), raw.get("values")
    if not isinstance(indices, list):
        raise EngineError.format(f"{path}: missing field `indices`")
    if not isinstance(values, list):
        raise EngineError.format(f"{path}: missing field `values`")
    for i, index in enumerate(indices):
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= _U32_MAX:
            raise EngineError.format(f"{path}.indices[{i}]: invalid value, expected u32")
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EngineError.format(f"{path}.values[{i}]: invalid type, expected f32")
    if len(indices) != len(values):
        raise EngineError.validation(f"{path}.values", "must be the same length as indices")
    if len(set(indices)) != len(indices):
        raise EngineError.validation(f"{path}.indices", "must be unique")
    return qe.SparseVector(indices, [float(v) for v in values])


def vector_out(value: Any) -> Any:
    """An engine vector in REST form (sparse vectors become ``{indices, values}``)."""
    if isinstance(value, dict):
        return {name: vector_out(v) for name, v in value.items()}
    if isinstance(value, qe.SparseVector):
        return {"indices": list(value.indices), "values": [float(v) for v in value.values]}
    return value


def not_existing_vector(name: str) -> EngineError:
    """Qdrant's 400 for an unknown vector name."""
    return EngineError.wrong_input(f"Not existing vector name error: {name}")


def inference_refused() -> EngineError:
    """Documents, images and objects need Qdrant's inference service, which is not here."""
    return EngineError.unsupported("inference (Document, Image or InferenceObject vectors)")


def _is_inference(raw: dict[str, Any]) -> bool:
    return "model" in raw and set(raw) <= _INFERENCE_KEYS | {"options", "bm25"}
