"""Rate limit: the configured rate holds from the first second; per collection; deadlines."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiolimiter import AsyncLimiter

from qdpool import operations as ops
from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import DeadlineExceeded, QueueTimeout
from qdpool.events import NullObserver
from qdpool.interceptors.ratelimit import RateLimit, paced_limiter
from qdpool.pipeline import Pipeline
from qdpool.policies import RateLimitPolicy

ENDPOINT = Endpoint("127.0.0.1")


def make_call(collection: str = "docs", timeout: float = 30.0) -> Call:
    return Call(ops.COUNT, collection, "rest", {}, None, time.monotonic() + timeout, ENDPOINT)


async def count_in(limiter: AsyncLimiter, seconds: float) -> int:
    """How many acquisitions a tight loop gets from ``limiter`` within ``seconds``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    got = 0
    while True:
        try:
            async with asyncio.timeout(end - loop.time()):
                await limiter.acquire()
        except TimeoutError:
            return got
        got += 1


async def test_plain_aiolimiter_bursts_but_the_paced_one_does_not() -> None:
    rate = 100
    # the surprise: an empty bucket lets a whole second's worth through at once
    assert await count_in(AsyncLimiter(rate, 1), 0.1) >= rate
    paced = await count_in(paced_limiter(rate, 1), 0.1)
    assert 9 <= paced <= 12  # 100/s for 0.1 s: 10 (+1 at t=0)


async def test_burst_bounds_the_first_requests() -> None:
    assert 19 <= await count_in(paced_limiter(100, 10), 0.1) <= 22  # 10 + 100/s x 0.1 s


class Waits(NullObserver):
    def __init__(self) -> None:
        self.waits: list[float] = []

    def on_rate_limit_wait(self, call: Call, seconds: float) -> None:
        self.waits.append(seconds)


async def test_interceptor_paces_every_attempt() -> None:
    waits = Waits()
    limit = RateLimit(RateLimitPolicy(rate=200), observer=waits)
    times: list[float] = []

    async def handler(call: Call) -> Any:
        times.append(time.monotonic())
        return 1

    pipeline = Pipeline([limit], handler)
    start = time.monotonic()
    await asyncio.gather(*(pipeline(make_call()) for _ in range(21)))
    elapsed = time.monotonic() - start
    assert 0.095 <= elapsed < 0.3  # 20 intervals of 5 ms
    assert len(waits.waits) == 20


async def test_per_collection_limits_are_separate() -> None:
    limit = RateLimit(RateLimitPolicy(rate=10_000, per_collection=50))
    pipeline = Pipeline([limit], lambda call: asyncio.sleep(0, call.collection))
    start = time.monotonic()
    results = await asyncio.gather(
        *(pipeline(make_call(c)) for c in ("a", "b", "c", "d") for _ in range(3))
    )
    elapsed = time.monotonic() - start
    assert sorted(results) == ["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["d"] * 3
    # 3 each at 50/s: ~40 ms; one shared limiter would need ~220 ms
    assert 0.035 <= elapsed < 0.15
    assert limit.limiter("a") is not limit.limiter("b")


async def test_waiting_counts_against_the_deadline() -> None:
    limit = RateLimit(RateLimitPolicy(rate=1))
    pipeline = Pipeline([limit], lambda call: asyncio.sleep(0, 1))
    assert await pipeline(make_call()) == 1
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded) as caught:
        await pipeline(make_call(timeout=0.05))
    assert time.monotonic() - start < 0.2
    assert caught.value.sent is False
    assert isinstance(caught.value, QueueTimeout) and caught.value.queue == "rate limit"


async def test_a_token_wait_does_not_eat_the_per_try_timeout() -> None:
    """The wait is bounded by the call's deadline; the attempt keeps its own time afterwards."""
    limit = RateLimit(RateLimitPolicy(rate=10))  # one token every 0.1 s
    left: list[float] = []

    async def handler(call: Call) -> Any:
        left.append(call.attempt_deadline - time.monotonic())
        return 1

    pipeline = Pipeline([limit], handler)
    await pipeline(make_call())
    call = make_call(timeout=1.0)
    call.attempt_deadline = time.monotonic() + 0.05  # a per-try timeout shorter than the wait
    assert await pipeline(call) == 1
    assert left[1] > 0.03  # the ~0.1 s wait moved the attempt's deadline, not consumed it


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RateLimitPolicy(rate=0)
    with pytest.raises(ValueError):
        RateLimitPolicy(rate=10, burst=0)
    with pytest.raises(ValueError):
        RateLimitPolicy(rate=10, per_collection=-1)
    assert "10/s" in repr(RateLimit(RateLimitPolicy(rate=10)))
