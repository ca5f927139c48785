"""What ``SyncClient`` costs per call over the async ``Client`` it runs.

``python -m benchmarks.sync_overhead [--calls N] [--repeats R]`` prints a Markdown table.

Both clients are the same real ``Client`` (its whole default pipeline, telemetry
with no SDK) over a transport that answers at once, so what differs is only the
hop: the sync call hands a coroutine to the loop thread, wakes it, and waits on
a future for the answer. Variants, each the median over interleaved repeats of
the time per ``count()`` call in a tight loop:

- **async**: ``await client.count()`` in the client's own loop;
- **sync, one thread**: ``sync.count()`` from the main thread;
- **sync, 8 threads**: 8 threads calling at once; the figure is wall time per call
  over all of them (what the loop thread sustains), not one thread's latency;
- **thread hop alone**: a callback handed to the same loop thread that sets a
  future the caller waits on, no client at all: the floor of any design that runs
  the async client on a thread of its own (two thread wake-ups per call).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import qdpool
from qdpool.sync import SyncClient
from qdpool.testing import MockTransport

THREADS = 8


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    us: float
    over_async: float


class _Answer(MockTransport):
    """MockTransport without the call log, so a long run does not grow memory."""

    async def send(self, call: qdpool.Call) -> object:
        call.sent = True
        return 1


def _client() -> qdpool.Client:
    return qdpool.Client(
        qdpool.Endpoint("localhost"),
        transports={"rest": _Answer(lambda call: 1)},
        protocols=("rest",),
    )


def _async_per_call(calls: int) -> float:
    async def run() -> float:
        async with _client() as client:
            for _ in range(200):
                await client.count("docs")
            started = time.perf_counter()
            for _ in range(calls):
                await client.count("docs")
            return (time.perf_counter() - started) / calls

    return asyncio.run(run())


def _sync_per_call(sync: SyncClient, calls: int) -> float:
    for _ in range(200):
        sync.count("docs")
    started = time.perf_counter()
    for _ in range(calls):
        sync.count("docs")
    return (time.perf_counter() - started) / calls


def _threads_per_call(sync: SyncClient, calls: int) -> float:
    each = max(1, calls // THREADS)
    barrier = threading.Barrier(THREADS + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(each):
            sync.count("docs")

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return (time.perf_counter() - started) / (each * THREADS)


def _hop_per_call(sync: SyncClient, calls: int) -> float:
    loop = sync._runner.loop

    def answer(future: concurrent.futures.Future[int]) -> None:
        future.set_result(1)

    started = time.perf_counter()
    for _ in range(calls):
        future: concurrent.futures.Future[int] = concurrent.futures.Future()
        loop.call_soon_threadsafe(answer, future)
        future.result()
    return (time.perf_counter() - started) / calls


def measure(calls: int, repeats: int) -> list[Row]:
    samples: dict[str, list[float]] = {"async": [], "one": [], "threads": [], "hop": []}
    with SyncClient(_client()) as sync:
        runs: list[tuple[str, Callable[[], float]]] = [
            ("async", lambda: _async_per_call(calls)),
            ("one", lambda: _sync_per_call(sync, calls)),
            ("threads", lambda: _threads_per_call(sync, calls)),
            ("hop", lambda: _hop_per_call(sync, calls)),
        ]
        for _ in range(repeats):
            for key, run in runs:
                samples[key].append(run() * 1e6)
    base = statistics.median(samples["async"])
    names = {"async": "async `await client.count()`", "one": "sync, one thread"}
    names["threads"] = f"sync, {THREADS} threads at once (wall time per call)"
    names["hop"] = "thread hop alone, no client (the floor)"
    return [
        Row(
            names[key],
            statistics.median(values),
            statistics.median(values) - base if key in ("one", "threads") else 0.0,
        )
        for key, values in samples.items()
    ]


def render(rows: Sequence[Row]) -> str:
    lines = ["| variant | µs per call | over async |", "|---|---:|---:|"]
    for row in rows:
        over = "—" if row.over_async == 0 else f"{row.over_async:+.1f}"
        lines.append(f"| {row.name} | {row.us:.1f} | {over} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=5000, help="calls per repeat (default 5000)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats (default 5)")
    args = parser.parse_args(argv)
    print(render(measure(args.calls, args.repeats)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
