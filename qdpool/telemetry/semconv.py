"""Names qdpool's telemetry uses: OpenTelemetry semantic conventions v1.44, then qdpool's own.

Written out here (not imported from ``opentelemetry-semantic-conventions``) so
that qdpool's only runtime dependency stays ``opentelemetry-api``. Names under
``qdpool.`` are qdpool's own; everything else is a convention name.
"""

from __future__ import annotations

from typing import Final

SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.44.0"
SCOPE_NAME: Final = "qdpool"
DB_SYSTEM: Final = "qdrant"
"""``db.system.name``: Qdrant is not among the well-known values, so its lowercase name."""

# --- database (stable)
DB_SYSTEM_NAME: Final = "db.system.name"
DB_OPERATION_NAME: Final = "db.operation.name"
DB_COLLECTION_NAME: Final = "db.collection.name"
DB_RESPONSE_STATUS_CODE: Final = "db.response.status_code"
ERROR_TYPE: Final = "error.type"
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"
NETWORK_PEER_ADDRESS: Final = "network.peer.address"
NETWORK_PEER_PORT: Final = "network.peer.port"

# --- RPC (v1.39 names; ``rpc.service`` and integer ``rpc.grpc.status_code`` are deprecated)
RPC_SYSTEM_NAME: Final = "rpc.system.name"
RPC_METHOD: Final = "rpc.method"
RPC_RESPONSE_STATUS_CODE: Final = "rpc.response.status_code"

# --- HTTP client
HTTP_REQUEST_METHOD: Final = "http.request.method"
HTTP_REQUEST_RESEND_COUNT: Final = "http.request.resend_count"
HTTP_RESPONSE_STATUS_CODE: Final = "http.response.status_code"
URL_FULL: Final = "url.full"
URL_TEMPLATE: Final = "url.template"

# --- database client metrics
DB_CLIENT_OPERATION_DURATION: Final = "db.client.operation.duration"
DB_CLIENT_CONNECTION_COUNT: Final = "db.client.connection.count"
DB_CLIENT_CONNECTION_MAX: Final = "db.client.connection.max"
DB_CLIENT_CONNECTION_PENDING_REQUESTS: Final = "db.client.connection.pending_requests"
DB_CLIENT_CONNECTION_WAIT_TIME: Final = "db.client.connection.wait_time"
DB_CLIENT_CONNECTION_STATE: Final = "db.client.connection.state"
DB_CLIENT_CONNECTION_POOL_NAME: Final = "db.client.connection.pool.name"
DURATION_BUCKETS: Final = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
"""The advised bucket boundaries of ``db.client.operation.duration`` (and of qdpool's waits)."""

# --- qdpool's own attributes
QDPOOL_PROTOCOL: Final = "qdpool.protocol"
"""``rest`` or ``grpc``: the protocol a call (or attempt) used."""
QDPOOL_ATTEMPT: Final = "qdpool.attempt"
"""0 for a call's first attempt, then 1, 2, ... for retries and hedges."""
QDPOOL_CANCELLED: Final = "qdpool.cancelled"
"""Set on a span whose call or attempt was cancelled (a hedge that lost, a caller that gave up)."""
QDPOOL_WILL_RETRY: Final = "qdpool.will_retry"
QDPOOL_DELAY: Final = "qdpool.delay"
"""Seconds: a backoff before a retry, or how long after the first attempt a hedge went out."""
QDPOOL_WAIT: Final = "qdpool.wait"
"""Seconds an attempt waited (rate limiter, concurrency slot)."""
QDPOOL_ENDPOINT: Final = "qdpool.endpoint"
QDPOOL_BREAKER_STATE: Final = "qdpool.breaker.state"
QDPOOL_BREAKER_PREVIOUS_STATE: Final = "qdpool.breaker.previous_state"
QDPOOL_FALLBACK_FROM: Final = "qdpool.fallback.from"
QDPOOL_FALLBACK_TO: Final = "qdpool.fallback.to"

# --- qdpool's span events (on the logical call's span)
EVENT_ATTEMPT_FAILED: Final = "qdpool.attempt.failed"
EVENT_BACKOFF: Final = "qdpool.retry.backoff"
EVENT_RETRY_BUDGET_EXHAUSTED: Final = "qdpool.retry.budget_exhausted"
EVENT_HEDGE: Final = "qdpool.hedge.sent"
EVENT_HEDGE_WON: Final = "qdpool.hedge.won"
EVENT_BREAKER_REJECTED: Final = "qdpool.breaker.rejected"
EVENT_BREAKER_STATE: Final = "qdpool.breaker.state_change"
EVENT_RATE_LIMIT_WAIT: Final = "qdpool.rate_limit.wait"
EVENT_CONCURRENCY_WAIT: Final = "qdpool.concurrency.wait"
EVENT_FALLBACK: Final = "qdpool.fallback"

# --- qdpool's own metrics
QDPOOL_RETRIES: Final = "qdpool.client.retries"
QDPOOL_RETRY_BUDGET_EXHAUSTED: Final = "qdpool.client.retry_budget.exhausted"
QDPOOL_HEDGES_SENT: Final = "qdpool.client.hedges.sent"
QDPOOL_HEDGES_WON: Final = "qdpool.client.hedges.won"
QDPOOL_BREAKER_STATE_CHANGES: Final = "qdpool.client.circuit_breaker.state_changes"
QDPOOL_BREAKER_REJECTIONS: Final = "qdpool.client.circuit_breaker.rejections"
QDPOOL_RATE_LIMIT_WAIT_TIME: Final = "qdpool.client.rate_limit.wait_time"
QDPOOL_FALLBACKS: Final = "qdpool.client.fallbacks"
