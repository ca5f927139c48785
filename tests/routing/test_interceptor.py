"""Route: failover to another node, hedges to another node, protocol choice, shared budget."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from routing_sim import Sim, clock, ops, simulate

from qdpool.call import Call
from qdpool.errors import CircuitOpen, NotFound, RetryBudgetExhausted, Unavailable
from qdpool.events import NullObserver
from qdpool.policies import (
    BreakerPolicy,
    FallbackPolicy,
    HedgePolicy,
    RetryBudgetPolicy,
    RetryPolicy,
)
from qdpool.routing.balancer import BalancerPolicy
from qdpool.routing.interceptor import Route, RouteScope
from qdpool.telemetry import Telemetry

FAST_RETRY = RetryPolicy(base=0.01, cap=0.05)


def unavailable(call: Call) -> BaseException:
    return Unavailable("503 from the node", protocol=call.protocol, status=503, sent=True)


def nodes_of(sim: Sim, call_id: str | None = None) -> list[str]:
    """Node names in the order they received attempts (of one Call object, if given)."""
    seen = []
    for sim_node in sim.sims.values():
        for attempt, _protocol, ident in sim_node.attempts:
            if call_id is None or ident == call_id:
                seen.append((attempt, sim_node.name))
    return [name for _, name in sorted(seen)]


def test_chain_places_scope_above_retry_and_route_above_the_breaker_without_fallback() -> None:
    async def main() -> list[Any]:
        return Sim(2, hedge=HedgePolicy(), fallback=FallbackPolicy()).chain

    chain = simulate(main)
    names = [getattr(i, "name", type(i).__name__) for i in chain]
    assert names == ["deadline", "route scope", "retry", "hedge", "route", "breaker"]
    assert isinstance(chain[1], RouteScope) and isinstance(chain[4], Route)


def test_a_retry_after_a_failure_goes_to_another_node() -> None:
    async def main() -> None:
        sim = Sim(3, retry=FAST_RETRY, breaker=None)
        await sim.cluster.start()
        for i in range(3):
            sim.node(i).failing = unavailable
        for _ in range(10):
            with pytest.raises(Unavailable):
                await sim.call(timeout=5.0)
        # Every failed call tried all three nodes before coming back to any of them.
        for _attempt, _protocol, ident in sim.node(0).attempts:
            order = nodes_of(sim, ident)
            assert sorted(order[:3]) == ["n0", "n1", "n2"], order
        await sim.cluster.close()

    simulate(main)


def test_a_failed_node_is_avoided_and_calls_succeed_elsewhere() -> None:
    async def main() -> tuple[int, int]:
        sim = Sim(3, retry=FAST_RETRY, ejection=None)
        await sim.cluster.start()
        sim.node(1).failing = unavailable
        ok, failed = await sim.load(callers=4, seconds=1.0)
        retried_elsewhere = 0
        for _attempt, _protocol, ident in sim.node(1).attempts:
            order = nodes_of(sim, ident)
            assert order[0] == "n1" and len(order) >= 2 and order[1] != "n1"
            retried_elsewhere += 1
        await sim.cluster.close()
        assert failed == 0
        return ok, retried_elsewhere

    ok, retried = simulate(main)
    print(f"\none failing node: {ok} calls ok, {retried} retried on another node")
    assert retried >= 1


def test_an_unsent_failure_may_return_to_the_same_node() -> None:
    """A refused connection leaves the node allowed (nothing was sent); the cost decides."""

    async def main() -> list[str]:
        sim = Sim(1, retry=FAST_RETRY, breaker=None, ejection=None)
        await sim.cluster.start()
        node = sim.node(0)
        refusals = 0

        async def answer(call: Call) -> Any:
            nonlocal refusals
            if refusals < 2:
                refusals += 1
                raise Unavailable("refused", protocol=call.protocol, sent=False)
            return "ok"

        node.answer = answer  # type: ignore[method-assign]
        # A non-idempotent call: retried only because nothing was sent.
        result = await sim.call(ops.CREATE_COLLECTION)
        await sim.cluster.close()
        return [result, str(refusals)]

    assert simulate(main) == ["ok", "2"]


def test_a_non_idempotent_call_that_may_have_been_sent_is_not_retried_anywhere() -> None:
    async def main() -> int:
        sim = Sim(3, retry=FAST_RETRY)
        await sim.cluster.start()
        for i in range(3):
            sim.node(i).failing = unavailable
        with pytest.raises(Unavailable):
            await sim.call(ops.CREATE_COLLECTION)
        await sim.cluster.close()
        return sum(len(n.attempts) for n in sim.sims.values())

    assert simulate(main) == 1


def test_a_hedge_goes_to_another_node_than_its_primary() -> None:
    async def main() -> dict[str, list[str]]:
        hedge = HedgePolicy(delay=0.005, max_extra_load=1.0, max_burst=1000)
        sim = Sim(3, hedge=hedge)
        await sim.cluster.start()
        for i in range(3):
            sim.node(i).latency = 0.02  # every primary is slow enough to be hedged
        for _ in range(60):
            await sim.call()
        by_call: dict[str, list[str]] = {}
        for sim_node in sim.sims.values():
            for _attempt, _protocol, call_number in sim_node.attempts:
                by_call.setdefault(call_number, []).append(sim_node.name)
        await sim.cluster.close()
        return by_call

    by_call = simulate(main)
    assert len(by_call) == 60
    assert all(len(names) == 2 for names in by_call.values())  # each read was hedged once
    assert all(len(set(names)) == 2 for names in by_call.values())  # on another node


def test_with_two_nodes_each_hedge_takes_the_node_its_primary_is_not_on() -> None:
    async def main() -> list[list[str]]:
        hedge = HedgePolicy(delay=0.005, max_extra_load=1.0, max_burst=1000)
        sim = Sim(2, hedge=hedge)
        await sim.cluster.start()
        sim.node(0).latency = sim.node(1).latency = 0.02
        for _ in range(20):
            await sim.call()
        await sim.cluster.close()
        by_call: dict[str, list[str]] = {}
        for sim_node in sim.sims.values():
            for attempt, _protocol, call_number in sim_node.attempts:
                by_call.setdefault(call_number, []).append(f"{attempt}:{sim_node.name}")
        return [sorted(names) for names in by_call.values()]

    for names in simulate(main):
        assert len(names) == 2 and {n[2:] for n in names} == {"n0", "n1"}, names


def test_with_fallback_a_node_whose_grpc_breaker_is_open_is_reached_over_rest() -> None:
    class Events(NullObserver):
        def __init__(self) -> None:
            self.fallbacks: list[tuple[str, str]] = []

        def on_fallback(self, call: Call, from_protocol: str, to_protocol: str) -> None:
            self.fallbacks.append((from_protocol, to_protocol))

    async def main() -> tuple[list[str], Events]:
        events = Events()
        sim = Sim(1, fallback=FallbackPolicy(), observer=events)
        await sim.cluster.start()
        sim.node(0).grpc_dead = True
        protocols = []
        for _ in range(5):
            await sim.call(protocol="grpc")
            protocols.append(sim.node(0).attempts[-1][1])
        await sim.cluster.close()
        return protocols, events

    protocols, events = simulate(main)
    assert protocols == ["rest"] * 5
    assert events.fallbacks and set(events.fallbacks) == {("grpc", "rest")}


def test_without_fallback_a_node_whose_breaker_is_open_is_skipped() -> None:
    async def main() -> tuple[list[int], type[BaseException] | None]:
        breaker = BreakerPolicy(minimum_calls=5, open_duration=60.0)
        sim = Sim(2, breaker=breaker, retry=None, ejection=None)
        await sim.cluster.start()
        sim.node(0).failing = unavailable
        for _ in range(40):
            with contextlib.suppress(Unavailable):
                await sim.call()
        before = [len(sim.node(i).attempts) for i in range(2)]
        for _ in range(20):
            assert await sim.call() == "n1"
        after = [len(sim.node(i).attempts) for i in range(2)]
        # Both breakers open: the breaker refuses at once, as on one node.
        sim.node(1).failing = unavailable
        error: type[BaseException] | None = None
        for _ in range(150):
            try:
                await sim.call()
            except (Unavailable, CircuitOpen) as exc:
                error = type(exc)
        await sim.cluster.close()
        return [after[0] - before[0], after[1] - before[1]], error

    moved, last = simulate(main)
    assert moved == [0, 20]
    assert last is CircuitOpen


def test_a_4xx_is_not_failed_over_and_counts_as_an_answer() -> None:
    async def main() -> int:
        sim = Sim(3)
        await sim.cluster.start()
        for i in range(3):
            sim.node(i).failing = lambda call: NotFound("no", protocol="rest", status=404)
        with pytest.raises(NotFound):
            await sim.call()
        await sim.cluster.close()
        assert all(n.state == "active" for n in sim.cluster.nodes)
        return sum(len(n.attempts) for n in sim.sims.values())

    assert simulate(main) == 1


@pytest.mark.parametrize(
    ("budget", "bound"),
    [
        (RetryBudgetPolicy(min_per_second=0.0), lambda calls: calls * 1.2),
        (RetryBudgetPolicy(), lambda calls: calls * 1.2 + 10.0 * 10.0),
    ],
    ids=["ratio only", "default with floor"],
)
def test_every_node_failing_keeps_attempts_within_the_shared_budget(
    budget: Any, bound: Any
) -> None:
    async def main() -> tuple[int, int, int]:
        sim = Sim(3, retry=RetryPolicy(base=0.01, cap=0.1), retry_budget=budget, breaker=None)
        await sim.cluster.start()
        for i in range(3):
            sim.node(i).failing = unavailable
        calls = exhausted = 0
        end = clock() + 5.0

        async def caller() -> None:
            nonlocal calls, exhausted
            while clock() < end:
                calls += 1
                try:
                    await sim.call(timeout=1.0)
                except RetryBudgetExhausted:
                    exhausted += 1
                except (Unavailable, CircuitOpen):
                    pass
                await asyncio.sleep(0.01)

        await asyncio.gather(*(caller() for _ in range(8)))
        await sim.cluster.close()
        return calls, sim.terminal.attempts, exhausted

    calls, attempts, exhausted = simulate(main)
    print(f"\nevery node failing: {calls} calls, {attempts} attempts, {attempts / calls:.3f}/call")
    assert exhausted > 0
    assert attempts <= bound(calls)


def test_each_attempt_span_names_the_node_it_went_to() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    async def main() -> list[str]:
        telemetry = Telemetry(tracer_provider=provider, meter_provider=MeterProvider())
        sim = Sim(
            3,
            retry=FAST_RETRY,
            breaker=None,
            telemetry=telemetry,
            balancer=BalancerPolicy(strategy="round_robin"),
        )
        await sim.cluster.start()
        sim.node(1).failing = unavailable  # round-robin's first pick; the retry: the next
        assert await sim.call() == "n2"
        await sim.cluster.close()
        return nodes_of(sim)

    order = simulate(main)
    attempts = [s for s in exporter.get_finished_spans() if s.name.startswith("POST")]
    assert order == ["n1", "n2"] and len(attempts) == 2
    hosts = {f"n{i}": f"127.0.0.{i + 1}" for i in range(3)}
    for span, name in zip(attempts, order, strict=True):
        attributes = span.attributes or {}
        assert attributes["server.address"] == hosts[name]
        assert attributes["network.peer.address"] == hosts[name]
        assert attributes["server.port"] == attributes["network.peer.port"] == 6333
