"""Responses: a gRPC reply -> typed result (client), and REST result JSON -> reply (server).

Client side, the ``decode_*`` functions give exactly what the REST decoders
(``qdpool.wire.rest``) give for the same answer. Server side, ``responder`` builds the
reply message from a REST ``result`` with one of the ``respond_*`` fillers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from google.protobuf.message import Message

from qdpool._proto import points_pb2 as _pts
from qdpool.errors import InvalidInput
from qdpool.models import (
    HealthInfo,
    PointId,
    Record,
    ScoredPoint,
    SnapshotInfo,
    UpdateResult,
)
from qdpool.wire.values import (
    _fill_point_id,
    _fill_vectors,
    _timestamp_from_text,
    _timestamp_text,
    _within,
    payload_to_pb,
    point_id_from_pb,
    vectors_output_from_pb,
)

_UPDATE_STATUS_TO_PB: dict[str, int] = {
    "acknowledged": _pts.Acknowledged,
    "completed": _pts.Completed,
    "clock_rejected": _pts.ClockRejected,
    "wait_timeout": _pts.WaitTimeout,
}
_UPDATE_STATUS_FROM_PB: dict[int, str] = {v: k for k, v in _UPDATE_STATUS_TO_PB.items()}

# ---------------------------------------------------------------- client: decode


# Records and scored points are most of what a read's decoding costs: with upb every field
# read makes a Python object, and a payload's map values one message each, so decoding a
# five-hit payload at once cost about eight times parsing the whole reply. So the points are
# ``deferred`` (``Record.deferred``): each keeps its message and ``_fill_*`` decodes it when a
# field is first read. Reads stay frugal: a point id is its ``uuid`` or else its ``num`` (a
# UUID is never empty); a ``float`` score is already exactly a float32; a payload value's
# kind names its attribute.


def _fill_record(record: Record, message: Any) -> None:
    """Set every field of ``record`` from its ``RetrievedPoint`` message."""
    point_id = message.id
    record.id = point_id.uuid or point_id.num
    _fill_tail(record, message)


def _fill_scored_point(point: ScoredPoint, message: Any) -> None:
    """Set every field of ``point`` from its ``ScoredPoint`` message."""
    point_id = message.id
    point.id = point_id.uuid or point_id.num
    point.score = message.score
    point.version = message.version
    _fill_tail(point, message)


def _fill_tail(point: Record | ScoredPoint, message: Any) -> None:
    point.payload = _payload(message.payload)
    point.vector = vectors_output_from_pb(message.vectors) if message.HasField("vectors") else None
    point.order_value = (
        _order_value(message.order_value) if message.HasField("order_value") else None
    )


def _records(messages: Iterable[Any]) -> list[Record]:
    return Record.deferred(messages, _fill_record)


def _scored_points(messages: Iterable[Any]) -> list[ScoredPoint]:
    return ScoredPoint.deferred(messages, _fill_scored_point)


def _order_value(value: Any) -> int | float:
    """An ``OrderValue`` (its ``int`` or ``float`` variant) as the number REST sends."""
    number: int | float = getattr(value, value.WhichOneof("variant"))
    return number


def _payload(fields: Any) -> dict[str, Any] | None:
    """A payload map as a dict, None when empty (as ``payload_from_pb``)."""
    return _struct(fields) if len(fields) else None


def _struct(fields: Any) -> dict[str, Any]:
    # A map's ``items()`` is Python's Mapping mixin (a ``__getitem__`` per key), so keys and
    # lookups are used instead; top-level strings and integers, most of a payload, are read
    # in place rather than through ``_value`` (a call, and a second ``WhichOneof``, fewer).
    out = {}
    for key in fields:
        value = fields[key]
        kind = value.WhichOneof("kind")
        if kind == "string_value":
            out[key] = value.string_value
        elif kind == "integer_value":
            out[key] = value.integer_value
        else:
            out[key] = _value(value, kind)
    return out


def _value(value: Any, kind: str | None) -> Any:
    """A ``Value`` whose ``WhichOneof("kind")`` is ``kind``, as JSON."""
    if kind == "struct_value":
        return _struct(value.struct_value.fields)
    if kind == "list_value":
        return [_value(item, item.WhichOneof("kind")) for item in value.list_value.values]
    if kind is None or kind == "null_value":
        return None
    return getattr(value, kind)


def _update_result(message: Any) -> UpdateResult:
    result = message.result
    return UpdateResult(
        result.operation_id if result.HasField("operation_id") else None,
        _UPDATE_STATUS_FROM_PB.get(result.status, "unknown"),
    )


def _snapshot(description: Any) -> SnapshotInfo:
    return SnapshotInfo(
        name=description.name,
        creation_time=(
            _timestamp_text(description.creation_time)
            if description.HasField("creation_time")
            else None
        ),
        size=description.size,
        checksum=description.checksum if description.HasField("checksum") else None,
    )


def _scroll(message: Any) -> tuple[list[Record], PointId | None]:
    records = _records(message.result)
    if message.HasField("next_page_offset"):
        return records, point_id_from_pb(message.next_page_offset)
    return records, None


def decode_list_collections(message: Any) -> list[str]:
    return [c.name for c in message.collections]


def decode_retrieve(message: Any) -> list[Record]:
    return _records(message.result)


def decode_query(message: Any) -> list[ScoredPoint]:
    return _scored_points(message.result)


def decode_create_snapshot(message: Any) -> SnapshotInfo:
    return _snapshot(message.snapshot_description)


def decode_list_snapshots(message: Any) -> list[SnapshotInfo]:
    return [_snapshot(s) for s in message.snapshot_descriptions]


def decode_health(message: Any) -> HealthInfo:
    return HealthInfo(
        message.title, message.version, message.commit if message.HasField("commit") else None
    )


decode_update_result = _update_result
decode_scroll = _scroll


# ---------------------------------------------------------------- server: encode


def _fill_point_out(out: Any, item: Mapping[str, Any]) -> None:
    _fill_point_id(out.id, item["id"], "id")
    payload = item.get("payload")
    if payload:
        payload_to_pb(payload, out.payload, "payload")
    vector = item.get("vector")
    if vector is not None:
        _fill_vectors(out.vectors, vector, "vector")
    order_value = item.get("order_value")
    if order_value is not None:
        if type(order_value) is int:
            out.order_value.int = order_value
        else:
            out.order_value.float = order_value


def _fill_records(out: Any, items: Iterable[Mapping[str, Any]]) -> None:
    add = out.add
    for index, item in enumerate(items):
        try:
            _fill_point_out(add(), item)
        except InvalidInput as exc:
            raise _within(f"result[{index}]", exc) from None


def _fill_scored(out: Any, items: Iterable[Mapping[str, Any]]) -> None:
    add = out.add
    for index, item in enumerate(items):
        point = add()
        try:
            _fill_point_out(point, item)
        except InvalidInput as exc:
            raise _within(f"result.points[{index}]", exc) from None
        point.score = item["score"]
        point.version = item.get("version") or 0


def _fill_snapshot(out: Any, item: Mapping[str, Any]) -> None:
    out.name = item["name"]
    created = item.get("creation_time")
    if created:
        out.creation_time.CopyFrom(_timestamp_from_text(created, "creation_time"))
    out.size = int(item["size"])
    checksum = item.get("checksum")
    if checksum is not None:
        out.checksum = checksum


def _fill_update_result(out: Any, result: Mapping[str, Any]) -> None:
    target = out.result
    target.SetInParent()
    if result.get("operation_id") is not None:
        target.operation_id = int(result["operation_id"])
    target.status = _UPDATE_STATUS_TO_PB.get(str(result.get("status", "")).lower(), 0)


def _respond_create(out: Any, result: Any) -> None:
    out.result = bool(result)


def _respond_list(out: Any, result: Any) -> None:
    add = out.collections.add
    for item in result["collections"]:
        add().name = item["name"]


def _respond_exists(out: Any, result: Any) -> None:
    out.result.exists = bool(result["exists"])


def _respond_retrieve(out: Any, result: Any) -> None:
    _fill_records(out.result, result)


def _respond_count(out: Any, result: Any) -> None:
    out.result.count = int(result["count"])


def _respond_query(out: Any, result: Any) -> None:
    points = result["points"] if isinstance(result, Mapping) else result
    _fill_scored(out.result, points)


def _respond_scroll(out: Any, result: Any) -> None:
    _fill_records(out.result, result["points"])
    offset = result.get("next_page_offset")
    if offset is not None:
        _fill_point_id(out.next_page_offset, offset, "result.next_page_offset")


def _respond_create_snapshot(out: Any, result: Any) -> None:
    _fill_snapshot(out.snapshot_description, result)


def _respond_list_snapshots(out: Any, result: Any) -> None:
    add = out.snapshot_descriptions.add
    for item in result:
        _fill_snapshot(add(), item)


def _respond_health(out: Any, result: Any) -> None:
    out.title = result["title"]
    out.version = result["version"]
    if result.get("commit") is not None:
        out.commit = result["commit"]


def responder(
    cls: type[Message], fill: Callable[[Any, Any], None], *, timed: bool = True
) -> Callable[[Any, float], Message]:
    """The server's ``REST result -> reply`` for one operation: a new ``cls`` filled by
    ``fill``, with ``time`` set to the elapsed seconds where the reply has it.

    The returned function raises ``InvalidInput`` (a ``ValueError``) or ``KeyError`` for a
    malformed result.
    """

    def respond(result: Any, elapsed: float) -> Message:
        out: Any = cls()
        fill(out, result)
        if timed:
            out.time = elapsed
        message: Message = out
        return message

    return respond


fill_update_result = _fill_update_result
respond_create = _respond_create
respond_list = _respond_list
respond_exists = _respond_exists
respond_retrieve = _respond_retrieve
respond_count = _respond_count
respond_query = _respond_query
respond_scroll = _respond_scroll
respond_create_snapshot = _respond_create_snapshot
respond_list_snapshots = _respond_list_snapshots
respond_health = _respond_health
