"""One run of the suite: the stages in order, then the report.

Stages: ``overhead`` first (no network, on a quiet machine), then, against the
server, ``latency`` (the side-by-side rounds) and ``ingest``. The exit status
is 1 when a client or a stage failed (the report still shows the rest), and 0
otherwise, whether or not the targets were met: missing a target is a finding,
not a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
import shlex
import sys
import time
import warnings
from collections.abc import Iterator

from benchmarks import (
    anatomy,
    clients,
    dataset,
    ingest,
    interleaved,
    latency,
    loop_ratios,
    loops,
    machine,
    overhead,
    plots,
    report,
    targets,
)
from benchmarks.server import Target, embedded, remote
from benchmarks.settings import BENCH_API_KEY, Settings, from_args, parser
from benchmarks.summary import rows

QUERY_COLLECTION = "bench_query"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _target(
    url: str | None, grpc_url: str | None, api_key: str | None, cmd: str | None, kind: str
) -> Iterator[Target]:
    if url:
        yield remote(url, grpc_url, api_key or os.environ.get("QDRANT_API_KEY"))
        return
    key = api_key or BENCH_API_KEY
    with embedded(key, shlex.split(cmd) if cmd else None, kind) as target:
        yield target


def run(
    settings: Settings, stages: tuple[str, ...], target_args: dict[str, str | None]
) -> tuple[report.Report, bool]:
    t0 = time.perf_counter()
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")
    rep = report.Report(started, 0.0, machine.describe(), "", settings)
    failed = False
    load_before = os.getloadavg()[0]
    if "overhead" in stages:
        calls = f"{settings.overhead_calls:,} calls x {overhead.REPEATS}"
        _log(f"pipeline overhead over a null transport ({calls})")
        try:
            rep.overhead = overhead.run(settings.overhead_calls)
            rep.telemetry_table = _telemetry_table(settings.overhead_calls)
            rep.sync_table = _sync_table(settings.overhead_calls)
            rep.anatomy = anatomy.measure(max(settings.overhead_calls // 2, 100), settings.dim)
        except Exception as exc:
            failed = True
            _log(f"  overhead FAILED: {type(exc).__name__}: {exc}")
    if "latency" in stages or "ingest" in stages:
        with _target(**target_args) as target:  # type: ignore[arg-type]
            rep.server = target.description
            _log(f"server: {target.description}\n  REST {target.rest_url}  gRPC {target.grpc_url}")
            if "latency" in stages:
                failed |= _latency(rep, target, settings)
            if "ingest" in stages and settings.ingest_points > 0:
                specs = ingest.select(settings.ingest_clients)
                _log(f"bulk ingestion: {settings.ingest_points:,} x {settings.dim}-d per run")
                rep.ingest = ingest.run_all(target, settings, specs)
                failed |= any(i.error for i in rep.ingest)
    if "tail" in stages:
        failed |= _tail(settings)
    if "cluster" in stages:
        failed |= _cluster(settings)
    top = max(settings.concurrency)
    over = None if rep.overhead is None else rep.overhead.default_over_bare
    if rep.results or over is not None or rep.ingest:
        loops_run = settings.loops or ("asyncio",)
        rep.checks = targets.checks(
            rep.results, over, top, loops=loops_run, ingested=rep.ingest,
            interleaved=rep.interleaved,
        )  # fmt: skip
    rep.defaults = targets.favoured_defaults(rep.table, top)
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    if settings.plots and rep.results:
        rep.plots = plots.write(rep.results, rep.table, settings.out_dir)
    rep.seconds = time.perf_counter() - t0
    rep.load = (load_before, os.getloadavg()[0])
    return rep, failed


def _telemetry_table(calls: int) -> str:
    """The telemetry engineer's own measurement, as its Markdown table ("" if absent)."""
    try:
        from benchmarks import telemetry_overhead
    except ImportError:
        return ""
    return telemetry_overhead.table(asyncio.run(telemetry_overhead.measure(calls)))


def _sync_table(calls: int) -> str:
    """SyncClient's per-call cost over the async client, side by side in one run."""
    from benchmarks import sync_overhead

    return sync_overhead.render(sync_overhead.measure(max(calls // 2, 100), 3))


def _tail(settings: Settings) -> bool:
    """The resilience engineer's hedging benchmark; writes its own tail_latency.md."""
    from benchmarks import tail_latency

    _log("tail latency with hedging (benchmarks/tail_latency.py)")
    quick = ["--quick"] if settings.throughput_calls < Settings().throughput_calls else []
    return tail_latency.main(quick) != 0


def _cluster(settings: Settings) -> bool:
    """Three peers, one slowed by 20 ms: P2C vs round-robin vs one node; writes cluster.md."""
    from benchmarks import cluster

    _log("one client over three peers, one slowed by 20 ms (benchmarks/cluster.py)")
    calls = settings.throughput_calls
    seconds = 0.3 if calls <= Settings().tiny().throughput_calls else None
    size = ["--quick"] if calls < Settings().throughput_calls else []
    if seconds is not None:
        size = ["--seconds", str(seconds)]
    return cluster.main([*size, "--out", str(settings.out_dir)]) != 0


def _latency(rep: report.Report, target: Target, settings: Settings) -> bool:
    specs = loops.variants(clients.select(settings.clients), settings.loops or ("asyncio",))
    data = dataset.vectors(settings.points, settings.dim)
    _log(f"seeding {settings.points:,} x {settings.dim}-d in {settings.seed_batch:,}-point batches")
    asyncio.run(dataset.seed(target, QUERY_COLLECTION, data, settings.seed_batch))
    queries = dataset.queries(settings.dim)
    _log(f"{len(specs)} clients x {settings.rounds} rounds: " + ", ".join(s.name for s in specs))
    try:
        rep.results = latency.run(target, settings, specs, QUERY_COLLECTION, queries)
        names = {spec.name for spec in clients.select(settings.clients)}
        top = max(settings.concurrency)
        pairs = [p for p in targets.interleaved_pairs(top) if p[0] in names and p[1] in names]
        if pairs:
            _log("the targets' pairs, interleaved (benchmarks/interleaved.py)")
            plan = interleaved.Plan(
                pairs, settings.loops or ("asyncio",), limit=settings.limit,
                turns=settings.turns, cpu_calls=settings.cpu_calls,
                rate_calls=settings.rate_calls, concurrency=top, warmup=settings.warmup,
                processes=settings.pair_processes,
            )  # fmt: skip
            rep.interleaved = interleaved.run(target, QUERY_COLLECTION, settings.dim, plan)
    finally:
        asyncio.run(dataset.drop_collection(target, QUERY_COLLECTION))
    rep.table = rows(rep.results)
    rep.loop_lines = loop_ratios.ratio_lines(rep.results, settings.loops or ("asyncio",))
    return any(not r.ok for r in rep.results.values())


def _print_summary(rep: report.Report, written: list[str]) -> None:
    print()
    for c in rep.checks:
        bound = f"(bound {c.op} {c.bound:g})"
        print(f"target {c.verdict:>12} [{c.loop}]: {c.name}: {c.measured:.2f} {c.unit} {bound}")
    for line in rep.defaults:
        print(f"figures favour {line}")
    for ratio in loop_ratios.ratios(rep.results, rep.settings.loops or ("asyncio",)):
        if ratio.value == ratio.value:  # not NaN
            bound = f" (issue 11: {ratio.bound})" if ratio.bound else ""
            print(f"  [{ratio.loop}] {ratio.name}: {ratio.value:.2f}x{bound}")
    for row in rep.table:
        if row.error is None:
            latency = f"p50 {row.p50:7.3f} ms  p99 {row.p99:7.3f} ms"
            print(f"  {row.label:<36} {latency}  CPU/call {row.cpu_us:7.0f} us")
    print("wrote " + ", ".join(written))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.list:
        for spec in clients.SPECS:
            print(f"{spec.name:<20} {spec.label}")
        for ispec in ingest.INGEST_SPECS:
            print(f"ingest {ispec.name:<13} {ispec.label}")
        return 0
    settings = from_args(args)
    warnings.filterwarnings("ignore", message=".*(incompatible with server|insecure connection).*")
    target_args = {
        "url": args.url,
        "grpc_url": args.grpc_url,
        "api_key": args.api_key,
        "cmd": args.server_cmd,
        "kind": args.server,
    }
    rep, failed = run(settings, tuple(args.only), target_args)
    written = [str(p) for p in report.write(rep)] + [str(p) for p in rep.plots]
    _print_summary(rep, written)
    return 1 if failed else 0
