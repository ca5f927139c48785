"""Payload indexes: create (every schema Qdrant has) and delete."""

from __future__ import annotations

from typing import Any

from qdpool.operations.spec import Operation
from qdpool.wire import rest

_C = "/collections/{collection}"
_WRITE = frozenset(("wait", "ordering"))

CREATE_PAYLOAD_INDEX: Operation[Any] = Operation(
    "create_payload_index",
    "PUT",
    _C + "/index",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=_WRITE,
)

DELETE_PAYLOAD_INDEX: Operation[Any] = Operation(
    "delete_payload_index",
    "DELETE",
    _C + "/index/{field_name}",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=_WRITE,
)
