"""Payload operations: set (optionally at a nested key), overwrite, delete keys, clear;
by point ids or by filter."""

from __future__ import annotations

from typing import Any

from qdpool.operations.spec import Operation
from qdpool.wire import rest

_P = "/collections/{collection}/points"
_WRITE = frozenset(("wait", "ordering"))

SET_PAYLOAD: Operation[Any] = Operation(
    "set_payload",
    "POST",
    _P + "/payload",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=_WRITE,
)

OVERWRITE_PAYLOAD: Operation[Any] = Operation(
    "overwrite_payload",
    "PUT",
    _P + "/payload",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=_WRITE,
)

DELETE_PAYLOAD: Operation[Any] = Operation(
    "delete_payload",
    "POST",
    _P + "/payload/delete",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=_WRITE,
)

CLEAR_PAYLOAD: Operation[Any] = Operation(
    "clear_payload",
    "POST",
    _P + "/payload/clear",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=_WRITE,
)
