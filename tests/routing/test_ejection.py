"""Outlier detection: consecutive failures, success rate, growing ejections, bounds, panic."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from routing_sim import Sim, clock, endpoint, simulate

from qdpool.classify import LOCAL, REJECTED, SUCCESS, THROTTLED, TRANSIENT
from qdpool.errors import Unavailable
from qdpool.events import NullObserver
from qdpool.routing.balancer import BalancerPolicy
from qdpool.routing.discovery import DiscoveryPolicy
from qdpool.routing.ejection import EjectionPolicy, Ejector
from qdpool.routing.nodes import ACTIVE, EJECTED, NodeSet


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Events(NullObserver):
    def __init__(self) -> None:
        self.log: list[tuple[str, str, str]] = []

    def on_node_ejected(self, endpoint: str, reason: str, duration: float) -> None:
        self.log.append(("ejected", endpoint, f"{reason} for {duration:g}s"))

    def on_node_readmitted(self, endpoint: str, reason: str) -> None:
        self.log.append(("readmitted", endpoint, reason))


def make(count: int, policy: EjectionPolicy | None = None) -> tuple[NodeSet, Ejector, Clock]:
    nodes = NodeSet()
    for i in range(count):
        nodes.add(endpoint(i)).state = ACTIVE
    clock = Clock()
    return nodes, Ejector(policy, nodes, clock=clock), clock


def test_policy_defaults_are_envoys_and_bad_values_are_refused() -> None:
    policy = EjectionPolicy()
    assert (policy.consecutive_failures, policy.interval, policy.base_ejection_time) == (5, 10, 30)
    assert (policy.max_ejection_time, policy.max_ejected_ratio) == (300, 0.1)
    assert (policy.success_rate_minimum_hosts, policy.success_rate_request_volume) == (5, 100)
    assert (policy.success_rate_stdev_factor, policy.panic_threshold) == (1.9, 0.5)
    with pytest.raises(ValueError, match="consecutive_failures"):
        EjectionPolicy(consecutive_failures=0)
    with pytest.raises(ValueError, match="max_ejection_time"):
        EjectionPolicy(base_ejection_time=60, max_ejection_time=30)
    with pytest.raises(ValueError, match="max_ejected_ratio"):
        EjectionPolicy(max_ejected_ratio=1.5)


def test_five_consecutive_failures_eject_and_a_success_resets_the_count() -> None:
    nodes, ejector, _ = make(3)
    node = nodes.get(endpoint(0))
    assert node is not None
    for _ in range(4):
        ejector.record(node, TRANSIENT)
    ejector.record(node, SUCCESS)
    for _ in range(4):
        ejector.record(node, TRANSIENT)
    # Neither an answered 4xx, a throttle nor a local error breaks or extends the run.
    for outcome in (THROTTLED, LOCAL):
        ejector.record(node, outcome)
    assert node.state == ACTIVE
    ejector.record(node, REJECTED)  # the node answered: a success for outlier detection
    assert node.outlier.consecutive_failures == 0
    for _ in range(5):
        ejector.record(node, TRANSIENT)
    assert node.state == EJECTED
    assert node.outlier.reason == "5 consecutive failures"
    assert node.outlier.ejected_until == 130.0


def test_ejection_time_grows_with_each_ejection_up_to_the_maximum() -> None:
    nodes, ejector, clock = make(3, EjectionPolicy(max_ejection_time=100.0))
    node = nodes.get(endpoint(1))
    assert node is not None
    durations = []
    for _ in range(5):
        start = clock.now
        assert ejector.eject(node, "test")
        durations.append(node.outlier.ejected_until - start)
        clock.now = node.outlier.ejected_until
        assert ejector.due() == [node]
        ejector.readmit(node)
    assert durations == [30.0, 60.0, 90.0, 100.0, 100.0]
    # A failed health check ejects again, for longer.
    ejector.eject(node, "again")
    clock.now = node.outlier.ejected_until
    ejector.check_failed(node, "refused")
    assert node.state == EJECTED and node.outlier.ejections == 7
    assert node.outlier.reason == "health check failed: refused"


def test_healthy_intervals_bring_the_multiplier_back_down() -> None:
    nodes, ejector, clock = make(3)
    node = nodes.get(endpoint(0))
    assert node is not None
    ejector.eject(node, "x")
    clock.now += 30
    ejector.readmit(node)
    assert node.outlier.ejections == 1
    clock.now += 10
    ejector.analyse(clock.now)
    assert node.outlier.ejections == 0
    ejector.eject(node, "y")
    assert node.outlier.ejected_until == clock.now + 30


@pytest.mark.parametrize(("count", "most"), [(1, 0), (2, 1), (3, 1), (10, 1), (20, 2), (35, 3)])
def test_at_most_a_bounded_share_is_ejected_and_one_node_always_serves(
    count: int, most: int
) -> None:
    nodes, ejector, _ = make(count)
    for node in nodes:
        for _ in range(5):
            ejector.record(node, TRANSIENT)
    assert len(nodes.in_state(EJECTED)) == most
    assert len(nodes.in_state(ACTIVE)) == count - most >= 1


def test_a_success_rate_well_below_the_peers_ejects() -> None:
    policy = EjectionPolicy(consecutive_failures=1000, max_ejected_ratio=0.5)
    nodes, ejector, clock = make(6, policy)
    listed = list(nodes)
    for node in listed:
        for i in range(200):
            bad = (node is listed[5] and i % 2 == 0) or (node is listed[4] and i % 20 == 0)
            ejector.record(node, TRANSIENT if bad else SUCCESS)
    assert not nodes.in_state(EJECTED)
    clock.now += 10.0
    ejector.record(listed[0], SUCCESS)  # the first outcome after the interval runs the analysis
    # 50% against peers at 100% and 95%: ejected; 95% is within 1.9 sigma of the mean.
    assert nodes.in_state(EJECTED) == [listed[5]]
    assert listed[5].outlier.reason.startswith("success rate 50.0% below")


def test_success_rates_are_not_compared_with_fewer_than_minimum_hosts() -> None:
    nodes, ejector, clock = make(3, EjectionPolicy(consecutive_failures=1000))
    listed = list(nodes)
    for node in listed:
        for i in range(200):
            ejector.record(node, TRANSIENT if node is listed[2] and i % 2 else SUCCESS)
    clock.now += 10.0
    ejector.analyse(clock.now)
    assert not nodes.in_state(EJECTED)


def test_panic_balances_over_every_node_when_too_few_are_healthy() -> None:
    nodes, ejector, _ = make(4, EjectionPolicy(max_ejected_ratio=1.0, panic_threshold=0.5))
    listed = list(nodes)
    ejector.eject(listed[0], "x")
    ejector.eject(listed[1], "x")
    assert ejector.candidates() == listed[2:]  # 2 of 4 healthy: 50%, not below it
    ejector.eject(listed[2], "x")
    assert ejector.candidates() == listed  # 1 of 4: panic


def test_a_dead_node_is_ejected_health_checked_and_readmitted_when_it_is_back() -> None:
    events = Events()

    async def main() -> dict[str, Any]:
        policy = EjectionPolicy(base_ejection_time=1.0)
        sim = Sim(3, ejection=policy, observer=events, discovery=DiscoveryPolicy())
        for i in range(3):
            sim.node(i).latency = 0.005
        await sim.cluster.start()
        dead = sim.node(1)
        dead.dead = True
        ok, failed = await sim.load(callers=16, seconds=1.0)
        state_dead = sim.cluster.nodes.get(endpoint(1))
        assert state_dead is not None
        report: dict[str, Any] = {"ok": ok, "failed": failed, "state": state_dead.state}
        during = len(dead.attempts)
        _, failed2 = await sim.load(callers=16, seconds=1.5)
        report["failed"] += failed2
        report["checks_while_dead"] = dead.health_checks
        report["state_after_failed_check"] = state_dead.state
        report["attempts_while_ejected"] = len(dead.attempts) - during
        dead.dead = False
        await sim.load(callers=16, seconds=2.0)
        report["state_back"] = state_dead.state
        report["served_after"] = dead.completed
        await sim.cluster.close()
        return report

    report = simulate(main)
    assert report["failed"] == 0
    assert report["state"] == EJECTED
    assert report["checks_while_dead"] >= 1
    assert report["state_after_failed_check"] == EJECTED
    assert report["attempts_while_ejected"] == 0
    assert report["state_back"] == ACTIVE
    assert report["served_after"] > 100
    kinds = [(kind, reason) for kind, _, reason in events.log]
    node = str(endpoint(1))
    assert all(where == node for _, where, _ in events.log)
    assert kinds[0] == ("ejected", "5 consecutive failures for 1s")
    assert kinds[1][0] == "ejected" and kinds[1][1].startswith("health check failed")
    assert kinds[-1] == ("readmitted", "health check passed")


def test_health_checks_carry_the_api_key() -> None:
    async def main() -> list[str | None]:
        sim = Sim(
            3,
            ejection=EjectionPolicy(base_ejection_time=1.0),
            balancer=BalancerPolicy(strategy="round_robin"),
            retry=None,
        )
        await sim.cluster.start()
        keys: list[str | None] = []
        sim_node = sim.node(2)
        original = sim_node.answer

        async def answer(call: Any) -> Any:
            if call.operation.name == "health":
                keys.append(call.headers.get("api-key"))
            return await original(call)

        sim_node.answer = answer  # type: ignore[method-assign]
        sim_node.dead = True
        for _ in range(15):
            with contextlib.suppress(Unavailable):
                await sim.call()
        sim_node.dead = False
        await asyncio.sleep(2.0)
        await sim.cluster.close()
        assert clock() > 2
        return keys

    keys = simulate(main)
    assert keys and set(keys) == {"sim-key"}


def test_health_checks_readmit_a_node_that_was_down_and_is_back_before_its_time() -> None:
    nodes, ejector, clock = make(3)
    node = nodes.get(endpoint(0))
    assert node is not None
    ejector.eject(node, "5 consecutive failures")
    ejector.checked(node, None)  # it answers, but its calls failed: it serves its 30 s
    assert node.state == EJECTED
    ejector.checked(node, Unavailable("refused", protocol="rest", sent=False))
    assert node.state == EJECTED and node.outlier.ejections == 1  # down: no longer out
    clock.now += 1.0
    ejector.checked(node, None)  # seen down, now up: restarted, re-admitted at once
    assert node.state == ACTIVE and node.outlier.ejected_until > clock.now
    # An active node's failed check is one more failure in a row.
    for _ in range(4):
        ejector.record(node, TRANSIENT)
    ejector.checked(node, None)
    assert node.state == ACTIVE  # a passing check says nothing about its calls
    ejector.checked(node, Unavailable("refused", protocol="rest", sent=False))
    assert node.state == EJECTED and node.outlier.reason == "5 consecutive failures"


def test_a_dead_node_the_balancer_shuns_is_still_ejected_and_back_soon_after_restart() -> None:
    """Default policies, one caller: after its first failure P2C never sends it an attempt."""
    events = Events()

    async def main() -> dict[str, Any]:
        sim = Sim(3, observer=events, discovery=DiscoveryPolicy())
        for i in range(3):
            sim.node(i).latency = 0.005
        await sim.cluster.start()
        await sim.load(callers=1, seconds=0.5)
        dead = sim.node(1)
        node = sim.cluster.nodes.get(endpoint(1))
        assert node is not None
        dead.dead = True
        before = node.attempts
        _, failed = await sim.load(callers=1, seconds=3.0)
        report: dict[str, Any] = {"failed": failed, "state": node.state}
        report["attempts_while_dead"] = node.attempts - before
        report["checks"] = dead.health_checks
        dead.dead = False
        served = dead.completed
        start = clock()
        while node.state != ACTIVE and clock() - start < 5.0:
            await sim.call()
        report["back_after"] = clock() - start
        await sim.load(callers=4, seconds=0.5)
        report["served_after"] = dead.completed - served
        await sim.cluster.close()
        return report

    report = simulate(main)
    print(f"\nshunned dead node: {report}")
    assert report["failed"] == 0
    assert report["attempts_while_dead"] < 5  # shunned: its attempts alone never eject it
    assert report["state"] == EJECTED and report["checks"] >= 5 - report["attempts_while_dead"]
    assert report["back_after"] <= 0.6  # one check round, not the 30 s ejection
    assert report["served_after"] > 50
    reasons = [reason for kind, _, reason in events.log if kind == "ejected"]
    assert reasons == ["5 consecutive failures for 30s"]
    assert events.log[-1][0] == "readmitted"


def test_a_node_that_failed_once_is_checked_and_tried_again_at_once_when_it_answers() -> None:
    """Without ejection too: its failure costs as a 1 s answer, which alone would keep P2C
    away from it for seconds; the passing health check resets its estimate."""

    async def main() -> dict[str, Any]:
        sim = Sim(3, ejection=None, retry=None, discovery=DiscoveryPolicy(check_interval=0.2))
        for i in range(3):
            sim.node(i).latency = 0.005
        await sim.cluster.start()
        node = sim.cluster.nodes.get(endpoint(1))
        assert node is not None
        sim.node(1).failing = lambda call: Unavailable("503", protocol="rest", sent=True)
        while not node.suspect:
            with contextlib.suppress(Unavailable):
                await sim.call()
        sim.node(1).failing = None
        report: dict[str, Any] = {"estimate": node.load.current(clock())}
        served = sim.node(1).completed
        await sim.load(callers=4, seconds=0.5)
        report["served_within_half_a_second"] = sim.node(1).completed - served
        report["checks"] = sim.node(1).health_checks
        await sim.cluster.close()
        return report

    report = simulate(main)
    assert report["estimate"] >= 1.0  # the failure's penalty
    assert report["checks"] >= 1
    assert report["served_within_half_a_second"] > 50


def test_a_node_passed_over_for_a_round_after_a_stall_is_checked_and_tried_again() -> None:
    """A stall of the client's process makes every answer in flight late: each node gets
    a peak, as long as the stall was when its last answer came. The node picked next
    forgets its peak within a few dozen answers; the other, unpicked, only with time.
    With two nodes in the balancer the cheaper wins every pair, so without the check
    the second goes unpicked for seconds (ln(0.3 s / 3 ms) of decay)."""

    def run(*, check: bool) -> dict[str, Any]:
        async def main() -> dict[str, Any]:
            interval = 0.2 if check else 1000.0
            policy = DiscoveryPolicy(check_interval=interval)
            sim = Sim(2, ejection=None, retry=None, discovery=policy)
            await sim.cluster.start()
            await sim.load(callers=8, seconds=0.2)
            first, second = (sim.cluster.nodes.get(endpoint(i)) for i in range(2))
            assert first is not None and second is not None
            first.load.observe(0.05, clock())  # the peaks the stall left
            second.load.observe(0.3, clock())
            counts = [len(sim.node(i).attempts) for i in range(2)]
            await sim.load(callers=8, seconds=0.6)
            report: dict[str, Any] = {
                "served": [len(sim.node(i).attempts) - counts[i] for i in range(2)],
                "checks": [sim.node(i).health_checks for i in range(2)],
            }
            await asyncio.sleep(1.0)  # an idle client: no node is passed over
            report["idle_checks"] = [sim.node(i).health_checks for i in range(2)]
            await sim.cluster.close()
            return report

        return simulate(main)

    without = run(check=False)
    assert without["served"][1] == 0  # the failure this guards against
    report = run(check=True)
    assert min(report["served"]) > 100, report  # both nodes serve within 0.6 s
    assert report["checks"][1] >= 1
    assert report["idle_checks"] == report["checks"]
