"""Rate limit: the configured rate holds from the first second; per collection; deadlines.

The pacing tests run on a virtual clock (tests/virtual_loop.py), so they count
exactly and a stalled machine cannot fail them.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from aiolimiter import AsyncLimiter
from virtual_loop import virtual_time

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
    deadline = asyncio.get_running_loop().time() + timeout
    return Call(ops.COUNT, collection, "rest", {}, None, deadline, ENDPOINT)


def rate_limit(policy: RateLimitPolicy, observer: NullObserver | None = None) -> RateLimit:
    """The interceptor on the running (virtual-time) loop's clock, as the deadlines are."""
    return RateLimit(policy, clock=asyncio.get_running_loop().time, observer=observer)


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


@virtual_time
async def test_plain_aiolimiter_bursts_but_the_paced_one_does_not() -> None:
    # the surprise: an empty bucket lets a whole second's worth through at once
    assert await count_in(AsyncLimiter(100, 1), 0.1) == 100 + 9  # then one per 10 ms
    assert await count_in(paced_limiter(100, 1), 0.1) == 10  # at 0, 10, ..., 90 ms


@virtual_time
async def test_burst_bounds_the_first_requests() -> None:
    assert await count_in(paced_limiter(100, 10), 0.1) == 10 + 9  # the burst, then 100/s


class Waits(NullObserver):
    def __init__(self) -> None:
        self.waits: list[float] = []

    def on_rate_limit_wait(self, call: Call, seconds: float) -> None:
        self.waits.append(seconds)


@virtual_time
async def test_interceptor_paces_every_attempt() -> None:
    loop = asyncio.get_running_loop()
    waits = Waits()
    times: list[float] = []

    async def handler(call: Call) -> Any:
        times.append(loop.time())
        return 1

    pipeline = Pipeline([rate_limit(RateLimitPolicy(rate=200), waits)], handler)
    await asyncio.gather(*(pipeline(make_call()) for _ in range(21)))
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps == [pytest.approx(0.005, abs=1e-4)] * 20  # 200/s from the first call on
    assert len(waits.waits) == 20


@virtual_time
async def test_per_collection_limits_are_separate() -> None:
    loop = asyncio.get_running_loop()
    limit = rate_limit(RateLimitPolicy(rate=10_000, per_collection=50))
    pipeline = Pipeline([limit], lambda call: asyncio.sleep(0, call.collection))
    start = loop.time()
    results = await asyncio.gather(
        *(pipeline(make_call(c)) for c in ("a", "b", "c", "d") for _ in range(3))
    )
    assert sorted(results) == ["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["d"] * 3
    # 3 each at 50/s: 40 ms; one limiter shared by the collections would need 220 ms
    assert loop.time() - start == pytest.approx(0.04, abs=1e-3)
    assert limit.limiter("a") is not limit.limiter("b")


@virtual_time
async def test_waiting_counts_against_the_deadline() -> None:
    loop = asyncio.get_running_loop()
    pipeline = Pipeline([rate_limit(RateLimitPolicy(rate=1))], lambda call: asyncio.sleep(0, 1))
    assert await pipeline(make_call()) == 1
    start = loop.time()
    with pytest.raises(DeadlineExceeded) as caught:
        await pipeline(make_call(timeout=0.05))
    assert loop.time() - start == pytest.approx(0.05, abs=1e-3)  # not the 1 s to the next token
    assert caught.value.sent is False
    assert isinstance(caught.value, QueueTimeout) and caught.value.queue == "rate limit"
    assert caught.value.waited == pytest.approx(0.05, abs=1e-3)


@virtual_time
async def test_a_token_wait_does_not_eat_the_per_try_timeout() -> None:
    """The wait is bounded by the call's deadline; the attempt keeps its own time afterwards."""
    loop = asyncio.get_running_loop()
    left: list[float] = []

    async def handler(call: Call) -> Any:
        left.append(call.attempt_deadline - loop.time())
        return 1

    pipeline = Pipeline([rate_limit(RateLimitPolicy(rate=10))], handler)  # a token per 0.1 s
    await pipeline(make_call())
    call = make_call(timeout=1.0)
    call.attempt_deadline = loop.time() + 0.05  # a per-try timeout shorter than the wait
    assert await pipeline(call) == 1
    assert left[1] == pytest.approx(0.05, abs=1e-3)  # the 0.1 s wait moved it, not consumed it


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RateLimitPolicy(rate=0)
    with pytest.raises(ValueError):
        RateLimitPolicy(rate=10, burst=0)
    with pytest.raises(ValueError):
        RateLimitPolicy(rate=10, per_collection=-1)
    assert "10/s" in repr(RateLimit(RateLimitPolicy(rate=10)))
