"""One peer of the embedded cluster: the REST and gRPC doors in front of the engine process.

A peer runs the very same doors as the single server (``rest.create_app``,
``grpc.create_server``: trace log, fault injection, API keys, decoding), built on
``PeerEngine`` instead of an ``Engine``.  ``PeerEngine.run`` answers
``cluster_status`` from the cluster's membership and forwards every other
operation, by name, to the engine process (``cluster_link``), so its faults and
keys are its own while the data is everyone's.

Each peer also holds its peer-to-peer port, the one ``GET /cluster`` reports in
``uri``: it accepts connections and closes them at once, so a client that takes
that address for an API address fails loudly, as it would against Qdrant's
internal gRPC port.

The supervisor forks peers (``peer_main``); ``qdpool serve --peer-of DIR
--peer-id I`` runs one by hand.  Either way the ports come from
``DIR/cluster.json``, so a peer restarted after ``kill -9`` comes back where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing.connection
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any, cast

import grpc.aio
from aiohttp import web

from qdpool import operations as ops
from qdpool.embedded import cluster_state
from qdpool.embedded.auth import ApiKeys
from qdpool.embedded.cluster_link import EngineLink
from qdpool.embedded.cluster_proc import Ready, child_start
from qdpool.embedded.cluster_state import PeerAddress, peer_banner, url_host
from qdpool.embedded.engine import Engine
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.embedded.faults import FaultInjector
from qdpool.embedded.grpc import create_server
from qdpool.embedded.rest import create_app
from qdpool.embedded.server import KEEPALIVE_TIMEOUT
from qdpool.embedded.service import AsyncService
from qdpool.operations.spec import Operation

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


class PeerEngine:
    """The doors' ``engine``: cluster status answered here, every other call forwarded.

    The doors use ``run`` and, for snapshot uploads, ``snapshots_dir`` (the
    engine's, shared through the file system).
    """

    def __init__(
        self, link: EngineLink, directory: Path, peer_id: int, snapshots_dir: Path
    ) -> None:
        self.link = link
        self.directory = directory
        self.peer_id = peer_id
        self.snapshots_dir = snapshots_dir

    async def run(
        self,
        operation: Operation[Any],
        collection: str | None = None,
        body: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        if operation is ops.CLUSTER_STATUS:
            membership = cluster_state.load(self.directory)
            if membership is None:
                raise EngineError(ErrorKind.UNAVAILABLE, "Service unavailable: no cluster state")
            return membership.status(self.peer_id)
        return await self.link.run(operation, collection, body, params)


class ClusterPeer(AsyncService):
    """One peer's doors and peer-to-peer port, on the ports the membership gives it.

    Args:
        directory: the cluster directory (``cluster.json``, the engine's socket).
        peer_id: which peer of the membership this is.
        api_key, read_only_api_key: the keys, as given to ``qdpool serve``.
        fault_seed: seed of this peer's fault injector.
    """

    def __init__(
        self,
        directory: Path,
        peer_id: int,
        *,
        api_key: str | None = None,
        read_only_api_key: str | None = None,
        fault_seed: int = 0,
    ) -> None:
        self.directory = directory
        self.peer_id = peer_id
        self.keys = ApiKeys(api_key, read_only_api_key)
        self.faults = FaultInjector(fault_seed)
        self.host = "127.0.0.1"
        self.address: PeerAddress | None = None
        self._link = EngineLink(directory / cluster_state.ENGINE_SOCKET)
        self._runner: web.AppRunner | None = None
        self._grpc: grpc.aio.Server | None = None
        self._p2p: asyncio.Server | None = None

    @property
    def rest_url(self) -> str:
        assert self.address is not None
        return f"http://{url_host(self.host)}:{self.address.rest_port}"

    @property
    def grpc_url(self) -> str:
        assert self.address is not None
        return f"http://{url_host(self.host)}:{self.address.grpc_port}"

    async def start(self) -> None:
        membership = cluster_state.load(self.directory)
        address = membership.peer(self.peer_id) if membership else None
        if membership is None or address is None:
            raise OSError(f"peer {self.peer_id} is not a member of the cluster in {self.directory}")
        self.host, self.address = membership.host, address
        # The doors only ever call ``engine.run``; PeerEngine has the same signature.
        snapshots = Path(membership.snapshots_dir or self.directory / "data" / "snapshots")
        engine = cast(Engine, PeerEngine(self._link, self.directory, self.peer_id, snapshots))
        self.faults.arm()
        try:
            self._p2p = await asyncio.start_server(
                _refuse, sock=_listen(self.host, address.p2p_port)
            )
            self._runner = web.AppRunner(
                create_app(engine, self.faults, self.keys),
                keepalive_timeout=KEEPALIVE_TIMEOUT,
                access_log=None,
                handle_signals=False,
                shutdown_timeout=1.0,
            )
            await self._runner.setup()
            await web.SockSite(self._runner, _listen(self.host, address.rest_port)).start()
            self._grpc = create_server(engine, self.faults, self.keys)
            target = f"{url_host(self.host)}:{address.grpc_port}"
            try:
                bound = self._grpc.add_insecure_port(target)
            except RuntimeError as exc:
                raise OSError(f"cannot bind gRPC to {target}: {exc}") from None
            if bound == 0:
                raise OSError(f"cannot bind gRPC to {target}")
            await self._grpc.start()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Stop the doors (ending injected stalls), the peer-to-peer port and the link."""
        self.faults.release()
        if self._grpc is not None:
            await self._grpc.stop(grace=0.5)
            self._grpc = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._p2p is not None:
            self._p2p.close()
            self._p2p = None
        await self._link.close()


def peer_main(
    directory: Path,
    peer_id: int,
    api_key: str | None,
    read_only_api_key: str | None,
    log_level: str,
    lifeline: multiprocessing.connection.Connection,
    connection: multiprocessing.connection.Connection,
) -> None:
    """A peer forked by the supervisor (``cluster_proc.fork``): serve, then exit."""
    ready = child_start(lifeline, connection)
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr, format=LOG_FORMAT)
    try:
        status = asyncio.run(
            run_peer(
                directory,
                peer_id,
                api_key=api_key,
                read_only_api_key=read_only_api_key,
                ready=ready,
            )
        )
    except OSError as exc:
        print(f"qdpool serve: peer {peer_id}: {exc}", file=sys.stderr)
        status = 1
    sys.exit(status)


async def run_peer(
    directory: Path,
    peer_id: int,
    *,
    api_key: str | None,
    read_only_api_key: str | None,
    ready: Ready | None = None,
) -> int:
    """Serve until SIGINT or SIGTERM; the banner goes to ``ready``, or to stdout.

    ``qdpool serve --peer-of DIR --peer-id I`` is this with the banner on stdout.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    peer = ClusterPeer(directory, peer_id, api_key=api_key, read_only_api_key=read_only_api_key)
    await peer.start()
    try:
        line = peer_banner(peer_id, peer.rest_url, peer.grpc_url, os.getpid())
        if ready is None:
            print(line, flush=True)
        else:
            ready(line)
        await stop.wait()
    finally:
        await peer.close()
    return 0


async def _refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError, OSError):
        await writer.wait_closed()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=1024)
    sock.setblocking(False)
    return sock
