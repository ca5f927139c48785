"""The routing layer against real peers: ``qdpool serve --peers 3``, each peer its own process.

The cluster is built here as ``connect()`` will build it (``Cluster`` with real
REST and gRPC transports, the real resilience chain, ``Dispatch``), and calls
go through that pipeline directly, over both protocols. Kills are real SIGKILLs.

The peers are started on a base port (peer k on base + 10k, + 1, + 2), as
``qdpool serve --peers N --port B --grpc-port B+1 --p2p-port B+2`` does, so
that discovery from one seed finds every peer's API ports.
"""

from __future__ import annotations

import asyncio
import random
import socket
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from qdpool import operations as ops
from qdpool.call import WAIT, Call, Options
from qdpool.config import PoolConfig
from qdpool.dispatch import Dispatch
from qdpool.embedded.cluster import EmbeddedCluster
from qdpool.endpoint import Endpoint
from qdpool.events import NullObserver
from qdpool.interceptors.auth import Auth
from qdpool.interceptors.deadline import Deadline
from qdpool.interceptors.resilience import resilience_chain
from qdpool.pipeline import Pipeline
from qdpool.policies import (
    BreakerPolicy,
    ConcurrencyPolicy,
    RetryBudgetPolicy,
    RetryPolicy,
)
from qdpool.routing.balancer import BalancerPolicy
from qdpool.routing.cluster import Cluster
from qdpool.routing.discovery import DiscoveryPolicy
from qdpool.routing.ejection import EjectionPolicy
from qdpool.routing.nodes import ACTIVE, EJECTED
from qdpool.transport.base import Transport
from qdpool.transport.grpc import GrpcTransport
from qdpool.transport.rest import AiohttpTransport

KEY = "test-key"
DIM = 4
pytestmark = pytest.mark.timeout(180)


def _free_base(peers: int) -> int:
    """A base port whose first ``peers`` blocks of three ports are free on 127.0.0.1."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 50000, 10)
        try:
            for k in range(peers):
                for offset in range(3):
                    with socket.socket() as probe:
                        probe.bind(("127.0.0.1", base + 10 * k + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no free block of ports")


class BasedCluster(EmbeddedCluster):
    """``EmbeddedCluster`` on base ports instead of free ones."""

    def __init__(self, base: int, **options: Any) -> None:
        super().__init__(**options)
        self.base = base

    def command(self) -> list[str]:
        argv = super().command()
        for flag, port in (("--port", 0), ("--grpc-port", 1), ("--p2p-port", 2)):
            argv[argv.index(flag) + 1] = str(self.base + port)
        return argv


class Events(NullObserver):
    def __init__(self) -> None:
        self.log: list[tuple[str, str, str]] = []

    def on_node_ejected(self, endpoint: str, reason: str, duration: float) -> None:
        self.log.append(("ejected", endpoint, reason))

    def on_node_readmitted(self, endpoint: str, reason: str) -> None:
        self.log.append(("readmitted", endpoint, reason))

    def on_node_added(self, endpoint: str, reason: str) -> None:
        self.log.append(("added", endpoint, reason))

    def on_node_removed(self, endpoint: str, reason: str) -> None:
        self.log.append(("removed", endpoint, reason))


class Routed:
    """One client over the cluster, as ``connect(nodes, discover=True)`` will make it."""

    def __init__(
        self,
        seed: Any,
        *,
        balancer: BalancerPolicy | None = None,
        ejection: EjectionPolicy | None = None,
        discovery: DiscoveryPolicy | None = None,
    ) -> None:
        self.events = Events()
        self.seed = Endpoint.from_urls(seed.rest_url, seed.grpc_url)
        self.cluster = Cluster(
            [self.seed],
            transports_for=self._transports_for,
            discover=True,
            balancer=balancer,
            ejection=ejection or EjectionPolicy(base_ejection_time=1.0),
            discovery=discovery or DiscoveryPolicy(check_interval=0.2),
            api_key=KEY,
            observer=self.events,
        )
        chain = resilience_chain(
            retry=RetryPolicy(base=0.02, cap=0.2),
            retry_budget=RetryBudgetPolicy(),
            breaker=BreakerPolicy(),
            concurrency=ConcurrencyPolicy(limit=32),
            rate_limit=None,
            hedge=None,
            fallback=None,
            protocols=("rest", "grpc"),
            observer=self.events,
        )
        self.pipeline = Pipeline(
            [Deadline(time.monotonic), *self.cluster.chain(chain), Auth(KEY)],
            Dispatch(self.cluster.transports),
        )

    @staticmethod
    def _transports_for(endpoint: Endpoint) -> dict[str, Transport]:
        config = PoolConfig(connect_timeout=2.0)
        return {
            "rest": AiohttpTransport(endpoint, config),
            "grpc": GrpcTransport(endpoint, config),
        }

    async def __aenter__(self) -> Routed:
        await self.cluster.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.cluster.close()

    def __call__(
        self,
        operation: Any,
        collection: str | None,
        body: dict[str, Any] | None,
        *,
        protocol: str = "rest",
        options: Options | None = None,
        timeout: float = 2.0,
    ) -> Any:
        deadline = time.monotonic() + timeout
        return self.pipeline(
            Call(operation, collection, protocol, body, options, deadline, self.seed)
        )

    def served(self) -> dict[int | None, int]:
        return {n.peer_id: n.attempts for n in self.cluster.nodes}


@pytest_asyncio.fixture(scope="module")
async def peers() -> AsyncIterator[BasedCluster]:
    async with BasedCluster(_free_base(5), peers=3, api_key=KEY) as cluster:
        yield cluster


@pytest.fixture
def name() -> str:
    return f"routing_{uuid.uuid4().hex[:8]}"


def vector(i: int) -> list[float]:
    return [1.0, float(i % 7), float(i % 11), 0.5]


async def make(client: Routed, name: str) -> None:
    body = {"vectors": {"size": DIM, "distance": "Dot"}}
    assert await client(ops.CREATE_COLLECTION, name, body, timeout=10.0) is True


async def test_kill_9_of_a_peer_under_mixed_load_fails_no_call_and_loses_no_write(
    peers: BasedCluster, name: str
) -> None:
    victim = peers.peers[2]
    async with Routed(peers.peers[1]) as client:
        assert sorted(client.served()) == [1, 2, 3]
        await make(client, name)
        acked: list[int] = []
        failures: list[str] = []
        worst = 0.0
        next_id = iter(range(1, 1_000_000))
        end = time.monotonic() + 7.0

        async def caller(index: int) -> None:
            nonlocal worst
            protocol = "grpc" if index % 2 else "rest"
            n = 0
            while time.monotonic() < end:
                n += 1
                start = time.monotonic()
                write = n % 3 == 0
                try:
                    if write:
                        point = next(next_id)
                        body = {"points": [{"id": point, "vector": vector(point)}]}
                        await client(ops.UPSERT, name, body, protocol=protocol, options=WAIT)
                        acked.append(point)
                    else:
                        body = {"query": vector(n), "limit": 3, "with_payload": False}
                        await client(ops.QUERY_POINTS, name, body, protocol=protocol)
                except Exception as error:
                    failures.append(f"{protocol} {'write' if write else 'read'}: {error!r}")
                worst = max(worst, time.monotonic() - start)
                await asyncio.sleep(0.002)

        async def chaos() -> dict[str, Any]:
            await asyncio.sleep(1.5)
            await peers.kill(victim.id)
            await asyncio.sleep(2.0)
            node = next(n for n in client.cluster.nodes if n.peer_id == victim.id)
            seen: dict[str, Any] = {"state_while_dead": node.state}
            attempts_dead = node.attempts
            await peers.restart(victim.id)
            await asyncio.sleep(3.0)
            seen["state_after"] = node.state
            seen["attempts_after_restart"] = node.attempts - attempts_dead
            return seen

        results = await asyncio.gather(chaos(), *(caller(i) for i in range(16)))
        seen: dict[str, Any] = results[0]
        served = client.served()
        found = await client(
            ops.RETRIEVE,
            name,
            {"ids": acked, "with_payload": False, "with_vector": False},
            timeout=10.0,
        )
        log = list(client.events.log)
    print(
        f"\nkill -9 of peer {victim.id} under 16 callers: {len(acked)} acknowledged writes, "
        f"{len(failures)} failed calls, slowest call {worst * 1000:.0f} ms, attempts per "
        f"peer {served}, events {[(k, r) for k, _, r in log]}"
    )
    assert failures == []
    assert worst < 2.05  # no call outlived its 2 s deadline
    assert sorted(p.id for p in found) == sorted(acked)  # no acknowledged write lost
    assert seen["state_while_dead"] == EJECTED
    assert seen["state_after"] == ACTIVE and seen["attempts_after_restart"] > 0
    assert ("readmitted", "health check passed") in [(k, r) for k, _, r in log]


async def test_a_peer_slowed_by_20ms_gets_far_less_than_its_share_of_calls(
    peers: BasedCluster, name: str
) -> None:
    async def run(client: Routed, seconds: float) -> list[float]:
        latencies: list[float] = []
        end = time.monotonic() + seconds

        async def caller() -> None:
            while time.monotonic() < end:
                start = time.monotonic()
                await client(ops.COUNT, name, {"exact": True})
                latencies.append(time.monotonic() - start)

        await asyncio.gather(*(caller() for _ in range(4)))  # not saturating the 2 CPUs
        return latencies

    def p99(values: list[float]) -> float:
        return statistics.quantiles(values, n=100)[98]

    async with Routed(peers.peers[1]) as client:
        await make(client, name)
        healthy = await run(client, 2.0)
    slow = peers.peers[3]
    rule = {"kind": "latency", "delay": 0.02}
    async with aiohttp.ClientSession(headers={"api-key": KEY}) as session:
        async with session.post(f"{slow.rest_url}/qdpool/faults", json=rule) as reply:
            assert reply.status == 200
        try:
            async with Routed(peers.peers[1]) as client:
                start = {n.peer_id: n.attempts for n in client.cluster.nodes}
                slowed = await run(client, 2.0)
                counts = {n.peer_id: n.attempts - start[n.peer_id] for n in client.cluster.nodes}
        finally:
            async with session.post(f"{slow.rest_url}/qdpool/faults/reset", json={}) as reply:
                assert reply.status == 200
    share = counts[slow.id] / sum(counts.values())
    print(
        f"\none peer +20 ms: its share {share:.1%} of {sum(counts.values())} calls; p99 "
        f"{p99(slowed) * 1000:.2f} ms against {p99(healthy) * 1000:.2f} ms healthy; p50 "
        f"{statistics.median(slowed) * 1000:.2f} against {statistics.median(healthy) * 1000:.2f}"
    )
    # Issue 12's bound over the first 2 s after the slowdown (the p99 is compared by
    # test_client_cluster, through the client's recipe with hedging).
    assert share <= 0.10


async def test_discovery_from_one_seed_uses_a_joining_peer_and_drains_a_leaving_one(
    peers: BasedCluster, name: str
) -> None:
    policy = DiscoveryPolicy(refresh_interval=0.5, check_interval=0.1)
    async with Routed(peers.peers[1], discovery=policy) as client:
        assert sorted(client.served()) == [1, 2, 3]
        await make(client, name)

        async def load(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                await asyncio.gather(*(client(ops.COUNT, name, {"exact": True}) for _ in range(8)))

        added = await peers.add_peer()
        try:
            await load(1.5)
            assert client.served().get(added.id, 0) > 0
        finally:
            await peers.remove_peer(added.id)
        await load(1.5)
        assert added.id not in client.served()
        log = list(client.events.log)
    assert ("added", f"discovered peer {added.id}") in [(k, r) for k, _, r in log]
    assert any(k == "removed" and "left the cluster" in r for k, _, r in log)
