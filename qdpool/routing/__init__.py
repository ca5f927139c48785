"""One client over a Qdrant cluster: the node set, balancing, ejection, discovery, routing.

docs/cluster.md explains the choices. The pieces, one concept per module:

* ``nodes``       the node set, each node an ``Endpoint`` with its own state;
* ``balancer``    power of two choices over peak-EWMA cost, or round-robin;
* ``ejection``    Envoy-style outlier detection, bounded ejection, panic mode;
* ``discovery``   the peers from ``GET /cluster``, and when to read them again;
* ``interceptor`` ``Route``: node and protocol for every attempt, failover, hedges elsewhere;
* ``cluster``     ``Cluster``: builds it all for ``connect()``, runs the background work;
* ``events``      the observer hooks for ejections, re-admissions, joins and departures.
"""

from __future__ import annotations

from qdpool.routing.balancer import Balancer, BalancerPolicy, PeakEwma
from qdpool.routing.cluster import Cluster, NodeHealth, NodeSpec, TransportFactory, parse_nodes
from qdpool.routing.discovery import ClusterInfoError, DiscoveryPolicy, parse_peers
from qdpool.routing.ejection import EjectionPolicy, Ejector
from qdpool.routing.events import ClusterObserver
from qdpool.routing.interceptor import Route, RouteScope
from qdpool.routing.nodes import ACTIVE, DRAINING, EJECTED, STARTING, Node, NodeSet

__all__ = [
    "ACTIVE",
    "DRAINING",
    "EJECTED",
    "STARTING",
    "Balancer",
    "BalancerPolicy",
    "Cluster",
    "ClusterInfoError",
    "ClusterObserver",
    "DiscoveryPolicy",
    "EjectionPolicy",
    "Ejector",
    "Node",
    "NodeHealth",
    "NodeSet",
    "NodeSpec",
    "PeakEwma",
    "Route",
    "RouteScope",
    "TransportFactory",
    "parse_nodes",
    "parse_peers",
]
