"""``qdpool serve --peers N``: the process that starts, watches and stops an embedded cluster.

It owns every process of the cluster as its child: one engine process holding
the data (``cluster_engine``) and N peer processes (``cluster_peer``) that
forward to it.  It alone writes the membership (``cluster_state``), and it
takes orders on ``DIR/control.sock`` (one JSON line in, one out; see
``cluster_control``): add, remove, kill and restart peers, kill and restart the
engine.  It notices a child's death (a peer killed with ``kill -9``) and marks
it down, which re-elects the simulated Raft leader when the leader died; a peer
that is restarted comes back with its id and ports and is marked up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from qdpool.embedded import cluster_state
from qdpool.embedded.cluster_engine import engine_main
from qdpool.embedded.cluster_peer import peer_main
from qdpool.embedded.cluster_proc import ForkedChild, Lifeline, fork, stop
from qdpool.embedded.cluster_state import PORT_STRIDE, Membership, PeerAddress, peer_banner

log = logging.getLogger(__name__)

MAX_SOCKET_PATH = 100
"""Unix socket paths are limited to about 108 bytes; the sockets live in the cluster directory."""


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """What ``qdpool serve --peers N`` was asked for.

    Ports are bases: peer ``k`` (from 0) gets ``base + 10 * k``; a base of 0 means
    free ports picked at start.  ``directory`` None means a temporary cluster
    directory, removed on close; ``path`` None means ``{directory}/data``.
    """

    peers: int
    host: str = "127.0.0.1"
    port: int = 6333
    grpc_port: int = 6334
    p2p_port: int = 6335
    api_key: str | None = None
    read_only_api_key: str | None = None
    directory: Path | None = None
    path: Path | None = None
    snapshots_path: Path | None = None
    log_level: str = "WARNING"
    startup_timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.peers < 1:
            raise ValueError(f"a cluster needs at least one peer; got {self.peers}")
        for name in ("port", "grpc_port", "p2p_port"):
            if not 0 <= getattr(self, name) <= 65535:
                raise ValueError(f"{name} must be a port number")
        if self.startup_timeout <= 0:
            raise ValueError("startup_timeout must be positive")


@dataclass(slots=True)
class _Child:
    process: ForkedChild
    line: str
    watcher: asyncio.Task[None] | None = None


class Supervisor:
    """Starts the engine and the peers, keeps the membership, answers control requests."""

    def __init__(self, options: ClusterOptions) -> None:
        self.options = options
        self._temporary = options.directory is None
        # Absolute, so that a peer started later with --peer-of finds the same files.
        chosen = options.directory or Path(tempfile.mkdtemp(prefix="qdpool-cluster-"))
        self.directory = chosen.absolute()
        self.membership = Membership(options.host)
        self._engine: _Child | None = None
        self._peers: dict[int, _Child] = {}
        self._control: asyncio.Server | None = None
        self._lock = asyncio.Lock()
        self._closing = False
        self._lingering: set[asyncio.Task[None]] = set()
        self._lifeline = Lifeline()

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> list[str]:
        """Start the engine, then every peer; returns the peers' banner lines, in id order."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)  # the sockets in it carry unauthenticated engine calls
        control = self.directory / cluster_state.CONTROL_SOCKET
        if len(str(control)) > MAX_SOCKET_PATH:
            raise OSError(f"cluster directory path too long for a Unix socket: {self.directory}")
        try:
            self.membership = self._initial_membership()
            cluster_state.save(self.directory, self.membership)
            # Peers connect to the engine on their first call, so all start at once.
            async with asyncio.TaskGroup() as group:
                group.create_task(self._start_engine())
                for peer in self.membership.peers:
                    group.create_task(self._start_peer(peer))
            control.unlink(missing_ok=True)
            self._control = await asyncio.start_unix_server(self._serve_control, str(control))
        except BaseExceptionGroup as group:
            await self.close()
            raise group.exceptions[0] from None
        except BaseException:
            await self.close()
            raise
        return [self._peers[p.id].line for p in self.membership.peers]

    def _initial_membership(self) -> Membership:
        membership = initial_membership(
            cluster_state.load(self.directory),
            self.options.host,
            self.options.peers,
            self._new_address,
        )
        return replace(membership, snapshots_dir=str(self._snapshots_dir()))

    def _data_dir(self) -> Path:
        path = self.options.path
        return path.absolute() if path else self.directory / "data"

    def _snapshots_dir(self) -> Path:
        path = self.options.snapshots_path
        return path.absolute() if path else self._data_dir() / "snapshots"  # the Engine's default

    async def close(self) -> None:
        """Stop every peer, then the engine (which flushes); remove a temporary directory."""
        self._closing = True
        if self._control is not None:
            self._control.close()
            self._control = None
        lingering = list(self._lingering)
        for task in lingering:
            task.cancel()  # stops its peer now instead of later
        await asyncio.gather(*lingering, return_exceptions=True)
        await asyncio.gather(*(self._stop_child(c) for c in list(self._peers.values())))
        self._peers.clear()
        if self._engine is not None:
            await self._stop_child(self._engine, timeout=15.0)
            self._engine = None
        self._lifeline.close()
        (self.directory / cluster_state.CONTROL_SOCKET).unlink(missing_ok=True)
        if self._temporary:
            shutil.rmtree(self.directory, ignore_errors=True)

    # -- the engine --------------------------------------------------------------------

    async def _start_engine(self) -> None:
        opts = self.options
        args = (self.directory, self._data_dir(), self._snapshots_dir())
        process, line = await fork(
            engine_main,
            (*args, opts.log_level),
            lifeline=self._lifeline,
            timeout=opts.startup_timeout,
        )
        self._engine = _Child(process, line)
        self._engine.watcher = asyncio.create_task(self._watch_engine(self._engine))

    async def _watch_engine(self, child: _Child) -> None:
        status = await child.process.wait()
        if not self._closing and self._engine is child:
            log.warning("engine process %d exited with %d", child.process.pid, status)

    # -- peers -------------------------------------------------------------------------

    def _new_address(self, peer_id: int) -> PeerAddress:
        opts, offset = self.options, PORT_STRIDE * (peer_id - 1)

        def port(base: int) -> int:
            return _free_port(opts.host) if base == 0 else base + offset

        return PeerAddress(peer_id, port(opts.port), port(opts.grpc_port), port(opts.p2p_port))

    def _probed(self) -> bool:
        return 0 in (self.options.port, self.options.grpc_port, self.options.p2p_port)

    async def _start_peer(self, address: PeerAddress, *, attempts: int = 3) -> PeerAddress:
        """Launch a peer on ``address`` (in the membership); new free ports if those were taken."""
        for attempt in range(attempts):
            try:
                process, line = await fork(
                    peer_main,
                    self._peer_args(address.id),
                    lifeline=self._lifeline,
                    timeout=self.options.startup_timeout,
                )
            except RuntimeError:
                if attempt + 1 == attempts or not self._probed() or self._closing:
                    raise
                address = self._new_address(address.id)  # a probed port was taken meanwhile
                self._replace_address(address)
                continue
            child = _Child(process, line)
            self._peers[address.id] = child
            child.watcher = asyncio.create_task(self._watch_peer(address.id, child))
            return address
        raise AssertionError("unreachable")

    def _replace_address(self, address: PeerAddress) -> None:
        m = self.membership
        self._commit(m.with_peer(address) if m.is_member(address.id) else m.with_joining(address))

    def _peer_args(self, peer_id: int) -> tuple[Any, ...]:
        opts = self.options
        return (self.directory, peer_id, opts.api_key, opts.read_only_api_key, opts.log_level)

    async def _watch_peer(self, peer_id: int, child: _Child) -> None:
        status = await child.process.wait()
        if self._closing or self._peers.get(peer_id) is not child:
            return
        del self._peers[peer_id]
        log.warning("peer %d (pid %d) exited with %d", peer_id, child.process.pid, status)
        if self.membership.is_member(peer_id):
            self._commit(self.membership.with_liveness(peer_id, alive=False))

    async def _stop_child(self, child: _Child, *, timeout: float = 5.0) -> None:
        await stop(child.process, timeout=timeout)
        if child.watcher is not None:
            child.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await child.watcher

    def _commit(self, membership: Membership) -> None:
        self.membership = membership
        cluster_state.save(self.directory, membership)

    # -- control commands --------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        m = self.membership
        return {
            "directory": str(self.directory),
            "engine_pid": self._engine_pid(),
            "leader": m.leader,
            "term": m.term,
            "commit": m.commit,
            "peers": [self._describe(p.id) for p in m.peers],
        }

    def _engine_pid(self) -> int | None:
        engine = self._engine
        return engine.process.pid if engine and engine.process.returncode is None else None

    def _describe(self, peer_id: int) -> dict[str, Any]:
        address = self.membership.peer(peer_id)
        assert address is not None
        child = self._peers.get(peer_id)
        host = cluster_state.url_host(self.membership.host)
        return {
            "id": peer_id,
            "rest_url": f"http://{host}:{address.rest_port}",
            "grpc_url": f"http://{host}:{address.grpc_port}",
            "p2p_url": self.membership.uri(address),
            "pid": child.process.pid if child else None,
            "line": child.line if child else None,
        }

    async def add_peer(self) -> dict[str, Any]:
        """Start a new peer; it joins the membership once it listens."""
        address = self._new_address(self.membership.next_peer_id)
        self._commit(self.membership.with_joining(address))
        try:
            address = await self._start_peer(address)
        except BaseException:
            self._commit(self.membership.without_peer(address.id))
            raise
        self._commit(self.membership.with_peer(address))
        return self._describe(address.id)

    async def remove_peer(self, peer_id: int, linger: float = 0.0) -> bool:
        """Take a peer out of the membership now; stop its process after ``linger`` seconds."""
        self._require_member(peer_id)
        self._commit(self.membership.without_peer(peer_id))
        child = self._peers.pop(peer_id, None)
        if child is not None:
            task = asyncio.create_task(self._stop_later(child, linger))
            self._lingering.add(task)
            task.add_done_callback(self._lingering.discard)
            if linger <= 0:
                await task
        return True

    async def _stop_later(self, child: _Child, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
        finally:
            await self._stop_child(child)

    async def kill_peer(self, peer_id: int) -> bool:
        """SIGKILL a peer (a crash: nothing is cleaned up); returns once it is dead."""
        self._require_member(peer_id)
        child = self._peers.get(peer_id)
        if child is None:
            return False
        child.process.kill()
        if child.watcher is not None:
            await child.watcher
        return True

    async def restart_peer(self, peer_id: int) -> dict[str, Any]:
        """Start a dead peer again, with its id and ports; it rejoins."""
        self._require_member(peer_id)
        if peer_id in self._peers:
            raise ValueError(f"peer {peer_id} is running")
        address = self.membership.peer(peer_id)
        assert address is not None
        await self._start_peer(address, attempts=1)  # same ports, or not at all
        self._commit(self.membership.with_liveness(peer_id, alive=True))
        return self._describe(peer_id)

    async def kill_engine(self) -> bool:
        """SIGKILL the engine process: every peer answers 503 / UNAVAILABLE until it is back."""
        engine = self._engine
        if engine is None or engine.process.returncode is not None:
            return False
        engine.process.kill()
        await engine.process.wait()
        return True

    async def restart_engine(self) -> dict[str, Any]:
        """Start the engine again on the same data (its logs replay acknowledged writes)."""
        if self._engine_pid() is not None:
            raise ValueError("the engine is running")
        await self._start_engine()
        return {"engine_pid": self._engine_pid()}

    def _require_member(self, peer_id: int) -> None:
        if not self.membership.is_member(peer_id):
            raise ValueError(f"peer {peer_id} is not a member of the cluster")

    async def _serve_control(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            request = orjson.loads(await reader.readline())
            answer = {"result": await self._dispatch(request)}
        except (ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
            answer = {"error": str(exc)}
        with contextlib.suppress(ConnectionError, OSError):
            writer.write(orjson.dumps(answer) + b"\n")
            await writer.drain()
            writer.close()

    async def _dispatch(self, request: Any) -> Any:
        if not isinstance(request, dict) or not isinstance(request.get("command"), str):
            raise ValueError('a control request is {"command": NAME, ...}')
        command: str = request["command"]
        commands: dict[str, Callable[[], Awaitable[Any]]] = {
            "status": self._async(self.status),
            "add_peer": self.add_peer,
            "remove_peer": lambda: self.remove_peer(
                int(request["peer_id"]), float(request.get("linger", 0.0))
            ),
            "kill_peer": lambda: self.kill_peer(int(request["peer_id"])),
            "restart_peer": lambda: self.restart_peer(int(request["peer_id"])),
            "kill_engine": self.kill_engine,
            "restart_engine": self.restart_engine,
        }
        if command not in commands:
            raise ValueError(f"unknown command {command!r}; expected one of {sorted(commands)}")
        if self._closing:
            raise RuntimeError("the cluster is stopping")
        async with self._lock:
            return await commands[command]()

    @staticmethod
    def _async(function: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            return function()

        return call


def initial_membership(
    stored: Membership | None,
    host: str,
    peers: int,
    new_address: Callable[[int], PeerAddress],
) -> Membership:
    """The stored membership (same ids, ports and term as last time) resized to ``peers``.

    Without a stored one (or one for another host), a new one with ids 1..N;
    ``new_address(id)`` gives a new peer its ports.
    """
    membership = Membership(host)
    if stored is not None and stored.host == host:
        membership = Membership(
            host,
            peers=stored.peers[:peers],
            term=stored.term,
            commit=stored.commit,
            leader=stored.leader,
            next_peer_id=stored.next_peer_id,
        )
    while len(membership.peers) < peers:
        membership = membership.with_peer(new_address(membership.next_peer_id))
    return membership.elected()


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def cluster_banner(directory: Path, engine_pid: int | None) -> str:
    """The line after the peers' lines: where the cluster directory is (for ``qdpool cluster``)."""
    return f"qdpool serve: cluster={directory} engine-pid={engine_pid} supervisor-pid={os.getpid()}"


__all__ = ["ClusterOptions", "Supervisor", "cluster_banner", "peer_banner"]
