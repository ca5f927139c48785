"""Counters over a sliding time window, kept in fixed buckets (shared by budget and breaker).

The window is split into ``buckets`` slots of equal width; each slot holds a few
integer counters, and running totals are kept so reading them costs nothing.
Moving into a new slot clears the slots that fell out of the window, so memory
is fixed and the cost per event is a clock read and two float comparisons with
the current slot's edges (a division per event, and comparing its result with
an integer, cost CPython several times more).
"""

from __future__ import annotations

from collections.abc import Callable


class SlidingCounts:
    """``counters`` integer counters, each summed over the last ``window`` seconds.

    >>> counts = SlidingCounts(window=10.0, counters=2, clock=time.monotonic)
    >>> counts.add(0)          # one event of kind 0, now
    >>> counts.totals[0]
    1
    """

    __slots__ = (
        "_buckets",
        "_clock",
        "_from",
        "_index",
        "_slot",
        "_slots",
        "_until",
        "_width",
        "totals",
    )

    def __init__(
        self, window: float, counters: int, clock: Callable[[], float], buckets: int = 10
    ) -> None:
        if window <= 0 or counters < 1 or buckets < 1:
            raise ValueError("window, counters and buckets must be positive")
        self._clock = clock
        self._width = window / buckets
        self._buckets = buckets
        self._slots = [[0] * counters for _ in range(buckets)]
        self._index = int(clock() // self._width)
        self._slot = self._slots[self._index % buckets]
        """The slot of ``_index``, the one events go into now."""
        self._from = self._index * self._width
        self._until = self._from + self._width
        """The times ``_slot`` covers: ``[_from, _until)``."""
        self.totals = [0] * counters
        """The sums over the window, one per counter (read after ``advance()``)."""

    def advance(self, now: float | None = None) -> None:
        """Drop the buckets that have fallen out of the window (``now``: a clock reading
        the caller already has, to save another)."""
        if now is None:
            now = self._clock()
        if not self._from <= now < self._until:
            self._move(int(now // self._width))

    def _move(self, index: int) -> None:
        steps = index - self._index
        self._index = index
        self._slot = self._slots[index % self._buckets]
        self._from = index * self._width
        self._until = self._from + self._width
        if steps <= 0:  # the clock went backwards: keep what we have
            return
        totals = self.totals
        n = self._buckets
        # The slots of absolute indexes (old, new] are reused: clear what they held.
        for absolute in range(index - min(steps, n) + 1, index + 1):
            slot = self._slots[absolute % n]
            for k, value in enumerate(slot):
                if value:
                    totals[k] -= value
                    slot[k] = 0

    def add(self, counter: int, amount: int = 1, now: float | None = None) -> None:
        """Count ``amount`` events of kind ``counter`` now (or at ``now``, a clock reading)."""
        if now is None:
            now = self._clock()
        if not self._from <= now < self._until:
            self._move(int(now // self._width))
        self._slot[counter] += amount
        self.totals[counter] += amount

    def clear(self) -> None:
        for slot in self._slots:
            for k in range(len(slot)):
                slot[k] = 0
        for k in range(len(self.totals)):
            self.totals[k] = 0
