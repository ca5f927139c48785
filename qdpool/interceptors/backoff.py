"""Backoff: how long to wait before a retry, as a pure function.

Given the retry number, the policy and a source of uniform random numbers, it
returns seconds; it never sleeps and keeps no state, so it is tested by value
and reused by anything that needs a delay. Full jitter is the default (Brooker,
"Exponential Backoff And Jitter": with no jitter, synchronised clients retry in
lockstep; full jitter does the least total work).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from qdpool.policies import RetryPolicy


def ceiling(retry: int, policy: RetryPolicy) -> float:
    """The un-jittered backoff before retry number ``retry`` (1 for the first retry).

    ``min(cap, base x multiplier ** (retry - 1))``, computed without overflowing.
    """
    if retry < 1:
        raise ValueError(f"retry numbers start at 1, got {retry}")
    base, cap = policy.base, policy.cap
    if base == 0:
        return 0.0
    exponent = retry - 1
    if policy.multiplier > 1 and exponent * math.log(policy.multiplier) >= math.log(cap / base):
        return cap
    return min(cap, base * policy.multiplier**exponent)


def backoff(retry: int, policy: RetryPolicy, random: Callable[[], float]) -> float:
    """Seconds to wait before retry number ``retry`` (1 for the first retry).

    ``random`` returns floats uniform in [0, 1), e.g. ``random.Random(seed).random``.

    * full:  uniform in [0, ceiling)
    * equal: ceiling / 2 + uniform in [0, ceiling / 2)
    * none:  the ceiling itself
    """
    top = ceiling(retry, policy)
    jitter = policy.jitter
    if jitter == "full":
        return top * random()
    if jitter == "equal":
        half = top / 2
        return half + half * random()
    return top
