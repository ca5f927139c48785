"""Child processes of the embedded cluster: how they are started, and how they die with it.

Every process of a cluster (engine, peers) is a child of one supervisor, which
passes its pid in ``QDPOOL_CLUSTER_PARENT``.  On Linux a child then asks the
kernel for SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), so killing the
supervisor, or the test that started it, leaves no process behind; elsewhere
the supervisor's own shutdown is the only guarantee.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Sequence

from qdpool.embedded.server import EmbeddedProcess

PARENT_ENV = "QDPOOL_CLUSTER_PARENT"
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """If started by a cluster supervisor: exit (SIGTERM) when it dies, even by SIGKILL."""
    parent = os.environ.get(PARENT_ENV)
    if parent is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != int(parent):  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def child_environment() -> dict[str, str]:
    """The environment of a cluster child: qdpool importable, this process as its parent."""
    env = EmbeddedProcess.environment()
    env[PARENT_ENV] = str(os.getpid())
    return env


async def spawn(
    argv: Sequence[str], *, timeout: float, env: dict[str, str]
) -> tuple[asyncio.subprocess.Process, str]:
    """Start ``argv`` and wait for its first stdout line (its "ready" banner).

    Returns the process and the line; raises ``RuntimeError`` (after reaping the
    process) if it exits or stays silent instead.
    """
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, env=env
    )
    assert proc.stdout is not None
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), timeout)).decode().strip()
    except TimeoutError:
        line = ""
    except BaseException:  # cancelled (a sibling failed to start): leave no process behind
        await stop(proc, timeout=1.0)
        raise
    if not line:
        await stop(proc, timeout=1.0)
        raise RuntimeError(f"{' '.join(argv[2:5])} did not start (exit status {proc.returncode})")
    return proc, line


async def stop(proc: asyncio.subprocess.Process, *, timeout: float) -> None:
    """SIGTERM, then SIGKILL after ``timeout``; returns once the process is reaped."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout)
            return
        except TimeoutError:
            proc.kill()
    await proc.wait()
