"""One client over three peers, one of them slowed by 20 ms on every call.

Run it with ``python -m benchmarks.cluster`` (``--help`` for the options); ``make
bench`` runs it as its ``cluster`` stage.

``qdpool serve --peers 3`` (``EmbeddedCluster``: each peer its own process, one
engine behind them) runs on this machine; peer 3's fault injector adds 20 ms
to every request it serves. The same load (``--callers`` concurrent callers,
half over REST and half over gRPC, ``count`` calls for ``--seconds``) is timed
on the client for:

1. the healthy cluster under P2C + peak EWMA (the reference; run first and
   again last, and the better p99 of the two is the one compared);
2. the slowed cluster under P2C + peak EWMA (qdpool's default balancer);
3. the slowed cluster under round-robin;
4. one node: a client given only a healthy peer, and one given only the slowed
   peer (what "one client per node, picked at random" gives a third of them).

Each run reports p50 / p99 and each peer's share of the attempts (read from
``client.node_health()``). Issue 12's target: under P2C the slowed peer gets at
most 10% of the calls and the p99 stays within 1.5x the healthy cluster's.
Results go to ``benchmarks/results/cluster.{json,md}`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

import qdpool
from qdpool.embedded.cluster import EmbeddedCluster, Peer
from qdpool.endpoint import Endpoint

RESULTS = Path(__file__).resolve().parent / "results"
KEY = "bench-cluster-key"
COLLECTION = "bench_cluster"
DELAY = 0.02
SLOW = 3


@dataclass
class Run:
    name: str
    calls: int
    failed: int
    p50_ms: float
    p99_ms: float
    shares: dict[str, float] = field(default_factory=dict)
    """Each peer's share of the attempts (``"1"``, ``"2"``, ``"3"``)."""


async def _faults(session: aiohttp.ClientSession, peer: Peer, rule: dict[str, Any] | None) -> None:
    path = "/qdpool/faults" if rule is not None else "/qdpool/faults/reset"
    async with session.post(peer.rest_url + path, json=rule or {}) as reply:
        reply.raise_for_status()


def _client(
    cluster: EmbeddedCluster, nodes: list[Peer], strategy: str, decay: float = 10.0
) -> qdpool.Client:
    return qdpool.connect(
        [(p.rest_url, p.grpc_url) for p in nodes],
        api_key=KEY,
        timeout=5.0,
        balancer=qdpool.BalancerPolicy(strategy=strategy, decay=decay),  # type: ignore[arg-type]
        concurrency=qdpool.ConcurrencyPolicy(limit=64),
    )


async def _load(client: qdpool.Client, callers: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    failed = 0
    end = time.monotonic() + seconds

    async def caller(index: int) -> None:
        nonlocal failed
        protocol: Any = "grpc" if index % 2 else "rest"
        while time.monotonic() < end:
            start = time.monotonic()
            try:
                await client.count(COLLECTION, protocol=protocol)
            except Exception:
                failed += 1
            latencies.append(time.monotonic() - start)

    await asyncio.gather(*(caller(i) for i in range(callers)))
    return latencies, failed


async def _run(
    name: str,
    cluster: EmbeddedCluster,
    nodes: list[Peer],
    strategy: str,
    args: argparse.Namespace,
) -> Run:
    async with _client(cluster, nodes, strategy, args.decay) as client:
        await _load(client, args.callers, min(0.5, args.seconds))  # warm connections, EWMA
        before = {h.endpoint: h.attempts for h in await client.node_health()}
        latencies, failed = await _load(client, args.callers, args.seconds)
        after = {h.endpoint: h.attempts for h in await client.node_health()}
    if before:
        names = {str(Endpoint.from_urls(p.rest_url, p.grpc_url)): str(p.id) for p in nodes}
        counts = {names[e]: after[e] - before[e] for e in after}
    else:  # one node, no routing: every call went to it
        counts = {str(nodes[0].id): len(latencies)}
    total = sum(counts.values()) or 1
    run = Run(
        name,
        len(latencies),
        failed,
        statistics.median(latencies) * 1000,
        statistics.quantiles(latencies, n=100)[98] * 1000,
        {peer: count / total for peer, count in counts.items()},
    )
    shares = "  ".join(f"peer {p} {s:6.1%}" for p, s in run.shares.items())
    print(
        f"{name:<34} p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:6.2f} ms  {shares}",
        file=sys.stderr,
    )
    return run


async def main_async(args: argparse.Namespace) -> list[Run]:
    async with EmbeddedCluster(peers=3, api_key=KEY) as cluster:
        peers = [cluster.peers[i] for i in (1, 2, 3)]
        async with _client(cluster, peers, "p2c") as setup:
            await setup.create_collection(COLLECTION, size=8, distance="Dot")
            points = [{"id": i, "vector": [float(i % 5)] * 8} for i in range(200)]
            await setup.upsert(COLLECTION, points)
            # The cluster's first second is slower (connections, the engine's first queries).
            await _load(setup, args.callers, min(1.0, args.seconds))
        runs = [await _run("healthy cluster, P2C + peak EWMA", cluster, peers, "p2c", args)]
        async with aiohttp.ClientSession(headers={"api-key": KEY}) as session:
            await _faults(session, cluster.peers[SLOW], {"kind": "latency", "delay": DELAY})
            try:
                for name, nodes, strategy in (
                    ("peer 3 +20 ms, P2C + peak EWMA", peers, "p2c"),
                    ("peer 3 +20 ms, round-robin", peers, "round_robin"),
                    ("one node: a healthy peer", peers[:1], "p2c"),
                    ("one node: the slowed peer", peers[2:], "p2c"),
                ):
                    runs.append(await _run(name, cluster, nodes, strategy, args))
            finally:
                await _faults(session, cluster.peers[SLOW], None)
        runs.append(await _run("healthy cluster again, P2C", cluster, peers, "p2c", args))
    return runs


def table(runs: list[Run]) -> str:
    lines = [
        "| run | calls | failed | p50 ms | p99 ms | peer 1 | peer 2 | peer 3 (slowed) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        shares = [f"{r.shares[p]:.1%}" if p in r.shares else "-" for p in ("1", "2", "3")]
        lines.append(
            f"| {r.name} | {r.calls:,} | {r.failed} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
            + " | ".join(shares)
            + " |"
        )
    return "\n".join(lines)


def verdicts(runs: list[Run]) -> list[str]:
    p2c, rr = runs[1], runs[2]
    # The healthy cluster runs first and last: the better of its two p99s is the reference,
    # so a scheduling storm during one of them does not flatter the slowed runs.
    healthy = min((runs[0], runs[-1]), key=lambda r: r.p99_ms)
    share = p2c.shares[str(SLOW)]
    ratio = p2c.p99_ms / healthy.p99_ms
    return [
        f"P2C: the slowed peer took {share:.1%} of the attempts (target <= 10%: "
        f"{'met' if share <= 0.10 else 'missed'}); round-robin gave it "
        f"{rr.shares[str(SLOW)]:.1%}",
        f"P2C: p99 {p2c.p99_ms:.2f} ms = {ratio:.2f}x the healthy cluster's "
        f"{healthy.p99_ms:.2f} ms (target <= 1.5x: {'met' if ratio <= 1.5 else 'missed'}); "
        f"round-robin {rr.p99_ms / healthy.p99_ms:.2f}x",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cluster", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per run")
    parser.add_argument("--callers", type=int, default=16, help="concurrent callers")
    parser.add_argument("--quick", action="store_true", help="2 s per run")
    parser.add_argument(
        "--decay", type=float, default=10.0, help="the peak EWMA's time constant (s)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not write results/")
    parser.add_argument("--out", type=Path, default=RESULTS, help="output folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 2.0
    runs = asyncio.run(main_async(args))
    text = table(runs)
    summary = verdicts(runs)
    print(text)
    print()
    print("\n".join(summary))
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        meta = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg()[0],
            "delay_s": DELAY,
            "callers": args.callers,
            "decay_s": args.decay,
            "seconds": args.seconds,
        }
        (args.out / "cluster.json").write_text(
            json.dumps({"meta": meta, "runs": [asdict(r) for r in runs], "verdicts": summary})
            + "\n"
        )
        (args.out / "cluster.md").write_text(
            "# One client over three peers, one slowed by 20 ms\n\n"
            f"{args.callers} callers (half REST, half gRPC), `count`, {args.seconds:g} s per "
            f"run, peak-EWMA decay {args.decay:g} s, {os.cpu_count()} CPUs, load average "
            f"{meta['load_average']:.1f} at the end.\n\n"
            f"{text}\n\n" + "\n".join(f"- {line}" for line in summary) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
