"""An event loop on a virtual clock, for tests that count what happens in an interval.

Pacing tests measured on the wall clock fail when a shared machine stalls the
test's process (a CI run counted 7 acquisitions of a 100/s limiter in 0.1 s).
On this loop time moves only by the loop's own turns: a turn that would wait
jumps straight to the next timer, so every timer fires at its time and an
interval holds what the code under test lets into it (to within a microsecond
per turn: see ``TICK``), however slow the machine.  ``asyncio.timeout``,
``asyncio.sleep`` and libraries that read ``loop.time()`` (aiolimiter) all see
the virtual clock.
"""

from __future__ import annotations

import asyncio
import functools
import selectors
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

TICK = 1e-6
"""What one turn of the loop costs on the virtual clock.  asyncio runs a timer
that is due within its clock's resolution, and code that re-arms a timer for the
float remainder left then (aiolimiter does) would otherwise spin at one instant;
on a real loop each turn takes at least this long."""


class _JumpingSelector(selectors.DefaultSelector):
    """Polls without waiting; where the loop would wait for a timer, moves its clock instead."""

    loop: VirtualTimeLoop

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready:
            return ready
        if timeout is None:  # no timer at all: only another thread can wake the loop
            return super().select(None)
        self.loop.now += max(timeout, TICK)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector loop whose ``time()`` starts at 0 and moves only by its own turns."""

    def __init__(self) -> None:
        selector = _JumpingSelector()
        super().__init__(selector)
        selector.loop = self
        self.now = 0.0

    def time(self) -> float:
        return self.now


def run_virtual(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion on a fresh virtual-time loop, then close the loop."""
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def virtual_time(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Make an ``async def`` test a plain one that runs on its own virtual-time loop."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        run_virtual(test(*args, **kwargs))

    return run
