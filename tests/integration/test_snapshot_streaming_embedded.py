"""Snapshot transfers of several MB through qdpool on every REST transport against the embedded
server, judged by the official qdrant-client.

The server runs in a child process, so that ``tracemalloc`` sees only this process, the
client: a download and an upload must each peak at a small fraction of the archive's size
(streamed, not held). What qdpool uploads, qdrant-client reads back (REST and gRPC) and can
recover from again; checksums are verified on both sides.
"""

from __future__ import annotations

import hashlib
import os
import random
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from qdrant_client import AsyncQdrantClient

import qdpool
from qdpool import errors
from qdpool.embedded import EmbeddedProcess
from qdpool.models import SnapshotInfo

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
TRANSPORTS = ("http1", "aiohttp", "httpx")
POINTS, DIM = 2500, 512  # ~5 MB of float32 that gzip cannot shrink much


def _judge(server: EmbeddedProcess, *, grpc_on: bool) -> AsyncQdrantClient:
    return AsyncQdrantClient(
        url=server.rest_url,
        grpc_port=int(server.grpc_url.rsplit(":", 1)[1]),
        prefer_grpc=grpc_on,
        api_key=KEY,
        https=False,
        check_compatibility=False,
        timeout=60,
    )


@pytest_asyncio.fixture(scope="module")
async def served() -> AsyncIterator[tuple[EmbeddedProcess, str, SnapshotInfo]]:
    """A server of its own, a collection of POINTS random vectors and one snapshot of it."""
    async with EmbeddedProcess(api_key=KEY) as server:
        name = f"big_{uuid.uuid4().hex[:6]}"
        rnd = random.Random(7)
        async with qdpool.connect(server.rest_url, api_key=KEY, timeout=60) as client:
            await client.create_collection(name, size=DIM, distance="Dot")
            for start in range(0, POINTS, 500):
                batch = [
                    {"id": i, "vector": [rnd.random() for _ in range(DIM)], "payload": {"i": i}}
                    for i in range(start, start + 500)
                ]
                await client.upsert(name, batch)
            snapshot = await client.create_snapshot(name)
        assert snapshot.size > 4_000_000
        yield server, name, snapshot


def _peak(before: int) -> int:
    return tracemalloc.get_traced_memory()[1] - before


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_download_and_upload_stream_and_qdrant_client_reads_the_result(
    served: tuple[EmbeddedProcess, str, SnapshotInfo], tmp_path: Path, transport: str
) -> None:
    server, name, snapshot = served
    target = tmp_path / snapshot.name
    copy = f"{name}_{transport}"
    async with qdpool.connect(
        server.rest_url, api_key=KEY, rest_transport=transport, timeout=60
    ) as client:
        await client.list_snapshots(name)  # the transport's first use (imports, buffers) first
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            assert await client.download_snapshot(name, snapshot.name, target) == snapshot
            download_peak = _peak(base)
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            assert await client.upload_snapshot(
                copy, target, checksum=snapshot.checksum, priority="snapshot"
            )
            upload_peak = _peak(base)
        finally:
            tracemalloc.stop()
        ours = await client.count(copy)
    size = snapshot.size
    print(f"{transport}: {size} bytes, peak {download_peak} down, {upload_peak} up")
    assert download_peak < size / 4, (download_peak, size)
    assert upload_peak < size / 4, (upload_peak, size)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == snapshot.checksum
    assert os.listdir(tmp_path) == [snapshot.name]
    assert ours == POINTS
    for grpc_on in (False, True):
        judge = _judge(server, grpc_on=grpc_on)
        try:
            assert (await judge.count(copy, exact=True)).count == POINTS
            (record,) = await judge.retrieve(copy, [123], with_vectors=True)
            assert record.payload == {"i": 123} and len(record.vector) == DIM  # type: ignore[arg-type]
        finally:
            await judge.close()
    judge = _judge(server, grpc_on=False)
    try:
        if transport == TRANSPORTS[0]:  # qdrant-client recovers from the downloaded file too
            again = f"{copy}_again"
            assert await judge.recover_snapshot(
                again, target.resolve().as_uri(), checksum=snapshot.checksum
            )
            assert (await judge.count(again, exact=True)).count == POINTS
            await judge.delete_collection(again)
        await judge.delete_collection(copy)
    finally:
        await judge.close()


async def test_checksums_are_verified_on_both_sides(
    served: tuple[EmbeddedProcess, str, SnapshotInfo], tmp_path: Path
) -> None:
    server, name, snapshot = served
    target = tmp_path / "s.snapshot"
    async with qdpool.connect(server.rest_url, api_key=KEY, timeout=60) as client:
        with pytest.raises(errors.ServerError, match="corrupt"):
            await client.download_snapshot(name, snapshot.name, target, checksum="ab" * 32)
        assert os.listdir(tmp_path) == []
        await client.download_snapshot(name, snapshot.name, target)
        copy = f"{name}_mismatch"
        with pytest.raises(errors.InvalidArgument, match="checksum mismatch"):
            await client.upload_snapshot(copy, target, checksum="ab" * 32)
        assert not await client.collection_exists(copy)
        judge: Any = _judge(server, grpc_on=False)
        try:
            assert copy not in [c.name for c in (await judge.get_collections()).collections]
        finally:
            await judge.close()
