"""``qdpool demo``: the seed walkthrough through qdpool, on REST and on gRPC.

By default it starts the embedded Qdrant-compatible server in a separate
process on free ports with an API key; ``--url`` (and ``--grpc-url``,
``--api-key``) point it at any Qdrant instead. It proves the key is enforced,
then on each protocol: creates a 384-d Cosine collection, upserts 5,000 points
in 1,000-point batches, retrieves, counts, deletes by filter, runs a filtered
query, scrolls to the end, takes and lists a snapshot, reads cluster status;
and ends with a short REST vs gRPC latency table. ``--trace`` prints the span
tree of the walkthrough. A ``--url`` whose port is not Qdrant's 6333 (and not
a Qdrant Cloud URL) runs REST only unless ``--grpc-url`` says where gRPC is:
the gRPC port is never guessed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal

import qdpool
from qdpool.errors import Unauthenticated
from qdpool.hybrid_demo import hybrid_search

Protocol = Literal["rest", "grpc"]

DIM = 384
CATEGORIES = ("basics", "index", "filters", "ops")


def make_points(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Deterministic points shaped like the seed's: a title, a category and a price."""
    rng = random.Random(seed)
    return [
        {
            "id": i + 1,
            "vector": [rng.uniform(-1.0, 1.0) for _ in range(DIM)],
            "payload": {
                "title": f"doc {i + 1}",
                "category": CATEGORIES[i % len(CATEGORIES)],
                "price": (i * 7) % 50,
            },
        }
        for i in range(count)
    ]


def progress(label: str, done: int, total: int, width: int = 30) -> None:
    filled = width * done // total
    bar = "█" * filled + "·" * (width - filled)
    end = "\n" if done == total else ""
    print(f"\r  {label} [{bar}] {done}/{total}", end=end, flush=True)


@asynccontextmanager
async def target(args: argparse.Namespace) -> AsyncIterator[tuple[str, str | None, str | None]]:
    """The server to talk to: ``--url``, or an embedded one in its own process."""
    if args.url:
        yield args.url, args.grpc_url, args.api_key or os.environ.get("QDRANT_API_KEY")
        return
    from qdpool.embedded import EmbeddedProcess

    key = args.api_key or "demo-key"
    async with EmbeddedProcess(api_key=key) as server:
        print(f"embedded server: rest={server.rest_url} grpc={server.grpc_url}")
        yield server.rest_url, server.grpc_url, key


async def walkthrough(
    client: qdpool.Client, protocol: Protocol, points: list[dict[str, Any]]
) -> dict[str, Any]:
    """The seed's walkthrough over one protocol; returns what it saw, for comparison."""
    name = f"qdpool_demo_{protocol}"
    seen: dict[str, Any] = {}
    await client.delete_collection(name, protocol=protocol)
    await client.create_collection(name, size=DIM, distance="Cosine", protocol=protocol)
    info = await client.get_collection(name, protocol=protocol)
    print(
        f"  created {name}: {info.vectors[''].size}-d {info.vectors[''].distance}, "
        f"status {info.status}"
    )
    seen["listed"] = name in await client.list_collections(protocol=protocol)

    for start in range(0, len(points), 1000):
        await client.upsert(name, points[start : start + 1000], wait=True, protocol=protocol)
        progress("upsert", min(start + 1000, len(points)), len(points))

    records = await client.retrieve(name, [1, 2, 3], protocol=protocol)
    seen["retrieved"] = [(r.id, r.payload) for r in records]
    print(f"  retrieve 1,2,3 → {[r.payload['title'] for r in records if r.payload]}")
    seen["count"] = await client.count(name, exact=True, protocol=protocol)
    cheap = {"must": [{"key": "price", "range": {"lt": 20}}]}
    await client.delete(name, filter=cheap, protocol=protocol)
    seen["count_after_delete"] = await client.count(name, protocol=protocol)
    print(f"  count {seen['count']} → delete price < 20 → {seen['count_after_delete']}")

    query = points[10]["vector"]
    index_only = {"must": [{"key": "category", "match": {"value": "index"}}]}
    hits = await client.query_points(name, query, filter=index_only, limit=3, protocol=protocol)
    seen["hits"] = [(h.id, h.score) for h in hits]
    print(f"  query category == index → {[(h.id, round(h.score, 4)) for h in hits]}")

    pages = scrolled = 0
    offset: Any = None
    while True:
        batch, offset = await client.scroll(name, limit=500, offset=offset, protocol=protocol)
        pages, scrolled = pages + 1, scrolled + len(batch)
        if offset is None:
            break
    seen["scrolled"] = scrolled
    print(f"  scroll → {scrolled} points in {pages} pages")

    snapshot = await client.create_snapshot(name, protocol=protocol)
    listed = await client.list_snapshots(name, protocol=protocol)
    print(f"  snapshot {snapshot.name} ({snapshot.size:,} bytes); {len(listed)} listed")
    seen["cluster"] = await client.cluster_status(protocol=protocol)
    print(f"  cluster status: {seen['cluster'].get('status')}")
    return seen


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table whose columns line up: text left-aligned, figures right-aligned."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    numeric = [all(row[i][:1].isdigit() for row in rows) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = (
            c.rjust(w) if right else c.ljust(w)
            for c, w, right in zip(cells, widths, numeric, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = "|".join(
        "-" * (w + 1) + ":" if right else "-" * (w + 2)
        for w, right in zip(widths, numeric, strict=True)
    )
    return "\n".join([line(header), f"|{rule}|", *(line(row) for row in rows)])


async def latency_table(
    client: qdpool.Client, points: list[dict[str, Any]], protocols: Sequence[Protocol]
) -> str:
    """p50/p95 of 100 sequential queries and throughput of 100 in parallel, per protocol."""
    rows = []
    queries = [p["vector"] for p in points[:100]]
    for protocol in protocols:
        name = f"qdpool_demo_{protocol}"
        for q in queries[:10]:  # warm up
            await client.query_points(name, q, limit=5, protocol=protocol)
        samples = []
        for q in queries:
            started = time.perf_counter()
            await client.query_points(name, q, limit=5, protocol=protocol)
            samples.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        await asyncio.gather(
            *(client.query_points(name, q, limit=5, protocol=protocol) for q in queries)
        )
        rate = len(queries) / (time.perf_counter() - started)
        p = statistics.quantiles(samples, n=100)
        rows.append((protocol, f"{p[49]:.2f}", f"{p[94]:.2f}", f"{rate:,.0f}"))
    return table(("protocol", "p50 ms", "p95 ms", "100 parallel req/s"), rows)


async def run(args: argparse.Namespace) -> int:
    points = make_points(args.points)
    tracing = None
    if args.trace:
        from qdpool.telemetry.render import TraceCapture

        tracing = TraceCapture()
    async with target(args) as (url, grpc_url, key):
        protocols: tuple[Protocol, ...] = ("rest", "grpc")
        if not qdpool.Endpoint.from_urls(url, grpc_url).has_grpc:
            protocols = ("rest",)
            print(
                f"gRPC: skipped; {url} is not on Qdrant's port 6333, so its gRPC port is "
                "unknown (pass --grpc-url to run the gRPC half too)"
            )
        print("auth:")
        try:
            async with qdpool.connect(
                url, grpc_url=grpc_url, api_key=None, protocols=protocols
            ) as anonymous:
                await anonymous.list_collections()
            print("  without a key: accepted (this server enforces no key)")
        except Unauthenticated as exc:
            print(f"  without a key: refused ({exc.status})")
        options: dict[str, Any] = tracing.options() if tracing is not None else {}
        async with qdpool.connect(
            url, grpc_url=grpc_url, api_key=key, protocols=protocols, **options
        ) as client:
            print(f"  with the key: {len(await client.list_collections())} collections")
            print(f"pipeline: {client.pipeline.describe()}")
            results = {}
            for protocol in protocols:
                print(f"\n{protocol.upper()} walkthrough:")
                if tracing is None:
                    results[protocol] = await walkthrough(client, protocol, points)
                    continue
                demo_tracer = tracing.provider.get_tracer("qdpool.demo")
                with demo_tracer.start_as_current_span(f"walkthrough {protocol}"):
                    results[protocol] = await walkthrough(client, protocol, points)
            same = all(seen == results["rest"] for seen in results.values())
            if len(results) > 1:
                print(f"\nREST and gRPC results equal: {same}")
            if tracing is None:
                print("\nquery latency through qdpool (client and server share this machine):")
                print(await latency_table(client, points, protocols))
            for protocol in protocols:
                await client.delete_collection(f"qdpool_demo_{protocol}")
            print("\nhybrid search (dense + sparse prefetch, RRF, indexed filter, alias switch):")
            hybrid = {p: await hybrid_search(client, p) for p in protocols}
            for protocol, seen in hybrid.items():
                print(f"  {protocol}: (id, version) before {seen['v1']}, after {seen['v2']}")
            same = same and all(seen == hybrid["rest"] for seen in hybrid.values())
    if tracing is not None:
        print("\nspan tree:")
        print(tracing.render())
        print("\nmetrics:")
        print(tracing.render_metrics())
        tracing.shutdown()
    return 0 if same else 1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qdpool demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a Qdrant REST URL; default: start an embedded server")
    parser.add_argument(
        "--grpc-url",
        help="the Qdrant gRPC URL (default: port 6334 when --url uses 6333 "
        "or is a Qdrant Cloud URL; otherwise REST only)",
    )
    parser.add_argument("--api-key", help="the API key (default with --url: $QDRANT_API_KEY)")
    parser.add_argument("--points", type=int, default=5000, help="points to upsert (default 5000)")
    parser.add_argument("--trace", action="store_true", help="print the walkthrough's span tree")
    args = parser.parse_args(argv)
    if args.points < 100:
        parser.error("--points must be at least 100")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
