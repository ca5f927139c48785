"""docs/resilience.md's latency recipe under 200 concurrent filtered queries, against the
embedded server in its own process.

The recipe: ``timeout=1.0``, ``RetryPolicy(per_try_timeout=0.25, base=0.02, cap=0.2)``,
``HedgePolicy()``. 200 queries at once, each an unindexed filter over 3,000 256-d points (a
few milliseconds of the server's work apiece), queue far deeper than the node's concurrency
limit (2 x the cores it reports), so most of each call's time is spent waiting for a slot.
Before the fix, those waits ran out the 0.25 s per-try timeout, were retried as if the server
had failed, and emptied the retry budget: about nine in ten calls failed with
``RetryBudgetExhausted``. Now a queue wait never spends retry budget nor counts against the
breaker, and a call fails only as ``DeadlineExceeded`` (``QueueTimeout`` when its deadline ran
out in the queue) when the server cannot serve it within its deadline.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

import qdpool
from qdpool.call import Call
from qdpool.embedded import EmbeddedProcess
from qdpool.errors import QueueTimeout
from qdpool.events import NullObserver
from qdpool.interceptors.breaker import Breaker
from qdpool.interceptors.concurrency import Concurrency
from qdpool.interceptors.hedge import Hedge
from qdpool.interceptors.retry import Retry

CALLS = 200
POINTS = 3_000
DIM = 256
TIMEOUT = 1.0
SLACK = 0.25
"""How far past its deadline a call may end on a loaded 2-CPU machine (scheduling only)."""


class Attempts(NullObserver):
    """Every failed attempt, and whether it was retried."""

    def __init__(self) -> None:
        self.failed: list[tuple[BaseException, bool]] = []

    def on_attempt_failed(self, call: Call, error: BaseException, will_retry: bool) -> None:
        self.failed.append((error, will_retry))


@pytest_asyncio.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedProcess]:
    path: Path = tmp_path_factory.mktemp("recipe")
    async with EmbeddedProcess(path=path) as server:
        rng = random.Random(11)
        async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, timeout=30) as c:
            await c.create_collection("recipe", size=DIM)
            for start in range(0, POINTS, 500):
                await c.upsert(
                    "recipe",
                    [
                        {
                            "id": i,
                            "vector": [rng.random() for _ in range(DIM)],
                            "payload": {"city": rng.choice("abcd")},
                        }
                        for i in range(start, start + 500)
                    ],
                )
        yield server


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
async def test_the_latency_recipe_holds_under_200_concurrent_queries(
    node: EmbeddedProcess, protocol: str
) -> None:
    attempts = Attempts()
    client = qdpool.connect(
        node.rest_url,
        grpc_url=node.grpc_url,
        protocol=protocol,  # type: ignore[arg-type]
        timeout=TIMEOUT,
        retry=qdpool.RetryPolicy(per_try_timeout=0.25, base=0.02, cap=0.2),
        hedge=qdpool.HedgePolicy(),
        observer=attempts,
    )
    rng = random.Random(5)
    vectors = [[rng.random() for _ in range(DIM)] for _ in range(CALLS)]
    latencies: list[float] = []
    overruns: list[float] = []

    async def query(vector: list[float]) -> str:
        start = time.monotonic()
        try:
            hits = await client.query_points(
                "recipe",
                vector,
                filter={"must": [{"key": "city", "match": {"value": rng.choice("abcd")}}]},
                limit=5,
            )
        except qdpool.QdpoolError as error:
            overruns.append(time.monotonic() - start - TIMEOUT)
            if isinstance(error, QueueTimeout):
                assert error.sent is False and error.queue == "concurrency"
                assert re.search(rf"waited \d\.\d{{3}}s for one of {limit} concurrency", str(error))
                return "QueueTimeout"
            return type(error).__name__
        assert len(hits) == 5
        latencies.append(time.monotonic() - start)
        return "ok"

    async with client:
        limit = client.pipeline.find(Concurrency).limiter(client.endpoint).limit
        assert (
            "cores (GET /telemetry)"
            in client.pipeline.find(Concurrency).limiter(client.endpoint).sized
        )  # sized from the server, not the client's CPUs
        began = time.monotonic()
        outcomes = Counter(await asyncio.gather(*(query(v) for v in vectors)))
        wall = time.monotonic() - began
        retry = client.pipeline.find(Retry)
        breaker = client.pipeline.find(Breaker).get(client.endpoint, protocol)
        hedge = client.pipeline.find(Hedge)

    latencies.sort()
    p50 = latencies[len(latencies) // 2] if latencies else float("nan")
    print(
        f"\n{protocol}: limit {limit}, {dict(outcomes)} in {wall:.2f}s; ok p50 {p50 * 1000:.0f} ms"
        f"; retries {retry.retries}, budget refused {retry.budget.exhausted}, hedges {hedge.sent}"
        f"; breaker {breaker!r}"
    )
    # Only successes, and deadlines the server could not meet: no RetryBudgetExhausted, no
    # CircuitOpen, nothing else.
    assert set(outcomes) <= {"ok", "QueueTimeout", "DeadlineExceeded"}, outcomes
    assert outcomes["ok"] > 0
    assert retry.budget.exhausted == 0
    # A queue wait is never retried; what was retried failed on the wire.
    retried = [error for error, again in attempts.failed if again]
    assert not any(isinstance(error, QueueTimeout) for error in retried)
    assert retry.retries == len(retried)
    # The breaker counted no queue wait: its failures are at most the tries that failed on the
    # wire (plus a hedge's attempt, each of which it judges on its own).
    wire_failures = sum(1 for e, _ in attempts.failed if not isinstance(e, QueueTimeout))
    failures = int(re.search(r"failures=(\d+)", repr(breaker))[1])  # type: ignore[index]
    assert failures <= wire_failures + hedge.sent
    assert breaker.state == "closed"
    assert max(overruns, default=0.0) < SLACK  # nobody waited past the deadline for a slot
