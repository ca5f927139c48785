"""``qdpool.connect`` over a cluster: ``qdpool serve --peers 3``, each peer its own process.

Issue 12's "Done when", through the public client over both protocols: a real
kill -9 under mixed load, a peer slowed by fault injection, discovery from one
seed (a peer joining and one leaving), hedges and retries landing on other
nodes (read from the attempt spans, which carry the node's port), and the retry
budget bounding attempts when every node fails.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import qdpool
from qdpool.embedded.cluster import EmbeddedCluster, Peer
from qdpool.endpoint import Endpoint
from qdpool.events import NullObserver
from qdpool.interceptors.concurrency import Concurrency
from qdpool.routing.nodes import ACTIVE, EJECTED

KEY = "test-key"
DIM = 4
pytestmark = pytest.mark.timeout(120)


class Events(NullObserver):
    """The cluster's events, as the observer hears them."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []

    def on_node_ejected(self, endpoint: str, reason: str, duration: float) -> None:
        self.log.append(("ejected", reason))

    def on_node_readmitted(self, endpoint: str, reason: str) -> None:
        self.log.append(("readmitted", reason))

    def on_node_added(self, endpoint: str, reason: str) -> None:
        self.log.append(("added", reason))

    def on_node_removed(self, endpoint: str, reason: str) -> None:
        self.log.append(("removed", reason))


@pytest_asyncio.fixture(scope="module")
async def peers() -> AsyncIterator[EmbeddedCluster]:
    async with EmbeddedCluster(peers=3, api_key=KEY) as cluster:
        yield cluster


@pytest.fixture
def name() -> str:
    return f"cc_{uuid.uuid4().hex[:8]}"


def connect(seed: Peer, events: Events | None = None, **options: Any) -> qdpool.Client:
    """A client discovering the cluster from ``seed``, with test-sized policies."""
    options.setdefault("ejection", qdpool.EjectionPolicy(base_ejection_time=1.0))
    options.setdefault("discovery", qdpool.DiscoveryPolicy(check_interval=0.2))
    options.setdefault("retry", qdpool.RetryPolicy(base=0.02, cap=0.2))
    return qdpool.connect(
        [(seed.rest_url, seed.grpc_url)],
        discover=True,
        api_key=KEY,
        timeout=2.0,
        pool=qdpool.PoolConfig(connect_timeout=2.0),
        observer=events,
        **options,
    )


def by_peer(client: qdpool.Client) -> dict[int | None, int]:
    assert client.cluster is not None
    return {n.peer_id: n.attempts for n in client.cluster.nodes}


def vector(i: int) -> list[float]:
    return [1.0, float(i % 7), float(i % 11), 0.5]


async def faults(peer: Peer, rule: dict[str, Any] | None) -> None:
    """Add a fault rule on one peer (``None``: clear its rules)."""
    path = "/qdpool/faults" if rule is not None else "/qdpool/faults/reset"
    async with (
        aiohttp.ClientSession(headers={"api-key": KEY}) as session,
        session.post(peer.rest_url + path, json=rule or {}) as reply,
    ):
        assert reply.status == 200, await reply.text()


def traced() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def attempts_by_call(exporter: InMemorySpanExporter) -> list[list[ReadableSpan]]:
    """Each call's attempt spans (children of its call span), in start order."""
    spans = list(exporter.get_finished_spans())
    calls = {s.context.span_id for s in spans if s.parent is None}
    grouped: dict[int, list[ReadableSpan]] = {c: [] for c in calls}
    for span in spans:
        if span.parent is not None and span.parent.span_id in grouped:
            grouped[span.parent.span_id].append(span)
    return [sorted(g, key=lambda s: s.start_time or 0) for g in grouped.values() if g]


def port(span: ReadableSpan) -> Any:
    assert span.attributes is not None
    return span.attributes["server.port"]


def test_one_node_builds_the_single_node_pipeline_and_several_add_routing() -> None:
    single = qdpool.connect("http://127.0.0.1:6333", api_key=KEY)
    listed = qdpool.connect([("http://127.0.0.1:6333", "http://127.0.0.1:6334")], api_key=KEY)
    assert single.cluster is None and listed.cluster is None
    plain = (
        "telemetry → deadline → retry → breaker → concurrency → attempt telemetry → auth "
        "→ transport"
    )
    assert single.pipeline.describe() == listed.pipeline.describe() == plain
    several = qdpool.connect(
        ["http://127.0.0.1:6333", "http://127.0.0.1:7333"],
        api_key=KEY,
        fallback=qdpool.FallbackPolicy(),
    )
    assert several.cluster is not None
    assert several.pipeline.describe() == (
        "telemetry → deadline → route scope → retry → route → breaker → concurrency "
        "→ attempt telemetry → auth → transport"
    )
    assert several.transports == {}
    with pytest.raises(qdpool.InvalidInput, match="grpc_url"):
        qdpool.connect(["http://127.0.0.1:6333"], grpc_url="http://127.0.0.1:6334")
    with pytest.raises(qdpool.InvalidInput, match="transports"):
        qdpool.connect(["http://a:6333", "http://b:6333"], transports={})
    with pytest.raises(qdpool.InvalidInput, match=r"nodes\[0\]"):
        qdpool.connect([42])  # type: ignore[list-item]


async def test_discovery_from_one_seed_finds_every_peer_and_repr_shows_them(
    peers: EmbeddedCluster, name: str
) -> None:
    async with connect(peers.peers[1]) as client:
        assert sorted(by_peer(client)) == [1, 2, 3]
        assert all(h.state == ACTIVE for h in await client.node_health())
        await client.create_collection(name, size=DIM, distance="Dot")
        for protocol in ("rest", "grpc"):
            for _ in range(30):
                await client.count(name, protocol=protocol)
        text = repr(client)
        assert text.startswith("<qdpool.Client cluster of 3 nodes (discovered) default=rest")
        assert text.count(" active: ") == 3
        assert all(count > 0 for count in by_peer(client).values())
        await client.delete_collection(name)
    assert "closed" in repr(client)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_start_fails_only_when_no_given_node_comes_up(peers: EmbeddedCluster) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    live = peers.peers[1]
    nodes: list[Any] = [(dead, f"http://127.0.0.1:{free_port()}"), (live.rest_url, live.grpc_url)]
    pool = qdpool.PoolConfig(connect_timeout=1.0)
    async with qdpool.connect(nodes, api_key=KEY, timeout=2.0, pool=pool) as client:
        states = [h.state for h in await client.node_health()]
        assert states == ["starting", "active"]  # the dead one is retried in the background
        assert await client.list_collections(protocol="grpc") is not None
    with pytest.raises(qdpool.Unavailable, match="none of the 2 nodes"):
        await qdpool.connect([dead, f"http://127.0.0.1:{free_port()}"], pool=pool).start()


async def test_the_blocking_client_routes_over_the_cluster_too(peers: EmbeddedCluster) -> None:
    seed = peers.peers[3]

    def blocking() -> tuple[list[str], list[int | None]]:
        nodes = [(seed.rest_url, seed.grpc_url)]
        with qdpool.connect_sync(nodes, discover=True, api_key=KEY, timeout=2.0) as client:
            for protocol in ("rest", "grpc"):
                for _ in range(20):
                    client.list_collections(protocol=protocol)
            health = client.node_health()
            return [h.state for h in health], [h.peer_id for h in health if h.attempts]

    states, used = await asyncio.to_thread(blocking)
    assert states == [ACTIVE] * 3
    assert sorted(used) == [1, 2, 3]


async def test_consistency_and_ordering_reach_every_peer_on_both_protocols(
    peers: EmbeddedCluster, name: str
) -> None:
    async with connect(peers.peers[2]) as client:
        await client.create_collection(name, size=DIM, distance="Dot")
        for protocol in ("rest", "grpc"):
            for ordering in ("weak", "medium", "strong"):
                points = [{"id": 1, "vector": vector(1)}]
                await client.upsert(name, points, ordering=ordering, protocol=protocol)
            for consistency in (1, 2, "majority", "quorum", "all"):
                assert await client.count(name, consistency=consistency, protocol=protocol) == 1
                hits = await client.query_points(
                    name, vector(1), limit=1, consistency=consistency, protocol=protocol
                )
                assert [h.id for h in hits] == [1]


async def poll(condition: Any, within: float) -> float | None:
    """Seconds until ``condition()`` held (checked every 20 ms), None if not ``within``."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        if condition():
            return time.monotonic() - start
        await asyncio.sleep(0.02)
    return None


async def test_kill_9_of_a_peer_under_mixed_load_fails_no_call_and_loses_no_write(
    peers: EmbeddedCluster, name: str
) -> None:
    victim = peers.peers[2]
    events = Events()
    # Every resilience policy at its default (Envoy's 5 consecutive failures, 30 s
    # ejections, health checks every 0.5 s), and 2 s deadlines.
    async with qdpool.connect(
        [(peers.peers[1].rest_url, peers.peers[1].grpc_url)],
        discover=True,
        api_key=KEY,
        timeout=2.0,
        observer=events,
    ) as client:
        assert client.cluster is not None
        await client.create_collection(name, size=DIM, distance="Dot", timeout=10.0)
        acked: list[int] = []
        failures: list[str] = []
        worst = 0.0
        next_id = iter(range(1, 1_000_000))
        done = asyncio.Event()

        async def caller(index: int) -> None:
            nonlocal worst
            protocol: Any = "grpc" if index % 2 else "rest"
            n = 0
            while not done.is_set():
                n += 1
                start = time.monotonic()
                write = n % 3 == 0
                try:
                    if write:
                        point = next(next_id)
                        points = [{"id": point, "vector": vector(point)}]
                        await client.upsert(name, points, protocol=protocol)
                        acked.append(point)
                    else:
                        await client.query_points(name, vector(n), limit=3, protocol=protocol)
                except Exception as error:
                    failures.append(f"{protocol} {'write' if write else 'read'}: {error!r}")
                worst = max(worst, time.monotonic() - start)
                await asyncio.sleep(0.002)

        async def chaos() -> dict[str, Any]:
            try:
                await asyncio.sleep(1.5)
                node = next(n for n in client.cluster.nodes if n.peer_id == victim.id)
                await peers.kill(victim.id)
                seen: dict[str, Any] = {}
                seen["ejected_after"] = await poll(lambda: node.state == EJECTED, 4.0)
                others = {n.peer_id: n.attempts for n in client.cluster.nodes}
                # While it is out, the others take its traffic: both of them, even if a
                # stall left one unpicked (it is checked and tried again within two of
                # the cluster's 0.5 s rounds; see Cluster.check_nodes).
                await asyncio.sleep(1.0)
                dead_attempts = node.attempts
                await peers.restart(victim.id)
                seen["readmitted_after"] = await poll(lambda: node.state == ACTIVE, 4.0)
                seen["others_moved"] = all(
                    n.attempts > others[n.peer_id] for n in client.cluster.nodes if n is not node
                )
                served = await poll(lambda: node.attempts - dead_attempts >= 20, 3.0)
                seen["served_after_restart"] = node.attempts - dead_attempts
                seen["served_20_after"] = served
                return seen
            finally:
                done.set()

        results = await asyncio.gather(chaos(), *(caller(i) for i in range(16)))
        seen: dict[str, Any] = results[0]
        served = by_peer(client)
        found = await client.retrieve(name, acked, with_payload=False, timeout=10.0)
    print(
        f"\nkill -9 of peer {victim.id} under 16 callers (REST and gRPC), default policies: "
        f"{len(acked)} acknowledged writes, {len(failures)} failed calls, slowest "
        f"{worst * 1000:.0f} ms, {seen}, attempts per peer {served}, events {events.log}"
    )
    assert failures == []
    assert worst < 2.05  # no call outlived its 2 s deadline
    assert sorted(p.id for p in found) == sorted(acked)  # no acknowledged write lost
    assert seen["ejected_after"] is not None  # ejected while dead
    assert seen["others_moved"]
    assert seen["readmitted_after"] is not None  # back after its restart (not after 30 s)
    assert seen["served_20_after"] is not None  # and serving again
    assert ("readmitted", "health check passed") in events.log
    assert any(k == "ejected" and "5 consecutive failures" in r for k, r in events.log)


SLOW_PEER_ROUNDS = 5


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


async def load(client: qdpool.Client, name: str, seconds: float, callers: int = 8) -> list[float]:
    """``callers`` callers counting for ``seconds``, half over REST and half over gRPC."""
    latencies: list[float] = []
    end = time.monotonic() + seconds

    async def caller(index: int) -> None:
        protocol: Any = "grpc" if index % 2 else "rest"
        while time.monotonic() < end:
            start = time.monotonic()
            await client.count(name, protocol=protocol)
            latencies.append(time.monotonic() - start)

    await asyncio.gather(*(caller(i) for i in range(callers)))
    return latencies


async def test_a_peer_slowed_by_20ms_gets_few_calls_and_the_p99_holds(
    peers: EmbeddedCluster, name: str
) -> None:
    """Issue 12: within 2 s the slowed peer takes <= 10% of calls, the p99 <= 1.5x healthy.

    The cluster recipe of docs/cluster.md for the healthy and the slowed cluster alike:
    P2C over peak EWMA and the default hedge (a read slower than the p95 gets a second
    attempt, on another node). 4 callers, so that three peers, their engine and the
    client do not saturate the machine's two CPUs. The machine is shared, and its load
    changes from one second to the next by more than 20 ms of latency: so the healthy and
    the slowed cluster are measured in alternating seconds (5 of each: a p99 of fewer
    calls moved by a tenth between runs), and both p99s are taken over the same stretch
    of time. Each slowed second begins with the
    slowdown, so the share counted is that of the first second (within 2 s).
    """
    slow = peers.peers[3]
    healthy: list[float] = []
    slowed: list[float] = []
    counts = dict.fromkeys((1, 2, 3), 0)
    first: dict[int | None, int] = {}
    async with connect(peers.peers[1], hedge=qdpool.HedgePolicy(max_extra_load=0.1)) as client:
        await client.create_collection(name, size=DIM, distance="Dot")
        await load(client, name, 0.5, callers=4)  # warm connections and the hedge's p95
        try:
            for round in range(SLOW_PEER_ROUNDS):
                healthy += await load(client, name, 1.0, callers=4)
                before = by_peer(client)
                await faults(slow, {"kind": "latency", "delay": 0.02})
                slowed += await load(client, name, 1.0, callers=4)
                await faults(slow, None)
                after = by_peer(client)
                for peer in counts:
                    counts[peer] += after[peer] - before[peer]
                if round == 0:
                    first = {peer: after[peer] - before[peer] for peer in after}
        finally:
            await faults(slow, None)
    share = counts[slow.id] / sum(counts.values())
    first_share = first[slow.id] / sum(first.values())
    ratio = p99(slowed) / p99(healthy)
    print(
        f"\none peer +20 ms, P2C + peak EWMA + hedge at p95, 4 callers, "
        f"{SLOW_PEER_ROUNDS} x 1 s each: its "
        f"share {share:.1%} of {sum(counts.values())} attempts (first second "
        f"{first_share:.1%}); p99 {p99(slowed) * 1000:.1f} ms against "
        f"{p99(healthy) * 1000:.1f} ms healthy ({ratio:.2f}x); p50 "
        f"{statistics.median(slowed) * 1000:.1f} against "
        f"{statistics.median(healthy) * 1000:.1f} ms"
    )
    assert share <= 0.10
    assert ratio <= 1.5


async def test_a_joining_peer_is_used_and_a_leaving_one_drained(
    peers: EmbeddedCluster, name: str
) -> None:
    events = Events()
    policy = qdpool.DiscoveryPolicy(refresh_interval=0.5, check_interval=0.1)
    async with connect(peers.peers[1], events, discovery=policy) as client:
        await client.create_collection(name, size=DIM, distance="Dot")
        added = await peers.add_peer()
        try:
            calls = await load(client, name, 1.5)
            used = by_peer(client).get(added.id, 0)
            assert used > 0
            # Its concurrency limit was read from its own GET /telemetry when it was added.
            concurrency = client.pipeline.find(Concurrency)
            assert concurrency is not None
            node = Endpoint.from_urls(added.rest_url, added.grpc_url)
            sized = concurrency.limiter(node).sized
            assert "GET /telemetry" in sized and "fallback" not in sized
        finally:
            await peers.remove_peer(added.id)
        drained = 0
        for result in await asyncio.gather(
            load(client, name, 1.5), return_exceptions=True
        ):  # calls keep succeeding while it drains
            drained += len(result) if isinstance(result, list) else 0
            assert not isinstance(result, BaseException)
        assert added.id not in by_peer(client)
    print(
        f"\ndiscovery: peer {added.id} joined and took {used} of the attempts of {len(calls)} "
        f"calls in 1.5 s (limit {sized}); after it left, {drained} calls, none failed"
    )
    assert ("added", f"discovered peer {added.id}") in events.log
    assert any(k == "removed" and "left the cluster" in r for k, r in events.log)


async def test_hedges_go_to_another_node_than_their_primary(
    peers: EmbeddedCluster, name: str
) -> None:
    provider, exporter = traced()
    hedge = qdpool.HedgePolicy(delay=0.01, max_extra_load=1.0, max_burst=20)
    async with connect(peers.peers[1], hedge=hedge, tracer_provider=provider) as client:
        await client.create_collection(name, size=DIM, distance="Dot")
        for peer in peers.peers.values():  # every first attempt is slower than the hedge delay
            await faults(peer, {"kind": "latency", "delay": 0.05, "operation": "count"})
        try:
            exporter.clear()
            for protocol in ("rest", "grpc"):
                for _ in range(10):
                    await client.count(name, protocol=protocol)
        finally:
            for peer in peers.peers.values():
                await faults(peer, None)
    hedged = [a for a in attempts_by_call(exporter) if len(a) > 1]
    elsewhere = [a for a in hedged if len({port(s) for s in a}) == len(a)]
    print(f"\nhedges: {len(hedged)} of 20 calls hedged, {len(elsewhere)} on another node")
    assert len(hedged) >= 15  # nearly every call hedged
    assert all(len({port(s) for s in attempts}) == len(attempts) for attempts in hedged)


async def test_retries_after_a_failure_go_to_another_node(
    peers: EmbeddedCluster, name: str
) -> None:
    provider, exporter = traced()
    bad = peers.peers[2]
    # Round-robin and no ejection or breaker keep the failing node in play: a third of
    # the first attempts go to it, and every one of those calls is retried.
    async with connect(
        peers.peers[1],
        balancer=qdpool.BalancerPolicy(strategy="round_robin"),
        ejection=None,
        breaker=None,
        tracer_provider=provider,
    ) as client:
        await client.create_collection(name, size=DIM, distance="Dot")
        await faults(bad, {"kind": "error", "status": 503, "operation": "count"})
        try:
            exporter.clear()
            for protocol in ("rest", "grpc"):
                for _ in range(30):
                    await client.count(name, protocol=protocol)
        finally:
            await faults(bad, None)
    retried = [a for a in attempts_by_call(exporter) if len(a) > 1]
    elsewhere = [a for a in retried if all(port(s) != port(a[0]) for s in a[1:])]
    print(f"\nretries: {len(retried)} of 60 calls retried, {len(elsewhere)} on another node")
    assert len(retried) >= 10  # about a third of the 60 calls
    for attempts in retried:
        first, *later = attempts
        assert first.status.status_code.name == "ERROR"
        assert all(port(s) != port(first) for s in later)


async def test_with_every_node_failing_the_budget_bounds_attempts(
    peers: EmbeddedCluster, name: str
) -> None:
    budget = qdpool.RetryBudgetPolicy(ratio=0.2, min_per_second=0)
    async with connect(peers.peers[1], retry_budget=budget, breaker=None) as client:
        await client.create_collection(name, size=DIM, distance="Dot")
        before = sum(by_peer(client).values())
        await peers.kill_engine()  # every peer answers 503 / UNAVAILABLE
        try:
            calls = 0
            failed = 0
            end = time.monotonic() + 2.0
            while time.monotonic() < end:
                results = await asyncio.gather(
                    *(client.count(name, protocol=("rest", "grpc")[i % 2]) for i in range(8)),
                    return_exceptions=True,
                )
                calls += len(results)
                failed += sum(isinstance(r, Exception) for r in results)
            attempts = sum(by_peer(client).values()) - before
        finally:
            await peers.restart_engine()
    print(
        f"\nevery node failing: {calls} calls, {failed} failed, {attempts} attempts "
        f"= {attempts / calls:.3f} per call (budget ratio 0.2, no floor)"
    )
    assert failed == calls
    assert attempts <= calls * 1.2 + 1
