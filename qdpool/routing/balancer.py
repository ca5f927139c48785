"""Choosing a node: power of two choices over a peak-EWMA cost, or round-robin.

Finagle's and Linkerd's default, for reasons that carry over to a Qdrant client:

* **Peak EWMA** keeps, per node, a moving average of response latency that jumps
  to any sample above it at once (the *peak*) and decays towards lower samples
  with a time constant (``decay``, 10 s): a node that turns slow is noticed on its
  first slow answer, one that recovers wins traffic back over seconds, not
  immediately. Without samples the average decays towards zero, so an idle node is
  tried again. A failure counts as a slow response (``failure_penalty``): the
  node that just failed is avoided without any separate bookkeeping.
* The **cost** is that latency times (in-flight + 1): a node already holding
  many of our attempts costs more, so load spreads even when latencies are equal,
  and a node slowed by 20 ms accumulates in-flight attempts and is avoided
  quickly.
* **Power of two choices**: pick two distinct nodes at random and take the
  cheaper. Comparing two, not all, avoids the herd behaviour of "least loaded":
  every caller does not rush to the one node that looked best a moment ago, and
  the worst node still gets a trickle of traffic only when it is not the worst
  of its pair; the cost of a pick is constant in the number of nodes.

Round-robin is available (``BalancerPolicy(strategy="round_robin")``) for
comparison and for clusters of identical nodes where even spread is wanted.
"""

from __future__ import annotations

import math
import random as _random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from qdpool.policies import _positive, _Replace

if TYPE_CHECKING:
    from qdpool.routing.nodes import Node

Strategy = Literal["p2c", "round_robin"]


@dataclass(frozen=True, slots=True)
class BalancerPolicy(_Replace):
    """How a node is chosen for each attempt.

    Attributes:
        strategy: ``"p2c"`` (power of two choices over peak-EWMA cost, the default)
            or ``"round_robin"``.
        decay: the EWMA's time constant in seconds (Finagle: 10 s): after ``decay``
            seconds a latency sample's weight has fallen to 1/e.
        failure_penalty: the latency, in seconds, a failed attempt counts as (at
            least; a slower failure counts as its own duration). Also the cost per
            in-flight attempt of a node with no latency sample yet, so a new node
            is tried one attempt at a time until it has answered once.
    """

    strategy: Strategy = "p2c"
    decay: float = 10.0
    failure_penalty: float = 1.0

    def __post_init__(self) -> None:
        if self.strategy not in ("p2c", "round_robin"):
            raise ValueError(f"strategy must be 'p2c' or 'round_robin', got {self.strategy!r}")
        _positive("decay", self.decay)
        _positive("failure_penalty", self.failure_penalty)


class PeakEwma:
    """One node's latency estimate: an EWMA over time that jumps to peaks at once."""

    __slots__ = ("_decay", "latency", "samples", "stamp")

    def __init__(self, decay: float) -> None:
        self._decay = decay
        self.latency = 0.0
        """The estimate in seconds as of ``stamp`` (0 until the first sample)."""
        self.stamp = 0.0
        self.samples = 0

    def observe(self, seconds: float, now: float) -> None:
        """Fold in one response time, measured at ``now``."""
        if self.samples == 0 or seconds > self.latency:
            self.latency = seconds
        else:
            weight = math.exp(-max(now - self.stamp, 0.0) / self._decay)
            self.latency = self.latency * weight + seconds * (1.0 - weight)
        self.stamp = now
        self.samples += 1

    def current(self, now: float) -> float:
        """The estimate decayed to ``now`` (idle time pulls it towards zero)."""
        if self.samples == 0:
            return 0.0
        return self.latency * math.exp(-max(now - self.stamp, 0.0) / self._decay)

    def reset(self) -> None:
        """Forget every sample (a node re-admitted after an ejection starts afresh)."""
        self.latency = 0.0
        self.samples = 0


class Balancer:
    """Picks one node out of the candidates the router offers, under a ``BalancerPolicy``."""

    __slots__ = ("_next", "_rng", "policy")

    def __init__(self, policy: BalancerPolicy | None = None, rng: _random.Random | None = None):
        self.policy = policy or BalancerPolicy()
        self._rng = rng or _random.Random()
        self._next = 0

    def cost(self, node: Node, now: float) -> float:
        """Peak-EWMA latency x (in-flight + 1); unknown latency costs a penalty per in-flight."""
        load = node.load
        if load.samples == 0:
            return self.policy.failure_penalty * node.in_flight
        return load.current(now) * (node.in_flight + 1)

    def pick(self, candidates: Sequence[Node], now: float) -> Node:
        """One of ``candidates`` (which must not be empty)."""
        count = len(candidates)
        if count == 1:
            return candidates[0]
        if self.policy.strategy == "round_robin":
            self._next = (self._next + 1) % count
            return candidates[self._next]
        random = self._rng.random
        first = int(random() * count)
        second = int(random() * (count - 1))
        if second >= first:
            second += 1
        a, b = candidates[first], candidates[second]
        return b if self.cost(b, now) < self.cost(a, now) else a

    def __repr__(self) -> str:
        p = self.policy
        if p.strategy == "round_robin":
            return "Balancer(round_robin)"
        return f"Balancer(p2c peak-EWMA, decay {p.decay:g}s, failure {p.failure_penalty:g}s)"
