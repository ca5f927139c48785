"""Concurrency sized from the server: 2 x the node's cores from GET /telemetry, or the fallback."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

import qdpool
from qdpool.call import Call
from qdpool.dispatch import Dispatch
from qdpool.embedded import EmbeddedQdrant
from qdpool.embedded.telemetry import usable_cores
from qdpool.endpoint import Endpoint
from qdpool.errors import PermissionDenied, Unavailable
from qdpool.interceptors.auth import Auth
from qdpool.interceptors.concurrency import Concurrency
from qdpool.pipeline import Pipeline
from qdpool.policies import ConcurrencyPolicy
from qdpool.sizing import TELEMETRY_SYSTEM, cores_of, size_from_server, size_node
from qdpool.testing import MockTransport
from qdpool.transport.codec_json import target_for

ENDPOINT = Endpoint("127.0.0.1")
OTHER = Endpoint("127.0.0.2")


def telemetry(cores: Any) -> dict[str, Any]:
    """A ``GET /telemetry`` result in Qdrant's shape (only what sizing reads, and a neighbour)."""
    return {"id": "x", "app": {"name": "qdrant", "system": {"cores": cores, "ram_size": 1}}}


def answering(result: Any) -> MockTransport:
    def handler(call: Call) -> Any:
        assert call.operation is TELEMETRY_SYSTEM
        if isinstance(result, BaseException):
            raise result
        return TELEMETRY_SYSTEM.decode_rest(result)

    return MockTransport(handler)


def test_the_request_asks_for_the_level_that_reports_the_system() -> None:
    call = Call(TELEMETRY_SYSTEM, None, "rest", None, None, 1.0, ENDPOINT)
    # Qdrant leaves app.system out at details_level 0.
    assert target_for(call, 1.0) == "/telemetry?details_level=1"
    assert TELEMETRY_SYSTEM.read and TELEMETRY_SYSTEM.idempotent


@pytest.mark.parametrize("cores", [None, 0, -2, "8", True, 2.5])
def test_an_answer_without_usable_cores_is_refused(cores: Any) -> None:
    with pytest.raises(qdpool.QdpoolError, match=r"no app\.system\.cores"):
        cores_of(telemetry(cores))
    with pytest.raises(qdpool.QdpoolError):
        cores_of({"app": {"name": "qdrant"}})  # details_level 0: no system at all


async def test_a_node_gets_twice_its_cores_with_the_key() -> None:
    transport = answering(telemetry(8))
    concurrency = Concurrency(ConcurrencyPolicy())
    limiter = await size_node(concurrency, ENDPOINT, {"rest": transport}, auth=Auth("secret"))
    assert limiter.limit == 16 and concurrency.limiter(ENDPOINT) is limiter
    assert "limit 2 x 8 cores (GET /telemetry)" in repr(limiter)
    assert transport.calls[0].headers["api-key"] == "secret"


async def test_per_core_and_adaptive_bounds_apply() -> None:
    concurrency = Concurrency(ConcurrencyPolicy(per_core=3))
    assert (await size_node(concurrency, ENDPOINT, {"rest": answering(telemetry(4))})).limit == 12
    adaptive = Concurrency(ConcurrencyPolicy(adaptive=True, max_limit=10))
    limiter = await size_node(adaptive, ENDPOINT, {"rest": answering(telemetry(64))})
    assert limiter.limit == 10


async def test_an_explicit_limit_reads_nothing() -> None:
    transport = answering(telemetry(8))
    concurrency = Concurrency(ConcurrencyPolicy(limit=5))
    assert (await size_node(concurrency, ENDPOINT, {"rest": transport})).limit == 5
    assert transport.calls == []


@pytest.mark.parametrize(
    ("transports", "reason"),
    [
        ({"rest": answering(PermissionDenied("forbidden", protocol="rest", status=403))}, "403"),
        ({"rest": answering(Unavailable("refused", protocol="rest", sent=False))}, "refused"),
        ({"rest": answering(telemetry(None))}, "no app.system.cores"),
        ({"grpc": MockTransport(lambda call: 1, "grpc")}, "no REST transport"),
    ],
)
async def test_unreadable_telemetry_falls_back_and_says_why(
    transports: dict[str, MockTransport], reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    concurrency = Concurrency(ConcurrencyPolicy(fallback_limit=32))
    with caplog.at_level(logging.INFO, logger="qdpool"):
        limiter = await size_node(concurrency, ENDPOINT, transports)
    assert limiter.limit == 32
    assert "fallback 32: GET /telemetry unreadable" in repr(limiter) and reason in repr(limiter)
    assert "is the fallback 32" in caplog.text and reason in caplog.text


async def test_a_node_that_does_not_answer_in_time_falls_back() -> None:
    async def stalled(call: Call) -> Any:
        await asyncio.sleep(10)

    concurrency = Concurrency(ConcurrencyPolicy())
    limiter = await size_node(concurrency, ENDPOINT, {"rest": MockTransport(stalled)}, timeout=0.05)
    assert limiter.limit == 64 and "no answer within 0.05s" in repr(limiter)


async def test_every_node_of_the_dispatch_is_sized_at_once() -> None:
    concurrency = Concurrency(ConcurrencyPolicy())
    nodes = {
        ENDPOINT: {"rest": answering(telemetry(2))},
        OTHER: {"rest": answering(telemetry(16))},
    }
    pipeline = Pipeline([concurrency, Auth("k")], Dispatch(nodes))  # type: ignore[arg-type]
    assert await size_from_server(pipeline) == {ENDPOINT: 4, OTHER: 32}
    without = Pipeline([], Dispatch(nodes))  # type: ignore[arg-type]
    assert await size_from_server(without) == {}  # no concurrency limit: nothing to size
    fixed = Pipeline([Concurrency(ConcurrencyPolicy(limit=3))], Dispatch(nodes))  # type: ignore[arg-type]
    assert await size_from_server(fixed) == {}


async def test_a_client_given_its_transports_does_not_ask_them() -> None:
    """Given transports (mocks in tests) are not asked: they need not speak Qdrant's telemetry."""
    transport = MockTransport(lambda call: 7)
    client = qdpool.Client(ENDPOINT, transports={"rest": transport}, protocols=("rest",))
    async with client:
        assert await client.count("docs") == 7
    assert [c.operation.name for c in transport.calls] == ["count"]
    limiter = client.pipeline.find(Concurrency).limiter(ENDPOINT)
    assert limiter.limit == 64 and "fallback" in limiter.sized


# ------------------------------------------------------------ against the embedded server


async def test_the_client_sizes_its_node_from_the_embedded_servers_cores(server: Any) -> None:
    if not isinstance(server, EmbeddedQdrant):
        pytest.skip("the expected core count is the embedded server's own")
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key="test-key") as c:
        limiter = c.pipeline.find(Concurrency).limiter(c.endpoint)
        assert limiter.limit == 2 * usable_cores()
        assert f"2 x {usable_cores()} cores (GET /telemetry)" in repr(c.pipeline.find(Concurrency))


async def test_a_wrong_key_starts_the_client_with_the_fallback(server: Any) -> None:
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key="wrong") as c:
        limiter = c.pipeline.find(Concurrency).limiter(c.endpoint)
        assert limiter.limit == 64 and "401" in limiter.sized


async def test_a_grpc_only_client_uses_the_fallback(server: Any) -> None:
    async with qdpool.connect(
        server.rest_url,
        grpc_url=server.grpc_url,
        api_key="test-key",
        protocol="grpc",
        protocols=("grpc",),
    ) as client:
        limiter = client.pipeline.find(Concurrency).limiter(client.endpoint)
        assert limiter.limit == 64 and "no REST transport" in limiter.sized
