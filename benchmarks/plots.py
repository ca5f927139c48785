"""PNG plots: the latency CDF of every client, and client CPU per call as bars."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from benchmarks.latency import ClientRuns
from benchmarks.summary import Row

COLOURS = {"qdpool": "#1f77b4", "raw": "#7f7f7f", "qdrant-client": "#d62728"}
SHADES = {
    "qdpool-rest": "#08519c",
    "qdpool-rest-httpx": "#6baed6",
    "qdpool-grpc": "#3182bd",
    "raw-aiohttp": "#252525",
    "raw-httpx": "#969696",
    "raw-grpc": "#636363",
    "qc-rest": "#a50f15",
    "qc-rest-keepalive": "#fb6a4a",
    "qc-grpc": "#de2d26",
}
STYLES = {"rest": "-", "grpc": "--"}


def write(results: dict[str, ClientRuns], table: list[Row], out: Path) -> list[Path]:
    """Write the plots into ``out``; returns their paths (none without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "  plots skipped: matplotlib is not installed (pip install matplotlib)", file=sys.stderr
        )
        return []
    paths = [
        _cdf(plt, results, out / "latency_cdf.png"),
        _cpu_bars(plt, table, out / "cpu_per_call.png"),
    ]
    paths.append(_throughput(plt, table, out / "throughput.png"))
    return paths


def _cdf(plt: object, results: dict[str, ClientRuns], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(9, 5.5))  # type: ignore[attr-defined]
    for runs in results.values():
        if not runs.ok:
            continue
        xs = sorted(x * 1e3 for s in runs.sequential for x in s.latencies)
        ys = [(i + 1) / len(xs) for i in range(len(xs))]
        spec = runs.spec
        ax.step(xs, ys, where="post", label=spec.label, linestyle=STYLES.get(spec.protocol, "-"),
                color=SHADES.get(spec.name, COLOURS.get(spec.family)), alpha=0.9,
                linewidth=2 if spec.family == "qdpool" else 1.3)  # fmt: skip
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(_plain_ms())
    ax.xaxis.set_minor_formatter(_plain_ms(minor=True))
    ax.set_xlabel("latency per query, ms (log scale), sequential calls")
    ax.set_ylabel("fraction of calls")
    ax.set_title("query_points latency CDF (solid: REST, dashed: gRPC)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)  # type: ignore[attr-defined]
    return path


def _plain_ms(minor: bool = False) -> object:
    """Tick labels like 0.3, 1, 2, 5 instead of 10^0 on the log axis (minor: 2, 3, 5 only)."""
    from matplotlib.ticker import FuncFormatter

    def label(x: float, _pos: int) -> str:
        lead = f"{x:.0e}"[0]  # first significant digit
        if minor and lead not in "235":
            return ""
        return f"{x:g}"

    return FuncFormatter(label)


def _cpu_bars(plt: object, table: list[Row], path: Path) -> Path:
    rows = [r for r in table if r.error is None and not math.isnan(r.cpu_us)]
    rows.sort(key=lambda r: r.cpu_us)
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.5))  # type: ignore[attr-defined]
    labels = [r.label for r in rows]
    values = [r.cpu_us for r in rows]
    bars = ax.barh(labels, values, color=[COLOURS.get(r.family) for r in rows])
    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:,.0f} µs",
                va="center", fontsize=8)  # fmt: skip
    ax.invert_yaxis()
    ax.set_xlabel("client CPU per call, µs (sequential; lower is better)")
    ax.set_title("Client CPU per query_points call (blue: qdpool, grey: raw, red: qdrant-client)")
    ax.set_xlim(0, max(values, default=1) * 1.18)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)  # type: ignore[attr-defined]
    return path


def _throughput(plt: object, table: list[Row], path: Path) -> Path:
    rows = [r for r in table if r.error is None and r.rate]
    levels = sorted({c for r in rows for c in r.rate})
    fig, ax = plt.subplots(figsize=(9, 5))  # type: ignore[attr-defined]
    for r in rows:
        ax.plot(levels, [r.rate.get(c, math.nan) for c in levels], marker="o", label=r.label,
                linestyle=STYLES.get(r.protocol, "-"),
                color=SHADES.get(r.name, COLOURS.get(r.family)))  # fmt: skip
    ax.set_xscale("log")
    ax.set_xticks(levels, [str(c) for c in levels])
    ax.set_xlabel("calls in flight")
    ax.set_ylabel("queries per second")
    ax.set_title("Throughput by concurrency (server in a separate process, same machine)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)  # type: ignore[attr-defined]
    return path
