"""One run of the benchmark suite on tiny sizes: every stage still works end to end.

It measures nothing worth reading (``make bench`` does that); it proves that the
embedded server starts in its own process, that every client under test
answers, that pipeline overhead, ingestion, the report and the plots are
produced. It runs ``python -m benchmarks --tiny`` in a subprocess, as
``make bench`` does, so process-wide state (grpcio, warnings) stays out of pytest.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run_bounded(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in a process group of its own, and on timeout kill the whole group:
    the servers the benchmarks start are its children, and killing only the benchmark
    process (as ``subprocess.run`` does) would leave them running."""
    with subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            pytest.fail(f"the benchmarks outlasted {timeout} s: {err[-3000:]}")
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def test_tiny_run_produces_every_table_and_plot(tmp_path: Path) -> None:
    proc = _run_bounded(
        [sys.executable, "-m", "benchmarks", "--tiny", "--out", str(tmp_path)], timeout=240
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    data = json.loads((tmp_path / "results.json").read_text())
    failed = {c["name"]: c["error"] for c in data["clients"] if c["error"]}
    assert not failed, failed
    assert {c["name"] for c in data["clients"]} >= {
        "qdpool-rest",
        "qdpool-grpc",
        "raw-grpc",
        "qc-rest",
    }
    assert all(c["cpu_us"] > 0 and c["p50"] > 0 for c in data["clients"])
    assert [i["error"] for i in data["ingest"]] == [None] * len(data["ingest"])
    assert data["overhead"]["default_over_bare"] is not None
    # issue 11's targets: 7 per event loop of the latency stage, the pipeline, 4 of ingestion
    loops = data["settings"]["loops"] or ["asyncio"]
    assert len(data["targets"]) == 7 * len(loops) + 1 + 4
    # the latency-stage targets come from their pairs measured turn about, on every loop:
    # 4 of client CPU per call and 3 of req/s
    keys = {(i["numerator"], i["denominator"], i["figure"], i["loop"]) for i in data["interleaved"]}
    assert len(keys) == 7 * len(loops)
    assert sum(1 for i in data["interleaved"] if i["figure"] == "rate") == 3 * len(loops)
    assert all(i["ratio"] > 0 for i in data["interleaved"])
    pair_targets = [t for t in data["targets"] if "per call" in t["name"] or "req/s" in t["name"]]
    pair_targets = [t for t in pair_targets if "ingestion" not in t["name"]]
    assert len(pair_targets) == 7 * len(loops)
    assert all("interleaved" in t["detail"] for t in pair_targets)

    table = (tmp_path / "results.md").read_text()
    for heading in ("## Targets", "## Query latency", "## Pipeline overhead", "## Bulk ingestion"):
        assert heading in table
    if importlib.util.find_spec("matplotlib") is not None:
        for png in ("latency_cdf.png", "cpu_per_call.png"):
            assert (tmp_path / png).stat().st_size > 10_000


def test_a_pair_measured_in_several_processes_is_the_median_of_all_their_turns() -> None:
    from benchmarks.interleaved import Interleaved, pooled

    def one(ratios: tuple[float, ...], mean: float) -> Interleaved:
        return Interleaved(
            "a", "b", "asyncio", "cpu", mean, 10.0, len(ratios), 200, 1, None, ratios
        )

    first, second = one((1.0, 2.0), 20.0), one((3.0, 4.0, 5.0, 6.0), 50.0)
    assert first.ratio == 1.5 and second.ratio == 4.5
    both = pooled([first, second])
    assert both.ratios == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0) and both.ratio == 3.5
    assert both.turns == 6 and both.processes == 2
    assert both.numerator_mean == (20.0 * 2 + 50.0 * 4) / 6
    assert math.isnan(one((), 1.0).ratio)
