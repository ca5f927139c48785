"""Helpers for the telemetry tests: in-memory SDK providers, a pipeline over MockTransport."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, Metric
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Sampler

from qdpool.call import Call, Options
from qdpool.endpoint import Endpoint
from qdpool.events import Observer
from qdpool.interceptors.auth import Auth
from qdpool.operations.spec import Operation
from qdpool.pipeline import Handler, Interceptor, Pipeline
from qdpool.telemetry import Telemetry
from qdpool.testing import MockTransport

ENDPOINT = Endpoint("db.example", 6333, 6334)
API_KEY = "sk-test-0123456789-never-export-me"


@dataclass
class Otel:
    """An SDK tracer and meter provider whose output the test can read."""

    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def span(self, name: str) -> ReadableSpan:
        found = [s for s in self.spans() if s.name == name]
        assert len(found) == 1, f"{len(found)} spans named {name!r} in {self.names()}"
        return found[0]

    def names(self) -> list[str]:
        return [s.name for s in self.spans()]

    def metrics(self) -> dict[str, Metric]:
        data = self.reader.get_metrics_data()
        out: dict[str, Metric] = {}
        if data is None:
            return out
        for resource_metrics in data.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    out[metric.name] = metric
        return out

    def points(self, name: str) -> list[Any]:
        metric = self.metrics().get(name)
        return list(metric.data.data_points) if metric is not None else []


def make_otel(sampler: Sampler | None = None) -> Otel:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider(sampler=sampler) if sampler else TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    return Otel(tracer_provider, meter_provider, exporter, reader)


@dataclass
class Rig:
    """A pipeline: call telemetry → [middle] → attempt telemetry → auth → MockTransport."""

    telemetry: Telemetry
    transport: MockTransport
    pipeline: Pipeline
    headers: list[dict[str, str]] = field(default_factory=list)

    async def run(
        self,
        op: Operation,
        collection: str | None = "docs",
        protocol: str = "rest",
        options: Options | None = None,
    ) -> Any:
        call = Call(op, collection, protocol, {"exact": True}, options, 1e12, ENDPOINT)
        return await self.pipeline(call)


def make_rig(
    otel: Otel | None,
    handler: Callable[[Call], Any],
    middle: Sequence[Interceptor] | Callable[[Observer], Sequence[Interceptor]] = (),
    api_key: str | None = API_KEY,
) -> Rig:
    if otel is None:
        telemetry = Telemetry()
    else:
        telemetry = Telemetry(
            tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider
        )
    seen: list[dict[str, str]] = []

    def record(call: Call) -> Any:
        seen.append(dict(call.headers))
        return handler(call)

    transport = MockTransport(record)
    inner = list(middle(telemetry.observer) if callable(middle) else middle)
    chain: list[Interceptor] = [telemetry.call_interceptor, *inner, telemetry.attempt_interceptor]
    if api_key is not None:
        chain.append(Auth(api_key))
    pipeline = Pipeline(chain, transport.send)
    return Rig(telemetry, transport, pipeline, seen)


class MiniHedge:
    """A small stand-in hedge for tests: sends a second attempt after ``delay``; first answer wins.

    Like a real hedge it runs each attempt in its own task on a copy of the call,
    with the caller's context copied in, and tells the observer.
    """

    name = "hedge"

    def __init__(self, delay: float, observer: Observer) -> None:
        self.delay = delay
        self.observer = observer

    async def __call__(self, call: Call, next: Handler) -> Any:
        loop = asyncio.get_running_loop()
        first = loop.create_task(next(call), context=contextvars.copy_context())
        done, _ = await asyncio.wait({first}, timeout=self.delay)
        if done:
            return first.result()
        hedge_call = call.copy()
        hedge_call.attempt = call.attempt + 1
        self.observer.on_hedge(hedge_call, self.delay)
        second = loop.create_task(next(hedge_call), context=contextvars.copy_context())
        done, pending = await asyncio.wait({first, second}, return_when=asyncio.FIRST_COMPLETED)
        winner = done.pop()
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if winner is second:
            self.observer.on_hedge_won(hedge_call)
        return winner.result()
