"""Discovery: the cluster's peers, read from ``GET /cluster``, and when to read them again.

In distributed mode Qdrant answers ``GET /cluster`` with ``status: "enabled"``,
its own ``peer_id``, and ``peers``: a map from peer id to ``{"uri": ...}``. That
``uri`` is the *peer-to-peer* address (port 6335 by default), not an API
address, so a client takes the host from it and the API ports (and scheme and
path prefix) of the node it was given: peers of one cluster listen on the same
API ports. The peer that answered is the node the client already has, kept as
the user spelled it (its ``uri`` may name an internal address).

Peers that share the seed's host cannot share its API ports (several peers on
one machine, as ``qdpool serve --peers N`` runs them): for those the API ports
are taken at the same offset from the seed's as their peer-to-peer port is from
the seed's (peer-to-peer 6345 beside the seed's 6335: API 6343/6344 beside
6333/6334).

A single node answers ``status: "disabled"``: the cluster is then just the
nodes the client was given.

The cluster re-reads the peers every ``refresh_interval`` seconds, and sooner
(but not more often than every ``min_refresh_interval``) after an attempt to a
node fails: a failure is the likeliest sign that membership changed. Nodes
that appear are added once their transports start; nodes that disappear (and
that the user did not list) are drained: they take no new attempt, and their
transports are closed once the attempts in flight on them have ended, or after
``drain_timeout``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from qdpool.endpoint import Endpoint
from qdpool.policies import _positive, _Replace


@dataclass(frozen=True, slots=True)
class DiscoveryPolicy(_Replace):
    """How often the cluster's membership is read, and how leaving nodes are drained.

    Attributes:
        refresh_interval: seconds between two reads of ``GET /cluster``.
        min_refresh_interval: after a failed attempt the peers are re-read early,
            but never more often than this.
        request_timeout: seconds one ``GET /cluster`` may take.
        drain_timeout: seconds a leaving node's attempts in flight are waited for
            before its transports are closed anyway.
        check_interval: seconds between the background task's rounds (health
            checks of ejected nodes and of nodes the balancer shuns, starting
            nodes that could not start, reads of the peers when due).
    """

    refresh_interval: float = 30.0
    min_refresh_interval: float = 1.0
    request_timeout: float = 2.0
    drain_timeout: float = 30.0
    check_interval: float = 0.5

    def __post_init__(self) -> None:
        _positive("refresh_interval", self.refresh_interval)
        _positive("min_refresh_interval", self.min_refresh_interval, allow_zero=True)
        _positive("request_timeout", self.request_timeout)
        _positive("drain_timeout", self.drain_timeout, allow_zero=True)
        _positive("check_interval", self.check_interval)


class ClusterInfoError(ValueError):
    """A ``GET /cluster`` answer that is not shaped as Qdrant's."""


def parse_peers(result: Mapping[str, Any], seed: Endpoint) -> dict[Endpoint, int | None]:
    """The API endpoints of the peers in a ``GET /cluster`` ``result``, with their peer ids.

    ``seed`` is the node that answered: it stands for its own ``peer_id``, and
    lends its ports, scheme and prefix to the others. A disabled cluster is
    ``{seed: None}``.
    """
    if not isinstance(result, Mapping):
        raise ClusterInfoError(f"cluster info must be an object, got {type(result).__name__}")
    status = result.get("status")
    if status == "disabled":
        return {seed: None}
    if status != "enabled":
        raise ClusterInfoError(f"cluster status must be 'enabled' or 'disabled', got {status!r}")
    peers = result.get("peers")
    if not isinstance(peers, Mapping) or not peers:
        raise ClusterInfoError("an enabled cluster's info has no 'peers'")
    own = _peer_id(result.get("peer_id"), "peer_id")
    addresses = {_peer_id(key, "peers key"): _p2p_address(key, peer) for key, peer in peers.items()}
    own_host, own_port = addresses.get(own, (None, None))
    found: dict[Endpoint, int | None] = {seed: own}
    for peer_id, (host, port) in addresses.items():
        if peer_id == own:
            continue
        rest_port, grpc_port = seed.rest_port, seed.grpc_port
        if host == own_host and port is not None and own_port is not None and port != own_port:
            # Peers on one host cannot share API ports: assume the API ports are spaced
            # as the peer-to-peer ports are (6335 -> 6345 means 6333 -> 6343).
            shift = port - own_port
            rest_port += shift
            grpc_port = grpc_port + shift if grpc_port is not None else None
            if not 0 < rest_port < 65536 or (grpc_port is not None and not 0 < grpc_port < 65536):
                raise ClusterInfoError(f"peer {peer_id}: no API port {shift:+d} from the seed's")
        endpoint = Endpoint(host, rest_port, grpc_port, seed.tls, None, seed.prefix)
        found.setdefault(endpoint, peer_id)
    return found


def _p2p_address(key: object, peer: object) -> tuple[str, int | None]:
    """The host and port of a peer's peer-to-peer ``uri``."""
    uri = peer.get("uri") if isinstance(peer, Mapping) else None
    if not isinstance(uri, str):
        raise ClusterInfoError(f"peer {key} has no 'uri'")
    parts = urlsplit(uri)
    if not parts.hostname:
        raise ClusterInfoError(f"peer {key}'s uri {uri!r} has no host")
    try:
        return parts.hostname, parts.port
    except ValueError:
        raise ClusterInfoError(f"peer {key}'s uri {uri!r} has a bad port") from None


def _peer_id(value: object, what: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise ClusterInfoError(f"{what} must be an integer peer id, got {value!r}") from None


class RefreshSchedule:
    """When the peers are due to be read again (periodically, or early after a failure)."""

    __slots__ = ("_last", "_policy", "_requested")

    def __init__(self, policy: DiscoveryPolicy) -> None:
        self._policy = policy
        self._last: float | None = None
        self._requested = False

    def request(self) -> None:
        """A node failed: read the peers again soon."""
        self._requested = True

    def due(self, now: float) -> bool:
        last = self._last
        if last is None:
            return True
        if self._requested and now - last >= self._policy.min_refresh_interval:
            return True
        return now - last >= self._policy.refresh_interval

    def done(self, now: float) -> None:
        self._last = now
        self._requested = False
