"""Snapshots of a collection: create and list."""

from __future__ import annotations

from typing import Any

from qdpool._proto import snapshots_pb2 as _snap
from qdpool.models import SnapshotInfo
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire import requests as rq
from qdpool.wire import responses as rs
from qdpool.wire import rest

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


DELETE_SNAPSHOT: Operation[Any] = Operation(
    "delete_snapshot",
    "DELETE",
    _S + "/{snapshot_name}",
    None,
    idempotent=False,
    read=False,
    decode_rest=rest.decode_any,
    options=frozenset(),
)

DOWNLOAD_SNAPSHOT: Operation[Any] = Operation(
    "download_snapshot",
    "GET",
    _S + "/{snapshot_name}",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=frozenset(),
)

RECOVER_SNAPSHOT: Operation[Any] = Operation(
    "recover_snapshot",
    "PUT",
    _S + "/recover",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=frozenset(),
)

UPLOAD_SNAPSHOT: Operation[Any] = Operation(
    "upload_snapshot",
    "POST",
    _S + "/upload",
    None,
    idempotent=True,
    read=False,
    decode_rest=rest.decode_any,
    options=frozenset(),
)

CREATE_FULL_SNAPSHOT: Operation[Any] = Operation(
    "create_full_snapshot",
    "POST",
    "/snapshots",
    None,
    idempotent=False,
    read=False,
    decode_rest=rest.decode_any,
    options=frozenset(),
)

LIST_FULL_SNAPSHOTS: Operation[Any] = Operation(
    "list_full_snapshots",
    "GET",
    "/snapshots",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=frozenset(),
)

DELETE_FULL_SNAPSHOT: Operation[Any] = Operation(
    "delete_full_snapshot",
    "DELETE",
    "/snapshots/{snapshot_name}",
    None,
    idempotent=False,
    read=False,
    decode_rest=rest.decode_any,
    options=frozenset(),
)

DOWNLOAD_FULL_SNAPSHOT: Operation[Any] = Operation(
    "download_full_snapshot",
    "GET",
    "/snapshots/{snapshot_name}",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=frozenset(),
)
