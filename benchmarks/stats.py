"""Percentiles and medians: small, exact, and dependency-free."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation, as numpy's default."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: Iterable[float | None]) -> float:
    """The median of the known values, NaN if there are none."""
    known = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(known) if known else math.nan


def spread(values: Iterable[float]) -> float:
    """(max - min) / median of the per-round values: how much the rounds disagree."""
    known = [v for v in values if not math.isnan(v)]
    if len(known) < 2:
        return 0.0
    mid = statistics.median(known)
    return (max(known) - min(known)) / mid if mid else math.nan
