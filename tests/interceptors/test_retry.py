"""Retry: what is retried, how long it waits, deadlines, idempotency, budget, overrides."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import pytest

import qdpool
from qdpool import operations as ops
from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import (
    AlreadyExists,
    ApiError,
    DeadlineExceeded,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    RetryBudgetExhausted,
    ServerError,
    Unauthenticated,
    Unavailable,
)
from qdpool.events import NullObserver
from qdpool.interceptors.budget import RetryBudget
from qdpool.interceptors.retry import Retry
from qdpool.operations.spec import Operation
from qdpool.pipeline import Pipeline
from qdpool.policies import RetryBudgetPolicy, RetryPolicy

ENDPOINT = Endpoint("127.0.0.1")


class FakeClock:
    """A clock that only moves when the code under test sleeps (or a test says so)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Events(NullObserver):
    def __init__(self) -> None:
        self.failed: list[tuple[str, bool]] = []
        self.backoffs: list[float] = []
        self.exhausted = 0

    def on_attempt_failed(self, call: Call, error: BaseException, will_retry: bool) -> None:
        self.failed.append((type(error).__name__, will_retry))

    def on_backoff(self, call: Call, delay: float) -> None:
        self.backoffs.append(delay)

    def on_retry_budget_exhausted(self, call: Call) -> None:
        self.exhausted += 1


def make_call(clock: FakeClock, op: Operation = ops.QUERY_POINTS, timeout: float = 60.0) -> Call:
    return Call(op, "docs", "grpc", {}, None, clock() + timeout, ENDPOINT)


class Script:
    """A terminal handler that raises the scripted errors in turn, then returns ``result``."""

    def __init__(self, *errors: BaseException, result: Any = "ok", clock: FakeClock) -> None:
        self.errors = list(errors)
        self.result = result
        self.clock = clock
        self.seen: list[tuple[int, float]] = []

    async def __call__(self, call: Call) -> Any:
        self.seen.append((call.attempt, call.attempt_deadline - self.clock()))
        if self.errors:
            raise self.errors.pop(0)
        return self.result


def make_retry(
    clock: FakeClock,
    policy: RetryPolicy | None = RetryPolicy(),  # noqa: B008
    budget: RetryBudget | None = None,
    observer: Events | None = None,
    rand: Callable[[], float] = lambda: 0.5,
) -> Retry:
    return Retry(policy, budget, clock=clock, sleep=clock.sleep, random=rand, observer=observer)


def unavailable(sent: bool | None = None) -> Unavailable:
    return Unavailable("down", protocol="grpc", status="UNAVAILABLE", sent=sent)


TRANSIENT = [
    lambda: Unavailable("refused", protocol="rest", status=None, sent=False),
    lambda: Unavailable("reset", protocol="rest", status=None, sent=None),
    lambda: Unavailable("bad gateway", protocol="rest", status=502),
    lambda: Unavailable("shard unavailable", protocol="rest", status=503),
    lambda: DeadlineExceeded("gateway timeout", protocol="rest", status=504),
    lambda: ResourceExhausted("slow down", protocol="rest", status=429),
    lambda: Unavailable("down", protocol="grpc", status="UNAVAILABLE"),
    lambda: ResourceExhausted("slow down", protocol="grpc", status="RESOURCE_EXHAUSTED"),
    lambda: DeadlineExceeded("attempt", protocol="grpc", status="DEADLINE_EXCEEDED"),
    lambda: DeadlineExceeded("attempt timed out", protocol="rest", status=None),
]

PERMANENT = [
    lambda: InvalidArgument("bad", protocol="rest", status=400),
    lambda: Unauthenticated("key", protocol="rest", status=401),
    lambda: PermissionDenied("ro", protocol="rest", status=403),
    lambda: NotFound("missing", protocol="rest", status=404),
    lambda: DeadlineExceeded("server op timeout", protocol="rest", status=408),
    lambda: AlreadyExists("exists", protocol="rest", status=409),
    lambda: InvalidArgument("validation", protocol="rest", status=422),
    lambda: ServerError("boom", protocol="rest", status=500),
    lambda: InvalidArgument("bad", protocol="grpc", status="INVALID_ARGUMENT"),
    lambda: NotFound("missing", protocol="grpc", status="NOT_FOUND"),
    lambda: AlreadyExists("exists", protocol="grpc", status="ALREADY_EXISTS"),
    lambda: Unauthenticated("key", protocol="grpc", status="UNAUTHENTICATED"),
    lambda: PermissionDenied("ro", protocol="grpc", status="PERMISSION_DENIED"),
    lambda: ServerError("boom", protocol="grpc", status="INTERNAL"),
    lambda: Unavailable("cancelled", protocol="grpc", status="CANCELLED"),
    lambda: ValueError("a bug"),
]


@pytest.mark.parametrize("make_error", TRANSIENT)
async def test_transient_failures_are_retried(make_error: Callable[[], ApiError]) -> None:
    clock = FakeClock()
    script = Script(make_error(), make_error(), clock=clock)
    assert await Pipeline([make_retry(clock)], script)(make_call(clock)) == "ok"
    assert [attempt for attempt, _ in script.seen] == [0, 1, 2]


@pytest.mark.parametrize("make_error", PERMANENT)
async def test_permanent_failures_are_not_retried(make_error: Callable[[], Exception]) -> None:
    clock = FakeClock()
    error = make_error()
    script = Script(error, clock=clock)
    with pytest.raises(type(error)) as caught:
        await Pipeline([make_retry(clock)], script)(make_call(clock))
    assert caught.value is error
    assert len(script.seen) == 1 and clock.sleeps == []


async def test_gives_up_after_max_attempts_with_the_last_error() -> None:
    clock = FakeClock()
    errors = [unavailable() for _ in range(5)]
    events = Events()
    script = Script(*errors, clock=clock)
    with pytest.raises(Unavailable) as caught:
        await Pipeline([make_retry(clock, observer=events)], script)(make_call(clock))
    assert caught.value is errors[-1]
    assert len(script.seen) == 5
    assert events.failed == [("Unavailable", True)] * 4 + [("Unavailable", False)]


async def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=8, base=0.1, cap=1.0)
    script = Script(*[unavailable() for _ in range(7)], clock=clock)
    retry = make_retry(clock, policy, rand=lambda: 0.5)
    await Pipeline([retry], script)(make_call(clock))
    # full jitter with random() = 0.5: half of min(cap, base * 2^n)
    assert clock.sleeps == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.5, 0.5, 0.5])


async def test_jitter_uses_the_injected_random_source() -> None:
    sleeps = []
    for _ in range(2):
        clock = FakeClock()
        rng = random.Random(42)
        script = Script(*[unavailable() for _ in range(4)], clock=clock)
        await Pipeline([make_retry(clock, rand=rng.random)], script)(make_call(clock))
        sleeps.append(clock.sleeps)
    assert sleeps[0] == sleeps[1]
    assert len(set(sleeps[0])) == 4


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
async def test_retry_after_is_honoured(protocol: str) -> None:
    clock = FakeClock()
    status: int | str = 429 if protocol == "rest" else "RESOURCE_EXHAUSTED"
    hint = ResourceExhausted("slow", protocol=protocol, status=status, retry_after=2.5)
    script = Script(hint, clock=clock)
    await Pipeline([make_retry(clock)], script)(make_call(clock))
    assert clock.sleeps == [2.5]


async def test_retry_after_beyond_the_deadline_fails_at_once() -> None:
    clock = FakeClock()
    hint = ResourceExhausted("slow", protocol="rest", status=429, retry_after=30)
    script = Script(hint, clock=clock)
    with pytest.raises(ResourceExhausted):
        await Pipeline([make_retry(clock)], script)(make_call(clock, timeout=5))
    assert clock.sleeps == [] and len(script.seen) == 1


async def test_retry_after_longer_than_allowed_fails_at_once() -> None:
    clock = FakeClock()
    hint = ResourceExhausted("slow", protocol="rest", status=429, retry_after=50)
    script = Script(hint, clock=clock)
    policy = RetryPolicy(max_retry_after=10)
    with pytest.raises(ResourceExhausted):
        await Pipeline([make_retry(clock, policy)], script)(make_call(clock, timeout=600))
    assert clock.sleeps == []


async def test_a_backoff_that_would_end_past_the_deadline_is_not_slept() -> None:
    clock = FakeClock()
    policy = RetryPolicy(base=1.0, cap=1.0, jitter="none")
    script = Script(unavailable(), unavailable(), clock=clock)
    with pytest.raises(Unavailable):
        await Pipeline([make_retry(clock, policy)], script)(make_call(clock, timeout=1.5))
    assert clock.sleeps == [1.0]  # the second backoff would end at 2.0 > 1.5
    assert len(script.seen) == 2


async def test_each_attempt_gets_min_of_per_try_timeout_and_what_remains() -> None:
    clock = FakeClock()
    policy = RetryPolicy(per_try_timeout=1.0, base=0.4, cap=0.4, jitter="none")
    timeouts = [DeadlineExceeded("t", protocol="grpc", status="DEADLINE_EXCEEDED")] * 2

    class Slow(Script):
        async def __call__(self, call: Call) -> Any:
            result = await super().__call__(call)
            return result

    script = Slow(*timeouts, clock=clock)

    async def terminal(call: Call) -> Any:
        try:
            return await script(call)
        finally:
            clock.now += 0.5  # every attempt takes half a second

    call = make_call(clock, timeout=2.0)
    assert await Pipeline([make_retry(clock, policy)], terminal)(call) == "ok"
    # attempt 0 at t=0 (1.0 left of per-try), attempt 1 at t=0.9, attempt 2 at t=1.8: 0.2 left
    assert [round(left, 6) for _, left in script.seen] == [1.0, 1.0, 0.2]
    assert call.attempt == 2


async def test_without_per_try_timeout_attempts_use_the_whole_deadline() -> None:
    clock = FakeClock()
    script = Script(unavailable(), clock=clock)
    call = make_call(clock, timeout=3.0)
    await Pipeline([make_retry(clock, RetryPolicy(jitter="none"))], script)(call)
    assert script.seen[0][1] == pytest.approx(3.0)
    assert script.seen[1][1] == pytest.approx(3.0 - 0.1)


@pytest.mark.parametrize(
    ("op", "sent", "retried"),
    [
        (ops.CREATE_COLLECTION, False, True),
        (ops.CREATE_COLLECTION, None, False),
        (ops.CREATE_COLLECTION, True, False),
        (ops.DELETE_COLLECTION, False, True),
        (ops.DELETE_COLLECTION, None, False),
        (ops.CREATE_SNAPSHOT, True, False),
        (ops.UPSERT, True, True),
        (ops.DELETE_POINTS, None, True),
        (ops.GET_COLLECTION, True, True),
        (ops.LIST_COLLECTIONS, True, True),
        (ops.COLLECTION_EXISTS, True, True),
        (ops.RETRIEVE, True, True),
    ],
)
async def test_idempotency_decides(op: Operation, sent: bool | None, retried: bool) -> None:
    clock = FakeClock()
    script = Script(unavailable(sent), clock=clock)
    pipeline = Pipeline([make_retry(clock)], script)
    if retried:
        assert await pipeline(make_call(clock, op)) == "ok"
        assert len(script.seen) == 2
    else:
        with pytest.raises(Unavailable):
            await pipeline(make_call(clock, op))
        assert len(script.seen) == 1


async def test_budget_exhausted_fails_fast_and_is_counted() -> None:
    clock = FakeClock()
    budget = RetryBudget(RetryBudgetPolicy(ratio=0.0, min_per_second=0.1, ttl=10), clock)
    events = Events()
    retry = make_retry(clock, budget=budget, observer=events)
    script = Script(*[unavailable() for _ in range(10)], clock=clock)
    with pytest.raises(RetryBudgetExhausted) as caught:
        await Pipeline([retry], script)(make_call(clock))
    # the reserve held one retry (0.1/s x 10 s); the second was refused
    assert len(script.seen) == 2
    assert isinstance(caught.value.last_error, Unavailable)
    assert caught.value.__cause__ is caught.value.last_error
    assert events.exhausted == 1 and budget.exhausted == 1
    assert events.failed[-1] == ("Unavailable", False)


async def test_budget_bounds_attempts_when_everything_fails() -> None:
    clock = FakeClock()
    budget = RetryBudget(RetryBudgetPolicy(ratio=0.2, min_per_second=0.0), clock)
    retry = make_retry(clock, RetryPolicy(base=0.0, cap=0.0), budget)
    attempts = 0

    async def always_down(call: Call) -> Any:
        nonlocal attempts
        attempts += 1
        raise unavailable()

    pipeline = Pipeline([retry], always_down)
    calls = 500
    for _ in range(calls):
        with pytest.raises((Unavailable, RetryBudgetExhausted)):
            await pipeline(make_call(clock))
        clock.now += 0.001
    assert attempts <= calls * 1.2
    assert attempts >= calls * 1.19  # the budget is spent, not wasted
    # switched off, the same load would have cost five attempts per call
    assert budget.exhausted > 0


async def test_retry_off_makes_one_attempt() -> None:
    clock = FakeClock()
    script = Script(unavailable(), clock=clock)
    with pytest.raises(Unavailable):
        await Pipeline([make_retry(clock, None)], script)(make_call(clock))
    assert len(script.seen) == 1


async def test_override_changes_the_policy_for_those_calls_only() -> None:
    clock = FakeClock()
    default = RetryPolicy()
    retry = make_retry(clock, default)
    script = Script(unavailable(), unavailable(), unavailable(), clock=clock)
    pipeline = Pipeline([retry], script)
    with qdpool.override(retry=None), pytest.raises(Unavailable):
        await pipeline(make_call(clock))
    assert len(script.seen) == 1
    with qdpool.override(retry=RetryPolicy(max_attempts=2)), pytest.raises(Unavailable):
        await pipeline(make_call(clock))
    assert len(script.seen) == 3
    # outside the block the default is back, and it was never changed
    assert retry.policy is default and default == RetryPolicy()
    script.errors = [unavailable()]
    assert await pipeline(make_call(clock)) == "ok"


async def test_override_is_per_task() -> None:
    clock = FakeClock()
    seen: dict[str, int] = {}

    async def handler(call: Call) -> Any:
        name = asyncio.current_task().get_name()  # type: ignore[union-attr]
        seen[name] = seen.get(name, 0) + 1
        if seen[name] < 3:
            raise unavailable()
        return "ok"

    pipeline = Pipeline([make_retry(clock)], handler)

    async def without_retries() -> None:
        with qdpool.override(retry=None), pytest.raises(Unavailable):
            await pipeline(make_call(clock))

    async def with_defaults() -> None:
        await pipeline(make_call(clock))

    await asyncio.gather(
        asyncio.create_task(without_retries(), name="a"),
        asyncio.create_task(with_defaults(), name="b"),
    )
    assert seen == {"a": 1, "b": 3}


async def test_cancellation_is_never_retried() -> None:
    clock = FakeClock()
    started = asyncio.Event()

    async def hang(call: Call) -> Any:
        started.set()
        await asyncio.sleep(3600)

    task = asyncio.create_task(Pipeline([make_retry(clock)], hang)(make_call(clock)))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert clock.sleeps == []


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="cap"):
        RetryPolicy(base=2, cap=1)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter="some")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="per_try_timeout"):
        RetryPolicy(per_try_timeout=0)
    with pytest.raises(ValueError, match="finite"):
        RetryPolicy(base=float("nan"))
    policy = RetryPolicy()
    assert (policy.base, policy.cap, policy.max_attempts, policy.jitter) == (0.1, 5.0, 5, "full")
    changed = policy.replace(max_attempts=3)
    assert changed.max_attempts == 3 and policy.max_attempts == 5
    with pytest.raises(AttributeError):
        policy.max_attempts = 2  # type: ignore[misc]
