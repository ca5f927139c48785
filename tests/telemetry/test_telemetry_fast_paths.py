"""The cheap paths of telemetry: no SDK, metrics without tracing, propagators judged once."""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.baggage import set_baggage
from opentelemetry.context import Context
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import CarrierT, Setter, TextMapPropagator, default_setter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.trace import NoOpTracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from telemetry_support import ENDPOINT, Otel, make_rig

from qdpool.call import Call, Options
from qdpool.operations import COUNT
from qdpool.pipeline import Pipeline
from qdpool.telemetry import Telemetry
from qdpool.telemetry.metrics import Instruments
from qdpool.telemetry.tracing import _quiet_without_context
from qdpool.testing import MockTransport


class StaticHeader(TextMapPropagator):
    """A propagator that writes a header whatever the context holds."""

    def extract(self, carrier: Any, context: Context | None = None, getter: Any = None) -> Context:
        return context or Context()

    def inject(
        self,
        carrier: CarrierT,
        context: Context | None = None,
        setter: Setter[CarrierT] = default_setter,
    ) -> None:
        setter.set(carrier, "x-static", "1")

    @property
    def fields(self) -> set[str]:
        return {"x-static"}


def _call() -> Call:
    return Call(COUNT, "docs", "rest", {"exact": True}, None, 1e12, ENDPOINT)


def test_the_w3c_propagators_are_known_to_write_nothing_from_an_empty_context() -> None:
    assert _quiet_without_context(propagate.get_global_textmap())
    assert _quiet_without_context(TraceContextTextMapPropagator())
    assert not _quiet_without_context(StaticHeader())
    assert not _quiet_without_context(
        CompositePropagator([TraceContextTextMapPropagator(), StaticHeader()])
    )


async def test_without_an_sdk_a_propagator_of_unknown_kind_is_still_asked() -> None:
    telemetry = Telemetry(propagator=StaticHeader())
    seen: list[dict[str, str]] = []
    transport = MockTransport(lambda call: seen.append(dict(call.headers)))
    pipeline = Pipeline([telemetry.call_interceptor, telemetry.attempt_interceptor], transport.send)
    await pipeline(_call())
    assert seen == [{"x-static": "1"}]


async def test_without_an_sdk_baggage_alone_still_travels() -> None:
    rig = make_rig(None, lambda call: 1)
    token = otel_context.attach(set_baggage("tenant", "t1"))
    try:
        await rig.run(COUNT)
    finally:
        otel_context.detach(token)
    assert rig.headers[0]["baggage"] == "tenant=t1"


async def test_without_an_sdk_a_global_propagator_set_later_is_used() -> None:
    rig = make_rig(None, lambda call: 1)
    await rig.run(COUNT)
    before = propagate.get_global_textmap()
    propagate.set_global_textmap(StaticHeader())
    try:
        await rig.run(COUNT)
    finally:
        propagate.set_global_textmap(before)
    assert "x-static" not in rig.headers[0]
    assert rig.headers[1]["x-static"] == "1"


async def test_metrics_without_tracing_still_record_the_duration() -> None:
    reader = InMemoryMetricReader()
    telemetry = Telemetry(
        tracer_provider=NoOpTracerProvider(), meter_provider=MeterProvider(metric_readers=[reader])
    )
    transport = MockTransport(lambda call: 1)
    pipeline = Pipeline([telemetry.call_interceptor, telemetry.attempt_interceptor], transport.send)
    await pipeline(_call())
    await pipeline(_call())
    data = reader.get_metrics_data()
    assert data is not None
    [metric] = [
        m
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        if m.name == "db.client.operation.duration"
    ]
    [point] = metric.data.data_points
    assert point.count == 2
    assert dict(point.attributes)["db.operation.name"] == "count"


def test_live_duration_is_none_for_a_no_op_meter_and_the_real_histogram_otherwise(
    otel: Otel,
) -> None:
    assert Instruments(NoOpMeterProvider().get_meter("qdpool")).live_duration() is None
    live = Instruments(otel.meter_provider.get_meter("qdpool")).live_duration()
    assert live is not None
    assert not isinstance(live, type(NoOpMeterProvider().get_meter("x").create_histogram("h")))


def test_live_duration_follows_a_proxy_to_its_real_instrument(otel: Otel) -> None:
    from opentelemetry.metrics._internal import _ProxyMeter

    proxy = _ProxyMeter("qdpool")
    instruments = Instruments(proxy)
    assert instruments.live_duration() is None  # no SDK provider yet
    proxy.on_set_meter_provider(otel.meter_provider)  # as set_meter_provider does
    real = instruments.live_duration()
    assert real is not None and real is instruments.duration
    assert instruments.live_duration() is real


async def test_sampled_out_and_no_sdk_leave_the_current_context_as_it_was() -> None:
    rig = make_rig(None, lambda call: trace.get_current_span())
    before = otel_context.get_current()
    span = await rig.run(COUNT)
    assert not span.get_span_context().is_valid
    assert otel_context.get_current() == before


async def test_url_full_of_calls_of_one_shape_with_and_without_options(otel: Otel) -> None:
    rig = make_rig(otel, lambda call: 1)
    await rig.run(COUNT)
    await rig.run(COUNT, options=Options(consistency="all"))
    await rig.run(COUNT)
    urls = [dict(s.attributes or {})["url.full"] for s in otel.spans() if s.name == "count docs"]
    base = "http://db.example:6333/collections/docs/points/count"
    assert urls == [base, base + "?consistency=all", base]
