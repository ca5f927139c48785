"""``Route``: chooses the node and the protocol of every attempt, and learns from its outcome.

It sits below the hedge and above the breaker and concurrency limit::

    deadline → route scope → retry → hedge → rate limit → route → breaker → concurrency → ...

so every attempt (the first, each retry, each hedge) is routed on its own, and
the breaker and limit below it apply to the node it chose. For each attempt:

1. **Candidates**: the active nodes (every serving node in panic mode, see
   ``ejection``), each with the protocol it would be reached over: the call's
   own, unless that node's breaker for it is open; with a ``FallbackPolicy``
   a gRPC attempt may go over REST to a node whose gRPC is down (breaker open, or
   a connection to it failed less than ``recheck_after`` ago). The protocol
   fallback of a single node is thus part of the routing decision: a node is
   skipped only when no protocol of it may be used.
2. **Failover**: a node is left out when an earlier attempt of the same call
   failed on it after the request may have reached it (a call that provably never
   left the client, ``error.sent is False``, may go anywhere; whether a call is
   retried at all is still the retry interceptor's decision, so a non-idempotent
   call is only ever retried when unsent), and a hedge leaves out the node its
   primary is in flight on. When that would leave nobody, those nodes are
   allowed again.
3. **Balance**: the balancer picks among what remains.
4. **Record**: the node's in-flight count covers the attempt; its latency (a
   failure counting as at least ``failure_penalty``) feeds the balancer, its
   outcome feeds outlier detection, and a failure asks discovery for an early
   refresh.

A gRPC attempt that failed without reaching the server (``sent=False``) is
re-sent at once over the routing decision's next choice when fallback is on:
nothing was sent, so it is not a retry and costs no retry budget.

The memory of one logical call (which nodes failed, which are busy) lives in a
context variable that ``RouteScope``, placed above retry, sets per call: the
retry loop reuses the same ``Call`` while a hedge works on a copy, and both see
the same scope (the hedge's tasks run in copies of the caller's context).
Without ``RouteScope`` routing works but retries may return to the same node.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from qdpool.call import Call
from qdpool.classify import SUCCESS, THROTTLED, classify
from qdpool.endpoint import Endpoint
from qdpool.errors import Unavailable
from qdpool.events import NULL_OBSERVER, Observer
from qdpool.interceptors.breaker import Breaker, CircuitBreaker
from qdpool.pipeline import Handler
from qdpool.policies import FallbackPolicy
from qdpool.routing.balancer import Balancer
from qdpool.routing.ejection import Ejector
from qdpool.routing.nodes import ACTIVE, EJECTED, Node, NodeSet
from qdpool.transport.base import Transport

_GRPC, _REST = "grpc", "rest"


class _Scope:
    """What the router remembers about one logical call."""

    __slots__ = ("busy", "failed", "protocol")

    def __init__(self) -> None:
        self.failed: list[Node] = []
        """Nodes where an attempt of this call failed after it may have been sent."""
        self.busy: list[Node] = []
        """Nodes with an attempt of this call in flight (a hedge's primary)."""
        self.protocol: str | None = None
        """The protocol the call asked for (an attempt may have moved to the other)."""


_SCOPE: ContextVar[_Scope | None] = ContextVar("qdpool_route_scope", default=None)


class RouteScope:
    """Gives each logical call its own routing memory; place it above retry."""

    name = "route scope"
    __slots__ = ()

    async def __call__(self, call: Call, next: Handler) -> Any:
        token = _SCOPE.set(_Scope())
        try:
            return await next(call)
        finally:
            _SCOPE.reset(token)

    def __repr__(self) -> str:
        return "RouteScope()"


class Route:
    """The interceptor: routes each attempt to a node and protocol (see the module docstring)."""

    name = "route"
    __slots__ = (
        "_balancer",
        "_breaker",
        "_clock",
        "_ejector",
        "_fallback",
        "_gate_cache",
        "_grpc_down",
        "_nodes",
        "_observer",
        "_on_failure",
        "_penalty",
        "_transports",
        "fallbacks",
    )

    def __init__(
        self,
        nodes: NodeSet,
        balancer: Balancer,
        *,
        transports: Mapping[Endpoint, Mapping[str, Transport]],
        ejector: Ejector | None = None,
        breaker: Breaker | None = None,
        fallback: FallbackPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        observer: Observer | None = None,
        on_failure: Callable[[Node], None] | None = None,
    ) -> None:
        self._nodes = nodes
        self._balancer = balancer
        self._penalty = balancer.policy.failure_penalty
        self._transports = transports
        self._ejector = ejector
        self._breaker = breaker
        self._fallback = fallback
        self._clock = clock
        self._observer = observer or NULL_OBSERVER
        self._on_failure = on_failure
        self._grpc_down: dict[Node, float] = {}
        self._gate_cache: dict[Node, dict[str, CircuitBreaker | None]] = {}
        self.fallbacks = 0
        """Attempts sent over REST instead of gRPC."""

    # ------------------------------------------------------------ choosing

    def _gates(self, node: Node) -> dict[str, CircuitBreaker | None]:
        """The protocols ``node`` has transports for, each with its breaker (cached per node)."""
        gates = self._gate_cache.get(node)
        if gates is None:
            transports = self._transports.get(node.endpoint)
            if not transports:
                return {}
            breaker = self._breaker
            gates = {
                p: breaker.get(node.endpoint, p) if breaker is not None else None
                for p in transports
            }
            if len(self._gate_cache) > 4 * len(self._nodes) + 16:
                self._gate_cache.clear()  # drop nodes that left long ago
            self._gate_cache[node] = gates
        return gates

    def _open(self, node: Node, protocol: str, gate: CircuitBreaker | None, now: float) -> bool:
        if protocol == _GRPC and self._grpc_down:
            until = self._grpc_down.get(node)
            if until is not None:
                if now < until:
                    return False
                del self._grpc_down[node]
        return gate is None or gate.allows()

    def protocol_for(self, node: Node, preferred: str, now: float) -> str | None:
        """The protocol an attempt to ``node`` would use now, or None if none may be used."""
        gates = self._gates(node)
        if preferred in gates and self._open(node, preferred, gates[preferred], now):
            return preferred
        if (
            self._fallback is not None
            and preferred == _GRPC
            and _REST in gates
            and self._open(node, _REST, gates[_REST], now)
        ):
            return _REST
        return None

    def choose(self, preferred: str, scope: _Scope | None, now: float) -> tuple[Node, str]:
        """The node and protocol for the next attempt of a call that asked for ``preferred``."""
        ejector = self._ejector
        candidates = (
            ejector.candidates() if ejector is not None else self._nodes.in_state(ACTIVE, EJECTED)
        )
        protocols: dict[Node, str] = {}
        for node in candidates:
            protocol = self.protocol_for(node, preferred, now)
            if protocol is not None:
                protocols[node] = protocol
        options = list(protocols)
        if not options:
            # Every node refuses the protocol (all breakers open): let the breaker below
            # refuse the attempt at once, as it would on a single node.
            options = [n for n in candidates if preferred in self._gates(n)]
            if not options:
                raise Unavailable(
                    f"no node of the cluster can take a {preferred} attempt now "
                    f"({len(self._nodes)} known, none serving)",
                    protocol=preferred,
                    sent=False,
                )
            protocols = dict.fromkeys(options, preferred)
        pool = options
        if scope is not None and (scope.failed or scope.busy):
            pool = [n for n in options if n not in scope.failed and n not in scope.busy]
            if not pool:
                pool = [n for n in options if n not in scope.busy] or options
        node = self._balancer.pick(pool, now, options)
        return node, protocols[node]

    # ------------------------------------------------------------ the attempt

    async def __call__(self, call: Call, next: Handler) -> Any:
        scope = _SCOPE.get()
        preferred = call.protocol
        if scope is not None:
            if scope.protocol is None:
                scope.protocol = preferred
            else:
                preferred = scope.protocol
        clock = self._clock
        resent = False
        while True:
            node, protocol = self.choose(preferred, scope, clock())
            if protocol != preferred:
                self.fallbacks += 1
                self._observer.on_fallback(call, preferred, protocol)
            call.endpoint = node.endpoint
            call.protocol = protocol
            node.in_flight += 1
            node.attempts += 1
            if scope is not None:
                scope.busy.append(node)
            start = clock()
            try:
                result = await next(call)
            except asyncio.CancelledError:
                # A hedge's loser (or a cancelled caller) would have taken at least this
                # long: a lower bound, news only when above the estimate. (Counted as a
                # sample, a hedge cancelled just after it started would make its node
                # look fast.)
                now = clock()
                if now - start > node.load.current(now):
                    node.load.observe(now - start, now)
                raise
            except Exception as error:
                self._record_failure(node, error, clock() - start, scope)
                if (
                    self._fallback is not None
                    and protocol == _GRPC
                    and not resent
                    and isinstance(error, Unavailable)
                    and error.sent is False
                ):
                    # Nothing reached the server: re-route at once, gRPC to this node is down.
                    self._grpc_down[node] = clock() + self._fallback.recheck_after
                    resent = True
                    continue
                raise
            else:
                now = clock()
                node.load.observe(now - start, now)
                if node.suspect:
                    node.suspect = False
                if self._ejector is not None:
                    self._ejector.record(node, SUCCESS, now)
                return result
            finally:
                node.in_flight -= 1
                if scope is not None:
                    scope.busy.remove(node)
                call.protocol = preferred

    def _record_failure(
        self, node: Node, error: BaseException, elapsed: float, scope: _Scope | None
    ) -> None:
        outcome = classify(error)
        now = self._clock()
        if (outcome.counted and outcome.failure) or outcome is THROTTLED:
            node.load.observe(max(elapsed, self._penalty), now)
        elif outcome.counted:
            node.load.observe(elapsed, now)  # the node answered (a 4xx): a response like any
        if outcome.counted and outcome.failure:
            node.failures += 1
            node.suspect = True
            if self._on_failure is not None:
                self._on_failure(node)
        if self._ejector is not None:
            self._ejector.record(node, outcome, now)
        if scope is not None and getattr(error, "sent", None) is not False:
            scope.failed.append(node)

    def __repr__(self) -> str:
        return f"Route({self._balancer!r}, {len(self._nodes)} nodes, {self.fallbacks} fallbacks)"
