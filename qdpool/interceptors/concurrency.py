"""Concurrency: a limit on attempts in flight per node, fixed or adaptive (AIMD).

Each node's limit is set when the client starts (``qdpool.sizing`` reads the
node's cores from ``GET /telemetry`` and calls ``Concurrency.set_limit``); a node
not sized yet has the policy's given limit, or its ``fallback_limit``.

The slot is taken just before an attempt is sent and given back as soon as it
ends, so a call sleeping between retries holds none (retry sits above this
interceptor). Waiters are served first come, first served.

A wait here is the client's own queue, not the node's slowness, so:

* it is bounded by the *call's* deadline, not the attempt's ``per_try_timeout``,
  and the attempt's deadline moves later by the time waited (capped at the
  call's): the per-try timer times the attempt on the wire, and an attempt that
  queued is not cut short for it;
* a call whose deadline runs out while queued fails with ``QueueTimeout`` (a
  ``DeadlineExceeded``, ``sent=False``) naming the queue, which ``classify``
  marks as neither retryable nor counted by the breaker.

With ``ConcurrencyPolicy(adaptive=True)`` the limit follows AIMD: +1 after a
success while at least half the limit was in use, x ``backoff_ratio`` after a
drop (a timeout, an unavailable or throttled answer, or an attempt slower than
``latency_threshold``), always within ``[min_limit, max_limit]``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from qdpool.call import Call
from qdpool.classify import THROTTLED, TRANSIENT, classify
from qdpool.endpoint import Endpoint
from qdpool.errors import QueueTimeout
from qdpool.events import NULL_OBSERVER, Observer
from qdpool.pipeline import Handler
from qdpool.policies import ConcurrencyPolicy

_MIN_ATTEMPT_TIME = 0.001
"""An attempt is not sent with less of the call's deadline left than this."""
_MAX_CACHED = 256


class Limiter:
    """A FIFO counting limiter whose limit may move while it is in use.

    Queued callers share one timer: it is armed for the earliest deadline among them and,
    when it fires, fails those whose time is up and re-arms for the next. A timer per
    waiter (``asyncio.timeout``) put a timer handle in the event loop's heap, where every
    push, pop and cancel compares handles in Python, for every queued call; at 100 calls
    in flight over 64 slots nearly every call queues, and the waits doubled the client's
    instructions per call.
    """

    __slots__ = (
        "_cap",
        "_expiry",
        "_limit",
        "_policy",
        "_waiters",
        "adaptive",
        "in_flight",
        "sized",
    )

    def __init__(
        self, policy: ConcurrencyPolicy, limit: int | None = None, sized: str = ""
    ) -> None:
        self._policy = policy
        self.adaptive = policy.adaptive
        self._limit = float(limit if limit is not None else policy.limit_for(None))
        self._cap = int(self._limit)
        """``int(_limit)``: the slots there are now, kept beside the (fractional) AIMD limit."""
        self._waiters: deque[tuple[asyncio.Future[None], float]] = deque()
        """Queued callers in order: each one's future and its deadline on the loop's clock."""
        self._expiry: asyncio.TimerHandle | None = None
        """The one timer of the queue, armed for its earliest deadline while anyone waits."""
        self.in_flight = 0
        self.sized = sized or _default_origin(policy)
        """Where the (starting) limit came from, e.g. ``2 x 8 cores (GET /telemetry)``."""

    @property
    def limit(self) -> int:
        """The current limit (moves when adaptive)."""
        return self._cap

    @property
    def waiting(self) -> int:
        return sum(1 for waiter, _ in self._waiters if not waiter.done())

    def resize(self, limit: int, sized: str) -> None:
        """Set the limit (the adaptive one restarts from it); waiters are let in if it grew."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"a concurrency limit must be an integer >= 1, got {limit!r}")
        self._set(float(limit))
        self.sized = sized
        self._wake()

    def try_acquire(self) -> bool:
        """Take a slot if one is free and nobody is queued before us."""
        if self.in_flight < self._cap and not self._waiters:
            self.in_flight += 1
            return True
        return False

    async def acquire(self, timeout: float) -> None:
        """Wait at most ``timeout`` seconds for a slot; ``TimeoutError`` if none came."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        expires = loop.time() + timeout
        self._waiters.append((waiter, expires))
        expiry = self._expiry
        if expiry is None or expires < expiry.when():
            self._arm(loop, expires)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.release()  # granted just as we were cancelled: hand it on
            else:
                waiter.cancel()
                self._wake()
            raise

    def release(self) -> None:
        self.in_flight -= 1
        if self._waiters:
            self._wake()

    def _set(self, limit: float) -> None:
        self._limit = limit
        self._cap = int(limit)

    def _wake(self) -> None:
        waiters = self._waiters
        while waiters and self.in_flight < self._cap:
            waiter = waiters.popleft()[0]
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)
        while waiters and waiters[0][0].done():
            waiters.popleft()
        if not waiters and self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None

    def _arm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = loop.call_at(when, self._expire, loop)

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        """The queue's timer: fail the waiters whose deadline is (within a millisecond) up,
        and re-arm for the earliest deadline left. A slot that came with less time left
        than that would be refused unused (``_MIN_ATTEMPT_TIME``), so nobody loses one."""
        self._expiry = None
        due = loop.time() + _MIN_ATTEMPT_TIME
        kept: deque[tuple[asyncio.Future[None], float]] = deque()
        earliest = math.inf
        for waiter, expires in self._waiters:
            if waiter.done():
                continue
            if expires <= due:
                waiter.set_exception(TimeoutError())
            else:
                kept.append((waiter, expires))
                earliest = min(earliest, expires)
        self._waiters = kept
        if kept:
            self._arm(loop, earliest)

    def on_result(self, dropped: bool, in_flight_at_start: int) -> None:
        """Adaptive mode: move the limit after an attempt (AIMD)."""
        policy = self._policy
        if dropped:
            self._set(max(float(policy.min_limit), self._limit * policy.backoff_ratio))
        elif in_flight_at_start * 2 >= self._limit:
            self._set(min(float(policy.max_limit), self._limit + 1))
            self._wake()

    def __repr__(self) -> str:
        return (
            f"<Limiter {self.in_flight}/{self.limit} in flight, {self.waiting} waiting; "
            f"limit {self.sized}>"
        )


def _default_origin(policy: ConcurrencyPolicy) -> str:
    if policy.sized_from_server:
        return "fallback (the node's cores not read yet)"
    return "given"


class Concurrency:
    """The interceptor: one ``Limiter`` per node, held for exactly one attempt."""

    name = "concurrency"
    __slots__ = ("_by_id", "_clock", "_limiters", "_observer", "policy")

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
        self._by_id: dict[int, tuple[Endpoint, Limiter]] = {}
        """The per-call lookup, by the endpoint object's identity (as ``Breaker`` does)."""

    def limiter(self, endpoint: Endpoint) -> Limiter:
        """The limiter of ``endpoint`` (made if needed)."""
        limiter = self._limiters.get(endpoint)
        if limiter is None:
            limiter = self._limiters[endpoint] = Limiter(self.policy)
        return limiter

    def set_limit(self, endpoint: Endpoint, limit: int, *, sized: str) -> Limiter:
        """Give ``endpoint`` its own limit (``sized`` says where it came from, for ``repr``).

        The client calls this once per node after reading the node's cores
        (``qdpool.sizing``); attempts already in flight keep their slots.
        """
        limiter = self._limiters.get(endpoint)
        if limiter is None:
            limiter = self._limiters[endpoint] = Limiter(self.policy, limit, sized)
        else:
            limiter.resize(limit, sized)
        return limiter

    async def __call__(self, call: Call, next: Handler) -> Any:
        endpoint = call.endpoint
        entry = self._by_id.get(id(endpoint))
        if entry is not None and entry[0] is endpoint:
            limiter = entry[1]
        else:
            limiter = self._remember(endpoint)
        if limiter.in_flight < limiter._cap and not limiter._waiters:  # try_acquire(), inlined
            limiter.in_flight += 1
        else:
            await self._wait(limiter, call)
        if not limiter.adaptive:
            try:
                return await next(call)
            finally:
                limiter.release()
        return await self._adaptive_attempt(limiter, call, next)

    def _remember(self, endpoint: Endpoint) -> Limiter:
        limiter = self.limiter(endpoint)
        if len(self._by_id) >= _MAX_CACHED:
            self._by_id.clear()
        self._by_id[id(endpoint)] = (endpoint, limiter)
        return limiter

    async def _wait(self, limiter: Limiter, call: Call) -> None:
        """Queue for a slot until the call's deadline; the attempt's deadline moves by the wait."""
        clock = self._clock
        start = clock()
        remaining = call.deadline - start
        if remaining <= 0:
            raise QueueTimeout(
                f"no time left to wait for one of {limiter.limit} concurrency slots to "
                f"{call.endpoint} (all in use)",
                protocol=call.protocol,
                queue="concurrency",
                waited=0.0,
            )
        try:
            await limiter.acquire(remaining)
        except TimeoutError:
            waited = clock() - start
            raise QueueTimeout(
                f"waited {waited:.3f}s for one of {limiter.limit} concurrency slots to "
                f"{call.endpoint}; the call's deadline ran out before one was free "
                "(nothing was sent)",
                protocol=call.protocol,
                queue="concurrency",
                waited=waited,
            ) from None
        now = clock()
        waited = now - start
        if call.deadline - now < _MIN_ATTEMPT_TIME:  # a slot came, but too late to use it
            limiter.release()
            raise QueueTimeout(
                f"waited {waited:.3f}s for one of {limiter.limit} concurrency slots to "
                f"{call.endpoint}; one came with no time left to send (nothing was sent)",
                protocol=call.protocol,
                queue="concurrency",
                waited=waited,
            )
        call.attempt_deadline = min(call.attempt_deadline + waited, call.deadline)
        self._observer.on_concurrency_wait(call, waited)

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
        policy = self.policy
        kind = "adaptive" if policy.adaptive else "fixed"
        given = (
            f"{policy.per_core} x each node's cores (fallback {policy.fallback_limit})"
            if policy.sized_from_server
            else str(policy.limit)
        )
        limiters = ", ".join(f"{e}: {lim!r}" for e, lim in self._limiters.items())
        return f"Concurrency({kind} limit {given}; {limiters or 'no node sized or used yet'})"
