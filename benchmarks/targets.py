"""Issue 11's performance targets, as ratios from the same run, and the defaults they favour.

Every target is a ratio of two clients measured side by side in one run (medians
of per-round ratios), so that the machine's load, shared by both, cancels out.
The latency stage runs every client on each selected event loop, so its targets
are checked once per loop; the pipeline overhead (a null transport) and the
ingestion runs (child processes) run on asyncio's loop alone. "qdpool REST" is
the default REST transport (http1, ``qdpool-rest``).

Each check also gives the *raw floor* where one exists: the ratio a client
exactly as cheap as its raw transport would score in this run (the Protocol +
httptools floor for REST, the grpc.aio stub for gRPC). Where the floor itself
misses a bound, no client on that transport can meet it against this server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from benchmarks import ingest as ingest_stage
from benchmarks.ingest import IngestResult
from benchmarks.interleaved import Interleaved
from benchmarks.latency import ClientRuns
from benchmarks.loops import run_name
from benchmarks.summary import Row, paired_ratio

PIPELINE_BUDGET_US = 8.0
"""Issue 11: the default pipeline costs at most this much per call over a null transport."""

SERVER_BOUND = 0.85
"""Server CPU (fraction of one core) from which a throughput ratio is reported as capped."""

_INGEST_PAIRS = (("qdpool-rest", "qc-rest"), ("qdpool-grpc", "qc-grpc"))


@dataclass(frozen=True, slots=True)
class Check:
    """One target: ``measured`` against ``bound`` with ``op`` ("<=" or ">="), on ``loop``."""

    name: str
    measured: float
    op: str
    bound: float
    unit: str
    detail: str
    floor: float = math.nan
    """The ratio a client exactly as cheap as the raw transport would score in this run."""
    loop: str = "asyncio"

    @property
    def met(self) -> bool | None:
        if math.isnan(self.measured):
            return None
        return self.measured <= self.bound if self.op == "<=" else self.measured >= self.bound

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]


@dataclass(frozen=True, slots=True)
class _Pair:
    """One latency-stage target: ``numerator / denominator`` of a per-round figure."""

    name: str
    figure: str  # "cpu": client CPU per sequential call; "rate": req/s at the top concurrency
    numerator: str
    denominator: str
    op: str
    bound: float
    floor: tuple[str, str] | None
    """The raw-transport pair standing in for (numerator, denominator), or None."""


def _pairs(top: int) -> tuple[_Pair, ...]:
    return (
        _Pair("qdpool REST vs raw aiohttp + orjson: client CPU per call", "cpu",
              "qdpool-rest", "raw-aiohttp", "<=", 0.75, ("raw-httptools", "raw-aiohttp")),
        _Pair("qdpool REST vs the Protocol + httptools floor: client CPU per call", "cpu",
              "qdpool-rest", "raw-httptools", "<=", 1.6, ("raw-httptools", "raw-httptools")),
        _Pair("qdrant-client REST CPU per call over qdpool REST's", "cpu",
              "qc-rest", "qdpool-rest", ">=", 10.0, ("qc-rest", "raw-httptools")),
        _Pair(f"qdpool REST vs raw aiohttp + orjson: req/s, {top} in flight", "rate",
              "qdpool-rest", "raw-aiohttp", ">=", 1.3, ("raw-httptools", "raw-aiohttp")),
        _Pair(f"qdpool gRPC vs qdrant-client gRPC: req/s, {top} in flight", "rate",
              "qdpool-grpc", "qc-grpc", ">=", 1.0, ("raw-grpc", "qc-grpc")),
        _Pair(f"qdpool gRPC vs raw grpc.aio stub: req/s, {top} in flight", "rate",
              "qdpool-grpc", "raw-grpc", ">=", 0.95, ("raw-grpc", "raw-grpc")),
        _Pair("qdpool gRPC vs raw grpc.aio stub: client CPU per call", "cpu",
              "qdpool-grpc", "raw-grpc", "<=", 1.10, ("raw-grpc", "raw-grpc")),
    )  # fmt: skip


def interleaved_pairs(top: int = 100) -> list[tuple[str, str, str]]:
    """(numerator, denominator, figure) of every latency-stage target, for
    ``benchmarks/interleaved.py``."""
    return [(p.numerator, p.denominator, p.figure) for p in _pairs(top)]


def _cpu(results: dict[str, ClientRuns], name: str) -> list[float]:
    runs = results.get(name)
    if runs is None or not runs.ok:
        return []
    return [s.cpu_per_call for s in runs.sequential]


def _rate(results: dict[str, ClientRuns], name: str, concurrency: int) -> list[float]:
    runs = results.get(name)
    if runs is None or not runs.ok:
        return []
    if concurrency in runs.throughput:
        return [s.rate for s in runs.throughput[concurrency]]
    return [s.rate for s in runs.burst]  # no throughput run at that level: the burst


def _ratio(a: list[float], b: list[float]) -> float:
    return paired_ratio(a, b) if a and b else math.nan


def _server_note(results: dict[str, ClientRuns], names: Sequence[str], top: int) -> str:
    """How busy the server was in the throughput runs at ``top`` of ``names``, when that
    may have capped the ratio (at or above ``SERVER_BOUND`` of a core)."""
    busy = []
    for name in names:
        runs = results.get(name)
        for s in runs.throughput.get(top, []) if runs else []:
            if s.server_cpu is not None and s.wall > 0:
                busy.append(s.server_cpu / s.wall)
    if busy and max(busy) >= SERVER_BOUND:
        return f"; server CPU up to {max(busy) * 100:.0f}% of a core: server-bound, capped"
    return ""


def _latency_checks(
    results: dict[str, ClientRuns],
    top: int,
    loops: tuple[str, ...],
    interleaved: Mapping[tuple[str, str, str, str], Interleaved],
) -> list[Check]:
    out = []
    for pair in _pairs(top):
        for loop in loops:
            num = run_name(pair.numerator, loop, loops)
            den = run_name(pair.denominator, loop, loops)
            both = interleaved.get((pair.numerator, pair.denominator, pair.figure, loop))
            if both is not None:
                measured = both.ratio
                how = f"{num} / {den}, {both.describe()}"
                if both.server_busy is not None and both.server_busy >= SERVER_BOUND:
                    how += (
                        f"; server CPU up to {both.server_busy * 100:.0f}% of a core: "
                        "server-bound, capped"
                    )
            elif pair.figure == "cpu":
                measured = _ratio(_cpu(results, num), _cpu(results, den))
                how = f"{num} / {den}, client CPU per sequential call"
            else:
                measured = _ratio(_rate(results, num, top), _rate(results, den, top))
                how = f"{num} / {den}, req/s at concurrency {top}"
                how += _server_note(results, (num, den), top)
            floor = math.nan
            if pair.floor is not None:
                fnum = run_name(pair.floor[0], loop, loops)
                fden = run_name(pair.floor[1], loop, loops)
                if pair.figure == "cpu":
                    floor = _ratio(_cpu(results, fnum), _cpu(results, fden))
                else:
                    floor = _ratio(_rate(results, fnum, top), _rate(results, fden, top))
            out.append(Check(pair.name, measured, pair.op, pair.bound, "x", how, floor, loop))
    return out


def _ingest_checks(ingested: Sequence[IngestResult]) -> list[Check]:
    """qdpool's ingestion against qdrant-client's ``upload_points``, per protocol: points/s
    at least 3x, peak memory (above the process's baseline) at most 2x."""
    by = {r.name: r for r in ingested if r.error is None and r.seconds > 0}
    pairs = getattr(ingest_stage, "TARGET_PAIRS", _INGEST_PAIRS)
    out = []
    for ours, theirs in pairs:
        a, b = by.get(ours), by.get(theirs)
        n = f"{a.points:,}" if a is not None else "N"
        rate = a.rate / b.rate if a is not None and b is not None and b.rate else math.nan
        memory = math.nan
        if a is not None and b is not None and b.peak_rss_mb > 0:
            memory = a.peak_rss_mb / b.peak_rss_mb
        out.append(
            Check(
                f"ingestion of {n} points from numpy: {ours} vs {theirs} upload_points, points/s",
                rate, ">=", 3.0, "x", f"points/s, {ours} / {theirs}",
            )
        )  # fmt: skip
        out.append(
            Check(
                f"ingestion of {n} points from numpy: {ours} vs {theirs}, peak memory",
                memory, "<=", 2.0, "x", f"peak RSS above baseline, {ours} / {theirs}",
            )
        )  # fmt: skip
    return out


def checks(
    results: dict[str, ClientRuns],
    pipeline_overhead_us: float | None,
    top: int = 100,
    *,
    loops: tuple[str, ...] = ("asyncio",),
    ingested: Sequence[IngestResult] = (),
    interleaved: Mapping[tuple[str, str, str, str], Interleaved] | None = None,
) -> list[Check]:
    """Every target of issue 11; NaN (``not measured``) where a client or stage did not run.

    ``loops``: the event loops of the latency stage (its row names, ``benchmarks/loops.py``).
    ``interleaved``: the latency-stage targets' pairs measured turn about
    (``benchmarks/interleaved.py``), keyed ``Interleaved.key``; a target without one falls
    back on the latency stage's per-round ratio.
    """
    interleaved = interleaved or {}
    out = _latency_checks(results, top, loops, interleaved)
    out.append(
        Check(
            "default pipeline over a null transport",
            math.nan if pipeline_overhead_us is None else pipeline_overhead_us,
            "<=", PIPELINE_BUDGET_US, "us",
            "every default interceptor, telemetry without an SDK (benchmarks/overhead.py)",
        )
    )  # fmt: skip
    return out + _ingest_checks(ingested)


def favoured_defaults(table: list[Row], top: int) -> list[str]:
    """Which default protocol and REST transport these figures favour, and why."""
    by = {r.name: r for r in table if r.error is None and not math.isnan(r.cpu_us)}
    lines: list[str] = []
    rest, grpc = by.get("qdpool-rest"), by.get("qdpool-grpc")
    if rest and grpc:
        cheaper = rest if rest.cpu_us <= grpc.cpu_us else grpc
        faster = rest if rest.p50 <= grpc.p50 else grpc
        rr, gr = rest.rate.get(top, math.nan), grpc.rate.get(top, math.nan)
        more = rest if rr >= gr else grpc
        votes = [cheaper.protocol, faster.protocol, more.protocol]
        pick = max(set(votes), key=votes.count)
        lines.append(
            f"default protocol: {pick} (CPU/call REST {rest.cpu_us:.0f} us vs gRPC "
            f"{grpc.cpu_us:.0f} us; p50 {rest.p50:.3f} vs {grpc.p50:.3f} ms; "
            f"{top} in flight {rr:,.0f} vs {gr:,.0f} req/s)"
        )
    transports = {
        "http1": rest,
        "aiohttp": by.get("qdpool-rest-aiohttp"),
        "httpx": by.get("qdpool-rest-httpx"),
    }
    measured = {name: r for name, r in transports.items() if r is not None}
    if len(measured) > 1:
        pick = min(measured, key=lambda name: measured[name].cpu_us)
        cpu = " vs ".join(f"{name} {r.cpu_us:.0f} us" for name, r in measured.items())
        p50 = " vs ".join(f"{r.p50:.3f}" for r in measured.values())
        lines.append(f"default REST transport: {pick} (CPU/call {cpu}; p50 {p50} ms)")
    return lines
