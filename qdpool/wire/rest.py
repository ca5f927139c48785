"""REST answers: Qdrant's ``result`` JSON -> qdpool's typed results.

The counterpart of ``qdpool.wire.responses``' ``decode_*`` for gRPC: for the same
answer, both give equal values (float32-rounded scores and vectors, ``None`` for
an absent or empty payload, lower-case statuses, timestamps to whole seconds). Answers
that carry points are decoded from their bytes in ``qdpool.wire.rest_points``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qdpool.models import (
    CollectionInfo,
    HealthInfo,
    SnapshotInfo,
    UpdateResult,
    VectorParams,
)


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


def decode_bool(result: Any) -> bool:
    if not isinstance(result, bool):
        raise ValueError(f"expected a bool, got {type(result).__name__}")
    return result


def decode_list_collections(result: Any) -> list[str]:
    return [c["name"] for c in result["collections"]]


def decode_exists(result: Any) -> bool:
    return bool(result["exists"])


def decode_count(result: Any) -> int:
    return int(result["count"])


def decode_snapshots(result: Any) -> list[SnapshotInfo]:
    return [snapshot_from_json(s) for s in result]


def decode_object(result: Any) -> dict[str, Any]:
    return dict(result)


def decode_any(result: Any) -> Any:
    return result
