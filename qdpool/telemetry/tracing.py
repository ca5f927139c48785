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

Cost: when no OpenTelemetry SDK is installed the tracer is a no-op. Both
interceptors notice this with one type check and do nothing but (for the
attempt) hand on the caller's trace context, so telemetry stays nearly free.
When the SDK sampled the call's span out, no attempt span is made either (a
parent-based sampler would drop it anyway); the call span's context still goes
to the server. With an SDK, the names and start attributes come ready-made from
a per-shape cache, and everything else is built only when the span is recording.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import NoOpTracer, ProxyTracer, SpanKind, Status, StatusCode

from qdpool.telemetry import semconv as sc
from qdpool.telemetry._shapes import Shapes, classify, describe, is_cancellation

if TYPE_CHECKING:
    from qdpool.call import Call
    from qdpool.pipeline import Handler
    from qdpool.telemetry.metrics import Instruments


class TracerRef:
    """A tracer, or None while it is a no-op (no SDK installed, or a no-op provider given).

    A tracer from the global provider is a proxy until an SDK provider is set;
    once it is, the real tracer is taken and kept, so the check costs one
    attribute read and one type test per call.
    """

    __slots__ = ("_proxy", "_tracer")

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer
        self._proxy = isinstance(tracer, ProxyTracer) and hasattr(tracer, "_tracer")

    def get(self) -> trace.Tracer | None:
        tracer = self._tracer
        if self._proxy:
            real: trace.Tracer = tracer._tracer  # type: ignore[attr-defined]
            if isinstance(real, NoOpTracer):
                return None
            self._tracer, self._proxy = real, False
            return real
        return None if isinstance(tracer, NoOpTracer) else tracer

    @property
    def tracer(self) -> trace.Tracer:
        return self._tracer


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

    async def __call__(self, call: Call, next: Handler) -> Any:
        shape = self._shapes.get(call)
        tracer = self._tracer.get()
        start = time.perf_counter()
        if tracer is None:
            try:
                result = await next(call)
            except BaseException as error:
                self._instruments.record_call(time.perf_counter() - start, shape, error)
                raise
            self._instruments.record_call(time.perf_counter() - start, shape, None)
            return result

        span = tracer.start_span(
            shape.span_name, kind=SpanKind.CLIENT, attributes=shape.span_attributes
        )
        if span.is_recording() and shape.is_rest:
            span.set_attribute(sc.URL_FULL, shape.url_full(call))
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            result = await next(call)
        except BaseException as error:
            self._instruments.record_call(time.perf_counter() - start, shape, error)
            if span.is_recording():
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

    def __repr__(self) -> str:
        return "CallTelemetry()"


class AttemptTelemetry:
    """Innermost telemetry (just above auth): one child span per attempt, and trace propagation."""

    name = "attempt telemetry"
    __slots__ = ("_propagator", "_shapes", "_tracer")

    def __init__(
        self, tracer: TracerRef, shapes: Shapes, propagator: TextMapPropagator | None = None
    ) -> None:
        self._tracer = tracer
        self._shapes = shapes
        self._propagator = propagator

    def _inject(self, call: Call, ctx: otel_context.Context | None) -> None:
        if self._propagator is None:
            propagate.inject(call.headers, context=ctx)
        else:
            self._propagator.inject(call.headers, context=ctx)

    async def __call__(self, call: Call, next: Handler) -> Any:
        tracer = self._tracer.get()
        if tracer is None:
            # No SDK: no span of ours, but the caller's own trace context (one that an
            # upstream service propagated to this one) still travels on.
            self._inject(call, None)
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
        if span.is_recording():
            span.set_attribute(sc.QDPOOL_ATTEMPT, call.attempt)
            if rest:
                span.set_attribute(sc.URL_FULL, shape.url_full(call))
                if call.attempt:
                    span.set_attribute(sc.HTTP_REQUEST_RESEND_COUNT, call.attempt)
        ctx = trace.set_span_in_context(span)
        self._inject(call, ctx)
        token = otel_context.attach(ctx)
        try:
            result = await next(call)
        except BaseException as error:
            if span.is_recording():
                if is_cancellation(error):
                    span.set_attribute(sc.QDPOOL_CANCELLED, True)
                else:
                    _fail_attempt(span, error, rest)
            raise
        else:
            if span.is_recording():
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
