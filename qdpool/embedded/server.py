"""``EmbeddedQdrant``: both doors and the engine in this process; ``EmbeddedProcess``: in another.

In-process is what most tests want (fast start, direct access to ``faults``)::

    async with EmbeddedQdrant(api_key="k") as server:
        server.rest_url, server.grpc_url      # http://127.0.0.1:<free port>
        server.faults.add(FaultRule.error(503, count=1))

A separate process is for what a process cannot do to itself: ``kill -9`` in the
durability tests, and benchmarks that must not share a CPU-bound event loop
with the client::

    async with EmbeddedProcess(path=tmp, api_key="k") as proc:
        ...
        proc.kill()                           # SIGKILL, no flush
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import sys
from collections import deque
from pathlib import Path

import grpc.aio
from aiohttp import web

import qdpool
from qdpool.embedded.auth import ApiKeys
from qdpool.embedded.engine import Engine
from qdpool.embedded.faults import FaultInjector, ReceivedRequest
from qdpool.embedded.grpc import create_server
from qdpool.embedded.rest import create_app
from qdpool.embedded.service import AsyncService

log = logging.getLogger(__name__)

KEEPALIVE_TIMEOUT = 5.0
"""Seconds an idle keep-alive connection stays open, as Qdrant's ``http_keep_alive_timeout_sec``."""

BANNER = re.compile(r"^qdpool serve: rest=(?P<rest>\S+) grpc=(?P<grpc>\S+)$")
"""The first stdout line of ``qdpool serve``."""


def banner(rest_url: str, grpc_url: str) -> str:
    return f"qdpool serve: rest={rest_url} grpc={grpc_url}"


class EmbeddedQdrant(AsyncService):
    """A Qdrant-compatible server (REST + gRPC) on Qdrant Edge shards, in this event loop.

    Args:
        host: the address both doors bind to.
        port: REST port; 0 picks a free one.
        grpc_port: gRPC port; 0 picks a free one.
        api_key: the key every request except health checks must carry.
        read_only_api_key: a key that may only read.
        path: data directory (kept); ``None`` for a temporary one removed on close.
        snapshots_path: snapshot directory; default ``{data}/snapshots``.
        fault_seed: seed of the fault injector's RNG.
        flush_interval: seconds between background flushes of changed shards.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        grpc_port: int = 0,
        api_key: str | None = None,
        read_only_api_key: str | None = None,
        path: str | os.PathLike[str] | None = None,
        snapshots_path: str | os.PathLike[str] | None = None,
        *,
        fault_seed: int = 0,
        flush_interval: float = 5.0,
    ) -> None:
        self.host = host
        self._want_port = port
        self._want_grpc_port = grpc_port
        self.keys = ApiKeys(api_key, read_only_api_key)
        self.path = path
        self.snapshots_path = snapshots_path
        self.faults = FaultInjector(fault_seed)
        self.flush_interval = flush_interval
        self.port = 0
        self.grpc_port = 0
        self._engine: Engine | None = None
        self._runner: web.AppRunner | None = None
        self._grpc: grpc.aio.Server | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._started = False

    # -- addresses -------------------------------------------------------------------

    @property
    def rest_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.port}"

    @property
    def grpc_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.grpc_port}"

    @property
    def received(self) -> deque[ReceivedRequest]:
        """The last requests received, with their ``traceparent``/``tracestate`` (a ring)."""
        return self.faults.received

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the server is not started")
        return self._engine

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Open the engine (replaying logs), then bind and start both doors."""
        if self._started:
            raise RuntimeError("the server is already started")
        self._started = True
        self.faults.arm()
        try:
            self._engine = await asyncio.to_thread(Engine, self.path, self.snapshots_path)
            await self._start_rest(self._engine)
            await self._start_grpc(self._engine)
        except BaseException:
            await self.close()
            raise
        self._flusher = asyncio.create_task(self._flush_periodically(), name="qdpool-flush")

    async def _start_rest(self, engine: Engine) -> None:
        app = create_app(engine, self.faults, self.keys)
        self._runner = web.AppRunner(
            app,
            keepalive_timeout=KEEPALIVE_TIMEOUT,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=1.0,
        )
        await self._runner.setup()
        sock = _bind(self.host, self._want_port)
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def _start_grpc(self, engine: Engine) -> None:
        self._grpc = create_server(engine, self.faults, self.keys)
        bound = self._grpc.add_insecure_port(f"{_url_host(self.host)}:{self._want_grpc_port}")
        if bound == 0:
            raise OSError(f"cannot bind gRPC to {self.host}:{self._want_grpc_port}")
        self.grpc_port = bound
        await self._grpc.start()

    async def close(self) -> None:
        """Stop both doors (ending injected stalls at once), then flush and close every shard."""
        self.faults.release()
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        if self._grpc is not None:
            await self._grpc.stop(grace=0.5)
            self._grpc = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._engine is not None:
            await asyncio.to_thread(self._engine.close)
            self._engine = None

    async def _flush_periodically(self) -> None:
        """Persist segments now and then, so a restart has less write-ahead log to replay."""
        while True:
            await asyncio.sleep(self.flush_interval)
            if self._engine is not None:
                await asyncio.to_thread(self._engine.flush_all)

    def __repr__(self) -> str:
        state = f"rest={self.rest_url} grpc={self.grpc_url}" if self.port else "not started"
        return f"<EmbeddedQdrant {state}>"


class EmbeddedProcess(AsyncService):
    """``python -m qdpool serve`` as a child process, with the same arguments as ``EmbeddedQdrant``.

    ``start`` waits for the banner line and parses the URLs from it; ``kill`` sends
    SIGKILL (no flush: what a crash looks like), ``terminate`` SIGTERM (clean stop,
    exit status 0).  ``close`` terminates, and kills if that takes too long.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        grpc_port: int = 0,
        api_key: str | None = None,
        read_only_api_key: str | None = None,
        path: str | os.PathLike[str] | None = None,
        snapshots_path: str | os.PathLike[str] | None = None,
        *,
        startup_timeout: float = 30.0,
        python: str = sys.executable,
    ) -> None:
        self.args = ["serve", "--host", host, "--port", str(port), "--grpc-port", str(grpc_port)]
        for flag, value in (
            ("--api-key", api_key),
            ("--read-only-api-key", read_only_api_key),
            ("--path", path),
            ("--snapshots-path", snapshots_path),
        ):
            if value is not None:
                self.args += [flag, os.fspath(value)]
        self.startup_timeout = startup_timeout
        self.python = python
        self.rest_url = ""
        self.grpc_url = ""
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc else None

    def command(self) -> list[str]:
        """The command line that ``start`` runs."""
        return [self.python, "-m", "qdpool", *self.args]

    @staticmethod
    def environment() -> dict[str, str]:
        """This process's environment, with qdpool importable even from a source checkout."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        return env

    async def start(self) -> None:
        """Launch the server and wait until it prints its banner."""
        self._proc = await asyncio.create_subprocess_exec(
            *self.command(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            env=self.environment(),
        )
        assert self._proc.stdout is not None
        try:
            line = await asyncio.wait_for(self._proc.stdout.readline(), self.startup_timeout)
        except TimeoutError:
            await self.close()
            raise RuntimeError(
                f"qdpool serve printed no banner within {self.startup_timeout} s"
            ) from None
        match = BANNER.match(line.decode().strip())
        if match is None:
            await self.close()
            raise RuntimeError(f"qdpool serve did not start: {line.decode().strip()!r}")
        self.rest_url, self.grpc_url = match["rest"], match["grpc"]

    def kill(self) -> None:
        """SIGKILL: the process dies at once, flushing nothing."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM: the server flushes its shards and exits 0."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.send_signal(signal.SIGTERM)

    async def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to exit; returns its exit status."""
        if self._proc is None:
            raise RuntimeError("the process was never started")
        return await asyncio.wait_for(self._proc.wait(), timeout)

    async def close(self, timeout: float = 10.0) -> None:
        """Terminate (kill after ``timeout``) and reap the process."""
        if self._proc is None or self._proc.returncode is not None:
            return
        self.terminate()
        try:
            await self.wait(timeout)
        except TimeoutError:
            self.kill()
            await self.wait()

    def __repr__(self) -> str:
        return f"<EmbeddedProcess pid={self.pid} rest={self.rest_url or '-'}>"


_PACKAGE_ROOT = str(Path(qdpool.__file__).resolve().parent.parent)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket for the REST door (port 0: the kernel picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
