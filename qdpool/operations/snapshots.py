"""Snapshots: of a collection (create, list, delete, download, recover, upload) and of the
whole storage (create, list, delete, download)."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from qdpool._proto import snapshots_pb2 as _snap
from qdpool.call import Options
from qdpool.errors import InvalidInput
from qdpool.models import SnapshotInfo
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import requests as rq
from qdpool.wire import responses as rs
from qdpool.wire import rest
from qdpool.wire import snapshots as ws

_S = "/collections/{collection}/snapshots"

CREATE_SNAPSHOT: Operation[SnapshotInfo] = Operation(
    "create_snapshot",
    "POST",
    _S,
    "/qdrant.Snapshots/Create",
    idempotent=False,
    read=False,
    decode_rest=rest.snapshot_from_json,
    grpc=GrpcCodec(
        _snap.CreateSnapshotRequest,
        _snap.CreateSnapshotResponse,
        rq.named_request(_snap.CreateSnapshotRequest),
        rs.decode_create_snapshot,
        rq.collection_only_to_rest,
        rs.responder(_snap.CreateSnapshotResponse, rs.respond_create_snapshot),
    ),
)

LIST_SNAPSHOTS: Operation[list[SnapshotInfo]] = Operation(
    "list_snapshots",
    "GET",
    _S,
    "/qdrant.Snapshots/List",
    idempotent=True,
    read=True,
    decode_rest=rest.decode_snapshots,
    grpc=GrpcCodec(
        _snap.ListSnapshotsRequest,
        _snap.ListSnapshotsResponse,
        rq.named_request(_snap.ListSnapshotsRequest),
        rs.decode_list_snapshots,
        rq.collection_only_to_rest,
        rs.responder(_snap.ListSnapshotsResponse, rs.respond_list_snapshots),
    ),
)

DELETE_SNAPSHOT: Operation[bool] = Operation(
    "delete_snapshot",
    "DELETE",
    _S + "/{snapshot_name}",
    "/qdrant.Snapshots/Delete",
    idempotent=False,
    read=False,
    decode_rest=rest.decode_bool,
    grpc=GrpcCodec(
        _snap.DeleteSnapshotRequest,
        _snap.DeleteSnapshotResponse,
        ws.encode_delete_snapshot,
        ws.decode_deleted,
        ws.delete_snapshot_to_rest,
        rs.responder(_snap.DeleteSnapshotResponse, ws.respond_deleted),
    ),
)

DOWNLOAD_SNAPSHOT: Operation[bytes] = Operation(
    "download_snapshot",
    "GET",
    _S + "/{snapshot_name}",
    None,  # Qdrant has no gRPC method to download a snapshot
    idempotent=True,
    read=True,
    decode_rest=bytes,
    raw_answer=True,
)

RECOVER_SNAPSHOT: Operation[bool] = Operation(
    "recover_snapshot",
    "PUT",
    _S + "/recover",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_bool,
    options=frozenset(("wait",)),
)

UPLOAD_SNAPSHOT: Operation[bool] = Operation(
    "upload_snapshot",
    "POST",
    _S + "/upload",
    None,  # Qdrant has no gRPC method to upload a snapshot
    idempotent=False,  # never re-sent once it may have reached the server
    read=False,
    decode_rest=rest.decode_bool,
    options=frozenset(("wait",)),
)
"""The body is streamed from the file (``Call.stream``: a ``transport.streams.Upload``, which
gives the multipart type with its boundary); ``UploadOptions`` adds ``priority`` and
``checksum`` to the query."""

CREATE_FULL_SNAPSHOT: Operation[SnapshotInfo] = Operation(
    "create_full_snapshot",
    "POST",
    "/snapshots",
    "/qdrant.Snapshots/CreateFull",
    idempotent=False,
    read=False,
    decode_rest=rest.snapshot_from_json,
    grpc=GrpcCodec(
        _snap.CreateFullSnapshotRequest,
        _snap.CreateSnapshotResponse,
        lambda call: _snap.CreateFullSnapshotRequest(),
        rs.decode_create_snapshot,
        rq.nothing_to_rest,
        rs.responder(_snap.CreateSnapshotResponse, rs.respond_create_snapshot),
    ),
)

LIST_FULL_SNAPSHOTS: Operation[list[SnapshotInfo]] = Operation(
    "list_full_snapshots",
    "GET",
    "/snapshots",
    "/qdrant.Snapshots/ListFull",
    idempotent=True,
    read=True,
    decode_rest=rest.decode_snapshots,
    grpc=GrpcCodec(
        _snap.ListFullSnapshotsRequest,
        _snap.ListSnapshotsResponse,
        lambda call: _snap.ListFullSnapshotsRequest(),
        rs.decode_list_snapshots,
        rq.nothing_to_rest,
        rs.responder(_snap.ListSnapshotsResponse, rs.respond_list_snapshots),
    ),
)

DELETE_FULL_SNAPSHOT: Operation[bool] = Operation(
    "delete_full_snapshot",
    "DELETE",
    "/snapshots/{snapshot_name}",
    "/qdrant.Snapshots/DeleteFull",
    idempotent=False,
    read=False,
    decode_rest=rest.decode_bool,
    grpc=GrpcCodec(
        _snap.DeleteFullSnapshotRequest,
        _snap.DeleteSnapshotResponse,
        ws.encode_delete_full_snapshot,
        ws.decode_deleted,
        ws.delete_full_snapshot_to_rest,
        rs.responder(_snap.DeleteSnapshotResponse, ws.respond_deleted),
    ),
)

DOWNLOAD_FULL_SNAPSHOT: Operation[bytes] = Operation(
    "download_full_snapshot",
    "GET",
    "/snapshots/{snapshot_name}",
    None,
    idempotent=True,
    read=True,
    decode_rest=bytes,
    raw_answer=True,
)

_PRIORITIES = ("no_sync", "snapshot", "replica")


def snapshot_name(value: object) -> str:
    if not isinstance(value, str) or not value or "/" in value:
        raise InvalidInput("snapshot_name", f"must be a snapshot's file name, not {value!r}")
    return value


def recover_request(
    *, location: object, priority: str | None, checksum: str | None, api_key: str | None
) -> dict[str, Any]:
    """The body of ``PUT /collections/{c}/snapshots/recover``: a ``location`` the server
    can read (``file://`` on its disk, or an ``http(s)://`` URL)."""
    if not isinstance(location, str) or not location:
        raise InvalidInput("location", "must be a URL or file:// path the server can read")
    body: dict[str, Any] = {"location": location}
    if priority is not None:
        if priority not in _PRIORITIES:
            raise InvalidInput("priority", f"must be one of {', '.join(_PRIORITIES)}")
        body["priority"] = priority
    for name, value in (("checksum", checksum), ("api_key", api_key)):
        if value is not None:
            if not isinstance(value, str):
                raise InvalidInput(name, "must be a string")
            body[name] = value
    return body


@dataclass(frozen=True, slots=True)
class UploadOptions(Options):
    """``Options`` of a snapshot upload: ``wait`` and Qdrant's ``priority`` and ``checksum``
    query parameters (``POST /collections/{c}/snapshots/upload?priority=..&checksum=..``)."""

    priority: str | None = None
    checksum: str | None = None

    def __post_init__(self) -> None:
        Options.__post_init__(self)
        parts = [self.rest_query] if self.rest_query else []
        if self.priority is not None:
            parts.append(f"priority={self.priority}")
        if self.checksum is not None:
            parts.append(f"checksum={self.checksum}")
        object.__setattr__(self, "rest_query", "&".join(parts))


def upload_options(*, wait: bool, priority: str | None, checksum: str | None) -> UploadOptions:
    """The checked options of ``upload_snapshot`` (the checksum, hex SHA-256, travels in the
    query string, so it is held to hex digits)."""
    if priority is not None and priority not in _PRIORITIES:
        raise InvalidInput("priority", f"must be one of {', '.join(_PRIORITIES)}")
    if checksum is not None and (
        not isinstance(checksum, str) or len(checksum) != 64 or checksum.strip(string.hexdigits)
    ):
        raise InvalidInput("checksum", "must be a SHA-256 in hex (64 digits)")
    return UploadOptions(wait=wait, priority=priority, checksum=checksum)
