"""Query latency on a 5,000 x 384-d collection: printed, never asserted (timings are noisy).

Server-side is the engine call alone (``Engine.execute``, no HTTP); the round
trips go to ``qdpool serve`` in its own process, over REST (aiohttp + orjson)
and gRPC (grpc.aio), one request at a time.  Run with ``-s`` to see the table.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import numpy as np
from embedded_support import Grpc, Rest, grpc_channel, pb
from wire_support import SPECS

from qdpool.embedded import EmbeddedProcess, Engine

N, DIM, QUERIES = 5000, 384, 200
CATEGORIES = ("index", "search", "storage", "network")
FILTER = {"must": [{"key": "category", "match": {"value": "index"}}]}


def dataset() -> tuple[list[dict[str, Any]], list[list[float]]]:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((N, DIM)).astype(np.float32)
    points = [
        {
            "id": i,
            "vector": vectors[i].tolist(),
            "payload": {"price": i % 100, "category": CATEGORIES[i % 4]},
        }
        for i in range(N)
    ]
    queries = rng.standard_normal((QUERIES, DIM)).astype(np.float32).tolist()
    return points, queries


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2] * 1e3
    p95 = ordered[int(len(ordered) * 0.95)] * 1e3
    return f"p50 {p50:6.3f} ms   p95 {p95:6.3f} ms"


def bodies(queries: list[list[float]], filtered: bool) -> list[dict[str, Any]]:
    return [
        {"query": q, "limit": 10, "with_payload": True, **({"filter": FILTER} if filtered else {})}
        for q in queries
    ]


async def timed(call: Callable[[dict[str, Any]], Awaitable[Any]], items: list[Any]) -> str:
    for body in items[:20]:  # warm-up
        await call(body)
    samples = []
    for body in items:
        started = time.perf_counter()
        await call(body)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


async def test_query_latency_on_5000_x_384() -> None:
    points, queries = dataset()
    lines = [f"query latency, {N} x {DIM}-d Cosine, limit 10, with payload:"]

    engine = Engine()
    try:
        engine.execute(
            SPECS["create_collection"], "bench", {"vectors": {"size": DIM, "distance": "Cosine"}}
        )
        for start in range(0, N, 1000):
            engine.execute(SPECS["upsert"], "bench", {"points": points[start : start + 1000]})
        for filtered in (False, True):

            async def direct(body: dict[str, Any]) -> Any:
                return engine.execute(SPECS["query_points"], "bench", body)

            label = "filtered  " if filtered else "unfiltered"
            lines.append(
                f"  server-side     {label}  {await timed(direct, bodies(queries, filtered))}"
            )
    finally:
        engine.close()

    async with EmbeddedProcess() as proc, aiohttp.ClientSession() as http:
        rest = Rest(http, proc.rest_url)
        create = await rest(
            "PUT", "/collections/bench", {"vectors": {"size": DIM, "distance": "Cosine"}}
        )
        assert create.result is True
        for start in range(0, N, 1000):
            reply = await rest(
                "PUT",
                "/collections/bench/points",
                {"points": points[start : start + 1000]},
                params={"wait": "true"},
            )
            assert reply.result["status"] == "completed"
        channel = grpc_channel(proc)
        grpc_call = Grpc(channel)
        try:
            for filtered in (False, True):
                label = "filtered  " if filtered else "unfiltered"

                async def over_rest(body: dict[str, Any]) -> Any:
                    return (await rest("POST", "/collections/bench/points/query", body)).result

                async def over_grpc(body: dict[str, Any]) -> Any:
                    return await grpc_call("query_points", pb("query_points", "bench", body))

                items = bodies(queries, filtered)
                lines.append(f"  REST round trip {label}  {await timed(over_rest, items)}")
                lines.append(f"  gRPC round trip {label}  {await timed(over_grpc, items)}")
        finally:
            await channel.close(None)

    print("\n" + "\n".join(lines))  # captured: shown with -s (or when the test fails)
