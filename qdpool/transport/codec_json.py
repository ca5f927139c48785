"""REST wire format: request paths and bodies out, Qdrant's JSON envelope in.

Shared by every REST transport (aiohttp, httpx), so they differ only in how
bytes move. ``decode`` turns a response into the operation's typed result or
raises the matching qdpool error: the HTTP status is classified here, once,
while each transport maps its own library's exceptions at its own boundary.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import orjson

from qdpool import errors
from qdpool.call import Call
from qdpool.models import (
    CollectionInfo,
    HealthInfo,
    Record,
    ScoredPoint,
    SnapshotInfo,
    UpdateResult,
    VectorParams,
    as_float32,
)

JSON_CONTENT_TYPE = "application/json"
PAYLOAD_TOO_LARGE_PREFIX = "Payload error: JSON payload"


def path_for(call: Call) -> str:
    """The request path of ``call``: the operation's route with the collection filled in."""
    route = call.operation.rest_path
    if call.collection is None:
        return route
    return route.replace("{collection}", quote(call.collection, safe=""))


def params_for(call: Call, timeout: float) -> dict[str, str] | None:
    """The query parameters of an attempt: the call's, plus Qdrant's ``timeout`` (whole
    seconds, rounded up) where the route takes it, so the server stops working on a request
    once the client has stopped waiting for it."""
    if not call.operation.server_timeout:
        return call.params
    seconds = str(max(1, math.ceil(timeout)))
    if not call.params:
        return {"timeout": seconds}
    return {**call.params, "timeout": seconds}


def target_for(call: Call, timeout: float) -> str:
    """The request target: path and query string, built as one string (cheaper for HTTP
    libraries than a params mapping they must re-encode). Parameter values are qdpool's
    own (``true``, ``false``, whole seconds), so they need no escaping."""
    params = params_for(call, timeout)
    if not params:
        return path_for(call)
    return path_for(call) + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def encode_body(call: Call) -> bytes | None:
    """The JSON body of ``call``, or None for body-less requests."""
    if call.encoded is not None:
        return call.encoded
    if call.body is None:
        return None
    return orjson.dumps(call.body)


# ---------------------------------------------------------------- errors


def error_for(
    status: int,
    raw: bytes,
    retry_after: str | None,
    *,
    protocol: str = "rest",
) -> errors.ApiError:
    """The qdpool error for a non-2xx REST answer (Qdrant's body is JSON, or plain text on 401)."""
    message = _error_message(raw, status)
    if status == 404:
        return errors.NotFound(message, protocol=protocol, status=status)
    if status == 409:
        return errors.AlreadyExists(message, protocol=protocol, status=status)
    if status in (400, 413, 422):
        if status == 413 or message.startswith(PAYLOAD_TOO_LARGE_PREFIX):
            return errors.PayloadTooLarge(message, protocol=protocol, status=status)
        return errors.InvalidArgument(message, protocol=protocol, status=status)
    if status == 401:
        return errors.Unauthenticated(message, protocol=protocol, status=status)
    if status == 403:
        return errors.PermissionDenied(message, protocol=protocol, status=status)
    if status == 429:
        return errors.ResourceExhausted(
            message, protocol=protocol, status=status, retry_after=parse_retry_after(retry_after)
        )
    if status in (408, 504):
        return errors.DeadlineExceeded(message, protocol=protocol, status=status)
    if status in (502, 503):
        return errors.Unavailable(message, protocol=protocol, status=status)
    return errors.ServerError(message, protocol=protocol, status=status)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` value (delta-seconds; HTTP dates are ignored)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _error_message(raw: bytes, status: int) -> str:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        text = raw.decode("utf-8", "replace").strip()
        return text[:2000] or f"HTTP {status}"
    if isinstance(parsed, dict):
        inner = parsed.get("status")
        if isinstance(inner, dict) and isinstance(inner.get("error"), str):
            return str(inner["error"])
    return str(parsed)[:2000]


# ---------------------------------------------------------------- results


def decode(call: Call, status: int, raw: bytes, retry_after: str | None) -> Any:
    """The typed result of a REST answer, or raise the qdpool error it stands for."""
    if status >= 300:
        raise error_for(status, raw, retry_after)
    decoder = _DECODERS[call.operation.name]
    try:
        envelope = orjson.loads(raw)
        # ``GET /`` is the one answer Qdrant sends without the envelope.
        return decoder(envelope if decoder is _decode_health else envelope["result"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise errors.ServerError(
            f"unexpected response to {call.operation.name}: {exc}", protocol="rest", status=status
        ) from None


def _id(value: Any) -> int | str:
    if isinstance(value, int | str):
        return value
    raise ValueError(f"bad point id {value!r}")


def _vector(value: Any) -> Any:
    """Vectors rounded to float32 in C (``array('f')``), as the server stores them."""
    if value is None:
        return None
    if isinstance(value, list):
        return array("f", value).tolist()
    if isinstance(value, dict):
        return {name: array("f", vec).tolist() for name, vec in value.items()}
    raise ValueError(f"bad vector {type(value).__name__}")


def _payload(value: Any) -> dict[str, Any] | None:
    return value if value else None


def record_from_json(item: Mapping[str, Any]) -> Record:
    return Record(_id(item["id"]), _payload(item.get("payload")), _vector(item.get("vector")))


def scored_point_from_json(item: Mapping[str, Any]) -> ScoredPoint:
    return ScoredPoint(
        _id(item["id"]),
        as_float32(item["score"]),
        item.get("version") or 0,
        _payload(item.get("payload")),
        _vector(item.get("vector")),
    )


def _update_result(result: Mapping[str, Any]) -> UpdateResult:
    return UpdateResult(result.get("operation_id"), str(result["status"]).lower())


def _snapshot(item: Mapping[str, Any]) -> SnapshotInfo:
    return SnapshotInfo(
        name=item["name"],
        creation_time=normalize_timestamp(item.get("creation_time")),
        size=int(item["size"]),
        checksum=item.get("checksum"),
    )


def normalize_timestamp(value: str | None) -> str | None:
    """Qdrant's REST timestamps, cut to whole seconds (``YYYY-MM-DDTHH:MM:SS``) so that they
    compare equal with gRPC's ``Timestamp`` rendered the same way."""
    if not value:
        return None
    return value[:19]


def _vector_params(raw: Mapping[str, Any]) -> VectorParams:
    return VectorParams(int(raw["size"]), raw["distance"], raw.get("on_disk"))


def _collection_info(result: Mapping[str, Any]) -> CollectionInfo:
    params = result["config"]["params"]
    vectors = params.get("vectors") or {}
    if "size" in vectors:
        vector_map = {"": _vector_params(vectors)}
    else:
        vector_map = {name: _vector_params(v) for name, v in vectors.items()}
    return CollectionInfo(
        status=str(result["status"]).lower(),
        points_count=int(result.get("points_count") or 0),
        indexed_vectors_count=int(result.get("indexed_vectors_count") or 0),
        segments_count=int(result.get("segments_count") or 0),
        vectors=vector_map,
        shard_number=int(params.get("shard_number") or 1),
        replication_factor=int(params.get("replication_factor") or 1),
        on_disk_payload=bool(params.get("on_disk_payload", True)),
    )


def _decode_health(result: Any) -> HealthInfo:
    return HealthInfo(result["title"], result["version"], result.get("commit"))


def _scroll(result: Mapping[str, Any]) -> tuple[list[Record], int | str | None]:
    records = [record_from_json(p) for p in result["points"]]
    offset = result.get("next_page_offset")
    return records, (None if offset is None else _id(offset))


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "create_collection": bool,
    "list_collections": lambda r: [c["name"] for c in r["collections"]],
    "get_collection": _collection_info,
    "collection_exists": lambda r: bool(r["exists"]),
    "delete_collection": bool,
    "upsert": _update_result,
    "retrieve": lambda r: [record_from_json(p) for p in r],
    "count": lambda r: int(r["count"]),
    "delete": _update_result,
    "query_points": lambda r: [scored_point_from_json(p) for p in r["points"]],
    "scroll": _scroll,
    "create_snapshot": _snapshot,
    "list_snapshots": lambda r: [_snapshot(s) for s in r],
    "cluster_status": dict,
    "health": _decode_health,
}
