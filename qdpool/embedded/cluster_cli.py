"""The embedded cluster's command line: ``serve --peers N``, ``serve --peer-of``, ``cluster``.

``qdpool serve --peers N`` prints one line per peer, in id order, once every
peer listens (flushed)::

    qdpool serve: peer=1 rest=http://127.0.0.1:6333 grpc=http://127.0.0.1:6334 pid=4242
    qdpool serve: peer=2 rest=http://127.0.0.1:6343 grpc=http://127.0.0.1:6344 pid=4243
    ...
    qdpool serve: cluster=/tmp/qdpool-cluster-x1y2 engine-pid=4240 supervisor-pid=4239

and runs until SIGINT or SIGTERM, which stop every peer and then the engine
(flushing it), exit status 0.  ``qdpool serve --peer-of DIR --peer-id I`` runs
one peer of that cluster in the foreground (the same code the supervisor forks).
``qdpool cluster COMMAND --cluster-dir DIR`` sends a command to the supervisor.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson

COMMANDS = (
    "status",
    "add-peer",
    "remove-peer",
    "kill-peer",
    "restart-peer",
    "kill-engine",
    "restart-engine",
)


async def serve(args: argparse.Namespace) -> int:
    """``qdpool serve`` with ``--peers`` (a whole cluster) or ``--peer-of`` (one peer)."""
    if args.peer_of is not None:
        from qdpool.embedded.cluster_peer import run_peer

        if args.peer_id is None:
            print("qdpool serve: --peer-of needs --peer-id", file=sys.stderr)
            return 2
        return await run_peer(
            Path(args.peer_of),
            args.peer_id,
            api_key=args.api_key,
            read_only_api_key=args.read_only_api_key,
        )
    return await _serve_cluster(args)


async def _serve_cluster(args: argparse.Namespace) -> int:
    from qdpool.embedded.cluster_supervisor import ClusterOptions, Supervisor, cluster_banner

    try:
        options = ClusterOptions(
            peers=args.peers,
            host=args.host,
            port=args.port,
            grpc_port=args.grpc_port,
            p2p_port=args.p2p_port,
            api_key=args.api_key,
            read_only_api_key=args.read_only_api_key,
            directory=Path(args.cluster_dir) if args.cluster_dir else None,
            path=Path(args.path) if args.path else None,
            snapshots_path=Path(args.snapshots_path) if args.snapshots_path else None,
            log_level=args.log_level,
        )
    except ValueError as exc:
        print(f"qdpool serve: {exc}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    supervisor = Supervisor(options)
    try:
        lines = await supervisor.start()
    except RuntimeError as exc:
        print(f"qdpool serve: {exc}", file=sys.stderr)
        return 1
    try:
        for line in lines:
            print(line, flush=True)
        print(cluster_banner(supervisor.directory, supervisor.status()["engine_pid"]), flush=True)
        await stop.wait()
    finally:
        await supervisor.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qdpool cluster",
        description="Control a running `qdpool serve --peers N` through its cluster directory.",
    )
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("peer_id", nargs="?", type=int, help="the peer (remove/kill/restart)")
    parser.add_argument(
        "--cluster-dir", required=True, help="the directory `qdpool serve` printed (cluster=...)"
    )
    parser.add_argument(
        "--linger",
        type=float,
        default=0.0,
        help="remove-peer: seconds the removed peer keeps serving before it stops",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """``qdpool cluster ...``: prints the result (a peer's banner line for add and restart)."""
    from qdpool.embedded.cluster_control import ControlError, control

    args = build_parser().parse_args(argv)
    command = args.command.replace("-", "_")
    if command in ("remove_peer", "kill_peer", "restart_peer") and args.peer_id is None:
        print(f"qdpool cluster: {args.command} needs a peer id", file=sys.stderr)
        return 2
    try:
        result = asyncio.run(
            control(
                Path(args.cluster_dir),
                command,
                peer_id=args.peer_id,
                linger=args.linger if command == "remove_peer" else None,
            )
        )
    except ControlError as exc:
        print(f"qdpool cluster: {exc}", file=sys.stderr)
        return 1
    if isinstance(result, dict) and result.get("line"):
        print(result["line"])
    else:
        print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    return 0
