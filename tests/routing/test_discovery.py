"""Discovery: GET /cluster parsed as Qdrant shapes it; joining nodes used, leaving ones drained."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from routing_sim import Sim, SimTransport, clock, endpoint, simulate

from qdpool.endpoint import Endpoint
from qdpool.errors import Unavailable
from qdpool.events import NullObserver
from qdpool.routing.discovery import (
    ClusterInfoError,
    DiscoveryPolicy,
    RefreshSchedule,
    parse_peers,
)
from qdpool.routing.nodes import ACTIVE, DRAINING, STARTING


def cluster_info(own: int, peers: list[int]) -> dict[str, Any]:
    """``GET /cluster``'s result as Qdrant answers it; peer p lives on 127.0.0.p."""
    return {
        "status": "enabled",
        "peer_id": own,
        "peers": {str(p): {"uri": f"http://127.0.0.{p}:6335/"} for p in peers},
        "raft_info": {
            "term": 3,
            "commit": 40,
            "pending_operations": 0,
            "leader": peers[0],
            "role": "Leader" if own == peers[0] else "Follower",
            "is_voter": True,
        },
        "consensus_thread_status": {"consensus_thread_status": "working"},
        "message_send_failures": {},
    }


class Events(NullObserver):
    def __init__(self) -> None:
        self.log: list[tuple[str, str, str]] = []

    def on_node_added(self, endpoint: str, reason: str) -> None:
        self.log.append(("added", endpoint, reason))

    def on_node_removed(self, endpoint: str, reason: str) -> None:
        self.log.append(("removed", endpoint, reason))


def test_peers_take_the_host_of_their_uri_and_the_api_ports_of_the_seed() -> None:
    seed = Endpoint.from_urls("https://db.example:7333/qdrant", "https://db.example:7334")
    info = cluster_info(1, [1, 2, 3])
    found = parse_peers(info, seed)
    assert found == {
        seed: 1,
        Endpoint("127.0.0.2", 7333, 7334, True, None, "/qdrant"): 2,
        Endpoint("127.0.0.3", 7333, 7334, True, None, "/qdrant"): 3,
    }
    assert parse_peers({"status": "disabled"}, seed) == {seed: None}


def test_peers_sharing_the_seeds_host_have_api_ports_spaced_as_their_p2p_ports() -> None:
    seed = Endpoint.from_urls("http://127.0.0.1:6343", "http://127.0.0.1:6344")
    info = {
        "status": "enabled",
        "peer_id": 2,
        "peers": {
            "1": {"uri": "http://127.0.0.1:6335/"},
            "2": {"uri": "http://127.0.0.1:6345/"},
            "3": {"uri": "http://127.0.0.1:6355/"},
            "4": {"uri": "http://10.0.0.4:6335/"},
        },
    }
    assert parse_peers(info, seed) == {
        seed: 2,
        Endpoint("127.0.0.1", 6333, 6334): 1,
        Endpoint("127.0.0.1", 6353, 6354): 3,
        Endpoint("10.0.0.4", 6343, 6344): 4,  # another host: the seed's API ports
    }
    far = {
        "status": "enabled",
        "peer_id": 1,
        "peers": {"1": {"uri": "http://h:1000/"}, "2": {"uri": "http://h:65535/"}},
    }
    with pytest.raises(ClusterInfoError, match="no API port"):
        parse_peers(far, Endpoint.from_urls("http://h:6333"))


@pytest.mark.parametrize(
    ("result", "problem"),
    [
        ([], "must be an object"),
        ({"status": "weird"}, "status"),
        ({"status": "enabled", "peer_id": 1, "peers": {}}, "no 'peers'"),
        ({"status": "enabled", "peer_id": 1, "peers": {"2": {}}}, "no 'uri'"),
        ({"status": "enabled", "peer_id": 1, "peers": {"2": {"uri": "nohost"}}}, "no host"),
        ({"status": "enabled", "peer_id": "x", "peers": {"2": {"uri": "http://a"}}}, "peer_id"),
        ({"status": "enabled", "peer_id": 1, "peers": {"2": {"uri": "http://a:99999"}}}, "port"),
    ],
)
def test_malformed_cluster_info_is_refused(result: Any, problem: str) -> None:
    with pytest.raises(ClusterInfoError, match=problem):
        parse_peers(result, endpoint(0))


def test_refresh_is_periodic_and_early_after_a_failure_but_not_too_often() -> None:
    schedule = RefreshSchedule(DiscoveryPolicy(refresh_interval=30.0, min_refresh_interval=1.0))
    assert schedule.due(0.0)
    schedule.done(0.0)
    assert not schedule.due(29.0) and schedule.due(30.0)
    schedule.request()
    assert not schedule.due(0.5) and schedule.due(1.0)
    schedule.done(1.0)
    assert not schedule.due(2.5)


def test_policy_is_validated() -> None:
    with pytest.raises(ValueError, match="refresh_interval"):
        DiscoveryPolicy(refresh_interval=0)
    with pytest.raises(ValueError, match="check_interval"):
        DiscoveryPolicy(check_interval=-1.0)


def test_one_seed_finds_every_peer_and_uses_them_all() -> None:
    async def main() -> list[int]:
        sim = Sim(3, discover=True, given=1)
        for i in range(3):
            sim.node(i).cluster_info = cluster_info(i + 1, [1, 2, 3])
        await sim.cluster.start()
        assert [n.state for n in sim.cluster.nodes] == [ACTIVE] * 3
        assert [n.peer_id for n in sim.cluster.nodes] == [1, 2, 3]
        await sim.load(callers=8, seconds=0.5)
        await sim.cluster.close()
        return [len(sim.node(i).attempts) for i in range(3)]

    counts = simulate(main)
    assert min(counts) > 0.2 * sum(counts)


def test_a_node_that_joins_later_is_used_and_one_that_leaves_is_drained() -> None:
    events = Events()

    async def main() -> dict[str, Any]:
        policy = DiscoveryPolicy(refresh_interval=1.0, check_interval=0.1)
        sim = Sim(4, discover=True, given=1, discovery=policy, observer=events)
        members = [1, 2, 3]
        for i in range(4):
            sim.node(i).cluster_info = lambda i=i: cluster_info(i + 1, members)
        await sim.cluster.start()
        assert len(sim.cluster.nodes) == 3
        members.append(4)
        await sim.load(callers=4, seconds=1.5)
        report: dict[str, Any] = {"fourth": len(sim.node(3).attempts)}
        # Node 3 (127.0.0.3) leaves while slow attempts are in flight on it.
        leaving = sim.node(2)
        leaving.latency = 0.5
        in_flight = [asyncio.create_task(sim.call()) for _ in range(6)]
        await asyncio.sleep(0.01)
        report["in_flight_on_leaving"] = leaving.in_flight
        members.remove(3)
        state = sim.cluster.nodes.get(endpoint(2))
        assert state is not None
        await asyncio.sleep(1.1)  # the next refresh sees it gone
        report["state_while_draining"] = state.state
        before = len(leaving.attempts)
        await asyncio.gather(*(sim.call() for _ in range(20)))
        report["new_attempts_while_draining"] = len(leaving.attempts) - before
        report["results"] = await asyncio.gather(*in_flight)
        await asyncio.sleep(0.1)
        report["known"] = endpoint(2) in sim.cluster.nodes
        report["transport_open"] = endpoint(2) in sim.cluster.transports
        report["closed"] = [t.closed for t in sim.made if t.node is leaving]
        await sim.cluster.close()
        report["all_closed"] = all(t.closed for t in sim.made)
        return report

    report = simulate(main)
    assert report["fourth"] > 0
    assert report["in_flight_on_leaving"] >= 1
    assert report["state_while_draining"] == DRAINING
    assert report["new_attempts_while_draining"] == 0
    assert all(isinstance(r, str) for r in report["results"])  # no call dropped
    assert report["known"] is False and report["transport_open"] is False
    assert report["closed"] == [True, True] and report["all_closed"]
    assert ("added", str(endpoint(3)), "discovered peer 4") in events.log
    assert ("removed", str(endpoint(2)), "left the cluster; drained") in events.log


def test_a_failed_attempt_brings_the_next_refresh_forward() -> None:
    async def main() -> tuple[float, float]:
        policy = DiscoveryPolicy(refresh_interval=60.0, min_refresh_interval=0.5)
        sim = Sim(2, discover=True, given=1, discovery=policy, retry=None)
        reads: list[float] = []

        def info() -> dict[str, Any]:
            reads.append(clock())
            return cluster_info(1, [1, 2])

        sim.node(0).cluster_info = info
        await sim.cluster.start()
        sim.node(1).dead = True
        for _ in range(4):
            with contextlib.suppress(Unavailable):
                await sim.call()
        await asyncio.sleep(1.0)
        await sim.cluster.close()
        return reads[0], reads[1]

    first, second = simulate(main)
    assert 0.5 <= second - first <= 1.0


def test_a_peer_down_when_discovered_is_started_once_it_is_up() -> None:
    async def main() -> list[str]:
        policy = DiscoveryPolicy(check_interval=0.1, min_refresh_interval=0.2)
        sim = Sim(2, discover=True, given=1, discovery=policy)
        sim.node(0).cluster_info = cluster_info(1, [1, 2])
        sim.node(1).dead = True
        await sim.cluster.start()
        states = [n.state for n in sim.cluster.nodes]
        sim.node(1).dead = False
        await asyncio.sleep(0.5)
        states += [n.state for n in sim.cluster.nodes]
        await sim.cluster.close()
        return states

    assert simulate(main) == [ACTIVE, STARTING, ACTIVE, ACTIVE]


def test_an_answer_from_another_peer_adds_no_duplicate_of_the_seed() -> None:
    async def main() -> list[tuple[str, int | None]]:
        policy = DiscoveryPolicy(refresh_interval=0.5, check_interval=0.1)
        # The seed is given as "localhost"; its peers know it by its address.
        seed = Endpoint("localhost")
        sim = Sim(3, discover=True, seeds=[seed], discovery=policy)
        sim.sims[seed] = sim.node(0)
        for i in range(3):
            sim.node(i).cluster_info = cluster_info(i + 1, [1, 2, 3])
        await sim.cluster.start()
        sim.node(0).dead = True  # the seed no longer answers: others do
        await asyncio.sleep(1.2)
        report = [(str(n.endpoint), n.peer_id) for n in sim.cluster.nodes]
        await sim.cluster.close()
        return report

    assert simulate(main) == [
        ("localhost:6333/6334", 1),
        *((str(endpoint(i)), i + 1) for i in (1, 2)),
    ]


def test_a_peer_that_is_slow_to_start_does_not_hold_up_the_client() -> None:
    async def main() -> list[Any]:
        policy = DiscoveryPolicy(request_timeout=0.5, check_interval=0.1)
        sim = Sim(2, discover=True, given=1, discovery=policy)
        sim.node(0).cluster_info = cluster_info(1, [1, 2])
        release = asyncio.Event()
        original = SimTransport.start

        async def start(self: SimTransport) -> None:
            if self.node is sim.node(1):
                await release.wait()
            await original(self)

        SimTransport.start = start  # type: ignore[method-assign]
        try:
            began = clock()
            await sim.cluster.start()
            report: list[Any] = [round(clock() - began, 3)]
            report.append([n.state for n in sim.cluster.nodes])
            await asyncio.sleep(2.0)  # retries of the start meanwhile must not start it twice
            release.set()
            await asyncio.sleep(0.5)
            report.append([n.state for n in sim.cluster.nodes])
            report.append(len([t for t in sim.made if t.node is sim.node(1)]))
            await sim.cluster.close()
        finally:
            SimTransport.start = original  # type: ignore[method-assign]
        return report

    waited, before, after, made = simulate(main)
    assert waited == 0.5
    assert before == [ACTIVE, STARTING] and after == [ACTIVE, ACTIVE]
    assert made == 2  # one REST and one gRPC transport: a single start
