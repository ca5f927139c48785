"""The embedded cluster's engine process: the one holder of the data, behind every peer.

Forked by the supervisor (``engine_main``), it opens an ``Engine`` on the data
directory (replaying its write-ahead logs, so what it acknowledged before a
``kill -9`` is there again), answers the peers on ``DIR/engine.sock``
(``cluster_link``), flushes changed shards every few seconds, and reports
``qdpool engine: pid=PID`` once it listens.  SIGTERM flushes and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing.connection
import os
import signal
import sys
from pathlib import Path

from qdpool.embedded.cluster_link import EngineListener
from qdpool.embedded.cluster_proc import Ready, child_start
from qdpool.embedded.cluster_state import ENGINE_SOCKET
from qdpool.embedded.engine import Engine

FLUSH_INTERVAL = 5.0


def engine_main(
    directory: Path,
    path: Path,
    snapshots_path: Path | None,
    log_level: str,
    lifeline: multiprocessing.connection.Connection,
    connection: multiprocessing.connection.Connection,
) -> None:
    """The engine process, forked by the supervisor (``cluster_proc.fork``)."""
    ready = child_start(lifeline, connection)
    logging.basicConfig(
        level=log_level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    sys.exit(asyncio.run(serve(directory, path, snapshots_path, ready)))


async def serve(directory: Path, path: Path, snapshots_path: Path | None, ready: Ready) -> int:
    """Serve the peers until SIGINT or SIGTERM, then flush and close every shard."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    engine = await asyncio.to_thread(Engine, path, snapshots_path)
    listener = EngineListener(engine, directory / ENGINE_SOCKET)
    flusher: asyncio.Task[None] | None = None
    try:
        await listener.start()
        flusher = asyncio.create_task(_flush_periodically(engine))
        ready(f"qdpool engine: pid={os.getpid()}")
        await stop.wait()
    finally:
        if flusher is not None:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
        await listener.close()
        await asyncio.to_thread(engine.close)
    return 0


async def _flush_periodically(engine: Engine) -> None:
    """Persist segments now and then, so a restart has less write-ahead log to replay."""
    while True:
        await asyncio.sleep(FLUSH_INTERVAL)
        await asyncio.to_thread(engine.flush_all)
