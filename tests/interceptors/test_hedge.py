"""Hedged reads: who is hedged, when, within what budget, and that nothing is left behind."""

from __future__ import annotations

import asyncio
import contextvars
import time
from typing import Any

import pytest

import qdpool
from qdpool import operations as ops
from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import NotFound, Unavailable
from qdpool.events import NullObserver
from qdpool.interceptors.hedge import Hedge, LatencyTracker
from qdpool.operations.spec import Operation
from qdpool.pipeline import Pipeline
from qdpool.policies import HedgePolicy

ENDPOINT = Endpoint("127.0.0.1")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

FIXED = HedgePolicy(delay=0.005, max_extra_load=1.0, max_burst=1000)
"""Hedge every read after 5 ms (an unlimited budget, for tests about mechanics)."""


def make_call(op: Operation = ops.QUERY_POINTS, timeout: float = 10.0) -> Call:
    return Call(op, "docs", "grpc", {}, None, time.monotonic() + timeout, ENDPOINT)


class Events(NullObserver):
    def __init__(self) -> None:
        self.hedges: list[float] = []
        self.won = 0

    def on_hedge(self, call: Call, delay: float) -> None:
        self.hedges.append(delay)

    def on_hedge_won(self, call: Call) -> None:
        self.won += 1


class Server:
    """The primary (attempt 0) hangs until released; hedges answer at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.attempts: list[int] = []
        self.cancelled: list[int] = []
        self.contexts: list[str] = []
        self.primary_error: BaseException | None = None
        self.hedge_error: BaseException | None = None

    async def __call__(self, call: Call) -> Any:
        self.attempts.append(call.attempt)
        self.contexts.append(request_id.get())
        call.sent = True
        try:
            if call.attempt == 0:
                await self.release.wait()
                if self.primary_error is not None:
                    raise self.primary_error
                return "primary"
            await asyncio.sleep(0)
            if self.hedge_error is not None:
                raise self.hedge_error
            return "hedge"
        except asyncio.CancelledError:
            self.cancelled.append(call.attempt)
            raise


def tasks_now() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


async def test_slow_read_is_hedged_and_the_loser_is_cancelled_and_awaited() -> None:
    before = tasks_now()
    events = Events()
    hedge = Hedge(FIXED, observer=events)
    server = Server()
    call = make_call()
    request_id.set("caller-1")
    assert await Pipeline([hedge], server)(call) == "hedge"
    assert server.attempts == [0, 1]
    assert server.cancelled == [0]  # the primary was cancelled, and had finished by now
    assert tasks_now() == before  # nothing left behind
    assert events.hedges == [0.005] and events.won == 1
    assert (hedge.sent, hedge.won, hedge.reads) == (1, 1, 1)
    assert call.attempt == 1 and call.sent  # the next retry numbers on from the hedge
    assert server.contexts == ["caller-1", "caller-1"]  # the caller's contextvars


async def test_fast_read_is_not_hedged() -> None:
    hedge = Hedge(FIXED)
    server = Server()
    server.release.set()
    assert await Pipeline([hedge], server)(make_call()) == "primary"
    assert server.attempts == [0] and hedge.sent == 0


@pytest.mark.parametrize("op", [ops.UPSERT, ops.DELETE_POINTS, ops.CREATE_COLLECTION])
async def test_writes_are_never_hedged(op: Operation) -> None:
    hedge = Hedge(FIXED)
    server = Server()

    async def later() -> None:
        await asyncio.sleep(0.03)
        server.release.set()

    releaser = asyncio.create_task(later())
    assert await Pipeline([hedge], server)(make_call(op)) == "primary"
    await releaser
    assert server.attempts == [0] and hedge.sent == 0 and hedge.reads == 0


async def test_primary_failing_after_the_hedge_went_out_waits_for_the_hedge() -> None:
    server = Server()
    server.primary_error = Unavailable("reset", protocol="grpc", status="UNAVAILABLE")
    server.hedge_error = None

    async def handler(call: Call) -> Any:
        if call.attempt == 1:
            server.release.set()  # the primary fails while the hedge is in flight
            await asyncio.sleep(0.01)
        return await server(call)

    assert await Pipeline([Hedge(FIXED)], handler)(make_call()) == "hedge"


async def test_both_failing_raises_the_first_error() -> None:
    server = Server()
    server.hedge_error = NotFound("gone", protocol="grpc", status="NOT_FOUND")
    server.primary_error = Unavailable("reset", protocol="grpc", status="UNAVAILABLE")

    async def handler(call: Call) -> Any:
        try:
            return await server(call)
        finally:
            asyncio.get_running_loop().call_later(0.01, server.release.set)

    with pytest.raises(NotFound):
        await Pipeline([Hedge(FIXED)], handler)(make_call())


async def test_primary_failing_before_the_delay_is_not_hedged() -> None:
    server = Server()
    server.primary_error = Unavailable("down", protocol="grpc", status="UNAVAILABLE")
    server.release.set()
    hedge = Hedge(FIXED)
    with pytest.raises(Unavailable):
        await Pipeline([hedge], server)(make_call())
    assert server.attempts == [0] and hedge.sent == 0


async def test_cancelling_the_caller_cancels_and_awaits_both_attempts() -> None:
    before = tasks_now()
    server = Server()

    async def handler(call: Call) -> Any:
        if call.attempt == 1:
            await asyncio.Event().wait()  # the hedge hangs too
        return await server(call)

    task = asyncio.create_task(Pipeline([Hedge(FIXED)], handler)(make_call()))  # type: ignore[arg-type]
    await asyncio.sleep(0.03)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert server.cancelled == [0]
    assert tasks_now() == before


async def test_a_deadline_shorter_than_the_delay_means_no_hedge() -> None:
    hedge = Hedge(HedgePolicy(delay=1.0, max_extra_load=1.0))
    server = Server()
    server.release.set()
    await Pipeline([hedge], server)(make_call(timeout=0.5))
    assert hedge.sent == 0


async def test_budget_keeps_hedges_within_the_extra_load() -> None:
    hedge = Hedge(HedgePolicy(delay=0.0, max_extra_load=0.05))
    sent = 0

    async def always_slow(call: Call) -> Any:
        nonlocal sent
        sent += 1
        await asyncio.sleep(0.001 if call.attempt == 0 else 0)
        return 1

    pipeline = Pipeline([hedge], always_slow)
    for _ in range(400):
        await pipeline(make_call())
    assert hedge.sent == 20  # exactly 5% of 400 reads
    assert sent == 420


async def test_delay_follows_the_observed_p95_after_min_samples() -> None:
    policy = HedgePolicy(min_samples=50, max_extra_load=1.0, max_burst=1000)
    hedge = Hedge(policy)
    assert hedge.delay_for(ops.QUERY_POINTS, "grpc") is None
    tracker = hedge.tracker(ops.QUERY_POINTS, "grpc", policy.percentile)
    for i in range(100):
        tracker.add(0.001 * (i + 1))  # 1 ms .. 100 ms
    delay = hedge.delay_for(ops.QUERY_POINTS, "grpc")
    assert delay == pytest.approx(0.095, abs=0.004)  # refreshed every 32 samples
    assert hedge.delay_for(ops.QUERY_POINTS, "rest") is None  # per protocol
    assert hedge.delay_for(ops.COUNT, "grpc") is None  # per operation


async def test_no_hedging_before_latencies_are_known() -> None:
    hedge = Hedge(HedgePolicy(min_samples=5, max_extra_load=1.0, max_burst=1000))
    calls = 0

    async def handler(call: Call) -> Any:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05 if calls == 6 and call.attempt == 0 else 0)
        return call.attempt

    pipeline = Pipeline([hedge], handler)
    for _ in range(5):
        assert await pipeline(make_call()) == 0
    assert hedge.sent == 0
    assert await pipeline(make_call()) == 1  # the sixth is slow: hedged, and the hedge wins
    assert hedge.sent == 1


def test_latency_tracker_keeps_a_bounded_window() -> None:
    tracker = LatencyTracker(95.0)
    for _ in range(2000):
        tracker.add(1.0)
    for _ in range(600):
        tracker.add(0.01)
    assert tracker.value == pytest.approx(0.01)
    assert tracker.count == 2600


async def test_override_turns_hedging_on_or_off_per_call() -> None:
    hedge = Hedge(FIXED)
    server = Server()
    with qdpool.override(hedge=None):
        task = asyncio.create_task(Pipeline([hedge], server)(make_call()))  # type: ignore[arg-type]
        await asyncio.sleep(0.02)
        server.release.set()
        assert await task == "primary"
    assert hedge.sent == 0


def test_policy_validation() -> None:
    policy = HedgePolicy()
    assert (policy.delay, policy.percentile, policy.max_extra_load) == (None, 95.0, 0.05)
    with pytest.raises(ValueError):
        HedgePolicy(percentile=100)
    with pytest.raises(ValueError):
        HedgePolicy(max_extra_load=1.5)
    with pytest.raises(ValueError):
        HedgePolicy(delay=-1)
    with pytest.raises(TypeError), qdpool.override(hedge=FIXED.replace):  # type: ignore[arg-type]
        pass
