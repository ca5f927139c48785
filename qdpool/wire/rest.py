"""REST answers: Qdrant's ``result`` JSON -> qdpool's typed results.

The counterpart of ``qdpool.wire.responses``' ``decode_*`` for gRPC: for the same
answer, both give equal values (float32-rounded scores and vectors, ``None`` for
an absent or empty payload, lower-case statuses, timestamps to whole seconds).
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from typing import Any

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


def _id(value: Any) -> int | str:
    if isinstance(value, int | str):
        return value
    raise ValueError(f"bad point id {value!r}")


def _vector(value: Any) -> Any:
    """Vectors rounded to float32 in C (``array('f')``), as the server stores them: a dense
    list, a multi-dense list of lists, or named vectors (those, or sparse ``{indices, values}``)."""
    if value is None:
        return None
    if isinstance(value, list):
        return _one_vector(value)
    if isinstance(value, dict):
        return {name: _one_vector(vec) for name, vec in value.items()}
    raise ValueError(f"bad vector {type(value).__name__}")


def _one_vector(value: Any) -> Any:
    if isinstance(value, dict):
        return {"indices": list(value["indices"]), "values": array("f", value["values"]).tolist()}
    if value and isinstance(value[0], list):
        return [array("f", row).tolist() for row in value]
    return array("f", value).tolist()


def _payload(value: Any) -> dict[str, Any] | None:
    return value if value else None


def record_from_json(item: Mapping[str, Any]) -> Record:
    point_id, vector = item["id"], item.get("vector")
    return Record(
        point_id if type(point_id) is int or type(point_id) is str else _id(point_id),
        item.get("payload") or None,
        None if vector is None else _vector(vector),
        item.get("order_value"),
    )


def scored_point_from_json(item: Mapping[str, Any]) -> ScoredPoint:
    point_id, vector = item["id"], item.get("vector")
    return ScoredPoint(
        point_id if type(point_id) is int or type(point_id) is str else _id(point_id),
        as_float32(item["score"]),
        item.get("version") or 0,
        item.get("payload") or None,
        None if vector is None else _vector(vector),
        item.get("order_value"),
    )


def _scored_points(items: list[Any]) -> list[ScoredPoint]:
    # The per-point cost is most of a query's decoding, so: ids checked by exact type,
    # payloads taken as they are, vectors only if any, each point's slots set here (calling
    # the class, its ``__init__`` included, cost a fifth of the whole decode more), and the
    # scores rounded to float32 in one C call once every point is made.
    new = object.__new__
    out = []
    scores = []
    for item in items:
        point_id = item["id"]
        point = new(ScoredPoint)
        point.id = point_id if type(point_id) is int or type(point_id) is str else _id(point_id)
        scores.append(item["score"])
        point.version = item.get("version") or 0
        point.payload = item.get("payload") or None
        vector = item.get("vector")
        point.vector = None if vector is None else _vector(vector)
        point.order_value = item.get("order_value")
        out.append(point)
    for point, score in zip(out, array("f", scores).tolist(), strict=True):
        point.score = score
    return out


def decode_update_result(result: Mapping[str, Any]) -> UpdateResult:
    return UpdateResult(result.get("operation_id"), str(result["status"]).lower())


def decode_update_results(result: Any) -> list[UpdateResult]:
    """A batch update's results, one per operation, in order."""
    return [decode_update_result(r) for r in result]


def snapshot_from_json(item: Mapping[str, Any]) -> SnapshotInfo:
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


def decode_collection_info(result: Mapping[str, Any]) -> CollectionInfo:
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


def decode_health(result: Any) -> HealthInfo:
    return HealthInfo(result["title"], result["version"], result.get("commit"))


def decode_scroll(result: Mapping[str, Any]) -> tuple[list[Record], int | str | None]:
    records = [record_from_json(p) for p in result["points"]]
    offset = result.get("next_page_offset")
    return records, (None if offset is None else _id(offset))


def decode_bool(result: Any) -> bool:
    if not isinstance(result, bool):
        raise ValueError(f"expected a bool, got {type(result).__name__}")
    return result


def decode_list_collections(result: Any) -> list[str]:
    return [c["name"] for c in result["collections"]]


def decode_exists(result: Any) -> bool:
    return bool(result["exists"])


def decode_records(result: Any) -> list[Record]:
    return [record_from_json(p) for p in result]


def decode_count(result: Any) -> int:
    return int(result["count"])


def decode_scored_points(result: Any) -> list[ScoredPoint]:
    return _scored_points(result["points"])


def decode_snapshots(result: Any) -> list[SnapshotInfo]:
    return [snapshot_from_json(s) for s in result]


def decode_object(result: Any) -> dict[str, Any]:
    return dict(result)


def decode_any(result: Any) -> Any:
    return result
