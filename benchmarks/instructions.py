"""The pipeline-overhead variants in CPU instructions per call, counted by callgrind.

``python -m benchmarks.instructions [--calls N] [--gc] [VARIANT ...]`` (needs valgrind)

Timings on a shared two-core machine move by 10-20% from run to run; instruction
counts do not: the same code, inputs and interpreter give the same count whatever
else the machine is doing. So this is the tool for telling whether a change to the
hot path made it cheaper, and by how much (``benchmarks/overhead.py`` says what it
costs in microseconds).

Each variant is built as ``benchmarks/overhead.py`` builds it, warmed, and then
timed over ``--calls`` calls inside one ``breakpoint()`` call: callgrind collects
only inside that function (``--toggle-collect``) and writes one profile part when
it returns (``--dump-after``), so imports, set-up and the event loop's own start
are not counted, and one process measures every variant. The garbage collector
is off while counting unless ``--gc`` is given (its passes depend on what the
process holds, not on the variant). Figures are instructions per call, and over
the bare transport (the same loop sending straight to ``MockTransport``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import overhead

VARIANTS = (
    "bare",
    "deadline",
    "auth",
    "retry",
    "breaker",
    "concurrency",
    "telemetry",
    "default",
    "method",
    "sdk-off",
    "sdk-recording",
)
"""``bare``: the transport alone; an interceptor's name: it alone; ``telemetry``: both
telemetry interceptors, no SDK; ``default``: the client's pipeline, no SDK;
``method``: a whole ``client.query_points()``; ``sdk-off`` / ``sdk-recording``: the
client's pipeline under an SDK sampling nothing / recording every span."""


async def _build(name: str, mock: Any) -> tuple[Callable[[Any], Awaitable[Any]], Any]:
    from qdpool.pipeline import Pipeline

    if name == "bare":
        return mock.send, None
    if name == "telemetry":
        return Pipeline(overhead._telemetry_chain("none"), mock.send), None
    if name in ("default", "method", "sdk-off", "sdk-recording"):
        kind = {"sdk-off": "off", "sdk-recording": "recording"}.get(name, "none")
        client = overhead._client(mock, kind, False)
        await client.start()
        if name != "method":
            return client.pipeline, client

        async def whole(_call: Any) -> Any:
            return await client.query_points("bench", overhead.VECTOR, limit=5)

        return whole, client
    return Pipeline([overhead._alone_builders()[name]()], mock.send), None


def _counted(name: str, handler: Callable[[Any], Awaitable[Any]], mock: Any, calls: int) -> None:
    """``calls`` calls of ``handler`` inside one ``breakpoint()``: what callgrind counts."""
    make = overhead._call_factory(overhead._endpoint())

    async def loop() -> None:
        for i in range(calls):
            await handler(make())
            if i % 1000 == 999:
                mock.calls.clear()

    coro = loop()

    def drive() -> None:  # the transport answers at once, so the loop never suspends
        try:
            coro.send(None)
        except StopIteration:
            return
        raise RuntimeError(f"{name}: the measured loop suspended")

    sys.breakpointhook = drive
    breakpoint()


async def _count(variants: Sequence[str], calls: int, with_gc: bool) -> None:
    """Runs under callgrind: one ``breakpoint()`` (one profile part) per variant."""
    make = overhead._call_factory(overhead._endpoint())
    for name in variants:
        mock = overhead._mock()
        handler, client = await _build(name, mock)
        for _ in range(300):
            await handler(make())
        mock.calls.clear()
        if not with_gc:
            gc.collect()
            gc.disable()
        _counted(name, handler, mock, calls)
        gc.enable()
        if client is not None:
            await client.close()


def measure(variants: Sequence[str], calls: int, with_gc: bool = False) -> dict[str, int]:
    """Instructions per call of each variant (one callgrind run of this module)."""
    if shutil.which("valgrind") is None:
        raise RuntimeError("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=builtin_breakpoint",
            "--dump-after=builtin_breakpoint",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--child",
            "--calls",
            str(calls),
            *(["--gc"] if with_gc else []),
            *variants,
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=3600)
        counts = {}
        for part, name in enumerate(variants, start=1):
            text = Path(f"{out}.{part}").read_text()
            found = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.MULTILINE)
            if found is None:
                raise RuntimeError(f"no instruction total in callgrind's part {part} ({name})")
            counts[name] = int(found[1]) // calls
    return counts


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", help=f"some of {', '.join(VARIANTS)} (all)")
    parser.add_argument("--calls", type=int, default=2000, help="calls counted per variant")
    parser.add_argument("--gc", action="store_true", help="leave the garbage collector on")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    variants = args.variants or list(VARIANTS)
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    if args.child:
        asyncio.run(_count(variants, args.calls, args.gc))
        return
    if "bare" not in variants:
        variants = ["bare", *variants]
    counts = measure(variants, args.calls, args.gc)
    print("| variant | instructions / call | over bare |\n|---|---:|---:|")
    for name, count in counts.items():
        print(f"| {name} | {count:,} | {count - counts['bare']:,} |")


if __name__ == "__main__":
    main()
