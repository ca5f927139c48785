"""Rate limit: a client-side ceiling on requests per second, per client and per collection.

Built on ``aiolimiter.AsyncLimiter``, a leaky bucket. Its usual form,
``AsyncLimiter(rate, 1)``, starts empty and so lets ``rate`` requests through
in a burst before pacing begins: a limit of 100/s sends up to 200 requests in
the first second. Here the bucket is sized by the policy's ``burst`` instead:
``AsyncLimiter(burst, burst / rate)`` drains at the same ``rate`` but never holds
more than ``burst``, so at most ``burst + rate x t`` requests start in any ``t``
seconds, the first second included.

Each attempt takes one token (this interceptor sits below retry and hedge, so
retries and hedges are paced too). The wait is the client's own queue: it counts
against the call's deadline but not the attempt's ``per_try_timeout`` (the
attempt's deadline moves later by the time waited), and a call that runs out of
time waiting fails with ``QueueTimeout`` (a ``DeadlineExceeded``, ``sent=False``),
which is never retried nor counted by the breaker.

aiolimiter binds a limiter to the event loop that first uses it, so limiters
are made lazily, inside the loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiolimiter import AsyncLimiter

from qdpool.call import Call
from qdpool.errors import QueueTimeout
from qdpool.events import NULL_OBSERVER, Observer
from qdpool.pipeline import Handler
from qdpool.policies import RateLimitPolicy


def paced_limiter(rate: float, burst: int) -> AsyncLimiter:
    """An ``AsyncLimiter`` that holds ``rate`` per second from its first second on."""
    return AsyncLimiter(burst, burst / rate)


class RateLimit:
    """The interceptor: one limiter for the client, and one per collection if configured."""

    name = "rate_limit"
    __slots__ = ("_clock", "_collections", "_limiter", "_observer", "policy")

    def __init__(
        self,
        policy: RateLimitPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        observer: Observer | None = None,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._observer = observer or NULL_OBSERVER
        self._limiter: AsyncLimiter | None = None
        self._collections: dict[str, AsyncLimiter] = {}

    def limiter(self, collection: str | None = None) -> AsyncLimiter:
        """The client's limiter, or with ``collection`` that collection's (made if needed)."""
        policy = self.policy
        if collection is None or policy.per_collection is None:
            if self._limiter is None:
                self._limiter = paced_limiter(policy.rate, policy.burst)
            return self._limiter
        limiter = self._collections.get(collection)
        if limiter is None:
            burst = policy.burst
            limiter = self._collections[collection] = paced_limiter(policy.per_collection, burst)
        return limiter

    async def __call__(self, call: Call, next: Handler) -> Any:
        limiter = self._limiter or self.limiter()
        if limiter.has_capacity():
            await limiter.acquire()
        else:
            await self._wait(limiter, call)
        if self.policy.per_collection is not None and call.collection is not None:
            per_collection = self.limiter(call.collection)
            if per_collection.has_capacity():
                await per_collection.acquire()
            else:
                await self._wait(per_collection, call)
        return await next(call)

    async def _wait(self, limiter: AsyncLimiter, call: Call) -> None:
        clock = self._clock
        start = clock()
        remaining = call.deadline - start
        try:
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                await limiter.acquire()
        except TimeoutError:
            raise QueueTimeout(
                f"the call's deadline ran out waiting for the client's rate limit "
                f"({self.policy.rate:g}/s); nothing was sent",
                protocol=call.protocol,
                queue="rate limit",
                waited=clock() - start,
            ) from None
        waited = clock() - start
        call.attempt_deadline = min(call.attempt_deadline + waited, call.deadline)
        self._observer.on_rate_limit_wait(call, waited)

    def __repr__(self) -> str:
        p = self.policy
        per = f", {p.per_collection:g}/s per collection" if p.per_collection is not None else ""
        return f"RateLimit({p.rate:g}/s, burst {p.burst}{per})"
