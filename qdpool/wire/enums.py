"""Enum names shared by request and response conversion (vector parameters)."""

from __future__ import annotations

from qdpool._proto import collections_pb2 as _col

_DISTANCE_TO_PB: dict[str, int] = {
    name: _col.Distance.Value(name) for name in ("Cosine", "Euclid", "Dot", "Manhattan")
}
_DISTANCE_FROM_PB: dict[int, str] = {v: k for k, v in _DISTANCE_TO_PB.items()}
