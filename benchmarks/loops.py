"""The event loops the query runs use: asyncio's default loop and uvloop, side by side.

Every client of the latency stage runs on each selected loop (``--loop``); a
client's rounds on uvloop are their own row, named ``<client>@uvloop`` when both
loops run (the asyncio rows keep their plain names, which the targets read).
Each client and round gets a fresh loop of its kind, so rounds on the two loops
interleave like the clients do. ``benchmarks/loop_ratios.py`` reports them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
from collections.abc import Callable

from benchmarks.clients import ClientSpec

LOOPS = ("asyncio", "uvloop")


def uvloop_available() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def default() -> tuple[str, ...]:
    """Both loops when uvloop is installed, else asyncio's alone."""
    return LOOPS if uvloop_available() else ("asyncio",)


def parse(text: str) -> tuple[str, ...]:
    """``--loop``: ``asyncio``, ``uvloop`` or ``both``."""
    loops = LOOPS if text == "both" else (text,)
    if any(loop not in LOOPS for loop in loops):
        raise SystemExit(f"--loop must be asyncio, uvloop or both, not {text!r}")
    if "uvloop" in loops and not uvloop_available():
        raise SystemExit("--loop uvloop needs uvloop: pip install 'qdpool[uvloop]'")
    return loops


def factory(loop: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if loop == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def run_name(base: str, loop: str, loops: tuple[str, ...]) -> str:
    """The row name of client ``base`` on ``loop`` in a run over ``loops``."""
    return base if loop == "asyncio" or len(loops) == 1 else f"{base}@{loop}"


def variants(specs: list[ClientSpec], loops: tuple[str, ...]) -> list[ClientSpec]:
    """Every spec once per loop, renamed and relabelled for the loops other than asyncio's."""
    out = []
    for loop in loops:
        for spec in specs:
            label = spec.label if loop == "asyncio" else f"{spec.label} · {loop}"
            out.append(
                dataclasses.replace(
                    spec, name=run_name(spec.name, loop, loops), label=label, loop=loop
                )
            )
    return out
