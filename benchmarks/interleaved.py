"""The latency-stage targets' pairs, the two clients measured turn about in short turns.

The latency stage measures each client over its calls of one round, one client after
another. On a shared machine a slow spell of a few seconds (a neighbour's burst) lands
on whichever client runs then, and with three rounds one spell moves a ratio by half:
the same code measured 1.3x, 2.5x and 1.6x its floor in three rounds of one run, and
a throughput ratio of two gRPC clients against one server went from 0.95x to 0.85x
between two runs of the same code.

Here the two clients of a target run in one process, each open on its own event loop
of the target's kind, and take turns: ``turns`` times, in the order A B B A A B ... so
neither always goes first. A spell then falls on both clients' turns at about the same
time, and the ratio is the median over the turn pairs of A's figure over B's. Two
figures are measured so:

* ``"cpu"``: client CPU per call over ``calls`` sequential queries, read inside the
  loop around the calls alone (``time.process_time``: every thread of the process, as
  in the latency stage, so grpcio's own threads count);
* ``"rate"``: req/s over ``calls`` queries with ``concurrency`` in flight
  (``measure.throughput``), with the server's CPU read alongside, so that a turn in
  which the server used a whole core says so.

Each pair runs in processes of its own (``python -m benchmarks.interleaved``, which
``run`` starts). In the suite's process the latency stage has run every client before,
and a grpc.aio channel leaves grpcio's threads behind when it closes: after one, the
REST floor's CPU per call rose from 68 to 104 us in one measurement, billed to
whichever REST client ran then and not to the gRPC client that left them.

And in ``processes`` of them, one after another, whose per-turn ratios are pooled: the
median of one process's turns is steady, but it moves from one process to the next
(memory layout, which objects share cache lines, differs with every start, a known
source of bias in measurements). Six processes of the same pair, qdpool REST over the
floor on uvloop, gave medians from 1.29 to 1.64.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks import children, dataset, loops, measure
from benchmarks.clients import CLIENTS, BenchClient
from benchmarks.server import Target
from benchmarks.stats import median

FIGURES = ("cpu", "rate")


@dataclass(frozen=True, slots=True)
class Interleaved:
    """One pair's result: ``ratio`` is the median of per-turn ``numerator / denominator``."""

    numerator: str
    denominator: str
    loop: str
    figure: str
    """``"cpu"`` (client CPU per sequential call) or ``"rate"`` (req/s at ``concurrency``)."""
    numerator_mean: float
    """The numerator's figure over all its turns: microseconds of CPU per call, or req/s."""
    denominator_mean: float
    turns: int
    calls: int
    concurrency: int
    server_busy: float | None
    """The most of one core the server used in any turn of a rate pair (None: unknown)."""
    ratios: tuple[float, ...] = ()
    """Every turn pair's ratio, of every process."""
    processes: int = 1

    @property
    def ratio(self) -> float:
        """The median of every turn's ratio (NaN when no turn gave one)."""
        return median(list(self.ratios)) if self.ratios else float("nan")

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.numerator, self.denominator, self.figure, self.loop)

    def describe(self) -> str:
        """How it was measured, with both clients' figures, for the Targets table."""
        if self.figure == "cpu":
            what = "client CPU per sequential call"
            means = f"{self.numerator_mean:.0f} / {self.denominator_mean:.0f} us per call"
        else:
            what = f"req/s at concurrency {self.concurrency}"
            means = f"{self.numerator_mean:,.0f} / {self.denominator_mean:,.0f} req/s"
        where = f" in {self.processes} processes" if self.processes > 1 else ""
        return (
            f"{what}, interleaved: median of {self.turns} turns{where} of {self.calls} calls "
            f"each ({means})"
        )


def pooled(results: Sequence[Interleaved]) -> Interleaved:
    """One pair measured in several processes, as one: the median of all their turns."""
    first = results[0]
    ratios = tuple(r for result in results for r in result.ratios)
    turns = sum(result.turns for result in results)
    busy = [result.server_busy for result in results if result.server_busy is not None]
    return dataclasses.replace(
        first,
        numerator_mean=sum(r.numerator_mean * r.turns for r in results) / turns,
        denominator_mean=sum(r.denominator_mean * r.turns for r in results) / turns,
        turns=turns,
        server_busy=max(busy) if busy else None,
        ratios=ratios,
        processes=sum(result.processes for result in results),
    )


async def _cpu_turn(
    client: BenchClient, queries: list[list[float]], start: int, calls: int
) -> float:
    """Client CPU per call, in microseconds, over ``calls`` sequential queries."""
    n = len(queries)
    query = client.query
    t0 = time.process_time()
    for i in range(start, start + calls):
        await query(queries[i % n])
    return (time.process_time() - t0) / calls * 1e6


def pair(
    target: Target,
    collection: str,
    queries: list[list[float]],
    names: tuple[str, str],
    loop: str,
    *,
    figure: str = "cpu",
    limit: int,
    turns: int,
    calls: int,
    concurrency: int = 1,
    warmup: int,
) -> Interleaved:
    """Measure ``names`` (numerator, denominator) interleaved on ``loop``; see the module."""
    if figure not in FIGURES:
        raise ValueError(f"figure must be one of {FIGURES}, not {figure!r}")
    factory = loops.factory(loop)
    clients = [CLIENTS[name].factory(target, collection, limit) for name in names]
    values: list[list[float]] = [[], []]
    busy: list[float] = []
    width = concurrency if figure == "rate" else 1

    async def turn(side: int, start: int) -> float:
        client = clients[side]
        if figure == "cpu":
            return await _cpu_turn(client, queries, start, calls)
        sample = await measure.throughput(client, queries, calls, concurrency, target.pid)
        if sample.server_cpu is not None and sample.wall > 0:
            busy.append(sample.server_cpu / sample.wall)
        return sample.rate

    with (
        asyncio.Runner(loop_factory=factory) as first,
        asyncio.Runner(loop_factory=factory) as second,
    ):
        runners = (first, second)
        try:
            for runner, client in zip(runners, clients, strict=True):
                runner.run(client.open())
                runner.run(measure.warm(client, queries, warmup, limit, width))
            for k in range(turns):
                for side in (0, 1) if k % 2 == 0 else (1, 0):
                    values[side].append(runners[side].run(turn(side, (k * calls) % len(queries))))
        finally:
            for runner, client in zip(runners, clients, strict=True):
                runner.run(client.close())
    ratios = [a / b for a, b in zip(values[0], values[1], strict=True) if b > 0]
    return Interleaved(
        names[0],
        names[1],
        loop,
        figure,
        sum(values[0]) / len(values[0]),
        sum(values[1]) / len(values[1]),
        turns,
        calls,
        width,
        max(busy) if busy else None,
        tuple(ratios),
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """What ``run`` measures: each (numerator, denominator, figure) on each loop."""

    pairs: Sequence[tuple[str, str, str]]
    loops: Sequence[str]
    limit: int
    turns: int
    cpu_calls: int
    rate_calls: int
    concurrency: int
    warmup: int
    processes: int = 1
    """Processes each pair is measured in, one after another (``turns`` in each)."""


def run(
    target: Target, collection: str, dim: int, plan: Plan
) -> dict[tuple[str, str, str, str], Interleaved]:
    """Every pair of ``plan``, each in ``plan.processes`` child processes, keyed
    ``Interleaved.key``.

    The children query ``dataset.queries(dim)``, the latency stage's queries.
    """
    out = {}
    for loop in plan.loops:
        for numerator, denominator, figure in plan.pairs:
            result = pooled(
                [
                    _run_child(
                        target, collection, dim, (numerator, denominator), loop, figure, plan
                    )
                    for _ in range(plan.processes)
                ]
            )
            out[result.key] = result
            print(
                f"  interleaved {numerator} / {denominator} [{figure}, {loop}]: "
                f"{result.ratio:.2f}x ({result.describe().rsplit('(', 1)[1]}",
                flush=True,
            )
    return out


def _run_child(
    target: Target,
    collection: str,
    dim: int,
    names: tuple[str, str],
    loop: str,
    figure: str,
    plan: Plan,
) -> Interleaved:
    calls = plan.cpu_calls if figure == "cpu" else plan.rate_calls
    args = [
        "--rest-url", target.rest_url, "--grpc-url", target.grpc_url,
        "--collection", collection, "--dim", str(dim),
        "--pair", names[0], names[1], "--loop", loop, "--figure", figure,
        "--limit", str(plan.limit), "--turns", str(plan.turns), "--calls", str(calls),
        "--concurrency", str(plan.concurrency), "--warmup", str(plan.warmup),
    ]  # fmt: skip
    if target.pid is not None:
        args += ["--server-pid", str(target.pid)]
    try:
        fields = children.run("benchmarks.interleaved", args, target)
        fields["ratios"] = tuple(fields["ratios"])
        return Interleaved(**fields)
    except children.ChildFailed as exc:
        raise RuntimeError(
            f"the interleaved pair {names[0]} / {names[1]} [{figure}, {loop}] failed ({exc})"
        ) from None


def child_main(argv: list[str] | None = None) -> None:
    """One pair, measured in this process; prints the ``Interleaved`` as one JSON line."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.interleaved")
    p.add_argument("--rest-url", required=True)
    p.add_argument("--grpc-url", required=True)
    p.add_argument("--server-pid", type=int, help="the server's pid, for its CPU in rate turns")
    p.add_argument("--collection", required=True)
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--pair", nargs=2, required=True, choices=list(CLIENTS))
    p.add_argument("--loop", required=True)
    p.add_argument("--figure", choices=FIGURES, default="cpu")
    p.add_argument("--limit", type=int, required=True)
    p.add_argument("--turns", type=int, required=True)
    p.add_argument("--calls", type=int, required=True)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--warmup", type=int, required=True)
    args = p.parse_args(argv)
    target = children.target(args.rest_url, args.grpc_url, args.server_pid)
    result = pair(
        target, args.collection, dataset.queries(args.dim), (args.pair[0], args.pair[1]),
        args.loop, figure=args.figure, limit=args.limit, turns=args.turns, calls=args.calls,
        concurrency=args.concurrency, warmup=args.warmup,
    )  # fmt: skip
    print(json.dumps(dataclasses.asdict(result)))


if __name__ == "__main__":
    child_main()
