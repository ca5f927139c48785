"""Builds the default interceptor chain in the order ``qdpool.pipeline`` documents.

``Client`` asks for it once, when it is built; nothing here runs per call.
Users' own interceptors go between telemetry and deadline (they see each logical
call once) unless they build a ``Pipeline`` themselves.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from qdpool.events import Observer
from qdpool.interceptors.auth import Auth
from qdpool.interceptors.deadline import Deadline
from qdpool.interceptors.resilience import resilience_chain
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
from qdpool.telemetry import Telemetry, combine

if TYPE_CHECKING:
    from qdpool.routing.cluster import Cluster


def default_chain(
    *,
    api_key: str | None,
    interceptors: Sequence[Interceptor],
    telemetry: Telemetry | None,
    retry: RetryPolicy | None,
    retry_budget: RetryBudgetPolicy | None,
    breaker: BreakerPolicy | None,
    concurrency: ConcurrencyPolicy | None,
    rate_limit: RateLimitPolicy | None,
    hedge: HedgePolicy | None,
    fallback: FallbackPolicy | None,
    protocols: Sequence[str],
    observer: Observer | None,
    rng: random.Random | None,
    clock: Callable[[], float],
    cluster: Cluster | None = None,
) -> list[Interceptor]:
    """telemetry → users' → deadline → resilience (retry … concurrency) → attempt → auth.

    With a ``cluster``, its routing goes into the resilience part (``Cluster.chain``):
    route scope above retry, route just above the breaker, fallback folded into route.
    """
    head: list[Interceptor] = []
    if telemetry is not None:
        head.append(telemetry.call_interceptor)
        observer = combine(telemetry.observer, observer)
    chain: list[Interceptor] = [*head, *interceptors, Deadline(clock)]
    resilience = resilience_chain(
        retry=retry,
        retry_budget=retry_budget,
        breaker=breaker,
        concurrency=concurrency,
        rate_limit=rate_limit,
        hedge=hedge,
        fallback=fallback,
        protocols=tuple(protocols),
        observer=observer,
        rng=rng,
        clock=clock,
    )
    chain += cluster.chain(resilience) if cluster is not None else resilience
    if telemetry is not None:
        chain.append(telemetry.attempt_interceptor)
    if api_key is not None:
        chain.append(Auth(api_key))
    return chain
