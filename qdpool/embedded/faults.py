"""Fault injection for resilience tests, and a log of the trace headers each request carried.

Off unless asked: with no rules every request is served untouched.  A rule
matches an operation name (one of ``qdpool.operations.NAMES``, or ``"*"``) and a
protocol (``"rest"``, ``"grpc"`` or ``"*"``) and does one thing:

``error``    answer with an HTTP status (408, 429, 500, 502, 503, 504) or the gRPC
             code Qdrant would use for it (429 → RESOURCE_EXHAUSTED with
             ``retry-after`` metadata, 500 → INTERNAL, 502/503 → UNAVAILABLE,
             408/504 → DEADLINE_EXCEEDED).
``latency``  wait ``delay`` seconds, then serve normally.
``stall``    hang for ``delay`` seconds (default 60, beyond any sane client deadline),
             then serve; released at once when the server stops.
``drop``     REST: close the TCP connection without answering.  gRPC: grpc.aio gives a
             handler no way to reset its connection, so the call is aborted with
             UNAVAILABLE and the message ``Connection reset by peer``, which is the
             status a gRPC client reports for a dropped connection.
``outage``   every matching request fails with ``status`` (default 503) for
             ``duration`` seconds after the rule is added.

Each rule fires with probability ``rate`` and at most ``count`` times, and may
expire after ``duration`` seconds.  Probabilities are drawn from one seeded RNG
in request order, so a test that sends the same requests sees the same faults.
Rules are evaluated in the order they were added: ``latency`` and ``stall``
add up, and the first ``error``/``drop``/``outage`` that fires ends evaluation.
Counters record what was injected and what was served, per protocol and operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from qdpool.operations import NAMES

KINDS = ("error", "latency", "stall", "drop", "outage")
PROTOCOLS = ("rest", "grpc", "*")
ERROR_STATUSES = (408, 429, 500, 502, 503, 504)
DEFAULT_STALL = 60.0

# The message each injected status carries, worded like Qdrant's own errors.
_STATUS_TEXT = {
    408: "Timeout error",
    429: "Too many requests",
    500: "Service internal error",
    502: "Bad gateway",
    503: "Shard temporarily unavailable",
    504: "Timeout error",
}


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One fault to inject; validated on construction.

    Attributes:
        kind: ``error``, ``latency``, ``stall``, ``drop`` or ``outage``.
        operation: an operation name such as ``"query_points"``, or ``"*"``.
        protocol: ``"rest"``, ``"grpc"`` or ``"*"``.
        status: HTTP status for ``error`` and ``outage`` (default 503).
        delay: seconds added by ``latency``; how long a ``stall`` hangs.
        rate: probability in [0, 1] that a matching request triggers the rule.
        count: fire at most this many times (the first N triggering requests).
        duration: the rule is active for this many seconds after it is added
            (required for ``outage``).
        retry_after: seconds sent in ``Retry-After`` / ``retry-after`` (429 only;
            default 1).
        message: overrides the error text.
    """

    kind: str
    operation: str = "*"
    protocol: str = "*"
    status: int | None = None
    delay: float = 0.0
    rate: float = 1.0
    count: int | None = None
    duration: float | None = None
    retry_after: float | None = None
    message: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {self.kind!r}")
        if self.operation != "*" and self.operation not in NAMES:
            raise ValueError(
                f"operation must be '*' or one of {', '.join(sorted(NAMES))}; "
                f"got {self.operation!r}"
            )
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be 'rest', 'grpc' or '*'; got {self.protocol!r}")
        if not _finite(self.rate) or not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1]; got {self.rate!r}")
        if not _finite(self.delay) or self.delay < 0:
            raise ValueError(f"delay must be a non-negative number of seconds; got {self.delay!r}")
        if self.count is not None and (isinstance(self.count, bool) or self.count < 1):
            raise ValueError(f"count must be a positive integer or None; got {self.count!r}")
        if self.duration is not None and (not _finite(self.duration) or self.duration <= 0):
            raise ValueError(
                f"duration must be a positive number of seconds; got {self.duration!r}"
            )
        if self.kind in ("error", "outage"):
            if self.status not in ERROR_STATUSES:
                raise ValueError(
                    f"{self.kind} needs status in {ERROR_STATUSES}; got {self.status!r}"
                )
        elif self.status is not None:
            raise ValueError(f"status applies to error and outage rules, not {self.kind}")
        if self.kind == "outage" and self.duration is None:
            raise ValueError("an outage needs a duration in seconds")
        if self.kind == "latency" and self.delay <= 0:
            raise ValueError("latency needs a positive delay")
        if self.retry_after is not None:
            if self.status != 429:
                raise ValueError("retry_after applies to status 429 only")
            if not _finite(self.retry_after) or self.retry_after < 0:
                raise ValueError(f"retry_after must be >= 0 seconds; got {self.retry_after!r}")

    # Readable constructors: FaultRule.error(503, operation="query_points", count=2).

    @classmethod
    def error(cls, status: int = 503, **kw: Any) -> FaultRule:
        """Answer ``status`` (429 adds ``Retry-After``)."""
        if status == 429 and kw.get("retry_after") is None:
            kw["retry_after"] = 1.0
        return cls("error", status=status, **kw)

    @classmethod
    def latency(cls, delay: float, **kw: Any) -> FaultRule:
        """Serve after an extra ``delay`` seconds (use ``rate`` for "sometimes slow")."""
        return cls("latency", delay=delay, **kw)

    @classmethod
    def stall(cls, delay: float = DEFAULT_STALL, **kw: Any) -> FaultRule:
        """Hang for ``delay`` seconds: longer than the client's deadline."""
        return cls("stall", delay=delay, **kw)

    @classmethod
    def drop(cls, **kw: Any) -> FaultRule:
        """Drop the connection without an answer."""
        return cls("drop", **kw)

    @classmethod
    def outage(cls, duration: float, status: int = 503, **kw: Any) -> FaultRule:
        """Fail everything matching for ``duration`` seconds."""
        return cls("outage", status=status, duration=duration, **kw)

    @property
    def effective_delay(self) -> float:
        """Seconds this rule holds a request when it fires."""
        if self.kind == "stall":
            return self.delay or DEFAULT_STALL
        return self.delay if self.kind == "latency" else 0.0

    @property
    def effective_retry_after(self) -> float | None:
        if self.status != 429:
            return None
        return 1.0 if self.retry_after is None else self.retry_after

    def error_message(self, rule_id: int) -> str:
        """The text of an injected error, marked as injected so logs never mislead."""
        if self.message:
            return self.message
        assert self.status is not None
        return (
            f"{_STATUS_TEXT[self.status]}: injected by qdpool fault rule #{rule_id} ({self.kind})"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> FaultRule:
        """Build a rule from the admin endpoint's JSON; raises ``ValueError`` when invalid."""
        if not isinstance(data, dict):
            raise ValueError("a fault rule must be a JSON object")
        allowed = set(cls.__dataclass_fields__)
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; expected {sorted(allowed)}")
        if "kind" not in data:
            raise ValueError("missing field 'kind'")
        kw = dict(data)
        if kw["kind"] == "error" and kw.get("status") is None:
            kw["status"] = 503
        if kw["kind"] == "outage" and kw.get("status") is None:
            kw["status"] = 503
        if kw.get("status") == 429 and kw.get("retry_after") is None:
            kw["retry_after"] = 1.0
        if kw["kind"] == "stall" and not kw.get("delay"):
            kw["delay"] = DEFAULT_STALL
        for name in ("delay", "rate", "duration", "retry_after"):
            if isinstance(kw.get(name), bool) or not (
                kw.get(name) is None or isinstance(kw.get(name), int | float)
            ):
                raise ValueError(f"{name} must be a number")
        try:
            return cls(**kw)
        except TypeError as exc:
            raise ValueError(str(exc)) from None

    def matches(self, protocol: str, operation: str) -> bool:
        return self.protocol in ("*", protocol) and self.operation in ("*", operation)


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one request: wait ``delay`` seconds, then fail as ``rule`` says or serve.

    ``rule`` is the ``error``/``drop``/``outage`` rule that fired, or None to serve.
    """

    delay: float = 0.0
    rule: FaultRule | None = None
    rule_id: int = 0


SERVE = Decision()


@dataclass(slots=True)
class _Installed:
    id: int
    rule: FaultRule
    added_at: float
    fired: int = 0


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One request as received: which door, which operation, and its trace headers."""

    protocol: str
    operation: str
    traceparent: str | None
    tracestate: str | None
    collection: str | None = None
    at: float = field(default_factory=time.time)


class FaultInjector:
    """The rules, the seeded RNG and the counters; shared by the REST and gRPC doors.

    Thread-safe (tests may add rules from another thread); ``sleep`` must be
    awaited on the server's event loop.
    """

    def __init__(
        self, seed: int = 0, *, clock: Callable[[], float] = time.monotonic, log_size: int = 1000
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._ids = itertools.count(1)
        self._rules: list[_Installed] = []
        self.seed = seed
        self._rng = random.Random(seed)
        self.injected: Counter[tuple[str, str, str]] = Counter()
        self.served: Counter[tuple[str, str]] = Counter()
        self.received: deque[ReceivedRequest] = deque(maxlen=log_size)
        self._released: asyncio.Event | None = None

    # -- configuration ---------------------------------------------------------------

    def add(self, rule: FaultRule) -> int:
        """Install a rule; returns its id (for ``remove``)."""
        if not isinstance(rule, FaultRule):
            raise TypeError(f"expected a FaultRule, got {type(rule).__name__}")
        with self._lock:
            rule_id = next(self._ids)
            self._rules.append(_Installed(rule_id, rule, self._clock()))
            return rule_id

    def remove(self, rule_id: int) -> bool:
        """Remove one rule; False if there was none with that id."""
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        """Remove every rule (counters are kept)."""
        with self._lock:
            self._rules.clear()

    def reset(self, seed: int | None = None) -> None:
        """Back to a clean state: no rules, zero counters, empty log, RNG reseeded."""
        with self._lock:
            self._rules.clear()
            if seed is not None:
                self.seed = seed
            self._rng = random.Random(self.seed)
            self.injected.clear()
            self.served.clear()
            self.received.clear()

    def rules(self) -> list[dict[str, Any]]:
        """The installed rules with their ids, how often each fired, and whether active."""
        now = self._clock()
        with self._lock:
            return [
                {
                    "id": r.id,
                    **r.rule.to_json(),
                    "fired": r.fired,
                    "active": self._active(r, now),
                }
                for r in self._rules
            ]

    # -- per request -----------------------------------------------------------------

    def record_request(
        self,
        protocol: str,
        operation: str,
        traceparent: str | None,
        tracestate: str | None,
        collection: str | None = None,
    ) -> None:
        """Log the trace headers of a request (a bounded ring; oldest dropped first)."""
        self.received.append(
            ReceivedRequest(protocol, operation, traceparent, tracestate, collection)
        )

    def decide(self, protocol: str, operation: str) -> Decision:
        """Evaluate the rules for one request; counts what it injects."""
        if not self._rules:
            return SERVE
        now = self._clock()
        delay = 0.0
        with self._lock:
            for installed in self._rules:
                rule = installed.rule
                if not rule.matches(protocol, operation) or not self._active(installed, now):
                    continue
                if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                    continue
                installed.fired += 1
                self.injected[(protocol, operation, rule.kind)] += 1
                if rule.kind in ("latency", "stall"):
                    delay += rule.effective_delay
                    continue
                return Decision(delay, rule, installed.id)
        return Decision(delay) if delay else SERVE

    def record_served(self, protocol: str, operation: str) -> None:
        """Count a request that went on to the engine (after any injected delay)."""
        self.served[(protocol, operation)] += 1

    def arm(self) -> None:
        """Make ``sleep`` wait again (server start, after a ``release``)."""
        self._released = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        """Wait for an injected delay; returns early when the server stops."""
        if self._released is None:
            self.arm()
        assert self._released is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), timeout=seconds)

    def release(self) -> None:
        """End every pending delay and stall now (server shutdown)."""
        if self._released is not None:
            self._released.set()

    # -- counters --------------------------------------------------------------------

    def injected_count(
        self, kind: str | None = None, operation: str | None = None, protocol: str | None = None
    ) -> int:
        """How many faults were injected, optionally narrowed by kind/operation/protocol."""
        return sum(
            n
            for (p, o, k), n in list(self.injected.items())
            if (kind is None or k == kind)
            and (operation is None or o == operation)
            and (protocol is None or p == protocol)
        )

    def served_count(self, operation: str | None = None, protocol: str | None = None) -> int:
        """How many requests were passed on to be served."""
        return sum(
            n
            for (p, o), n in list(self.served.items())
            if (operation is None or o == operation) and (protocol is None or p == protocol)
        )

    def stats(self) -> dict[str, Any]:
        """Rules and counters as JSON (the admin endpoint's ``GET /qdpool/faults``)."""
        return {
            "seed": self.seed,
            "rules": self.rules(),
            "injected": [
                {"protocol": p, "operation": o, "kind": k, "count": n}
                for (p, o, k), n in sorted(self.injected.items())
            ],
            "served": [
                {"protocol": p, "operation": o, "count": n}
                for (p, o), n in sorted(self.served.items())
            ],
        }

    def received_json(self, last: int | None = None) -> list[dict[str, Any]]:
        items: Iterable[ReceivedRequest] = list(self.received)
        if last is not None:
            items = list(items)[-last:] if last > 0 else []
        return [asdict(r) for r in items]

    def _active(self, installed: _Installed, now: float) -> bool:
        rule = installed.rule
        if rule.count is not None and installed.fired >= rule.count:
            return False
        return rule.duration is None or now < installed.added_at + rule.duration


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
