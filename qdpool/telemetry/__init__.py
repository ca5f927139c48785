"""OpenTelemetry for qdpool: a span per logical call and per attempt, events, metrics, propagation.

qdpool depends on ``opentelemetry-api`` only. Install an SDK (``pip install
'qdpool[otel]'``) and configure providers as usual; every client reports to the
global providers unless given its own::

    client = qdpool.connect(url, tracer_provider=tp, meter_provider=mp)   # or telemetry=False

What is emitted, and why it is shaped that way, is in docs/observability.md:

* ``CallTelemetry`` (outermost interceptor): the CLIENT span of each logical call,
  ``"{db.operation.name} {db.collection.name}"``, and ``db.client.operation.duration``;
* ``AttemptTelemetry`` (just above auth): a child CLIENT span per attempt (HTTP or
  RPC conventions) and the ``traceparent`` / ``tracestate`` sent with it;
* ``TelemetryObserver``: retries, backoffs, hedges, breaker and limiter events as
  span events and qdpool's own metrics;
* ``render_span_tree``: finished spans as a text tree (``qdpool demo --trace``).
"""

from qdpool.telemetry.metrics import Instruments, PoolSource
from qdpool.telemetry.observer import CompositeObserver, TelemetryObserver, combine
from qdpool.telemetry.semconv import SCHEMA_URL, SCOPE_NAME
from qdpool.telemetry.setup import Telemetry
from qdpool.telemetry.tracing import AttemptTelemetry, CallTelemetry, TracerRef
from qdpool.telemetry.tree import render_span_tree

__all__ = [
    "SCHEMA_URL",
    "SCOPE_NAME",
    "AttemptTelemetry",
    "CallTelemetry",
    "CompositeObserver",
    "Instruments",
    "PoolSource",
    "Telemetry",
    "TelemetryObserver",
    "TracerRef",
    "combine",
    "render_span_tree",
]
