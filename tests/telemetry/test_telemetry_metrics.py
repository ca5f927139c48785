"""Metrics: operation duration, pool gauges and qdpool's own counters; observer events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from telemetry_support import ENDPOINT, MiniHedge, Otel, make_rig

from qdpool.call import Call
from qdpool.config import PoolConfig
from qdpool.errors import NotFound, Unavailable
from qdpool.events import NullObserver
from qdpool.interceptors.budget import RetryBudget
from qdpool.interceptors.retry import Retry
from qdpool.operations import COUNT, QUERY_POINTS
from qdpool.policies import RetryBudgetPolicy, RetryPolicy
from qdpool.telemetry import CompositeObserver, Telemetry, combine
from qdpool.telemetry.metrics import instruments_for

BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)


async def test_operation_duration_histogram(otel: Otel) -> None:
    rig = make_rig(otel, lambda call: 1)
    await rig.run(COUNT)
    await rig.run(COUNT)
    [point] = otel.points("db.client.operation.duration")
    assert point.count == 2
    assert tuple(point.explicit_bounds) == BUCKETS
    assert dict(point.attributes) == {
        "db.system.name": "qdrant",
        "db.operation.name": "count",
        "db.collection.name": "docs",
        "server.address": "db.example",
        "server.port": 6333,
        "qdpool.protocol": "rest",
    }
    metric = otel.metrics()["db.client.operation.duration"]
    assert metric.unit == "s"


async def test_failed_operations_carry_error_attributes(otel: Otel) -> None:
    def fail(call: Call) -> Any:
        raise NotFound("gone", protocol="grpc", status="NOT_FOUND")

    rig = make_rig(otel, fail)
    with pytest.raises(NotFound):
        await rig.run(QUERY_POINTS, protocol="grpc")
    [point] = otel.points("db.client.operation.duration")
    attrs = dict(point.attributes)
    assert attrs["error.type"] == "NOT_FOUND"
    assert attrs["db.response.status_code"] == "NOT_FOUND"
    assert attrs["server.port"] == 6334
    assert attrs["qdpool.protocol"] == "grpc"


async def test_retries_and_budget_exhaustion_are_counted(otel: Otel) -> None:
    def fail(call: Call) -> Any:
        raise Unavailable("down", protocol="rest", status=503)

    async def no_sleep(_: float) -> None:
        return None

    policy = RetryPolicy(max_attempts=3, base=0.0001, cap=0.0001, jitter="none")
    budget = RetryBudget(RetryBudgetPolicy(ratio=0.0, min_per_second=0.1, ttl=10.0))

    rig = make_rig(
        otel, fail, lambda observer: [Retry(policy, budget, observer=observer, sleep=no_sleep)]
    )
    with pytest.raises(Exception) as raised:
        await rig.run(COUNT)
    assert type(raised.value).__name__ == "RetryBudgetExhausted"
    assert sum(p.value for p in otel.points("qdpool.client.retries")) == 1
    [exhausted] = otel.points("qdpool.client.retry_budget.exhausted")
    assert exhausted.value == 1
    assert dict(exhausted.attributes)["db.operation.name"] == "count"
    span = otel.span("count docs")
    assert [e.name for e in span.events] == [
        "qdpool.attempt.failed",
        "qdpool.retry.backoff",
        "qdpool.attempt.failed",
        "qdpool.retry.budget_exhausted",
    ]
    assert (span.attributes or {})["error.type"] == "503"


async def test_hedges_sent_and_won_are_spans_events_and_counters(otel: Otel) -> None:
    async def first_is_slow(call: Call) -> Any:
        if call.attempt == 0:
            await asyncio.sleep(1)
        return call.attempt

    rig = make_rig(otel, first_is_slow, lambda observer: [MiniHedge(0.01, observer)])
    assert await rig.run(QUERY_POINTS) == 1
    call_span = otel.span("query_points docs")
    attempts = [s for s in otel.spans() if s is not call_span]
    assert len(attempts) == 2
    assert all(
        a.parent is not None and a.parent.span_id == call_span.context.span_id for a in attempts
    )
    loser = next(a for a in attempts if (a.attributes or {})["qdpool.attempt"] == 0)
    assert (loser.attributes or {})["qdpool.cancelled"] is True
    assert [e.name for e in call_span.events] == ["qdpool.hedge.sent", "qdpool.hedge.won"]
    assert [p.value for p in otel.points("qdpool.client.hedges.sent")] == [1]
    assert [p.value for p in otel.points("qdpool.client.hedges.won")] == [1]
    # the two attempts carried different traceparents, each naming its own span
    parents = {h["traceparent"].split("-")[2] for h in rig.headers}
    assert parents == {f"{a.context.span_id:016x}" for a in attempts}


async def test_observer_hooks_become_events_on_the_current_span(otel: Otel) -> None:
    telemetry = Telemetry(tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider)
    observer = telemetry.observer
    call = Call(COUNT, "docs", "grpc", None, None, 1e12, ENDPOINT)
    tracer = otel.tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("host"):
        observer.on_breaker_rejected(call)
        observer.on_breaker_state(str(ENDPOINT), "grpc", "closed", "open")
        observer.on_rate_limit_wait(call, 0.25)
        observer.on_concurrency_wait(call, 0.125)
        observer.on_fallback(call, "grpc", "rest")
    span = otel.span("host")
    events = {e.name: dict(e.attributes or {}) for e in span.events}
    assert events["qdpool.breaker.rejected"] == {"qdpool.attempt": 0, "qdpool.protocol": "grpc"}
    assert events["qdpool.breaker.state_change"]["qdpool.breaker.state"] == "open"
    assert events["qdpool.rate_limit.wait"]["qdpool.wait"] == 0.25
    assert events["qdpool.concurrency.wait"]["qdpool.wait"] == 0.125
    assert events["qdpool.fallback"]["qdpool.fallback.to"] == "rest"

    [rejections] = otel.points("qdpool.client.circuit_breaker.rejections")
    assert rejections.value == 1
    [change] = otel.points("qdpool.client.circuit_breaker.state_changes")
    assert dict(change.attributes)["qdpool.breaker.previous_state"] == "closed"
    [rate] = otel.points("qdpool.client.rate_limit.wait_time")
    assert rate.sum == 0.25
    [wait] = otel.points("db.client.connection.wait_time")
    assert wait.sum == 0.125
    assert dict(wait.attributes)["db.client.connection.pool.name"] == "db.example:6334/grpc"
    [fallback] = otel.points("qdpool.client.fallbacks")
    assert dict(fallback.attributes)["qdpool.fallback.from"] == "grpc"


def test_observer_outside_a_recording_span_only_counts(otel: Otel) -> None:
    telemetry = Telemetry(tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider)
    call = Call(COUNT, "docs", "rest", None, None, 1e12, ENDPOINT)
    assert not trace.get_current_span().is_recording()
    telemetry.observer.on_hedge(call, 0.01)
    telemetry.observer.on_backoff(call, 0.01)
    assert [p.value for p in otel.points("qdpool.client.hedges.sent")] == [1]
    assert otel.spans() == []


class FakeRest:
    def __init__(self, stats: tuple[int, int, int] | None) -> None:
        self.stats = stats

    def pool_stats(self) -> tuple[int, int, int] | None:
        return self.stats


class FakeGrpc:
    def __init__(self, in_flight: list[int]) -> None:
        self.in_flight = in_flight


def test_pool_gauges_report_idle_used_pending_and_max(otel: Otel) -> None:
    telemetry = Telemetry(tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider)
    config = PoolConfig(grpc_channels=3, rest_connections=8)
    telemetry.watch_pools(
        ENDPOINT, {"rest": FakeRest((5, 2, 1)), "grpc": FakeGrpc([0, 4, 1])}, config
    )
    pool, state = "db.client.connection.pool.name", "db.client.connection.state"
    counts = {
        (p.attributes[pool], p.attributes[state]): p.value
        for p in otel.points("db.client.connection.count")
    }
    assert counts == {
        ("db.example:6333/rest", "idle"): 5,
        ("db.example:6333/rest", "used"): 2,
        ("db.example:6334/grpc", "idle"): 1,
        ("db.example:6334/grpc", "used"): 2,
    }
    pending = {
        p.attributes["db.client.connection.pool.name"]: p.value
        for p in otel.points("db.client.connection.pending_requests")
    }
    assert pending == {"db.example:6333/rest": 1, "db.example:6334/grpc": 0}
    maximum = {
        p.attributes["db.client.connection.pool.name"]: p.value
        for p in otel.points("db.client.connection.max")
    }
    assert maximum == {"db.example:6333/rest": 8, "db.example:6334/grpc": 3}

    # a second client to the same node adds to the same pool name; closing removes it
    second = Telemetry(tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider)
    second.watch_pools(ENDPOINT, {"rest": FakeRest((1, 1, 0))}, config)
    idle = {
        p.attributes["db.client.connection.pool.name"]: p.value
        for p in otel.points("db.client.connection.count")
        if p.attributes["db.client.connection.state"] == "idle"
    }
    assert idle["db.example:6333/rest"] == 6
    second.close()
    telemetry.close()
    closed = otel.points("db.client.connection.count")
    assert all(p.value == 0 for p in closed) or closed == []


def test_closed_transports_and_failing_stats_are_skipped(otel: Otel) -> None:
    class Broken:
        def pool_stats(self) -> tuple[int, int, int]:
            raise RuntimeError("boom")

    telemetry = Telemetry(tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider)
    telemetry.watch_pools(ENDPOINT, {"rest": Broken(), "grpc": FakeRest(None)})
    assert otel.points("db.client.connection.count") == []


def test_instruments_are_shared_per_meter_provider() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    assert instruments_for(provider, "1") is instruments_for(provider, "1")
    other = MeterProvider(metric_readers=[InMemoryMetricReader()])
    assert instruments_for(other, "1") is not instruments_for(provider, "1")
    assert instruments_for(None, "1") is instruments_for(None, "1")


def test_composite_observer_fans_out_and_isolates_failures() -> None:
    seen: list[str] = []

    class Counting(NullObserver):
        def on_hedge(self, call: Call, delay: float) -> None:
            seen.append(f"hedge {delay}")

    class Failing(NullObserver):
        def on_hedge(self, call: Call, delay: float) -> None:
            raise RuntimeError("observer bug")

    class Partial:
        """Implements one hook only."""

        def on_backoff(self, call: Call, delay: float) -> None:
            seen.append("backoff")

    composite = CompositeObserver([Failing(), Counting(), Partial()])  # type: ignore[list-item]
    call = Call(COUNT, "docs", "rest", None, None, 1e12, ENDPOINT)
    composite.on_hedge(call, 0.5)
    composite.on_backoff(call, 0.1)
    composite.on_breaker_state("e", "rest", "closed", "open")
    assert seen == ["hedge 0.5", "backoff"]
    for hook in [n for n in dir(NullObserver) if n.startswith("on_")]:
        assert callable(getattr(composite, hook)), hook


def test_combine() -> None:
    a, b = NullObserver(), NullObserver()
    assert combine(None, None) is None
    assert combine(a, None) is a
    both = combine(a, b)
    assert isinstance(both, CompositeObserver) and both.observers == (a, b)
