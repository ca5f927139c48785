"""``EmbeddedCluster``: ``qdpool serve --peers N`` as a child process, for tests and benchmarks.

::

    async with EmbeddedCluster(peers=3, api_key="k") as cluster:
        peer = cluster.peers[1]               # by peer id: 1, 2, 3
        peer.rest_url, peer.grpc_url, peer.pid
        await cluster.kill(2)                 # SIGKILL of peer 2's process
        await cluster.restart(2)              # same id, same ports: it rejoins
        new = await cluster.add_peer()        # peer 4; every peer's GET /cluster lists it
        await cluster.remove_peer(1)          # no longer listed; its process stops
        await cluster.kill_engine()           # every peer answers 503 / UNAVAILABLE ...
        await cluster.restart_engine()        # ... until the engine is back, data intact

The cluster runs the real command (a supervisor process, one engine process,
one process per peer), so a kill is a real ``kill -9`` of a real process.
``close`` stops all of them and checks that none is left.  See
docs/embedded-server.md, "The embedded cluster".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qdpool.embedded.cluster_control import control
from qdpool.embedded.cluster_state import PORT_STRIDE
from qdpool.embedded.server import EmbeddedProcess
from qdpool.embedded.service import AsyncService

PEER_LINE = re.compile(
    r"^qdpool serve: peer=(?P<id>\d+) rest=(?P<rest>\S+) grpc=(?P<grpc>\S+) pid=(?P<pid>\d+)$"
)
"""One of the first N stdout lines of ``qdpool serve --peers N``."""
_EPHEMERAL_START = 32_768
CLUSTER_LINE = re.compile(r"^qdpool serve: cluster=(?P<dir>\S+) engine-pid=(?P<engine>\S+) ")


@dataclass(frozen=True, slots=True)
class Peer:
    """One peer as last seen: its id, its API addresses, its peer-to-peer address, its pid.

    ``pid`` is None while the peer is down (killed and not restarted).
    """

    id: int
    rest_url: str
    grpc_url: str
    p2p_url: str
    pid: int | None

    @property
    def rest_port(self) -> int:
        return int(urlsplit(self.rest_url).port or 0)

    @property
    def grpc_port(self) -> int:
        return int(urlsplit(self.grpc_url).port or 0)

    @classmethod
    def from_status(cls, data: dict[str, Any]) -> Peer:
        return cls(
            int(data["id"]), data["rest_url"], data["grpc_url"], data["p2p_url"], data["pid"]
        )


class EmbeddedCluster(AsyncService):
    """A cluster of ``peers`` peer processes in front of one engine process.

    Args:
        peers: how many peers to start (ids 1..N).
        host: the address every peer binds.
        base_port: peer *k* (from 0) gets REST ``base + 10k``, gRPC ``base + 10k + 1`` and
            peer-to-peer ``base + 10k + 2``, so a client discovering the cluster from one
            seed finds each peer's API ports at the offset of its ``uri``'s port.  None
            (the default) picks a free base; 0 gives every port its own free number.
        api_key, read_only_api_key: the keys every peer requires.
        path: the engine's data directory (kept); default inside the cluster directory.
        directory: the cluster directory (membership, sockets); default a temporary
            one, removed on close.  Its path must be short (a Unix socket lives in it).
        startup_timeout: seconds to wait for the cluster, and for each command.
    """

    def __init__(
        self,
        peers: int = 3,
        *,
        host: str = "127.0.0.1",
        base_port: int | None = None,
        api_key: str | None = None,
        read_only_api_key: str | None = None,
        path: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        startup_timeout: float = 60.0,
        python: str = sys.executable,
    ) -> None:
        if peers < 1:
            raise ValueError(f"a cluster needs at least one peer; got {peers}")
        self.size = peers
        self.host = host
        self.base_port = base_port
        self.api_key = api_key
        self.read_only_api_key = read_only_api_key
        self.path = path
        self._own_directory = directory is None
        self._directory = Path(directory) if directory is not None else None
        self.startup_timeout = startup_timeout
        self.python = python
        self.peers: dict[int, Peer] = {}
        self.engine_pid: int | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None
        self._seen: dict[int, int] = {}  # pid -> start time: every process of this cluster

    @property
    def directory(self) -> Path:
        if self._directory is None:
            raise RuntimeError("the cluster is not started")
        return self._directory

    @property
    def supervisor_pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def command(self) -> list[str]:
        argv = [self.python, "-m", "qdpool", "serve", "--peers", str(self.size)]
        rest, grpc, p2p = self.base_ports()
        argv += ["--host", self.host, "--port", str(rest), "--grpc-port", str(grpc)]
        argv += ["--p2p-port", str(p2p)]
        argv += ["--cluster-dir", str(self.directory)]
        for flag, value in (
            ("--api-key", self.api_key),
            ("--read-only-api-key", self.read_only_api_key),
            ("--path", self.path),
        ):
            if value is not None:
                argv += [flag, os.fspath(value)]
        return argv

    def base_ports(self) -> tuple[int, int, int]:
        """Peer 1's REST, gRPC and peer-to-peer ports (a free base is picked on first use)."""
        if self.base_port is None:
            self.base_port = free_base_port(self.size, self.host)
        base = self.base_port
        return (base, base + 1, base + 2) if base else (0, 0, 0)

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Run ``qdpool serve --peers N`` and wait for its N peer lines and its cluster line.

        With a base port picked here, a start that fails (a probed port was taken
        meanwhile) is tried again on another base, three times in all.
        """
        if self._proc is not None:
            raise RuntimeError("the cluster is already started")
        picked = self.base_port is None
        for attempt in range(3 if picked else 1):
            try:
                await self._start_once()
                return
            except RuntimeError:
                if attempt == 2 or not picked:
                    raise
                self.base_port = None

    async def _start_once(self) -> None:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="qdpool-cl-"))
        self._proc = await asyncio.create_subprocess_exec(
            *self.command(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            env=EmbeddedProcess.environment(),
        )
        try:
            await asyncio.wait_for(self._read_banner(), self.startup_timeout)
        except BaseException:
            await self.close()
            raise
        self._drain = asyncio.create_task(self._drain_stdout(), name="qdpool-cluster-stdout")
        await self.refresh()

    async def _read_banner(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        self.peers = {}
        for _ in range(self.size):
            line = (await self._proc.stdout.readline()).decode().strip()
            match = PEER_LINE.match(line)
            if match is None:
                raise RuntimeError(f"qdpool serve --peers did not start: {line!r}")
            peer_id, pid = int(match["id"]), int(match["pid"])
            self.peers[peer_id] = Peer(peer_id, match["rest"], match["grpc"], "", pid)
        line = (await self._proc.stdout.readline()).decode().strip()
        match = CLUSTER_LINE.match(line)
        if match is None:
            raise RuntimeError(f"qdpool serve --peers printed no cluster line: {line!r}")
        self.engine_pid = int(match["engine"])

    async def _drain_stdout(self) -> None:
        """Keep reading stdout so the supervisor can never block on a full pipe."""
        assert self._proc is not None and self._proc.stdout is not None
        while await self._proc.stdout.readline():
            pass

    async def close(self, timeout: float = 20.0) -> None:
        """SIGTERM the supervisor (it stops every peer and the engine), then make sure of it."""
        proc, self._proc = self._proc, None
        self._note_processes(proc)
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain
            self._drain = None
        for pid in self.alive_pids():  # none, unless the supervisor could not stop them
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if self._directory is not None and self._own_directory:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def _note_processes(self, proc: asyncio.subprocess.Process | None) -> None:
        """Remember the supervisor and all its descendants (peers, engine, fork server)."""
        if proc is None or proc.returncode is not None:
            return
        for pid in _descendants(proc.pid) | {proc.pid}:
            started = _start_time(pid)
            if started is not None:
                self._seen[pid] = started

    def alive_pids(self) -> set[int]:
        """Processes of this cluster that still run (empty after ``close``).

        A process counts if it was the supervisor or one of its descendants when
        last looked at (``refresh``, ``close``) and its pid still names the same
        process (same start time), so a reused pid is never mistaken for it.
        """
        return {pid for pid, started in self._seen.items() if _start_time(pid) == started}

    # -- commands ----------------------------------------------------------------------

    async def _control(self, command: str, **fields: Any) -> Any:
        return await control(self.directory, command, timeout=self.startup_timeout, **fields)

    async def status(self) -> dict[str, Any]:
        """The supervisor's view: peers (with pids), engine pid, leader, term, commit."""
        status: dict[str, Any] = await self._control("status")
        return status

    async def refresh(self) -> dict[int, Peer]:
        """Re-read the peers from the supervisor (after changes made outside this object)."""
        status = await self.status()
        self.peers = {int(p["id"]): Peer.from_status(p) for p in status["peers"]}
        self.engine_pid = status["engine_pid"]
        self._note_processes(self._proc)
        return self.peers

    async def kill(self, peer_id: int) -> None:
        """SIGKILL peer ``peer_id``'s process; returns once it is dead."""
        await self._control("kill_peer", peer_id=peer_id)
        await self.refresh()

    async def restart(self, peer_id: int) -> Peer:
        """Start a killed peer again, with the same id and ports; it rejoins the cluster."""
        await self._control("restart_peer", peer_id=peer_id)
        await self.refresh()
        return self.peers[peer_id]

    async def add_peer(self) -> Peer:
        """Start a new peer (the next id); it appears in every peer's ``GET /cluster``."""
        added = Peer.from_status(await self._control("add_peer"))
        await self.refresh()
        return added

    async def remove_peer(self, peer_id: int, *, linger: float = 0.0) -> None:
        """Remove a peer from the membership now; its process stops after ``linger`` seconds."""
        await self._control("remove_peer", peer_id=peer_id, linger=linger)
        await self.refresh()

    async def kill_engine(self) -> None:
        """SIGKILL the engine process: the data holder behind every peer."""
        await self._control("kill_engine")
        await self.refresh()

    async def restart_engine(self) -> None:
        """Start the engine again on the same data."""
        await self._control("restart_engine")
        await self.refresh()

    def __repr__(self) -> str:
        peers = " ".join(f"{p.id}:{p.rest_url}" for p in self.peers.values()) or "-"
        return f"<EmbeddedCluster peers={peers}>"


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (``/proc``), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":  # a zombie has exited; only its exit status is left to reap
        return None
    return int(fields[19])


def _descendants(root: int) -> set[int]:
    """Every process below ``root`` in the process tree (Linux ``/proc``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def free_base_port(peers: int, host: str = "127.0.0.1", *, spare: int = 2) -> int:
    """A base port whose blocks for ``peers + spare`` peers (3 ports every 10) are all free.

    ``spare`` leaves room for peers added later.  Free when probed: another
    process may still take a port before the cluster binds it.  Bases lie below
    Linux's ephemeral range, so outgoing connections do not take a peer's port
    while it is down between a kill and a restart.
    """
    rng = random.Random()
    top = _EPHEMERAL_START - PORT_STRIDE * (peers + spare)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(200):
        base = rng.randrange(10_000, top, PORT_STRIDE)
        try:
            for k in range(peers + spare):
                for offset in range(3):
                    with socket.socket(family, socket.SOCK_STREAM) as probe:
                        probe.bind((host, base + PORT_STRIDE * k + offset))
        except OSError:
            continue
        return base
    raise OSError(f"no free block of ports for {peers} peers on {host}")
