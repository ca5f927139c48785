"""Client CPU per call for the CPU targets' pairs, the two clients interleaved in short chunks.

The latency stage measures a client's CPU per call over its sequential calls of one
round, one client after another. On a shared machine a slow spell of a few seconds
(a neighbour's burst; the CPU time a call takes rises with it) lands on whichever
client runs then, and with three rounds one spell moves a ratio by half: the same
code measured 1.3x, 2.5x and 1.6x its floor in three rounds of one run.

Here the two clients of a target run in one process, each open on its own event loop
of the target's kind, and take turns: ``chunks`` times ``calls`` sequential queries
each, in the order A B B A A B ... so neither always goes first. A spell then falls on
both clients' chunks at about the same time, and the ratio is the median over the
chunk pairs of A's CPU per call over B's. CPU time is read inside the loop, around the
calls alone (``time.process_time``: every thread of the process, as in the latency
stage, so grpcio's own threads count).

Each pair runs in a process of its own (``python -m benchmarks.cpu_pairs``, which
``run`` starts). In the suite's process the latency stage has run every client before,
and a grpc.aio channel leaves grpcio's threads behind when it closes: after one, the
REST floor's CPU per call rose from 68 to 104 us in one measurement, billed to
whichever REST client ran then and not to the gRPC client that left them.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks import dataset, loops, measure
from benchmarks.clients import CLIENTS, BenchClient
from benchmarks.server import Target
from benchmarks.stats import median


@dataclass(frozen=True, slots=True)
class Interleaved:
    """One pair's result: ``ratio`` is the median of per-chunk ``numerator / denominator``."""

    numerator: str
    denominator: str
    loop: str
    ratio: float
    numerator_us: float
    """The numerator's CPU per call over all its chunks, in microseconds."""
    denominator_us: float
    chunks: int
    calls: int


async def _chunk(client: BenchClient, queries: list[list[float]], start: int, calls: int) -> float:
    n = len(queries)
    query = client.query
    t0 = time.process_time()
    for i in range(start, start + calls):
        await query(queries[i % n])
    return time.process_time() - t0


def pair(
    target: Target,
    collection: str,
    queries: list[list[float]],
    names: tuple[str, str],
    loop: str,
    *,
    limit: int,
    chunks: int,
    calls: int,
    warmup: int,
) -> Interleaved:
    """Measure ``names`` (numerator, denominator) interleaved on ``loop``; see the module."""
    factory = loops.factory(loop)
    clients = [CLIENTS[name].factory(target, collection, limit) for name in names]
    seconds: list[list[float]] = [[], []]
    with (
        asyncio.Runner(loop_factory=factory) as first,
        asyncio.Runner(loop_factory=factory) as second,
    ):
        runners = (first, second)
        try:
            for runner, client in zip(runners, clients, strict=True):
                runner.run(client.open())
                runner.run(measure.warm(client, queries, warmup, limit, 1))
            for k in range(chunks):
                turn = (0, 1) if k % 2 == 0 else (1, 0)
                for side in turn:
                    start = (k * calls) % len(queries)
                    seconds[side].append(
                        runners[side].run(_chunk(clients[side], queries, start, calls))
                    )
        finally:
            for runner, client in zip(runners, clients, strict=True):
                runner.run(client.close())
    ratios = [a / b for a, b in zip(seconds[0], seconds[1], strict=True) if b > 0]
    total = chunks * calls
    return Interleaved(
        names[0],
        names[1],
        loop,
        median(ratios) if ratios else float("nan"),
        sum(seconds[0]) / total * 1e6,
        sum(seconds[1]) / total * 1e6,
        chunks,
        calls,
    )


def run(
    target: Target,
    collection: str,
    dim: int,
    pairs: Sequence[tuple[str, str]],
    loops_run: Sequence[str],
    *,
    limit: int,
    chunks: int,
    calls: int,
    warmup: int,
) -> dict[tuple[str, str, str], Interleaved]:
    """Every pair on every loop, each in a child process, keyed ``(numerator, denominator, loop)``.

    The children query ``dataset.queries(dim)``, the latency stage's queries.
    """
    out = {}
    for loop in loops_run:
        for names in pairs:
            result = _run_child(
                target, collection, dim, names, loop,
                limit=limit, chunks=chunks, calls=calls, warmup=warmup,
            )  # fmt: skip
            out[(names[0], names[1], loop)] = result
            print(
                f"  interleaved {names[0]} / {names[1]} [{loop}]: {result.ratio:.2f}x "
                f"({result.numerator_us:.0f} / {result.denominator_us:.0f} us per call)",
                flush=True,
            )
    return out


def _run_child(
    target: Target,
    collection: str,
    dim: int,
    names: tuple[str, str],
    loop: str,
    *,
    limit: int,
    chunks: int,
    calls: int,
    warmup: int,
) -> Interleaved:
    cmd = [
        sys.executable, "-m", "benchmarks.cpu_pairs",
        "--rest-url", target.rest_url, "--grpc-url", target.grpc_url,
        "--collection", collection, "--dim", str(dim),
        "--pair", names[0], names[1], "--loop", loop, "--limit", str(limit),
        "--chunks", str(chunks), "--calls", str(calls), "--warmup", str(warmup),
    ]  # fmt: skip
    env = dict(os.environ)
    if target.api_key:
        env["QDPOOL_BENCH_API_KEY"] = target.api_key
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"the interleaved pair {names[0]} / {names[1]} [{loop}] failed "
            f"(exit {proc.returncode}): {proc.stderr.strip()[-800:]}"
        )
    return Interleaved(**json.loads(lines[-1]))


def child_main(argv: list[str] | None = None) -> None:
    """One pair, measured in this process; prints the ``Interleaved`` as one JSON line."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.cpu_pairs")
    p.add_argument("--rest-url", required=True)
    p.add_argument("--grpc-url", required=True)
    p.add_argument("--collection", required=True)
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--pair", nargs=2, required=True, choices=list(CLIENTS))
    p.add_argument("--loop", required=True)
    p.add_argument("--limit", type=int, required=True)
    p.add_argument("--chunks", type=int, required=True)
    p.add_argument("--calls", type=int, required=True)
    p.add_argument("--warmup", type=int, required=True)
    args = p.parse_args(argv)
    target = Target(args.rest_url, args.grpc_url, os.environ.get("QDPOOL_BENCH_API_KEY"))
    result = pair(
        target, args.collection, dataset.queries(args.dim), (args.pair[0], args.pair[1]),
        args.loop, limit=args.limit, chunks=args.chunks, calls=args.calls, warmup=args.warmup,
    )  # fmt: skip
    print(json.dumps(dataclasses.asdict(result)))


if __name__ == "__main__":
    child_main()
