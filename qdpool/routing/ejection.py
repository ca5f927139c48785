"""Outlier detection: take a failing node out of rotation, and back after a health check.

Envoy's outlier detection, with its defaults:

* **consecutive failures**: a node whose last ``consecutive_failures`` (5)
  attempts all failed is ejected at once. A failure is what ``qdpool.classify``
  counts against a node (connection failures, 502/503/504, UNAVAILABLE,
  timeouts, 500/INTERNAL); a 4xx answer is a success (the node answered) and
  a throttle, a cancellation or a local error says nothing.
* **success rate**: every ``interval`` (10 s), among nodes with at least
  ``success_rate_request_volume`` (100) attempts in the interval, when there are
  at least ``success_rate_minimum_hosts`` (5) of them, a node whose success rate
  is below mean - ``success_rate_stdev_factor`` (1.9) x standard deviation is
  ejected: "well below its peers'", not merely below some fixed bar.
* **ejection time** is ``base_ejection_time`` (30 s) times the number of times the
  node was ejected, at most ``max_ejection_time`` (300 s); the count drops by one
  for each interval the node then spends serving without being ejected.
* **bounded share**: at most ``max_ejected_ratio`` (10%) of the nodes are ejected
  at once, yet at least one may be; and never the last node serving.
* **panic**: when fewer than ``panic_threshold`` (50%) of the nodes are serving,
  attempts are balanced over every node, ejected ones included: too few healthy
  nodes would be swamped, and the ejections themselves may be what is wrong.

Unlike Envoy's passive mode, a node is also checked actively (``GET /`` or
gRPC's health check, every ``DiscoveryPolicy.check_interval``): an active node
the balancer shuns (its last attempt failed, or no attempt reached it for a
round; see ``Cluster.check_nodes``), so that a dead node the balancer shuns at
once still reaches ``consecutive_failures`` (its failed checks count), and every
ejected node. An ejected node comes back on a passing check after its ejection time,
or as soon as a check passes after one failed (it was down and is back, as
Envoy's ``successful_active_health_check_uneject_host``); a check failing when
its time is over ejects it again, for longer.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from qdpool.classify import Outcome, classify
from qdpool.policies import _count, _positive, _ratio, _Replace
from qdpool.routing.events import ClusterEvents
from qdpool.routing.nodes import ACTIVE, EJECTED, Node, NodeSet


@dataclass(frozen=True, slots=True)
class EjectionPolicy(_Replace):
    """When a node is ejected, for how long, and how it comes back (Envoy's defaults).

    Attributes:
        consecutive_failures: failed attempts in a row that eject a node.
        interval: seconds between success-rate analyses (and ejection-count decay).
        base_ejection_time: seconds of the first ejection; the n-th lasts n times this.
        max_ejection_time: the longest ejection, in seconds.
        max_ejected_ratio: the largest share of nodes ejected at once (at least one
            may be, and never the last serving node).
        success_rate_minimum_hosts: nodes with enough traffic needed before success
            rates are compared.
        success_rate_request_volume: attempts in an interval before a node's success
            rate counts.
        success_rate_stdev_factor: how many standard deviations below the mean a
            node's success rate must fall to be ejected.
        panic_threshold: below this share of serving nodes, balance over all nodes.
        health_check_timeout: seconds one health check may take.
    """

    consecutive_failures: int = 5
    interval: float = 10.0
    base_ejection_time: float = 30.0
    max_ejection_time: float = 300.0
    max_ejected_ratio: float = 0.1
    success_rate_minimum_hosts: int = 5
    success_rate_request_volume: int = 100
    success_rate_stdev_factor: float = 1.9
    panic_threshold: float = 0.5
    health_check_timeout: float = 1.0

    def __post_init__(self) -> None:
        _count("consecutive_failures", self.consecutive_failures)
        _positive("interval", self.interval)
        _positive("base_ejection_time", self.base_ejection_time)
        _positive("max_ejection_time", self.max_ejection_time)
        if self.max_ejection_time < self.base_ejection_time:
            raise ValueError(
                f"max_ejection_time ({self.max_ejection_time}) must not be below "
                f"base_ejection_time ({self.base_ejection_time})"
            )
        _ratio("max_ejected_ratio", self.max_ejected_ratio)
        _count("success_rate_minimum_hosts", self.success_rate_minimum_hosts)
        _count("success_rate_request_volume", self.success_rate_request_volume)
        _positive("success_rate_stdev_factor", self.success_rate_stdev_factor)
        _ratio("panic_threshold", self.panic_threshold)
        _positive("health_check_timeout", self.health_check_timeout)


class Ejector:
    """Applies an ``EjectionPolicy`` to a ``NodeSet``: records outcomes, ejects, re-admits."""

    __slots__ = (
        "_candidates",
        "_clock",
        "_events",
        "_next_analysis",
        "_nodes",
        "ejections",
        "policy",
    )

    def __init__(
        self,
        policy: EjectionPolicy | None,
        nodes: NodeSet,
        *,
        clock: Callable[[], float] = time.monotonic,
        events: ClusterEvents | None = None,
    ) -> None:
        self.policy = policy or EjectionPolicy()
        self._nodes = nodes
        self._clock = clock
        self._events = events or ClusterEvents(None)
        self._next_analysis: float | None = None
        self._candidates: tuple[int, list[Node]] = (-1, [])
        self.ejections = 0
        """Ejections since the ejector was made."""

    # ------------------------------------------------------------ outcomes

    def record(self, node: Node, outcome: Outcome, now: float | None = None) -> None:
        """Count one attempt's outcome (ended at ``now``) against ``node``; may eject it."""
        if not outcome.counted:
            return
        if now is None:
            now = self._clock()
        due = self._next_analysis
        if due is None:
            self._next_analysis = now + self.policy.interval
        elif now >= due:
            self.analyse(now)
        record = node.outlier
        if not outcome.failure:
            record.successes += 1
            record.consecutive_failures = 0
            return
        record.failures += 1
        record.consecutive_failures += 1
        threshold = self.policy.consecutive_failures
        if record.consecutive_failures >= threshold and node.state == ACTIVE:
            self.eject(node, f"{record.consecutive_failures} consecutive failures", now)

    def analyse(self, now: float) -> None:
        """The periodic pass: success-rate outliers, then decay of ejection counts."""
        policy = self.policy
        self._next_analysis = now + policy.interval
        nodes = list(self._nodes)
        rates: dict[Node, float] = {}
        for node in nodes:
            record = node.outlier
            volume = record.successes + record.failures
            if node.state == ACTIVE and volume >= policy.success_rate_request_volume:
                rates[node] = record.successes / volume
        if len(rates) >= policy.success_rate_minimum_hosts:
            mean = statistics.fmean(rates.values())
            threshold = mean - policy.success_rate_stdev_factor * statistics.pstdev(rates.values())
            for node, rate in sorted(rates.items(), key=lambda item: item[1]):
                if rate < threshold:
                    reason = (
                        f"success rate {rate:.1%} below {threshold:.1%} (peers' mean {mean:.1%})"
                    )
                    self.eject(node, reason, now)
        for node in nodes:
            record = node.outlier
            if node.state == ACTIVE and record.ejections > 0 and record.ejected_until <= now:
                record.ejections -= 1
            record.successes = record.failures = 0

    # ------------------------------------------------------------ ejection

    def may_eject(self) -> bool:
        """Whether one more node may be ejected now (the bounded share, one always serving)."""
        active = ejected = 0
        for node in self._nodes:
            if node.state == ACTIVE:
                active += 1
            elif node.state == EJECTED:
                ejected += 1
        limit = max(1, math.floor((active + ejected) * self.policy.max_ejected_ratio))
        return ejected < limit and active > 1

    def eject(self, node: Node, reason: str, now: float | None = None) -> bool:
        """Take ``node`` out of rotation; False (and nothing done) when the share is full."""
        if node.state != ACTIVE or not self.may_eject():
            return False
        self._eject(node, reason, self._clock() if now is None else now)
        return True

    def _eject(self, node: Node, reason: str, now: float, *, seen_down: bool = False) -> None:
        policy = self.policy
        record = node.outlier
        record.ejections += 1
        duration = min(policy.max_ejection_time, policy.base_ejection_time * record.ejections)
        record.ejected_until = now + duration
        record.consecutive_failures = 0
        record.reason = reason
        record.seen_down = seen_down
        node.state = EJECTED
        self.ejections += 1
        self._events.ejected(str(node.endpoint), reason, duration)

    def due(self) -> list[Node]:
        """Ejected nodes whose ejection time is over."""
        now = self._clock()
        return [n for n in self._nodes.in_state(EJECTED) if n.outlier.ejected_until <= now]

    def checked(self, node: Node, error: BaseException | None) -> None:
        """Apply the result of an active health check of ``node`` (``error`` None: it passed).

        An ejected node is re-admitted by a passing check once its ejection time is
        over, or at once if a check failed during this ejection: it was seen down
        and is back (a restarted node), which is what Envoy's
        ``successful_active_health_check_uneject_host`` does. A node whose checks
        pass all along while its calls failed serves its ejection time. A check
        failing at the end of the ejection ejects the node again, for longer.
        An active node the balancer shuns is checked too: a failed check counts as
        one more consecutive failure (so a node the balancer shuns still reaches
        ``consecutive_failures``), a passing one says nothing about its calls.
        """
        record = node.outlier
        if node.state == EJECTED:
            if error is None:
                if record.seen_down or record.ejected_until <= self._clock():
                    self.readmit(node)
            elif record.ejected_until <= self._clock():
                self.check_failed(node, str(error) or type(error).__name__)
            else:
                record.seen_down = True
        elif node.state == ACTIVE and error is not None:
            outcome = classify(error)
            if outcome.counted and outcome.failure:
                self.record(node, outcome)

    def readmit(self, node: Node, reason: str = "health check passed") -> None:
        """Put an ejected node back into rotation, with a fresh latency estimate."""
        if node.state != EJECTED:
            return
        node.state = ACTIVE
        node.load.reset()
        node.suspect = False
        record = node.outlier
        record.consecutive_failures = 0
        record.successes = record.failures = 0
        record.seen_down = False
        self._events.readmitted(str(node.endpoint), reason)

    def check_failed(self, node: Node, reason: str) -> None:
        """A re-admission health check failed: the node stays out, for longer."""
        if node.state == EJECTED:
            node.state = ACTIVE  # re-enter through _eject so the count and time grow
            self._eject(node, f"health check failed: {reason}", self._clock(), seen_down=True)

    # ------------------------------------------------------------ candidates

    def candidates(self) -> list[Node]:
        """The nodes to balance over: the active ones, or all of them in panic mode.

        Recomputed only when a node's state changed; callers must not modify the list.
        """
        version, cached = self._candidates
        if version == self._nodes.version:
            return cached
        active: list[Node] = []
        serving: list[Node] = []
        for node in self._nodes:
            if node.state == ACTIVE:
                active.append(node)
                serving.append(node)
            elif node.state == EJECTED:
                serving.append(node)
        chosen = (
            active
            if active and len(active) >= self.policy.panic_threshold * len(serving)
            else serving
        )
        self._candidates = (self._nodes.version, chosen)
        return chosen

    def __repr__(self) -> str:
        p = self.policy
        ejected = [str(n.endpoint) for n in self._nodes.in_state(EJECTED)]
        return (
            f"Ejector(after {p.consecutive_failures} failures, {p.base_ejection_time:g}s x n, "
            f"max {p.max_ejected_ratio:.0%}; ejected: {ejected})"
        )
