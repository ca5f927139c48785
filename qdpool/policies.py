"""Resilience policies: frozen, validated settings, kept apart from the code that applies them.

Each policy is a small value object. Build it once, share it freely, derive a
variant with ``replace()`` (the original never changes). The interceptors in
``qdpool.interceptors`` read these objects; they never write to them.

=================  ============================================================  ==============
policy             what it bounds                                                default
=================  ============================================================  ==============
RetryPolicy        attempts per call, backoff (full jitter), per-try timeout     on
RetryBudgetPolicy  retries as a share of calls, across both protocols            on (20% + 10/s)
BreakerPolicy      failure / slow-call ratio per endpoint and protocol           on
ConcurrencyPolicy  attempts in flight per node (optionally adaptive, AIMD)       on (2 x cores)
RateLimitPolicy    requests per second per client (and per collection)          off
HedgePolicy        a second attempt for slow reads, within an extra-load budget  off
FallbackPolicy     gRPC attempts moved to REST while gRPC is down                off
=================  ============================================================  ==============

Per-call overrides go through ``override()``: a context manager that changes
the retry or hedge policy for the calls made inside it (and only those), without
touching the client's defaults::

    with qdpool.override(retry=RetryPolicy(max_attempts=1)):
        await client.upsert("docs", points)

docs/resilience.md explains every field and the pipeline order.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

_P = TypeVar("_P")

Jitter = Literal["full", "equal", "none"]


def _positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be {bound}, got {value!r}")


def _ratio(name: str, value: float, *, allow_zero: bool = True) -> None:
    _positive(name, value, allow_zero=allow_zero)
    if value > 1:
        raise ValueError(f"{name} must be a ratio between 0 and 1, got {value!r}")


def _count(name: str, value: int, *, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


class _Replace:
    """``replace(**changes)``: a validated copy with some fields changed."""

    __slots__ = ()

    def replace(self: _P, **changes: Any) -> _P:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True, slots=True)
class RetryPolicy(_Replace):
    """When and how often a failed attempt is repeated.

    Only transient failures are retried (see ``qdpool.classify``), and a call that
    is not idempotent only when its request provably never reached the server.

    Attributes:
        max_attempts: attempts per call, the first one included (1 turns retries off).
        base: the backoff before the first retry, before jitter, in seconds.
        cap: the largest backoff, before jitter, in seconds.
        multiplier: growth of the backoff per retry.
        jitter: ``"full"`` (uniform in [0, backoff], the default: least total work,
            per Brooker's measurements), ``"equal"`` (half fixed, half random) or
            ``"none"`` (for tests only: synchronised clients retry in lockstep).
        per_try_timeout: seconds one attempt may take; None lets each attempt use
            all that remains of the call's deadline. A timed-out attempt is retried
            while the deadline leaves room.
        honour_retry_after: wait at least the server's ``Retry-After`` /
            ``retry-after`` hint before retrying a 429 / RESOURCE_EXHAUSTED.
        max_retry_after: the longest server hint obeyed; a longer one fails the call
            at once rather than parking it.
    """

    max_attempts: int = 5
    base: float = 0.1
    cap: float = 5.0
    multiplier: float = 2.0
    jitter: Jitter = "full"
    per_try_timeout: float | None = None
    honour_retry_after: bool = True
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        _count("max_attempts", self.max_attempts)
        if self.max_attempts > 100:
            raise ValueError(f"max_attempts must be at most 100, got {self.max_attempts}")
        _positive("base", self.base, allow_zero=True)
        _positive("cap", self.cap, allow_zero=True)
        if self.cap < self.base:
            raise ValueError(f"cap ({self.cap}) must not be below base ({self.base})")
        _positive("multiplier", self.multiplier)
        if self.multiplier < 1:
            raise ValueError(f"multiplier must be >= 1, got {self.multiplier}")
        if self.jitter not in ("full", "equal", "none"):
            raise ValueError(f"jitter must be 'full', 'equal' or 'none', got {self.jitter!r}")
        if self.per_try_timeout is not None:
            _positive("per_try_timeout", self.per_try_timeout)
        _positive("max_retry_after", self.max_retry_after, allow_zero=True)

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """One attempt only (the budget and classifier still apply to nothing)."""
        return cls(max_attempts=1)


@dataclass(frozen=True, slots=True)
class RetryBudgetPolicy(_Replace):
    """How many retries the client may send, relative to how many calls it makes.

    Finagle's and Linkerd's budget: every call deposits ``ratio`` of a retry,
    deposits expire after ``ttl`` seconds, and a floor of ``min_per_second``
    retries per second is always allowed (so a quiet client can still retry).
    When the balance is spent, a call that would retry fails at once with
    ``RetryBudgetExhausted``. With the server failing every request, attempts stay
    at or below ``calls x (1 + ratio) + min_per_second x ttl`` in any ``ttl`` window.
    One budget is shared by every call of a client, over REST and gRPC alike.

    Attributes:
        ratio: retries allowed per call (0.2: at most 20% extra attempts).
        ttl: seconds a deposit counts for (the sliding window).
        min_per_second: retries per second allowed whatever the traffic; 0 for none.
    """

    ratio: float = 0.2
    ttl: float = 10.0
    min_per_second: float = 10.0

    def __post_init__(self) -> None:
        _positive("ratio", self.ratio, allow_zero=True)
        if self.ratio > 10:
            raise ValueError(f"ratio must be at most 10, got {self.ratio}")
        _positive("ttl", self.ttl)
        if not 1.0 <= self.ttl <= 3600:
            raise ValueError(f"ttl must be between 1 and 3600 seconds, got {self.ttl}")
        _positive("min_per_second", self.min_per_second, allow_zero=True)


@dataclass(frozen=True, slots=True)
class BreakerPolicy(_Replace):
    """When the circuit breaker of one endpoint and protocol opens, and how it closes.

    Outcomes of the last ``window`` seconds are kept in one-second buckets. Once at
    least ``minimum_calls`` are in the window, the breaker opens when the share of
    failures reaches ``failure_ratio`` or the share of calls slower than
    ``slow_call_duration`` reaches ``slow_call_ratio``. Which errors count as
    failures is decided by ``qdpool.classify`` (the same classifier retry uses):
    unavailability, timeouts and server errors do; the caller's mistakes (4xx) and
    rate limiting do not. While open, attempts fail at once with ``CircuitOpen``
    and nothing is sent. After ``open_duration`` the breaker is half-open: at most
    ``half_open_probes`` attempts go through; if all succeed it closes, and the
    first failure opens it again.

    Attributes:
        failure_ratio: share of failed calls that opens the breaker (0 < r <= 1).
        slow_call_ratio: share of slow calls that opens it (1.0: all of them).
        slow_call_duration: seconds after which a successful call counts as slow.
        window: seconds of history the ratios are computed over.
        minimum_calls: calls in the window before the ratios are trusted.
        open_duration: seconds the breaker stays open before probing.
        half_open_probes: attempts let through (and needed to succeed) while half-open.
    """

    failure_ratio: float = 0.5
    slow_call_ratio: float = 1.0
    slow_call_duration: float = 2.0
    window: float = 10.0
    minimum_calls: int = 20
    open_duration: float = 5.0
    half_open_probes: int = 3

    def __post_init__(self) -> None:
        _ratio("failure_ratio", self.failure_ratio, allow_zero=False)
        _ratio("slow_call_ratio", self.slow_call_ratio, allow_zero=False)
        _positive("slow_call_duration", self.slow_call_duration)
        _positive("window", self.window)
        if not 1.0 <= self.window <= 600:
            raise ValueError(f"window must be between 1 and 600 seconds, got {self.window}")
        _count("minimum_calls", self.minimum_calls)
        _positive("open_duration", self.open_duration)
        _count("half_open_probes", self.half_open_probes)


SERVER: Literal["server"] = "server"
"""``ConcurrencyPolicy(limit=SERVER)``: size the limit from each node's cores (the default)."""


@dataclass(frozen=True, slots=True)
class ConcurrencyPolicy(_Replace):
    """How many attempts may be in flight to one node at once.

    By default the limit is sized from the server: ``per_core`` (2) times the cores
    the node reports in ``GET /telemetry`` (``result.app.system.cores``), read once
    per node when the client starts. Qdrant's own CPUs bound how much work it can do
    at once, so that is the node's concurrency, whatever the client's CPU count.
    When telemetry is not readable (a gRPC-only client, a key without access to
    ``/telemetry``, no answer within a second), the node gets ``fallback_limit``.
    An explicit ``limit=`` is used as given and nothing is read.

    The slot is held for one attempt only (never during a retry's backoff), and
    waiting for it counts against the call's deadline but not against the attempt's
    ``per_try_timeout``. With ``adaptive=True`` the limit moves by AIMD (as
    Netflix's concurrency-limits recommends for clients), starting from the sized
    or given limit: it grows by one after a success while at least half the limit
    is in use, and is multiplied by ``backoff_ratio`` after a timeout, an overload
    answer, or an attempt slower than ``latency_threshold``.

    Attributes:
        limit: ``"server"`` (``qdpool.policies.SERVER``, the default) to size it
            from each node's cores, or a fixed number (the starting limit when
            adaptive).
        per_core: attempts in flight per core the node reports (the seed's rule: 2).
        fallback_limit: the limit of a node whose cores could not be read
            (64: as many as the REST pool's default connections).
        adaptive: let the limit move between ``min_limit`` and ``max_limit``.
        min_limit: the adaptive limit never goes below this.
        max_limit: the adaptive limit never goes above this (a sized starting limit
            is brought within both bounds).
        backoff_ratio: multiplier applied to the adaptive limit on a drop.
        latency_threshold: seconds after which a successful attempt counts as a drop.
    """

    limit: int | Literal["server"] = SERVER
    per_core: int = 2
    fallback_limit: int = 64
    adaptive: bool = False
    min_limit: int = 1
    max_limit: int = 1000
    backoff_ratio: float = 0.9
    latency_threshold: float = 1.0

    def __post_init__(self) -> None:
        if self.limit != SERVER and (
            isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1
        ):
            raise ValueError(f"limit must be 'server' or an integer >= 1, got {self.limit!r}")
        _count("per_core", self.per_core)
        _count("fallback_limit", self.fallback_limit)
        _count("min_limit", self.min_limit)
        _count("max_limit", self.max_limit)
        if self.min_limit > self.max_limit:
            raise ValueError(f"min_limit ({self.min_limit}) exceeds max_limit ({self.max_limit})")
        if (
            self.adaptive
            and isinstance(self.limit, int)
            and not self.min_limit <= self.limit <= self.max_limit
        ):
            raise ValueError(
                f"limit ({self.limit}) must lie between min_limit ({self.min_limit}) and "
                f"max_limit ({self.max_limit}) when adaptive"
            )
        _ratio("backoff_ratio", self.backoff_ratio, allow_zero=False)
        if self.backoff_ratio >= 1:
            raise ValueError(f"backoff_ratio must be below 1, got {self.backoff_ratio}")
        _positive("latency_threshold", self.latency_threshold)

    @property
    def sized_from_server(self) -> bool:
        """True when each node's limit comes from its reported cores."""
        return self.limit == SERVER

    def limit_for(self, cores: int | None) -> int:
        """A node's (starting) limit: the given one, else ``per_core x cores``, else the
        fallback when the cores are unknown; within ``[min_limit, max_limit]`` when adaptive."""
        if isinstance(self.limit, int):
            return self.limit
        limit = self.per_core * cores if cores is not None else self.fallback_limit
        if self.adaptive:
            limit = min(self.max_limit, max(self.min_limit, limit))
        return limit


@dataclass(frozen=True, slots=True)
class RateLimitPolicy(_Replace):
    """Client-side request rate, with aiolimiter's leaky bucket.

    ``aiolimiter.AsyncLimiter(max_rate, period)`` lets ``max_rate`` requests through
    at once from an empty bucket, so a limit of 100/s can send 200 requests in its
    first second. qdpool sizes the bucket by ``burst`` instead:
    ``AsyncLimiter(burst, burst / rate)`` drains at the same ``rate`` but holds at
    most ``burst`` requests, so over any interval of ``t`` seconds at most
    ``burst + rate x t`` requests start, from the first second on. The default
    ``burst=1`` spaces requests evenly.

    Every attempt takes a token (retries and hedges included), and waiting for one
    counts against the call's deadline.

    Attributes:
        rate: requests per second for the whole client.
        burst: requests that may start back to back (the bucket's capacity).
        per_collection: requests per second for each collection, on top of ``rate``;
            None for no per-collection limit.
    """

    rate: float
    burst: int = 1
    per_collection: float | None = None

    def __post_init__(self) -> None:
        _positive("rate", self.rate)
        _count("burst", self.burst)
        if self.per_collection is not None:
            _positive("per_collection", self.per_collection)


@dataclass(frozen=True, slots=True)
class HedgePolicy(_Replace):
    """A second attempt for a slow read; the first answer wins and the other is cancelled.

    Reads only (query, retrieve, count, scroll, get, list): a write is never hedged.
    The hedge goes out after ``delay`` seconds, or, with ``delay=None``, after the
    ``percentile`` of that operation's recently observed latency (the p95 by
    default: then about 5% of calls are slow enough to be hedged). Until
    ``min_samples`` latencies have been seen, no hedge is sent. A budget caps the
    extra requests: each read earns ``max_extra_load`` of a hedge and each hedge
    spends one, so hedges never exceed that share of reads.

    Attributes:
        delay: a fixed hedging delay in seconds, or None for the observed percentile.
        percentile: which latency percentile to hedge at when ``delay`` is None.
        min_delay: the observed delay is never taken below this.
        max_extra_load: the most extra requests hedging may add, as a share of reads.
        min_samples: latencies observed before percentile-based hedging starts.
        max_burst: the most unspent hedges a quiet period can save up.
    """

    delay: float | None = None
    percentile: float = 95.0
    min_delay: float = 0.001
    max_extra_load: float = 0.05
    min_samples: int = 50
    max_burst: float = 10.0

    def __post_init__(self) -> None:
        if self.delay is not None:
            _positive("delay", self.delay, allow_zero=True)
        _positive("percentile", self.percentile)
        if not 50 <= self.percentile < 100:
            raise ValueError(f"percentile must be in [50, 100), got {self.percentile}")
        _positive("min_delay", self.min_delay, allow_zero=True)
        _ratio("max_extra_load", self.max_extra_load)
        _count("min_samples", self.min_samples)
        _positive("max_burst", self.max_burst)
        if self.max_burst < 1:
            raise ValueError(f"max_burst must be at least 1, got {self.max_burst}")


@dataclass(frozen=True, slots=True)
class FallbackPolicy(_Replace):
    """Opt-in: send gRPC attempts over REST while gRPC is unavailable.

    gRPC counts as unavailable while its breaker is open, and for ``recheck_after``
    seconds after an attempt failed to reach the server at all (a refused or
    failed connection, so nothing was sent). Meanwhile attempts go over REST; after
    that, gRPC is tried again (through the breaker's half-open probes when a
    breaker is configured), and calls go back to gRPC once it answers.

    Attributes:
        recheck_after: seconds to stay on REST after a gRPC connection failure.
    """

    recheck_after: float = 1.0

    def __post_init__(self) -> None:
        _positive("recheck_after", self.recheck_after)


# ----------------------------------------------------------------- per-call overrides


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Marks an override that was not given (None means "turned off")."""


@dataclass(frozen=True, slots=True)
class Overrides:
    """Policies that replace the client's defaults for the calls made in ``override()``."""

    retry: RetryPolicy | None = UNSET
    hedge: HedgePolicy | None = UNSET


_OVERRIDES: ContextVar[Overrides | None] = ContextVar("qdpool_overrides", default=None)


def current_overrides() -> Overrides | None:
    """The overrides in force in this context, or None (the common case)."""
    return _OVERRIDES.get()


@contextmanager
def override(
    *, retry: RetryPolicy | None = UNSET, hedge: HedgePolicy | None = UNSET
) -> Iterator[Overrides]:
    """Use other retry or hedge policies for the calls made inside the ``with`` block.

    ``None`` turns the policy off for those calls; an argument left out keeps the
    enclosing setting. The client's own policies are never changed, and calls made
    by other tasks are not affected (the setting lives in a contextvar).

    >>> with qdpool.override(retry=None):
    ...     await client.create_collection("docs", size=384)
    """
    for name, value, kind in (("retry", retry, RetryPolicy), ("hedge", hedge, HedgePolicy)):
        if value is not UNSET and value is not None and not isinstance(value, kind):
            raise TypeError(f"{name} must be a {kind.__name__} or None, not {type(value).__name__}")
    outer = _OVERRIDES.get()
    merged = Overrides(
        retry=retry if retry is not UNSET else (outer.retry if outer else UNSET),
        hedge=hedge if hedge is not UNSET else (outer.hedge if outer else UNSET),
    )
    token = _OVERRIDES.set(merged)
    try:
        yield merged
    finally:
        _OVERRIDES.reset(token)
