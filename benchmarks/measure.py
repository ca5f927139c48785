"""The timing loops: every phase records per-call latency, client CPU and wall time.

Client CPU is ``time.process_time()`` over the phase, divided by its calls: the
CPU this process spent, all threads included (grpcio's and the event loop's),
which is what a latency-sensitive service pays per call and what stays stable
when the server shares the machine. Latency is ``perf_counter`` around each
awaited call. The server's CPU (when it is our subprocess) is read alongside.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from benchmarks.clients import BenchClient
from benchmarks.server import server_cpu

Query = Callable[[list[float]], Awaitable[int]]


@dataclass(slots=True)
class Sample:
    """One phase of one client in one round."""

    calls: int
    wall: float
    cpu: float
    server_cpu: float | None
    latencies: list[float] = field(default_factory=list)

    @property
    def cpu_per_call(self) -> float:
        return self.cpu / self.calls

    @property
    def server_cpu_per_call(self) -> float | None:
        return None if self.server_cpu is None else self.server_cpu / self.calls

    @property
    def rate(self) -> float:
        """Calls per second of wall time."""
        return self.calls / self.wall


class _Meter:
    """Wall, process CPU and server CPU from ``start()`` to ``stop()``."""

    def __init__(self, server_pid: int | None) -> None:
        self._pid = server_pid

    def start(self) -> None:
        gc.collect()
        self._server0 = server_cpu(self._pid)
        self._cpu0 = time.process_time()
        self._wall0 = time.perf_counter()

    def stop(self, calls: int, latencies: list[float]) -> Sample:
        wall = time.perf_counter() - self._wall0
        cpu = time.process_time() - self._cpu0
        server1 = server_cpu(self._pid)
        spent = None if server1 is None or self._server0 is None else server1 - self._server0
        return Sample(calls, wall, cpu, spent, latencies)


async def warm(
    client: BenchClient, queries: list[list[float]], calls: int, limit: int, width: int
) -> None:
    """Open connections and caches; check the answer has the expected number of hits.

    Ends with ``width`` calls at once, so that the widest phase finds its connections open.
    """
    for i in range(max(calls, 1)):
        hits = await client.query(queries[i % len(queries)])
        if hits != limit:
            raise RuntimeError(f"expected {limit} hits, got {hits}")
    await asyncio.gather(*(client.query(queries[i % len(queries)]) for i in range(width)))


async def sequential(
    client: BenchClient, queries: list[list[float]], calls: int, server_pid: int | None
) -> Sample:
    """``calls`` queries one after another (the seed's 100 sequential)."""
    query = client.query
    latencies: list[float] = []
    meter = _Meter(server_pid)
    clock = time.perf_counter
    n = len(queries)
    meter.start()
    for i in range(calls):
        t0 = clock()
        await query(queries[i % n])
        latencies.append(clock() - t0)
    return meter.stop(calls, latencies)


async def burst(
    client: BenchClient, queries: list[list[float]], calls: int, server_pid: int | None
) -> Sample:
    """``calls`` queries gathered at once (the seed's "100 in parallel"); latency from the start."""
    clock = time.perf_counter
    latencies: list[float] = []

    async def one(vector: list[float], t0: float) -> None:
        await client.query(vector)
        latencies.append(clock() - t0)

    meter = _Meter(server_pid)
    meter.start()
    t0 = clock()
    await asyncio.gather(*(one(queries[i % len(queries)], t0) for i in range(calls)))
    return meter.stop(calls, latencies)


async def throughput(
    client: BenchClient,
    queries: list[list[float]],
    calls: int,
    concurrency: int,
    server_pid: int | None,
) -> Sample:
    """``calls`` queries by ``concurrency`` workers, each sending its next one as soon as it can."""
    clock = time.perf_counter
    query = client.query
    latencies: list[float] = []
    counter = iter(range(calls))
    n = len(queries)

    async def worker() -> None:
        for i in counter:
            t0 = clock()
            await query(queries[i % n])
            latencies.append(clock() - t0)

    meter = _Meter(server_pid)
    meter.start()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, calls))))
    return meter.stop(calls, latencies)
