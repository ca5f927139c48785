"""The balancer: peak-EWMA arithmetic, P2C against a slowed node, round-robin spread."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from routing_sim import Sim, clock, endpoint, simulate

from qdpool.routing.balancer import Balancer, BalancerPolicy, PeakEwma
from qdpool.routing.nodes import Node


def test_policy_is_validated_and_frozen() -> None:
    with pytest.raises(ValueError, match="strategy"):
        BalancerPolicy(strategy="random")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="decay"):
        BalancerPolicy(decay=0)
    with pytest.raises(ValueError, match="failure_penalty"):
        BalancerPolicy(failure_penalty=-1)
    with pytest.raises(ValueError, match="forget"):
        BalancerPolicy(forget=0.5)
    with pytest.raises(ValueError, match="in_flight_bias"):
        BalancerPolicy(in_flight_bias=1.5)
    policy = BalancerPolicy()
    assert policy.replace(strategy="round_robin").strategy == "round_robin"
    assert policy.strategy == "p2c"


def test_peak_ewma_jumps_to_peaks_and_decays_over_time() -> None:
    ewma = PeakEwma(decay=10.0)
    assert ewma.current(0.0) == 0.0
    ewma.observe(0.010, now=0.0)
    ewma.observe(0.100, now=0.1)
    assert ewma.latency == 0.100  # a peak is taken at once
    ewma.observe(0.010, now=10.1)  # 10 s later: the old value weighs 1/e
    expected = 0.100 * math.exp(-1) + 0.010 * (1 - math.exp(-1))
    assert ewma.latency == pytest.approx(expected)
    # Idle time pulls the estimate towards zero, so an idle node is tried again.
    assert ewma.current(30.1) == pytest.approx(expected * math.exp(-2))
    ewma.reset()
    assert ewma.samples == 0 and ewma.current(31.0) == 0.0


def test_a_busy_node_forgets_a_one_off_peak_after_a_few_dozen_answers() -> None:
    ewma = PeakEwma(decay=10.0, forget=16.0)
    ewma.observe(0.005, now=0.0)
    ewma.observe(0.100, now=0.001)  # a stall: taken at once
    for i in range(48):  # 48 ordinary answers within 0.05 s
        ewma.observe(0.005, now=0.002 + i * 0.001)
    # Time alone (10 s constant) would keep it near 100 ms; 48 samples weigh it to e^-3.
    assert ewma.latency == pytest.approx(0.005 + 0.095 * math.exp(-3), rel=0.01)


def test_cost_is_latency_times_in_flight_plus_one_to_the_bias() -> None:
    node = Node(endpoint(0), load=BalancerPolicy().load())
    assert Balancer().cost(node, 0.0) is None  # never measured
    node.load.observe(0.004, 0.0)
    node.in_flight = 3
    assert Balancer().cost(node, 0.0) == pytest.approx(0.004 * 2)  # sqrt(3 + 1)
    finagle = Balancer(BalancerPolicy(in_flight_bias=1.0))
    assert finagle.cost(node, 0.0) == pytest.approx(0.004 * 4)


def test_a_node_slowed_by_a_constant_loses_to_a_fast_one_holding_attempts() -> None:
    # A fast node at 5 ms holding 5 attempts against one at 25 ms holding none:
    # latency x (in-flight + 1) prefers the slowed node (25 ms < 30 ms), though the
    # fast node's 5 ms already include the wait its 5 attempts cause.
    fast, slow = (Node(endpoint(i), load=BalancerPolicy().load()) for i in range(2))
    fast.load.observe(0.005, 0.0)
    slow.load.observe(0.025, 0.0)
    fast.in_flight = 5
    assert Balancer(rng=random.Random(1)).pick([fast, slow], 0.0) is fast
    finagle = Balancer(BalancerPolicy(in_flight_bias=1.0), rng=random.Random(1))
    assert finagle.pick([fast, slow], 0.0) is slow


def test_a_node_never_measured_costs_what_its_rival_does_per_attempt() -> None:
    balancer = Balancer(rng=random.Random(1))
    known, new = (Node(endpoint(i), load=BalancerPolicy().load()) for i in range(2))
    known.load.observe(0.5, 0.0)  # however slow the other, in-flight counts decide
    known.in_flight = 1
    assert balancer.pick([known, new], 0.0) is new
    new.in_flight = 2
    assert balancer.pick([known, new], 0.0) is known  # not flooded before its first answer
    known.load.reset()
    assert balancer.pick([known, new], 0.0) is known  # neither measured: fewer in flight


def test_p2c_takes_the_cheaper_of_two_distinct_nodes() -> None:
    balancer = Balancer(rng=random.Random(1))
    nodes = [Node(endpoint(i), load=BalancerPolicy().load()) for i in range(3)]
    for i, node in enumerate(nodes):
        node.load.observe(0.001 * (i + 1), 0.0)
    picks = Counter(balancer.pick(nodes, 0.0).endpoint for _ in range(3000))
    # The dearest node loses every pair it is in; the cheapest wins every pair.
    assert picks[nodes[2].endpoint] == 0
    assert picks[nodes[0].endpoint] == pytest.approx(2000, rel=0.1)
    assert balancer.pick(nodes[:1], 0.0) is nodes[0]


def test_p2c_sends_at_most_10_percent_to_a_node_20ms_slower_within_2_seconds() -> None:
    async def main() -> tuple[list[int], int]:
        sim = Sim(3, seed=3)
        for i in range(3):
            sim.node(i).latency = 0.005
        sim.node(2).latency = 0.025  # slowed by 20 ms on every call
        await sim.cluster.start()
        start = clock()
        ok, failed = await sim.load(callers=16, seconds=2.0)
        assert clock() - start == pytest.approx(2.0, abs=0.05)
        await sim.cluster.close()
        assert failed == 0
        return [len(sim.node(i).attempts) for i in range(3)], ok

    counts, calls = simulate(main)
    share = counts[2] / sum(counts)
    print(f"\nP2C+EWMA: calls={calls} per node={counts} slow node share={share:.2%}")
    assert share <= 0.10


def test_round_robin_spreads_evenly_even_to_a_slow_node() -> None:
    async def main() -> list[int]:
        sim = Sim(3, balancer=BalancerPolicy(strategy="round_robin"))
        sim.node(2).latency = 0.021
        await sim.cluster.start()
        for _ in range(300):
            await sim.call()
        await sim.cluster.close()
        return [len(sim.node(i).attempts) for i in range(3)]

    assert simulate(main) == [100, 100, 100]


def test_equal_nodes_share_load_under_p2c() -> None:
    async def main() -> list[int]:
        sim = Sim(3, seed=11)
        await sim.cluster.start()
        await sim.load(callers=8, seconds=0.5)
        await sim.cluster.close()
        return [len(sim.node(i).attempts) for i in range(3)]

    counts = simulate(main)
    print(f"\nP2C, equal nodes: {counts}")
    assert min(counts) >= 0.2 * sum(counts)


def test_round_robin_keeps_its_turn_when_a_retry_leaves_nodes_out() -> None:
    balancer = Balancer(BalancerPolicy(strategy="round_robin"))
    nodes = [Node(endpoint(i), load=BalancerPolicy().load()) for i in range(3)]
    picks = []
    for _ in range(3):  # node 1 fails every attempt; its calls are retried on the others
        first = balancer.pick(nodes, 0.0)
        picks.append(first)
        if first is nodes[1]:
            picks.append(balancer.pick([nodes[0], nodes[2]], 0.0, nodes))
    # The retry takes the next node; the first attempts still go round (1, 2, 0).
    assert [nodes.index(n) for n in picks] == [1, 2, 2, 0]
