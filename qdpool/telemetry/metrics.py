"""qdpool's metric instruments, shared by every client that uses the same meter provider.

One ``Instruments`` object exists per meter provider (one for the global
provider), whatever the number of clients: an SDK keeps the callbacks of the
first observable instrument of a name and drops those of any later duplicate,
so the connection-pool gauges are registered once, and each client adds its
pools to them (``watch_pool``) and takes them off when it closes.

Instruments, by the database client conventions (v1.44), then qdpool's own
(name, kind, unit: what):

- ``db.client.operation.duration``, histogram, s: one point per logical call
- ``db.client.connection.count``, async up-down counter, {connection}: by
  ``db.client.connection.state`` (``idle`` / ``used``)
- ``db.client.connection.max``, async up-down counter, {connection}: the pool's size
- ``db.client.connection.pending_requests``, async up-down counter, {request}:
  requests waiting for a pooled connection
- ``db.client.connection.wait_time``, histogram, s: waits for a concurrency slot
- ``qdpool.client.retries``, counter, {retry}: failed attempts that are retried
- ``qdpool.client.retry_budget.exhausted``, counter, {call}: retries the budget refused
- ``qdpool.client.hedges.sent`` / ``.won``, counters, {hedge}
- ``qdpool.client.circuit_breaker.state_changes``, counter, {change}: by new and
  previous state
- ``qdpool.client.circuit_breaker.rejections``, counter, {attempt}: never sent
- ``qdpool.client.rate_limit.wait_time``, histogram, s
- ``qdpool.client.fallbacks``, counter, {attempt}: attempts moved to another protocol
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from opentelemetry import metrics
from opentelemetry.metrics import (
    CallbackOptions,
    Histogram,
    Meter,
    MeterProvider,
    NoOpHistogram,
    Observation,
)

from qdpool.telemetry import semconv as sc
from qdpool.telemetry._shapes import classify, is_cancellation

if TYPE_CHECKING:
    from qdpool.telemetry._shapes import Shape

PoolStats = tuple[int, int, int]
"""``(idle, used, pending)``: connections idle and in use, and requests waiting for one."""


class PoolSource:
    """One connection pool that the gauges report: its name, size and a stats function."""

    __slots__ = ("__weakref__", "maximum", "name", "stats")

    def __init__(
        self, name: str, stats: Callable[[], PoolStats | None], maximum: int | None
    ) -> None:
        self.name = name
        self.stats = stats
        self.maximum = maximum

    def __repr__(self) -> str:
        return f"PoolSource({self.name!r})"


class Instruments:
    """Every instrument qdpool records to, created once per meter.

    ``live_duration()`` tells the call interceptor whether the duration histogram
    records anywhere, so that without a meter SDK a call reads no clock and builds
    nothing for it.
    """

    def __init__(self, meter: Meter) -> None:
        self.meter = meter
        self._pools: weakref.WeakSet[PoolSource] = weakref.WeakSet()
        self._lock = threading.Lock()
        m = meter
        self._duration = _seconds(
            m, sc.DB_CLIENT_OPERATION_DURATION, "Duration of database client operations."
        )
        self._wait_time = _seconds(
            m,
            sc.DB_CLIENT_CONNECTION_WAIT_TIME,
            "The time it took to obtain a slot for a pooled connection.",
        )
        m.create_observable_up_down_counter(
            sc.DB_CLIENT_CONNECTION_COUNT,
            callbacks=[self._observe_count],
            unit="{connection}",
            description="The number of connections in the state given by the state attribute.",
        )
        m.create_observable_up_down_counter(
            sc.DB_CLIENT_CONNECTION_MAX,
            callbacks=[self._observe_max],
            unit="{connection}",
            description="The maximum number of open connections allowed.",
        )
        m.create_observable_up_down_counter(
            sc.DB_CLIENT_CONNECTION_PENDING_REQUESTS,
            callbacks=[self._observe_pending],
            unit="{request}",
            description="The number of current pending requests for an open connection.",
        )
        self.retries = m.create_counter(
            sc.QDPOOL_RETRIES, unit="{retry}", description="Failed attempts that qdpool retries."
        )
        self.budget_exhausted = m.create_counter(
            sc.QDPOOL_RETRY_BUDGET_EXHAUSTED,
            unit="{call}",
            description="Calls that failed because the retry budget refused a retry.",
        )
        self.hedges_sent = m.create_counter(
            sc.QDPOOL_HEDGES_SENT, unit="{hedge}", description="Hedged attempts sent."
        )
        self.hedges_won = m.create_counter(
            sc.QDPOOL_HEDGES_WON, unit="{hedge}", description="Hedged attempts that answered first."
        )
        self.breaker_changes = m.create_counter(
            sc.QDPOOL_BREAKER_STATE_CHANGES,
            unit="{change}",
            description="Circuit breaker state changes.",
        )
        self.breaker_rejections = m.create_counter(
            sc.QDPOOL_BREAKER_REJECTIONS,
            unit="{attempt}",
            description="Attempts refused by an open circuit breaker, never sent.",
        )
        self.rate_limit_wait = m.create_histogram(
            sc.QDPOOL_RATE_LIMIT_WAIT_TIME,
            unit="s",
            description="Time attempts waited for the client-side rate limiter.",
            explicit_bucket_boundaries_advisory=sc.DURATION_BUCKETS,
        )
        self.fallbacks = m.create_counter(
            sc.QDPOOL_FALLBACKS,
            unit="{attempt}",
            description="Attempts moved to another protocol because their own was unavailable.",
        )

    # ------------------------------------------------------------ per call

    @property
    def duration(self) -> Histogram:
        """The duration histogram to record to (the real one once a proxy has one)."""
        return self._duration.histogram

    def live_duration(self) -> Histogram | None:
        """The duration histogram, or None while it is a no-op (no meter SDK, a no-op provider)."""
        return self._duration.get()

    def live_wait_time(self) -> Histogram | None:
        """The concurrency wait histogram, or None while it is a no-op (as ``live_duration``)."""
        return self._wait_time.get()

    def record_call(self, seconds: float, shape: Shape, error: BaseException | None) -> None:
        """One ``db.client.operation.duration`` point (none for a cancelled call)."""
        if error is None:
            self._duration.histogram.record(seconds, shape.metric_attributes)
            return
        if is_cancellation(error):
            return
        error_type, code = classify(error)
        attributes: dict[str, Any] = {**shape.metric_attributes, sc.ERROR_TYPE: error_type}
        if code is not None:
            attributes[sc.DB_RESPONSE_STATUS_CODE] = code
        self._duration.histogram.record(seconds, attributes)

    # ------------------------------------------------------------ pools

    def watch_pool(self, source: PoolSource) -> None:
        """Report ``source`` in the connection gauges until ``unwatch_pool`` (or until dropped)."""
        with self._lock:
            self._pools.add(source)

    def unwatch_pool(self, source: PoolSource) -> None:
        with self._lock:
            self._pools.discard(source)

    def _totals(self) -> dict[str, tuple[int, int, int, int | None]]:
        """``{pool name: (idle, used, pending, maximum)}``, summed over clients sharing a pool."""
        with self._lock:
            pools = list(self._pools)
        totals: dict[str, tuple[int, int, int, int | None]] = {}
        for pool in pools:
            try:
                stats = pool.stats()
            except Exception:  # a gauge must never break the exporter
                stats = None
            if stats is None:
                continue
            idle, used, pending = stats
            i, u, p, m = totals.get(pool.name, (0, 0, 0, None))
            if pool.maximum is not None:
                m = (m or 0) + pool.maximum
            totals[pool.name] = (i + idle, u + used, p + pending, m)
        return totals

    def _observe_count(self, options: CallbackOptions) -> Iterable[Observation]:
        for name, (idle, used, _, _) in self._totals().items():
            yield Observation(
                idle,
                {sc.DB_CLIENT_CONNECTION_POOL_NAME: name, sc.DB_CLIENT_CONNECTION_STATE: "idle"},
            )
            yield Observation(
                used,
                {sc.DB_CLIENT_CONNECTION_POOL_NAME: name, sc.DB_CLIENT_CONNECTION_STATE: "used"},
            )

    def _observe_pending(self, options: CallbackOptions) -> Iterable[Observation]:
        for name, (_, _, pending, _) in self._totals().items():
            yield Observation(pending, {sc.DB_CLIENT_CONNECTION_POOL_NAME: name})

    def _observe_max(self, options: CallbackOptions) -> Iterable[Observation]:
        for name, (_, _, _, maximum) in self._totals().items():
            if maximum is not None:
                yield Observation(maximum, {sc.DB_CLIENT_CONNECTION_POOL_NAME: name})


_by_provider: weakref.WeakKeyDictionary[MeterProvider, Instruments] = weakref.WeakKeyDictionary()
_global: list[Instruments] = []
_registry_lock = threading.Lock()


def instruments_for(meter_provider: MeterProvider | None, version: str) -> Instruments:
    """The shared ``Instruments`` of ``meter_provider`` (None: the global provider)."""
    with _registry_lock:
        if meter_provider is None:
            if not _global:
                meter = metrics.get_meter(sc.SCOPE_NAME, version, schema_url=sc.SCHEMA_URL)
                _global.append(Instruments(meter))
            return _global[0]
        found = _by_provider.get(meter_provider)
        if found is None:
            meter = meter_provider.get_meter(sc.SCOPE_NAME, version, schema_url=sc.SCHEMA_URL)
            found = _by_provider[meter_provider] = Instruments(meter)
        return found


def _seconds(meter: Meter, name: str, description: str) -> _Live:
    """A histogram of seconds with the semantic conventions' duration buckets."""
    return _Live(
        meter.create_histogram(
            name,
            unit="s",
            description=description,
            explicit_bucket_boundaries_advisory=sc.DURATION_BUCKETS,
        )
    )


class _Live:
    """A histogram, or None while it records nowhere, judged in one attribute test per read.

    The global meter's instruments are proxies until an SDK provider is set; then each
    gets a real instrument, which is taken and kept. A no-op one (a no-op provider, or no
    SDK) records nothing, so its callers skip building the point's attributes.
    """

    __slots__ = ("_noop", "_proxy", "histogram")

    def __init__(self, histogram: Histogram) -> None:
        self.histogram = histogram
        """The instrument to record to: the real one once a proxy has one."""
        self._proxy = hasattr(histogram, "_real_instrument")
        self._noop = isinstance(histogram, NoOpHistogram)

    def get(self) -> Histogram | None:
        if self._proxy:
            real: Histogram | None = self.histogram._real_instrument  # type: ignore[attr-defined]
            if real is None:
                return None
            self.histogram = real
            self._proxy = False
            self._noop = isinstance(real, NoOpHistogram)
        return None if self._noop else self.histogram
