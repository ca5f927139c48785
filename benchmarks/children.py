"""Stages measured in a process of their own (ingestion, the interleaved pairs).

A child is ``python -m <module> <args>``: it measures, then prints its result as
one JSON object on a line of its own, last. The server's API key goes to it in the
environment (``API_KEY_ENV``), not on its command line, where ``ps`` would show it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from benchmarks.server import Target

API_KEY_ENV = "QDPOOL_BENCH_API_KEY"


class ChildFailed(RuntimeError):
    """A child exited with an error or printed no result; the message has its stderr's tail."""


def run(module: str, args: Sequence[str], target: Target) -> dict[str, Any]:
    """Run ``module`` with ``args`` for ``target`` and return the JSON object it printed last."""
    env = dict(os.environ)
    if target.api_key:
        env[API_KEY_ENV] = target.api_key
    cmd = [sys.executable, "-m", module, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise ChildFailed(f"exit {proc.returncode}: {proc.stderr.strip()[-800:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def target(rest_url: str, grpc_url: str, pid: int | None = None) -> Target:
    """In the child: the target it was started for, with the API key ``run`` passed on."""
    return Target(rest_url, grpc_url, os.environ.get(API_KEY_ENV), pid)
