"""Resilience events as span events and metrics, and a way to combine observers.

``TelemetryObserver`` implements ``qdpool.events.Observer``. The retry, hedge,
breaker, rate-limit and concurrency interceptors all sit between the call's
span and the attempt spans, and call their observer in the call's own task, so
the current span there is the logical call's span: each event is added to it
(when it is recording) and counted in qdpool's metrics (always; a no-op meter
makes that nearly free). Events carry ``qdpool.attempt``, so a backoff or a
wait can be matched to the attempt span that follows it.

``CompositeObserver`` fans every hook out to several observers (telemetry's and
the user's own), isolating each from the others' exceptions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from opentelemetry import trace

from qdpool.call import Call
from qdpool.events import Observer
from qdpool.telemetry import semconv as sc
from qdpool.telemetry._shapes import Shapes, classify
from qdpool.telemetry.metrics import Instruments
from qdpool.telemetry.tracing import _current_context

logger = logging.getLogger("qdpool.telemetry")


def _event(name: str, attributes: dict[str, Any]) -> None:
    span = trace.get_current_span()
    if span.is_recording():
        span.add_event(name, attributes)


def _recording() -> bool:
    # An empty context (no span anywhere: no SDK, or outside any span) is told in one
    # context-variable read, without the span lookup.
    return bool(_current_context()) and trace.get_current_span().is_recording()


class TelemetryObserver:
    """Turns resilience events into span events on the current span, and into metrics."""

    __slots__ = ("_instruments", "_shapes")

    def __init__(self, instruments: Instruments, shapes: Shapes) -> None:
        self._instruments = instruments
        self._shapes = shapes

    def on_attempt_failed(self, call: Call, error: BaseException, will_retry: bool) -> None:
        if will_retry:
            self._instruments.retries.add(1, self._shapes.get(call).counter_attributes)
        if _recording():
            error_type, _ = classify(error)
            _event(
                sc.EVENT_ATTEMPT_FAILED,
                {
                    sc.QDPOOL_ATTEMPT: call.attempt,
                    sc.ERROR_TYPE: error_type,
                    sc.QDPOOL_WILL_RETRY: will_retry,
                },
            )

    def on_backoff(self, call: Call, delay: float) -> None:
        if _recording():
            _event(sc.EVENT_BACKOFF, {sc.QDPOOL_ATTEMPT: call.attempt, sc.QDPOOL_DELAY: delay})

    def on_retry_budget_exhausted(self, call: Call) -> None:
        self._instruments.budget_exhausted.add(1, self._shapes.get(call).counter_attributes)
        if _recording():
            _event(sc.EVENT_RETRY_BUDGET_EXHAUSTED, {sc.QDPOOL_ATTEMPT: call.attempt})

    def on_hedge(self, call: Call, delay: float) -> None:
        self._instruments.hedges_sent.add(1, self._shapes.get(call).counter_attributes)
        if _recording():
            _event(sc.EVENT_HEDGE, {sc.QDPOOL_ATTEMPT: call.attempt, sc.QDPOOL_DELAY: delay})

    def on_hedge_won(self, call: Call) -> None:
        self._instruments.hedges_won.add(1, self._shapes.get(call).counter_attributes)
        if _recording():
            _event(sc.EVENT_HEDGE_WON, {sc.QDPOOL_ATTEMPT: call.attempt})

    def on_breaker_rejected(self, call: Call) -> None:
        self._instruments.breaker_rejections.add(1, self._shapes.get(call).counter_attributes)
        if _recording():
            _event(
                sc.EVENT_BREAKER_REJECTED,
                {sc.QDPOOL_ATTEMPT: call.attempt, sc.QDPOOL_PROTOCOL: call.protocol},
            )

    def on_breaker_state(self, endpoint: str, protocol: str, old: str, new: str) -> None:
        attributes = {
            sc.QDPOOL_ENDPOINT: endpoint,
            sc.QDPOOL_PROTOCOL: protocol,
            sc.QDPOOL_BREAKER_PREVIOUS_STATE: old,
            sc.QDPOOL_BREAKER_STATE: new,
        }
        self._instruments.breaker_changes.add(1, attributes)
        _event(sc.EVENT_BREAKER_STATE, dict(attributes))

    def on_rate_limit_wait(self, call: Call, seconds: float) -> None:
        self._instruments.rate_limit_wait.record(seconds, self._shapes.get(call).counter_attributes)
        if _recording():
            _event(
                sc.EVENT_RATE_LIMIT_WAIT, {sc.QDPOOL_ATTEMPT: call.attempt, sc.QDPOOL_WAIT: seconds}
            )

    def on_concurrency_wait(self, call: Call, seconds: float) -> None:
        # Every queued call reports here (at 100 in flight over 64 slots, nearly every one):
        # nothing is looked up or built for a histogram that records nowhere.
        histogram = self._instruments.live_wait_time()
        if histogram is not None:
            histogram.record(seconds, self._shapes.get(call).wait_attributes)
        if _recording():
            _event(
                sc.EVENT_CONCURRENCY_WAIT,
                {sc.QDPOOL_ATTEMPT: call.attempt, sc.QDPOOL_WAIT: seconds},
            )

    def on_fallback(self, call: Call, from_protocol: str, to_protocol: str) -> None:
        attributes = {
            **self._shapes.get(call).counter_attributes,
            sc.QDPOOL_FALLBACK_FROM: from_protocol,
            sc.QDPOOL_FALLBACK_TO: to_protocol,
        }
        self._instruments.fallbacks.add(1, attributes)
        if _recording():
            _event(
                sc.EVENT_FALLBACK,
                {
                    sc.QDPOOL_ATTEMPT: call.attempt,
                    sc.QDPOOL_FALLBACK_FROM: from_protocol,
                    sc.QDPOOL_FALLBACK_TO: to_protocol,
                },
            )

    def __repr__(self) -> str:
        return "TelemetryObserver()"


class CompositeObserver:
    """Calls every hook on each of ``observers`` in order; one that raises is logged and skipped.

    Observers may implement any subset of the hooks.
    """

    __slots__ = ("observers",)

    def __init__(self, observers: Sequence[Observer]) -> None:
        self.observers: tuple[Observer, ...] = tuple(observers)

    def _each(self, hook: str, *args: Any) -> None:
        for observer in self.observers:
            method = getattr(observer, hook, None)
            if method is None:
                continue
            try:
                method(*args)
            except Exception:
                logger.exception("qdpool: observer %r failed in %s", observer, hook)

    def on_attempt_failed(self, call: Call, error: BaseException, will_retry: bool) -> None:
        self._each("on_attempt_failed", call, error, will_retry)

    def on_backoff(self, call: Call, delay: float) -> None:
        self._each("on_backoff", call, delay)

    def on_retry_budget_exhausted(self, call: Call) -> None:
        self._each("on_retry_budget_exhausted", call)

    def on_hedge(self, call: Call, delay: float) -> None:
        self._each("on_hedge", call, delay)

    def on_hedge_won(self, call: Call) -> None:
        self._each("on_hedge_won", call)

    def on_breaker_rejected(self, call: Call) -> None:
        self._each("on_breaker_rejected", call)

    def on_breaker_state(self, endpoint: str, protocol: str, old: str, new: str) -> None:
        self._each("on_breaker_state", endpoint, protocol, old, new)

    def on_rate_limit_wait(self, call: Call, seconds: float) -> None:
        self._each("on_rate_limit_wait", call, seconds)

    def on_concurrency_wait(self, call: Call, seconds: float) -> None:
        self._each("on_concurrency_wait", call, seconds)

    def on_fallback(self, call: Call, from_protocol: str, to_protocol: str) -> None:
        self._each("on_fallback", call, from_protocol, to_protocol)

    def __repr__(self) -> str:
        return f"CompositeObserver({list(self.observers)!r})"


def combine(*observers: Observer | None) -> Observer | None:
    """One observer for all the given ones (None entries left out); None when there are none."""
    present = [o for o in observers if o is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return CompositeObserver(present)
