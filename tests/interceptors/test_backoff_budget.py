"""Backoff (a pure function), the retry budget, and the sliding window under them."""

from __future__ import annotations

import random

import pytest

from qdpool.interceptors.backoff import backoff, ceiling
from qdpool.interceptors.budget import RetryBudget
from qdpool.interceptors.window import SlidingCounts
from qdpool.policies import RetryBudgetPolicy, RetryPolicy


class Clock:
    def __init__(self, now: float = 500.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_ceiling_grows_exponentially_to_the_cap() -> None:
    policy = RetryPolicy(base=0.1, cap=5.0)
    assert [ceiling(n, policy) for n in range(1, 9)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
    )
    assert ceiling(100, RetryPolicy(max_attempts=100, multiplier=10)) == 5.0  # no overflow
    with pytest.raises(ValueError):
        ceiling(0, policy)


def test_full_jitter_spans_zero_to_the_ceiling() -> None:
    policy = RetryPolicy(base=0.1, cap=5.0)
    assert backoff(3, policy, lambda: 0.0) == 0.0
    assert backoff(3, policy, lambda: 0.999) == pytest.approx(0.3996)
    rng = random.Random(7)
    samples = [backoff(2, policy, rng.random) for _ in range(2000)]
    assert 0 <= min(samples) < 0.01 and 0.19 < max(samples) < 0.2
    assert sum(samples) / len(samples) == pytest.approx(0.1, rel=0.05)


def test_equal_and_no_jitter() -> None:
    equal = RetryPolicy(jitter="equal")
    assert backoff(2, equal, lambda: 0.0) == pytest.approx(0.1)
    assert backoff(2, equal, lambda: 0.5) == pytest.approx(0.15)
    assert backoff(2, RetryPolicy(jitter="none"), lambda: 0.3) == pytest.approx(0.2)


def test_budget_allows_ratio_of_calls_plus_the_floor() -> None:
    clock = Clock()
    budget = RetryBudget(RetryBudgetPolicy(ratio=0.2, ttl=10, min_per_second=1), clock)
    for _ in range(100):
        budget.deposit()
    granted = 0
    while budget.try_withdraw():
        granted += 1
    assert granted == 20 + 10  # 20% of 100 calls + 1/s x 10 s
    assert budget.exhausted == 1
    assert budget.balance == pytest.approx(0)


def test_budget_deposits_expire_after_ttl() -> None:
    clock = Clock()
    budget = RetryBudget(RetryBudgetPolicy(ratio=0.5, ttl=10, min_per_second=0), clock)
    for _ in range(10):
        budget.deposit()
    assert budget.balance == pytest.approx(5)
    clock.now += 5
    assert budget.balance == pytest.approx(5)
    clock.now += 6
    assert budget.balance == 0
    assert not budget.try_withdraw()


def test_budget_withdrawals_expire_too() -> None:
    clock = Clock()
    budget = RetryBudget(RetryBudgetPolicy(ratio=0, ttl=2, min_per_second=1), clock)
    assert budget.try_withdraw() and budget.try_withdraw()
    assert not budget.try_withdraw()
    clock.now += 2.5
    assert budget.try_withdraw()


def test_budget_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryBudgetPolicy(ratio=-0.1)
    with pytest.raises(ValueError):
        RetryBudgetPolicy(ttl=0.1)
    with pytest.raises(ValueError):
        RetryBudgetPolicy(min_per_second=float("inf"))
    policy = RetryBudgetPolicy()
    assert (policy.ratio, policy.ttl, policy.min_per_second) == (0.2, 10.0, 10.0)
    assert "20%" in repr(RetryBudget(policy))


def test_sliding_counts_keep_exactly_the_window() -> None:
    clock = Clock(0.0)
    counts = SlidingCounts(window=10.0, counters=2, clock=clock)
    for second in range(25):
        clock.now = second + 0.5
        counts.add(0)
        counts.add(1, 2)
        assert counts.totals == [min(second + 1, 10), 2 * min(second + 1, 10)]
    clock.now += 3.0
    counts.advance()
    assert counts.totals == [7, 14]
    clock.now += 100
    counts.advance()
    assert counts.totals == [0, 0]


def test_sliding_counts_tolerate_a_clock_going_backwards() -> None:
    clock = Clock(100.0)
    counts = SlidingCounts(window=10.0, counters=1, clock=clock)
    counts.add(0)
    clock.now = 90.0
    counts.add(0)
    assert counts.totals == [2]


def test_sliding_counts_put_each_event_in_the_slot_of_its_time() -> None:
    """Times on and near the slots' edges (a width of 0.1 s is not exact in binary): the
    totals are the events whose slot, ``time // width``, is one of the last ten."""
    width = 1.0 / 10
    counts = SlidingCounts(window=1.0, counters=1, clock=lambda: 0.0)
    times: list[float] = []
    for i in range(60):
        for now in (i * width, i * width + 1e-12, (i + 1) * width - 1e-12):
            counts.add(0, 1, now)
            times.append(now)
            newest = int(now // width)
            expected = sum(1 for t in times if newest - 10 < int(t // width) <= newest)
            assert counts.totals == [expected], (i, now)
