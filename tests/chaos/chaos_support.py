"""A TCP fault proxy for chaos tests, and the bookkeeping the tests share.

``FaultProxy`` sits between the client and a server (one proxy per port) and
breaks the connections that go through it, the way networks do:

* ``reset_rate``: each forwarded chunk may end both sides of its connection
  with a TCP reset (RST), in either direction: a request that never arrives, or
  an answer that never comes back after the server acted on it;
* ``latency``: every chunk from the server is held this long;
* ``stall_rate`` / ``stall_for``: a chunk from the server may be held for
  ``stall_for`` seconds, so the connection hangs mid-answer;
* ``outage()``: every open connection is reset and new ones are reset on
  accept, until ``recover()``;
* ``target``: where new connections go, so a restarted server on new ports
  sits behind the same address.

Randomness comes from one seeded generator. ``open_connections`` is what
``close`` on the client must bring back to zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from collections import Counter
from dataclasses import dataclass, field

_LINGER_RST = struct.pack("ii", 1, 0)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST rather than a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
    writer.transport.abort()


@dataclass(eq=False)
class _Link:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    broken: bool = False
    closed_by: str = ""

    def close(self) -> None:
        if self.broken:
            return
        self.broken = True
        self.client.close()
        if self.upstream is not None:
            self.upstream.close()

    def reset(self) -> None:
        if self.broken:
            return
        self.broken = True
        _reset(self.client)
        if self.upstream is not None:
            _reset(self.upstream)


@dataclass
class FaultProxy:
    """See the module docstring."""

    target: tuple[str, int]
    seed: int = 0
    reset_rate: float = 0.0
    latency: float = 0.0
    stall_rate: float = 0.0
    stall_for: float = 1.0
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._refusing = False
        self.port = 0

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def open_connections(self) -> int:
        return sum(1 for link in self._links if not link.broken)

    def calm(self) -> None:
        """No faults at all (an outage is ended too)."""
        self.reset_rate = self.latency = self.stall_rate = 0.0
        self._refusing = False

    def outage(self) -> None:
        """Reset every connection, and every new one, until ``recover()``."""
        self._refusing = True
        self.counts["outages"] += 1
        for link in list(self._links):
            link.reset()

    def recover(self) -> None:
        self._refusing = False

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for link in list(self._links):
            link.reset()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        link = _Link(writer)
        self.counts["accepted"] += 1
        if self._refusing:
            self.counts["refused"] += 1
            link.reset()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            self.counts["upstream_refused"] += 1
            link.reset()
            return
        link.upstream = up_writer
        self._links.add(link)
        try:
            await asyncio.gather(
                self._pump(reader, up_writer, link, from_server=False),
                self._pump(up_reader, writer, link, from_server=True),
            )
        finally:
            self._links.discard(link)
            if not link.broken:
                link.broken = True
                writer.transport.abort()
                up_writer.transport.abort()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        link: _Link,
        *,
        from_server: bool,
    ) -> None:
        rng = self._rng
        try:
            while not link.broken:
                chunk = await reader.read(65536)
                if not chunk:
                    # One side hung up: end the whole link, gracefully (FIN), as a
                    # proxy in the path would.
                    link.closed_by = "server" if from_server else "client"
                    link.close()
                    return
                if self.reset_rate and rng.random() < self.reset_rate:
                    self.counts["resets"] += 1
                    link.reset()
                    return
                if from_server:
                    if self.stall_rate and rng.random() < self.stall_rate:
                        self.counts["stalls"] += 1
                        await asyncio.sleep(self.stall_for)
                    elif self.latency:
                        await asyncio.sleep(self.latency)
                if link.broken:
                    return
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            link.reset()


@dataclass
class Tally:
    """Outcomes of the operations a chaos run sent."""

    ok: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    worst_overrun: float = 0.0
    overruns: list[float] = field(default_factory=list)

    def record(self, kind: str, error: BaseException | None, overrun: float) -> None:
        if error is None:
            self.ok[kind] += 1
        else:
            self.failed[kind] += 1
            self.errors[f"{kind}: {type(error).__name__}: {str(error)[:80]}"] += 1
        self.worst_overrun = max(self.worst_overrun, overrun)
        if overrun > 0:
            self.overruns.append(overrun)

    @property
    def operations(self) -> int:
        return sum(self.ok.values()) + sum(self.failed.values())

    def success_rate(self, kinds: tuple[str, ...]) -> float:
        ok = sum(self.ok[k] for k in kinds)
        total = ok + sum(self.failed[k] for k in kinds)
        return ok / total if total else 1.0
