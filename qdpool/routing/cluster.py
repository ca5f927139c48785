"""``Cluster``: one client's view of several Qdrant nodes, and the work that keeps it current.

``connect()`` builds one when it is given several nodes or ``discover=True``::

    cluster = Cluster(parse_nodes(nodes), transports_for=open_transports, discover=True)
    chain = [..., Deadline(clock), *cluster.chain(resilience_chain(...)), attempt, auth]
    pipeline = Pipeline(chain, Dispatch(cluster.transports))
    await cluster.start()          # in Client.start()
    await cluster.close()          # in Client.close()

It owns the ``NodeSet``, each node's transports (made by the factory the client
passes in, so pools, TLS and the API key's transport settings stay the
client's), the balancer, the outlier ejector and the ``Route`` interceptor it
places in the chain. ``transports`` is the live mapping ``Dispatch`` reads:
nodes are added to it when their transports have started and removed only
after they have drained.

A background task, every ``DiscoveryPolicy.check_interval`` seconds:

* health-checks (``GET /`` over REST, else the gRPC health check, with the API
  key) each node whose last attempt failed, each node the balancer has passed over
  for a whole round while others answered, and each ejected node: a passing check
  resets an active node's latency estimate (the balancer, which shunned it, tries
  it again) or re-admits an ejected one; a failed check counts against the node
  (see ``Ejector.checked``);
* retries starting nodes whose transports could not start (a node down when the
  client started, or one that joined while down);
* with ``discover=True``, re-reads ``GET /cluster`` when due (periodically, and
  early after a failed attempt), adding nodes that joined and draining those that
  left.

``health()`` and ``describe()`` report each node's state for ``repr(client)``.
"""

from __future__ import annotations

import asyncio
import logging
import random as _random
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import InvalidInput, Unavailable
from qdpool.events import Observer
from qdpool.interceptors.auth import Auth
from qdpool.interceptors.breaker import Breaker
from qdpool.interceptors.concurrency import Concurrency
from qdpool.interceptors.fallback import Fallback
from qdpool.operations import CLUSTER_STATUS, HEALTH
from qdpool.operations.spec import Operation
from qdpool.pipeline import Interceptor
from qdpool.routing.balancer import Balancer, BalancerPolicy
from qdpool.routing.discovery import DiscoveryPolicy, RefreshSchedule, parse_peers
from qdpool.routing.ejection import EjectionPolicy, Ejector
from qdpool.routing.events import ClusterEvents
from qdpool.routing.interceptor import Route, RouteScope
from qdpool.routing.nodes import ACTIVE, DRAINING, EJECTED, STARTING, Node, NodeSet
from qdpool.sizing import size_node
from qdpool.transport.base import Transport

logger = logging.getLogger("qdpool.routing")

NodeSpec = str | tuple[str, str] | Endpoint
"""A node as ``connect()`` takes it: a REST URL, a ``(rest_url, grpc_url)`` pair, or an Endpoint."""
TransportFactory = Callable[[Endpoint], Mapping[str, Transport]]
"""Makes a node's transports, e.g. ``lambda e: {"rest": ..., "grpc": ...}`` (not yet started)."""

_DRAIN_POLL = 0.01


def parse_nodes(nodes: str | Endpoint | Sequence[NodeSpec]) -> list[Endpoint]:
    """The endpoints of ``nodes``, in order, without repeats; ``InvalidInput`` when malformed.

    For example ``["http://a:6333", ("http://b:6333", "http://b:7334")]``: two nodes, the
    second with its gRPC on port 7334.
    """
    # A lone (rest, grpc) pair at the top would read the same as two REST URLs, so the
    # top level is always a sequence of nodes: write [(rest, grpc)] for one paired node.
    items: Sequence[Any] = [nodes] if isinstance(nodes, str | Endpoint) else list(nodes)
    endpoints: list[Endpoint] = []
    for index, item in enumerate(items):
        if isinstance(item, Endpoint):
            endpoint = item
        elif isinstance(item, str):
            endpoint = Endpoint.from_urls(item)
        elif (
            isinstance(item, tuple | list)
            and len(item) == 2
            and all(isinstance(u, str) for u in item)
        ):
            endpoint = Endpoint.from_urls(item[0], item[1])
        else:
            raise InvalidInput(
                f"nodes[{index}]", "must be a REST URL or a (rest_url, grpc_url) pair"
            )
        if endpoint not in endpoints:
            endpoints.append(endpoint)
    if not endpoints:
        raise InvalidInput("nodes", "at least one node is needed")
    return endpoints


@dataclass(frozen=True, slots=True)
class NodeHealth:
    """One node's state, as ``Cluster.health()`` reports it.

    Attributes:
        endpoint: ``host:rest_port/grpc_port``.
        peer_id: Qdrant's peer id, when discovery told it.
        state: ``starting``, ``active``, ``ejected`` or ``draining``.
        in_flight: attempts on the wire to it now.
        latency: its peak-EWMA latency estimate in seconds (0 before any answer).
        attempts: attempts routed to it so far.
        failures: of those, the ones that counted against it.
        ejections: its current ejection count (the multiplier of the next ejection).
        ejected_for: seconds until its re-admission health check (0 unless ejected).
        reason: why it was last ejected, if it was.
    """

    endpoint: str
    peer_id: int | None
    state: str
    in_flight: int
    latency: float
    attempts: int
    failures: int
    ejections: int
    ejected_for: float
    reason: str

    def __str__(self) -> str:
        peer = f" peer {self.peer_id}" if self.peer_id is not None else ""
        text = (
            f"{self.endpoint}{peer} {self.state}: {self.latency * 1000:.1f}ms, "
            f"{self.in_flight} in flight, {self.attempts} attempts, {self.failures} failed"
        )
        if self.state == EJECTED:
            text += f", back in {self.ejected_for:.1f}s ({self.reason})"
        return text


class Cluster:
    """Several Qdrant nodes behind one client (see the module docstring)."""

    def __init__(
        self,
        nodes: Sequence[Endpoint],
        *,
        transports_for: TransportFactory,
        discover: bool = False,
        balancer: BalancerPolicy | None = None,
        ejection: EjectionPolicy | None = EjectionPolicy(),  # noqa: B008 (frozen value)
        discovery: DiscoveryPolicy | None = None,
        api_key: str | None = None,
        observer: Observer | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: _random.Random | None = None,
    ) -> None:
        if not nodes:
            raise InvalidInput("nodes", "at least one node is needed")
        for policy, kind in (
            (balancer, BalancerPolicy),
            (ejection, EjectionPolicy),
            (discovery, DiscoveryPolicy),
        ):
            if policy is not None and not isinstance(policy, kind):
                raise TypeError(f"expected a {kind.__name__} or None, not {type(policy).__name__}")
        self._given = list(dict.fromkeys(nodes))
        self._factory = transports_for
        self.discover = discover
        self.balancer_policy = balancer or BalancerPolicy()
        self.discovery_policy = discovery or DiscoveryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._observer = observer
        self._events = ClusterEvents(observer)
        self._auth = Auth(api_key) if api_key is not None else None
        self.nodes = NodeSet(self.balancer_policy)
        for endpoint in self._given:
            self.nodes.add(endpoint, static=True)
        self.transports: dict[Endpoint, dict[str, Transport]] = {}
        """Each serving node's started transports by protocol: what ``Dispatch`` reads."""
        self.balancer = Balancer(self.balancer_policy, rng)
        self.ejector = (
            Ejector(ejection, self.nodes, clock=clock, events=self._events)
            if ejection is not None
            else None
        )
        self.route: Route | None = None
        self._concurrency: Concurrency | None = None
        """The chain's concurrency limit, which ``_open_node`` sizes for each node."""
        self._schedule = RefreshSchedule(self.discovery_policy)
        self._next_start_retry = 0.0
        self._task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        """Drains and starts of discovered nodes, cancelled by ``close``."""
        self._starting: set[Node] = set()
        """Nodes whose transports are being started (never two starts at once)."""
        self._last_error: BaseException | None = None
        self._started = False
        self._closed = False

    # ------------------------------------------------------------ the chain

    def chain(self, resilience: Sequence[Interceptor]) -> list[Interceptor]:
        """``resilience`` (as ``resilience_chain`` made it) with routing in its place.

        ``RouteScope`` goes first (above retry), ``Route`` just above the breaker
        (or the concurrency limit, or at the end), and ``Fallback`` is dropped: the
        route chooses the protocol, reading the same breaker and fallback policy.
        """
        breaker = next((i for i in resilience if isinstance(i, Breaker)), None)
        fallback = next((i for i in resilience if isinstance(i, Fallback)), None)
        self._concurrency = next((i for i in resilience if isinstance(i, Concurrency)), None)
        route = Route(
            self.nodes,
            self.balancer,
            transports=self.transports,
            ejector=self.ejector,
            breaker=breaker,
            fallback=fallback.policy if fallback is not None else None,
            clock=self._clock,
            observer=self._observer,
            on_failure=self._node_failed,
        )
        self.route = route
        chain: list[Interceptor] = [RouteScope()]
        placed = False
        for interceptor in resilience:
            if interceptor is fallback:
                continue
            if not placed and isinstance(interceptor, Breaker | Concurrency):
                chain.append(route)
                placed = True
            chain.append(interceptor)
        if not placed:
            chain.append(route)
        return chain

    def _node_failed(self, node: Node) -> None:
        if self.discover:
            self._schedule.request()

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start every given node's transports; fails only when none of them starts.

        Nodes that do not start are retried in the background. With ``discover``,
        the peers are read once before this returns.
        """
        if self._closed:
            raise RuntimeError("cluster is closed")
        if self._started:
            return
        self._started = True
        try:
            await asyncio.gather(*(self._start_node(n) for n in self.nodes))
            if not self.nodes.in_state(ACTIVE):
                error = self._last_error
                raise Unavailable(
                    f"none of the {len(self.nodes)} nodes could be reached"
                    + (f"; last error: {error}" if error is not None else ""),
                    protocol="rest",
                    sent=False,
                ) from error
            if self.discover:
                if not any("rest" in t for t in self.transports.values()):
                    raise InvalidInput("discover", "discovery reads GET /cluster: it needs REST")
                await self.refresh()
                # Give the peers found a moment to start, so the first calls can use them;
                # one that does not answer in time (an address not reachable from here)
                # goes on starting in the background.
                starting = [t for t in self._background if t.get_name().startswith("start")]
                if starting:
                    await asyncio.wait(starting, timeout=self.discovery_policy.request_timeout)
        except BaseException:
            await self.close()
            raise
        self._task = asyncio.create_task(self._run(), name="qdpool cluster maintenance")

    async def close(self) -> None:
        """Stop the background work and close every node's transports. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        tasks = [t for t in (self._task, *self._background) if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._background.clear()
        transports = list(self.transports.values())
        self.transports.clear()
        for by_protocol in transports:
            await _close_all(by_protocol.values())

    async def _start_nodes(self, nodes: list[Node]) -> None:
        """Start nodes in the background; one whose transports cannot even be made is logged."""
        results = await asyncio.gather(
            *(self._start_node(n) for n in nodes), return_exceptions=True
        )
        for node, result in zip(nodes, results, strict=True):
            if isinstance(result, Exception):
                logger.error("qdpool: cannot make transports for %s: %s", node.endpoint, result)

    async def _start_node(self, node: Node) -> bool:
        """Make and start ``node``'s transports; on success it becomes active.

        The factory's own errors (a node it cannot make transports for) propagate:
        at ``start`` they are the caller's configuration error.
        """
        if node.state != STARTING or self._closed or node in self._starting:
            return node.state != STARTING
        self._starting.add(node)
        try:
            return await self._open_node(node)
        finally:
            self._starting.discard(node)

    async def _open_node(self, node: Node) -> bool:
        transports = dict(self._factory(node.endpoint))
        try:
            for transport in transports.values():
                await transport.start()
        except Exception as error:
            self._last_error = error
            logger.warning("qdpool: node %s did not start: %s", node.endpoint, error)
            await _close_all(transports.values())
            return False
        except BaseException:  # cancelled (the cluster is closing): leave nothing open
            await asyncio.shield(_close_all(transports.values()))
            raise
        if self._concurrency is not None and not self._closed:
            # Each node's limit from its own cores, before its first attempt: a node
            # added later by discovery must not serve with the fallback limit.
            await size_node(
                self._concurrency, node.endpoint, transports, auth=self._auth, clock=self._clock
            )
        if self._closed or node.endpoint not in self.nodes:
            await _close_all(transports.values())
            return False
        self.transports[node.endpoint] = transports
        node.state = ACTIVE
        self._events.added(
            str(node.endpoint), "given" if node.static else f"discovered peer {node.peer_id}"
        )
        return True

    # ------------------------------------------------------------ background work

    async def _run(self) -> None:
        interval = self.discovery_policy.check_interval
        while True:
            await self._sleep(interval)
            try:
                await self.tick()
            except Exception:
                logger.exception("qdpool: cluster maintenance failed; will try again")

    async def tick(self) -> None:
        """One round of background work (the task runs it every ``check_interval``)."""
        await self.check_nodes()
        now = self._clock()
        if self.nodes.in_state(STARTING) and now >= self._next_start_retry:
            self._next_start_retry = now + self.discovery_policy.min_refresh_interval
            await self._start_nodes(self.nodes.in_state(STARTING))
        if self.discover and self._schedule.due(self._clock()):
            await self.refresh()

    async def check_nodes(self) -> None:
        """Health-check the nodes the balancer shuns, and every ejected one.

        A node the balancer shuns gets no attempt (and so no news) for as long as its
        cost stays high: a dead node might never be ejected, a restarted one never
        tried. Two kinds are shunned: a node whose last attempt failed, and one passed
        over for a whole round while others answered. The second is what a stall of
        the client's own process leaves: every answer in flight during it comes late,
        so every node gets a peak; the node picked next forgets its peak within a few
        dozen answers (``BalancerPolicy.forget``), while the others, unpicked, forget
        theirs only with time, and with two nodes left in the balancer the same one
        wins every pair meanwhile (seen for over a second in a kill -9 test).

        A passing check of an active node resets its latency estimate, so the
        balancer tries it again at once; the ejector decides what a check means for
        an ejected node, and counts a failed check of an active one as a failure
        (``Ejector.checked``).
        """
        ejector = self.ejector
        nodes = self._shunned(self.nodes.in_state(ACTIVE))
        if ejector is not None:
            nodes += self.nodes.in_state(EJECTED)
        if not nodes:
            return
        results = await asyncio.gather(
            *(self._health_check(n.endpoint) for n in nodes), return_exceptions=True
        )
        for node, result in zip(nodes, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            error = result if isinstance(result, BaseException) else None
            if node.state == ACTIVE and error is None and node.load.samples:
                node.suspect = False
                node.load.reset()
            if ejector is not None:
                ejector.checked(node, error)

    def _shunned(self, active: Sequence[Node]) -> list[Node]:
        """The active nodes whose last attempt failed, or that no attempt reached for a round.

        "No attempt for a round": none in flight and no answer within the last
        ``check_interval``, while another node answered within it (an idle client
        checks nothing).
        """
        since = self._clock() - self.discovery_policy.check_interval
        others_answered = any(n.load.stamp >= since for n in active)
        return [
            n
            for n in active
            if n.suspect
            or (others_answered and not n.in_flight and n.load.samples and n.load.stamp < since)
        ]

    async def _health_check(self, endpoint: Endpoint) -> None:
        timeout = self.ejector.policy.health_check_timeout if self.ejector else 1.0
        await self._send_direct(endpoint, HEALTH, timeout)

    async def _send_direct(
        self, endpoint: Endpoint, operation: Operation[Any], timeout: float
    ) -> Any:
        """One request straight to a node's transport (with the key), outside the pipeline."""
        transports = self.transports.get(endpoint)
        if not transports:
            raise Unavailable(f"{endpoint} has no open transport", protocol="rest", sent=False)
        protocol = "rest" if "rest" in transports or operation.grpc_method is None else "grpc"
        transport = transports.get(protocol)
        if transport is None:
            raise Unavailable(f"{endpoint} has no {protocol} transport", protocol=protocol)
        call = Call(operation, None, protocol, None, None, self._clock() + timeout, endpoint)
        async with asyncio.timeout(timeout):
            if self._auth is not None:
                return await self._auth(call, transport.send)
            return await transport.send(call)

    # ------------------------------------------------------------ discovery

    async def refresh(self) -> bool:
        """Read the peers from one node (serving ones first), apply them; False if none answered."""
        order = [*self.nodes.in_state(ACTIVE), *self.nodes.in_state(EJECTED)]
        timeout = self.discovery_policy.request_timeout
        try:
            for node in order:
                if "rest" not in self.transports.get(node.endpoint, {}):
                    continue
                try:
                    result = await self._send_direct(node.endpoint, CLUSTER_STATUS, timeout)
                    found = parse_peers(result, node.endpoint)
                except Exception as error:
                    logger.info("qdpool: GET /cluster from %s failed: %s", node.endpoint, error)
                    continue
                await self._apply(found)
                return True
            logger.warning("qdpool: no node answered GET /cluster; the node set is unchanged")
            return False
        finally:
            self._schedule.done(self._clock())

    async def _apply(self, found: Mapping[Endpoint, int | None]) -> None:
        by_peer = {n.peer_id: n for n in self.nodes if n.peer_id is not None}
        seen: set[Node] = set()
        new: list[Node] = []
        for endpoint, peer_id in found.items():
            node = by_peer.get(peer_id) if peer_id is not None else None
            if node is None:
                node = self.nodes.get(endpoint)
                if node is None:
                    node = self.nodes.add(endpoint, peer_id=peer_id, static=False)
                    new.append(node)
                elif peer_id is not None and node.peer_id is None:
                    node.peer_id = peer_id
            seen.add(node)
        for node in self.nodes:
            if node not in seen and not node.static and node.state != DRAINING:
                self._drain(node, "left the cluster")
        if new:
            self._spawn(self._start_nodes(new), f"start {len(new)} discovered nodes")

    def _drain(self, node: Node, reason: str) -> None:
        """Take no new attempt to ``node``; close it once its attempts in flight end."""
        was_serving = node.state in (ACTIVE, EJECTED)
        node.state = DRAINING
        if not was_serving:
            self.nodes.remove(node)
            self._events.removed(str(node.endpoint), f"{reason} (never served)")
            return
        self._spawn(self._finish_drain(node, reason), f"drain {node.endpoint}")

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _finish_drain(self, node: Node, reason: str) -> None:
        deadline = self._clock() + self.discovery_policy.drain_timeout
        while node.in_flight > 0 and self._clock() < deadline:
            await self._sleep(_DRAIN_POLL)
        left = node.in_flight
        self.nodes.remove(node)
        transports = self.transports.get(node.endpoint)
        if transports is not None:
            # Closed before it leaves the map: if close() cancels this, it closes them too.
            await _close_all(transports.values())
            self.transports.pop(node.endpoint, None)
        note = f"{reason}; drained" if not left else f"{reason}; closed with {left} in flight"
        self._events.removed(str(node.endpoint), note)

    # ------------------------------------------------------------ reporting

    def health(self) -> list[NodeHealth]:
        """Every node's state, in the order the nodes became known."""
        now = self._clock()
        report = []
        for node in self.nodes:
            record = node.outlier
            report.append(
                NodeHealth(
                    endpoint=str(node.endpoint),
                    peer_id=node.peer_id,
                    state=node.state,
                    in_flight=node.in_flight,
                    latency=node.load.current(now),
                    attempts=node.attempts,
                    failures=node.failures,
                    ejections=record.ejections,
                    ejected_for=(
                        max(0.0, record.ejected_until - now) if node.state == EJECTED else 0.0
                    ),
                    reason=record.reason,
                )
            )
        return report

    def describe(self) -> str:
        """One line per node, e.g. ``127.0.0.1:6333/6334 peer 1 active: 1.2ms, 0 in flight``."""
        return "\n".join(str(h) for h in self.health())

    def __repr__(self) -> str:
        states = ", ".join(f"{h.endpoint} {h.state}" for h in self.health())
        kind = "discovered" if self.discover else "given"
        return f"<Cluster {len(self.nodes)} nodes ({kind}): {states}>"


async def _close_all(transports: Any) -> None:
    for transport in list(transports):
        try:
            await transport.aclose()
        except Exception:
            logger.exception("qdpool: closing %r failed", transport)
