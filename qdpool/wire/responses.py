"""Responses: a gRPC reply -> typed result (client), and REST result JSON -> reply (server).

Client side, the ``decode_*`` functions give exactly what the REST decoders
(``qdpool.wire.rest``) give for the same answer. Server side, ``responder`` builds the
reply message from a REST ``result`` with one of the ``respond_*`` fillers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from qdpool._proto import collections_pb2 as _col
from qdpool._proto import points_pb2 as _pts
from qdpool.errors import InvalidInput
from qdpool.models import (
    CollectionInfo,
    HealthInfo,
    PointId,
    Record,
    ScoredPoint,
    SnapshotInfo,
    UpdateResult,
    VectorParams,
    as_float32,
)
from qdpool.wire.enums import _DISTANCE_FROM_PB, _DISTANCE_TO_PB
from qdpool.wire.values import (
    _fill_number,
    _fill_point_id,
    _fill_vectors,
    _timestamp_from_text,
    _timestamp_text,
    _within,
    payload_from_pb,
    payload_to_pb,
    point_id_from_pb,
    vectors_output_from_pb,
)

_STATUS_TO_PB: dict[str, int] = {
    "green": _col.Green,
    "yellow": _col.Yellow,
    "red": _col.Red,
    "grey": _col.Grey,
}
_STATUS_FROM_PB: dict[int, str] = {v: k for k, v in _STATUS_TO_PB.items()}

_UPDATE_STATUS_TO_PB: dict[str, int] = {
    "acknowledged": _pts.Acknowledged,
    "completed": _pts.Completed,
    "clock_rejected": _pts.ClockRejected,
    "wait_timeout": _pts.WaitTimeout,
}
_UPDATE_STATUS_FROM_PB: dict[int, str] = {v: k for k, v in _UPDATE_STATUS_TO_PB.items()}

_SCHEMA_TYPE_TO_PB: dict[str, int] = {
    name.lower(): number
    for name, number in _col.PayloadSchemaType.items()
    if number != _col.UnknownType
}
_SCHEMA_TYPE_FROM_PB: dict[int, str] = {v: k for k, v in _SCHEMA_TYPE_TO_PB.items()}


# ---------------------------------------------------------------- client: decode


def _record(point: Any) -> Record:
    return Record(
        point_id_from_pb(point.id),
        payload_from_pb(point.payload),
        vectors_output_from_pb(point.vectors) if point.HasField("vectors") else None,
    )


def _scored_point(point: Any) -> ScoredPoint:
    return ScoredPoint(
        point_id_from_pb(point.id),
        as_float32(point.score),
        point.version,
        payload_from_pb(point.payload),
        vectors_output_from_pb(point.vectors) if point.HasField("vectors") else None,
    )


def _update_result(message: Any) -> UpdateResult:
    result = message.result
    return UpdateResult(
        result.operation_id if result.HasField("operation_id") else None,
        _UPDATE_STATUS_FROM_PB.get(result.status, "unknown"),
    )


def _vector_params_from_pb(params: Any) -> VectorParams:
    return VectorParams(
        params.size,
        _DISTANCE_FROM_PB.get(params.distance, "UnknownDistance"),  # type: ignore[arg-type]
        params.on_disk if params.HasField("on_disk") else None,
    )


def _collection_info(message: Any) -> CollectionInfo:
    info = message.result
    params = info.config.params
    config = params.vectors_config
    kind = config.WhichOneof("config")
    if kind == "params":
        vectors = {"": _vector_params_from_pb(config.params)}
    elif kind == "params_map":
        vectors = {name: _vector_params_from_pb(p) for name, p in config.params_map.map.items()}
    else:
        vectors = {}
    return CollectionInfo(
        status=_STATUS_FROM_PB.get(info.status, "unknown"),
        points_count=info.points_count,
        indexed_vectors_count=info.indexed_vectors_count,
        segments_count=info.segments_count,
        vectors=vectors,
        shard_number=params.shard_number or 1,
        replication_factor=params.replication_factor
        if params.HasField("replication_factor")
        else 1,
        on_disk_payload=params.on_disk_payload,
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
    records = [_record(p) for p in message.result]
    if message.HasField("next_page_offset"):
        return records, point_id_from_pb(message.next_page_offset)
    return records, None


def decode_list_collections(message: Any) -> list[str]:
    return [c.name for c in message.collections]


def decode_retrieve(message: Any) -> list[Record]:
    return [_record(p) for p in message.result]


def decode_query(message: Any) -> list[ScoredPoint]:
    return [_scored_point(p) for p in message.result]


def decode_create_snapshot(message: Any) -> SnapshotInfo:
    return _snapshot(message.snapshot_description)


def decode_list_snapshots(message: Any) -> list[SnapshotInfo]:
    return [_snapshot(s) for s in message.snapshot_descriptions]


def decode_health(message: Any) -> HealthInfo:
    return HealthInfo(
        message.title, message.version, message.commit if message.HasField("commit") else None
    )


decode_update_result = _update_result
decode_collection_info = _collection_info
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


def _vector_params_from_json(out: Any, raw: Mapping[str, Any]) -> None:
    out.size = int(raw["size"])
    out.distance = _DISTANCE_TO_PB.get(raw.get("distance"), 0)  # type: ignore[arg-type]
    if raw.get("on_disk") is not None:
        out.on_disk = bool(raw["on_disk"])


def _fill_collection_info(out: Any, result: Mapping[str, Any]) -> None:
    out.status = _STATUS_TO_PB.get(str(result.get("status", "")).lower(), 0)
    optimizer = result.get("optimizer_status")
    if optimizer == "ok":
        out.optimizer_status.ok = True
    elif isinstance(optimizer, Mapping):
        out.optimizer_status.error = str(optimizer.get("error", ""))
    for name in ("points_count", "indexed_vectors_count", "segments_count"):
        value = result.get(name)
        if value is not None:
            setattr(out, name, int(value))
    params = (result.get("config") or {}).get("params") or {}
    target = out.config.params
    out.config.SetInParent()
    vectors = params.get("vectors")
    if isinstance(vectors, Mapping):
        config = target.vectors_config
        config.SetInParent()
        if "size" in vectors and not isinstance(vectors["size"], Mapping):
            _vector_params_from_json(config.params, vectors)
        else:
            config.params_map.SetInParent()
            for name, raw in vectors.items():
                _vector_params_from_json(config.params_map.map[name], raw)
    target.shard_number = int(params.get("shard_number") or 1)
    if params.get("replication_factor") is not None:
        target.replication_factor = int(params["replication_factor"])
    target.on_disk_payload = bool(params.get("on_disk_payload", True))
    config = result.get("config") or {}
    for section in ("hnsw_config", "optimizer_config", "wal_config"):
        if config.get(section) is not None:
            _fill_config_section(getattr(out.config, section), config[section], section)
    for key, schema in (result.get("payload_schema") or {}).items():
        entry = out.payload_schema[key]
        entry.data_type = _SCHEMA_TYPE_TO_PB.get(str(schema.get("data_type", "")).lower(), 0)
        if schema.get("points") is not None:
            entry.points = int(schema["points"])


def _fill_config_section(out: Any, raw: Any, path: str) -> None:
    """A REST ``config.{hnsw,optimizer,wal}_config`` object into its ``*ConfigDiff``.

    Every declared field present (not null) in ``raw`` is copied; keys the message does
    not declare are left out, as unknown fields would be on the wire.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"config.{path}", "expected an object")
    out.SetInParent()
    for field in out.DESCRIPTOR.fields:
        value = raw.get(field.name)
        if value is None:
            continue
        where = f"config.{path}.{field.name}"
        if field.message_type is not None:  # OptimizersConfigDiff.max_optimization_threads
            _fill_max_optimization_threads(getattr(out, field.name), value, where)
        elif field.type == FieldDescriptor.TYPE_BOOL:
            if not isinstance(value, bool):
                raise InvalidInput(where, "expected a bool")
            setattr(out, field.name, value)
        else:
            integer = field.type != FieldDescriptor.TYPE_DOUBLE
            _fill_number(out, field.name, value, where, integer=integer)


def _fill_max_optimization_threads(out: Any, value: Any, path: str) -> None:
    if isinstance(value, str) and value.lower() == "auto":
        out.setting = _col.MaxOptimizationThreads.Auto
    else:
        _fill_number(out, "value", value, path)


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


def _respond_get(out: Any, result: Any) -> None:
    out.result.SetInParent()
    _fill_collection_info(out.result, result)


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
respond_get = _respond_get
respond_exists = _respond_exists
respond_retrieve = _respond_retrieve
respond_count = _respond_count
respond_query = _respond_query
respond_scroll = _respond_scroll
respond_create_snapshot = _respond_create_snapshot
respond_list_snapshots = _respond_list_snapshots
respond_health = _respond_health
