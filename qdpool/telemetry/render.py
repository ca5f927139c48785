"""``TraceCapture``: keep a run's spans and metrics in memory and print them (``demo --trace``).

This module needs the OpenTelemetry SDK (``pip install 'qdpool[otel]'``); the
rest of ``qdpool.telemetry`` needs only the API. Nothing imports it but the demo,
tests and users who want the same printout::

    capture = TraceCapture()
    async with qdpool.connect(url, **capture.options()) as client:
        ...
    print(capture.render())
    print(capture.render_metrics())
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from qdpool.telemetry.tree import render_span_tree


class TraceCapture:
    """An SDK tracer provider and meter provider that keep everything in memory.

    Args:
        processors: more span processors (e.g. a ``BatchSpanProcessor`` with an
            OTLP exporter) to send the same spans elsewhere too.
        metric_readers: more metric readers (e.g. a ``PeriodicExportingMetricReader``).
    """

    def __init__(
        self,
        processors: tuple[SpanProcessor, ...] = (),
        metric_readers: tuple[Any, ...] = (),
    ) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        for processor in processors:
            self.provider.add_span_processor(processor)
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader, *metric_readers])

    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``qdpool.connect`` / ``Client``."""
        return {"tracer_provider": self.provider, "meter_provider": self.meter_provider}

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def render(self, *, attributes: bool = False, events: bool = True) -> str:
        """The span tree of everything captured so far (see ``render_span_tree``)."""
        return render_span_tree(self.spans(), attributes=attributes, events=events)

    def render_metrics(self) -> str:
        """One line per metric point: name, attributes and value (count and sum for histograms)."""
        data = self.reader.get_metrics_data()
        lines: list[str] = []
        if data is None:
            return ""
        for resource_metrics in data.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    lines.append(f"{metric.name} ({metric.unit})")
                    for point in metric.data.data_points:
                        attrs = ", ".join(f"{k}={v!s}" for k, v in (point.attributes or {}).items())
                        if isinstance(point, NumberDataPoint):
                            value = f"value={point.value}"
                        else:
                            value = f"count={point.count} sum={point.sum:.4f}"
                        lines.append(f"    {{{attrs}}} {value}")
        return "\n".join(lines)

    def shutdown(self) -> None:
        self.provider.shutdown()
        self.meter_provider.shutdown()
