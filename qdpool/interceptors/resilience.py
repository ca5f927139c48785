"""Assembles the resilience interceptors in the pipeline's documented order.

``Client`` calls ``resilience_chain`` once, when it is built, and places the
result between the deadline interceptor and the per-attempt ones (attempt
telemetry, auth)::

    deadline → retry → fallback → hedge → rate limit → breaker → concurrency → ...

Why this order (docs/resilience.md has the long form):

* retry below deadline: every retry and backoff spends the one overall budget;
* fallback below retry: each attempt chooses its protocol afresh, so calls go
  back to gRPC as soon as it recovers; a fallback is not a retry;
* hedge below retry and fallback: a hedge is one more attempt of the same try,
  over the protocol fallback chose; retry sees one result per try;
* rate limit below hedge: every request that is sent (hedges and retries
  included) takes a token;
* breaker below the rate limit, above concurrency: a refused attempt neither
  waits for a slot nor is sent, and the breaker times only what it judges;
* concurrency last: a slot is held only while an attempt is on the wire, never
  during a backoff, a rate-limit wait, or a refused attempt.

One ``RetryBudget`` and one ``Breaker`` (its per-endpoint state machines) serve
both protocols; the fallback reads the same breaker to know whether gRPC is down.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Callable

from qdpool.events import NULL_OBSERVER, Observer
from qdpool.interceptors.breaker import Breaker
from qdpool.interceptors.budget import RetryBudget
from qdpool.interceptors.concurrency import Concurrency
from qdpool.interceptors.fallback import Fallback
from qdpool.interceptors.hedge import Hedge
from qdpool.interceptors.ratelimit import RateLimit
from qdpool.interceptors.retry import Retry
from qdpool.pipeline import Interceptor
from qdpool.policies import (
    BreakerPolicy,
    ConcurrencyPolicy,
    FallbackPolicy,
    HedgePolicy,
    RateLimitPolicy,
    RetryBudgetPolicy,
    RetryPolicy,
)


def resilience_chain(
    *,
    retry: RetryPolicy | None,
    retry_budget: RetryBudgetPolicy | None,
    breaker: BreakerPolicy | None,
    concurrency: ConcurrencyPolicy | None,
    rate_limit: RateLimitPolicy | None,
    hedge: HedgePolicy | None,
    fallback: FallbackPolicy | None,
    protocols: tuple[str, ...],
    observer: Observer | None = None,
    rng: _random.Random | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[Interceptor]:
    """The configured resilience interceptors, outermost first.

    Retry is always present (with ``retry=None`` it makes one attempt, and
    ``qdpool.override(retry=...)`` can still turn retries on for some calls);
    the others only when their policy is given.
    """
    for name, value, kind in (
        ("retry", retry, RetryPolicy),
        ("retry_budget", retry_budget, RetryBudgetPolicy),
        ("breaker", breaker, BreakerPolicy),
        ("concurrency", concurrency, ConcurrencyPolicy),
        ("rate_limit", rate_limit, RateLimitPolicy),
        ("hedge", hedge, HedgePolicy),
        ("fallback", fallback, FallbackPolicy),
    ):
        if value is not None and not isinstance(value, kind):
            raise TypeError(f"{name} must be a {kind.__name__} or None, not {type(value).__name__}")
    if fallback is not None and not {"grpc", "rest"} <= set(protocols):
        raise ValueError("fallback needs both protocols: pass protocols=('rest', 'grpc')")
    observer = observer or NULL_OBSERVER
    rng = rng or _random.Random()
    budget = RetryBudget(retry_budget, clock) if retry_budget is not None else None
    chain: list[Interceptor] = [
        Retry(retry, budget, clock=clock, random=rng.random, observer=observer)
    ]
    breaker_interceptor = (
        Breaker(breaker, clock=clock, observer=observer) if breaker is not None else None
    )
    if fallback is not None:
        chain.append(
            Fallback(fallback, breaker=breaker_interceptor, clock=clock, observer=observer)
        )
    if hedge is not None:
        chain.append(Hedge(hedge, clock=clock, observer=observer))
    if rate_limit is not None:
        chain.append(RateLimit(rate_limit, clock=clock, observer=observer))
    if breaker_interceptor is not None:
        chain.append(breaker_interceptor)
    if concurrency is not None:
        chain.append(Concurrency(concurrency, clock=clock, observer=observer))
    return chain
