"""Snapshots of a collection: create and list."""

from __future__ import annotations

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
