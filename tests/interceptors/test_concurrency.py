"""Concurrency limit: per endpoint, per attempt, FIFO, deadline-bounded, adaptive (AIMD)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from virtual_loop import virtual_time

from qdpool import operations as ops
from qdpool.call import Call
from qdpool.classify import QUEUED, classify
from qdpool.endpoint import Endpoint
from qdpool.errors import DeadlineExceeded, QueueTimeout, Unavailable
from qdpool.events import NullObserver
from qdpool.interceptors.breaker import Breaker
from qdpool.interceptors.budget import RetryBudget
from qdpool.interceptors.concurrency import Concurrency, Limiter
from qdpool.interceptors.retry import Retry
from qdpool.pipeline import Pipeline
from qdpool.policies import (
    SERVER,
    BreakerPolicy,
    ConcurrencyPolicy,
    RetryBudgetPolicy,
    RetryPolicy,
)

ENDPOINT = Endpoint("127.0.0.1")
OTHER = Endpoint("127.0.0.2")


def make_call(
    timeout: float = 30.0,
    endpoint: Endpoint = ENDPOINT,
    clock: Callable[[], float] = time.monotonic,
) -> Call:
    return Call(ops.COUNT, "docs", "rest", {}, None, clock() + timeout, endpoint)


class Gate:
    """A handler that holds every attempt until released, recording the peak in flight."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.in_flight = 0
        self.peak = 0
        self.order: list[int] = []

    async def __call__(self, call: Call) -> Any:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await self.open.wait()
            self.order.append(call.attempt)
            return call.attempt
        finally:
            self.in_flight -= 1


class Waits(NullObserver):
    def __init__(self) -> None:
        self.waits: list[float] = []

    def on_concurrency_wait(self, call: Call, seconds: float) -> None:
        self.waits.append(seconds)


async def test_limit_holds_and_waiters_are_served_in_order() -> None:
    gate = Gate()
    waits = Waits()
    concurrency = Concurrency(ConcurrencyPolicy(limit=3), observer=waits)
    pipeline = Pipeline([concurrency], gate)
    calls = [make_call() for _ in range(10)]
    for i, call in enumerate(calls):
        call.attempt = i  # a label to check the order by
    tasks = [asyncio.create_task(pipeline(call)) for call in calls]  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    limiter = concurrency.limiter(ENDPOINT)
    assert gate.in_flight == 3 and limiter.in_flight == 3 and limiter.waiting == 7
    assert "3/3 in flight, 7 waiting" in repr(limiter)
    gate.open.set()
    assert await asyncio.gather(*tasks) == list(range(10))
    assert gate.peak == 3
    assert gate.order[:3] == [0, 1, 2] and sorted(gate.order[3:]) == gate.order[3:]
    assert limiter.in_flight == 0 and len(waits.waits) == 7


async def test_limits_are_per_endpoint() -> None:
    gate = Gate()
    pipeline = Pipeline([Concurrency(ConcurrencyPolicy(limit=1))], gate)
    tasks = [
        asyncio.create_task(pipeline(make_call(endpoint=e)))  # type: ignore[arg-type]
        for e in (ENDPOINT, OTHER, ENDPOINT)
    ]
    await asyncio.sleep(0.01)
    assert gate.in_flight == 2
    gate.open.set()
    await asyncio.gather(*tasks)


@virtual_time
async def test_waiting_is_bounded_by_the_deadline() -> None:
    clock = asyncio.get_running_loop().time
    gate = Gate()
    pipeline = Pipeline([Concurrency(ConcurrencyPolicy(limit=1), clock=clock)], gate)
    holder = asyncio.create_task(pipeline(make_call(clock=clock)))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    start = clock()
    with pytest.raises(DeadlineExceeded) as caught:
        await pipeline(make_call(timeout=0.05, clock=clock))
    assert clock() - start == pytest.approx(0.05, abs=1e-3)
    assert caught.value.sent is False
    gate.open.set()
    await holder
    assert gate.peak == 1


async def test_a_call_already_out_of_time_does_not_queue() -> None:
    gate = Gate()
    pipeline = Pipeline([Concurrency(ConcurrencyPolicy(limit=1))], gate)
    holder = asyncio.create_task(pipeline(make_call()))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    with pytest.raises(DeadlineExceeded):
        await pipeline(make_call(timeout=-1))
    gate.open.set()
    await holder


async def test_a_cancelled_waiter_gives_its_turn_away() -> None:
    gate = Gate()
    concurrency = Concurrency(ConcurrencyPolicy(limit=1))
    pipeline = Pipeline([concurrency], gate)
    first = asyncio.create_task(pipeline(make_call()))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    second = asyncio.create_task(pipeline(make_call()))  # type: ignore[arg-type]
    third = asyncio.create_task(pipeline(make_call()))  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    second.cancel()
    gate.open.set()
    await first
    await third
    with pytest.raises(asyncio.CancelledError):
        await second
    assert concurrency.limiter(ENDPOINT).in_flight == 0


async def test_no_slot_is_held_during_a_retry_backoff() -> None:
    """With limit 1, a call sleeping before its retry must not block another call."""
    concurrency = Concurrency(ConcurrencyPolicy(limit=1))
    limiter = concurrency.limiter(ENDPOINT)
    backing_off = asyncio.Event()
    resume = asyncio.Event()
    held_during_backoff: list[int] = []

    async def sleep(seconds: float) -> None:
        held_during_backoff.append(limiter.in_flight)
        backing_off.set()
        await resume.wait()

    failures = iter([True])

    async def handler(call: Call) -> Any:
        if call.collection == "flaky" and next(failures, False):
            raise Unavailable("down", protocol="rest", status=503)
        return call.collection

    retry = Retry(RetryPolicy(), sleep=sleep, random=lambda: 0.5)
    pipeline = Pipeline([retry, concurrency], handler)
    flaky = make_call()
    flaky.collection = "flaky"
    task = asyncio.create_task(pipeline(flaky))  # type: ignore[arg-type]
    await backing_off.wait()
    other = make_call()
    other.collection = "other"
    assert await asyncio.wait_for(pipeline(other), 1) == "other"
    resume.set()
    assert await task == "flaky"
    assert held_during_backoff == [0]


async def test_adaptive_limit_shrinks_on_drops_and_grows_back() -> None:
    policy = ConcurrencyPolicy(limit=10, adaptive=True, min_limit=2, max_limit=12)
    limiter = Limiter(policy)
    for _ in range(5):
        limiter.on_result(True, 10)
    assert limiter.limit == 5  # 10 x 0.9^5 = 5.9
    for _ in range(30):
        limiter.on_result(True, 10)
    assert limiter.limit == 2  # never below min_limit
    limiter.on_result(False, 0)
    assert limiter.limit == 2  # growth needs the limit to be in use
    for _ in range(20):
        limiter.on_result(False, limiter.limit)
    assert limiter.limit == 12  # never above max_limit


async def test_adaptive_interceptor_reacts_to_errors_and_latency() -> None:
    clock_now = [0.0]
    policy = ConcurrencyPolicy(limit=8, adaptive=True, latency_threshold=1.0)
    concurrency = Concurrency(policy, clock=lambda: clock_now[0])
    mode = {"fail": True, "latency": 0.0}

    async def handler(call: Call) -> Any:
        clock_now[0] += mode["latency"]
        await asyncio.sleep(0)
        if mode["fail"]:
            raise Unavailable("overloaded", protocol="rest", status=503)
        return 1

    pipeline = Pipeline([concurrency], handler)
    for _ in range(3):
        with pytest.raises(Unavailable):
            await pipeline(make_call())
    limiter = concurrency.limiter(ENDPOINT)
    assert limiter.limit == 5  # 8 x 0.9^3 = 5.8
    mode.update(fail=False, latency=2.0)
    await pipeline(make_call())
    assert limiter.limit == 5  # 5.8 x 0.9 = 5.2: slow counts as a drop
    mode["latency"] = 0.0
    tasks = [asyncio.create_task(pipeline(make_call())) for _ in range(20)]  # type: ignore[arg-type]
    await asyncio.gather(*tasks)
    assert limiter.limit > 5


def test_policy_defaults_and_validation() -> None:
    policy = ConcurrencyPolicy()
    assert policy.limit == SERVER and policy.sized_from_server
    assert policy.limit_for(8) == 16  # 2 x the node's cores
    assert policy.limit_for(None) == 64  # cores unknown: the fallback
    assert policy.replace(per_core=3, fallback_limit=10).limit_for(None) == 10
    assert policy.replace(per_core=3).limit_for(4) == 12
    fixed = ConcurrencyPolicy(limit=5)
    assert not fixed.sized_from_server and fixed.limit_for(8) == 5 and fixed.limit_for(None) == 5
    adaptive = ConcurrencyPolicy(adaptive=True, min_limit=4, max_limit=20)
    assert adaptive.limit_for(1) == 4 and adaptive.limit_for(64) == 20  # within the bounds
    assert adaptive.limit_for(None) == 20
    for bad in (
        {"limit": 0},
        {"limit": "auto"},
        {"limit": True},
        {"per_core": 0},
        {"fallback_limit": 0},
        {"limit": 5, "adaptive": True, "min_limit": 6},
        {"backoff_ratio": 1.0},
    ):
        with pytest.raises(ValueError):
            ConcurrencyPolicy(**bad)  # type: ignore[arg-type]


def test_a_limiter_starts_at_the_given_limit_or_the_fallback() -> None:
    assert Limiter(ConcurrencyPolicy(limit=7)).limit == 7
    sized = Limiter(ConcurrencyPolicy())
    assert sized.limit == 64 and "fallback" in repr(sized)


async def test_set_limit_resizes_a_node_and_lets_waiters_in() -> None:
    gate = Gate()
    concurrency = Concurrency(ConcurrencyPolicy())
    limiter = concurrency.set_limit(ENDPOINT, 2, sized="2 x 1 cores (GET /telemetry)")
    assert concurrency.limiter(ENDPOINT) is limiter and limiter.limit == 2
    assert concurrency.limiter(OTHER).limit == 64  # a node not sized keeps the fallback
    pipeline = Pipeline([concurrency], gate)
    tasks = [asyncio.create_task(pipeline(make_call())) for _ in range(6)]  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    assert gate.in_flight == 2 and limiter.waiting == 4
    assert concurrency.set_limit(ENDPOINT, 5, sized="given") is limiter
    await asyncio.sleep(0)
    assert gate.in_flight == 5 and limiter.waiting == 1  # the limit grew: three more went
    assert "5/5 in flight, 1 waiting; limit given" in repr(limiter)
    assert "2 x each node's cores (fallback 64)" in repr(concurrency)
    gate.open.set()
    await asyncio.gather(*tasks)
    with pytest.raises(ValueError):
        limiter.resize(0, "given")


class FakeClock:
    """An injected clock the handlers move on purpose (the waits themselves stay real)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_queue_wait_does_not_eat_the_per_try_timeout() -> None:
    """The attempt that queued still gets its whole per-try timeout once it has a slot."""
    clock = FakeClock()
    release = asyncio.Event()
    budgets: dict[str, float] = {}

    async def handler(call: Call) -> Any:
        if call.collection == "holder":
            await release.wait()
            clock.now += 0.4  # the holder took 0.4 s: longer than the other's per-try timeout
        budgets[str(call.collection)] = call.attempt_deadline - clock()
        return call.collection

    retry = Retry(RetryPolicy(per_try_timeout=0.25), clock=clock)
    concurrency = Concurrency(ConcurrencyPolicy(limit=1), clock=clock)
    pipeline = Pipeline([retry, concurrency], handler)
    holder = Call(ops.COUNT, "holder", "rest", {}, None, clock() + 1.0, ENDPOINT)
    queued = Call(ops.COUNT, "queued", "rest", {}, None, clock() + 1.0, ENDPOINT)
    tasks = [asyncio.create_task(pipeline(c)) for c in (holder, queued)]  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    release.set()
    assert await asyncio.gather(*tasks) == ["holder", "queued"]
    assert budgets["queued"] == pytest.approx(0.25)  # not 0.25 - 0.4: the wait did not count
    assert retry.retries == 0


async def test_the_moved_attempt_deadline_never_passes_the_call_deadline() -> None:
    clock = FakeClock()
    release = asyncio.Event()
    seen: list[float] = []

    async def handler(call: Call) -> Any:
        if call.collection == "holder":
            await release.wait()
            clock.now += 0.9
        else:
            seen.append(call.attempt_deadline - call.deadline)
        return 1

    retry = Retry(RetryPolicy(per_try_timeout=0.25), clock=clock)
    pipeline = Pipeline([retry, Concurrency(ConcurrencyPolicy(limit=1), clock=clock)], handler)
    holder = Call(ops.COUNT, "holder", "rest", {}, None, clock() + 5.0, ENDPOINT)
    queued = Call(ops.COUNT, "queued", "rest", {}, None, clock() + 1.0, ENDPOINT)
    tasks = [asyncio.create_task(pipeline(c)) for c in (holder, queued)]  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(*tasks)
    assert seen == [0.0]  # 0.9 s waited + 0.25 s per try would end past the call's 1.0 s


@virtual_time
async def test_a_deadline_spent_in_the_queue_is_a_queue_timeout_not_retried_nor_counted() -> None:
    """The recipe's failure: a queue wait must not spend retry budget or blame the node."""
    clock = asyncio.get_running_loop().time
    gate = Gate()
    budget = RetryBudget(RetryBudgetPolicy(ratio=0.2, min_per_second=0.0), clock=clock)
    retry = Retry(RetryPolicy(per_try_timeout=0.02, base=0.001, cap=0.001), budget, clock=clock)
    breaker = Breaker(BreakerPolicy(minimum_calls=1, failure_ratio=0.5), clock=clock)
    concurrency = Concurrency(ConcurrencyPolicy(limit=1), clock=clock)
    pipeline = Pipeline([retry, breaker, concurrency], gate)
    holder = asyncio.create_task(pipeline(make_call(clock=clock)))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    balance = budget.balance
    start = clock()
    with pytest.raises(DeadlineExceeded) as caught:
        await pipeline(make_call(timeout=0.1, clock=clock))
    error = caught.value
    assert isinstance(error, QueueTimeout) and error.queue == "concurrency"
    assert error.sent is False and error.status is None
    # the call's 0.1 s, not the 0.02 s per try
    assert error.waited == pytest.approx(0.1, abs=1e-3) == clock() - start
    assert "waited 0.1" in str(error) and "for one of 1 concurrency slots to 127.0.0.1" in str(
        error
    )
    assert classify(error) is QUEUED and not QUEUED.retryable and not QUEUED.counted
    assert retry.retries == 0 and budget.exhausted == 0
    assert budget.balance == pytest.approx(balance + 0.2)  # only the call's own deposit
    assert breaker.state(ENDPOINT, "rest") == "closed"
    assert "calls=0 failures=0" in repr(breaker.get(ENDPOINT, "rest"))
    gate.open.set()
    await holder
    assert "calls=1 failures=0" in repr(breaker.get(ENDPOINT, "rest"))


async def test_an_idempotent_call_out_of_time_in_the_queue_is_not_retried_by_default() -> None:
    """Default policies, as a user has them: the queue wait ends the call, once."""
    gate = Gate()
    failed: list[tuple[BaseException, bool]] = []

    class Seen(NullObserver):
        def on_attempt_failed(self, call: Call, error: BaseException, will_retry: bool) -> None:
            failed.append((error, will_retry))

    retry = Retry(RetryPolicy(), RetryBudget(RetryBudgetPolicy()), observer=Seen())
    pipeline = Pipeline([retry, Concurrency(ConcurrencyPolicy(limit=1))], gate)
    holder = asyncio.create_task(pipeline(make_call()))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    with pytest.raises(QueueTimeout):
        await pipeline(make_call(timeout=0.05))
    assert [(type(e), again) for e, again in failed] == [(QueueTimeout, False)]
    gate.open.set()
    await holder


async def test_a_slot_that_comes_with_no_time_left_is_not_used() -> None:
    clock = FakeClock()
    release = asyncio.Event()
    sent: list[str] = []

    async def handler(call: Call) -> Any:
        sent.append(str(call.collection))
        await release.wait()
        clock.now += 2.0  # the holder outlived the queued call's whole deadline
        return 1

    concurrency = Concurrency(ConcurrencyPolicy(limit=1), clock=clock)
    pipeline = Pipeline([concurrency], handler)
    holder = Call(ops.COUNT, "holder", "rest", {}, None, clock() + 5.0, ENDPOINT)
    queued = Call(ops.COUNT, "queued", "rest", {}, None, clock() + 1.0, ENDPOINT)
    first = asyncio.create_task(pipeline(holder))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    second = asyncio.create_task(pipeline(queued))  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    release.set()
    assert await first == 1
    with pytest.raises(QueueTimeout, match="no time left to send") as caught:
        await second
    assert caught.value.waited == pytest.approx(2.0) and caught.value.sent is False
    assert sent == ["holder"] and concurrency.limiter(ENDPOINT).in_flight == 0


@virtual_time
async def test_queued_callers_time_out_at_their_own_deadlines_on_one_timer() -> None:
    """The queue's one timer serves every deadline in turn, in any order of arrival."""
    loop = asyncio.get_running_loop()
    limiter = Limiter(ConcurrencyPolicy(limit=1))
    assert limiter.try_acquire()
    ended: dict[float, float] = {}

    async def wait(timeout: float) -> None:
        try:
            await limiter.acquire(timeout)
        except TimeoutError:
            ended[timeout] = loop.time()

    waits = [asyncio.create_task(wait(t)) for t in (0.3, 0.1, 0.2)]
    await asyncio.sleep(0)
    assert limiter.waiting == 3
    await asyncio.gather(*waits)
    assert ended == {t: pytest.approx(t, abs=2e-3) for t in (0.1, 0.2, 0.3)}
    assert limiter.waiting == 0 and limiter._expiry is None
    assert limiter.in_flight == 1  # the holder's slot; nobody timed out holding one


@virtual_time
async def test_a_caller_served_before_its_deadline_leaves_the_timer_to_the_rest() -> None:
    loop = asyncio.get_running_loop()
    limiter = Limiter(ConcurrencyPolicy(limit=1))
    assert limiter.try_acquire()
    served = asyncio.create_task(limiter.acquire(0.1))
    late = asyncio.create_task(limiter.acquire(0.5))
    await asyncio.sleep(0.05)
    limiter.release()  # the slot goes to the first in line
    await served
    assert limiter.in_flight == 1 and limiter.waiting == 1
    with pytest.raises(TimeoutError):
        await late
    assert loop.time() == pytest.approx(0.5, abs=2e-3)
    limiter.release()
    assert limiter.in_flight == 0 and limiter._expiry is None


@virtual_time
async def test_a_cancelled_waiter_leaves_the_queue_and_its_timer() -> None:
    limiter = Limiter(ConcurrencyPolicy(limit=1))
    assert limiter.try_acquire()
    waiter = asyncio.create_task(limiter.acquire(10.0))
    await asyncio.sleep(0)
    assert limiter._expiry is not None
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limiter.waiting == 0 and limiter._expiry is None
    limiter.release()
    assert limiter.try_acquire()
