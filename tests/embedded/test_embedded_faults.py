"""Fault injection on both doors: each kind, counters, seeding, the admin endpoint, trace logs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import grpc
import grpc.aio
import pytest
from embedded_support import Grpc, Rest, grpc_channel, pb

from qdpool.embedded import EmbeddedQdrant, FaultInjector, FaultRule

KEY = "test-key"
Factory = Callable[..., Awaitable[EmbeddedQdrant]]


class Doors:
    """A fresh server with a REST caller and a gRPC caller, and one collection ``c``."""

    def __init__(self, server: EmbeddedQdrant, rest: Rest, grpc_call: Grpc) -> None:
        self.server = server
        self.rest = rest
        self.grpc = grpc_call

    async def rest_count(self) -> int:
        reply = await self.rest("POST", "/collections/c/points/count", {})
        return int(reply.status)

    async def grpc_count(self) -> grpc.StatusCode:
        try:
            await self.grpc("count", pb("count", "c", {}), timeout=5)
        except grpc.aio.AioRpcError as exc:
            return exc.code()
        return grpc.StatusCode.OK


@pytest.fixture
async def doors(server_factory: Factory, http: aiohttp.ClientSession) -> Any:
    server = await server_factory(api_key=KEY, read_only_api_key="ro-key", fault_seed=7)
    channel = grpc_channel(server)
    d = Doors(server, Rest(http, server.rest_url), Grpc(channel))
    created = await d.rest("PUT", "/collections/c", {"vectors": {"size": 4, "distance": "Dot"}})
    assert created.result is True
    yield d
    await channel.close(None)


# ------------------------------------------------------------------ rules


def test_rules_are_validated_and_frozen() -> None:
    cases: tuple[Callable[[], object], ...] = (
        lambda: FaultRule("explode"),
        lambda: FaultRule.error(418),
        lambda: FaultRule.error(503, operation="nope"),
        lambda: FaultRule.error(503, protocol="http"),
        lambda: FaultRule.error(503, rate=1.5),
        lambda: FaultRule.error(503, count=0),
        lambda: FaultRule.latency(0),
        lambda: FaultRule("outage", status=503),
        lambda: FaultRule.error(503, retry_after=1),
        lambda: FaultRule("latency", delay=1, status=503),
        lambda: FaultRule.from_json({"kind": "error", "colour": "red"}),
        lambda: FaultRule.from_json({"kind": "latency", "delay": "1s"}),
    )
    for bad in cases:
        with pytest.raises(ValueError):
            bad()
    rule = FaultRule.error(429)
    assert rule.retry_after == 1.0
    with pytest.raises(AttributeError):
        rule.status = 500  # type: ignore[misc]
    assert FaultRule.from_json(rule.to_json()) == rule


def test_received_log_is_bounded() -> None:
    faults = FaultInjector(log_size=3)
    for i in range(5):
        faults.record_request("rest", "count", f"tp{i}", None)
    assert [r.traceparent for r in faults.received] == ["tp2", "tp3", "tp4"]


# ------------------------------------------------------------------ kinds, on both doors


async def test_error_with_count_on_one_operation_and_protocol(doors: Doors) -> None:
    faults = doors.server.faults
    faults.add(FaultRule.error(503, operation="count", protocol="rest", count=2))
    first = await doors.rest("POST", "/collections/c/points/count", {})
    assert first.status == 503
    assert first.error == "Shard temporarily unavailable: injected by qdpool fault rule #1 (error)"
    assert await doors.rest_count() == 503
    assert await doors.rest_count() == 200  # the count is spent
    assert await doors.grpc_count() == grpc.StatusCode.OK  # other protocol untouched
    assert (await doors.rest("GET", "/collections/c")).status == 200  # other operation untouched
    assert faults.injected_count("error", "count", "rest") == 2
    assert faults.injected_count(protocol="grpc") == 0
    assert faults.served_count("count", "rest") == 1
    assert faults.served_count("count", "grpc") == 1


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (503, grpc.StatusCode.UNAVAILABLE),
        (500, grpc.StatusCode.INTERNAL),
        (502, grpc.StatusCode.UNAVAILABLE),
        (504, grpc.StatusCode.DEADLINE_EXCEEDED),
    ],
)
async def test_error_statuses_map_to_grpc_codes(
    doors: Doors, status: int, code: grpc.StatusCode
) -> None:
    doors.server.faults.add(FaultRule.error(status, count=2))
    assert await doors.rest_count() == status
    assert await doors.grpc_count() == code
    assert doors.server.faults.injected_count("error") == 2


async def test_rate_limited_carries_retry_after(doors: Doors) -> None:
    doors.server.faults.add(FaultRule.error(429, retry_after=2, count=2))
    reply = await doors.rest("POST", "/collections/c/points/count", {})
    assert reply.status == 429 and reply.headers["Retry-After"] == "2"
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await doors.grpc("count", pb("count", "c", {}))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    trailers: Any = info.value.trailing_metadata() or ()  # grpc.aio: (key, value) tuples
    assert dict(trailers).get("retry-after") == "2"


async def test_latency_delays_then_serves(doors: Doors) -> None:
    doors.server.faults.add(FaultRule.latency(0.2, operation="count"))
    started = time.perf_counter()
    assert await doors.rest_count() == 200
    assert await doors.grpc_count() == grpc.StatusCode.OK
    assert time.perf_counter() - started >= 0.4
    assert doors.server.faults.injected_count("latency") == 2
    assert doors.server.faults.served_count("count") == 2


async def test_probabilistic_faults_are_reproducible_with_a_seed(doors: Doors) -> None:
    faults = doors.server.faults

    async def pattern() -> list[bool]:
        fired = []
        for _ in range(24):
            before = faults.injected_count()
            await doors.rest_count()
            fired.append(faults.injected_count() > before)
        return fired

    faults.reset(seed=42)
    faults.add(FaultRule.latency(0.001, rate=0.5))
    first = await pattern()
    faults.reset(seed=42)
    faults.add(FaultRule.latency(0.001, rate=0.5))
    assert await pattern() == first
    assert 0 < sum(first) < 24


async def test_stall_outlasts_the_client_deadline(
    doors: Doors, http: aiohttp.ClientSession
) -> None:
    doors.server.faults.add(FaultRule.stall(operation="count", count=2))
    with pytest.raises(TimeoutError):
        async with http.post(
            doors.server.rest_url + "/collections/c/points/count",
            json={},
            headers={"api-key": KEY},
            timeout=aiohttp.ClientTimeout(total=0.3),
        ) as resp:
            await resp.read()
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await doors.grpc("count", pb("count", "c", {}), timeout=0.3)
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert doors.server.faults.injected_count("stall") == 2
    assert await doors.rest_count() == 200  # count spent: served again


async def test_a_pending_stall_does_not_hold_up_shutdown(server_factory: Factory) -> None:
    server = await server_factory()
    server.faults.add(FaultRule.stall(60))
    async with aiohttp.ClientSession() as http:
        pending = asyncio.ensure_future(http.get(server.rest_url + "/collections"))
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        await server.close()
        assert time.perf_counter() - started < 5
        # Released, the request finished one way or the other instead of hanging.
        (outcome,) = await asyncio.wait_for(asyncio.gather(pending, return_exceptions=True), 5)
        if isinstance(outcome, aiohttp.ClientResponse):
            outcome.release()


async def test_drop_closes_the_connection(doors: Doors, http: aiohttp.ClientSession) -> None:
    doors.server.faults.add(FaultRule.drop(operation="count", count=2))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await doors.rest("POST", "/collections/c/points/count", {})
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await doors.grpc("count", pb("count", "c", {}))
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "Connection reset by peer" in (info.value.details() or "")
    assert doors.server.faults.injected_count("drop") == 2
    assert await doors.rest_count() == 200


async def test_outage_window_fails_everything_then_recovers(doors: Doors) -> None:
    doors.server.faults.add(FaultRule.outage(0.5))
    assert await doors.rest_count() == 503
    assert await doors.grpc_count() == grpc.StatusCode.UNAVAILABLE
    assert (await doors.rest("GET", "/healthz", key=None)).status == 503
    await asyncio.sleep(0.6)
    assert await doors.rest_count() == 200
    assert await doors.grpc_count() == grpc.StatusCode.OK
    assert doors.server.faults.injected_count("outage") == 3
    assert doors.server.faults.rules()[0]["active"] is False


async def test_latency_then_error_in_one_request(doors: Doors) -> None:
    doors.server.faults.add(FaultRule.latency(0.1, count=1))
    doors.server.faults.add(FaultRule.error(500, count=1))
    started = time.perf_counter()
    assert await doors.rest_count() == 500
    assert time.perf_counter() - started >= 0.1
    assert doors.server.faults.injected_count() == 2


# ------------------------------------------------------------------ admin endpoint


async def test_admin_endpoint(doors: Doors) -> None:
    rest = doors.rest
    rule = {"kind": "error", "status": 503, "operation": "count", "protocol": "grpc", "count": 1}
    assert (await rest("POST", "/qdpool/faults", rule, key=None)).status == 401
    assert (await rest("POST", "/qdpool/faults", rule, key="ro-key")).status == 403
    added = await rest("POST", "/qdpool/faults", rule)
    [rule_id] = added.result["ids"]
    both = await rest(
        "POST",
        "/qdpool/faults",
        {"rules": [{"kind": "latency", "delay": 0.01}, {"kind": "error", "status": 429}]},
    )
    assert len(both.result["ids"]) == 2
    invalid = await rest("POST", "/qdpool/faults", {"kind": "error", "status": 999})
    assert invalid.status == 422 and "status" in invalid.error
    assert await doors.grpc_count() == grpc.StatusCode.UNAVAILABLE
    stats = (await rest("GET", "/qdpool/faults", key="ro-key")).result
    assert stats["seed"] == 7
    assert stats["rules"][0]["id"] == rule_id
    assert stats["rules"][0]["fired"] == 1 and stats["rules"][0]["active"] is False
    assert {"protocol": "grpc", "operation": "count", "kind": "error", "count": 1} in stats[
        "injected"
    ]
    assert (await rest("DELETE", f"/qdpool/faults/{both.result['ids'][1]}")).result is True
    assert (await rest("DELETE", "/qdpool/faults/9999")).result is False
    remaining = (await rest("GET", "/qdpool/faults")).result["rules"]
    assert len(remaining) == 2
    assert (await rest("DELETE", "/qdpool/faults")).result is True
    assert (await rest("GET", "/qdpool/faults")).result["rules"] == []
    assert (await rest("POST", "/qdpool/faults/reset", {"seed": 3})).result is True
    after = (await rest("GET", "/qdpool/faults")).result
    assert after["seed"] == 3 and after["injected"] == []


# ------------------------------------------------------------------ trace headers


async def test_trace_headers_are_recorded_on_both_doors(doors: Doors) -> None:
    doors.server.faults.received.clear()
    rest_tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    grpc_tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    await doors.rest(
        "POST",
        "/collections/c/points/count",
        {},
        headers={"traceparent": rest_tp, "tracestate": "vendor=rest"},
    )
    await doors.grpc(
        "count",
        pb("count", "c", {}),
        metadata=(("traceparent", grpc_tp), ("tracestate", "vendor=grpc")),
    )
    await doors.rest("GET", "/collections")
    seen = [
        (r.protocol, r.operation, r.traceparent, r.tracestate, r.collection)
        for r in doors.server.received
    ]
    assert seen == [
        ("rest", "count", rest_tp, "vendor=rest", "c"),
        ("grpc", "count", grpc_tp, "vendor=grpc", "c"),
        ("rest", "list_collections", None, None, None),
    ]
    logged = (await doors.rest("GET", "/qdpool/requests", params={"last": "2"})).result
    assert [r["traceparent"] for r in logged] == [grpc_tp, None]
