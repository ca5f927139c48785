"""The ``qdpool`` command: ``serve`` (the embedded server), ``demo`` and ``upload``.

``qdpool serve`` prints exactly one line on stdout once both ports listen::

    qdpool serve: rest=http://127.0.0.1:6333 grpc=http://127.0.0.1:6334

so scripts and tests can start it with ``--port 0 --grpc-port 0`` and read the
ports they got.  SIGINT and SIGTERM flush every shard and exit with status 0.
Without Qdrant's engine (``pip install 'qdpool[embedded]'``) it exits with status
2 and one line on stderr saying so.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from qdpool import upload


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qdpool", description="qdpool: resilient asyncio client middleware for Qdrant."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the embedded Qdrant-compatible server (REST + gRPC)",
        description="Run the embedded Qdrant-compatible server: Qdrant's engine (Qdrant Edge) "
        "behind Qdrant's REST and gRPC APIs. For development, tests and demos; not for production.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=6333, help="REST port; 0 = any free port")
    serve.add_argument("--grpc-port", type=_port, default=6334, help="gRPC port; 0 = any free port")
    serve.add_argument("--api-key", help="require this key on every request but health checks")
    serve.add_argument("--read-only-api-key", help="a key that may only read")
    serve.add_argument("--path", help="data directory (default: a temporary one, removed on exit)")
    serve.add_argument("--snapshots-path", help="snapshot directory (default: PATH/snapshots)")
    serve.add_argument(
        "--log-level", default="WARNING", help="logging level on stderr (default WARNING)"
    )
    # The embedded cluster (qdpool.embedded.cluster_cli, docs/embedded-server.md).
    serve.add_argument("--peers", type=int, help="run a cluster of N peer processes")
    serve.add_argument("--p2p-port", type=_port, default=6335, help="--peers: peer-to-peer port")
    serve.add_argument("--cluster-dir", help="--peers: cluster directory (default: temporary)")
    serve.add_argument("--peer-of", help="run one peer of the cluster in this directory")
    serve.add_argument("--peer-id", type=int, help="--peer-of: which peer")

    commands.add_parser(
        "demo",
        help="run the walkthrough demo (see `qdpool demo --help`)",
        add_help=False,
        prefix_chars="\0",  # every argument belongs to the demo itself
    ).add_argument("demo_args", nargs=argparse.REMAINDER)
    upload.add_parser(commands)
    commands.add_parser(
        "cluster",
        help="control a `qdpool serve --peers N` cluster",
        add_help=False,
        prefix_chars="\0",
    ).add_argument("cluster_args", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qdpool`` console script and ``python -m qdpool``."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from qdpool import demo  # imported lazily: it pulls in the whole client

        return int(demo.main(args.demo_args) or 0)
    if args.command == "upload":
        return upload.main(args)
    if args.command == "cluster":
        from qdpool.embedded import cluster_cli

        return cluster_cli.main(args.cluster_args)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if (missing := missing_engine()) is not None:
        print(missing, file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(args))
    except OSError as exc:
        print(f"qdpool serve: {exc}", file=sys.stderr)
        return 1


async def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT or SIGTERM, then flush and stop."""
    if args.peers is not None or args.peer_of is not None:
        from qdpool.embedded import cluster_cli

        return await cluster_cli.serve(args)
    from qdpool.embedded.server import EmbeddedQdrant, banner

    server = EmbeddedQdrant(
        host=args.host,
        port=args.port,
        grpc_port=args.grpc_port,
        api_key=args.api_key,
        read_only_api_key=args.read_only_api_key,
        path=args.path,
        snapshots_path=args.snapshots_path,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await server.start()
    try:
        print(banner(server.rest_url, server.grpc_url), flush=True)
        await stop.wait()
    finally:
        await server.close()
    return 0


def missing_engine() -> str | None:
    """The one line to print when Qdrant's engine (the ``embedded`` extra) is not installed."""
    try:
        import qdpool.embedded.server  # noqa: F401  (imports qdrant_edge)
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] != "qdrant_edge":
            raise
        return (
            "qdpool serve: the embedded server needs Qdrant's engine (qdrant-edge-py), "
            "which is not installed: pip install 'qdpool[embedded]'"
        )
    return None


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port number (0-65535)")
    return port
