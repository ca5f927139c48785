"""The circuit breaker: its state machine (fake clock), the interceptor, and the classifier."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from qdpool import operations as ops
from qdpool.call import Call
from qdpool.classify import (
    LOCAL,
    REJECTED,
    SERVER_ERROR,
    SUCCESS,
    THROTTLED,
    TRANSIENT,
    TRANSIENT_UNSENT,
    classify,
    may_retry,
)
from qdpool.endpoint import Endpoint
from qdpool.errors import (
    CircuitOpen,
    ClientClosed,
    DeadlineExceeded,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    RetryBudgetExhausted,
    ServerError,
    Unavailable,
)
from qdpool.events import NullObserver
from qdpool.interceptors.breaker import CLOSED, HALF_OPEN, OPEN, Breaker, CircuitBreaker
from qdpool.pipeline import Pipeline
from qdpool.policies import BreakerPolicy

ENDPOINT = Endpoint("127.0.0.1")
OTHER = Endpoint("127.0.0.2")


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class States(NullObserver):
    def __init__(self) -> None:
        self.changes: list[tuple[str, str, str, str]] = []
        self.rejected = 0

    def on_breaker_state(self, endpoint: str, protocol: str, old: str, new: str) -> None:
        self.changes.append((endpoint, protocol, old, new))

    def on_breaker_rejected(self, call: Call) -> None:
        self.rejected += 1


POLICY = BreakerPolicy(minimum_calls=10, failure_ratio=0.5, open_duration=5, half_open_probes=2)


def feed(breaker: CircuitBreaker, outcomes: list[Any], duration: float = 0.01) -> None:
    for outcome in outcomes:
        generation = breaker.acquire()
        assert generation >= 0
        breaker.record(generation, outcome, duration)


def test_opens_on_failure_ratio_only_after_minimum_calls() -> None:
    clock = Clock()
    breaker = CircuitBreaker(POLICY, clock)
    feed(breaker, [TRANSIENT] * 9)
    assert breaker.state == CLOSED  # 9 calls < minimum 10
    feed(breaker, [TRANSIENT])
    assert breaker.state == OPEN
    assert breaker.acquire() == -1
    assert breaker.retry_in() == pytest.approx(5)


def test_stays_closed_below_the_ratio() -> None:
    breaker = CircuitBreaker(POLICY, Clock())
    feed(breaker, [SUCCESS, SUCCESS, TRANSIENT] * 10 + [TRANSIENT] * 9)
    assert breaker.state == CLOSED  # 19 failures of 39
    feed(breaker, [TRANSIENT])
    assert breaker.state == OPEN  # 20 failures of 40


def test_caller_errors_count_as_successes_and_throttling_is_ignored() -> None:
    breaker = CircuitBreaker(POLICY, Clock())
    feed(breaker, [REJECTED] * 10 + [THROTTLED] * 50 + [LOCAL] * 50 + [TRANSIENT] * 9)
    assert breaker.state == CLOSED  # 9 failures of 19 counted calls


def test_old_failures_leave_the_window() -> None:
    clock = Clock()
    breaker = CircuitBreaker(POLICY.replace(window=10), clock)
    feed(breaker, [TRANSIENT] * 9)
    clock.now += 11
    feed(breaker, [SUCCESS] * 9 + [TRANSIENT])
    assert breaker.state == CLOSED


def test_opens_on_slow_call_ratio() -> None:
    policy = POLICY.replace(slow_call_ratio=0.8, slow_call_duration=1.0)
    breaker = CircuitBreaker(policy, Clock())
    feed(breaker, [SUCCESS] * 2)
    feed(breaker, [SUCCESS] * 7, duration=1.5)
    assert breaker.state == CLOSED
    feed(breaker, [SUCCESS], duration=2.0)
    assert breaker.state == OPEN  # 8 of 10 slow


def test_half_open_lets_a_bounded_number_of_probes_through_then_closes() -> None:
    clock = Clock()
    changes: list[tuple[str, str]] = []
    breaker = CircuitBreaker(POLICY, clock, lambda old, new: changes.append((old, new)))
    feed(breaker, [TRANSIENT] * 10)
    clock.now += 4.9
    assert breaker.acquire() == -1
    clock.now += 0.2
    first, second = breaker.acquire(), breaker.acquire()
    assert first >= 0 and second >= 0
    assert breaker.state == HALF_OPEN
    assert breaker.acquire() == -1  # only two probes at once
    breaker.record(first, SUCCESS, 0.01)
    assert breaker.state == HALF_OPEN and breaker.acquire() == -1
    breaker.record(second, SUCCESS, 0.01)
    assert breaker.state == CLOSED
    assert changes == [(CLOSED, OPEN), (OPEN, HALF_OPEN), (HALF_OPEN, CLOSED)]


def test_a_failed_probe_opens_again() -> None:
    clock = Clock()
    breaker = CircuitBreaker(POLICY, clock)
    feed(breaker, [TRANSIENT] * 10)
    clock.now += 5
    probe = breaker.acquire()
    breaker.record(probe, SERVER_ERROR, 0.01)
    assert breaker.state == OPEN
    assert breaker.retry_in() == pytest.approx(5)


def test_a_probe_without_verdict_frees_its_slot() -> None:
    clock = Clock()
    breaker = CircuitBreaker(POLICY.replace(half_open_probes=1), clock)
    feed(breaker, [TRANSIENT] * 10)
    clock.now += 5
    probe = breaker.acquire()
    assert breaker.acquire() == -1
    breaker.record(probe, LOCAL, 0.01)  # e.g. cancelled by a hedge
    assert breaker.acquire() >= 0


def test_results_from_an_earlier_state_are_dropped() -> None:
    clock = Clock()
    breaker = CircuitBreaker(POLICY.replace(half_open_probes=1), clock)
    stale = breaker.acquire()
    feed(breaker, [TRANSIENT] * 10)
    clock.now += 5
    probe = breaker.acquire()
    breaker.record(stale, TRANSIENT, 0.01)  # started while closed, ends while half-open
    assert breaker.state == HALF_OPEN
    breaker.record(probe, SUCCESS, 0.01)
    assert breaker.state == CLOSED


def test_policy_defaults_and_validation() -> None:
    policy = BreakerPolicy()
    assert (policy.failure_ratio, policy.minimum_calls, policy.window) == (0.5, 20, 10.0)
    assert (policy.open_duration, policy.half_open_probes) == (5.0, 3)
    with pytest.raises(ValueError):
        BreakerPolicy(failure_ratio=0)
    with pytest.raises(ValueError):
        BreakerPolicy(failure_ratio=1.5)
    with pytest.raises(ValueError):
        BreakerPolicy(half_open_probes=0)
    with pytest.raises(ValueError):
        BreakerPolicy(window=0.5)


# ------------------------------------------------------------ the interceptor


def make_call(protocol: str = "grpc", endpoint: Endpoint = ENDPOINT) -> Call:
    return Call(ops.COUNT, "docs", protocol, {}, None, 1e12, endpoint)


class Server:
    def __init__(self) -> None:
        self.down = False
        self.sent: list[tuple[str, str]] = []

    async def __call__(self, call: Call) -> Any:
        self.sent.append((str(call.endpoint), call.protocol))
        if self.down:
            raise Unavailable("down", protocol=call.protocol, status="UNAVAILABLE", sent=False)
        return 1


async def test_open_breaker_fails_fast_and_sends_nothing() -> None:
    clock = Clock()
    states = States()
    breaker = Breaker(POLICY, clock=clock, observer=states)
    server = Server()
    pipeline = Pipeline([breaker], server)
    server.down = True
    for _ in range(10):
        with pytest.raises(Unavailable):
            await pipeline(make_call())
    assert states.changes == [(str(ENDPOINT), "grpc", CLOSED, OPEN)]
    sent = len(server.sent)
    with pytest.raises(CircuitOpen) as caught:
        await pipeline(make_call())
    assert len(server.sent) == sent  # nothing went out
    assert caught.value.sent is False and caught.value.protocol == "grpc"
    assert caught.value.retry_in == pytest.approx(5)
    assert states.rejected == 1 and breaker.rejected == 1
    # the other protocol and the other endpoint have breakers of their own
    server.down = False
    assert await pipeline(make_call("rest")) == 1
    assert await pipeline(make_call("grpc", OTHER)) == 1
    assert breaker.state(ENDPOINT, "grpc") == OPEN
    assert breaker.state(ENDPOINT, "rest") == CLOSED
    # recovery: after open_duration, probes go through and close it
    clock.now += 5
    assert breaker.state(ENDPOINT, "grpc") == HALF_OPEN
    assert await pipeline(make_call()) == 1
    assert await pipeline(make_call()) == 1
    assert breaker.state(ENDPOINT, "grpc") == CLOSED
    assert states.changes[-2:] == [
        (str(ENDPOINT), "grpc", OPEN, HALF_OPEN),
        (str(ENDPOINT), "grpc", HALF_OPEN, CLOSED),
    ]


async def test_interceptor_times_attempts_for_the_slow_call_ratio() -> None:
    clock = Clock()
    policy = POLICY.replace(slow_call_duration=1.0, slow_call_ratio=1.0, window=60)
    breaker = Breaker(policy, clock=clock)

    async def slow(call: Call) -> Any:
        clock.now += 1.5
        return 1

    pipeline = Pipeline([breaker], slow)
    for _ in range(10):
        await pipeline(make_call())
    with pytest.raises(CircuitOpen):
        await pipeline(make_call())


async def test_cancelled_probe_releases_its_slot() -> None:
    clock = Clock()
    breaker = Breaker(POLICY.replace(half_open_probes=1), clock=clock)
    gate = asyncio.Event()
    mode = {"down": True}

    async def handler(call: Call) -> Any:
        if mode["down"]:
            raise Unavailable("down", protocol="grpc", status="UNAVAILABLE")
        await gate.wait()
        return 1

    pipeline = Pipeline([breaker], handler)
    for _ in range(10):
        with pytest.raises(Unavailable):
            await pipeline(make_call())
    clock.now += 5
    mode["down"] = False
    probe = asyncio.create_task(pipeline(make_call()))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    with pytest.raises(CircuitOpen):
        await pipeline(make_call())
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    gate.set()
    assert await pipeline(make_call()) == 1
    assert breaker.state(ENDPOINT, "grpc") == CLOSED


# ------------------------------------------------------------ the shared classifier


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (None, SUCCESS),
        (Unavailable("x", protocol="rest", status=None, sent=False), TRANSIENT),
        (Unavailable("x", protocol="rest", status=502), TRANSIENT),
        (Unavailable("x", protocol="rest", status=503), TRANSIENT),
        (Unavailable("x", protocol="grpc", status="UNAVAILABLE"), TRANSIENT),
        (Unavailable("x", protocol="grpc", status="CANCELLED"), LOCAL),
        (DeadlineExceeded("x", protocol="rest", status=504), TRANSIENT),
        (DeadlineExceeded("x", protocol="rest", status=408), REJECTED),
        (DeadlineExceeded("x", protocol="grpc", status="DEADLINE_EXCEEDED"), TRANSIENT),
        (DeadlineExceeded("x", protocol="rest", status=None, sent=True), TRANSIENT),
        (DeadlineExceeded("x", protocol="rest", status=None, sent=False), TRANSIENT_UNSENT),
        (ResourceExhausted("x", protocol="rest", status=429), THROTTLED),
        (ServerError("x", protocol="rest", status=500), SERVER_ERROR),
        (ServerError("x", protocol="grpc", status="INTERNAL"), SERVER_ERROR),
        (NotFound("x", protocol="rest", status=404), REJECTED),
        (InvalidArgument("x", protocol="grpc", status="INVALID_ARGUMENT"), REJECTED),
        (CircuitOpen("e", "grpc", 1.0), LOCAL),
        (RetryBudgetExhausted(ValueError()), LOCAL),
        (ClientClosed("closed"), LOCAL),
        (asyncio.CancelledError(), LOCAL),
        (KeyError("bug"), LOCAL),
    ],
)
def test_one_classifier_for_retry_and_breaker(error: BaseException | None, expected: Any) -> None:
    assert classify(error) is expected


def test_may_retry_needs_an_idempotent_operation_or_an_unsent_request() -> None:
    call = Call(ops.CREATE_COLLECTION, "docs", "rest", {}, None, 1e12, ENDPOINT)
    maybe_sent = Unavailable("reset", protocol="rest", sent=None)
    unsent = Unavailable("refused", protocol="rest", sent=False)
    assert not may_retry(call, maybe_sent, classify(maybe_sent))
    assert may_retry(call, unsent, classify(unsent))
    read = Call(ops.COUNT, "docs", "rest", {}, None, 1e12, ENDPOINT)
    assert may_retry(read, maybe_sent, classify(maybe_sent))
    not_found = NotFound("x", protocol="rest", status=404, sent=False)
    assert not may_retry(read, not_found, classify(not_found))


def test_succeeded_is_record_of_a_success() -> None:
    """The success path of the interceptor: a success that brings the window to
    ``minimum_calls`` with the failure ratio already reached opens the breaker, as
    ``record`` would; a slow success counts as slow; a stale generation changes nothing."""
    clock = Clock()
    breaker = CircuitBreaker(POLICY, clock)
    feed(breaker, [TRANSIENT] * 5 + [SUCCESS] * 4)
    assert breaker.state == CLOSED  # 9 calls < minimum 10
    breaker.succeeded(breaker.acquire(), 0.01, clock())
    assert breaker.state == OPEN  # 5 failures of 10

    slow = CircuitBreaker(POLICY.replace(slow_call_ratio=0.5, slow_call_duration=1.0), clock)
    for _ in range(10):
        slow.succeeded(slow.acquire(), 2.0, clock())
    assert slow.state == OPEN

    quiet = CircuitBreaker(POLICY, clock)
    for _ in range(50):
        quiet.succeeded(quiet.acquire(), 0.01, clock())
    assert quiet.state == CLOSED and quiet._counts.totals == [50, 0, 0]
    quiet.succeeded(quiet._generation - 1, 0.01, clock())
    assert quiet._counts.totals == [50, 0, 0]
