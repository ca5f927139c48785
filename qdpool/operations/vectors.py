"""Vector operations on stored points: update some named vectors, delete some."""

from __future__ import annotations

from typing import Any

from qdpool.operations.spec import Operation
from qdpool.wire import rest

_P = "/collections/{collection}/points"
_WRITE = frozenset(("wait", "ordering"))

UPDATE_VECTORS: Operation[Any] = Operation(
    "update_vectors",
    "PUT",
    _P + "/vectors",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=_WRITE,
)

DELETE_VECTORS: Operation[Any] = Operation(
    "delete_vectors",
    "POST",
    _P + "/vectors/delete",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=_WRITE,
)
