"""The public API, pinned: names, method signatures, and that the type checker guards them.

A change here is a change users see; update the pins deliberately.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import qdpool

PUBLIC_NAMES = [
    "AliasDescription",
    "AlreadyExists",
    "ApiError",
    "BalancerPolicy",
    "BreakerPolicy",
    "Call",
    "CircuitOpen",
    "Client",
    "ClientClosed",
    "CollectionClusterInfo",
    "CollectionInfo",
    "ConcurrencyPolicy",
    "DeadlineExceeded",
    "DiscoveryPolicy",
    "EjectionPolicy",
    "Endpoint",
    "FacetHit",
    "FallbackPolicy",
    "Handler",
    "HealthInfo",
    "HedgePolicy",
    "Interceptor",
    "InvalidArgument",
    "InvalidInput",
    "LocalShardInfo",
    "LoopMismatch",
    "NodeHealth",
    "NotFound",
    "Operation",
    "Options",
    "PayloadIndexInfo",
    "PayloadTooLarge",
    "PermissionDenied",
    "Pipeline",
    "Point",
    "PointGroup",
    "PoolConfig",
    "QdpoolError",
    "QueueTimeout",
    "RateLimitPolicy",
    "Record",
    "RemoteShardInfo",
    "ReshardingInfo",
    "ResourceExhausted",
    "RetryBudgetExhausted",
    "RetryBudgetPolicy",
    "RetryPolicy",
    "ScoredPoint",
    "SearchMatrixOffsets",
    "SearchMatrixPair",
    "ServerError",
    "ShardTransferInfo",
    "SnapshotInfo",
    "SparseVectorParams",
    "SyncCallInEventLoop",
    "SyncClient",
    "Unauthenticated",
    "Unavailable",
    "UpdateResult",
    "VectorParams",
    "__version__",
    "connect",
    "connect_sync",
    "override",
]

METHODS: dict[str, list[str]] = {
    "node_health": [],
    "cluster_status": ["protocol", "timeout"],
    "collection_exists": ["collection_name", "protocol", "timeout"],
    "count": ["collection_name", "filter", "exact", "consistency", "protocol", "timeout"],
    "create_collection": [
        "collection_name",
        "vectors_config",
        "size",
        "distance",
        "on_disk",
        "sparse_vectors_config",
        "shard_number",
        "sharding_method",
        "replication_factor",
        "write_consistency_factor",
        "on_disk_payload",
        "hnsw_config",
        "optimizers_config",
        "wal_config",
        "quantization_config",
        "strict_mode_config",
        "metadata",
        "payload",
        "id_tracker",
        "protocol",
        "timeout",
    ],
    # collections, aliases, snapshots (issue 10)
    "update_collection": [
        "collection_name",
        "optimizers_config",
        "collection_params",
        "vectors_config",
        "hnsw_config",
        "quantization_config",
        "sparse_vectors_config",
        "strict_mode_config",
        "metadata",
        "protocol",
        "timeout",
    ],
    "collection_cluster_info": ["collection_name", "protocol", "timeout"],
    "update_collection_aliases": ["actions", "protocol", "timeout"],
    "create_alias": ["collection_name", "alias_name", "protocol", "timeout"],
    "delete_alias": ["alias_name", "protocol", "timeout"],
    "rename_alias": ["old_alias_name", "new_alias_name", "protocol", "timeout"],
    "get_aliases": ["protocol", "timeout"],
    "get_collection_aliases": ["collection_name", "protocol", "timeout"],
    "delete_snapshot": ["collection_name", "snapshot_name", "protocol", "timeout"],
    "download_snapshot": ["collection_name", "snapshot_name", "path", "checksum", "timeout"],
    "download_full_snapshot": ["snapshot_name", "path", "checksum", "timeout"],
    "recover_snapshot": [
        "collection_name",
        "location",
        "priority",
        "checksum",
        "api_key",
        "wait",
        "timeout",
    ],
    "upload_snapshot": ["collection_name", "path", "priority", "checksum", "wait", "timeout"],
    "create_full_snapshot": ["protocol", "timeout"],
    "list_full_snapshots": ["protocol", "timeout"],
    "delete_full_snapshot": ["snapshot_name", "protocol", "timeout"],
    "create_snapshot": ["collection_name", "protocol", "timeout"],
    "delete": ["collection_name", "ids", "filter", "wait", "ordering", "protocol", "timeout"],
    "delete_collection": ["collection_name", "protocol", "timeout"],
    "get_collection": ["collection_name", "protocol", "timeout"],
    "grpc_request": ["method", "request", "response_type", "read", "idempotent", "timeout"],
    "health": ["protocol", "timeout"],
    "list_collections": ["protocol", "timeout"],
    "list_snapshots": ["collection_name", "protocol", "timeout"],
    "query_points": [
        "collection_name",
        "query",
        "using",
        "prefetch",
        "filter",
        "params",
        "limit",
        "offset",
        "with_payload",
        "with_vector",
        "score_threshold",
        "lookup_from",
        "consistency",
        "protocol",
        "timeout",
    ],
    "rest_request": ["method", "path", "body", "read", "idempotent", "timeout"],
    "retrieve": [
        "collection_name",
        "ids",
        "with_payload",
        "with_vector",
        "consistency",
        "protocol",
        "timeout",
    ],
    "scroll": [
        "collection_name",
        "limit",
        "offset",
        "filter",
        "order_by",
        "with_payload",
        "with_vector",
        "consistency",
        "protocol",
        "timeout",
    ],
    "scroll_all": [
        "collection_name",
        "page_size",
        "filter",
        "with_payload",
        "with_vector",
        "consistency",
        "protocol",
        "timeout",
    ],
    "upload_points": [
        "collection_name",
        "points",
        "batch_size",
        "parallel",
        "wait",
        "ordering",
        "progress",
        "protocol",
        "timeout",
    ],
    "upload_collection": [
        "collection_name",
        "vectors",
        "payload",
        "ids",
        "batch_size",
        "parallel",
        "wait",
        "ordering",
        "progress",
        "protocol",
        "timeout",
    ],
    "upsert": [
        "collection_name",
        "points",
        "update_filter",
        "update_mode",
        "wait",
        "ordering",
        "protocol",
        "timeout",
    ],
    # ------------------------------------------------------------ point writes, payload, indexes
    "update_vectors": [
        "collection_name",
        "points",
        "update_filter",
        "wait",
        "ordering",
        "protocol",
        "timeout",
    ],
    "delete_vectors": [
        "collection_name",
        "vectors",
        "points",
        "filter",
        "wait",
        "ordering",
        "protocol",
        "timeout",
    ],
    "set_payload": [
        "collection_name",
        "payload",
        "points",
        "filter",
        "key",
        "wait",
        "ordering",
        "protocol",
        "timeout",
    ],
    "overwrite_payload": [
        "collection_name",
        "payload",
        "points",
        "filter",
        "key",
        "wait",
        "ordering",
        "protocol",
        "timeout",
    ],
    "delete_payload": [
        "collection_name",
        "keys",
        "points",
        "filter",
        "wait",
        "ordering",
        "protocol",
        "timeout",
    ],
    "clear_payload": [
        "collection_name",
        "points",
        "filter",
        "wait",
        "ordering",
        "protocol",
        "timeout",
    ],
    "batch_update_points": [
        "collection_name",
        "update_operations",
        "wait",
        "ordering",
        "protocol",
        "timeout",
    ],
    "create_payload_index": [
        "collection_name",
        "field_name",
        "field_schema",
        "wait",
        "ordering",
        "protocol",
        "timeout",
    ],
    "delete_payload_index": [
        "collection_name",
        "field_name",
        "wait",
        "ordering",
        "protocol",
        "timeout",
    ],
    # ------------------------------------------------------------ queries and reads
    "query_batch_points": ["collection_name", "requests", "consistency", "protocol", "timeout"],
    "query_points_groups": [
        "collection_name",
        "group_by",
        "query",
        "using",
        "prefetch",
        "filter",
        "params",
        "limit",
        "group_size",
        "with_payload",
        "with_vector",
        "score_threshold",
        "with_lookup",
        "lookup_from",
        "consistency",
        "protocol",
        "timeout",
    ],
    "facet": [
        "collection_name",
        "key",
        "filter",
        "limit",
        "exact",
        "consistency",
        "protocol",
        "timeout",
    ],
    "search_matrix_pairs": [
        "collection_name",
        "filter",
        "limit",
        "sample",
        "using",
        "consistency",
        "protocol",
        "timeout",
    ],
    "search_matrix_offsets": [
        "collection_name",
        "filter",
        "limit",
        "sample",
        "using",
        "consistency",
        "protocol",
        "timeout",
    ],
}

CONNECT = [
    "url",
    "grpc_url",
    "api_key",
    "protocol",
    "protocols",
    "timeout",
    "pool",
    "rest_transport",
    "httpx_client",
    "ssl_context",
    "interceptors",
    "transports",
    "max_rest_body",
    "max_grpc_message",
    "clock",
    "retry",
    "retry_budget",
    "breaker",
    "concurrency",
    "rate_limit",
    "hedge",
    "fallback",
    "observer",
    "rng",
    "tracer_provider",
    "meter_provider",
    "telemetry",
    "discover",
    "balancer",
    "ejection",
    "discovery",
]


def test_all_is_pinned_and_sorted() -> None:
    assert sorted(qdpool.__all__) == PUBLIC_NAMES
    for name in qdpool.__all__:
        assert hasattr(qdpool, name), name


def test_client_methods_are_pinned() -> None:
    public = {
        name
        for name, member in inspect.getmembers(qdpool.Client)
        if not name.startswith("_") and callable(member)
    }
    assert public == {*METHODS, "start", "close"}
    for name, params in METHODS.items():
        signature = inspect.signature(getattr(qdpool.Client, name))
        assert list(signature.parameters)[1:] == params, name
        for param in signature.parameters.values():
            assert param.kind is not inspect.Parameter.VAR_KEYWORD, name
        if "timeout" in params:
            assert signature.parameters["timeout"].kind is inspect.Parameter.KEYWORD_ONLY


def test_connect_signature_is_explicit() -> None:
    params = inspect.signature(qdpool.connect).parameters
    assert list(params) == CONNECT
    assert params["protocol"].default == "rest"
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in params.values())
    client_params = set(inspect.signature(qdpool.Client).parameters) - {"endpoint"}
    assert set(params) - {"url", "grpc_url"} == client_params


WRONG_OPTIONS = [
    ('qdpool.connect("http://h:6333", retries=3)', 'Unexpected keyword argument "retries"'),
    ('qdpool.connect("http://h:6333", timeout="5")', 'incompatible type "str"'),
    ('qdpool.connect("http://h:6333", protocol="http")', 'incompatible type "Literal'),
]


def test_type_checker_catches_wrong_options(tmp_path: Path) -> None:
    """One mypy run over a file with one wrong call per line (mypy is slow to start)."""
    source = tmp_path / "user_code.py"
    lines = ["import qdpool", *(snippet for snippet, _ in WRONG_OPTIONS)]
    source.write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    for line, (_, complaint) in enumerate(WRONG_OPTIONS, start=2):
        reported = [r for r in result.stdout.splitlines() if f"user_code.py:{line}:" in r]
        assert any(complaint in r for r in reported), (line, result.stdout)
