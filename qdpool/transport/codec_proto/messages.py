"""The protobuf message classes of each gRPC operation, and the distance enum names.

``GRPC_MESSAGES`` is shared by the client (``qdpool.transport.grpc``), the embedded server
and ``responses.result_to_response``; the distance tables are used by both request and
response conversion (vector parameters).
"""

from __future__ import annotations

from google.protobuf.message import Message

from qdpool._proto import collections_pb2 as _col
from qdpool._proto import points_pb2 as _pts
from qdpool._proto import qdrant_pb2 as _qd
from qdpool._proto import snapshots_pb2 as _snap

GRPC_MESSAGES: dict[str, tuple[type[Message], type[Message]]] = {
    "create_collection": (_col.CreateCollection, _col.CollectionOperationResponse),
    "list_collections": (_col.ListCollectionsRequest, _col.ListCollectionsResponse),
    "get_collection": (_col.GetCollectionInfoRequest, _col.GetCollectionInfoResponse),
    "collection_exists": (_col.CollectionExistsRequest, _col.CollectionExistsResponse),
    "delete_collection": (_col.DeleteCollection, _col.CollectionOperationResponse),
    "upsert": (_pts.UpsertPoints, _pts.PointsOperationResponse),
    "retrieve": (_pts.GetPoints, _pts.GetResponse),
    "count": (_pts.CountPoints, _pts.CountResponse),
    "delete": (_pts.DeletePoints, _pts.PointsOperationResponse),
    "query_points": (_pts.QueryPoints, _pts.QueryResponse),
    "scroll": (_pts.ScrollPoints, _pts.ScrollResponse),
    "create_snapshot": (_snap.CreateSnapshotRequest, _snap.CreateSnapshotResponse),
    "list_snapshots": (_snap.ListSnapshotsRequest, _snap.ListSnapshotsResponse),
    "health": (_qd.HealthCheckRequest, _qd.HealthCheckReply),
}
"""Operation name (``qdpool.call``) -> (request class, response class)."""

_DISTANCE_TO_PB: dict[str, int] = {
    name: _col.Distance.Value(name) for name in ("Cosine", "Euclid", "Dot", "Manhattan")
}
_DISTANCE_FROM_PB: dict[int, str] = {v: k for k, v in _DISTANCE_TO_PB.items()}
