"""The node set: every Qdrant node the client knows, each with its own state.

A ``Node`` is an ``Endpoint`` plus what the router learns about it: whether it
serves (its ``state``), how many of our attempts it holds (``in_flight``), its
latency estimate (``load``, for the balancer) and its failure record
(``outlier``, for ejection). Breakers and concurrency limits are kept per
endpoint by their own interceptors, so a node's endpoint is its key everywhere.

States::

    starting ──(transports started)──▶ active ──(outlier)──▶ ejected
    ejected ──(health check passes)──▶ active
    any ──(left the cluster)──▶ draining ──(no attempt in flight)──▶ removed

Only ``active`` nodes are offered to the balancer (``ejected`` ones too in
panic mode); ``starting`` nodes have no open transport yet and ``draining``
ones take no new attempt while those in flight finish.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from qdpool.endpoint import Endpoint
from qdpool.routing.balancer import BalancerPolicy, PeakEwma

STARTING = "starting"
ACTIVE = "active"
EJECTED = "ejected"
DRAINING = "draining"


@dataclass(slots=True)
class Outlier:
    """A node's failure record, as outlier detection reads it."""

    consecutive_failures: int = 0
    successes: int = 0
    """Successes in the current analysis interval."""
    failures: int = 0
    """Failures in the current analysis interval."""
    ejections: int = 0
    """Ejections so far (less one per healthy interval): multiplies the ejection time."""
    ejected_until: float = 0.0
    reason: str = ""
    """Why the node was last ejected."""
    seen_down: bool = False
    """A health check failed during this ejection: the next one to pass re-admits the node."""


class Node:
    """One node of the cluster and what the router knows about it."""

    __slots__ = (
        "_owner",
        "_state",
        "attempts",
        "endpoint",
        "failures",
        "in_flight",
        "load",
        "outlier",
        "peer_id",
        "static",
        "suspect",
    )

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        load: PeakEwma,
        peer_id: int | None = None,
        static: bool = True,
        state: str = STARTING,
    ) -> None:
        self.endpoint = endpoint
        self.peer_id = peer_id
        """Qdrant's peer id, when discovery told it."""
        self.static = static
        """Given by the user (never drained by discovery), rather than discovered."""
        self._owner: NodeSet | None = None
        self._state = state
        self.in_flight = 0
        self.attempts = 0
        """Attempts routed to this node so far."""
        self.failures = 0
        """Of those, the ones that counted against it."""
        self.load = load
        self.outlier = Outlier()
        self.suspect = False
        """Its last attempt failed: the cluster health-checks it until it answers again."""

    @property
    def state(self) -> str:
        """``starting``, ``active``, ``ejected`` or ``draining``."""
        return self._state

    @state.setter
    def state(self, new: str) -> None:
        self._state = new
        if self._owner is not None:
            self._owner.version += 1

    def __repr__(self) -> str:
        peer = f" peer={self.peer_id}" if self.peer_id is not None else ""
        return f"<Node {self.endpoint}{peer} {self.state} in_flight={self.in_flight}>"


class NodeSet:
    """The nodes in the order they became known (the seed first), keyed by endpoint.

    ``version`` changes whenever a node is added or removed or changes state, so
    what is derived from the states (the balancer's candidates) is recomputed only then.
    """

    __slots__ = ("_nodes", "_policy", "version")

    def __init__(self, policy: BalancerPolicy | None = None) -> None:
        self._policy = policy or BalancerPolicy()
        self._nodes: dict[Endpoint, Node] = {}
        self.version = 0

    def add(self, endpoint: Endpoint, *, peer_id: int | None = None, static: bool = True) -> Node:
        """The node for ``endpoint``, made (``starting``) if it is new."""
        node = self._nodes.get(endpoint)
        if node is None:
            node = self._nodes[endpoint] = Node(
                endpoint, load=self._policy.load(), peer_id=peer_id, static=static
            )
            node._owner = self
            self.version += 1
        elif peer_id is not None:
            node.peer_id = peer_id
        return node

    def get(self, endpoint: Endpoint) -> Node | None:
        return self._nodes.get(endpoint)

    def remove(self, node: Node) -> None:
        if self._nodes.get(node.endpoint) is node:
            del self._nodes[node.endpoint]
            node._owner = None
            self.version += 1

    def in_state(self, *states: str) -> list[Node]:
        return [n for n in self._nodes.values() if n.state in states]

    def __iter__(self) -> Iterator[Node]:
        return iter(list(self._nodes.values()))

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, endpoint: object) -> bool:
        return endpoint in self._nodes

    def __repr__(self) -> str:
        return f"NodeSet({list(self._nodes.values())!r})"
