"""Vector operations on stored points: update some named vectors, delete some."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qdpool import validate
from qdpool._proto import points_pb2 as _pts
from qdpool.errors import InvalidInput
from qdpool.models import Filter, PointId
from qdpool.operations.payload import _write, selector
from qdpool.wire import points_ops as po

_P = "/collections/{collection}/points"

UPDATE_VECTORS = _write(
    "update_vectors",
    "PUT",
    _P + "/vectors",
    "/qdrant.Points/UpdateVectors",
    _pts.UpdatePointVectors,
    po.encode_update_vectors,
    po.update_vectors_to_rest,
)

DELETE_VECTORS = _write(
    "delete_vectors",
    "POST",
    _P + "/vectors/delete",
    "/qdrant.Points/DeleteVectors",
    _pts.DeletePointVectors,
    po.encode_delete_vectors,
    po.delete_vectors_to_rest,
)


# ---------------------------------------------------------------- requests


def update_vectors_request(
    points: Iterable[Any], *, update_filter: Filter | None
) -> dict[str, Any]:
    """``points``: ``{"id", "vector"}`` dicts or qdrant-client ``PointVectors``; ``vector``
    is any vector ``upsert`` takes (named ones leave the point's other vectors as they are)."""
    if isinstance(points, Mapping | str | bytes) or not isinstance(points, Iterable):
        raise InvalidInput("points", 'must be a list of {"id", "vector"}')
    checked = [_point_vectors(p, i) for i, p in enumerate(points)]
    if not checked:
        raise InvalidInput("points", "must not be empty")
    body: dict[str, Any] = {"points": checked}
    if update_filter is not None:
        body["update_filter"] = validate.filter_(update_filter, "update_filter")
    return body


def _point_vectors(value: Any, index: int) -> dict[str, Any]:
    field = f"points[{index}]"
    value = validate.plain(value)
    if not isinstance(value, Mapping):
        raise InvalidInput(field, f'must be {{"id", "vector"}}, not {type(value).__name__}')
    unknown = set(value) - {"id", "vector"}
    if unknown:
        raise InvalidInput(field, f"unknown keys {sorted(unknown)}; expected id, vector")
    for key in ("id", "vector"):
        if key not in value:
            raise InvalidInput(f"{field}.{key}", "is missing")
    return {
        "id": validate.point_id(value["id"], f"{field}.id"),
        "vector": validate.vectors(value["vector"], f"{field}.vector"),
    }


def delete_vectors_request(
    vectors: Iterable[str], *, points: Iterable[PointId] | Any = None, filter: Filter | None = None
) -> dict[str, Any]:
    if isinstance(vectors, str) or not isinstance(vectors, Iterable):
        raise InvalidInput("vectors", "must be a list of vector names")
    names = list(vectors)
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise InvalidInput(
                f"vectors[{i}]", f"must be a vector name, not {validate.short(name)}"
            )
    if not names:
        raise InvalidInput("vectors", "must not be empty")
    return {**selector(points, filter), "vector": names}
