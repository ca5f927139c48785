"""Profile one client's query loop with pyinstrument: where does its CPU per call go?

    python -m benchmarks.profile_client qdpool-rest --calls 5000 [--url ... | --server-cmd ...]

Starts the embedded server (or uses ``--url``), seeds a small collection, and
runs ``--calls`` sequential queries of the named client under pyinstrument;
prints the call tree (or writes HTML with ``--html``). For a sampling view of
a whole run, ``py-spy record -o flame.svg -- python -m benchmarks --quick`` works too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shlex
from pathlib import Path
from typing import Any

from benchmarks import clients, dataset
from benchmarks.server import Target, embedded, remote
from benchmarks.settings import BENCH_API_KEY

COLLECTION = "bench_profile"


async def _loop(target: Target, name: str, calls: int) -> Any:
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("needs pyinstrument: .venv/bin/pip install pyinstrument") from None

    await dataset.seed(target, COLLECTION, dataset.vectors(2_000, 384), 1_000)
    queries = dataset.queries(384)
    client = clients.CLIENTS[name].factory(target, COLLECTION, 5)
    await client.open()
    try:
        for i in range(200):
            await client.query(queries[i % len(queries)])
        profiler = Profiler(interval=0.0002, async_mode="disabled")
        profiler.start()
        for i in range(calls):
            await client.query(queries[i % len(queries)])
        profiler.stop()
    finally:
        await client.close()
        await dataset.drop_collection(target, COLLECTION)
    return profiler


def _show(profiler: Any, html: Path | None) -> None:
    if html is not None:
        html.write_text(profiler.output_html())
        print(f"wrote {html}")
    else:
        print(profiler.output_text(unicode=True, show_all=False))


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_client")
    p.add_argument("client", choices=list(clients.CLIENTS))
    p.add_argument("--calls", type=int, default=5_000)
    p.add_argument("--url")
    p.add_argument("--grpc-url")
    p.add_argument("--api-key")
    p.add_argument("--server-cmd")
    p.add_argument("--html", type=Path)
    args = p.parse_args()
    with contextlib.ExitStack() as stack:
        if args.url:
            target = remote(args.url, args.grpc_url, args.api_key)
        else:
            cmd = shlex.split(args.server_cmd) if args.server_cmd else None
            target = stack.enter_context(embedded(args.api_key or BENCH_API_KEY, cmd))
        _show(asyncio.run(_loop(target, args.client, args.calls)), args.html)


if __name__ == "__main__":
    main()
