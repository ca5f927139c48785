"""qdpool: asyncio connection pooling and resilience middleware for Qdrant, over REST and gRPC.

>>> import qdpool
>>> async with qdpool.connect("http://localhost:6333", api_key="...") as client:
...     hits = await client.query_points("docs", vector, limit=3)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qdpool.call import Call, Options
    from qdpool.client import Client, LoopMismatch, connect
    from qdpool.config import PoolConfig
    from qdpool.endpoint import Endpoint
    from qdpool.errors import (
        AlreadyExists,
        ApiError,
        CircuitOpen,
        ClientClosed,
        DeadlineExceeded,
        InvalidArgument,
        InvalidInput,
        NotFound,
        PayloadTooLarge,
        PermissionDenied,
        QdpoolError,
        QueueTimeout,
        ResourceExhausted,
        RetryBudgetExhausted,
        ServerError,
        Unauthenticated,
        Unavailable,
    )
    from qdpool.models import (
        AliasDescription,
        CollectionClusterInfo,
        CollectionInfo,
        FacetHit,
        HealthInfo,
        LocalShardInfo,
        PayloadIndexInfo,
        Point,
        PointGroup,
        Record,
        RemoteShardInfo,
        ReshardingInfo,
        ScoredPoint,
        SearchMatrixOffsets,
        SearchMatrixPair,
        ShardTransferInfo,
        SnapshotInfo,
        SparseVectorParams,
        UpdateResult,
        VectorParams,
    )
    from qdpool.operations.spec import Operation
    from qdpool.pipeline import Handler, Interceptor, Pipeline
    from qdpool.policies import (
        BreakerPolicy,
        ConcurrencyPolicy,
        FallbackPolicy,
        HedgePolicy,
        RateLimitPolicy,
        RetryBudgetPolicy,
        RetryPolicy,
        override,
    )
    from qdpool.routing.balancer import BalancerPolicy
    from qdpool.routing.cluster import NodeHealth
    from qdpool.routing.discovery import DiscoveryPolicy
    from qdpool.routing.ejection import EjectionPolicy
    from qdpool.sync import SyncCallInEventLoop, SyncClient, connect_sync

_LAZY: dict[str, str] = {
    "AliasDescription": "qdpool.models",
    "CollectionClusterInfo": "qdpool.models",
    "LocalShardInfo": "qdpool.models",
    "PayloadIndexInfo": "qdpool.models",
    "RemoteShardInfo": "qdpool.models",
    "ReshardingInfo": "qdpool.models",
    "ShardTransferInfo": "qdpool.models",
    "SparseVectorParams": "qdpool.models",
    "FacetHit": "qdpool.models",
    "PointGroup": "qdpool.models",
    "SearchMatrixOffsets": "qdpool.models",
    "SearchMatrixPair": "qdpool.models",
    "SyncCallInEventLoop": "qdpool.sync",
    "SyncClient": "qdpool.sync",
    "connect_sync": "qdpool.sync",
    "AlreadyExists": "qdpool.errors",
    "ApiError": "qdpool.errors",
    "BalancerPolicy": "qdpool.routing.balancer",
    "BreakerPolicy": "qdpool.policies",
    "Call": "qdpool.call",
    "CircuitOpen": "qdpool.errors",
    "Client": "qdpool.client",
    "ClientClosed": "qdpool.errors",
    "CollectionInfo": "qdpool.models",
    "ConcurrencyPolicy": "qdpool.policies",
    "DeadlineExceeded": "qdpool.errors",
    "DiscoveryPolicy": "qdpool.routing.discovery",
    "EjectionPolicy": "qdpool.routing.ejection",
    "Endpoint": "qdpool.endpoint",
    "FallbackPolicy": "qdpool.policies",
    "Handler": "qdpool.pipeline",
    "HealthInfo": "qdpool.models",
    "HedgePolicy": "qdpool.policies",
    "Interceptor": "qdpool.pipeline",
    "InvalidArgument": "qdpool.errors",
    "InvalidInput": "qdpool.errors",
    "LoopMismatch": "qdpool.client",
    "NodeHealth": "qdpool.routing.cluster",
    "NotFound": "qdpool.errors",
    "Operation": "qdpool.operations.spec",
    "Options": "qdpool.call",
    "PayloadTooLarge": "qdpool.errors",
    "PermissionDenied": "qdpool.errors",
    "Pipeline": "qdpool.pipeline",
    "Point": "qdpool.models",
    "PoolConfig": "qdpool.config",
    "QdpoolError": "qdpool.errors",
    "QueueTimeout": "qdpool.errors",
    "RateLimitPolicy": "qdpool.policies",
    "Record": "qdpool.models",
    "ResourceExhausted": "qdpool.errors",
    "RetryBudgetExhausted": "qdpool.errors",
    "RetryBudgetPolicy": "qdpool.policies",
    "RetryPolicy": "qdpool.policies",
    "ScoredPoint": "qdpool.models",
    "ServerError": "qdpool.errors",
    "SnapshotInfo": "qdpool.models",
    "Unauthenticated": "qdpool.errors",
    "Unavailable": "qdpool.errors",
    "UpdateResult": "qdpool.models",
    "VectorParams": "qdpool.models",
    "connect": "qdpool.client",
    "override": "qdpool.policies",
}
"""Public name -> the module that defines it, imported on first use so that
``import qdpool`` (and ``import qdpool.embedded``) stays cheap."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qdpool' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
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
