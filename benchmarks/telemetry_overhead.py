"""What qdpool's telemetry costs per call, over a null transport.

``python -m benchmarks.telemetry_overhead [--calls N]`` prints a Markdown table.

Both telemetry interceptors are measured as the client places them (the call's
span outermost, the attempt span just above where auth would be) around a
transport that answers at once, so every microsecond is telemetry's. Each figure
is the median, over several interleaved repeats, of the time per call of
``await pipeline(call)`` in a tight loop (a fresh ``Call`` each time, as the
client makes); "over bare" subtracts the same loop calling the transport directly.

Variants:

- **no SDK**: only ``opentelemetry-api``, no provider set (what a service that
  does not use OpenTelemetry gets); the tracer and meter are the API's proxies;
- **SDK, sampling nothing**: an SDK tracer provider with ``ALWAYS_OFF`` (spans
  are made non-recording, context still propagates) and an SDK meter provider;
- **SDK, metrics only**: the meter SDK, no tracer provider;
- **SDK recording**: ``ALWAYS_ON`` with a ``BatchSpanProcessor`` (exporter that
  drops) and the meter SDK: two spans per call (call + attempt), one histogram point.

Nothing here sets a global provider, so "no SDK" stays true in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

REPEATS = 7


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    us: float
    over_bare: float


def _providers(kind: str) -> tuple[Any, Any]:
    if kind == "none":
        return None, None
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

    class Drop(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    meter = MeterProvider(metric_readers=[InMemoryMetricReader()])
    if kind == "metrics":
        from opentelemetry.trace import NoOpTracerProvider

        return NoOpTracerProvider(), meter
    tracer = TracerProvider(sampler=ALWAYS_OFF if kind == "off" else ALWAYS_ON)
    if kind == "recording":
        tracer.add_span_processor(BatchSpanProcessor(Drop(), max_queue_size=1 << 16))
    return tracer, meter


def _pipeline(kind: str, terminal: Callable[[Any], Awaitable[Any]]) -> Any:
    from qdpool.pipeline import Pipeline
    from qdpool.telemetry import Telemetry

    tracer, meter = _providers(kind)
    telemetry = Telemetry(tracer_provider=tracer, meter_provider=meter)
    return Pipeline([telemetry.call_interceptor, telemetry.attempt_interceptor], terminal)


async def _loop(handler: Callable[[Any], Awaitable[Any]], make: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await handler(make())
    return (time.perf_counter() - start) / n


async def measure(calls: int = 20_000, repeats: int = REPEATS) -> list[Row]:
    """Microseconds per call of each variant, and over the bare transport."""
    from qdpool.call import Call
    from qdpool.endpoint import Endpoint
    from qdpool.operations import COUNT

    endpoint = Endpoint("localhost")

    def make() -> Call:
        return Call(COUNT, "bench", "rest", {"exact": True}, None, 1e12, endpoint)

    async def null_transport(call: Call) -> int:
        return 1

    variants: dict[str, Callable[[Any], Awaitable[Any]]] = {"bare null transport": null_transport}
    for kind, label in (
        ("none", "telemetry, no SDK"),
        ("off", "telemetry, SDK sampling nothing"),
        ("metrics", "telemetry, SDK metrics only"),
        ("recording", "telemetry, SDK recording (batch processor)"),
    ):
        variants[label] = _pipeline(kind, null_transport)

    samples: dict[str, list[float]] = {name: [] for name in variants}
    for handler in variants.values():
        await _loop(handler, make, min(calls, 1000))
    for _ in range(repeats):
        for name, handler in variants.items():
            samples[name].append(await _loop(handler, make, calls))
    medians = {name: statistics.median(values) * 1e6 for name, values in samples.items()}
    bare = medians["bare null transport"]
    return [Row(name, us, us - bare) for name, us in medians.items()]


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| variant | µs per call | over bare |",
        "|---|---:|---:|",
    ]
    for row in rows:
        lines.append(f"| {row.name} | {row.us:.2f} | {row.over_bare:+.2f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.telemetry_overhead")
    parser.add_argument("--calls", type=int, default=20_000, help="calls per repeat")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    rows = asyncio.run(measure(args.calls, args.repeats))
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
