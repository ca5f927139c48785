"""Child processes of the embedded cluster: how they are started, and how they die with it.

The supervisor starts its children (engine, peers) from a fork server
(``multiprocessing``'s ``forkserver``) that has imported qdpool once: a child
is then ready in milliseconds instead of paying a fresh interpreter's imports
(about a second each, and a cluster has N + 1 children).  The fork server
itself is single-threaded, so forking from it is safe; every child is still a
separate process, so ``kill -9`` of one is real.  A child reports "ready" with
one line over a pipe.

Every child holds the read end of the supervisor's *lifeline*, a pipe whose
write end only the supervisor has: when the supervisor dies, however it dies,
the pipe reads end-of-file and the child stops as on SIGTERM.  Killing the
supervisor, or the test that started it, therefore leaves no process behind
(the fork server exits once its last child has).  ``qdpool serve --peer-of``
run by hand has no lifeline and runs on.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

PRELOAD = ["qdpool.embedded.cluster_peer", "qdpool.embedded.cluster_engine"]
"""What the fork server imports once, for every child it forks."""

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)  # not "__main__": that would run `qdpool serve` again


class Lifeline:
    """The supervisor's side of the lifeline: created once, closed (or dropped by death) last."""

    def __init__(self) -> None:
        self.receiver, self._sender = _context.Pipe(duplex=False)

    def close(self) -> None:
        self._sender.close()
        self.receiver.close()


def child_start(
    lifeline: multiprocessing.connection.Connection,
    ready: multiprocessing.connection.Connection,
) -> Ready:
    """What a forked child does first: tie itself to the supervisor, silence stdout.

    Returns the function that sends its ready line.
    """
    threading.Thread(target=_watch_lifeline, args=(lifeline,), daemon=True).start()
    quiet_stdout()
    return child_ready(ready)


def _watch_lifeline(lifeline: multiprocessing.connection.Connection) -> None:
    with contextlib.suppress(EOFError, OSError):
        while True:
            lifeline.recv()  # nothing is ever sent: this returns at the supervisor's death
    os.kill(os.getpid(), signal.SIGTERM)


class ForkedChild:
    """A child forked by the fork server: pid, exit status, signals, and an awaitable exit."""

    def __init__(self, process: BaseProcess) -> None:
        assert process.pid is not None
        self.pid: int = process.pid
        self.returncode: int | None = None
        self._process = process
        self._sentinel = process.sentinel
        self._exited: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().add_reader(self._sentinel, self._on_exit)

    def _on_exit(self) -> None:
        """The fork server reported the exit: record the status, release the process object."""
        asyncio.get_running_loop().remove_reader(self._sentinel)
        self._process.join(0)
        status = self._process.exitcode
        self.returncode = -1 if status is None else status
        self._process.close()
        if not self._exited.done():
            self._exited.set_result(self.returncode)

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        return await asyncio.shield(self._exited)


Ready = Callable[[str], None]
"""How a child says it is ready: one line (a banner) sent to the supervisor."""


def child_ready(connection: multiprocessing.connection.Connection) -> Ready:
    def ready(line: str) -> None:
        connection.send(line)
        connection.close()

    return ready


async def fork(
    target: Callable[..., Any], args: tuple[Any, ...], *, lifeline: Lifeline, timeout: float
) -> tuple[ForkedChild, str]:
    """Fork ``target(*args, lifeline, ready)`` from the fork server; wait for its ready line.

    Raises ``RuntimeError`` (after reaping the child) if it exits or stays silent.
    """
    receiver, sender = _context.Pipe(duplex=False)
    process = _context.Process(target=target, args=(*args, lifeline.receiver, sender), daemon=False)
    # The first start launches the fork server.  Shielded: a fork cancelled meanwhile
    # still waits to learn the pid of what it started, and stops it.
    starting = asyncio.ensure_future(asyncio.to_thread(process.start))
    try:
        await asyncio.shield(starting)
    except asyncio.CancelledError:
        await starting
        await stop(ForkedChild(process), timeout=1.0)
        raise
    finally:
        sender.close()
    child = ForkedChild(process)
    try:
        line = await asyncio.wait_for(_receive(receiver), timeout)
    except (TimeoutError, EOFError, OSError):
        line = ""
    except BaseException:
        await stop(child, timeout=1.0)
        raise
    finally:
        receiver.close()
    if not line:
        await stop(child, timeout=1.0)
        raise RuntimeError(f"{target.__module__} did not start (exit status {child.returncode})")
    return child, line


async def _receive(connection: multiprocessing.connection.Connection) -> str:
    loop = asyncio.get_running_loop()
    readable: asyncio.Future[None] = loop.create_future()

    def on_readable() -> None:
        if not readable.done():
            readable.set_result(None)

    loop.add_reader(connection.fileno(), on_readable)
    try:
        await readable
    finally:
        loop.remove_reader(connection.fileno())
    return str(connection.recv())


def quiet_stdout() -> None:
    """Point a forked child's stdout at /dev/null: the supervisor's stdout is its banner."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


async def stop(proc: ForkedChild, *, timeout: float) -> None:
    """SIGTERM, then SIGKILL after ``timeout``; returns once the process is reaped."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout)
            return
        except TimeoutError:
            proc.kill()
    await proc.wait()
