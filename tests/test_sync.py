"""SyncClient: Client's methods, blocking, on one private event-loop thread.

Unit tests run a real ``Client`` over ``MockTransport``; the integration test
drives the seed walkthrough from 8 threads at once on both protocols against
the embedded server, checks every answer against values computed from the
points themselves, and then that ``close()`` left no thread, task or socket.
The embedded server runs on the test's own event loop, so every blocking call
here is made from a worker thread (``asyncio.to_thread``), never from the loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import gc
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qdpool
from qdpool.call import Call
from qdpool.demo import DIM, make_points
from qdpool.errors import ClientClosed, NotFound
from qdpool.sync import SyncCallInEventLoop, SyncClient, connect_sync
from qdpool.testing import MockTransport

KEY = "test-key"
REPO = Path(__file__).resolve().parent.parent
TENANT: contextvars.ContextVar[str] = contextvars.ContextVar("tenant", default="none")


def mock_client(handler: Callable[[Call], Any]) -> tuple[SyncClient, MockTransport]:
    transport = MockTransport(handler)
    client = qdpool.Client(
        qdpool.Endpoint("localhost"), transports={"rest": transport}, protocols=("rest",)
    )
    return SyncClient(client), transport


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("qdpool-sync")]


# ------------------------------------------------------------------ unit


def test_calls_block_and_return_the_async_clients_results() -> None:
    sync, transport = mock_client(lambda call: 42)
    with sync:
        assert sync.count("docs") == 42
        assert transport.started
        assert transport.calls[0].operation.name == "count"
        assert transport.calls[0].collection == "docs"
    assert transport.closed


def test_many_threads_share_one_client_and_its_loop() -> None:
    seen_threads: set[str] = set()

    async def handler(call: Call) -> int:
        seen_threads.add(threading.current_thread().name)
        await asyncio.sleep(0.001)
        return int(call.collection.split("_")[1]) if call.collection else -1

    sync, transport = mock_client(handler)
    results: dict[int, list[int]] = {}

    def worker(n: int) -> None:
        results[n] = [sync.count(f"c_{n * 100 + i}") for i in range(50)]

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    sync.close()
    assert results == {n: [n * 100 + i for i in range(50)] for n in range(8)}
    assert len(transport.calls) == 400
    assert seen_threads == {"qdpool-sync"}  # every call ran on the one loop thread


def test_errors_are_the_same_qdpool_exceptions() -> None:
    def handler(call: Call) -> Any:
        raise NotFound("Not found: Collection `x` doesn't exist!", protocol="rest", status=404)

    sync, _ = mock_client(handler)
    with sync, pytest.raises(NotFound) as caught:
        sync.get_collection("x")
    assert caught.value.status == 404
    with pytest.raises(qdpool.InvalidInput):  # validation happens before anything is sent
        connect_sync("localhost:6333")


def test_the_callers_context_goes_with_each_call() -> None:
    sync, _ = mock_client(lambda call: TENANT.get())
    with sync:
        assert sync.count("docs") == "none"
        token = TENANT.set("blue")
        try:
            assert sync.count("docs") == "blue"
        finally:
            TENANT.reset(token)


def test_scroll_all_is_a_plain_iterator_and_closes_early_exits() -> None:
    pages = {None: ([1, 2], 3), 3: ([3, 4], 5), 5: ([5], None)}
    offsets: list[Any] = []

    def handler(call: Call) -> Any:
        assert call.body is not None
        offset = call.body.get("offset")
        offsets.append(offset)
        ids, nxt = pages[offset]
        return [qdpool.Record(id=i, payload=None, vector=None) for i in ids], nxt

    sync, _ = mock_client(handler)
    with sync:
        iterator = sync.scroll_all("docs", page_size=2)
        assert isinstance(iterator, Iterator)
        assert [r.id for r in iterator] == [1, 2, 3, 4, 5]
        assert offsets == [None, 3, 5]
        offsets.clear()
        for record in sync.scroll_all("docs", page_size=2):
            if record.id == 2:
                break
        assert offsets == [None]  # the second page was never asked for


def test_a_call_from_a_running_event_loop_points_to_the_async_client() -> None:
    sync, transport = mock_client(lambda call: 1)

    async def inside() -> None:
        with pytest.raises(SyncCallInEventLoop, match=r"SyncClient.count\(\).*qdpool.connect"):
            sync.count("docs")
        with pytest.raises(SyncCallInEventLoop, match="async client"):
            connect_sync("http://localhost:6333")
        with pytest.raises(SyncCallInEventLoop):
            list(sync.scroll_all("docs"))

    asyncio.run(inside())
    assert transport.calls == []
    assert isinstance(SyncCallInEventLoop("x"), qdpool.QdpoolError)
    sync.close()


def test_callbacks_on_the_loop_thread_cannot_deadlock_it() -> None:
    holder: list[SyncClient] = []

    def handler(call: Call) -> Any:
        if call.collection == "outer":
            with pytest.raises(SyncCallInEventLoop):
                holder[0].count("inner")
        return 7

    sync, _ = mock_client(handler)
    holder.append(sync)
    with sync:
        assert sync.count("outer") == 7


def test_close_stops_the_thread_and_later_calls_raise_client_closed() -> None:
    before = loop_threads()
    sync, transport = mock_client(lambda call: 1)
    assert len(loop_threads()) == len(before) + 1
    sync.count("docs")
    sync.close()
    sync.close()  # twice is fine
    assert sync.closed and transport.closed
    assert loop_threads() == before
    assert sync._runner.leftover_tasks == 0
    assert sync._runner.loop.is_closed()
    with pytest.raises(ClientClosed):
        sync.count("docs")
    assert "closed" in repr(sync)


def test_close_while_a_call_waits_ends_that_call_with_client_closed() -> None:
    started = threading.Event()

    async def handler(call: Call) -> int:
        started.set()
        await asyncio.sleep(30)  # an answer that never comes in time
        return 1

    sync, _ = mock_client(handler)
    outcome: list[BaseException] = []

    def caller() -> None:
        try:
            sync.count("docs", timeout=60)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=caller)
    thread.start()
    assert started.wait(5)
    began = time.monotonic()
    sync.close()
    thread.join(5)
    assert not thread.is_alive()
    assert time.monotonic() - began < 2
    assert len(outcome) == 1 and isinstance(outcome[0], ClientClosed), outcome
    assert sync._runner.leftover_tasks == 1  # the stuck call, cancelled at the stop


def test_an_unreferenced_client_is_closed_by_the_garbage_collector() -> None:
    before = loop_threads()
    sync, transport = mock_client(lambda call: 1)
    sync.count("docs")
    del sync
    gc.collect()
    assert transport.closed
    assert loop_threads() == before


def test_a_failed_start_leaves_no_thread() -> None:
    before = loop_threads()
    with pytest.raises(qdpool.Unavailable):
        connect_sync("http://127.0.0.1:9", protocols=("rest",), api_key=None, timeout=2)
    assert loop_threads() == before


async def test_interpreter_exit_closes_an_unclosed_client(server: Any) -> None:
    """A script that never closes its client still exits at once, with every socket closed."""
    script = textwrap.dedent(
        f"""
        import atexit, os, threading

        def report():  # registered first, so it runs after qdpool's exit hook
            names = [t.name for t in threading.enumerate() if t.name.startswith("qdpool")]
            print("threads", names, "sockets", sockets(), flush=True)

        def sockets():
            inodes = set()
            for fd in os.listdir("/proc/self/fd"):
                try:
                    link = os.readlink(f"/proc/self/fd/{{fd}}")
                except OSError:
                    continue
                if link.startswith("socket:"):
                    inodes.add(link[8:-1])
            ports = {{{server.port}, {server.grpc_port}}}
            found = 0
            for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
                with open(table) as rows:
                    lines = rows.read().splitlines()[1:]
                for line in lines:
                    fields = line.split()
                    remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                    if fields[9] in inodes and remote_port in ports and fields[3] == "01":
                        found += 1
            return found

        atexit.register(report)
        import qdpool.sync
        client = qdpool.sync.connect_sync(
            "{server.rest_url}", grpc_url="{server.grpc_url}", api_key="{KEY}"
        )
        client.list_collections()
        client.list_collections(protocol="grpc")
        print("open sockets", sockets(), flush=True)
        """
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-X", "dev", "-c", script,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    stdout, stderr = out.decode(), err.decode()
    assert process.returncode == 0, stderr
    lines = stdout.splitlines()
    assert lines[0] != "open sockets 0"  # the check does see the client's sockets
    assert lines[-1] == "threads [] sockets 0", stdout
    assert "Unclosed" not in stderr and "ResourceWarning" not in stderr, stderr


# ------------------------------------------------------------------ the walkthrough, 8 threads


POINTS = make_points(600)
QUERY = POINTS[10]["vector"]
CHEAP = {"must": [{"key": "price", "range": {"lt": 20}}]}
INDEX_ONLY = {"must": [{"key": "category", "match": {"value": "index"}}]}


def expected() -> dict[str, Any]:
    """The walkthrough's answers, computed from the points alone."""
    kept = [p for p in POINTS if p["payload"]["price"] >= 20]
    candidates = [p for p in kept if p["payload"]["category"] == "index"]
    vectors = np.array([p["vector"] for p in candidates], dtype=np.float64)
    query = np.array(QUERY, dtype=np.float64)
    scores = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))
    top = np.argsort(-scores)[:3]
    return {
        "listed": True,
        "size": DIM,
        "retrieved": [(p["id"], p["payload"]) for p in POINTS[:3]],
        "count": len(POINTS),
        "after": len(kept),
        "hit_ids": [candidates[i]["id"] for i in top],
        "hit_scores": [float(scores[i]) for i in top],
        "scrolled": [p["id"] for p in kept],
        "snapshot_listed": True,
        "cluster": "disabled",
    }


def walkthrough(client: SyncClient, name: str, protocol: str) -> dict[str, Any]:
    client.create_collection(name, size=DIM, distance="Cosine", protocol=protocol)
    try:
        listed = name in client.list_collections(protocol=protocol)
        info = client.get_collection(name, protocol=protocol)
        for start in range(0, len(POINTS), 200):
            client.upsert(name, POINTS[start : start + 200], wait=True, protocol=protocol)
        retrieved = client.retrieve(name, [1, 2, 3], protocol=protocol)
        count = client.count(name, exact=True, protocol=protocol)
        client.delete(name, filter=CHEAP, protocol=protocol)
        after = client.count(name, exact=True, protocol=protocol)
        hits = client.query_points(name, QUERY, filter=INDEX_ONLY, limit=3, protocol=protocol)
        scrolled = [r.id for r in client.scroll_all(name, page_size=200, protocol=protocol)]
        snapshot = client.create_snapshot(name, protocol=protocol)
        snapshots = client.list_snapshots(name, protocol=protocol)
        cluster = client.cluster_status(protocol=protocol)
    finally:
        client.delete_collection(name, protocol=protocol)
    return {
        "listed": listed,
        "size": info.vectors[""].size,
        "retrieved": sorted((r.id, r.payload) for r in retrieved),
        "count": count,
        "after": after,
        "hit_ids": [h.id for h in hits],
        "hit_scores": [h.score for h in hits],
        "scrolled": scrolled,
        "snapshot_listed": snapshot.name in [s.name for s in snapshots],
        "cluster": cluster["status"],
    }


def client_sockets(ports: set[int]) -> set[str]:
    """Inodes of this process's established TCP sockets whose far end is one of ``ports``."""
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            mine.add(link[8:-1])
    found = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if fields[9] in mine and remote_port in ports and fields[3] == "01":
                found.add(fields[9])
    return found


@pytest.mark.timeout(120)
async def test_walkthrough_from_8_threads_on_both_protocols_then_nothing_left(server: Any) -> None:
    ports = {server.port, server.grpc_port}
    threads_before = set(threading.enumerate())
    sockets_before = client_sockets(ports)
    with concurrent.futures.ThreadPoolExecutor(1) as starter:
        client = await asyncio.get_running_loop().run_in_executor(
            starter,
            lambda: connect_sync(
                server.rest_url, grpc_url=server.grpc_url, api_key=KEY, timeout=30
            ),
        )
    assert client_sockets(ports) - sockets_before  # the pools are open and warm

    def run(n: int) -> dict[str, dict[str, Any]]:
        order = ("grpc", "rest") if n % 2 else ("rest", "grpc")
        return {p: walkthrough(client, f"sync_walk_{p}_{n}_{os.getpid()}", p) for p in order}

    loop = asyncio.get_running_loop()
    with concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix="walker") as pool:
        started = time.monotonic()
        try:
            runs = await asyncio.gather(*(loop.run_in_executor(pool, run, n) for n in range(8)))
        finally:
            elapsed = time.monotonic() - started
            await loop.run_in_executor(pool, client.close)

    want = expected()
    for n, by_protocol in enumerate(runs):
        for protocol, seen in by_protocol.items():
            scores = seen.pop("hit_scores")
            assert scores == pytest.approx(want["hit_scores"], abs=1e-5), (n, protocol)
            assert seen == {k: v for k, v in want.items() if k != "hit_scores"}, (n, protocol)
    assert elapsed < 60

    assert client._runner.leftover_tasks == 0
    assert client._runner.loop.is_closed()
    for _ in range(100):  # the close may reach the socket table a moment later
        if not client_sockets(ports) - sockets_before:
            break
        await asyncio.sleep(0.05)
    assert not client_sockets(ports) - sockets_before
    server_side = "qdpool-shard"  # the embedded server's search threads, in this process too
    left = [
        t
        for t in threading.enumerate()
        if t not in threads_before and not t.name.startswith(server_side)
    ]
    assert not left, left
