"""Chaos: a server failing everything, killed with SIGKILL and restarted, and a gRPC-only outage.

* With every request failing, the retry budget keeps attempts at or under
  ``calls x (1 + ratio)`` (plus the budget's per-second floor when it has one);
  without a budget the same load costs five attempts a call.
* A server process killed with ``kill -9`` mid-traffic and restarted on the same
  data directory (``--path``): the breaker opens under the dead server (calls
  fail fast with ``CircuitOpen``, and nothing reaches the network), closes once
  it is back, and every write the client was told had succeeded is still there.
* gRPC alone goes down: with fallback on, calls go over REST meanwhile and
  return to gRPC when it recovers.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from chaos_support import FaultProxy

import qdpool
from qdpool.call import Call
from qdpool.embedded import EmbeddedProcess, FaultRule
from qdpool.events import NullObserver

DIM = 4


class Events(NullObserver):
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.states: list[tuple[str, str, str]] = []

    def on_retry_budget_exhausted(self, call: Call) -> None:
        self.counts["budget_exhausted"] += 1

    def on_breaker_rejected(self, call: Call) -> None:
        self.counts["rejected"] += 1

    def on_breaker_state(self, endpoint: str, protocol: str, old: str, new: str) -> None:
        self.states.append((protocol, old, new))

    def on_fallback(self, call: Call, from_protocol: str, to_protocol: str) -> None:
        self.counts["fallback"] += 1


def vector(i: int) -> list[float]:
    rng = random.Random(i)
    return [round(rng.uniform(-1, 1), 4) for _ in range(DIM)]


# ------------------------------------------------------------ the retry budget


async def hammer(client: qdpool.Client, calls: int, workers: int = 20) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    queue = list(range(calls))

    async def work() -> None:
        while queue:
            i = queue.pop()
            try:
                await client.count("budget", protocol=("rest", "grpc")[i % 2])
                outcomes["ok"] += 1
            except qdpool.QdpoolError as exc:
                outcomes[type(exc).__name__] += 1

    await asyncio.gather(*(work() for _ in range(workers)))
    return outcomes


@pytest.mark.parametrize(
    ("budget", "calls"),
    [
        (qdpool.RetryBudgetPolicy(), 1500),  # the default: 20% + 10 retries/s
        (qdpool.RetryBudgetPolicy(min_per_second=0), 600),  # no floor: 20% exactly
        (None, 200),  # switched off, for contrast
    ],
    ids=["default", "no-floor", "off"],
)
async def test_retry_budget_bounds_attempts_when_everything_fails(
    server_factory: Any, budget: qdpool.RetryBudgetPolicy | None, calls: int
) -> None:
    server = await server_factory(fault_seed=5)
    events = Events()
    client = qdpool.connect(
        server.rest_url,
        grpc_url=server.grpc_url,
        api_key=None,
        retry=qdpool.RetryPolicy(base=0.0005, cap=0.001),  # quick; the budget is what bounds
        retry_budget=budget,
        breaker=None,  # the breaker would cut attempts further: test the budget alone
        concurrency=qdpool.ConcurrencyPolicy(limit=64),
        observer=events,
    )
    async with client:
        await client.create_collection("budget", size=DIM)
        server.faults.add(FaultRule.outage(duration=600, status=503))
        started = time.monotonic()
        outcomes = await hammer(client, calls)
        elapsed = time.monotonic() - started
    attempts = server.faults.injected_count(kind="outage")
    print(
        f"\nbudget {budget}: {calls} calls, {attempts} attempts "
        f"({attempts / calls:.3f} per call) in {elapsed:.2f}s; {dict(outcomes)}"
    )
    assert outcomes["ok"] == 0
    if budget is None:
        assert attempts == calls * 5
        return
    floor = budget.min_per_second * budget.ttl
    assert attempts <= calls * (1 + budget.ratio) + floor
    assert attempts >= calls * (1 + budget.ratio) * 0.95  # the budget is spent, not hoarded
    assert outcomes["RetryBudgetExhausted"] == events.counts["budget_exhausted"] > 0
    if budget.min_per_second == 0:
        assert attempts <= calls * (1 + budget.ratio) + 1


# ------------------------------------------------------------ kill -9 and restart


@pytest.mark.timeout(90)
async def test_breaker_and_durability_across_kill_and_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process = EmbeddedProcess(path=data)
    await process.start()
    rest_port = int(process.rest_url.rsplit(":", 1)[1])
    grpc_port = int(process.grpc_url.rsplit(":", 1)[1])
    rest = await FaultProxy(("127.0.0.1", rest_port)).start()
    grpc = await FaultProxy(("127.0.0.1", grpc_port)).start()
    events = Events()
    # A short window, so the successes from before the kill age out quickly; the
    # breaker opens once failures are half of what the window holds.
    breaker = qdpool.BreakerPolicy(minimum_calls=10, window=2, open_duration=0.5)
    client = qdpool.connect(
        rest.url,
        grpc_url=grpc.url,
        api_key=None,
        timeout=2.0,
        retry=qdpool.RetryPolicy(per_try_timeout=0.5),
        breaker=breaker,
        observer=events,
    )
    acked: dict[int, str] = {}
    ambiguous: set[int] = set()
    outcomes: Counter[str] = Counter()
    worst_overrun = 0.0
    phase = {"name": "up"}

    async def writer(client: qdpool.Client, w: int) -> None:
        nonlocal worst_overrun
        for seq in range(1, 10_000):
            if phase["name"] == "done":
                return
            pid = w * 100_000 + seq
            protocol = ("rest", "grpc")[seq % 2]
            point = {"id": pid, "vector": vector(pid), "payload": {"tag": f"t{pid}"}}
            start = time.monotonic()
            try:
                await client.upsert("durable", [point], protocol=protocol)
                acked[pid] = f"t{pid}"
                outcomes[f"{phase['name']}:ok"] += 1
            except qdpool.CircuitOpen:
                outcomes[f"{phase['name']}:circuit_open"] += 1
                await asyncio.sleep(0.02)
            except qdpool.QdpoolError as exc:
                ambiguous.add(pid)
                outcomes[f"{phase['name']}:{type(exc).__name__}"] += 1
                await asyncio.sleep(0.02)
            worst_overrun = max(worst_overrun, time.monotonic() - start - 2.0)

    async with client:
        await client.create_collection("durable", size=DIM, distance="Dot")
        writers = [asyncio.create_task(writer(client, w)) for w in range(8)]
        await asyncio.sleep(0.5)
        assert len(acked) > 50

        # kill -9 mid-traffic: the breaker opens on both protocols
        process.kill()
        assert await process.wait(10) == -9
        phase["name"] = "dead"
        for _ in range(250):
            if {("rest", "closed", "open"), ("grpc", "closed", "open")} <= set(events.states):
                break
            await asyncio.sleep(0.02)
        assert ("rest", "closed", "open") in events.states
        assert ("grpc", "closed", "open") in events.states
        # while open, calls fail fast and nothing goes on the network
        accepted = rest.counts["accepted"] + grpc.counts["accepted"]
        start = time.monotonic()
        with pytest.raises(qdpool.CircuitOpen):
            await client.count("durable")
        assert time.monotonic() - start < 0.05
        assert rest.counts["accepted"] + grpc.counts["accepted"] == accepted
        await asyncio.sleep(0.6)  # half-open probes meet a dead server: open again

        # restart on the same data directory, behind the same addresses
        restarted = EmbeddedProcess(path=data)
        await restarted.start()
        rest.target = ("127.0.0.1", int(restarted.rest_url.rsplit(":", 1)[1]))
        grpc.target = ("127.0.0.1", int(restarted.grpc_url.rsplit(":", 1)[1]))
        phase["name"] = "restarted"
        recovered_at = time.monotonic()
        for _ in range(300):
            if outcomes["restarted:ok"] > 20 and all(
                (p, "half_open", "closed") in events.states for p in ("rest", "grpc")
            ):
                break
            await asyncio.sleep(0.02)
        recovery = time.monotonic() - recovered_at
        phase["name"] = "done"
        await asyncio.gather(*writers)
        assert ("rest", "half_open", "closed") in events.states
        assert ("grpc", "half_open", "closed") in events.states

        # every acknowledged write survived the SIGKILL
        present = {r.id: r async for r in client.scroll_all("durable", page_size=1000)}
        count = await client.count("durable")
    lost = [pid for pid in acked if pid not in present]
    wrong = [
        pid for pid, tag in acked.items() if pid in present and present[pid].payload != {"tag": tag}
    ]
    unexplained = [pid for pid in present if pid not in acked and pid not in ambiguous]
    await restarted.close()
    del client
    for _ in range(100):
        if rest.open_connections == 0 and grpc.open_connections == 0:
            break
        await asyncio.sleep(0.02)
    open_after_close = rest.open_connections + grpc.open_connections
    await rest.close()
    await grpc.close()
    print(
        f"\nkill -9: acknowledged {len(acked)}, ambiguous {len(ambiguous)}, present "
        f"{len(present)}, lost {len(lost)}; outcomes {dict(outcomes)}; breaker "
        f"{events.states}; rejected {events.counts['rejected']}; recovered in {recovery:.2f}s; "
        f"worst deadline overrun {worst_overrun * 1000:.1f} ms"
    )
    assert lost == [] and wrong == [] and unexplained == []
    assert count == len(present)
    assert outcomes["dead:circuit_open"] > 0 and outcomes["restarted:ok"] > 20
    assert worst_overrun <= 0.1
    assert open_after_close == 0


# ------------------------------------------------------------ gRPC down, REST up


async def test_fallback_to_rest_while_grpc_is_down(server_factory: Any) -> None:
    server = await server_factory()
    grpc = await FaultProxy(("127.0.0.1", server.grpc_port)).start()
    events = Events()
    client = qdpool.connect(
        server.rest_url,
        grpc_url=grpc.url,
        api_key=None,
        protocol="grpc",
        fallback=qdpool.FallbackPolicy(recheck_after=0.2),
        breaker=qdpool.BreakerPolicy(minimum_calls=5, open_duration=0.3, half_open_probes=1),
        observer=events,
    )
    failures: Counter[str] = Counter()

    async def reads(n: int) -> None:
        for i in range(n):
            try:
                await client.retrieve("fb", [i % 20], timeout=1.0)
            except qdpool.QdpoolError as exc:
                failures[type(exc).__name__] += 1

    async with client:
        await client.create_collection("fb", size=DIM)
        await client.upsert("fb", [{"id": i, "vector": vector(i)} for i in range(20)])
        await reads(50)
        grpc_before = server.faults.served_count(protocol="grpc")
        rest_before = server.faults.served_count(protocol="rest")
        grpc.outage()
        await asyncio.gather(*(reads(50) for _ in range(4)))
        during_grpc = server.faults.served_count(protocol="grpc") - grpc_before
        during_rest = server.faults.served_count(protocol="rest") - rest_before
        grpc.recover()
        await asyncio.sleep(0.4)  # past recheck_after and the breaker's open_duration
        grpc_mark = server.faults.served_count(protocol="grpc")
        await reads(50)
        after_grpc = server.faults.served_count(protocol="grpc") - grpc_mark
    await grpc.close()
    print(
        f"\nfallback: during the gRPC outage {during_rest} REST / {during_grpc} gRPC requests "
        f"served, {events.counts['fallback']} fallbacks; after recovery {after_grpc} of 50 "
        f"over gRPC; breaker {events.states}; failures {dict(failures)}"
    )
    assert failures == Counter()  # every read succeeded, over one protocol or the other
    assert during_grpc == 0 and during_rest >= 200
    assert events.counts["fallback"] >= 200
    assert after_grpc >= 49  # back on gRPC
