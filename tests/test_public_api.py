"""The public API, pinned: names, method signatures, and that the type checker guards them.

A change here is a change users see; update the pins deliberately.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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
    "LoopMismatch",
    "NotFound",
    "Operation",
    "Options",
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
    "cluster_status": ["protocol", "timeout"],
    "collection_exists": ["collection_name", "protocol", "timeout"],
    "count": ["collection_name", "filter", "exact", "consistency", "protocol", "timeout"],
    "create_collection": [
        "collection_name",
        "size",
        "distance",
        "on_disk",
        "shard_number",
        "replication_factor",
        "write_consistency_factor",
        "on_disk_payload",
        "protocol",
        "timeout",
    ],
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
        "filter",
        "limit",
        "offset",
        "with_payload",
        "with_vector",
        "score_threshold",
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
        "progress",
        "protocol",
        "timeout",
    ],
    "upsert": ["collection_name", "points", "wait", "ordering", "protocol", "timeout"],
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


@pytest.mark.parametrize(
    ("snippet", "complaint"),
    [
        ('qdpool.connect("http://h:6333", retries=3)', 'Unexpected keyword argument "retries"'),
        ('qdpool.connect("http://h:6333", timeout="5")', 'incompatible type "str"'),
        ('qdpool.connect("http://h:6333", protocol="http")', 'incompatible type "Literal'),
    ],
)
def test_type_checker_catches_wrong_options(snippet: str, complaint: str, tmp_path: Path) -> None:
    source = tmp_path / "user_code.py"
    source.write_text(
        textwrap.dedent(f"""
        import qdpool

        {snippet}
    """)
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(source)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert complaint in result.stdout, result.stdout
