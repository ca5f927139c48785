"""Hedged reads: when a read is slow, send a second attempt and take whichever answers first.

"The Tail at Scale" (Dean and Barroso): sending a backup request once the first
has been outstanding longer than the 95th percentile cuts the tail sharply for
about 5% more requests. Here:

* only reads are hedged (``Operation.read``); writes go straight through;
* the delay is the configured one, or the observed ``percentile`` of that
  operation's latency over its protocol (no hedge until ``min_samples`` are seen);
* a budget caps the extra load: each read earns ``max_extra_load`` of a hedge,
  each hedge spends one, and at most ``max_burst`` can be saved up;
* the hedge is a ``call.copy()`` with the next attempt number; it runs through
  the rate limit, breaker and concurrency limit below like any attempt, and so
  takes another connection (the gRPC pool picks the least busy channel; aiohttp
  opens or reuses another keep-alive connection);
* the first success wins; the other attempt is cancelled and awaited, so no task
  outlives the call; if one attempt fails the other is still awaited, and the
  call fails only when both have.

This is the one interceptor that runs ``next`` outside the caller's task: both
attempts run in tasks made with a copy of the caller's context, so contextvars
(and OpenTelemetry's current span) are the caller's. A read that cannot be
hedged (no budget, no delay known yet, too little time left) runs in the
caller's task as usual.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable
from typing import Any

from qdpool.call import Call
from qdpool.events import NULL_OBSERVER, Observer
from qdpool.operations.spec import Operation
from qdpool.pipeline import Handler
from qdpool.policies import UNSET, HedgePolicy, current_overrides

_WINDOW = 512
"""Latencies kept per operation and protocol."""
_REFRESH = 32
"""The percentile is recomputed every this many samples."""


async def _attempt(next: Handler, call: Call) -> Any:
    """One attempt as a coroutine, so it can be a task (``next`` returns any awaitable)."""
    return await next(call)


class LatencyTracker:
    """Recent latencies of one operation over one protocol, and their percentile."""

    __slots__ = ("_next", "_percentile", "_samples", "_since_refresh", "count", "value")

    def __init__(self, percentile: float) -> None:
        self._percentile = percentile
        self._samples: list[float] = []
        self._next = 0
        self._since_refresh = 0
        self.count = 0
        self.value: float | None = None
        """The percentile of the kept samples, or None before the first refresh."""

    def add(self, seconds: float) -> None:
        samples = self._samples
        if len(samples) < _WINDOW:
            samples.append(seconds)
        else:
            samples[self._next] = seconds
            self._next = (self._next + 1) % _WINDOW
        self.count += 1
        self._since_refresh += 1
        if self._since_refresh >= _REFRESH or self.value is None:
            self._since_refresh = 0
            ordered = sorted(samples)
            index = min(len(ordered) - 1, int(len(ordered) * self._percentile / 100))
            self.value = ordered[index]


class Hedge:
    """The interceptor: hedges reads under a ``HedgePolicy`` (None: off unless overridden)."""

    name = "hedge"
    __slots__ = ("_balance", "_clock", "_observer", "_trackers", "policy", "reads", "sent", "won")

    def __init__(
        self,
        policy: HedgePolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        observer: Observer | None = None,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._observer = observer or NULL_OBSERVER
        self._trackers: dict[str, dict[Operation[Any], LatencyTracker]] = {}
        self._balance = 0.0
        self.reads = 0
        """Reads that could have been hedged (the budget's base)."""
        self.sent = 0
        """Hedges sent."""
        self.won = 0
        """Hedges that answered first."""

    def tracker(
        self, operation: Operation[Any], protocol: str, percentile: float
    ) -> LatencyTracker:
        by_op = self._trackers.get(protocol)
        if by_op is None:
            by_op = self._trackers[protocol] = {}
        tracker = by_op.get(operation)
        if tracker is None:
            tracker = by_op[operation] = LatencyTracker(percentile)
        return tracker

    def delay_for(self, operation: Operation[Any], protocol: str) -> float | None:
        """The hedging delay for ``operation`` now, or None if none is known yet."""
        policy = self.policy
        if policy is None:
            return None
        return self._delay(policy, self.tracker(operation, protocol, policy.percentile))

    @staticmethod
    def _delay(policy: HedgePolicy, tracker: LatencyTracker) -> float | None:
        if policy.delay is not None:
            return policy.delay
        if tracker.count < policy.min_samples or tracker.value is None:
            return None
        return max(policy.min_delay, tracker.value)

    async def __call__(self, call: Call, next: Handler) -> Any:
        if not call.operation.read:
            return await next(call)
        policy = self.policy
        overrides = current_overrides()
        if overrides is not None and overrides.hedge is not UNSET:
            policy = overrides.hedge
        if policy is None:
            return await next(call)
        self.reads += 1
        self._balance = min(policy.max_burst, self._balance + policy.max_extra_load)
        tracker = self.tracker(call.operation, call.protocol, policy.percentile)
        delay = self._delay(policy, tracker)
        clock = self._clock
        start = clock()
        if delay is None or self._balance < 1 or start + delay >= call.attempt_deadline:
            result = await next(call)
            tracker.add(clock() - start)
            return result
        return await self._hedged(call, next, policy, tracker, delay, start)

    async def _hedged(
        self,
        call: Call,
        next: Handler,
        policy: HedgePolicy,
        tracker: LatencyTracker,
        delay: float,
        start: float,
    ) -> Any:
        primary = asyncio.create_task(_attempt(next, call), context=contextvars.copy_context())
        pending: set[asyncio.Task[Any]] = {primary}
        hedge_call: Call | None = None
        hedge: asyncio.Task[Any] | None = None
        first_error: BaseException | None = None
        try:
            done, _ = await asyncio.wait(pending, timeout=delay)
            if primary in done:
                result = primary.result()  # raises the primary's error: retry decides
                tracker.add(self._clock() - start)
                return result
            if self._balance >= 1:
                self._balance -= 1
                self.sent += 1
                hedge_call = call.copy()
                hedge_call.attempt = call.attempt + 1
                self._observer.on_hedge(call, delay)
                hedge = asyncio.create_task(
                    _attempt(next, hedge_call), context=contextvars.copy_context()
                )
                pending.add(hedge)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in (primary, hedge):
                    if task is None or task not in done:
                        continue
                    error = task.exception()
                    if error is None:
                        if task is hedge:
                            self.won += 1
                            self._observer.on_hedge_won(call)
                        tracker.add(self._clock() - start)
                        return task.result()
                    if first_error is None:
                        first_error = error
            assert first_error is not None
            raise first_error
        finally:
            for task in (primary, hedge):
                if task is not None and not task.done():
                    task.cancel()
            leftovers = [t for t in (primary, hedge) if t is not None and not t.done()]
            if leftovers:
                await asyncio.wait(leftovers)
            for task in (primary, hedge):
                # Mark every error as retrieved, so none is logged as "never retrieved".
                if task is not None and task.done() and not task.cancelled():
                    task.exception()
            if hedge_call is not None:
                call.attempt = hedge_call.attempt
                if hedge_call.sent:
                    call.sent = True

    def __repr__(self) -> str:
        p = self.policy
        if p is None:
            return "Hedge(off)"
        when = f"{p.delay:g}s" if p.delay is not None else f"p{p.percentile:g}"
        return (
            f"Hedge(after {when}, budget {p.max_extra_load:.0%}: "
            f"{self.sent} sent / {self.reads} reads, {self.won} won)"
        )
