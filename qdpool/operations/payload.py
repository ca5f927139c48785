"""Payload operations: set (optionally at a nested key), overwrite, delete keys, clear;
by point ids or by filter.

The request builders take the typed arguments of ``Client``'s methods and also serve
``batch_update_points``, whose operations are these same bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from qdpool import validate
from qdpool._proto import points_pb2 as _pts
from qdpool.errors import InvalidInput
from qdpool.models import Filter, PointId, UpdateResult
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import points_ops as po
from qdpool.wire import responses as rs
from qdpool.wire import rest

_P = "/collections/{collection}/points"
_WRITE = frozenset(("wait", "ordering"))


def _write(
    name: str,
    method: str,
    path: str,
    grpc_method: str,
    request: Any,
    encode: Callable[..., Any],
    to_rest: Callable[[Any], Any],
) -> Operation[UpdateResult]:
    """A point write answered by an ``UpdateResult`` on both protocols."""
    return Operation(
        name,
        method,
        path,
        grpc_method,
        idempotent=True,
        read=False,
        decode_rest=rest.decode_update_result,
        grpc=GrpcCodec(
            request,
            _pts.PointsOperationResponse,
            encode,
            rs.decode_update_result,
            to_rest,
            rs.responder(_pts.PointsOperationResponse, rs.fill_update_result),
        ),
        server_timeout=True,
        options=_WRITE,
    )


SET_PAYLOAD = _write(
    "set_payload",
    "POST",
    _P + "/payload",
    "/qdrant.Points/SetPayload",
    _pts.SetPayloadPoints,
    po.encode_set_payload,
    po.set_payload_to_rest,
)

OVERWRITE_PAYLOAD = _write(
    "overwrite_payload",
    "PUT",
    _P + "/payload",
    "/qdrant.Points/OverwritePayload",
    _pts.SetPayloadPoints,
    po.encode_set_payload,
    po.set_payload_to_rest,
)

DELETE_PAYLOAD = _write(
    "delete_payload",
    "POST",
    _P + "/payload/delete",
    "/qdrant.Points/DeletePayload",
    _pts.DeletePayloadPoints,
    po.encode_delete_payload,
    po.delete_payload_to_rest,
)

CLEAR_PAYLOAD = _write(
    "clear_payload",
    "POST",
    _P + "/payload/clear",
    "/qdrant.Points/ClearPayload",
    _pts.ClearPayloadPoints,
    po.encode_clear_payload,
    po.clear_payload_to_rest,
)


# ---------------------------------------------------------------- requests


def selector(points: Any, filter: Any, *, field: str = "points") -> dict[str, Any]:
    """The points a write applies to: ``points=`` ids (or qdrant-client's ``PointIdsList``
    / ``FilterSelector`` / ``Filter``) or ``filter=``, exactly one of them."""
    points = validate.plain(points)
    if isinstance(points, dict):
        if "shard_key" in points:
            raise InvalidInput(f"{field}.shard_key", "custom sharding is not supported by qdpool")
        if set(points) == {"points"}:
            points = points["points"]
        elif set(points) == {"filter"}:
            points, filter = None, _one_filter(filter, points["filter"], field)
        elif set(points) <= {"must", "should", "must_not", "min_should"}:
            points, filter = None, _one_filter(filter, points, field)
        else:
            raise InvalidInput(
                field, f"expected point ids or a filter, not {validate.short(points)}"
            )
    if (points is None) == (filter is None):
        raise InvalidInput(f"{field}/filter", f"give exactly one of {field}= or filter=")
    if points is not None:
        return {"points": validate.point_ids(points, field)}
    return {"filter": validate.filter_(filter)}


def _one_filter(given: Any, found: Any, field: str) -> Any:
    if given is not None:
        raise InvalidInput(f"{field}/filter", f"give exactly one of {field}= or filter=")
    return found


def set_payload_request(
    payload: Any,
    *,
    points: Iterable[PointId] | Any = None,
    filter: Filter | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    checked = validate.payload(payload, "payload")
    if checked is None:
        raise InvalidInput("payload", "must be a dict, not None")
    body: dict[str, Any] = {"payload": checked, **selector(points, filter)}
    if key is not None:
        body["key"] = _key(key, "key")
    return body


def delete_payload_request(
    keys: Iterable[str], *, points: Iterable[PointId] | Any = None, filter: Filter | None = None
) -> dict[str, Any]:
    if isinstance(keys, str) or not isinstance(keys, Iterable):
        raise InvalidInput("keys", "must be a list of payload keys")
    checked = [_key(k, f"keys[{i}]") for i, k in enumerate(keys)]
    if not checked:
        raise InvalidInput("keys", "must not be empty")
    return {"keys": checked, **selector(points, filter)}


def clear_payload_request(
    *, points: Iterable[PointId] | Any = None, filter: Filter | None = None
) -> dict[str, Any]:
    return selector(points, filter)


def _key(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be a payload key (a string), not {type(value).__name__}")
    if not value:
        raise InvalidInput(field, "must not be empty")
    return value
