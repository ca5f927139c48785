"""The server under test: the embedded server in its own process, or any Qdrant by URL.

The embedded server is started as ``python -m qdpool serve --port 0 --grpc-port 0``
and announces its addresses on its first stdout line::

    qdpool serve: rest=http://127.0.0.1:40123 grpc=http://127.0.0.1:40124

It runs in a separate process so that the client CPU measured here is the
client's alone. ``server_cpu()`` reads the child's CPU time from ``/proc`` so the
report can show what the server spent per call too (unknown for ``--url``).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

_BANNER = re.compile(r"qdpool serve: rest=(?P<rest>\S+) grpc=(?P<grpc>\S+)")
START_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Target:
    """Where the clients connect, and the server process when we started it."""

    rest_url: str
    grpc_url: str
    api_key: str | None
    pid: int | None = None
    description: str = ""

    @property
    def host(self) -> str:
        return self.rest_url.split("://", 1)[1].rsplit(":", 1)[0].strip("[]")

    @property
    def rest_port(self) -> int:
        return int(self.rest_url.rstrip("/").rsplit(":", 1)[1])

    @property
    def grpc_port(self) -> int:
        return int(self.grpc_url.rstrip("/").rsplit(":", 1)[1])

    @property
    def grpc_target(self) -> str:
        return self.grpc_url.split("://", 1)[1].rstrip("/")


def server_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) the process ``pid`` has used, or None if unknown."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def remote(url: str, grpc_url: str | None, api_key: str | None) -> Target:
    """A Qdrant that is already running; gRPC defaults to the same host on port 6334."""
    url = url.rstrip("/")
    if grpc_url is None:
        scheme, rest = url.split("://", 1)
        host = rest.rsplit(":", 1)[0] if rest.count(":") else rest
        grpc_url = f"{scheme}://{host}:6334"
    return Target(url, grpc_url.rstrip("/"), api_key, None, f"Qdrant at {url}")


def default_command(api_key: str | None, kind: str = "embedded") -> list[str]:
    """``qdpool serve`` (the embedded server), or ``kind="trivial"``: canned answers, no engine."""
    if kind == "trivial":
        cmd = [sys.executable, "-m", "benchmarks.trivial_server"]
    else:
        cmd = [sys.executable, "-m", "qdpool", "serve", "--port", "0", "--grpc-port", "0"]
    if api_key:
        cmd += ["--api-key", api_key]
    return cmd


@contextmanager
def embedded(
    api_key: str | None, command: Sequence[str] | None = None, kind: str = "embedded"
) -> Iterator[Target]:
    """Start the server in a subprocess, yield its ``Target``, and stop it afterwards."""
    cmd = list(command) if command else default_command(api_key, kind)
    with tempfile.TemporaryFile("w+") as errlog:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=errlog,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            match = _read_banner(proc, errlog)
            threading.Thread(target=_drain, args=(proc,), daemon=True).start()
            yield Target(
                match["rest"].rstrip("/"),
                match["grpc"].rstrip("/"),
                api_key,
                proc.pid,
                f"{kind} server in its own process (pid {proc.pid}): `{shlex.join(_short(cmd))}`",
            )
        finally:
            _stop(proc)


def _read_banner(proc: subprocess.Popen[str], errlog: IO[str]) -> re.Match[str]:
    """The first stdout line, parsed; fails with the server's stderr if it never comes."""
    stdout = proc.stdout
    assert stdout is not None
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    line = result[0] if result else ""
    match = _BANNER.search(line)
    if match is None:
        _stop(proc)
        errlog.seek(0)
        tail = errlog.read()[-3000:]
        raise RuntimeError(
            f"the server did not announce its addresses within {START_TIMEOUT:.0f}s "
            f"(first line: {line.strip()!r}); its stderr:\n{tail}"
        )
    return match


def _short(cmd: list[str]) -> list[str]:
    """The command with the interpreter's path shortened to its name, for the report."""
    return [os.path.basename(cmd[0]), *cmd[1:]] if cmd else cmd


def _drain(proc: subprocess.Popen[str]) -> None:
    """Keep reading the server's stdout so that a chatty server never blocks on a full pipe."""
    assert proc.stdout is not None
    for _ in proc.stdout:
        pass


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    deadline = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
