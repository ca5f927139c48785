"""Client CPU per call on each event loop, and the ratios between clients that no target bounds.

The ratios issue 11 bounds (qdpool REST against raw aiohttp + orjson and against
the Protocol + httptools floor, qdrant-client's against qdpool's, ...) are
checked per loop in the one "Targets" table (``benchmarks/targets.py``); this
section adds what explains them: the other REST transports against the same
references, the raw transports against each other, and every client's CPU per
call on asyncio's loop beside uvloop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmarks.latency import ClientRuns
from benchmarks.loops import run_name
from benchmarks.stats import median
from benchmarks.summary import paired_ratio


@dataclass(frozen=True, slots=True)
class Ratio:
    """``numerator / denominator`` client CPU per call on one loop (median of per-round ratios)."""

    name: str
    loop: str
    value: float
    bound: str
    """Always "" here: bounded ratios are targets (``benchmarks/targets.py``)."""


RATIOS = (
    ("qdpool REST (aiohttp) / raw aiohttp + orjson", "qdpool-rest-aiohttp", "raw-aiohttp", ""),
    ("qdpool REST (aiohttp) / qdpool REST (http1)", "qdpool-rest-aiohttp", "qdpool-rest", ""),
    ("raw aiohttp + orjson / Protocol + httptools floor", "raw-aiohttp", "raw-httptools", ""),
    ("qdpool gRPC / qdpool REST (http1)", "qdpool-grpc", "qdpool-rest", ""),
    ("raw grpc.aio stub / Protocol + httptools floor", "raw-grpc", "raw-httptools", ""),
)  # fmt: skip
"""(what, numerator client, denominator client, "")."""


def _cpu(results: dict[str, ClientRuns], name: str) -> list[float]:
    runs = results.get(name)
    if runs is None or not runs.ok:
        return []
    return [s.cpu_per_call for s in runs.sequential]


def ratios(results: dict[str, ClientRuns], loops: tuple[str, ...]) -> list[Ratio]:
    out = []
    for what, num, den, bound in RATIOS:
        for loop in loops:
            a = _cpu(results, run_name(num, loop, loops))
            b = _cpu(results, run_name(den, loop, loops))
            value = paired_ratio(a, b) if a and b else math.nan
            out.append(Ratio(what, loop, value, bound))
    return out


def ratio_lines(results: dict[str, ClientRuns], loops: tuple[str, ...]) -> list[str]:
    """Markdown: the REST ratios per loop, then every client's CPU per call on each loop."""
    found = ratios(results, loops)
    if all(math.isnan(r.value) for r in found):
        return []
    out = ["## Event loops and the REST floor (client CPU per call, sequential)", ""]
    out.append("| ratio (no target; those are in Targets) | " + " | ".join(loops) + " |")
    out.append("|---|" + "---:|" * len(loops))
    for what, *_rest in RATIOS:
        row = [r for r in found if r.name == what]
        cells = ["-" if math.isnan(r.value) else f"{r.value:.2f}x" for r in row]
        out.append(f"| {what} | " + " | ".join(cells) + " |")
    if len(loops) > 1:
        out += ["", "| client | " + " | ".join(f"{lp} CPU/call µs" for lp in loops)]
        out[-1] += " | uvloop / asyncio |"
        out.append("|---|" + "---:|" * (len(loops) + 1))
        bases = [n for n in results if "@" not in n]
        for base in bases:
            cpus = [_cpu(results, run_name(base, lp, loops)) for lp in loops]
            meds = [median(c) * 1e6 if c else math.nan for c in cpus]
            ratio = paired_ratio(cpus[1], cpus[0]) if cpus[0] and cpus[1] else math.nan
            label = results[base].spec.label
            cells = ["-" if math.isnan(m) else f"{m:,.0f}" for m in meds]
            tail = "-" if math.isnan(ratio) else f"{ratio:.2f}x"
            out.append(f"| {label} | " + " | ".join(cells) + f" | {tail} |")
    out += [
        "",
        "Ratios are medians of per-round ratios within one loop; the floor is "
        "`benchmarks/clients_floor.py`, a minimal keep-alive client on `asyncio.Protocol` "
        "and httptools with no timeouts or error handling.",
        "",
    ]
    return out
