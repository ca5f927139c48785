"""The ``qdpool`` command: serve without the engine, the demo's REST-only run and its table."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from qdpool.cli import build_parser
from qdpool.demo import table

REPO = Path(__file__).resolve().parent.parent
KEY = "test-key"

BLOCK_ENGINE = textwrap.dedent(
    """
    import sys

    class Blocker:  # as if qdrant-edge-py were not installed
        def find_spec(self, name, path=None, target=None):
            if name == "qdrant_edge" or name.startswith("qdrant_edge."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    from qdpool.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_serve_without_the_engine_exits_2_naming_the_extra() -> None:
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_ENGINE, "serve", "--port", "0", "--grpc-port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "pip install 'qdpool[embedded]'" in done.stderr
    assert done.stderr.startswith("qdpool serve: ")


def test_with_the_engine_serve_gets_past_the_check() -> None:
    """The same script, blocking another name, goes on to bind (and fails on a busy port)."""
    allowed = BLOCK_ENGINE.replace('"qdrant_edge', '"no_such_module')
    assert "qdrant_edge" not in allowed
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        done = subprocess.run(
            [sys.executable, "-c", allowed, "serve", "--port", port, "--grpc-port", "0"],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=REPO,
        )
    assert done.returncode == 1, done.stderr
    assert "qdrant-edge-py" not in done.stderr
    assert done.stderr.startswith("qdpool serve: ")


def test_upload_is_a_subcommand() -> None:
    args = build_parser().parse_args(["upload", "points.jsonl", "-c", "docs", "--parallel", "2"])
    assert (args.command, args.file, args.collection, args.parallel) == (
        "upload",
        "points.jsonl",
        "docs",
        2,
    )


def test_demo_tables_line_up() -> None:
    rendered = table(
        ("protocol", "p50 ms", "p95 ms", "100 parallel req/s"),
        [("rest", "1.05", "12.10", "1,234"), ("grpc", "11.50", "2.00", "998")],
    )
    lines = rendered.splitlines()
    assert len({len(line) for line in lines}) == 1
    bars = {tuple(i for i, c in enumerate(line) if c == "|") for line in lines}
    assert len(bars) == 1  # every column border at the same place on every line
    assert lines[1] == "|----------|-------:|-------:|-------------------:|"
    assert lines[3] == "| grpc     |  11.50 |   2.00 |                998 |"


async def test_demo_on_a_non_default_port_without_grpc_url_runs_rest_only(server: Any) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "qdpool", "demo", "--url", server.rest_url, "--api-key", KEY,
        "--points", "100",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 0, err.decode()
    text = out.decode()
    assert text.splitlines()[0].startswith(f"gRPC: skipped; {server.rest_url} is not on")
    assert "REST walkthrough:" in text
    assert "GRPC walkthrough:" not in text
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert [r.split("|")[1].strip() for r in rows] == ["protocol", "----------", "rest"]
    assert len({len(r) for r in rows}) == 1
