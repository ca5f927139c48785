"""The issue's performance targets, as ratios from the same run, and the defaults they favour."""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmarks.latency import ClientRuns
from benchmarks.summary import Row, paired_ratio

PIPELINE_BUDGET_US = 15.0


@dataclass(frozen=True, slots=True)
class Check:
    """One target: ``measured`` against ``bound`` with ``op`` ("<=" or ">=")."""

    name: str
    measured: float
    op: str
    bound: float
    unit: str
    detail: str
    floor: float = math.nan
    """The ratio a client exactly as cheap as the raw transport would score in this run."""

    @property
    def met(self) -> bool | None:
        if math.isnan(self.measured):
            return None
        return self.measured <= self.bound if self.op == "<=" else self.measured >= self.bound

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]


def _cpu(results: dict[str, ClientRuns], name: str) -> list[float]:
    runs = results.get(name)
    if runs is None or not runs.ok:
        return []
    return [s.cpu_per_call for s in runs.sequential]


def _rate(results: dict[str, ClientRuns], name: str, concurrency: int) -> list[float]:
    runs = results.get(name)
    if runs is None or not runs.ok:
        return []
    if concurrency in runs.throughput:
        return [s.rate for s in runs.throughput[concurrency]]
    return [s.rate for s in runs.burst]  # no throughput run at that level: the burst


def _ratio(a: list[float], b: list[float]) -> float:
    return paired_ratio(a, b) if a and b else math.nan


def _server_busy(results: dict[str, ClientRuns], top: int) -> str:
    """A note when the server was saturated during the throughput runs at ``top``."""
    busy = []
    for name in ("qdpool-rest", "qc-rest"):
        runs = results.get(name)
        for s in runs.throughput.get(top, []) if runs else []:
            if s.server_cpu is not None:
                busy.append(s.server_cpu / s.wall)
    if busy and max(busy) >= 0.85:
        peak = f"{max(busy) * 100:.0f}%"
        return f"; server CPU up to {peak} of a core: server-bound, the ratio is capped"
    return ""


def checks(
    results: dict[str, ClientRuns], pipeline_overhead_us: float | None, top: int = 100
) -> list[Check]:
    """Every target of issue 6; NaN (``not measured``) where a client or stage did not run."""
    raw_rest, raw_grpc = _cpu(results, "raw-aiohttp"), _cpu(results, "raw-grpc")
    return [
        Check(
            "qdpool REST vs raw aiohttp + orjson: client CPU per call",
            _ratio(_cpu(results, "qdpool-rest"), _cpu(results, "raw-aiohttp")),
            "<=", 1.25, "x", "qdpool-rest / raw-aiohttp, median of per-round ratios", 1.0,
        ),
        Check(
            "qdpool gRPC vs raw grpc.aio stub: client CPU per call",
            _ratio(_cpu(results, "qdpool-grpc"), _cpu(results, "raw-grpc")),
            "<=", 1.15, "x", "qdpool-grpc / raw-grpc", 1.0,
        ),
        Check(
            "qdpool REST uses N x less client CPU per call than qdrant-client REST",
            _ratio(_cpu(results, "qc-rest"), _cpu(results, "qdpool-rest")),
            ">=", 8.0, "x", "qc-rest / qdpool-rest",
            _ratio(_cpu(results, "qc-rest"), raw_rest),
        ),
        Check(
            f"qdpool REST throughput vs qdrant-client REST, {top} in parallel",
            _ratio(_rate(results, "qdpool-rest", top), _rate(results, "qc-rest", top)),
            ">=", 5.0, "x",
            f"req/s at concurrency {top}, qdpool-rest / qc-rest" + _server_busy(results, top),
            _ratio(_rate(results, "raw-aiohttp", top), _rate(results, "qc-rest", top)),
        ),
        Check(
            "qdpool gRPC vs qdrant-client gRPC: client CPU per call",
            _ratio(_cpu(results, "qdpool-grpc"), _cpu(results, "qc-grpc")),
            "<=", 0.7, "x", "qdpool-grpc / qc-grpc",
            _ratio(raw_grpc, _cpu(results, "qc-grpc")),
        ),
        Check(
            "default pipeline over the bare transport",
            math.nan if pipeline_overhead_us is None else pipeline_overhead_us,
            "<=", PIPELINE_BUDGET_US, "us", "every default interceptor, telemetry without an SDK",
        ),
    ]  # fmt: skip


def favoured_defaults(table: list[Row], top: int) -> list[str]:
    """Which default protocol and REST transport these figures favour, and why."""
    by = {r.name: r for r in table if r.error is None and not math.isnan(r.cpu_us)}
    lines: list[str] = []
    rest, grpc, httpx = by.get("qdpool-rest"), by.get("qdpool-grpc"), by.get("qdpool-rest-httpx")
    if rest and grpc:
        cheaper = rest if rest.cpu_us <= grpc.cpu_us else grpc
        faster = rest if rest.p50 <= grpc.p50 else grpc
        rr, gr = rest.rate.get(top, math.nan), grpc.rate.get(top, math.nan)
        more = rest if rr >= gr else grpc
        votes = [cheaper.protocol, faster.protocol, more.protocol]
        pick = max(set(votes), key=votes.count)
        lines.append(
            f"default protocol: {pick} (CPU/call REST {rest.cpu_us:.0f} us vs gRPC "
            f"{grpc.cpu_us:.0f} us; p50 {rest.p50:.3f} vs {grpc.p50:.3f} ms; "
            f"{top} in flight {rr:,.0f} vs {gr:,.0f} req/s)"
        )
    transports = {"aiohttp": rest, "httpx": httpx, "http1": by.get("qdpool-rest-http1")}
    measured = {name: r for name, r in transports.items() if r is not None}
    if len(measured) > 1:
        pick = min(measured, key=lambda name: measured[name].cpu_us)
        cpu = " vs ".join(f"{name} {r.cpu_us:.0f} us" for name, r in measured.items())
        p50 = " vs ".join(f"{r.p50:.3f}" for r in measured.values())
        lines.append(f"default REST transport: {pick} (CPU/call {cpu}; p50 {p50} ms)")
    return lines
