"""The resilience interceptors wired into ``Client``: order, defaults, options, sharing."""

from __future__ import annotations

import random
from typing import Any

import pytest

import qdpool
from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import CircuitOpen, RetryBudgetExhausted, Unavailable
from qdpool.interceptors.breaker import Breaker
from qdpool.interceptors.concurrency import Concurrency
from qdpool.interceptors.retry import Retry
from qdpool.testing import MockTransport


def make_client(handler: Any, **options: Any) -> tuple[qdpool.Client, MockTransport, MockTransport]:
    rest = MockTransport(handler, "rest")
    grpc = MockTransport(handler, "grpc")
    client = qdpool.Client(
        Endpoint("127.0.0.1"), transports={"rest": rest, "grpc": grpc}, **options
    )
    return client, rest, grpc


class Flaky:
    """Fails the first ``failures`` attempts (per protocol) with ``error``."""

    def __init__(self, failures: int, error: Any = None) -> None:
        self.failures = failures
        self.error = error or (lambda call: Unavailable("busy", protocol=call.protocol, status=503))
        self.attempts: list[tuple[str, int]] = []

    def __call__(self, call: Call) -> Any:
        self.attempts.append((call.protocol, call.attempt))
        if sum(1 for p, _ in self.attempts if p == call.protocol) <= self.failures:
            raise self.error(call)
        return 7


def test_default_chain_order() -> None:
    client, _, _ = make_client(lambda call: 1, api_key="k")
    assert "deadline → retry → breaker → concurrency → " in client.pipeline.describe()
    assert client.pipeline.describe().endswith("auth → transport")


def test_full_chain_order_is_the_documented_one() -> None:
    client, _, _ = make_client(
        lambda call: 1,
        api_key="k",
        rate_limit=qdpool.RateLimitPolicy(rate=100),
        hedge=qdpool.HedgePolicy(),
        fallback=qdpool.FallbackPolicy(),
    )
    assert (
        "deadline → retry → fallback → hedge → rate_limit → breaker → concurrency → "
        in client.pipeline.describe()
    )


def test_everything_can_be_turned_off() -> None:
    client, _, _ = make_client(
        lambda call: 1, retry=None, retry_budget=None, breaker=None, concurrency=None
    )
    assert "deadline → retry → " in client.pipeline.describe()
    assert client.pipeline.find(Breaker) is None and client.pipeline.find(Concurrency) is None
    retry = client.pipeline.find(Retry)
    assert retry.policy is None and retry.budget is None


def test_defaults_are_conservative() -> None:
    client, _, _ = make_client(lambda call: 1)
    retry = client.pipeline.find(Retry)
    assert retry.policy == qdpool.RetryPolicy()
    assert retry.budget.policy == qdpool.RetryBudgetPolicy()
    assert client.pipeline.find(Breaker).policy == qdpool.BreakerPolicy()
    assert client.pipeline.find(Concurrency).policy == qdpool.ConcurrencyPolicy()


def test_bad_options_are_refused() -> None:
    with pytest.raises(TypeError, match="retry"):
        make_client(lambda call: 1, retry=3)
    with pytest.raises(ValueError, match="both protocols"):
        qdpool.Client(
            Endpoint("127.0.0.1"),
            transports={"rest": MockTransport(lambda call: 1)},
            protocols=("rest",),
            fallback=qdpool.FallbackPolicy(),
        )


async def test_client_retries_transient_failures_by_default() -> None:
    flaky = Flaky(2)
    client, _, _ = make_client(flaky, retry=qdpool.RetryPolicy(base=0.001, cap=0.002))
    async with client:
        assert await client.count("docs") == 7
    assert flaky.attempts == [("rest", 0), ("rest", 1), ("rest", 2)]


async def test_non_idempotent_calls_are_not_retried_once_sent() -> None:
    flaky = Flaky(1)
    client, rest, _ = make_client(flaky, retry=qdpool.RetryPolicy(base=0.001, cap=0.002))
    async with client:
        with pytest.raises(Unavailable):
            await client.create_collection("docs", size=4)
    assert len(rest.calls) == 1


async def test_one_budget_for_both_protocols() -> None:
    flaky = Flaky(1)
    client, _, grpc = make_client(
        flaky,
        retry=qdpool.RetryPolicy(base=0.0, cap=0.0),
        retry_budget=qdpool.RetryBudgetPolicy(ratio=0.0, min_per_second=0.1),
    )
    async with client:
        assert await client.count("docs", protocol="rest") == 7  # spends the only retry
        with pytest.raises(RetryBudgetExhausted):
            await client.count("docs", protocol="grpc")
    assert len(grpc.calls) == 1


async def test_breaker_through_the_client() -> None:
    flaky = Flaky(1000)
    client, rest, _ = make_client(
        flaky, retry=None, breaker=qdpool.BreakerPolicy(minimum_calls=5, open_duration=60)
    )
    async with client:
        for _ in range(5):
            with pytest.raises(Unavailable):
                await client.count("docs")
        with pytest.raises(CircuitOpen):
            await client.count("docs")
        assert len(rest.calls) == 5
        # gRPC has its own breaker
        with pytest.raises(Unavailable):
            await client.count("docs", protocol="grpc")


async def test_fallback_through_the_client() -> None:
    def grpc_down(call: Call) -> Any:
        if call.protocol == "grpc":
            raise Unavailable(
                "failed to connect", protocol="grpc", status="UNAVAILABLE", sent=False
            )
        return call.protocol

    client, rest, grpc = make_client(grpc_down, protocol="grpc", fallback=qdpool.FallbackPolicy())
    async with client:
        assert await client.count("docs") == "rest"
        assert await client.count("docs") == "rest"
    assert len(grpc.calls) == 1 and len(rest.calls) == 2


async def test_seeded_rng_makes_backoff_reproducible() -> None:
    class Record(qdpool.events.NullObserver):
        def __init__(self) -> None:
            self.seen: list[float] = []

        def on_backoff(self, call: Call, delay: float) -> None:
            self.seen.append(delay)

    delays: list[list[float]] = []
    for _ in range(2):
        record = Record()
        client, _, _ = make_client(
            Flaky(3),
            retry=qdpool.RetryPolicy(base=0.001, cap=0.004),
            observer=record,
            rng=random.Random(5),
        )
        async with client:
            await client.count("docs")
        delays.append(record.seen)
    assert delays[0] == delays[1] and len(delays[0]) == 3


def test_policies_are_exported() -> None:
    for name in (
        "BreakerPolicy",
        "ConcurrencyPolicy",
        "FallbackPolicy",
        "HedgePolicy",
        "RateLimitPolicy",
        "RetryBudgetPolicy",
        "RetryPolicy",
        "override",
    ):
        assert name in qdpool.__all__ and hasattr(qdpool, name)
