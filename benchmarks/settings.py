"""How big a run is: the full suite (the seed's experiment), ``--quick``, and the smoke test."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BENCH_API_KEY = "qdpool-bench-key"
"""The key the embedded server is started with, so auth is on the path, as in the seed."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every size and switch of one run.

    Attributes:
        points / dim / seed_batch: the collection the queries search (the seed: 5,000 x 384 in
            1,000-point batches).
        limit: ``limit`` of each query (the seed: 5).
        rounds: how many times every client is measured, in a different order each round.
        sequential: calls one after another per client and round (the seed: 100).
        burst: calls gathered at once per client and round (the seed: 100 in parallel).
        concurrency: levels of the throughput runs.
        throughput_calls: calls per throughput run (all workers together).
        warmup: calls before measuring, after a client has opened its connections.
        clients: names of the clients to run (see ``benchmarks.clients.CLIENTS``).
        overhead_calls: calls per pipeline-overhead measurement (null transport).
        ingest_points / ingest_batch / ingest_parallel: the bulk ingestion runs (points per
            qdpool ``upsert()`` call, calls in flight); 0 points skips them.
        ingest_split_batch / ingest_split_parallel: the same for the ``-split`` runs, whose
            batches are too big for one request, so that qdpool splits them.
        ingest_clients: which ingestion runs to do.
        loops: the event loops every client of the latency stage runs on ("asyncio",
            "uvloop"); empty for the default, both when uvloop is installed.
        plots: write PNGs (needs matplotlib).
        out_dir: where the table, JSON and plots go.
    """

    points: int = 5_000
    dim: int = 384
    seed_batch: int = 1_000
    limit: int = 5
    rounds: int = 3
    sequential: int = 100
    turns: int = 8
    """Turns each client of a target's pair takes, interleaved (``benchmarks/interleaved.py``),
    in each of ``pair_processes`` processes."""
    pair_processes: int = 3
    """Processes each target's pair is measured in, its turns pooled."""
    cpu_calls: int = 200
    """Sequential calls per turn of a CPU pair."""
    rate_calls: int = 1_000
    """Calls per turn of a throughput pair (at the top concurrency)."""
    burst: int = 100
    concurrency: tuple[int, ...] = (1, 10, 100)
    throughput_calls: int = 1_000
    warmup: int = 30
    clients: tuple[str, ...] = ()
    overhead_calls: int = 20_000
    ingest_points: int = 100_000
    ingest_batch: int = 1_000
    ingest_parallel: int = 4
    ingest_split_batch: int = 10_000
    ingest_split_parallel: int = 2
    ingest_clients: tuple[str, ...] = ()
    loops: tuple[str, ...] = ()
    plots: bool = True
    out_dir: Path = RESULTS_DIR

    def quick(self) -> Settings:
        """Sizes for development: the same shape in about a minute."""
        return replace(
            self,
            rounds=2,
            sequential=50,
            turns=6,
            pair_processes=1,
            cpu_calls=100,
            burst=50,
            throughput_calls=300,
            rate_calls=300,
            warmup=10,
            overhead_calls=5_000,
            ingest_points=20_000,
        )

    def tiny(self) -> Settings:
        """Sizes for the smoke test: proves every stage works, measures nothing."""
        return replace(
            self,
            points=200,
            dim=16,
            seed_batch=100,
            rounds=1,
            sequential=5,
            turns=2,
            pair_processes=1,
            cpu_calls=3,
            burst=5,
            concurrency=(1, 4),
            throughput_calls=20,
            rate_calls=20,
            warmup=2,
            overhead_calls=200,
            ingest_points=300,
            ingest_batch=100,
            ingest_parallel=2,
            ingest_split_batch=300,
            ingest_split_parallel=1,
        )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="qdpool beside raw transports and qdrant-client (docs/performance.md).",
    )
    target = p.add_argument_group("server (default: the embedded server in a subprocess)")
    target.add_argument("--url", help="REST URL of a running Qdrant, e.g. http://localhost:6333")
    target.add_argument("--grpc-url", help="gRPC URL (default: the --url host on port 6334)")
    target.add_argument(
        "--api-key", help="API key of that Qdrant (default: QDRANT_API_KEY, if set)"
    )
    target.add_argument(
        "--server",
        choices=("embedded", "trivial"),
        default="embedded",
        help="without --url: the embedded server (default), or a trivial one with canned "
        "answers, for client-bound figures",
    )
    target.add_argument(
        "--server-cmd", help="command that starts a server and prints the 'qdpool serve:' line"
    )
    size = p.add_argument_group("sizes")
    size.add_argument("--quick", action="store_true", help="smaller sizes, for development")
    size.add_argument("--tiny", action="store_true", help="smallest sizes (the smoke test)")
    size.add_argument("--rounds", type=int, help="rounds of alternating order")
    size.add_argument("--sequential", type=int, help="sequential calls per client and round")
    size.add_argument("--throughput-calls", type=int, help="calls per throughput run")
    size.add_argument(
        "--concurrency", type=_int_tuple, help="throughput concurrency levels, e.g. 1,10,100"
    )
    size.add_argument("--ingest-points", type=int, help="points for bulk ingestion (0 skips it)")
    size.add_argument("--ingest-batch", type=int, help="points per qdpool upsert() call")
    size.add_argument("--ingest-parallel", type=int, help="qdpool upsert() calls in flight")
    what = p.add_argument_group("what to run")
    what.add_argument("--clients", type=_str_tuple, help="comma-separated client names")
    what.add_argument("--ingest-clients", type=_str_tuple, help="comma-separated ingest runs")
    what.add_argument(
        "--only",
        type=_str_tuple,
        default=("latency", "overhead", "ingest", "cluster"),
        help="stages: latency,overhead,ingest,cluster (the default; cluster is "
        "benchmarks/cluster.py) and tail (hedging, benchmarks/tail_latency.py, opt-in)",
    )
    what.add_argument(
        "--loop",
        choices=("asyncio", "uvloop", "both"),
        help="event loop(s) of the latency stage (default: both when uvloop is installed)",
    )
    what.add_argument("--no-plots", action="store_true", help="skip the PNGs")
    what.add_argument("--out", type=Path, help=f"output folder (default: {RESULTS_DIR})")
    what.add_argument(
        "--list", action="store_true", help="list the clients and ingest runs, then exit"
    )
    return p


def from_args(args: argparse.Namespace) -> Settings:
    s = Settings()
    if args.tiny:
        s = s.tiny()
    elif args.quick:
        s = s.quick()
    overrides = {
        "rounds": args.rounds,
        "sequential": args.sequential,
        "throughput_calls": args.throughput_calls,
        "concurrency": args.concurrency,
        "ingest_points": args.ingest_points,
        "ingest_batch": args.ingest_batch,
        "ingest_parallel": args.ingest_parallel,
        "clients": args.clients,
        "ingest_clients": args.ingest_clients,
        "out_dir": args.out,
    }
    s = replace(s, **{k: v for k, v in overrides.items() if v is not None})
    if args.no_plots:
        s = replace(s, plots=False)
    from benchmarks import loops

    return replace(s, loops=loops.parse(args.loop) if args.loop else loops.default())


def _int_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x.strip())


def _str_tuple(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())
