"""Cluster: node lists, start and close, a node down at start, health, kill and restart."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from routing_sim import Sim, SimTransport, clock, endpoint, ops, simulate

from qdpool.endpoint import Endpoint
from qdpool.errors import InvalidInput, Unavailable
from qdpool.policies import RetryPolicy
from qdpool.routing.cluster import Cluster, parse_nodes
from qdpool.routing.ejection import EjectionPolicy
from qdpool.routing.nodes import ACTIVE, EJECTED, STARTING


def test_nodes_are_urls_or_rest_grpc_pairs_in_order_without_repeats() -> None:
    assert parse_nodes("http://a:6333") == [Endpoint("a")]
    assert parse_nodes(
        ["http://a:6333", ("http://b:7333", "http://b:7334"), "http://a:6333", Endpoint("c")]
    ) == [Endpoint("a"), Endpoint("b", 7333, 7334), Endpoint("c")]
    # The top level is always a list of nodes: two URLs are two nodes.
    assert parse_nodes(("http://a:6333", "http://a:6334")) == [
        Endpoint("a"),
        Endpoint("a", 6334, None),
    ]
    with pytest.raises(InvalidInput, match="nodes"):
        parse_nodes([])
    with pytest.raises(InvalidInput, match=r"nodes\[1\]"):
        parse_nodes(["http://a", 42])  # type: ignore[list-item]
    with pytest.raises(InvalidInput, match="scheme"):
        parse_nodes(["a:6333"])


def test_policies_of_the_wrong_type_are_refused() -> None:
    with pytest.raises(TypeError, match="BalancerPolicy"):
        Cluster([endpoint(0)], transports_for=dict, balancer=EjectionPolicy())  # type: ignore[arg-type]


def test_start_serves_with_the_nodes_that_are_up_and_starts_the_others_later() -> None:
    async def main() -> list[list[str]]:
        sim = Sim(3)
        sim.node(1).dead = True
        await sim.cluster.start()
        states = [[n.state for n in sim.cluster.nodes]]
        for _ in range(20):
            assert await sim.call() in ("n0", "n2")
        sim.node(1).dead = False
        await asyncio.sleep(1.5)
        states.append([n.state for n in sim.cluster.nodes])
        await sim.cluster.close()
        return states

    assert simulate(main) == [[ACTIVE, STARTING, ACTIVE], [ACTIVE] * 3]


def test_start_fails_when_no_node_is_up_and_leaves_nothing_open() -> None:
    async def main() -> Sim:
        sim = Sim(2)
        sim.node(0).dead = sim.node(1).dead = True
        with pytest.raises(Unavailable, match="none of the 2 nodes"):
            await sim.cluster.start()
        return sim

    sim = simulate(main)
    assert all(t.closed for t in sim.made) and not sim.cluster.transports


def test_close_closes_every_transport_and_task_and_is_idempotent() -> None:
    async def main() -> tuple[Sim, set[asyncio.Task[Any]]]:
        sim = Sim(3)
        await sim.cluster.start()
        await sim.call()
        await sim.cluster.close()
        await sim.cluster.close()
        return sim, {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}

    sim, leftover = simulate(main)
    assert sim.made and all(t.closed for t in sim.made)
    assert not leftover and not sim.cluster.transports


def test_health_and_describe_report_every_node() -> None:
    async def main() -> tuple[list[Any], str, str]:
        sim = Sim(3, ejection=EjectionPolicy(base_ejection_time=10.0))
        await sim.cluster.start()
        for _ in range(30):
            await sim.call()
        node = sim.cluster.nodes.get(endpoint(2))
        assert node is not None and sim.cluster.ejector is not None
        sim.cluster.ejector.eject(node, "a test said so")
        report = sim.cluster.health(), sim.cluster.describe(), repr(sim.cluster)
        await sim.cluster.close()
        return report

    health, text, shown = simulate(main)
    assert [h.state for h in health] == [ACTIVE, ACTIVE, EJECTED]
    assert sum(h.attempts for h in health) == 30
    assert health[2].ejected_for == pytest.approx(10.0) and health[2].reason == "a test said so"
    lines = text.splitlines()
    assert len(lines) == 3 and lines[0].startswith("127.0.0.1:6333/6334 active: 1.0ms")
    assert "back in 10.0s (a test said so)" in lines[2]
    assert shown.startswith("<Cluster 3 nodes (given): 127.0.0.1:6333/6334 active")


def test_a_node_killed_under_mixed_load_costs_no_call_and_is_readmitted_after_restart() -> None:
    """The simulated form of the kill -9 test: 16 callers, 2 s deadlines, reads and writes."""

    async def main() -> dict[str, Any]:
        sim = Sim(
            3,
            ejection=EjectionPolicy(base_ejection_time=1.0),
            retry=RetryPolicy(base=0.02, cap=0.2),
        )
        for i in range(3):
            sim.node(i).latency = 0.004
        await sim.cluster.start()
        failures: list[str] = []
        overrun = 0.0
        acked: list[int] = []
        end = clock() + 4.0
        victim = sim.node(1)

        async def caller(index: int) -> None:
            nonlocal overrun
            n = 0
            while clock() < end:
                n += 1
                write = n % 4 == 0
                start = clock()
                try:
                    await sim.call(ops.UPSERT if write else ops.QUERY_POINTS, timeout=2.0)
                    if write:
                        acked.append(index * 100000 + n)
                except Exception as error:
                    failures.append(f"{'write' if write else 'read'}: {error!r}")
                overrun = max(overrun, clock() - start - 2.0)

        async def chaos() -> dict[str, Any]:
            await asyncio.sleep(1.0)
            victim.dead = True  # kill -9: in-flight attempts are reset, new ones refused
            await asyncio.sleep(1.0)
            state = sim.cluster.nodes.get(endpoint(1))
            assert state is not None
            seen = {"state_dead": state.state, "served_before": victim.completed}
            victim.dead = False  # restarted
            await asyncio.sleep(1.9)
            seen["state_back"] = state.state
            return seen

        results = await asyncio.gather(chaos(), *(caller(i) for i in range(16)))
        seen: dict[str, Any] = results[0]
        seen["served_after"] = victim.completed - seen["served_before"]
        seen["failures"] = failures
        seen["overrun"] = overrun
        seen["acked"] = len(acked)
        seen["calls"] = sim.calls
        await sim.cluster.close()
        return seen

    seen = simulate(main)
    print(
        f"\nkill and restart of 1 of 3 nodes: {seen['calls']} calls, {seen['acked']} acked "
        f"writes, {len(seen['failures'])} failed, worst overrun {seen['overrun'] * 1000:.1f} ms, "
        f"{seen['served_after']} served by the restarted node"
    )
    assert seen["failures"] == []
    assert seen["overrun"] <= 0.0
    assert seen["state_dead"] == EJECTED
    assert seen["state_back"] == ACTIVE and seen["served_after"] > 0


def test_close_while_a_node_is_starting_leaves_no_transport_open() -> None:
    async def main() -> Sim:
        sim = Sim(2, discover=True, given=1)
        sim.node(0).cluster_info = {
            "status": "enabled",
            "peer_id": 1,
            "peers": {
                "1": {"uri": "http://127.0.0.1:6335/"},
                "2": {"uri": "http://127.0.0.2:6335/"},
            },
        }
        sim.node(1).dead = True  # down when discovered
        await sim.cluster.start()
        assert [n.state for n in sim.cluster.nodes] == [ACTIVE, STARTING]
        release = asyncio.Event()
        original = SimTransport.start

        async def slow_start(self: SimTransport) -> None:
            await release.wait()
            await original(self)

        await asyncio.sleep(0.6)
        SimTransport.start = slow_start  # type: ignore[method-assign]
        try:
            sim.node(1).dead = False
            await asyncio.sleep(1.5)  # retried in the background, and now stuck starting
            await sim.cluster.close()
        finally:
            SimTransport.start = original  # type: ignore[method-assign]
        return sim

    sim = simulate(main)
    assert len(sim.made) == 8  # the seed's two, and three tries at node 2
    assert all(t.closed for t in sim.made)
