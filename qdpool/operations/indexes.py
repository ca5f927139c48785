"""Payload indexes: create (every schema Qdrant has) and delete.

A schema is checked by the gRPC encoder itself (``points_ops.fill_field_schema``) when
the request is built, so REST and gRPC refuse the same schemas with the same message.
"""

from __future__ import annotations

from typing import Any

from qdpool import validate
from qdpool._proto import points_pb2 as _pts
from qdpool.errors import InvalidInput
from qdpool.operations.payload import _write
from qdpool.wire import points_ops as po

_C = "/collections/{collection}"

CREATE_PAYLOAD_INDEX = _write(
    "create_payload_index",
    "PUT",
    _C + "/index",
    "/qdrant.Points/CreateFieldIndex",
    _pts.CreateFieldIndexCollection,
    po.encode_create_field_index,
    po.create_field_index_to_rest,
)

DELETE_PAYLOAD_INDEX = _write(
    "delete_payload_index",
    "DELETE",
    _C + "/index/{field_name}",
    "/qdrant.Points/DeleteFieldIndex",
    _pts.DeleteFieldIndexCollection,
    po.encode_delete_field_index,
    po.delete_field_index_to_rest,
)


# ---------------------------------------------------------------- requests


def field_name(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("field_name", f"must be a payload key, not {type(value).__name__}")
    if not value:
        raise InvalidInput("field_name", "must not be empty")
    return value


def create_payload_index_request(name: str, field_schema: Any) -> dict[str, Any]:
    """``field_schema``: a type name (``"keyword"``, qdrant-client's ``PayloadSchemaType``) or
    its parameters (``{"type": "text", "tokenizer": "word", ...}`` or qdrant-client's
    ``TextIndexParams`` and the like)."""
    schema = validate.plain(field_schema)
    if isinstance(schema, str):
        schema = str(getattr(schema, "value", schema))  # a str enum member
    elif schema is not None:
        schema = validate.json_value(schema, "field_schema")
    if schema is None:
        raise InvalidInput("field_schema", "is required (the server cannot guess a field's type)")
    po.fill_field_schema(_pts.CreateFieldIndexCollection(), schema)
    return {"field_name": field_name(name), "field_schema": schema}
