"""The public API, pinned: a change here is a change users see, and must be deliberate."""

from __future__ import annotations

import inspect

import qdpool

PUBLIC_NAMES = [
    "AlreadyExists",
    "ApiError",
    "BreakerPolicy",
    "Call",
    "CircuitOpen",
    "Client",
    "ClientClosed",
    "CollectionInfo",
    "ConcurrencyPolicy",
    "DeadlineExceeded",
    "Endpoint",
    "FallbackPolicy",
    "Handler",
    "HealthInfo",
    "HedgePolicy",
    "Interceptor",
    "InvalidArgument",
    "InvalidInput",
    "NotFound",
    "Operation",
    "PayloadTooLarge",
    "PermissionDenied",
    "Pipeline",
    "Point",
    "PoolConfig",
    "QdpoolError",
    "RateLimitPolicy",
    "Record",
    "ResourceExhausted",
    "RetryBudgetExhausted",
    "RetryBudgetPolicy",
    "RetryPolicy",
    "ScoredPoint",
    "ServerError",
    "SnapshotInfo",
    "Unauthenticated",
    "Unavailable",
    "UpdateResult",
    "VectorParams",
    "__version__",
    "connect",
    "override",
]

COMMON = ["protocol", "timeout"]
METHODS = {
    "create_collection": ["collection_name", "size", "distance", "on_disk", *COMMON, "config"],
    "list_collections": COMMON,
    "get_collection": ["collection_name", *COMMON],
    "collection_exists": ["collection_name", *COMMON],
    "delete_collection": ["collection_name", *COMMON],
    "upsert": ["collection_name", "points", "wait", *COMMON],
    "upload_points": ["collection_name", "points", "batch_size", "parallel", "wait", *COMMON],
    "retrieve": ["collection_name", "ids", "with_payload", "with_vector", *COMMON],
    "count": ["collection_name", "filter", "exact", *COMMON],
    "delete": ["collection_name", "ids", "filter", "wait", *COMMON],
    "query_points": [
        "collection_name",
        "query",
        "filter",
        "limit",
        "offset",
        "with_payload",
        "with_vector",
        "score_threshold",
        *COMMON,
    ],
    "scroll": [
        "collection_name",
        "limit",
        "offset",
        "filter",
        "with_payload",
        "with_vector",
        *COMMON,
    ],
    "scroll_all": [
        "collection_name",
        "page_size",
        "filter",
        "with_payload",
        "with_vector",
        *COMMON,
    ],
    "create_snapshot": ["collection_name", *COMMON],
    "list_snapshots": ["collection_name", *COMMON],
    "cluster_status": COMMON,
    "health": COMMON,
}


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
        for param in COMMON:
            assert signature.parameters[param].kind is inspect.Parameter.KEYWORD_ONLY


def test_connect_signature() -> None:
    params = inspect.signature(qdpool.connect).parameters
    assert list(params) == ["url", "grpc_url", "api_key", "protocol", "options"]
    assert params["protocol"].default == "rest"
