"""What qdpool's pipeline costs per call, measured over a null transport.

``qdpool.testing.MockTransport`` answers at once, so a call's whole cost is
Python: the chain of interceptors, the ``Call``, the dispatch. Every figure is
the time per call of ``await handler(call)`` in a tight loop, the median of
several repeats taken in interleaved order; "over bare" subtracts the same loop
sending straight to the transport. Measured:

- each interceptor alone (``Pipeline([X], transport.send)``), with settings that
  make it do its bookkeeping without ever waiting (an effectively unlimited rate
  limit, a hedge that never fires);
- the client's own pipeline as ``qdpool.Client`` builds it by default, with
  telemetry and no OpenTelemetry SDK, with the SDK sampling nothing, and with the
  SDK recording (batch span processor, in-memory metric reader); telemetry's two
  interceptors alone under an SDK are ``benchmarks/telemetry_overhead.py``'s table;
- the same with every optional interceptor switched on (hedge, rate limit, fallback);
- a whole ``client.query_points()`` (argument checks and the ``Call`` included).

Anything qdpool does not have (yet) shows as "n/a" with the reason.

These are times, and on a shared machine they move by 10-20% from run to run;
``benchmarks/instructions.py`` counts the instructions per call of the same
variants under callgrind, which do not move, for telling whether a change helped.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.targets import PIPELINE_BUDGET_US

REPEATS = 7
API_KEY = "bench-key"
VECTOR = [0.5] * 384


@dataclass(frozen=True, slots=True)
class Measured:
    """One variant: time per call, and its extra over the bare transport (microseconds)."""

    name: str
    us: float
    over_bare: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class OverheadResult:
    rows: list[Measured]
    missing: dict[str, str]
    default_chain: str
    default_over_bare: float | None

    @property
    def within_budget(self) -> bool | None:
        if self.default_over_bare is None:
            return None
        return self.default_over_bare <= PIPELINE_BUDGET_US


Handler = Callable[[Any], Awaitable[Any]]


# ---------------------------------------------------------------- what is measured


def _result() -> list[Any]:
    from qdpool.models import ScoredPoint

    return [ScoredPoint(i, 0.9, 1, {"i": i}, None) for i in range(5)]


def _mock() -> Any:
    from qdpool.testing import MockTransport

    result = _result()
    return MockTransport(lambda call: result)


def _endpoint() -> Any:
    from qdpool.endpoint import Endpoint

    return Endpoint("127.0.0.1")


def _call_factory(endpoint: Any) -> Callable[[], Any]:
    from qdpool.call import Call
    from qdpool.operations import QUERY_POINTS

    body = {"query": VECTOR, "limit": 5, "with_payload": True, "with_vector": False}
    clock = time.monotonic

    def make() -> Any:
        return Call(
            operation=QUERY_POINTS,
            collection="bench",
            protocol="rest",
            body=body,
            options=None,
            deadline=clock() + 5.0,
            endpoint=endpoint,
        )

    return make


def _alone_builders() -> dict[str, Callable[[], Any]]:
    """name -> a function building that interceptor with settings that never make it wait."""

    def deadline() -> Any:
        from qdpool.interceptors.deadline import Deadline

        return Deadline()

    def auth() -> Any:
        from qdpool.interceptors.auth import Auth

        return Auth(API_KEY)

    def retry() -> Any:
        from qdpool.interceptors.retry import Retry

        return Retry()

    def breaker() -> Any:
        from qdpool.interceptors.breaker import Breaker

        return Breaker()

    def concurrency() -> Any:
        from qdpool.interceptors.concurrency import Concurrency

        return Concurrency()

    def rate_limit() -> Any:
        from qdpool.interceptors.ratelimit import RateLimit
        from qdpool.policies import RateLimitPolicy

        return RateLimit(RateLimitPolicy(rate=1e9, burst=1_000_000))

    def hedge() -> Any:
        from qdpool.interceptors.hedge import Hedge
        from qdpool.policies import HedgePolicy

        return Hedge(HedgePolicy(delay=60.0))

    def fallback() -> Any:
        from qdpool.interceptors.fallback import Fallback
        from qdpool.policies import FallbackPolicy

        return Fallback(FallbackPolicy())

    return {
        "deadline": deadline,
        "auth": auth,
        "retry": retry,
        "breaker": breaker,
        "concurrency": concurrency,
        "rate limit": rate_limit,
        "hedge (never fires)": hedge,
        "fallback": fallback,
    }


def _telemetry_chain(kind: str) -> list[Any]:
    """Both telemetry interceptors, as the client places them (outermost and above auth)."""
    from qdpool.telemetry import Telemetry

    tracer, meter = _providers(kind)
    t = Telemetry(tracer_provider=tracer, meter_provider=meter)
    return [t.call_interceptor, t.attempt_interceptor]


def _providers(kind: str) -> tuple[Any, Any]:
    """(tracer_provider, meter_provider) for "none" (API only), "off" (SDK, sampling
    nothing) and "recording" (SDK, every span kept by a batch processor, metrics recorded)."""
    if kind == "none":
        return None, None
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

    class _Drop(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    tracer = TracerProvider(sampler=ALWAYS_OFF if kind == "off" else ALWAYS_ON)
    if kind == "recording":
        tracer.add_span_processor(BatchSpanProcessor(_Drop()))
    return tracer, MeterProvider(metric_readers=[InMemoryMetricReader()])


def _client(mock: Any, telemetry: str, everything: bool) -> Any:
    """A ``qdpool.Client`` over ``mock`` with its default pipeline (plus every option)."""
    import qdpool

    tracer, meter = _providers(telemetry)
    options: dict[str, Any] = {}
    if tracer is not None:
        options.update(tracer_provider=tracer, meter_provider=meter)
    if everything:
        from qdpool.policies import FallbackPolicy, HedgePolicy, RateLimitPolicy

        options.update(
            hedge=HedgePolicy(delay=60.0),
            rate_limit=RateLimitPolicy(rate=1e9, burst=1_000_000),
            fallback=FallbackPolicy(),
        )
    transports = {"rest": mock}
    if everything:  # fallback moves gRPC attempts to REST, so it needs both
        transports["grpc"] = _mock()
    return qdpool.Client(
        _endpoint(),
        api_key=API_KEY,
        transports=transports,
        protocols=tuple(transports),
        **options,
    )


# ---------------------------------------------------------------- timing


async def _loop(handler: Handler, make_call: Callable[[], Any], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        await handler(make_call())
    return (time.perf_counter() - t0) / n


async def _interleaved(
    variants: dict[str, tuple[Handler, Callable[[], Any], Any]], n: int
) -> dict[str, float]:
    """Median seconds per call of each variant, repeats interleaved so drift hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for handler, make, _ in variants.values():  # warm every path once
        await _loop(handler, make, min(n, 200))
    for _ in range(REPEATS):
        for name, (handler, make, mock) in variants.items():
            samples[name].append(await _loop(handler, make, n))
            mock.calls.clear()
    return {name: statistics.median(values) for name, values in samples.items()}


async def _measure(n: int) -> OverheadResult:
    from qdpool.pipeline import Pipeline

    endpoint = _endpoint()
    make = _call_factory(endpoint)
    variants: dict[str, tuple[Handler, Callable[[], Any], Any]] = {}
    notes: dict[str, str] = {}
    missing: dict[str, str] = {}

    bare = _mock()
    variants["bare transport (MockTransport.send)"] = (bare.send, make, bare)
    for name, build in _alone_builders().items():
        try:
            mock = _mock()
            pipeline = Pipeline([build()], mock.send)
        except Exception as exc:  # not in qdpool (yet), or built differently
            missing[name] = f"{type(exc).__name__}: {exc}"
            continue
        variants[f"{name} alone"] = (pipeline, make, mock)
    try:  # the SDK variants of telemetry alone are benchmarks/telemetry_overhead.py's
        mock = _mock()
        variants["telemetry alone, no SDK"] = (
            Pipeline(_telemetry_chain("none"), mock.send),
            make,
            mock,
        )
    except Exception as exc:
        missing["telemetry alone, no SDK"] = f"{type(exc).__name__}: {exc}"

    default_chain = ""
    default_key = "client default pipeline, telemetry without SDK"
    clients = []
    for key, telemetry, everything in (
        (default_key, "none", False),
        ("client default pipeline, SDK sampling nothing", "off", False),
        ("client default pipeline, SDK recording", "recording", False),
        ("client with every interceptor on, no SDK", "none", True),
    ):
        try:
            mock = _mock()
            client = _client(mock, telemetry, everything)
            await client.start()
        except Exception as exc:
            missing[key] = f"{type(exc).__name__}: {exc}"
            continue
        clients.append(client)
        variants[key] = (client.pipeline, make, mock)
        notes[key] = client.pipeline.describe()
        if key == default_key:
            default_chain = notes[key]
            method_mock = _mock()
            method_client = _client(method_mock, "none", False)
            await method_client.start()
            clients.append(method_client)

            async def whole(_call: Any, c: Any = method_client) -> Any:
                return await c.query_points("bench", VECTOR, limit=5)

            whole_key = "client.query_points(), whole method, no SDK"
            variants[whole_key] = (whole, make, method_mock)
            notes[whole_key] = "argument checks + Call + default pipeline"

    per_call = await _interleaved(variants, n)
    for client in clients:
        await client.close()
    base = per_call["bare transport (MockTransport.send)"]
    rows = [
        Measured(name, us * 1e6, (us - base) * 1e6, notes.get(name, ""))
        for name, us in per_call.items()
    ]
    default = per_call.get(default_key)
    return OverheadResult(
        rows, missing, default_chain, None if default is None else (default - base) * 1e6
    )


def run(calls: int) -> OverheadResult:
    """The pipeline-overhead stage, in its own event loop (no network, no server)."""
    return asyncio.run(_measure(calls))


if __name__ == "__main__":
    result = run(20_000)
    for row in result.rows:
        print(f"{row.name:<55} {row.us:8.2f} us  +{row.over_bare:7.2f}  {row.note}")
    for name, why in result.missing.items():
        print(f"{name:<55} n/a: {why}")
