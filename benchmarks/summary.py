"""From samples to one row per client: percentiles over all rounds, medians of per-round figures."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from benchmarks.latency import ClientRuns
from benchmarks.stats import median, percentile, spread


@dataclass(frozen=True, slots=True)
class Row:
    """One client's figures: times in ms, CPU in microseconds per call, rates per second."""

    name: str
    label: str
    family: str
    protocol: str
    rounds: int
    p50: float
    p95: float
    p99: float
    max: float
    min: float
    cpu_us: float
    cpu_spread: float
    server_cpu_us: float
    burst_ms: float
    burst_rate: float
    rate: dict[int, float] = field(default_factory=dict)
    cpu_at: dict[int, float] = field(default_factory=dict)
    p50_at: dict[int, float] = field(default_factory=dict)
    server_busy_at: dict[int, float] = field(default_factory=dict)
    error: str | None = None


def row(runs: ClientRuns) -> Row:
    spec = runs.spec
    if not runs.sequential:
        nan = math.nan
        return Row(spec.name, spec.label, spec.family, spec.protocol, 0,
                   nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, error=runs.error)  # fmt: skip
    pooled = [x * 1e3 for s in runs.sequential for x in s.latencies]
    per_round_cpu = [s.cpu_per_call * 1e6 for s in runs.sequential]
    # /proc counts CPU in 10 ms ticks: take the server's CPU per call from the 1-in-flight
    # throughput run (the most calls at concurrency 1), not from the short sequential phase.
    lowest = min(runs.throughput, default=None)
    server_samples = runs.throughput[lowest] if lowest == 1 else runs.sequential
    server = [s.server_cpu_per_call for s in server_samples]
    return Row(
        spec.name,
        spec.label,
        spec.family,
        spec.protocol,
        len(runs.sequential),
        percentile(pooled, 50),
        percentile(pooled, 95),
        percentile(pooled, 99),
        max(pooled),
        min(pooled),
        median(per_round_cpu),
        spread(per_round_cpu),
        median(None if v is None else v * 1e6 for v in server),
        median(s.wall * 1e3 for s in runs.burst),
        median(s.rate for s in runs.burst),
        {c: median(s.rate for s in samples) for c, samples in runs.throughput.items()},
        {
            c: median(s.cpu_per_call * 1e6 for s in samples)
            for c, samples in runs.throughput.items()
        },
        {
            c: percentile([x * 1e3 for s in samples for x in s.latencies], 50)
            for c, samples in runs.throughput.items()
        },
        {
            c: median(None if s.server_cpu is None else s.server_cpu / s.wall for s in samples)
            for c, samples in runs.throughput.items()
        },
        runs.error,
    )


def rows(results: dict[str, ClientRuns]) -> list[Row]:
    return [row(r) for r in results.values()]


def paired_ratio(a: list[float], b: list[float]) -> float:
    """The median over rounds of a[i] / b[i]: rounds pair up the two clients' conditions."""
    pairs = [x / y for x, y in zip(a, b, strict=False) if y and not math.isnan(x / y)]
    if pairs:
        return median(pairs)
    return math.nan
