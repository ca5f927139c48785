"""Choosing a node: power of two choices over a peak-EWMA cost, or round-robin.

Finagle's and Linkerd's design, with three adjustments measured on
``qdpool serve --peers 3`` (docs/cluster.md):

* **Peak EWMA** keeps, per node, a moving average of response latency that jumps
  to any sample above it at once (the *peak*): a node that turns slow is noticed
  on its first slow answer. Lower samples pull it down with a weight that grows
  with the time since the node's previous sample (time constant ``decay``) and
  is at least ``1 - exp(-1 / forget)`` per sample; without samples the estimate
  decays towards zero, so a node that was avoided is tried again. A failure
  counts as a slow response (``failure_penalty``): the node that just failed is
  avoided without any separate bookkeeping.
* The **cost** is that latency times (in-flight + 1) ** ``in_flight_bias``: a
  node already holding many of our attempts costs more, so load spreads over
  equal nodes; the dearer of a random pair loses.
* **Power of two choices**: pick two distinct nodes at random and take the
  cheaper. Comparing two, not all, avoids the herd behaviour of "least loaded":
  every caller does not rush to the one node that looked best a moment ago; the
  cost of a pick is constant in the number of nodes.

The adjustments, each for a failure seen with Finagle's constants:

* ``decay`` 1 s, not 10 s, and ``forget``: a stall (of the node's process, the
  network or the machine) gives a node one peak; with time alone to forget it, a
  10 s constant keeps that node dearer than one slowed by 20 ms for seconds, and
  a node that is avoided gets no samples that could bring it down, only the decay.
  ``forget`` makes a busy node's peak fade after a few dozen answers, the short
  ``decay`` an idle node's within a second or two.
* ``in_flight_bias`` 0.5, not 1 (the exponent Envoy's least-request balancer
  calls ``active_request_bias``): a node's latency already includes the queueing
  its in-flight attempts cause, and with a full exponent a node slowed by a
  constant 20 ms (25 ms) wins every pair against a fast one (5 ms) holding five
  attempts (5 ms x 6 > 25 ms); with the square root it takes 25 of them.
* A node never measured (new, or re-admitted with its estimate reset) is taken
  to cost what the other node of its pair does per attempt, so in-flight counts
  decide (Linkerd gives such a node a default estimate for the same reason: a
  zero would send it everything, a large value nothing).

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
        decay: the EWMA's time constant in seconds: an idle node's estimate falls
            to 1/e in ``decay`` seconds, and a sample after a gap of ``decay``
            seconds weighs 1 - 1/e (Finagle and Linkerd: 10 s; see the module
            docstring for why qdpool's is shorter).
        forget: the least weight of a sample is ``1 - exp(-1 / forget)``: a busy
            node's peak fades to 1/e over ``forget`` lower samples, however close
            together they come.
        in_flight_bias: the exponent of (in-flight + 1) in the cost: 1 is Finagle's
            latency x (in-flight + 1); 0 ignores the attempts in flight.
        failure_penalty: the latency, in seconds, a failed attempt counts as (at
            least; a slower failure counts as its own duration).
    """

    strategy: Strategy = "p2c"
    decay: float = 1.0
    forget: float = 16.0
    in_flight_bias: float = 0.5
    failure_penalty: float = 1.0

    def __post_init__(self) -> None:
        if self.strategy not in ("p2c", "round_robin"):
            raise ValueError(f"strategy must be 'p2c' or 'round_robin', got {self.strategy!r}")
        _positive("decay", self.decay)
        if not self.forget >= 1:
            raise ValueError(f"forget must be at least 1, got {self.forget}")
        if not 0 <= self.in_flight_bias <= 1:
            raise ValueError(f"in_flight_bias must be within [0, 1], got {self.in_flight_bias}")
        _positive("failure_penalty", self.failure_penalty)

    def load(self) -> PeakEwma:
        """A fresh latency estimate for one node, under this policy."""
        return PeakEwma(self.decay, forget=self.forget)


class PeakEwma:
    """One node's latency estimate: an EWMA that jumps to peaks at once.

    A sample above the estimate replaces it (the peak); a lower one pulls it down
    with a weight that grows with the time since the previous sample (time
    constant ``decay``) and is at least ``1 - exp(-1 / forget)``, so a busy node
    forgets a one-off peak (a stall of its process or of the machine) after a few
    dozen answers, not after ``decay`` seconds of them.
    """

    __slots__ = ("_decay", "_keep", "latency", "samples", "stamp")

    def __init__(self, decay: float, *, forget: float = 16.0) -> None:
        self._decay = decay
        self._keep = math.exp(-1.0 / forget)
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
            if weight > self._keep:
                weight = self._keep
            self.latency = self.latency * weight + seconds * (1.0 - weight)
        self.stamp = now
        self.samples += 1

    def current(self, now: float) -> float:
        """The estimate decayed to ``now`` (idle time pulls it towards zero)."""
        if self.samples == 0:
            return 0.0
        return self.latency * math.exp(-max(now - self.stamp, 0.0) / self._decay)

    def reset(self) -> None:
        """Forget every sample (a node re-admitted, or found alive again, starts afresh)."""
        self.latency = 0.0
        self.samples = 0


class Balancer:
    """Picks one node out of the candidates the router offers, under a ``BalancerPolicy``."""

    __slots__ = ("_bias", "_next", "_rng", "policy")

    def __init__(self, policy: BalancerPolicy | None = None, rng: _random.Random | None = None):
        self.policy = policy or BalancerPolicy()
        self._rng = rng or _random.Random()
        self._next = 0
        self._bias = self.policy.in_flight_bias

    def cost(self, node: Node, now: float) -> float | None:
        """Peak-EWMA latency x (in-flight + 1) ** bias; None for a node never measured."""
        load = node.load
        if load.samples == 0:
            return None
        bias = self._bias
        weight = node.in_flight + 1
        return load.current(now) * (weight if bias == 1.0 else weight**bias)

    def pick(
        self, candidates: Sequence[Node], now: float, rotation: Sequence[Node] | None = None
    ) -> Node:
        """One of ``candidates`` (which must not be empty).

        ``rotation`` is the full list ``candidates`` was filtered from (a retry leaves out
        the nodes that failed it): round-robin takes the next node of the rotation that is
        a candidate without moving its turn, so retries do not shift which node the next
        first attempt gets (else the node after a failing one would get only retries).
        """
        count = len(candidates)
        if self.policy.strategy == "round_robin":
            if rotation is None or len(rotation) == count:
                self._next = (self._next + 1) % count
                return candidates[self._next]
            size = len(rotation)
            for step in range(1, size + 1):
                node = rotation[(self._next + step) % size]
                if node in candidates:
                    return node
            return candidates[0]
        if count == 1:
            return candidates[0]
        random = self._rng.random
        first = int(random() * count)
        second = int(random() * (count - 1))
        if second >= first:
            second += 1
        a, b = candidates[first], candidates[second]
        cost_a, cost_b = self.cost(a, now), self.cost(b, now)
        if cost_a is None or cost_b is None:
            # A node never measured is taken to cost what the other does per attempt (a
            # default estimate, as Linkerd's, but the peer's rather than a constant), so
            # the attempts in flight decide: a new or re-admitted node gets its share at
            # once, yet not every attempt while its first answers are on the way.
            return b if b.in_flight < a.in_flight else a
        return b if cost_b < cost_a else a

    def __repr__(self) -> str:
        p = self.policy
        if p.strategy == "round_robin":
            return "Balancer(round_robin)"
        return (
            f"Balancer(p2c peak-EWMA, decay {p.decay:g}s, in-flight bias {p.in_flight_bias:g}, "
            f"failure {p.failure_penalty:g}s)"
        )
