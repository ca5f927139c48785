"""Circuit breaker: stop sending to an endpoint (over one protocol) that keeps failing.

Two parts, kept apart as Polly does: ``CircuitBreaker`` is the state machine
(pure: a clock in, decisions out, no asyncio), and ``Breaker`` is the
interceptor that keeps one state machine per endpoint and protocol and applies
it to attempts. Both read ``BreakerPolicy``; what counts as a failure is
decided by ``qdpool.classify``, the classifier retry uses too.

States::

    closed ──(failure or slow-call ratio reached over the window,
              with at least minimum_calls)──▶ open
    open ──(open_duration elapsed)──▶ half_open
    half_open ──(half_open_probes successes)──▶ closed
    half_open ──(any failure)──▶ open

While open, ``Breaker`` raises ``CircuitOpen`` and nothing is sent. Half-open
lets at most ``half_open_probes`` attempts through at once; the rest are
refused as if it were open. An attempt's result is only counted in the state
it started in (a generation number tells), so a slow answer from before the
breaker opened cannot close it again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from qdpool.call import Call
from qdpool.classify import SUCCESS, Outcome, classify
from qdpool.endpoint import Endpoint
from qdpool.errors import CircuitOpen
from qdpool.events import NULL_OBSERVER, Observer
from qdpool.interceptors.window import SlidingCounts
from qdpool.pipeline import Handler
from qdpool.policies import BreakerPolicy

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"

_CALLS, _FAILURES, _SLOW = 0, 1, 2


class CircuitBreaker:
    """The breaker's state machine for one endpoint and protocol.

    ``acquire()`` asks to send an attempt and returns a generation number (or -1
    when refused); the attempt's end is reported with ``record(generation, ...)``
    or, when it ended without a verdict (cancelled, a local error), ``release``.
    """

    __slots__ = (
        "_clock",
        "_counts",
        "_generation",
        "_on_change",
        "_opened_at",
        "_probes_ok",
        "_probes_out",
        "policy",
        "state",
    )

    def __init__(
        self,
        policy: BreakerPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.policy = policy or BreakerPolicy()
        self._clock = clock
        self._on_change = on_change
        self._counts = SlidingCounts(self.policy.window, 3, clock)
        self.state = CLOSED
        self._generation = 0
        self._opened_at = 0.0
        self._probes_out = 0
        self._probes_ok = 0

    # ------------------------------------------------------------ decisions

    def acquire(self) -> int:
        """The generation to report the attempt under, or -1 if it must not be sent."""
        state = self.state
        if state is CLOSED:
            return self._generation
        if state is OPEN:
            if self._clock() - self._opened_at < self.policy.open_duration:
                return -1
            self._transition(HALF_OPEN)
        if self._probes_out + self._probes_ok >= self.policy.half_open_probes:
            return -1
        self._probes_out += 1
        return self._generation

    def allows(self) -> bool:
        """Whether an attempt would be let through now (without reserving it)."""
        if self.state is CLOSED:
            return True
        if self.state is OPEN:
            return self._clock() - self._opened_at >= self.policy.open_duration
        return self._probes_out + self._probes_ok < self.policy.half_open_probes

    def retry_in(self) -> float:
        """Seconds until the breaker lets a probe through (0 when it would now)."""
        if self.state is OPEN:
            return max(0.0, self._opened_at + self.policy.open_duration - self._clock())
        return 0.0

    def record(
        self, generation: int, outcome: Outcome, duration: float, now: float | None = None
    ) -> None:
        """Report how an attempt acquired under ``generation`` ended (``now``: the clock
        reading at its end, when the caller has one)."""
        if generation != self._generation:
            return  # it started in an earlier state; its result no longer applies
        if not outcome.counted:
            self.release(generation)
            return
        slow = duration >= self.policy.slow_call_duration
        if self.state is HALF_OPEN:
            self._probes_out -= 1
            if outcome.failure or slow:
                self._open()
                return
            self._probes_ok += 1
            if self._probes_ok >= self.policy.half_open_probes:
                self._transition(CLOSED)
            return
        if self.state is not CLOSED:
            return
        counts = self._counts
        counts.add(_CALLS, 1, now)
        if outcome.failure:
            counts.add(_FAILURES, 1, now)
        if slow:
            counts.add(_SLOW, 1, now)
        self._open_if_over()

    def succeeded(self, generation: int, duration: float, now: float) -> None:
        """``record(generation, SUCCESS, duration, now)``, cheaper in the common case (a
        closed breaker, a call not slow): every attempt that succeeds reports here."""
        if (
            generation != self._generation
            or self.state is not CLOSED
            or duration >= self.policy.slow_call_duration
        ):
            self.record(generation, SUCCESS, duration, now)
            return
        counts = self._counts
        counts.add(_CALLS, 1, now)
        totals = counts.totals
        if totals[_FAILURES] or totals[_SLOW]:  # else no ratio (all > 0) can be reached
            self._open_if_over()

    def _open_if_over(self) -> None:
        calls, failures, slow_calls = self._counts.totals
        policy = self.policy
        if calls >= policy.minimum_calls and (
            failures >= policy.failure_ratio * calls or slow_calls >= policy.slow_call_ratio * calls
        ):
            self._open()

    def release(self, generation: int) -> None:
        """An attempt ended without a verdict; in half-open its probe slot is freed."""
        if generation == self._generation and self.state is HALF_OPEN and self._probes_out > 0:
            self._probes_out -= 1

    # ------------------------------------------------------------ transitions

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._transition(OPEN)

    def _transition(self, new: str) -> None:
        old = self.state
        self.state = new
        self._generation += 1
        self._probes_out = 0
        self._probes_ok = 0
        self._counts.clear()
        if self._on_change is not None and old != new:
            self._on_change(old, new)

    def __repr__(self) -> str:
        calls, failures, slow = self._counts.totals
        return (
            f"<CircuitBreaker {self.state} calls={calls} failures={failures} slow={slow} "
            f"retry_in={self.retry_in():.3f}s>"
        )


_MAX_CACHED = 256


class Breaker:
    """The interceptor: one ``CircuitBreaker`` per (endpoint, protocol), made on first use."""

    name = "breaker"
    __slots__ = ("_breakers", "_by_id", "_clock", "_observer", "policy", "rejected")

    def __init__(
        self,
        policy: BreakerPolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        observer: Observer | None = None,
    ) -> None:
        self.policy = policy or BreakerPolicy()
        self._clock = clock
        self._observer = observer or NULL_OBSERVER
        self._breakers: dict[Endpoint, dict[str, CircuitBreaker]] = {}
        self._by_id: dict[tuple[int, str], tuple[Endpoint, CircuitBreaker]] = {}
        """The per-call lookup: by the endpoint object's identity (hashing an ``Endpoint``
        costs a Python call), checked on every hit, holding the endpoint so its id stays
        its own; an equal endpoint in another object finds the same state machine."""
        self.rejected = 0
        """Attempts refused since the interceptor was made."""

    def get(self, endpoint: Endpoint, protocol: str) -> CircuitBreaker:
        """The state machine for ``endpoint`` over ``protocol`` (made if needed)."""
        by_protocol = self._breakers.get(endpoint)
        if by_protocol is None:
            by_protocol = self._breakers[endpoint] = {}
        breaker = by_protocol.get(protocol)
        if breaker is None:
            observer = self._observer
            where = str(endpoint)

            def on_change(old: str, new: str) -> None:
                observer.on_breaker_state(where, protocol, old, new)

            breaker = by_protocol[protocol] = CircuitBreaker(self.policy, self._clock, on_change)
        return breaker

    def state(self, endpoint: Endpoint, protocol: str) -> str:
        """``closed``, ``open`` or ``half_open``.

        An open breaker whose ``open_duration`` has passed reads ``half_open``.
        """
        breaker = self.get(endpoint, protocol)
        if breaker.state is OPEN and breaker.allows():
            return HALF_OPEN
        return breaker.state

    def allows(self, endpoint: Endpoint, protocol: str) -> bool:
        """Whether an attempt to ``endpoint`` over ``protocol`` would be let through now."""
        by_protocol = self._breakers.get(endpoint)
        breaker = by_protocol.get(protocol) if by_protocol is not None else None
        return breaker is None or breaker.allows()

    async def __call__(self, call: Call, next: Handler) -> Any:
        endpoint = call.endpoint
        entry = self._by_id.get((id(endpoint), call.protocol))
        if entry is not None and entry[0] is endpoint:
            breaker = entry[1]
        else:
            breaker = self._remember(endpoint, call.protocol)
        # acquire(), without its call, in the common case
        generation = breaker._generation if breaker.state is CLOSED else breaker.acquire()
        if generation < 0:
            self.rejected += 1
            self._observer.on_breaker_rejected(call)
            raise CircuitOpen(str(endpoint), call.protocol, breaker.retry_in())
        clock = self._clock
        start = clock()
        try:
            result = await next(call)
        except asyncio.CancelledError:
            breaker.release(generation)
            raise
        except Exception as error:
            end = clock()
            breaker.record(generation, classify(error), end - start, end)
            raise
        end = clock()
        breaker.succeeded(generation, end - start, end)
        return result

    def _remember(self, endpoint: Endpoint, protocol: str) -> CircuitBreaker:
        breaker = self.get(endpoint, protocol)
        if len(self._by_id) >= _MAX_CACHED:
            self._by_id.clear()
        self._by_id[(id(endpoint), protocol)] = (endpoint, breaker)
        return breaker

    def __repr__(self) -> str:
        states = [
            f"{endpoint} {protocol}: {breaker.state}"
            for endpoint, by_protocol in self._breakers.items()
            for protocol, breaker in by_protocol.items()
        ]
        return f"Breaker({', '.join(states) or 'no traffic yet'})"
