"""Protocol fallback: gRPC attempts go over REST while gRPC is down, and come back after."""

from __future__ import annotations

from typing import Any

import pytest

from qdpool import operations as ops
from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import CircuitOpen, NotFound, Unavailable
from qdpool.events import NullObserver
from qdpool.interceptors.breaker import Breaker
from qdpool.interceptors.fallback import Fallback
from qdpool.pipeline import Pipeline
from qdpool.policies import BreakerPolicy, FallbackPolicy

ENDPOINT = Endpoint("127.0.0.1")


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class Moves(NullObserver):
    def __init__(self) -> None:
        self.moves: list[tuple[str, str]] = []

    def on_fallback(self, call: Call, from_protocol: str, to_protocol: str) -> None:
        self.moves.append((from_protocol, to_protocol))


class Node:
    def __init__(self) -> None:
        self.grpc_up = True
        self.grpc_error: Exception | None = None
        self.sent: list[str] = []

    async def __call__(self, call: Call) -> Any:
        self.sent.append(call.protocol)
        if call.protocol == "grpc":
            if self.grpc_error is not None:
                raise self.grpc_error
            if not self.grpc_up:
                raise Unavailable(
                    "failed to connect", protocol="grpc", status="UNAVAILABLE", sent=False
                )
        return call.protocol


def make_call(protocol: str = "grpc") -> Call:
    return Call(ops.QUERY_POINTS, "docs", protocol, {}, None, 1e12, ENDPOINT)


async def test_connection_failure_goes_over_rest_then_back_to_grpc() -> None:
    clock = Clock()
    moves = Moves()
    fallback = Fallback(FallbackPolicy(recheck_after=1.0), clock=clock, observer=moves)
    node = Node()
    pipeline = Pipeline([fallback], node)
    node.grpc_up = False
    call = make_call()
    assert await pipeline(call) == "rest"
    assert node.sent == ["grpc", "rest"]
    assert call.protocol == "grpc"  # restored, so the next attempt decides afresh
    # while down, gRPC is not even tried
    assert await pipeline(make_call()) == "rest"
    assert node.sent == ["grpc", "rest", "rest"]
    assert moves.moves == [("grpc", "rest")] * 2
    # after recheck_after, gRPC is tried again; once it answers, calls stay on it
    node.grpc_up = True
    clock.now += 1.0
    assert await pipeline(make_call()) == "grpc"
    assert await pipeline(make_call()) == "grpc"
    assert fallback.fallbacks == 2


async def test_open_grpc_breaker_means_rest_and_half_open_means_grpc_again() -> None:
    clock = Clock()
    policy = BreakerPolicy(minimum_calls=5, open_duration=2.0, half_open_probes=1)
    breaker = Breaker(policy, clock=clock)
    fallback = Fallback(FallbackPolicy(recheck_after=0.5), breaker=breaker, clock=clock)
    node = Node()
    pipeline = Pipeline([fallback, breaker], node)
    node.grpc_up = False
    for _ in range(5):
        assert await pipeline(make_call()) == "rest"
        clock.now += 0.6  # past recheck_after: every call tries gRPC first
    assert breaker.state(ENDPOINT, "grpc") == "open"
    grpc_tries = node.sent.count("grpc")
    for _ in range(3):
        assert await pipeline(make_call()) == "rest"
        clock.now += 0.6
    assert node.sent.count("grpc") == grpc_tries  # open: gRPC not tried at all
    node.grpc_up = True
    clock.now += 2.0
    assert await pipeline(make_call()) == "grpc"  # the half-open probe
    assert breaker.state(ENDPOINT, "grpc") == "closed"
    assert await pipeline(make_call()) == "grpc"


async def test_circuit_open_on_grpc_goes_over_rest() -> None:
    node = Node()
    node.grpc_error = CircuitOpen(str(ENDPOINT), "grpc", 1.0)
    assert await Pipeline([Fallback()], node)(make_call()) == "rest"


@pytest.mark.parametrize(
    "error",
    [
        Unavailable("reset after send", protocol="grpc", status="UNAVAILABLE", sent=None),
        NotFound("no such collection", protocol="grpc", status="NOT_FOUND"),
    ],
)
async def test_delivered_errors_do_not_switch_protocols(error: Exception) -> None:
    node = Node()
    node.grpc_error = error
    with pytest.raises(type(error)):
        await Pipeline([Fallback()], node)(make_call())
    assert node.sent == ["grpc"]


async def test_rest_calls_pass_through() -> None:
    node = Node()
    node.grpc_up = False
    assert await Pipeline([Fallback()], node)(make_call("rest")) == "rest"
    assert node.sent == ["rest"]


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        FallbackPolicy(recheck_after=0)
