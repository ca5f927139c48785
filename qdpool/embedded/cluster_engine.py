"""The embedded cluster's engine process: the one holder of the data, behind every peer.

``python -m qdpool.embedded.cluster_engine --dir DIR --path DATA`` opens an
``Engine`` on ``DATA`` (replaying its write-ahead logs, so what it acknowledged
before a ``kill -9`` is there again), answers the peers on ``DIR/engine.sock``
(``cluster_link``), flushes changed shards every few seconds, and prints
``qdpool engine: pid=PID`` once it listens.  SIGTERM flushes and exits 0.  The
supervisor starts it; nothing else should.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from qdpool.embedded.cluster_link import EngineListener
from qdpool.embedded.cluster_proc import die_with_parent
from qdpool.embedded.cluster_state import ENGINE_SOCKET
from qdpool.embedded.engine import Engine

FLUSH_INTERVAL = 5.0


async def serve(directory: Path, path: Path, snapshots_path: Path | None) -> int:
    die_with_parent()
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
        print(f"qdpool engine: pid={os.getpid()}", flush=True)
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qdpool.embedded.cluster_engine")
    parser.add_argument("--dir", required=True, type=Path, help="the cluster directory")
    parser.add_argument("--path", required=True, type=Path, help="data directory")
    parser.add_argument("--snapshots-path", type=Path, help="snapshot directory")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return asyncio.run(serve(args.dir, args.path, args.snapshots_path))


if __name__ == "__main__":
    sys.exit(main())
