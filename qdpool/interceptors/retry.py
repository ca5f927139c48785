"""Retry: repeats a failed attempt when that is both useful and safe, inside the deadline.

The *policy* (what may be retried, how long to wait) is apart from the
*mechanism* (this loop): ``qdpool.classify`` says whether a failure is
transient and whether repeating the call is safe; ``backoff`` says how long to
wait; ``RetryBudget`` says whether the client can afford another retry at all.

For each attempt the interceptor sets ``call.attempt`` (0, 1, 2, ...) and
``call.attempt_deadline = min(now + per_try_timeout, call.deadline)``. A retry
is given up, and the last error raised, when

* the failure is not transient (4xx, INVALID_ARGUMENT, server errors, ...), or
  is the client's own: a ``QueueTimeout`` (the deadline ran out waiting for a
  concurrency slot or a rate-limit token) is never retried and costs no budget;
* the operation is not idempotent and the request may have reached the server;
* ``max_attempts`` is reached;
* the backoff (or the server's ``Retry-After``) would end past the call's deadline;
* the server's ``Retry-After`` is longer than ``max_retry_after``.

When a retry is due but the shared budget is spent, the call fails at once with
``RetryBudgetExhausted`` (the last error chained), and the observer is told.

The backoff is slept here, above the concurrency limit, so a call waiting to
retry holds no connection slot.
"""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from qdpool.call import Call
from qdpool.classify import classify, may_retry, retry_after
from qdpool.errors import RetryBudgetExhausted
from qdpool.events import NULL_OBSERVER, Observer
from qdpool.interceptors.backoff import backoff
from qdpool.interceptors.budget import RetryBudget
from qdpool.pipeline import Handler
from qdpool.policies import UNSET, RetryPolicy, current_overrides

_MIN_ATTEMPT_TIME = 0.001
"""A retry must leave at least this much of the deadline for its attempt."""


class Retry:
    """Repeats transient failures under a ``RetryPolicy`` and a shared ``RetryBudget``."""

    name = "retry"
    __slots__ = ("_clock", "_observer", "_random", "_sleep", "budget", "policy", "retries")

    def __init__(
        self,
        policy: RetryPolicy | None = RetryPolicy(),  # noqa: B008 (a frozen value object)
        budget: RetryBudget | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        random: Callable[[], float] | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.policy = policy
        """The default (None: one attempt); ``qdpool.override(retry=...)`` replaces it per call."""
        self.budget = budget
        self._clock = clock
        self._sleep = sleep
        self._random = random or _random.Random().random
        self._observer = observer or NULL_OBSERVER
        self.retries = 0
        """Retries sent since the interceptor was made."""

    async def __call__(self, call: Call, next: Handler) -> Any:
        policy = self.policy
        overrides = current_overrides()
        if overrides is not None and overrides.retry is not UNSET:
            policy = overrides.retry
        budget = self.budget
        if budget is not None:
            budget.deposit()
        if policy is None:
            call.attempt_deadline = call.deadline
            return await next(call)
        clock = self._clock
        per_try = policy.per_try_timeout
        retries = 0
        while True:
            if per_try is None:
                call.attempt_deadline = call.deadline
            else:
                call.attempt_deadline = min(clock() + per_try, call.deadline)
            try:
                return await next(call)
            except Exception as error:
                delay = self._delay_before_retry(call, error, policy, retries)
                observer = self._observer
                if delay is None:
                    observer.on_attempt_failed(call, error, False)
                    raise
                if budget is not None and not budget.try_withdraw():
                    observer.on_attempt_failed(call, error, False)
                    observer.on_retry_budget_exhausted(call)
                    raise RetryBudgetExhausted(error) from error
                observer.on_attempt_failed(call, error, True)
                observer.on_backoff(call, delay)
            retries += 1
            self.retries += 1
            if delay > 0:
                await self._sleep(delay)
            call.attempt += 1

    def _delay_before_retry(
        self, call: Call, error: Exception, policy: RetryPolicy, retries: int
    ) -> float | None:
        """Seconds to wait before retrying ``call``, or None when it must not be retried."""
        if retries + 1 >= policy.max_attempts:
            return None
        outcome = classify(error)
        if not may_retry(call, error, outcome):
            return None
        delay = backoff(retries + 1, policy, self._random)
        hint = retry_after(error)
        if hint is not None and policy.honour_retry_after:
            if hint > policy.max_retry_after:
                return None
            delay = max(delay, hint)
        if self._clock() + delay + _MIN_ATTEMPT_TIME >= call.deadline:
            return None
        return delay

    def __repr__(self) -> str:
        p = self.policy
        if p is None:
            return "Retry(off)"
        return (
            f"Retry(max_attempts={p.max_attempts}, base={p.base:g}s, cap={p.cap:g}s, "
            f"jitter={p.jitter}, per_try_timeout={p.per_try_timeout}, budget={self.budget!r})"
        )
