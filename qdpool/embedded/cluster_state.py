"""The embedded cluster's membership: who the peers are, their ports, and the simulated Raft state.

One JSON file, ``{cluster dir}/cluster.json``, written only by the supervisor
(atomically: a temporary file, then ``os.replace``) and read by every peer each
time it answers ``GET /cluster``, so a peer added or removed shows up in every
peer's answer at once, and a peer restarted after ``kill -9`` finds its id and
ports where it left them.

Peer ids are small integers (1, 2, 3, ...) that are never reused; Qdrant's are
random 64-bit numbers, so a client must treat them as opaque either way.  The
Raft fields are simulated: ``commit`` counts membership changes, the leader is
the lowest-id peer the supervisor believes alive, and ``term`` goes up each time
the leader changes, as an election would make it.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

STATE_FILE = "cluster.json"
ENGINE_SOCKET = "engine.sock"
CONTROL_SOCKET = "control.sock"
PORT_STRIDE = 10
"""Peer ``k`` (from 0) listens on the base ports plus ``10 * k``: 6333/6334/6335, 6343/..."""


@dataclass(frozen=True, slots=True)
class PeerAddress:
    """One peer's id and its three ports: REST, gRPC, and the peer-to-peer port it holds."""

    id: int
    rest_port: int
    grpc_port: int
    p2p_port: int

    def to_json(self) -> dict[str, int]:
        return {
            "id": self.id,
            "rest_port": self.rest_port,
            "grpc_port": self.grpc_port,
            "p2p_port": self.p2p_port,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PeerAddress:
        return cls(
            int(data["id"]), int(data["rest_port"]), int(data["grpc_port"]), int(data["p2p_port"])
        )


@dataclass(frozen=True, slots=True)
class Membership:
    """The committed cluster composition and the simulated consensus state."""

    host: str
    peers: tuple[PeerAddress, ...] = ()
    term: int = 1
    commit: int = 0
    leader: int | None = None
    next_peer_id: int = 1
    down: frozenset[int] = field(default_factory=frozenset)
    joining: tuple[PeerAddress, ...] = ()
    """Peers started but not yet committed: they know their ports, nobody reports them yet."""
    snapshots_dir: str | None = None
    """The engine's snapshot directory: a peer's door streams snapshot files to and from it."""

    def peer(self, peer_id: int) -> PeerAddress | None:
        """A committed peer, or one that is joining."""
        return next((p for p in self.peers + self.joining if p.id == peer_id), None)

    def is_member(self, peer_id: int) -> bool:
        return any(p.id == peer_id for p in self.peers)

    def with_joining(self, peer: PeerAddress) -> Membership:
        """Reserve an id and ports for a peer about to start (not a consensus operation)."""
        return replace(
            self,
            joining=(*(p for p in self.joining if p.id != peer.id), peer),
            next_peer_id=max(self.next_peer_id, peer.id + 1),
        )

    def with_peer(self, peer: PeerAddress) -> Membership:
        """Add (or replace) a peer: one committed consensus operation."""
        peers = (*(p for p in self.peers if p.id != peer.id), peer)
        changed = replace(
            self,
            peers=tuple(sorted(peers, key=lambda p: p.id)),
            joining=tuple(p for p in self.joining if p.id != peer.id),
            commit=self.commit + 1,
            next_peer_id=max(self.next_peer_id, peer.id + 1),
            down=self.down - {peer.id},
        )
        return changed.elected()

    def without_peer(self, peer_id: int) -> Membership:
        """Remove a peer: one committed consensus operation (none for a peer still joining)."""
        changed = replace(
            self,
            peers=tuple(p for p in self.peers if p.id != peer_id),
            joining=tuple(p for p in self.joining if p.id != peer_id),
            commit=self.commit + 1 if self.is_member(peer_id) else self.commit,
            down=self.down - {peer_id},
        )
        return changed.elected()

    def with_liveness(self, peer_id: int, *, alive: bool) -> Membership:
        """Record that a peer died or came back; re-elects when the leader died."""
        down = self.down - {peer_id} if alive else self.down | {peer_id}
        return replace(self, down=frozenset(down)).elected()

    def elected(self) -> Membership:
        """Keep a live leader: the lowest live peer id takes over, in a new term."""
        live = [p.id for p in self.peers if p.id not in self.down]
        if self.leader in live:
            return self
        leader = min(live) if live else None
        if leader == self.leader:
            return self
        term = self.term + 1 if self.leader is not None else self.term
        return replace(self, leader=leader, term=term)

    def uri(self, peer: PeerAddress) -> str:
        """The peer-to-peer address Qdrant reports for a peer (not an API address)."""
        return f"http://{url_host(self.host)}:{peer.p2p_port}/"

    def status(self, peer_id: int, *, now: datetime.datetime | None = None) -> dict[str, Any]:
        """``GET /cluster``'s ``result`` as peer ``peer_id`` reports it, shaped as Qdrant's."""
        moment = now or datetime.datetime.now(datetime.UTC)
        return {
            "status": "enabled",
            "peer_id": peer_id,
            "peers": {str(p.id): {"uri": self.uri(p)} for p in self.peers},
            "raft_info": {
                "term": self.term,
                "commit": self.commit,
                "pending_operations": 0,
                "leader": self.leader,
                "role": "Leader" if self.leader == peer_id else "Follower",
                "is_voter": self.is_member(peer_id),
            },
            "consensus_thread_status": {
                "consensus_thread_status": "working",
                "last_update": moment.isoformat().replace("+00:00", "Z"),
            },
            "message_send_failures": {},
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "peers": [p.to_json() for p in self.peers],
            "term": self.term,
            "commit": self.commit,
            "leader": self.leader,
            "next_peer_id": self.next_peer_id,
            "down": sorted(self.down),
            "joining": [p.to_json() for p in self.joining],
            "snapshots_dir": self.snapshots_dir,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Membership:
        return cls(
            host=str(data["host"]),
            peers=tuple(PeerAddress.from_json(p) for p in data["peers"]),
            term=int(data["term"]),
            commit=int(data["commit"]),
            leader=None if data.get("leader") is None else int(data["leader"]),
            next_peer_id=int(data["next_peer_id"]),
            down=frozenset(int(i) for i in data.get("down", ())),
            joining=tuple(PeerAddress.from_json(p) for p in data.get("joining", ())),
            snapshots_dir=data.get("snapshots_dir"),
        )


def load(directory: Path) -> Membership | None:
    """The membership stored in ``directory``, or None when there is none yet."""
    try:
        raw = (directory / STATE_FILE).read_bytes()
    except FileNotFoundError:
        return None
    return Membership.from_json(orjson.loads(raw))


def save(directory: Path, membership: Membership) -> None:
    """Replace the stored membership atomically: a reader sees the old one or the new one."""
    target = directory / STATE_FILE
    temporary = target.with_name(f".{STATE_FILE}.{os.getpid()}.tmp")
    temporary.write_bytes(orjson.dumps(membership.to_json(), option=orjson.OPT_INDENT_2))
    os.replace(temporary, target)


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def peer_banner(peer_id: int, rest_url: str, grpc_url: str, pid: int) -> str:
    """One line of ``qdpool serve --peers N``'s stdout (and of ``--peer-of``'s)."""
    return f"qdpool serve: peer={peer_id} rest={rest_url} grpc={grpc_url} pid={pid}"
