"""Bulk ingestion: N x dim points from a numpy array, through qdpool and qdrant-client.

Each run happens in a fresh Python process (``python -m benchmarks.ingest``) so
that its peak memory is its own: the child builds the vectors (a float32 numpy
array: the baseline), resets the kernel's peak-RSS mark, opens its client, and
ingests; it reports points/s, client CPU, and peak RSS above the baseline. The
vectors stay in that array; payloads are made lazily, one per point, as the
client asks for them; whatever a client needs beyond the array (Python float
lists, point objects) it makes from it as a user of that client would, inside
the measurement.

- qdpool (``qdpool-rest`` on the default REST transport, ``qdpool-grpc``):
  ``upload_collection(vectors=array, payload=..., ids=range(n))``, which slices
  the array lazily into batches of ``batch`` points, at most ``parallel`` in
  flight, ``wait=True``; the rows go to the wire as float32 (orjson writes them;
  gRPC copies their bytes). By default 1,000-point batches, like qdrant-client's.
  ``-points`` runs feed ``upload_points`` point dicts whose vectors are the array's
  rows; ``-split`` runs hand ``upload_collection`` batches too big for one request
  (10,000 x 384-d is ~40 MB of JSON), which the client splits into requests that
  fit (REST: 32 MiB bodies; gRPC: 16 MiB messages) on its own.
- qdrant-client (``qc-rest``, ``qc-grpc``): ``upload_points(PointStruct(...),
  batch_size, parallel=1, wait=True)``; a ``PointStruct``'s vector is a list of
  floats, so each point is made with ``row.tolist()``, lazily. ``-collection`` runs
  hand its ``upload_collection`` the array itself. Its batch size is a count, so it
  is the seed's 1,000 (safe under the 32 MiB cap at 384-d); ``parallel`` > 1 forks
  worker processes, whose memory and CPU would escape this measurement, so it
  stays at 1.

The ``-points`` and ``-collection`` runs are not in the default set (name them
with ``--ingest-clients``): the default keeps the rows the target reads and the
``-split`` runs.

The ingestion target compares ``qdpool-rest`` with ``qc-rest`` and ``qdpool-grpc``
with ``qc-grpc``: ``rate`` (points/s) and ``peak_rss_mb``. Against the trivial
server the figures are the clients' (it counts points without parsing them);
against the embedded server its engine sets the pace, and the client CPU column
shows how little of it the client used.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import importlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from benchmarks import children, dataset
from benchmarks.server import Target, server_cpu
from benchmarks.settings import Settings


@dataclass(frozen=True, slots=True)
class IngestSpec:
    """An ingestion run. ``method``: the client's method fed; ``split`` runs hand qdpool
    batches too big for one request."""

    name: str
    label: str
    family: str
    protocol: str
    method: str
    split: bool = False
    default: bool = True


INGEST_SPECS: tuple[IngestSpec, ...] = (
    IngestSpec("qdpool-rest", "qdpool REST upload_collection", "qdpool", "rest", "collection"),
    IngestSpec("qdpool-grpc", "qdpool gRPC upload_collection", "qdpool", "grpc", "collection"),
    IngestSpec(
        "qdpool-rest-points", "qdpool REST upload_points", "qdpool", "rest", "points", default=False
    ),
    IngestSpec(
        "qdpool-grpc-points", "qdpool gRPC upload_points", "qdpool", "grpc", "points", default=False
    ),
    IngestSpec(
        "qdpool-rest-split",
        "qdpool REST, large batches split",
        "qdpool",
        "rest",
        "collection",
        True,
    ),
    IngestSpec(
        "qdpool-grpc-split",
        "qdpool gRPC, large batches split",
        "qdpool",
        "grpc",
        "collection",
        True,
    ),
    IngestSpec("qc-rest", "qdrant-client REST upload_points", "qdrant-client", "rest", "points"),
    IngestSpec("qc-grpc", "qdrant-client gRPC upload_points", "qdrant-client", "grpc", "points"),
    IngestSpec(
        "qc-rest-collection",
        "qdrant-client REST upload_collection",
        "qdrant-client",
        "rest",
        "collection",
        default=False,
    ),
    IngestSpec(
        "qc-grpc-collection",
        "qdrant-client gRPC upload_collection",
        "qdrant-client",
        "grpc",
        "collection",
        default=False,
    ),
)
QC_BATCH = 1_000
TARGET_PAIRS = (("qdpool-rest", "qc-rest"), ("qdpool-grpc", "qc-grpc"))
"""The rows the ingestion target compares: (qdpool's, qdrant-client's), same protocol."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    name: str
    label: str
    points: int
    seconds: float
    cpu: float
    peak_rss_mb: float
    baseline_rss_mb: float
    config: str
    error: str | None = None
    server_cpu: float | None = None
    """CPU seconds the server process spent during the run (None for a server by URL):
    against the embedded server it, not the client, sets the pace."""

    @property
    def rate(self) -> float:
        return self.points / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------- parent side


def select(names: tuple[str, ...]) -> list[IngestSpec]:
    if not names:
        return [s for s in INGEST_SPECS if s.default]
    known = {s.name for s in INGEST_SPECS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown ingest run(s) {unknown}; known: {', '.join(sorted(known))}")
    return [s for s in INGEST_SPECS if s.name in names]


def run_all(target: Target, settings: Settings, specs: list[IngestSpec]) -> list[IngestResult]:
    """Every ingestion run, each into a fresh collection that is dropped afterwards."""
    results = []
    for spec in specs:
        collection = f"bench_ingest_{spec.name.replace('-', '_')}"
        asyncio.run(dataset.create_collection(target, collection, settings.dim))
        try:
            before = server_cpu(target.pid)
            result = _run_child(target, settings, spec, collection)
            after = server_cpu(target.pid)
            if before is not None and after is not None:
                result = dataclasses.replace(result, server_cpu=round(after - before, 2))
            if result.error is None:
                stored = asyncio.run(dataset.count(target, collection))
                if stored != settings.ingest_points:
                    result = _failed(spec, f"stored {stored} of {settings.ingest_points} points")
        finally:
            asyncio.run(dataset.drop_collection(target, collection))
        results.append(result)
        print(
            f"  ingest {spec.name:<12} {result.rate:9.0f} points/s  "
            f"peak +{result.peak_rss_mb:6.1f} MB  client CPU {result.cpu:5.2f} s  "
            f"server CPU {result.server_cpu if result.server_cpu is not None else '-'} s  "
            f"{result.error or ''}",
            file=sys.stderr,
            flush=True,
        )
    return results


def _run_child(
    target: Target, settings: Settings, spec: IngestSpec, collection: str
) -> IngestResult:
    batch = settings.ingest_split_batch if spec.split else settings.ingest_batch
    parallel = settings.ingest_split_parallel if spec.split else settings.ingest_parallel
    args = [
        "--client", spec.name,
        "--rest-url", target.rest_url,
        "--grpc-url", target.grpc_url,
        "--collection", collection,
        "--points", str(settings.ingest_points),
        "--dim", str(settings.dim),
        "--batch", str(batch),
        "--parallel", str(parallel),
    ]  # fmt: skip
    try:
        return IngestResult(**children.run("benchmarks.ingest", args, target))
    except children.ChildFailed as exc:
        return _failed(spec, str(exc))


def _failed(spec: IngestSpec, error: str) -> IngestResult:
    return IngestResult(spec.name, spec.label, 0, 0.0, 0.0, 0.0, 0.0, "", error)


# ---------------------------------------------------------------- child side


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


async def _qdpool(args: argparse.Namespace, target: Target, data: Any) -> float:
    import qdpool

    client = qdpool.connect(
        target.rest_url,
        grpc_url=target.grpc_url,
        api_key=target.api_key,
        protocol=args.protocol,
        timeout=60,  # per batch, as qdrant-client's below: a busy server must not fail a run
    )
    n = len(data)
    async with client:
        t0 = time.perf_counter()
        if args.method == "collection":
            written = await client.upload_collection(
                args.collection,
                data,
                payload=_payloads(n),
                ids=range(n),
                batch_size=args.batch,
                parallel=args.parallel,
            )
        else:
            points = ({"id": i, "vector": data[i], "payload": dataset.payload(i)} for i in range(n))
            written = await client.upload_points(
                args.collection, points, batch_size=args.batch, parallel=args.parallel
            )
        assert written == n
        return time.perf_counter() - t0


def _payloads(n: int) -> Iterator[dict[str, Any]]:
    return (dataset.payload(i) for i in range(n))


async def _official(args: argparse.Namespace, target: Target, data: Any) -> float:
    from qdrant_client import AsyncQdrantClient, models

    options: dict[str, Any] = {
        "url": target.rest_url,
        "api_key": target.api_key,
        "https": target.rest_url.startswith("https"),
        "timeout": 60,
        "check_compatibility": False,
    }
    if args.protocol == "grpc":
        options.update(prefer_grpc=True, grpc_port=target.grpc_port)
    client = AsyncQdrantClient(**options)
    n = len(data)
    try:
        t0 = time.perf_counter()
        # Synchronous despite the async client: it runs a blocking uploader in this thread.
        if args.method == "collection":
            client.upload_collection(
                args.collection,
                data,
                payload=_payloads(n),
                ids=range(n),
                batch_size=QC_BATCH,
                parallel=1,
                wait=True,
            )
        else:
            structs = (
                models.PointStruct(id=i, vector=data[i].tolist(), payload=dataset.payload(i))
                for i in range(n)
            )
            client.upload_points(
                args.collection, structs, batch_size=QC_BATCH, parallel=1, wait=True
            )
        return time.perf_counter() - t0
    finally:
        await client.close()


def child_main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ingest")
    p.add_argument("--client", required=True, choices=[s.name for s in INGEST_SPECS])
    p.add_argument("--rest-url", required=True)
    p.add_argument("--grpc-url", required=True)
    p.add_argument("--collection", required=True)
    p.add_argument("--points", type=int, required=True)
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--parallel", type=int, required=True)
    args = p.parse_args(argv)
    spec = next(s for s in INGEST_SPECS if s.name == args.client)
    args.protocol, args.method = spec.protocol, spec.method
    target = children.target(args.rest_url, args.grpc_url)
    data = dataset.vectors(args.points, args.dim, seed=11)

    # Import the client's library before the baseline: its code is not what is measured.
    # (qdpool imports its client lazily, on ``connect``: that is code too, ~30 MB of it.)
    importlib.import_module("qdpool.client" if spec.family == "qdpool" else "qdrant_client")
    gc.collect()
    baseline = _rss_mb()
    if not _reset_peak():
        raise SystemExit("cannot reset the peak RSS mark (/proc/self/clear_refs)")
    cpu0 = time.process_time()
    run = _qdpool if spec.family == "qdpool" else _official
    seconds = asyncio.run(run(args, target, data))
    cpu = time.process_time() - cpu0
    method = f"upload_{spec.method}"
    if spec.family == "qdpool":
        config = f"{method}(batch_size={args.batch:,}, parallel={args.parallel}, wait=True)"
    else:
        config = f"{method}(batch_size={QC_BATCH:,}, parallel=1, wait=True)"
    result = IngestResult(
        spec.name,
        spec.label,
        args.points,
        seconds,
        cpu,
        round(_peak_rss_mb() - baseline, 1),
        round(baseline, 1),
        config,
    )
    print(json.dumps(dataclasses.asdict(result)))


if __name__ == "__main__":
    child_main()
