"""A simulated Qdrant cluster for routing tests: virtual time, fake nodes, the real chain.

It runs on ``virtual_loop.VirtualTimeLoop``, whose clock jumps to the next timer
whenever nothing is ready to run, so ``asyncio.sleep(0.02)`` takes no real time
and a test simulates seconds of traffic in milliseconds, deterministically.
Every clock in a simulation is ``loop.time``.

``SimNode`` is one node: latency, failures, death, and a log of the attempts it
received. ``SimTransport`` is a node's transport over one protocol, as the
cluster's transport factory makes them; the ``Dispatch``-like terminal sends
each attempt through ``transports[call.endpoint][call.protocol]``.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, TypeVar

from virtual_loop import VirtualTimeLoop, run_virtual

from qdpool import operations as ops
from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import ClientClosed, Unavailable
from qdpool.events import NullObserver
from qdpool.interceptors.deadline import Deadline
from qdpool.interceptors.resilience import resilience_chain
from qdpool.pipeline import Pipeline
from qdpool.policies import (
    BreakerPolicy,
    ConcurrencyPolicy,
    FallbackPolicy,
    HedgePolicy,
    RetryBudgetPolicy,
    RetryPolicy,
)
from qdpool.routing.balancer import BalancerPolicy
from qdpool.routing.cluster import Cluster
from qdpool.routing.discovery import DiscoveryPolicy
from qdpool.routing.ejection import EjectionPolicy
from qdpool.telemetry import Telemetry
from qdpool.transport.base import Transport

T = TypeVar("T")

__all__ = ["Sim", "SimNode", "Terminal", "VirtualTimeLoop", "clock", "endpoint", "ops", "simulate"]


def simulate(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``main()`` to completion on a fresh virtual-time loop (``virtual_loop``)."""
    return run_virtual(main())


def clock() -> float:
    return asyncio.get_running_loop().time()


def endpoint(index: int) -> Endpoint:
    """Node ``index``'s endpoint: 127.0.0.<index+1>, the usual ports."""
    return Endpoint(f"127.0.0.{index + 1}")


class SimNode:
    """One simulated node: how it answers, and what it was sent."""

    def __init__(self, name: str, latency: float = 0.001) -> None:
        self.name = name
        self.latency = latency
        self.dead = False
        """Refuses connections: ``Unavailable(sent=False)`` at once."""
        self.failing: Callable[[Call], BaseException] | None = None
        """Answers every attempt with this error (after its latency)."""
        self.grpc_dead = False
        self.attempts: list[tuple[int, str, str]] = []
        """(attempt number, protocol, logical call number) of every attempt received."""
        self.completed = 0
        self.cancelled = 0
        self.in_flight = 0
        self.cluster_info: dict[str, Any] | Callable[[], dict[str, Any]] | None = None
        self.health_checks = 0

    async def answer(self, call: Call) -> Any:
        if call.operation is ops.HEALTH:
            self.health_checks += 1
        if self.dead or (call.protocol == "grpc" and self.grpc_dead):
            raise Unavailable(
                f"connection to {self.name} refused", protocol=call.protocol, sent=False
            )
        if call.operation is ops.HEALTH:
            return {"title": "sim"}
        if call.operation is ops.CLUSTER_STATUS:
            info = self.cluster_info
            if info is None:
                return {"status": "disabled"}
            return info() if callable(info) else info
        self.attempts.append((call.attempt, call.protocol, call.headers.get("x-call", "")))
        call.sent = True
        self.in_flight += 1
        try:
            await asyncio.sleep(self.latency)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1
        if self.dead:  # killed while the request was on it
            raise Unavailable(f"connection to {self.name} reset", protocol=call.protocol, sent=True)
        if self.failing is not None:
            raise self.failing(call)
        self.completed += 1
        return self.name

    def __repr__(self) -> str:
        return f"<SimNode {self.name} {len(self.attempts)} attempts>"


class SimTransport:
    """A node's transport over one protocol."""

    def __init__(self, node: SimNode, protocol: str) -> None:
        self.node = node
        self.protocol = protocol
        self.started = False
        self.closed = False

    async def start(self) -> None:
        if self.node.dead:
            raise Unavailable(f"{self.node.name} is down", protocol=self.protocol, sent=False)
        self.started = True

    async def send(self, call: Call) -> Any:
        if self.closed or not self.started:
            raise ClientClosed(f"{self.node.name} {self.protocol} transport is not open")
        return await self.node.answer(call)

    async def aclose(self) -> None:
        self.closed = True


class Terminal:
    """The pipeline's end, as ``Dispatch``: the call's endpoint and protocol pick the transport."""

    name = "transport"

    def __init__(self, transports: Mapping[Endpoint, Mapping[str, Transport]]) -> None:
        self.transports = transports
        self.attempts = 0

    def __call__(self, call: Call) -> Awaitable[Any]:
        self.attempts += 1
        return self.transports[call.endpoint][call.protocol].send(call)


class Sim:
    """A cluster of ``SimNode``s behind the real chain: retry, hedge, breaker, route, ..."""

    def __init__(
        self,
        count: int,
        *,
        protocols: tuple[str, ...] = ("rest", "grpc"),
        discover: bool = False,
        given: int | None = None,
        seeds: list[Endpoint] | None = None,
        balancer: BalancerPolicy | None = None,
        ejection: EjectionPolicy | None = EjectionPolicy(),  # noqa: B008
        discovery: DiscoveryPolicy | None = None,
        retry: RetryPolicy | None = RetryPolicy(),  # noqa: B008
        retry_budget: RetryBudgetPolicy | None = RetryBudgetPolicy(),  # noqa: B008
        breaker: BreakerPolicy | None = BreakerPolicy(),  # noqa: B008
        concurrency: ConcurrencyPolicy | None = None,
        hedge: HedgePolicy | None = None,
        fallback: FallbackPolicy | None = None,
        observer: Any = None,
        telemetry: Telemetry | None = None,
        seed: int = 7,
    ) -> None:
        self.sims: dict[Endpoint, SimNode] = {endpoint(i): SimNode(f"n{i}") for i in range(count)}
        self.made: list[SimTransport] = []
        self.calls = 0
        self.errors: Counter[str] = Counter()
        """Failed calls in ``load``, by error type."""
        """Logical calls made; each carries its number in an ``x-call`` header."""
        self.protocols = protocols
        self.observer = observer or NullObserver()
        rng = random.Random(seed)
        self.cluster = Cluster(
            seeds or list(self.sims)[: count if given is None else given],
            transports_for=self._transports_for,
            discover=discover,
            balancer=balancer,
            ejection=ejection,
            discovery=discovery,
            api_key="sim-key",
            observer=self.observer,
            clock=clock,
            rng=rng,
        )
        chain = resilience_chain(
            retry=retry,
            retry_budget=retry_budget,
            breaker=breaker,
            concurrency=concurrency,
            rate_limit=None,
            hedge=hedge,
            fallback=fallback,
            protocols=protocols,
            observer=self.observer,
            rng=rng,
            clock=clock,
        )
        self.chain = [Deadline(clock), *self.cluster.chain(chain)]
        if telemetry is not None:
            self.chain = [
                telemetry.call_interceptor,
                *self.chain,
                telemetry.attempt_interceptor,
            ]
        self.terminal = Terminal(self.cluster.transports)
        self.pipeline = Pipeline(self.chain, self.terminal)

    def _transports_for(self, endpoint: Endpoint) -> dict[str, Transport]:
        node = self.sims.get(endpoint)
        if node is None:
            node = self.sims[endpoint] = SimNode(f"n{len(self.sims)}")
        made = {p: SimTransport(node, p) for p in self.protocols}
        self.made.extend(made.values())
        return dict(made)

    def node(self, index: int) -> SimNode:
        return self.sims[endpoint(index)]

    async def call(
        self,
        operation: Any = ops.QUERY_POINTS,
        *,
        protocol: str = "rest",
        timeout: float = 2.0,
    ) -> Any:
        self.calls += 1
        call = Call(operation, "docs", protocol, {}, None, clock() + timeout, endpoint(0))
        call.headers["x-call"] = str(self.calls)
        return await self.pipeline(call)

    async def load(
        self,
        *,
        callers: int,
        seconds: float,
        operation: Any = ops.QUERY_POINTS,
        protocol: str = "rest",
        pause: float = 0.0,
    ) -> tuple[int, int]:
        """``callers`` loops of calls for ``seconds`` of virtual time: (succeeded, failed)."""
        end = clock() + seconds
        outcome = [0, 0]

        async def caller() -> None:
            while clock() < end:
                try:
                    await self.call(operation, protocol=protocol)
                    outcome[0] += 1
                except Exception as error:
                    outcome[1] += 1
                    self.errors[type(error).__name__] += 1
                if pause:
                    await asyncio.sleep(pause)
                else:
                    await asyncio.sleep(0)

        await asyncio.gather(*(caller() for _ in range(callers)))
        return outcome[0], outcome[1]
