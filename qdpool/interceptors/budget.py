"""Retry budget: retries as a share of calls, over a sliding window, shared client-wide.

A retry count per call ("up to 5 attempts") multiplies load when a server is
already failing: every caller retries, and an overloaded node gets five times
the traffic just when it can least take it. A budget bounds the *sum*: every
call deposits ``ratio`` of a retry, each retry withdraws one, deposits expire
after ``ttl`` seconds, and a reserve of ``min_per_second x ttl`` retries keeps a
quiet client able to retry at all (Finagle's and Linkerd's design). With every
request failing, attempts in any window of ``ttl`` seconds stay at or below
``calls x (1 + ratio) + min_per_second x ttl``.

One ``RetryBudget`` serves a whole client, over both protocols: a retry costs
the same load on the node whichever way it travels.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from qdpool.interceptors.window import SlidingCounts
from qdpool.policies import RetryBudgetPolicy

_CALLS, _RETRIES = 0, 1


class RetryBudget:
    """The running state of one client's retry budget (see the module docstring)."""

    __slots__ = ("_counts", "_ratio", "_reserve", "exhausted", "policy")

    def __init__(
        self, policy: RetryBudgetPolicy | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy = policy or RetryBudgetPolicy()
        self._ratio = self.policy.ratio
        self._reserve = self.policy.min_per_second * self.policy.ttl
        self._counts = SlidingCounts(self.policy.ttl, 2, clock)
        self.exhausted = 0
        """How many retries were refused since the budget was made."""

    def deposit(self) -> None:
        """A call started: it earns ``ratio`` of a retry."""
        self._counts.add(_CALLS)

    def try_withdraw(self) -> bool:
        """Spend one retry if the balance allows it; False (and counted) when it does not."""
        counts = self._counts
        counts.advance()
        totals = counts.totals
        if self._reserve + self._ratio * totals[_CALLS] - totals[_RETRIES] >= 1:
            counts.add(_RETRIES)
            return True
        self.exhausted += 1
        return False

    @property
    def balance(self) -> float:
        """Retries that could be spent right now."""
        counts = self._counts
        counts.advance()
        totals = counts.totals
        return max(0.0, self._reserve + self._ratio * totals[_CALLS] - totals[_RETRIES])

    def __repr__(self) -> str:
        p = self.policy
        return (
            f"<RetryBudget {p.ratio:.0%} of calls + {p.min_per_second:g}/s over {p.ttl:g}s: "
            f"balance {self.balance:.1f}, refused {self.exhausted}>"
        )
