"""Snapshots: of a collection (create, list, delete, download, recover, upload) and of the
whole storage (create, list, delete, download)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from qdpool import errors
from qdpool._proto import snapshots_pb2 as _snap
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

UPLOAD_BOUNDARY = "qdpool-snapshot-upload-5b0c8e2f9a4d4f1e"
"""The multipart boundary of every upload (``upload_body`` checks the archive lacks it)."""

UPLOAD_SNAPSHOT: Operation[bool] = Operation(
    "upload_snapshot",
    "POST",
    _S + "/upload",
    None,  # Qdrant has no gRPC method to upload a snapshot
    idempotent=True,
    read=False,
    decode_rest=rest.decode_bool,
    options=frozenset(("wait",)),
    rest_content_type=f"multipart/form-data; boundary={UPLOAD_BOUNDARY}",
)

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


def write_verified(data: bytes, path: str | os.PathLike[str], checksum: str) -> None:
    """Write a downloaded snapshot to ``path`` if its SHA-256 is ``checksum``.

    Nothing is written on a mismatch; the file appears whole or not at all (written
    beside ``path`` and renamed into place), so a reader never sees a partial archive.
    """
    digest = hashlib.sha256(data).hexdigest()
    if digest != checksum.lower():
        raise errors.ServerError(
            f"snapshot download is corrupt: SHA-256 {digest}, the server lists {checksum}",
            protocol="rest",
        )
    target = Path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def upload_body(data: bytes, file_name: str) -> bytes:
    """``data`` as the multipart form Qdrant's upload route reads (one file field,
    ``snapshot``), framed by ``UPLOAD_BOUNDARY``."""
    delimiter = f"--{UPLOAD_BOUNDARY}".encode()
    if delimiter in data:
        raise InvalidInput("path", "the file contains qdpool's multipart boundary")
    safe_name = file_name.replace('"', "_").replace("\r", "_").replace("\n", "_")
    head = (
        f"--{UPLOAD_BOUNDARY}\r\n"
        f'content-disposition: form-data; name="snapshot"; filename="{safe_name}"\r\n'
        "content-type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{UPLOAD_BOUNDARY}--\r\n".encode()


def read_upload(path: str | os.PathLike[str]) -> bytes:
    """The multipart body for the snapshot file at ``path`` (read whole: run in a thread)."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InvalidInput("path", f"cannot read the snapshot file: {exc.strerror}") from None
    return upload_body(data, source.name)
