"""The unit that flows through the pipeline: one ``Call`` per logical operation.

A ``Call`` names an ``Operation`` (a static description shared by every call of
that kind: its REST route, its gRPC method path, whether it is idempotent and
whether it is a read), carries the request in Qdrant's REST JSON shape (the gRPC
codec converts it), and the absolute deadline of the whole logical call.

Interceptors may change ``protocol``, ``endpoint``, ``headers`` and the
per-attempt fields; everything else is fixed when the client builds the call.
A hedge needs two attempts in flight at once, so it works on ``copy()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qdpool.endpoint import Endpoint


@dataclass(frozen=True, slots=True)
class Operation:
    """A kind of call: identical for every call of that kind, built once.

    Attributes:
        name: the ``db.operation.name`` for telemetry, e.g. ``"query_points"``.
        rest_method: HTTP method.
        rest_path: path template with ``{collection}``.
        grpc_method: the full gRPC method path, e.g. ``"/qdrant.Points/Query"``,
            or None where Qdrant has no gRPC method (cluster status).
        idempotent: repeating it has the same effect as doing it once, so a retry
            is safe even when the first attempt may have been processed.
        read: it changes nothing (so it may be hedged).
        server_timeout: Qdrant's REST route takes ``?timeout=`` (whole seconds) to cap the
            server's own work; the REST transports send what remains of the attempt.
    """

    name: str
    rest_method: str
    rest_path: str
    grpc_method: str | None
    idempotent: bool
    read: bool
    server_timeout: bool = False

    @property
    def rpc_method(self) -> str | None:
        """``rpc.method`` for telemetry: the gRPC path without its leading slash."""
        return self.grpc_method[1:] if self.grpc_method else None

    def __repr__(self) -> str:
        return f"Operation({self.name})"


def _op(
    name: str, method: str, path: str, grpc: str | None, *, idem: bool, read: bool
) -> Operation:
    return Operation(name, method, path, grpc, idem, read, name in _SERVER_TIMEOUT)


_SERVER_TIMEOUT = frozenset(
    {
        "create_collection",
        "delete_collection",
        "upsert",
        "delete",
        "retrieve",
        "count",
        "query_points",
        "scroll",
    }
)


_C = "/collections/{collection}"

CREATE_COLLECTION = _op(
    "create_collection", "PUT", _C, "/qdrant.Collections/Create", idem=False, read=False
)
LIST_COLLECTIONS = _op(
    "list_collections", "GET", "/collections", "/qdrant.Collections/List", idem=True, read=True
)
GET_COLLECTION = _op("get_collection", "GET", _C, "/qdrant.Collections/Get", idem=True, read=True)
COLLECTION_EXISTS = _op(
    "collection_exists",
    "GET",
    _C + "/exists",
    "/qdrant.Collections/CollectionExists",
    idem=True,
    read=True,
)
DELETE_COLLECTION = _op(
    "delete_collection", "DELETE", _C, "/qdrant.Collections/Delete", idem=False, read=False
)
UPSERT = _op("upsert", "PUT", _C + "/points", "/qdrant.Points/Upsert", idem=True, read=False)
RETRIEVE = _op("retrieve", "POST", _C + "/points", "/qdrant.Points/Get", idem=True, read=True)
COUNT = _op("count", "POST", _C + "/points/count", "/qdrant.Points/Count", idem=True, read=True)
DELETE_POINTS = _op(
    "delete", "POST", _C + "/points/delete", "/qdrant.Points/Delete", idem=True, read=False
)
QUERY_POINTS = _op(
    "query_points", "POST", _C + "/points/query", "/qdrant.Points/Query", idem=True, read=True
)
SCROLL = _op("scroll", "POST", _C + "/points/scroll", "/qdrant.Points/Scroll", idem=True, read=True)
CREATE_SNAPSHOT = _op(
    "create_snapshot", "POST", _C + "/snapshots", "/qdrant.Snapshots/Create", idem=False, read=False
)
LIST_SNAPSHOTS = _op(
    "list_snapshots", "GET", _C + "/snapshots", "/qdrant.Snapshots/List", idem=True, read=True
)
CLUSTER_STATUS = _op("cluster_status", "GET", "/cluster", None, idem=True, read=True)
HEALTH = _op("health", "GET", "/", "/qdrant.Qdrant/HealthCheck", idem=True, read=True)

# --- data plane (embedded): REST routes of the embedded server's point-level operations.
# Named after qdrant-client's methods; no gRPC path yet (the lead adds the gRPC side).
_P = _C + "/points"
DATA_PLANE: tuple[Operation, ...] = (
    _op("get_point", "GET", _P + "/{id}", None, idem=True, read=True),
    _op("set_payload", "POST", _P + "/payload", None, idem=True, read=False),
    _op("overwrite_payload", "PUT", _P + "/payload", None, idem=True, read=False),
    _op("delete_payload", "POST", _P + "/payload/delete", None, idem=True, read=False),
    _op("clear_payload", "POST", _P + "/payload/clear", None, idem=True, read=False),
    _op("update_vectors", "PUT", _P + "/vectors", None, idem=True, read=False),
    _op("delete_vectors", "POST", _P + "/vectors/delete", None, idem=True, read=False),
    _op("batch_update_points", "POST", _P + "/batch", None, idem=True, read=False),
    _op("create_payload_index", "PUT", _C + "/index", None, idem=True, read=False),
    _op("delete_payload_index", "DELETE", _C + "/index/{field_name}", None, idem=True, read=False),
    _op("query_batch_points", "POST", _P + "/query/batch", None, idem=True, read=True),
    _op("query_points_groups", "POST", _P + "/query/groups", None, idem=True, read=True),
    _op("facet", "POST", _C + "/facet", None, idem=True, read=True),
    _op("search_matrix_pairs", "POST", _P + "/search/matrix/pairs", None, idem=True, read=True),
    _op("search_matrix_offsets", "POST", _P + "/search/matrix/offsets", None, idem=True, read=True),
)
# --- end data plane

# --- collections data plane (embedded)
# Collection configuration, aliases, cluster info, snapshots and telemetry, named as
# qdrant-client names them.  gRPC paths are left None until their messages exist in
# codec_proto; Qdrant's are: update_collection /qdrant.Collections/Update,
# update_collection_aliases /qdrant.Collections/UpdateAliases, get_aliases
# /qdrant.Collections/ListAliases, get_collection_aliases
# /qdrant.Collections/ListCollectionAliases, collection_cluster_info
# /qdrant.Collections/CollectionClusterInfo, delete_snapshot /qdrant.Snapshots/Delete,
# create_full_snapshot /qdrant.Snapshots/CreateFull, list_full_snapshots
# /qdrant.Snapshots/ListFull, delete_full_snapshot /qdrant.Snapshots/DeleteFull.
# Downloads, recovery, uploads and telemetry are REST-only in Qdrant.
_S = _C + "/snapshots"
COLLECTIONS_DATA_PLANE: tuple[Operation, ...] = (
    _op("update_collection", "PATCH", _C, None, idem=True, read=False),
    _op("update_collection_aliases", "POST", "/collections/aliases", None, idem=False, read=False),
    _op("get_aliases", "GET", "/aliases", None, idem=True, read=True),
    _op("get_collection_aliases", "GET", _C + "/aliases", None, idem=True, read=True),
    _op("collection_cluster_info", "GET", _C + "/cluster", None, idem=True, read=True),
    _op("delete_snapshot", "DELETE", _S + "/{snapshot_name}", None, idem=False, read=False),
    _op("download_snapshot", "GET", _S + "/{snapshot_name}", None, idem=True, read=True),
    _op("recover_snapshot", "PUT", _S + "/recover", None, idem=True, read=False),
    _op("upload_snapshot", "POST", _S + "/upload", None, idem=True, read=False),
    _op("create_full_snapshot", "POST", "/snapshots", None, idem=False, read=False),
    _op("list_full_snapshots", "GET", "/snapshots", None, idem=True, read=True),
    _op(
        "delete_full_snapshot", "DELETE", "/snapshots/{snapshot_name}", None, idem=False, read=False
    ),
    _op("download_full_snapshot", "GET", "/snapshots/{snapshot_name}", None, idem=True, read=True),
    _op("telemetry", "GET", "/telemetry", None, idem=True, read=True),
)
# --- end collections data plane

OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        CREATE_COLLECTION,
        LIST_COLLECTIONS,
        GET_COLLECTION,
        COLLECTION_EXISTS,
        DELETE_COLLECTION,
        UPSERT,
        RETRIEVE,
        COUNT,
        DELETE_POINTS,
        QUERY_POINTS,
        SCROLL,
        CREATE_SNAPSHOT,
        LIST_SNAPSHOTS,
        CLUSTER_STATUS,
        HEALTH,
        *DATA_PLANE,  # --- data plane (embedded)
        *COLLECTIONS_DATA_PLANE,  # --- collections data plane (embedded)
    )
}


@dataclass(slots=True)
class Call:
    """One logical call on its way through the pipeline.

    Attributes:
        operation: what is being done.
        collection: the collection it targets, or None.
        protocol: ``"rest"`` or ``"grpc"``; fallback may switch it.
        body: the request in Qdrant's REST JSON shape, or None (GET, DELETE).
        params: REST query parameters (``wait``, ``timeout``); the gRPC codec reads them too.
        deadline: absolute expiry of the whole logical call on ``clock``'s timebase.
        endpoint: the node this attempt goes to; set by the client, and later by a balancer.
        encoded: the REST body already encoded (large upserts are split by encoded size, so
            their bytes exist before the call does); None to encode ``body`` on demand.
        headers: extra request metadata (REST headers / gRPC metadata), e.g. the API key,
            ``traceparent``. Lower-case keys.
        attempt: 0 for the first attempt, then 1, 2, ... (retries and hedges).
        attempt_deadline: the deadline of the current attempt (never later than ``deadline``).
        sent: set by transports once the request may have reached the server.
    """

    operation: Operation
    collection: str | None
    protocol: str
    body: dict[str, Any] | None
    params: dict[str, str] | None
    deadline: float
    endpoint: Endpoint
    encoded: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    attempt: int = 0
    attempt_deadline: float = 0.0
    sent: bool = False

    def __post_init__(self) -> None:
        if not self.attempt_deadline:
            self.attempt_deadline = self.deadline

    def copy(self) -> Call:
        """An independent copy for a concurrent attempt (a hedge); headers are copied too."""
        return Call(
            self.operation,
            self.collection,
            self.protocol,
            self.body,
            self.params,
            self.deadline,
            self.endpoint,
            self.encoded,
            dict(self.headers),
            self.attempt,
            self.attempt_deadline,
            False,
        )

    def __repr__(self) -> str:
        target = f" {self.collection}" if self.collection else ""
        return f"<Call {self.operation.name}{target} via {self.protocol} attempt={self.attempt}>"
