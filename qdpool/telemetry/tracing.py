"""The two tracing interceptors: one span per logical call, one child span per attempt.

``CallTelemetry`` is the outermost link of the chain. It opens one CLIENT span
per logical call, named ``"{db.operation.name} {db.collection.name}"``, makes it
current for everything below (so retry, hedge, breaker and limiter events land
on it, through ``TelemetryObserver``), and records ``db.client.operation.duration``.
It only ever sees the call's final outcome, so a failure that a retry absorbed
does not mark it as failed.

``AttemptTelemetry`` sits just above auth. Each attempt that reaches it (the
first one, every retry, every hedge) gets its own CLIENT span, a child of the
call's span: an HTTP client span on REST (with ``http.request.resend_count``
from the second attempt on) or an RPC client span on gRPC. It injects the
W3C ``traceparent`` (and ``tracestate``, and baggage: whatever the global
propagator writes) into ``call.headers`` from that attempt span, so the server's
spans hang under the exact attempt that reached it. It never reads the
headers: the API key that auth adds below it stays invisible to telemetry.

Cost: when no OpenTelemetry SDK is installed the tracer and the meter are
no-ops. Both interceptors notice this with a type check and do nothing but (for
the attempt) hand on the caller's trace context, and only when there is one (the
default W3C propagators write nothing from an empty context), so telemetry reads
no clock and builds nothing: it stays nearly free.
When the SDK sampled the call's span out, no attempt span is made either (a
parent-based sampler would drop it anyway); the call span's context still goes
to the server. With an SDK, the names and start attributes come ready-made from
a per-shape cache, and everything else is built only when the span is recording.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.metrics import Histogram
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import NoOpTracer, ProxyTracer, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from qdpool.telemetry import semconv as sc
from qdpool.telemetry._shapes import Shapes, classify, describe, is_cancellation

if TYPE_CHECKING:
    from qdpool.call import Call
    from qdpool.pipeline import Handler
    from qdpool.telemetry.metrics import Instruments


_GLOBAL_PROVIDER_KNOWN = hasattr(trace, "_TRACER_PROVIDER")
"""Whether OpenTelemetry's global provider can be read directly (a module attribute,
cheaper than asking the proxy, whose ``_tracer`` property does the same test and more)."""


class TracerRef:
    """A tracer, or None while it is a no-op (no SDK installed, or a no-op provider given).

    A tracer from the global provider is a proxy until an SDK provider is set;
    once it is, the real tracer is taken and kept. Whether a tracer is a no-op is
    judged once per tracer (``isinstance`` against OpenTelemetry's abstract classes
    costs more than the rest of the check), so a call pays one attribute read and
    one identity test.
    """

    __slots__ = ("_live", "_proxy", "_tracer")

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer
        self._proxy = isinstance(tracer, ProxyTracer) and hasattr(tracer, "_tracer")
        self._live: trace.Tracer | None = None if self._proxy else _live(tracer)

    def get(self) -> trace.Tracer | None:
        if self._proxy:
            if _GLOBAL_PROVIDER_KNOWN and trace._TRACER_PROVIDER is None:
                return None  # no global provider set yet: the proxy's tracer is a no-op
            real: trace.Tracer = self._tracer._tracer  # type: ignore[attr-defined]
            if type(real) is NoOpTracer:  # the proxy's own, until an SDK provider is set
                return None
            self._tracer, self._proxy, self._live = real, False, _live(real)
        return self._live

    @property
    def tracer(self) -> trace.Tracer:
        return self._tracer


def _live(tracer: trace.Tracer) -> trace.Tracer | None:
    return None if isinstance(tracer, NoOpTracer) else tracer


def _context_reader() -> Callable[[], otel_context.Context]:
    """``opentelemetry.context.get_current``, or the ``get`` of the context variable it
    reads when OpenTelemetry keeps its context in one (its default runtime context): the
    same value, without two Python calls on every attempt."""
    runtime = getattr(otel_context, "_RUNTIME_CONTEXT", None)
    variable = getattr(runtime, "_current_context", None)
    if type(runtime).__name__ == "ContextVarsRuntimeContext" and isinstance(
        variable, contextvars.ContextVar
    ):
        return variable.get
    return otel_context.get_current


_current_context = _context_reader()

_QUIET_PROPAGATORS = (TraceContextTextMapPropagator, W3CBaggagePropagator)


def _quiet_without_context(propagator: TextMapPropagator) -> bool:
    """Whether ``propagator`` is known to write nothing when the context is empty: the W3C
    trace-context and baggage propagators, alone or composed (OpenTelemetry's default)."""
    if type(propagator) in _QUIET_PROPAGATORS:
        return True
    if isinstance(propagator, CompositePropagator):
        inner = getattr(propagator, "_propagators", None)
        return inner is not None and all(_quiet_without_context(p) for p in inner)
    return False


def _fail_attempt(span: trace.Span, error: BaseException, rest: bool) -> None:
    """Mark an attempt span failed, by the HTTP or RPC conventions (only called when recording)."""
    error_type, code = classify(error)
    span.set_attribute(sc.ERROR_TYPE, error_type)
    if code is not None:
        if not rest:
            span.set_attribute(sc.RPC_RESPONSE_STATUS_CODE, code)
        elif code.isdigit():
            span.set_attribute(sc.HTTP_RESPONSE_STATUS_CODE, int(code))
    span.set_status(Status(StatusCode.ERROR, describe(error)))


class CallTelemetry:
    """Outermost interceptor: the logical call's CLIENT span and its duration metric."""

    name = "telemetry"
    __slots__ = ("_instruments", "_shapes", "_tracer")

    def __init__(self, tracer: TracerRef, instruments: Instruments, shapes: Shapes) -> None:
        self._tracer = tracer
        self._instruments = instruments
        self._shapes = shapes

    def before(self, call: Call) -> bool:
        """True when no SDK records anything: no span, no duration, nothing to do."""
        return self._tracer.get() is None and self._instruments.live_duration() is None

    async def __call__(self, call: Call, next: Handler) -> Any:
        tracer = self._tracer.get()
        if tracer is None:
            histogram = self._instruments.live_duration()
            if histogram is None:  # no SDK at all: nothing to time, nothing to build
                return await next(call)
            return await self._timed(call, next, histogram)

        shape = self._shapes.get(call)
        start = time.perf_counter()
        span = tracer.start_span(
            shape.span_name, kind=SpanKind.CLIENT, attributes=shape.span_attributes
        )
        recording = span.is_recording()
        if recording and shape.is_rest:
            span.set_attribute(sc.URL_FULL, shape.url_full(call))
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            result = await next(call)
        except BaseException as error:
            self._instruments.record_call(time.perf_counter() - start, shape, error)
            if recording:
                if is_cancellation(error):
                    span.set_attribute(sc.QDPOOL_CANCELLED, True)
                else:
                    error_type, code = classify(error)
                    span.set_attribute(sc.ERROR_TYPE, error_type)
                    if code is not None:
                        span.set_attribute(sc.DB_RESPONSE_STATUS_CODE, code)
                    span.set_status(Status(StatusCode.ERROR, describe(error)))
            raise
        else:
            self._instruments.record_call(time.perf_counter() - start, shape, None)
            return result
        finally:
            otel_context.detach(token)
            span.end()

    async def _timed(self, call: Call, next: Handler, histogram: Histogram) -> Any:
        """Metrics without tracing (a meter SDK, no tracer SDK): the duration point only."""
        shape = self._shapes.get(call)
        start = time.perf_counter()
        try:
            result = await next(call)
        except BaseException as error:
            self._instruments.record_call(time.perf_counter() - start, shape, error)
            raise
        histogram.record(time.perf_counter() - start, shape.metric_attributes)
        return result

    def __repr__(self) -> str:
        return "CallTelemetry()"


class AttemptTelemetry:
    """Innermost telemetry (just above auth): one child span per attempt, and trace propagation."""

    name = "attempt telemetry"
    __slots__ = ("_judged", "_judged_quiet", "_propagator", "_shapes", "_tracer")

    def __init__(
        self, tracer: TracerRef, shapes: Shapes, propagator: TextMapPropagator | None = None
    ) -> None:
        self._tracer = tracer
        self._shapes = shapes
        self._propagator = propagator
        self._judged: TextMapPropagator | None = None
        self._judged_quiet = False
        """Whether ``_judged``, the propagator last used, writes nothing from an empty context."""

    def _inject(self, call: Call, ctx: otel_context.Context | None) -> None:
        propagator = self._propagator or propagate.get_global_textmap()
        propagator.inject(call.headers, context=ctx)

    def _hand_on(self, call: Call) -> None:
        """Write the caller's current trace context (if any) into the call's headers.

        The W3C propagators (the default) write nothing from an empty context, so
        with no context there is nothing to do; any other propagator is always asked.
        """
        propagator = self._propagator or propagate.get_global_textmap()
        if propagator is not self._judged:  # the global one may be replaced at any time
            self._judged = propagator
            self._judged_quiet = _quiet_without_context(propagator)
        if self._judged_quiet and not _current_context():
            return
        propagator.inject(call.headers)

    def before(self, call: Call) -> bool:
        """Without a tracer SDK, the caller's trace context is handed on and that is all."""
        if self._tracer.get() is not None:
            return False
        self._hand_on(call)
        return True

    async def __call__(self, call: Call, next: Handler) -> Any:
        tracer = self._tracer.get()
        if tracer is None:
            # No SDK: no span of ours, but the caller's own trace context (one that an
            # upstream service propagated to this one) still travels on.
            self._hand_on(call)
            return await next(call)
        parent = trace.get_current_span()
        if not parent.is_recording() and parent.get_span_context().is_valid:
            # The call's span was sampled out, so a child would be too: skip making one and
            # send the call span's context (its trace id, "not sampled") to the server.
            self._inject(call, None)
            return await next(call)

        shape = self._shapes.get(call)
        span = tracer.start_span(
            shape.attempt_name, kind=SpanKind.CLIENT, attributes=shape.attempt_attributes
        )
        rest = shape.is_rest
        recording = span.is_recording()
        if recording:
            attempt = call.attempt
            if not rest:
                span.set_attribute(sc.QDPOOL_ATTEMPT, attempt)
            elif attempt:
                span.set_attributes(
                    {
                        sc.QDPOOL_ATTEMPT: attempt,
                        sc.URL_FULL: shape.url_full(call),
                        sc.HTTP_REQUEST_RESEND_COUNT: attempt,
                    }
                )
            else:
                span.set_attributes({sc.QDPOOL_ATTEMPT: 0, sc.URL_FULL: shape.url_full(call)})
        ctx = trace.set_span_in_context(span)
        self._inject(call, ctx)
        token = otel_context.attach(ctx)
        try:
            result = await next(call)
        except BaseException as error:
            if recording:
                if is_cancellation(error):
                    span.set_attribute(sc.QDPOOL_CANCELLED, True)
                else:
                    _fail_attempt(span, error, rest)
            raise
        else:
            if recording:
                if not rest:
                    span.set_attribute(sc.RPC_RESPONSE_STATUS_CODE, "OK")
                elif call.status is not None:
                    span.set_attribute(sc.HTTP_RESPONSE_STATUS_CODE, call.status)
            return result
        finally:
            otel_context.detach(token)
            span.end()

    def __repr__(self) -> str:
        return "AttemptTelemetry()"
