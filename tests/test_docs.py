"""Every Python sample in README.md and docs/*.md runs as written.

A sample is a fenced ```python block. One whose first line is a comment
starting with ``# fragment`` is only compiled (top-level ``await`` allowed);
every other one is a complete script, run in its own Python process against an
embedded server of its own, with ``QDRANT_URL``, ``QDRANT_API_KEY`` and
``QDRANT_GRPC_URL`` naming that server (samples read them, directly or through
``connect()``'s defaults) and ``OTEL_EXPORTER_OTLP_ENDPOINT`` naming an OTLP
receiver run here. It must exit 0 and write nothing to stderr. Samples are
found when the tests are collected, so a sample added to any of those pages
is tested without a change here. The selected samples run a few at a time in
the background, each test waiting for its own; each runs in a fork of one
process that has imported qdpool already, which saves the second an import
costs (the fork then runs the sample as ``python -c`` would, ``atexit`` included).
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from qdpool.embedded import EmbeddedQdrant

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
KEY = "test-key"
TIMEOUT = 60.0
AT_ONCE = 3
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Sample:
    page: str
    line: int
    code: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def fragment(self) -> bool:
        first = self.code.lstrip("\n").splitlines()[0] if self.code.strip() else ""
        return first.startswith("# fragment")


def samples() -> list[Sample]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Sample(str(page.relative_to(REPO)), line, match.group(1)))
    return found


SAMPLES = samples()
RUNNABLE = [s for s in SAMPLES if not s.fragment]
FRAGMENTS = [s for s in SAMPLES if s.fragment]


def test_samples_are_found_on_every_page_that_has_them() -> None:
    pages = {s.page for s in RUNNABLE}
    assert {"README.md", "docs/index.md", "docs/resilience.md"} <= pages
    assert len(RUNNABLE) >= 10


@pytest.mark.parametrize("sample", FRAGMENTS, ids=[s.id for s in FRAGMENTS])
def test_fragment_compiles(sample: Sample) -> None:
    compile(sample.code, sample.id, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


# ------------------------------------------------------------------ running them


class Collector:
    """An OTLP/gRPC receiver that counts the spans and metric exports it is sent."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spans = 0
        self.metric_exports = 0
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        collector = self

        class Traces(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:
                with collector.lock:
                    collector.spans += sum(
                        len(scope.spans)
                        for resource in request.resource_spans
                        for scope in resource.scope_spans
                    )
                return trace_service_pb2.ExportTraceServiceResponse()

        class Metrics(metrics_service_pb2_grpc.MetricsServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:
                with collector.lock:
                    collector.metric_exports += 1
                return metrics_service_pb2.ExportMetricsServiceResponse()

        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Traces(), self.server)
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(Metrics(), self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def stop(self) -> None:
        self.server.stop(None)


@dataclass(frozen=True, slots=True)
class Run:
    returncode: int
    stderr: str


ZYGOTE = r"""
import atexit, json, os, selectors, sys, threading, traceback
import qdpool, qdpool.sync  # imported once here; every sample gets a fork of this process

def child(job):
    os.environ.clear()
    os.environ.update(job["env"])
    for fd, path in ((1, job["out"]), (2, job["err"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(target, fd)
        os.close(target)
    code = 0
    try:
        exec(compile(job["code"], job["id"], "exec"), {"__name__": "__main__"})
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    threading._shutdown()  # then what a normal exit does: non-daemon threads, atexit
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

children = {}
selector = selectors.DefaultSelector()
selector.register(sys.stdin, selectors.EVENT_READ)
print("ready", flush=True)
open_input = True
while open_input or children:
    if open_input and selector.select(timeout=0.02):
        line = sys.stdin.readline()
        if not line:
            open_input = False
            continue
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(job)
        children[pid] = job["id"]
    while children:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            break
        print(json.dumps([children.pop(pid), os.waitstatus_to_exitcode(status)]), flush=True)
    if not open_input and children:
        pid, status = os.waitpid(-1, 0)
        print(json.dumps([children.pop(pid), os.waitstatus_to_exitcode(status)]), flush=True)
"""


class Zygote:
    """One Python process with qdpool imported that forks a child per sample (saves the import)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.waiting: dict[str, asyncio.Future[int]] = {}
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls) -> Zygote:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", ZYGOTE,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            cwd=REPO,
        )  # fmt: skip
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), TIMEOUT) == b"ready\n"
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            sample_id, code = json.loads(line)
            self.waiting.pop(sample_id).set_result(code)

    async def run(self, sample_id: str, code: str, env: dict[str, str], where: Path) -> Run:
        assert self.process.stdin is not None
        future = asyncio.get_running_loop().create_future()
        self.waiting[sample_id] = future
        out, err = where / "stdout", where / "stderr"
        job = {"id": sample_id, "code": code, "env": env, "out": str(out), "err": str(err)}
        self.process.stdin.write(json.dumps(job).encode() + b"\n")
        await self.process.stdin.drain()
        returncode = await asyncio.wait_for(future, TIMEOUT)
        return Run(returncode, err.read_text())

    async def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), TIMEOUT)
        finally:
            if self.process.returncode is None:
                self.process.kill()
            await self.reader


@pytest.fixture(scope="module")
def collector() -> Iterator[Collector]:
    receiver = Collector()
    yield receiver
    receiver.stop()


async def run_sample(
    sample: Sample, zygote: Zygote, collector: Collector, slots: asyncio.Semaphore, where: Path
) -> Run:
    async with slots, EmbeddedQdrant(host="127.0.0.1", api_key=KEY) as server:
        env = {
            **os.environ,
            "QDRANT_URL": server.rest_url,
            "QDRANT_API_KEY": KEY,
            "QDRANT_GRPC_URL": server.grpc_url,
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.port}",
            "OTEL_EXPORTER_OTLP_INSECURE": "true",
        }
        return await zygote.run(sample.id, sample.code, env, where)


@pytest_asyncio.fixture(scope="module")
async def runs(
    request: pytest.FixtureRequest,
    collector: Collector,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[dict[str, asyncio.Task[Run]]]:
    """The selected samples, started at once in the background, a few at a time."""
    if os.environ.get("QDPOOL_TEST_URL"):
        pytest.skip("doc samples run against embedded servers of their own")
    wanted = {
        item.callspec.params["sample"].id
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_sample_runs" and hasattr(item, "callspec")
    }
    zygote = await Zygote.start()
    slots = asyncio.Semaphore(AT_ONCE)
    root = tmp_path_factory.mktemp("samples")
    for i in range(len(RUNNABLE)):
        (root / str(i)).mkdir()
    tasks = {
        s.id: asyncio.create_task(run_sample(s, zygote, collector, slots, root / str(i)))
        for i, s in enumerate(RUNNABLE)
        if s.id in wanted
    }
    yield tasks
    for task in tasks.values():
        task.cancel()
    await asyncio.gather(*tasks.values(), return_exceptions=True)
    await zygote.close()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("sample", RUNNABLE, ids=[s.id for s in RUNNABLE])
async def test_sample_runs(
    sample: Sample, runs: dict[str, asyncio.Task[Run]], collector: Collector
) -> None:
    run = await runs[sample.id]
    assert run.returncode == 0, f"{sample.id} failed:\n{run.stderr}"
    assert run.stderr == "", f"{sample.id} wrote to stderr:\n{run.stderr}"
    if "OTLPSpanExporter" in sample.code:  # and what it exported did arrive
        assert collector.spans > 0
