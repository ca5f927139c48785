"""The side-by-side query runs: every client, every phase, in a different order each round.

A round opens each client afresh (on a new event loop of its kind, see
``benchmarks/loops.py``), warms it, then runs its phases back to back:
sequential, burst, and one throughput run per concurrency level. Rounds rotate
(and every other round reverses) the order of the clients, so that no client
always runs first, last, or after the same neighbour, and drift in the machine
spreads over all of them. A client that fails is reported with its error and
the run goes on.
"""

from __future__ import annotations

import asyncio
import math
import sys
import traceback
from dataclasses import dataclass, field

from benchmarks import loops, measure
from benchmarks.clients import ClientSpec
from benchmarks.server import Target
from benchmarks.settings import Settings
from benchmarks.stats import percentile


@dataclass(slots=True)
class ClientRuns:
    """Everything measured for one client, one ``Sample`` per round and phase."""

    spec: ClientSpec
    sequential: list[measure.Sample] = field(default_factory=list)
    burst: list[measure.Sample] = field(default_factory=list)
    throughput: dict[int, list[measure.Sample]] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.sequential)


def order(specs: list[ClientSpec], round_no: int, rounds: int) -> list[ClientSpec]:
    """The clients' order in round ``round_no``: rotated, and reversed in odd rounds."""
    k = (round_no * len(specs)) // max(rounds, 1)
    rotated = specs[k:] + specs[:k]
    return rotated[::-1] if round_no % 2 else rotated


async def run_client(
    runs: ClientRuns,
    target: Target,
    settings: Settings,
    collection: str,
    queries: list[list[float]],
) -> None:
    """One round of one client: open, warm, every phase, close."""
    client = runs.spec.factory(target, collection, settings.limit)
    pid = target.pid
    width = max((settings.burst, *settings.concurrency))
    await client.open()
    try:
        await measure.warm(client, queries, settings.warmup, settings.limit, width)
        runs.sequential.append(await measure.sequential(client, queries, settings.sequential, pid))
        runs.burst.append(await measure.burst(client, queries, settings.burst, pid))
        for c in settings.concurrency:
            sample = await measure.throughput(client, queries, settings.throughput_calls, c, pid)
            runs.throughput.setdefault(c, []).append(sample)
    finally:
        await client.close()


def run(
    target: Target,
    settings: Settings,
    specs: list[ClientSpec],
    collection: str,
    queries: list[list[float]],
) -> dict[str, ClientRuns]:
    """Every round of every client, each client-round on a fresh event loop of its spec's kind."""
    results = {spec.name: ClientRuns(spec) for spec in specs}
    for round_no in range(settings.rounds):
        for spec in order(specs, round_no, settings.rounds):
            runs = results[spec.name]
            if runs.error is not None:
                continue
            try:
                with asyncio.Runner(loop_factory=loops.factory(spec.loop)) as runner:
                    runner.run(run_client(runs, target, settings, collection, queries))
            except Exception as exc:  # a broken client fails its row, not the run
                runs.error = f"{type(exc).__name__}: {exc}"
                print(f"  {spec.name}: FAILED: {runs.error}", file=sys.stderr)
                traceback.print_exc(limit=3, file=sys.stderr)
                continue
            _progress(round_no, settings, runs)
    return results


def _progress(round_no: int, settings: Settings, runs: ClientRuns) -> None:
    seq = runs.sequential[-1]
    top = max(settings.concurrency)
    rate = runs.throughput[top][-1].rate if top in runs.throughput else math.nan
    print(
        f"  round {round_no + 1}/{settings.rounds} {runs.spec.name:<18} "
        f"p50 {percentile(seq.latencies, 50) * 1e3:6.3f} ms  "
        f"cpu/call {seq.cpu_per_call * 1e6:7.1f} us  "
        f"burst {runs.burst[-1].wall * 1e3:7.1f} ms  "
        f"c={top} {rate:8.0f}/s",
        file=sys.stderr,
        flush=True,
    )
