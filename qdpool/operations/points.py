"""Points: upsert, retrieve, count, delete, scroll.

An upsert too large for one request is split where the protocol is final (the
pipeline's terminal calls ``split`` after fallback has chosen): REST bodies stay
under Qdrant's 32 MiB cap and are encoded once, straight into the bytes that are
sent; gRPC messages stay under qdpool's 16 MiB bound. Parts go one after another,
in order; ``merge`` reports ``acknowledged`` unless every part completed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import orjson

from qdpool import validate
from qdpool._proto import points_pb2 as _pts
from qdpool.call import Call
from qdpool.errors import InvalidInput
from qdpool.models import Filter, PointId, Record, UpdateResult
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import points_ops as po
from qdpool.wire import query_ops as qo
from qdpool.wire import requests as rq
from qdpool.wire import responses as rs
from qdpool.wire import rest, rest_points, shard_keys

_P = "/collections/{collection}/points"
_WRITE = frozenset(("wait", "ordering"))
_READ = frozenset(("consistency",))

_MIN_JSON_BYTES_PER_FLOAT = 2
"""A float takes at least two bytes in JSON (a digit and a comma), whatever its value."""
_REST_HEAD, _REST_TAIL = b'{"points":[', b"]}"


def split_upsert(call: Call, limit: int) -> Iterator[Call]:
    """The parts of an upsert, each within ``limit`` bytes on the call's protocol, made
    lazily so that only one part's bytes exist at a time."""
    points: list[dict[str, Any]] = call.body["points"]
    if call.protocol == "rest":
        yield from _rest_parts(call, points, limit)
    else:
        yield from _grpc_parts(call, points, limit)


def _rest_parts(call: Call, points: list[dict[str, Any]], cap: int) -> Iterator[Call]:
    # A point that alone exceeds the cap is refused before anything is sent when its
    # vector alone shows it; the payload's share is found on the way. Every part carries
    # the body's other fields (``update_filter``, ``update_mode``) after its points.
    extras = {k: v for k, v in call.body.items() if k != "points"}
    tail = b"]," + orjson.dumps(extras)[1:] if extras else _REST_TAIL
    limit = cap - len(_REST_HEAD) - len(tail)
    for i, point in enumerate(points):
        if _MIN_JSON_BYTES_PER_FLOAT * _float_count(point) > limit:
            raise _too_large(i, cap)
    start = 0
    body = bytearray(_REST_HEAD)
    for i, point in enumerate(points):
        item = orjson.dumps(point, option=orjson.OPT_SERIALIZE_NUMPY)
        if len(item) + 1 > limit:
            raise _too_large(i, cap)
        if len(body) + len(item) + len(tail) > cap and i > start:
            body[-1:] = tail  # the last point's comma becomes the closing brackets
            encoded, body = bytes(body), bytearray(_REST_HEAD)
            yield call.part({**extras, "points": points[start:i]}, encoded)
            start = i
        body += item
        body += b","
    body[-1:] = tail
    yield call.part({**extras, "points": points[start:]} if start else call.body, bytes(body))


def _grpc_parts(call: Call, points: list[dict[str, Any]], limit: int) -> Iterator[Call]:
    extras = {k: v for k, v in call.body.items() if k != "points"}
    start, size = 0, 0
    for i, point in enumerate(points):
        cost = _proto_size_estimate(point)
        if size + cost > limit and i > start:
            yield call.part({**extras, "points": points[start:i]}, None)
            start, size = i, 0
        size += cost
    yield call.part({**extras, "points": points[start:]} if start else call.body, None)


def _float_count(point: dict[str, Any]) -> int:
    vector = point.get("vector")
    if vector is None:
        return 0
    if isinstance(vector, dict):
        return sum(_floats_in(v) for v in vector.values())
    return _floats_in(vector)


def _floats_in(vector: Any) -> int:
    if isinstance(vector, dict):  # sparse
        return 2 * len(vector.get("values", ()))
    size = getattr(vector, "size", None)  # numpy
    if isinstance(size, int):
        return size
    if vector and isinstance(vector[0], list):  # multivector
        return sum(len(row) for row in vector)
    return len(vector)


def _proto_size_estimate(point: dict[str, Any]) -> int:
    """An upper-bound guess of a point's protobuf size: 5 bytes per float, payload as its
    JSON twice over."""
    payload = point.get("payload")
    extra = len(orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)) * 2 if payload else 0
    return 64 + 5 * _float_count(point) + extra


def _too_large(index: int, cap: int) -> InvalidInput:
    return InvalidInput(f"points[{index}]", f"encodes to more than the {cap}-byte REST cap")


def merge_updates(results: list[UpdateResult]) -> UpdateResult:
    """One update result for an upsert sent in parts: the last part's, ``acknowledged``
    unless every part completed."""
    last = results[-1]
    incomplete = any(r.status != "completed" for r in results)
    if len(results) > 1 and last.status == "completed" and incomplete:
        return UpdateResult(last.operation_id, "acknowledged")
    return last


UPSERT: Operation[UpdateResult] = Operation(
    "upsert",
    "PUT",
    _P,
    "/qdrant.Points/Upsert",
    idempotent=True,
    read=False,
    decode_rest=rest.decode_update_result,
    grpc=GrpcCodec(
        _pts.UpsertPoints,
        _pts.PointsOperationResponse,
        po.encode_upsert,
        rs.decode_update_result,
        po.upsert_to_rest,
        rs.responder(_pts.PointsOperationResponse, rs.fill_update_result),
    ),
    server_timeout=True,
    options=_WRITE,
    split=split_upsert,
    merge=merge_updates,
)

RETRIEVE: Operation[list[Record]] = Operation(
    "retrieve",
    "POST",
    _P,
    "/qdrant.Points/Get",
    idempotent=True,
    read=True,
    decode_rest=rest_points.decode_retrieve,
    raw_answer=True,
    grpc=GrpcCodec(
        _pts.GetPoints,
        _pts.GetResponse,
        rq.encode_retrieve,
        rs.decode_retrieve,
        po.retrieve_to_rest,
        rs.responder(_pts.GetResponse, rs.respond_retrieve),
    ),
    server_timeout=True,
    options=_READ,
)

COUNT: Operation[int] = Operation(
    "count",
    "POST",
    _P + "/count",
    "/qdrant.Points/Count",
    idempotent=True,
    read=True,
    decode_rest=rest.decode_count,
    grpc=GrpcCodec(
        _pts.CountPoints,
        _pts.CountResponse,
        qo.encode_count,
        lambda m: int(m.result.count),
        qo.count_to_rest,
        rs.responder(_pts.CountResponse, rs.respond_count),
    ),
    server_timeout=True,
    options=_READ,
)

DELETE_POINTS: Operation[UpdateResult] = Operation(
    "delete",
    "POST",
    _P + "/delete",
    "/qdrant.Points/Delete",
    idempotent=True,
    read=False,
    decode_rest=rest.decode_update_result,
    grpc=GrpcCodec(
        _pts.DeletePoints,
        _pts.PointsOperationResponse,
        po.encode_delete,
        rs.decode_update_result,
        po.delete_to_rest,
        rs.responder(_pts.PointsOperationResponse, rs.fill_update_result),
    ),
    server_timeout=True,
    options=_WRITE,
)

SCROLL: Operation[tuple[list[Record], PointId | None]] = Operation(
    "scroll",
    "POST",
    _P + "/scroll",
    "/qdrant.Points/Scroll",
    idempotent=True,
    read=True,
    decode_rest=rest_points.decode_scroll,
    raw_answer=True,
    grpc=GrpcCodec(
        _pts.ScrollPoints,
        _pts.ScrollResponse,
        qo.encode_scroll,
        rs.decode_scroll,
        qo.scroll_to_rest,
        rs.responder(_pts.ScrollResponse, rs.respond_scroll),
    ),
    server_timeout=True,
    options=_READ,
)


# ---------------------------------------------------------------- requests


_UPDATE_MODES = ("upsert", "insert_only", "update_only")


def upsert_request(
    points: Iterable[Any] | Any,
    *,
    start: int = 0,
    update_filter: Filter | None = None,
    update_mode: str | None = None,
) -> dict[str, Any]:
    """``points``: a list of points (dicts, ``qdpool.Point``, qdrant-client ``PointStruct``)
    or Qdrant's column form (``{"ids", "vectors", "payloads"}``, qdrant-client ``Batch``).
    ``update_filter``: existing points are replaced only where they match it;
    ``update_mode``: ``upsert`` (default), ``insert_only`` or ``update_only``."""
    if type(points) is not list:  # a list is never the column form: no look on the hot path
        points = _as_points(points)
    body: dict[str, Any] = {"points": validate.points(points, start=start)}
    if update_filter is not None or update_mode is not None:
        body.update(upsert_conditions(update_filter, update_mode))
    return body


def upsert_conditions(update_filter: Filter | None, update_mode: str | None) -> dict[str, Any]:
    """The fields an upsert carries beside its points (``update_filter``, ``update_mode``),
    checked; empty when neither is given. ``upload_points`` and ``upload_collection`` check
    them once and put them on every batch."""
    out: dict[str, Any] = {}
    if update_filter is not None:
        out["update_filter"] = validate.filter_(update_filter, "update_filter")
    if update_mode is not None:
        out["update_mode"] = _update_mode(update_mode)
    return out


def _as_points(points: Any) -> Any:
    """Qdrant's column form as a list of point dicts (others unchanged)."""
    columns = validate.plain(points)
    if not isinstance(columns, Mapping) or "ids" not in columns:
        return points
    unknown = set(columns) - {"ids", "vectors", "payloads"}
    if unknown:
        raise InvalidInput(
            "points", f"unknown keys {sorted(unknown)}; expected ids, vectors, payloads"
        )
    ids = list(columns["ids"])
    vectors = columns.get("vectors")
    payloads = columns.get("payloads")
    if isinstance(vectors, Mapping):
        named = {name: list(column) for name, column in vectors.items()}
        for name, column in named.items():
            if len(column) != len(ids):
                raise InvalidInput(
                    f"points.vectors.{name}", f"has {len(column)} vectors for {len(ids)} ids"
                )
        per_point: list[Any] = [{n: c[i] for n, c in named.items()} for i in range(len(ids))]
    else:
        per_point = list(vectors) if vectors is not None else []
        if len(per_point) != len(ids):
            raise InvalidInput("points.vectors", f"has {len(per_point)} vectors for {len(ids)} ids")
    if payloads is not None:
        payloads = list(payloads)
        if len(payloads) != len(ids):
            raise InvalidInput(
                "points.payloads", f"has {len(payloads)} payloads for {len(ids)} ids"
            )
    return [
        {"id": point_id, "vector": per_point[i], "payload": payloads[i] if payloads else None}
        for i, point_id in enumerate(ids)
    ]


def _update_mode(value: object) -> str:
    mode = getattr(value, "value", value)  # qdrant-client's UpdateMode member
    if mode not in _UPDATE_MODES:
        raise InvalidInput(
            "update_mode", f"must be upsert, insert_only or update_only, not {value!r}"
        )
    return str(mode)


def retrieve_request(
    ids: Iterable[PointId], *, with_payload: Any, with_vector: Any
) -> dict[str, Any]:
    return {
        "ids": validate.point_ids(ids),
        "with_payload": validate.with_payload(with_payload),
        "with_vector": validate.with_vector(with_vector),
    }


def count_request(*, filter: Filter | None, exact: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"exact": validate.flag(exact, "exact")}
    checked = validate.filter_(filter)
    if checked is not None:
        body["filter"] = checked
    return body


def delete_request(*, ids: Iterable[PointId] | None, filter: Filter | None) -> dict[str, Any]:
    if (ids is None) == (filter is None):
        raise InvalidInput("ids/filter", "give exactly one of ids= or filter=")
    if ids is not None:
        return {"points": validate.point_ids(ids)}
    return {"filter": validate.filter_(filter)}


def scroll_request(
    *,
    limit: int,
    offset: PointId | None,
    filter: Filter | None,
    with_payload: Any,
    with_vector: Any,
    order_by: Any = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "limit": validate.positive_int(limit, "limit"),
        "with_payload": validate.with_payload(with_payload),
        "with_vector": validate.with_vector(with_vector),
    }
    if offset is not None:
        body["offset"] = validate.point_id(offset, "offset")
    checked = validate.filter_(filter)
    if checked is not None:
        body["filter"] = checked
    if order_by is not None:
        body["order_by"] = qo.check_order_by(validate.json_value(order_by, "order_by"))
    return body


GET_POINT: Operation[Any] = Operation(
    "get_point",
    "GET",
    _P + "/{id}",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=_READ,
)


def batch_update_request(operations: Iterable[Any]) -> dict[str, Any]:
    """A list of writes in Qdrant's REST shapes (``{"upsert": {"points": [...]}}``,
    ``{"set_payload": {"payload": ..., "points": [...]}}`` ...) or qdrant-client's
    ``UpsertOperation``, ``SetPayloadOperation`` ..., each checked as its own method
    checks it."""
    if isinstance(operations, Mapping | str | bytes) or not isinstance(operations, Iterable):
        raise InvalidInput("update_operations", "must be a list of operations")
    checked = []
    for index, operation in enumerate(operations):
        path = f"update_operations[{index}]"
        operation = validate.plain(operation)
        if not isinstance(operation, Mapping) or len(operation) != 1:
            raise InvalidInput(path, f"must be {{kind: body}} with a kind of {_BATCH_KINDS}")
        ((kind, inner),) = operation.items()
        build = _BATCH_BUILDERS.get(kind)
        if build is None:
            raise InvalidInput(f"{path}.{kind}", f"unknown operation; expected {_BATCH_KINDS}")
        inner = validate.plain(inner)
        if not isinstance(inner, Mapping):
            raise InvalidInput(f"{path}.{kind}", "must be an object")
        inner, shard_key = shard_keys.split(inner)
        try:
            checked.append({kind: shard_keys.with_selector(build(dict(inner)), shard_key)})
        except InvalidInput as exc:
            raise InvalidInput(f"{path}.{kind}.{exc.field}", exc.problem) from None
        except TypeError as exc:  # an unknown key became an unknown keyword argument
            raise InvalidInput(f"{path}.{kind}", f"unknown field: {exc}") from None
    if not checked:
        raise InvalidInput("update_operations", "must not be empty")
    return {"operations": checked}


def _batch_upsert(body: dict[str, Any]) -> dict[str, Any]:
    _only(body, {"points", "batch", "update_filter", "update_mode"})
    if ("points" in body) == ("batch" in body):
        raise InvalidInput("points", 'give exactly one of "points" or "batch"')
    return upsert_request(
        body["points"] if "points" in body else body["batch"],
        update_filter=body.get("update_filter"),
        update_mode=body.get("update_mode"),
    )


def _only(body: Mapping[str, Any], keys: set[str]) -> None:
    unknown = set(body) - keys
    if unknown:
        raise InvalidInput(sorted(unknown)[0], f"unknown field; expected {', '.join(sorted(keys))}")


def _selector_of(body: dict[str, Any], extra: set[str]) -> dict[str, Any]:
    _only(body, {"points", "filter", *extra})
    return {"points": body.get("points"), "filter": body.get("filter")}


def _batch_builders() -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    from qdpool.operations import payload, vectors

    def set_payload(body: dict[str, Any]) -> dict[str, Any]:
        where = _selector_of(body, {"payload", "key"})
        return payload.set_payload_request(body.get("payload"), key=body.get("key"), **where)

    def delete(body: dict[str, Any]) -> dict[str, Any]:
        where = _selector_of(body, set())
        return delete_request(ids=where["points"], filter=where["filter"])

    def update_vectors(body: dict[str, Any]) -> dict[str, Any]:
        _only(body, {"points", "update_filter"})
        return vectors.update_vectors_request(
            body.get("points", ()), update_filter=body.get("update_filter")
        )

    return {
        "upsert": _batch_upsert,
        "delete": delete,
        "set_payload": set_payload,
        "overwrite_payload": set_payload,
        "delete_payload": lambda b: payload.delete_payload_request(
            b.get("keys", ()), **_selector_of(b, {"keys"})
        ),
        "clear_payload": lambda b: payload.clear_payload_request(**_selector_of(b, set())),
        "update_vectors": update_vectors,
        "delete_vectors": lambda b: vectors.delete_vectors_request(
            b.get("vector", ()), **_selector_of(b, {"vector"})
        ),
    }


_BATCH_BUILDERS = _batch_builders()
_BATCH_KINDS = ", ".join(_BATCH_BUILDERS)


BATCH_UPDATE_POINTS: Operation[list[UpdateResult]] = Operation(
    "batch_update_points",
    "POST",
    _P + "/batch",
    "/qdrant.Points/UpdateBatch",
    idempotent=True,
    read=False,
    decode_rest=rest.decode_update_results,
    grpc=GrpcCodec(
        _pts.UpdateBatchPoints,
        _pts.UpdateBatchResponse,
        po.encode_update_batch,
        po.decode_update_batch,
        po.update_batch_to_rest,
        rs.responder(_pts.UpdateBatchResponse, po.respond_update_batch),
    ),
    server_timeout=True,
    options=_WRITE,
)
