"""Concurrency: a limit on attempts in flight per endpoint, fixed or adaptive (AIMD).

The slot is taken just before an attempt is sent and given back as soon as it
ends, so a call sleeping between retries holds none (retry sits above this
interceptor). Waiting for a slot counts against the deadline: the wait is
bounded by the attempt's deadline (never later than the call's), and a call
that runs out of time while queued fails with ``DeadlineExceeded`` and
``sent=False``. Waiters are served first come, first served.

With ``ConcurrencyPolicy(adaptive=True)`` the limit follows AIMD: +1 after a
success while at least half the limit was in use, x ``backoff_ratio`` after a
drop (a timeout, an unavailable or throttled answer, or an attempt slower than
``latency_threshold``), always within ``[min_limit, max_limit]``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from qdpool.call import Call
from qdpool.classify import THROTTLED, TRANSIENT, classify
from qdpool.endpoint import Endpoint
from qdpool.errors import DeadlineExceeded
from qdpool.events import NULL_OBSERVER, Observer
from qdpool.pipeline import Handler
from qdpool.policies import ConcurrencyPolicy


class Limiter:
    """A FIFO counting limiter whose limit may move while it is in use."""

    __slots__ = ("_limit", "_policy", "_waiters", "adaptive", "in_flight")

    def __init__(self, policy: ConcurrencyPolicy) -> None:
        self._policy = policy
        self.adaptive = policy.adaptive
        self._limit = float(policy.limit)
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.in_flight = 0

    @property
    def limit(self) -> int:
        """The current limit (moves when adaptive)."""
        return int(self._limit)

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiters if not w.done())

    def try_acquire(self) -> bool:
        """Take a slot if one is free and nobody is queued before us."""
        if self.in_flight < int(self._limit) and not self._waiters:
            self.in_flight += 1
            return True
        return False

    async def acquire(self, timeout: float) -> None:
        """Wait at most ``timeout`` seconds for a slot; ``TimeoutError`` if none came."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # granted just as we gave up: hand it on
            else:
                waiter.cancel()
                self._wake()
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        waiters = self._waiters
        while waiters and self.in_flight < int(self._limit):
            waiter = waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)
        while waiters and waiters[0].done():
            waiters.popleft()

    def on_result(self, dropped: bool, in_flight_at_start: int) -> None:
        """Adaptive mode: move the limit after an attempt (AIMD)."""
        policy = self._policy
        if dropped:
            self._limit = max(float(policy.min_limit), self._limit * policy.backoff_ratio)
        elif in_flight_at_start * 2 >= self._limit:
            self._limit = min(float(policy.max_limit), self._limit + 1)
            self._wake()

    def __repr__(self) -> str:
        return f"<Limiter {self.in_flight}/{self.limit} in flight, {self.waiting} waiting>"


class Concurrency:
    """The interceptor: one ``Limiter`` per endpoint, held for exactly one attempt."""

    name = "concurrency"
    __slots__ = ("_clock", "_limiters", "_observer", "policy")

    def __init__(
        self,
        policy: ConcurrencyPolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        observer: Observer | None = None,
    ) -> None:
        self.policy = policy or ConcurrencyPolicy()
        self._clock = clock
        self._observer = observer or NULL_OBSERVER
        self._limiters: dict[Endpoint, Limiter] = {}

    def limiter(self, endpoint: Endpoint) -> Limiter:
        """The limiter of ``endpoint`` (made if needed)."""
        limiter = self._limiters.get(endpoint)
        if limiter is None:
            limiter = self._limiters[endpoint] = Limiter(self.policy)
        return limiter

    async def __call__(self, call: Call, next: Handler) -> Any:
        limiter = self._limiters.get(call.endpoint) or self.limiter(call.endpoint)
        if not limiter.try_acquire():
            await self._wait(limiter, call)
        if not limiter.adaptive:
            try:
                return await next(call)
            finally:
                limiter.release()
        return await self._adaptive_attempt(limiter, call, next)

    async def _wait(self, limiter: Limiter, call: Call) -> None:
        clock = self._clock
        start = clock()
        remaining = call.attempt_deadline - start
        if remaining <= 0:
            raise DeadlineExceeded(
                "no time left to wait for a concurrency slot", protocol=call.protocol, sent=False
            )
        try:
            await limiter.acquire(remaining)
        except TimeoutError:
            raise DeadlineExceeded(
                f"waited {remaining:.3f}s for one of {limiter.limit} concurrency slots to "
                f"{call.endpoint}; the deadline ran out before any was free",
                protocol=call.protocol,
                sent=False,
            ) from None
        self._observer.on_concurrency_wait(call, clock() - start)

    async def _adaptive_attempt(self, limiter: Limiter, call: Call, next: Handler) -> Any:
        clock = self._clock
        in_flight = limiter.in_flight
        start = clock()
        try:
            result = await next(call)
        except asyncio.CancelledError:
            limiter.release()
            raise
        except Exception as error:
            outcome = classify(error)
            limiter.release()
            limiter.on_result(outcome is TRANSIENT or outcome is THROTTLED, in_flight)
            raise
        limiter.release()
        limiter.on_result(clock() - start >= self.policy.latency_threshold, in_flight)
        return result

    def __repr__(self) -> str:
        kind = "adaptive" if self.policy.adaptive else "fixed"
        limiters = ", ".join(f"{e}: {lim!r}" for e, lim in self._limiters.items())
        return f"Concurrency({kind} limit {self.policy.limit}; {limiters or 'no traffic yet'})"
