"""The Markdown table and the JSON dump of a run."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import loop_ratios
from benchmarks.anatomy import Piece
from benchmarks.ingest import IngestResult
from benchmarks.interleaved import Interleaved
from benchmarks.latency import ClientRuns
from benchmarks.machine import one_line
from benchmarks.overhead import OverheadResult
from benchmarks.settings import Settings
from benchmarks.summary import Row
from benchmarks.targets import Check

SEED_TABLE = (
    "The seed's figures (qdrant-client on a real Qdrant 1.18.1 over `localhost`): REST async "
    "p50 2.40 / p95 2.98 / max 29.83 ms, 100 in parallel 158.3 ms (632 req/s); "
    "gRPC *sync* p50 1.11 / p95 1.38 / max 9.53 ms."
)


@dataclass(slots=True)
class Report:
    """Everything one run produced."""

    started: str
    seconds: float
    machine: dict[str, Any]
    server: str
    settings: Settings
    table: list[Row] = field(default_factory=list)
    results: dict[str, ClientRuns] = field(default_factory=dict)
    interleaved: dict[tuple[str, str, str, str], Interleaved] = field(default_factory=dict)
    """The latency-stage targets' pairs measured interleaved (``benchmarks/interleaved.py``)."""
    checks: list[Check] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)
    overhead: OverheadResult | None = None
    anatomy: list[Piece] = field(default_factory=list)
    telemetry_table: str = ""
    sync_table: str = ""
    """The blocking client's cost per call over the async one (``benchmarks/sync_overhead.py``)."""
    load: tuple[float, float] = (math.nan, math.nan)
    ingest: list[IngestResult] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)
    loop_lines: list[str] = field(default_factory=list)
    """The per-event-loop ratios section (``benchmarks/loops.py``), Markdown lines."""


def _f(value: float, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def _bound(c: Check) -> str:
    return f"{c.op} {c.bound:g} {c.unit}"


def _pct(fraction: float) -> str:
    return "-" if math.isnan(fraction) else f"{fraction * 100:.0f}%"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def markdown(r: Report) -> str:
    s = r.settings
    out = [
        "# qdpool benchmark results",
        "",
        f"Run {r.started} UTC, {r.seconds:.0f} s. Machine: {one_line(r.machine)}; "
        f"1-minute load average {_f(r.load[0])} before the run, {_f(r.load[1])} after.",
        f"Server: {r.server}. Event loop(s) of the query runs: {', '.join(s.loops) or 'asyncio'}.",
        "",
        f"Collection: {s.points:,} points x {s.dim}-d (cosine), seeded in {s.seed_batch:,}-point "
        f"batches; every client runs the same `query_points` (limit {s.limit}, payload on). "
        f"{s.rounds} rounds in alternating order; per client and round: {s.warmup} warm-up calls, "
        f"{s.sequential} sequential, {s.burst} at once, and {s.throughput_calls:,} calls at each "
        f"concurrency {', '.join(map(str, s.concurrency))}. Client CPU is `time.process_time()` "
        "of the client process (all its threads) per call; latency percentiles pool the "
        "sequential calls of all rounds; other figures are medians over rounds.",
        "",
    ]
    if r.checks:
        out += ["## Targets (issue 11)", ""]
        out += _table(
            ("target", "loop", "measured", "bound", "verdict", "raw floor", "how"),
            (
                (c.name, c.loop, f"{_f(c.measured)} {c.unit}", _bound(c), c.verdict,
                 _f(c.floor), c.detail)
                for c in r.checks
            ),
        )  # fmt: skip
        out += [
            "",
            "Each ratio pairs two clients round by round within this run (the median of the "
            'per-round ratios); "qdpool REST" is the default transport, http1. The raw floor '
            "is what a client exactly as cheap as its raw transport (the Protocol + httptools "
            "floor for REST, the grpc.aio stub for gRPC) would score in this run: where it "
            "misses a bound, no client built on that transport can meet it against this server.",
            "",
        ]
    if r.defaults:
        out += ["## Defaults these figures favour", ""] + [f"- {d}" for d in r.defaults] + [""]
    if r.table:
        out += _latency_section(r)
    out += r.loop_lines
    if r.overhead is not None:
        out += _overhead_section(r.overhead)
    if r.telemetry_table:
        out += [
            "## Telemetry alone (`benchmarks/telemetry_overhead.py`)",
            "",
            r.telemetry_table,
            "",
        ]
    if r.sync_table:
        out += [
            "## The blocking client over the async one (`benchmarks/sync_overhead.py`)",
            "",
            r.sync_table,
            "",
        ]
    if r.anatomy:
        out += _anatomy_section(r.anatomy)
    if r.ingest:
        out += _ingest_section(r.ingest)
    tail = r.settings.out_dir / "tail_latency.md"
    if tail.exists():
        out += [
            "## Tail latency with hedging",
            "",
            "See [tail_latency.md](tail_latency.md) (`python -m benchmarks.tail_latency`, "
            "or the `tail` stage of this suite).",
            "",
        ]
    if r.plots:
        out += ["## Plots", ""] + [f"![{p.stem}]({p.name})" for p in r.plots] + [""]
    out += ["## For reference", "", SEED_TABLE, ""]
    return "\n".join(out)


def _latency_section(r: Report) -> list[str]:
    s = r.settings
    out = [
        f"## Query latency and client CPU ({s.sequential} sequential calls x {s.rounds} rounds)",
        "",
    ]
    out += _table(
        ("client", "p50 ms", "p95 ms", "p99 ms", "max ms", "client CPU/call µs", "rounds spread",
         "server CPU/call µs (c=1)", f"{s.burst} at once: ms", f"{s.burst} at once: req/s"),
        (
            (row.label, _f(row.p50, 3), _f(row.p95, 3), _f(row.p99, 3), _f(row.max, 2),
             _f(row.cpu_us, 0), f"±{row.cpu_spread * 50:.0f}%", _f(row.server_cpu_us, 0),
             _f(row.burst_ms, 1), _f(row.burst_rate, 0))
            if row.error is None
            else (row.label, f"failed: {row.error}", *("-",) * 8)
            for row in r.table
        ),
    )  # fmt: skip
    levels = s.concurrency
    out += ["", f"## Throughput by concurrency ({s.throughput_calls:,} calls per run)", ""]
    header = ["client"]
    for c in levels:
        header += [f"c={c} req/s", f"c={c} CPU/call µs", f"c={c} p50 ms"]
    top = max(levels)
    header.append(f"server CPU at c={top}")
    out += _table(
        header,
        (
            [row.label]
            + [
                x
                for c in levels
                for x in (
                    _f(row.rate.get(c, math.nan), 0),
                    _f(row.cpu_at.get(c, math.nan), 0),
                    _f(row.p50_at.get(c, math.nan), 3),
                )
            ]
            + [_pct(row.server_busy_at.get(top, math.nan))]
            for row in r.table
            if row.error is None
        ),
    )
    out += [
        "",
        "Server CPU is the server process's CPU time over the run's wall time: near 100% (one "
        "core) means the server, not the client, set the pace.",
        "",
    ]
    return out


def _overhead_section(o: OverheadResult) -> list[str]:
    out = ["## Pipeline overhead over a null transport", ""]
    out.append(f"Default chain: `{o.default_chain or 'n/a'}`.")
    out.append("")
    out += _table(
        ("variant", "µs per call", "over bare transport, µs", "chain / note"),
        ((m.name, _f(m.us), _f(m.over_bare), f"`{m.note}`" if m.note else "") for m in o.rows),
    )
    for name, why in o.missing.items():
        out.append(f"| {name} | n/a | n/a | {why} |")
    out.append("")
    return out


def _anatomy_section(pieces: list[Piece]) -> list[str]:
    out = ["## Per-call work outside the pipeline (no network)", ""]
    out += _table(
        ("step", "qdpool µs", "raw µs", "note"),
        ((p.name, _f(p.qdpool_us), _f(p.raw_us), p.note) for p in pieces),
    )
    out.append("")
    return out


def _ingest_section(results: list[IngestResult]) -> list[str]:
    out = ["## Bulk ingestion", ""]
    out += _table(
        ("run", "points", "seconds", "points/s", "client CPU s", "peak RSS +MB", "how"),
        (
            (i.label, f"{i.points:,}", _f(i.seconds), _f(i.rate, 0), _f(i.cpu),
             _f(i.peak_rss_mb, 1), i.config)
            if i.error is None
            else (i.label, "-", "-", "-", "-", "-", f"failed: {i.error}")
            for i in results
        ),
    )  # fmt: skip
    out += [
        "",
        "Peak RSS is the run's own process, above its baseline (vectors in a numpy array, "
        "libraries imported), from the kernel's high-water mark reset before ingesting.",
        "",
    ]
    return out


def as_json(r: Report) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, Path):
            return str(value)
        return value

    cleaned: dict[str, Any] = clean(
        {
            "started": r.started,
            "seconds": r.seconds,
            "machine": r.machine,
            "server": r.server,
            "settings": dataclasses.asdict(r.settings),
            "targets": [{**dataclasses.asdict(c), "verdict": c.verdict} for c in r.checks],
            "defaults": r.defaults,
            "clients": [dataclasses.asdict(row) for row in r.table],
            "sequential_latencies_ms": {
                name: [x * 1e3 for s in runs.sequential for x in s.latencies]
                for name, runs in r.results.items()
            },
            "overhead": None if r.overhead is None else dataclasses.asdict(r.overhead),
            "anatomy": [dataclasses.asdict(p) for p in r.anatomy],
            "telemetry_table": r.telemetry_table,
            "sync_table": r.sync_table,
            "load_average": list(r.load),
            "ingest": [dataclasses.asdict(i) for i in r.ingest],
            "interleaved": [
                {**dataclasses.asdict(i), "ratio": i.ratio} for i in r.interleaved.values()
            ],
            "loop_ratios": [
                dataclasses.asdict(x)
                for x in loop_ratios.ratios(r.results, r.settings.loops or ("asyncio",))
            ],
        }
    )
    return cleaned


def write(r: Report) -> list[Path]:
    out = r.settings.out_dir
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "results.md", out / "results.json"
    md.write_text(markdown(r))
    js.write_text(json.dumps(as_json(r), indent=1))
    return [md, js]
