"""qdpool: asyncio connection pooling and resilience middleware for Qdrant, over REST and gRPC.

>>> import qdpool
>>> async with qdpool.connect("http://localhost:6333", api_key="...") as client:
...     hits = await client.query_points("docs", vector, limit=3)
"""

from qdpool.call import Call, Operation
from qdpool.client import Client, connect
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
    ResourceExhausted,
    RetryBudgetExhausted,
    ServerError,
    Unauthenticated,
    Unavailable,
)
from qdpool.models import (
    CollectionInfo,
    HealthInfo,
    Point,
    Record,
    ScoredPoint,
    SnapshotInfo,
    UpdateResult,
    VectorParams,
)
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

__version__ = "0.1.0"

__all__ = [
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
