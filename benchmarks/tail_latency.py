"""Tail latency with and without hedged reads, when 2% of responses are 50 ms late.

Run it with ``python -m benchmarks.tail_latency`` (``--help`` for the options).

The embedded server runs in its own process; its fault injector (driven over
its admin endpoint, seeded) delays 2% of ``query_points`` answers by 50 ms. For
each protocol, three runs of the same seeded queries are timed on the client:

1. fault-free, without hedging (the reference);
2. with the delays, without hedging;
3. with the delays, with ``HedgePolicy()`` defaults: hedge after the observed
   p95 of the operation's latency, extra requests capped at 5%.

Each run reports p50 / p99 / p99.9 and the extra load: requests sent beyond
one per call (the hedges), and, as a check, the extra requests the server
itself counted as served (lower: a losing attempt cancelled while the server
was still holding it is never served). The target is a hedged p99 within 2x
the fault-free p99 at no more than 5% extra requests.
Results go to ``benchmarks/results/tail_latency.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

import qdpool
from qdpool.embedded import EmbeddedProcess
from qdpool.interceptors.hedge import Hedge

RESULTS = Path(__file__).resolve().parent / "results"
COLLECTION = "tail"
DIM = 64
POINTS = 2000
DELAY = 0.05
DELAYED_SHARE = 0.02


@dataclass
class Run:
    protocol: str
    mode: str
    calls: int
    requests: int
    p50_ms: float
    p99_ms: float
    p999_ms: float
    hedges_sent: int
    hedges_won: int

    @property
    def extra(self) -> float:
        """Requests sent beyond one per call: the load hedging adds (what the client sent)."""
        return self.hedges_sent / self.calls

    @property
    def extra_served(self) -> float:
        """The same, counted by the server: losers cancelled before it served them drop out."""
        return self.requests / self.calls - 1


def vectors(n: int, seed: int) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    return [[float(x) for x in row] for row in rng.standard_normal((n, DIM), dtype=np.float32)]


async def admin(
    session: aiohttp.ClientSession, url: str, method: str, path: str, body: Any = None
) -> Any:
    async with session.request(method, url + path, json=body) as resp:
        resp.raise_for_status()
        return (await resp.json())["result"]


async def served(session: aiohttp.ClientSession, url: str) -> int:
    stats = await admin(session, url, "GET", "/qdpool/faults")
    return sum(s["count"] for s in stats["served"] if s["operation"] == "query_points")


async def one_run(
    proc: EmbeddedProcess,
    session: aiohttp.ClientSession,
    protocol: str,
    mode: str,
    queries: list[list[float]],
    warmup: int,
    workers: int,
    seed: int,
) -> Run:
    url = proc.rest_url
    await admin(session, url, "POST", "/qdpool/faults/reset", {"seed": seed})
    if mode != "fault-free":
        rule = {
            "kind": "latency",
            "operation": "query_points",
            "delay": DELAY,
            "rate": DELAYED_SHARE,
        }
        await admin(session, url, "POST", "/qdpool/faults", rule)
    hedge = qdpool.HedgePolicy() if mode == "hedged" else None
    client = qdpool.connect(
        proc.rest_url,
        grpc_url=proc.grpc_url,
        api_key=None,
        protocol=protocol,
        hedge=hedge,
        concurrency=qdpool.ConcurrencyPolicy(limit=64),
        rng=random.Random(seed),
    )
    async with client:
        # warm-up: connections, and the latency history hedging reads its p95 from
        for q in queries[:warmup]:
            await client.query_points(COLLECTION, q, limit=10, with_payload=False)
        finder = client.pipeline.find(Hedge)
        sent_before = finder.sent if finder else 0
        won_before = finder.won if finder else 0
        before = await served(session, url)
        measured = queries[warmup:]
        latencies = np.empty(len(measured))
        cursor = iter(range(len(measured)))

        async def work() -> None:
            for i in cursor:
                start = time.perf_counter()
                await client.query_points(COLLECTION, measured[i], limit=10, with_payload=False)
                latencies[i] = time.perf_counter() - start

        await asyncio.gather(*(work() for _ in range(workers)))
        # a losing hedge may still be on its way to the server: let it land
        await asyncio.sleep(DELAY * 2)
        requests = await served(session, url) - before
        sent = (finder.sent - sent_before) if finder else 0
        won = (finder.won - won_before) if finder else 0
    p50, p99, p999 = np.percentile(latencies * 1000, [50, 99, 99.9])
    return Run(protocol, mode, len(measured), requests, p50, p99, p999, sent, won)


def table(runs: list[Run]) -> str:
    lines = [
        "| protocol | run | calls | p50 ms | p99 ms | p99.9 ms | extra requests sent | "
        "extra served | hedges won |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.protocol} | {r.mode} | {r.calls} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
            f"{r.p999_ms:.2f} | {r.extra:+.2%} ({r.hedges_sent}) | {r.extra_served:+.2%} | "
            f"{r.hedges_won} |"
        )
    return "\n".join(lines)


def verdicts(runs: list[Run]) -> list[str]:
    out = []
    for protocol in dict.fromkeys(r.protocol for r in runs):
        by = {r.mode: r for r in runs if r.protocol == protocol}
        base, hedged = by["fault-free"], by["hedged"]
        ratio = hedged.p99_ms / base.p99_ms
        ok = ratio <= 2.0 and hedged.extra <= 0.05
        out.append(
            f"{protocol}: hedged p99 = {ratio:.2f}x fault-free p99 (target <= 2x), extra "
            f"requests {hedged.extra:+.2%} (target <= 5%): {'PASS' if ok else 'MISS'}"
        )
    return out


async def main_async(args: argparse.Namespace) -> list[Run]:
    runs: list[Run] = []
    async with EmbeddedProcess() as proc, aiohttp.ClientSession() as session:
        async with qdpool.connect(proc.rest_url, grpc_url=proc.grpc_url, api_key=None) as setup:
            await setup.create_collection(COLLECTION, size=DIM, distance="Dot")
            data = vectors(POINTS, 1)
            await setup.upsert(COLLECTION, [{"id": i, "vector": v} for i, v in enumerate(data)])
        queries = vectors(args.requests + args.warmup, 2)
        for protocol in args.protocols:
            for mode in ("fault-free", "delayed", "hedged"):
                run = await one_run(
                    proc, session, protocol, mode, queries, args.warmup, args.workers, args.seed
                )
                runs.append(run)
                print(
                    f"{protocol:4} {mode:10} p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:6.2f} ms  "
                    f"p99.9 {run.p999_ms:6.2f} ms  extra {run.extra:+.2%}",
                    file=sys.stderr,
                )
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.tail_latency", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--requests", type=int, default=5000, help="measured calls per run")
    parser.add_argument("--warmup", type=int, default=300, help="unmeasured calls first")
    parser.add_argument("--workers", type=int, default=4, help="concurrent callers")
    parser.add_argument(
        "--protocols", nargs="+", default=["rest", "grpc"], choices=["rest", "grpc"]
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="1,000 calls per run")
    parser.add_argument("--no-write", action="store_true", help="do not write results/")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests = 1000
    runs = asyncio.run(main_async(args))
    text = table(runs)
    summary = verdicts(runs)
    print(text)
    print()
    print("\n".join(summary))
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        meta = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "delay_s": DELAY,
            "delayed_share": DELAYED_SHARE,
            "workers": args.workers,
            "seed": args.seed,
        }
        rows = [{**asdict(r), "extra": r.extra, "extra_served": r.extra_served} for r in runs]
        (RESULTS / "tail_latency.json").write_text(
            json.dumps({"meta": meta, "runs": rows, "verdicts": summary}, indent=2) + "\n"
        )
        (RESULTS / "tail_latency.md").write_text(
            "# Tail latency with hedged reads\n\n"
            f"2% of `query_points` answers delayed by 50 ms (server-side, seeded); "
            f"{args.workers} concurrent callers; {args.requests} measured calls per run; "
            f"{os.cpu_count()} CPUs; Python {platform.python_version()}.\n\n"
            + text
            + "\n\n"
            + "\n".join(f"- {line}" for line in summary)
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
