"""What the cluster reports about its nodes: ejections, re-admissions, joins and departures.

These hooks are looked up by name on the client's observer, so any observer
(a ``NullObserver`` subclass, telemetry's, a test's) may implement any of them
and the rest of ``qdpool.events.Observer`` stays as it is. Endpoints are passed
as their ``str()`` (``host:rest/grpc``), like ``on_breaker_state``'s. Hooks must
be cheap; one that raises is logged and ignored. An observer that bundles others
in an ``observers`` sequence (telemetry's ``CompositeObserver``) has each of them
asked in turn.
"""

from __future__ import annotations

import logging
from typing import Protocol

logger = logging.getLogger("qdpool.routing")


class ClusterObserver(Protocol):
    """The hooks; implement any subset."""

    def on_node_ejected(self, endpoint: str, reason: str, duration: float) -> None:
        """A node stopped receiving attempts for ``duration`` seconds, and why."""

    def on_node_readmitted(self, endpoint: str, reason: str) -> None:
        """An ejected node receives attempts again (its health check passed)."""

    def on_node_added(self, endpoint: str, reason: str) -> None:
        """A node joined the set (given, or found by discovery) and serves."""

    def on_node_removed(self, endpoint: str, reason: str) -> None:
        """A node left the set; it was drained first (no attempt was dropped)."""


class ClusterEvents:
    """Calls the hooks an observer has; missing ones are skipped."""

    __slots__ = ("_observer",)

    def __init__(self, observer: object | None) -> None:
        self._observer = observer

    def _emit(self, hook: str, *args: object) -> None:
        observer = self._observer
        if observer is None:
            return
        bundled = getattr(observer, "observers", None)
        targets = tuple(bundled) if isinstance(bundled, list | tuple) else (observer,)
        for target in targets:
            method = getattr(target, hook, None)
            if method is None:
                continue
            try:
                method(*args)
            except Exception:
                logger.exception("qdpool: observer %r failed in %s", target, hook)

    def ejected(self, endpoint: str, reason: str, duration: float) -> None:
        logger.warning("qdpool: node %s ejected for %.1fs: %s", endpoint, duration, reason)
        self._emit("on_node_ejected", endpoint, reason, duration)

    def readmitted(self, endpoint: str, reason: str) -> None:
        logger.info("qdpool: node %s re-admitted: %s", endpoint, reason)
        self._emit("on_node_readmitted", endpoint, reason)

    def added(self, endpoint: str, reason: str) -> None:
        logger.info("qdpool: node %s added: %s", endpoint, reason)
        self._emit("on_node_added", endpoint, reason)

    def removed(self, endpoint: str, reason: str) -> None:
        logger.info("qdpool: node %s removed: %s", endpoint, reason)
        self._emit("on_node_removed", endpoint, reason)
