"""Snapshot management on the wire: delete (per collection and full-storage), and the
full-storage create and list, whose answers are the per-collection ones' messages.

The snapshot's name travels in the REST path (``Call.path["snapshot_name"]``) and in
the request message's ``snapshot_name``; the server's gRPC door hands it to the engine
as the path parameter the REST door would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qdpool._proto import snapshots_pb2 as _snap
from qdpool.call import Call
from qdpool.errors import InvalidInput
from qdpool.wire.requests import _collection_of, refuse_unhandled

if TYPE_CHECKING:
    from qdpool.operations.spec import RestRequest


def _snapshot_name(call: Call) -> str:
    name = (call.path or {}).get("snapshot_name")
    if not name:
        raise InvalidInput("snapshot_name", f"{call.operation.name} needs a snapshot name")
    return name


def encode_delete_snapshot(call: Call) -> Any:
    return _snap.DeleteSnapshotRequest(
        collection_name=_collection_of(call), snapshot_name=_snapshot_name(call)
    )


def encode_delete_full_snapshot(call: Call) -> Any:
    return _snap.DeleteFullSnapshotRequest(snapshot_name=_snapshot_name(call))


def delete_snapshot_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset(("collection_name", "snapshot_name")))
    return message.collection_name, None, {"snapshot_name": message.snapshot_name}


def delete_full_snapshot_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset(("snapshot_name",)))
    return None, None, {"snapshot_name": message.snapshot_name}


def decode_deleted(message: Any) -> bool:
    """``DeleteSnapshotResponse`` carries only the time: an answer means it was deleted
    (REST answers ``true``; a missing snapshot is NOT_FOUND on both)."""
    return True


def respond_deleted(out: Any, result: Any) -> None:
    if result is not True:
        raise ValueError(f"unexpected delete result {result!r}")
