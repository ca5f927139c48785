"""Telemetry end to end against the embedded server, on REST and gRPC.

A failing call, a retried call and a hedged call go through a real client (the
real retry and hedge interceptors, the real transports); the server logs the
``traceparent`` / ``tracestate`` of every request it receives, and those must
name the client's attempt spans exactly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import NonRecordingSpan, SpanContext, StatusCode, TraceFlags
from opentelemetry.trace.span import TraceState
from telemetry_support import Otel, make_otel

import qdpool
from qdpool.embedded import EmbeddedQdrant, FaultRule
from qdpool.errors import NotFound
from qdpool.policies import HedgePolicy, RetryPolicy

KEY = "embedded-telemetry-key-5f0c9e"
COLLECTION = "otel_docs"
DIM = 4
PROTOCOLS = ["rest", "grpc"]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def qdrant() -> AsyncIterator[EmbeddedQdrant]:
    async with EmbeddedQdrant(api_key=KEY) as server:
        async with qdpool.connect(
            server.rest_url, grpc_url=server.grpc_url, api_key=KEY, telemetry=False
        ) as setup:
            await setup.create_collection(COLLECTION, size=DIM)
            points = [
                {"id": i, "vector": [0.1 * i, 0.2, 0.3, 0.4], "payload": {"n": i}}
                for i in range(1, 9)
            ]
            await setup.upsert(COLLECTION, points)
        yield server


@pytest.fixture
def otel_e2e() -> Iterator[Otel]:
    o = make_otel()
    yield o
    o.tracer_provider.shutdown()
    o.meter_provider.shutdown()


@pytest_asyncio.fixture(loop_scope="session")
async def client(qdrant: EmbeddedQdrant, otel_e2e: Otel) -> AsyncIterator[qdpool.Client]:
    qdrant.faults.reset()
    async with qdpool.connect(
        qdrant.rest_url,
        grpc_url=qdrant.grpc_url,
        api_key=KEY,
        tracer_provider=otel_e2e.tracer_provider,
        meter_provider=otel_e2e.meter_provider,
        retry=RetryPolicy(max_attempts=3, base=0.001, cap=0.005),
        hedge=HedgePolicy(delay=0.05, max_extra_load=1.0),
    ) as c:
        yield c
    qdrant.faults.reset()


def children(otel: Otel, parent: ReadableSpan) -> list[ReadableSpan]:
    found = [
        s
        for s in otel.spans()
        if s.parent is not None and s.parent.span_id == parent.context.span_id
    ]
    return sorted(found, key=lambda s: s.start_time or 0)


def received_for(qdrant: EmbeddedQdrant, operation: str, protocol: str) -> list[Any]:
    return [r for r in qdrant.received if r.operation == operation and r.protocol == protocol]


def traceparent_of(span: ReadableSpan) -> str:
    ctx = span.context
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_plain_call_reaches_the_server_with_its_attempt_span(
    client: qdpool.Client, qdrant: EmbeddedQdrant, otel_e2e: Otel, protocol: str
) -> None:
    assert await client.count(COLLECTION, protocol=protocol) == 8
    span = otel_e2e.span(f"count {COLLECTION}")
    attrs = span.attributes or {}
    assert attrs["db.system.name"] == "qdrant"
    assert attrs["server.address"] == "127.0.0.1"
    if protocol == "grpc":
        assert attrs["rpc.method"] == "qdrant.Points/Count"
        assert attrs["server.port"] == qdrant.grpc_port
    else:
        assert attrs["http.request.method"] == "POST"
        assert attrs["server.port"] == qdrant.port
        assert attrs["url.full"] == f"{qdrant.rest_url}/collections/{COLLECTION}/points/count"
    [attempt] = children(otel_e2e, span)
    [request] = received_for(qdrant, "count", protocol)
    assert request.traceparent == traceparent_of(attempt)
    if protocol == "grpc":
        assert (attempt.attributes or {})["rpc.response.status_code"] == "OK"
    else:
        assert (attempt.attributes or {})["http.response.status_code"] == 200


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_failing_call(client: qdpool.Client, otel_e2e: Otel, protocol: str) -> None:
    with pytest.raises(NotFound):
        await client.count("no_such_collection", protocol=protocol)
    span = otel_e2e.span("count no_such_collection")
    assert span.status.status_code is StatusCode.ERROR
    code = "NOT_FOUND" if protocol == "grpc" else "404"
    assert (span.attributes or {})["error.type"] == code
    assert (span.attributes or {})["db.response.status_code"] == code
    [attempt] = children(otel_e2e, span)
    assert attempt.status.status_code is StatusCode.ERROR
    if protocol == "grpc":
        assert (attempt.attributes or {})["rpc.response.status_code"] == "NOT_FOUND"
    else:
        assert (attempt.attributes or {})["http.response.status_code"] == 404
    [point] = [
        p
        for p in otel_e2e.points("db.client.operation.duration")
        if p.attributes.get("db.collection.name") == "no_such_collection"
    ]
    assert point.attributes["error.type"] == code


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_retried_call(
    client: qdpool.Client, qdrant: EmbeddedQdrant, otel_e2e: Otel, protocol: str
) -> None:
    qdrant.faults.add(FaultRule.error(503, operation="count", protocol=protocol, count=1))
    assert await client.count(COLLECTION, protocol=protocol) == 8

    span = otel_e2e.span(f"count {COLLECTION}")
    assert span.status.status_code is StatusCode.UNSET  # the retry absorbed the failure
    assert "error.type" not in (span.attributes or {})
    first, second = children(otel_e2e, span)
    assert first.status.status_code is StatusCode.ERROR
    assert (first.attributes or {})["error.type"] == (
        "UNAVAILABLE" if protocol == "grpc" else "503"
    )
    assert second.status.status_code is StatusCode.UNSET
    assert (second.attributes or {})["qdpool.attempt"] == 1
    if protocol == "rest":
        assert (second.attributes or {})["http.request.resend_count"] == 1
    names = [e.name for e in span.events]
    assert names == ["qdpool.attempt.failed", "qdpool.retry.backoff"]
    # the server saw two requests, each carrying the traceparent of its own attempt span
    sent = [r.traceparent for r in received_for(qdrant, "count", protocol)]
    assert sent == [traceparent_of(first), traceparent_of(second)]
    [retries] = otel_e2e.points("qdpool.client.retries")
    assert retries.value == 1


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_hedged_call(
    client: qdpool.Client, qdrant: EmbeddedQdrant, otel_e2e: Otel, protocol: str
) -> None:
    qdrant.faults.add(FaultRule.latency(0.5, operation="query_points", protocol=protocol, count=1))
    hits = await client.query_points(COLLECTION, [0.1, 0.2, 0.3, 0.4], limit=2, protocol=protocol)
    assert len(hits) == 2

    span = otel_e2e.span(f"query_points {COLLECTION}")
    assert span.status.status_code is StatusCode.UNSET
    attempts = children(otel_e2e, span)
    assert len(attempts) == 2
    slow, fast = attempts
    assert (slow.attributes or {})["qdpool.cancelled"] is True
    assert (fast.attributes or {})["qdpool.attempt"] == 1
    assert fast.status.status_code is StatusCode.UNSET
    assert [e.name for e in span.events] == ["qdpool.hedge.sent", "qdpool.hedge.won"]
    assert [p.value for p in otel_e2e.points("qdpool.client.hedges.sent")] == [1]
    assert [p.value for p in otel_e2e.points("qdpool.client.hedges.won")] == [1]
    sent = {r.traceparent for r in received_for(qdrant, "query_points", protocol)}
    assert sent == {traceparent_of(slow), traceparent_of(fast)}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_the_callers_trace_and_tracestate_reach_the_server(
    client: qdpool.Client, qdrant: EmbeddedQdrant, otel_e2e: Otel, protocol: str
) -> None:
    upstream = SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
        trace_state=TraceState([("congo", "t61rcWkgMzE")]),
    )
    token = otel_context.attach(trace.set_span_in_context(NonRecordingSpan(upstream)))
    try:
        await client.list_collections(protocol=protocol)
    finally:
        otel_context.detach(token)
    span = otel_e2e.span("list_collections")
    assert span.parent is not None and span.parent.span_id == upstream.span_id
    [attempt] = children(otel_e2e, span)
    [request] = received_for(qdrant, "list_collections", protocol)
    assert request.traceparent == traceparent_of(attempt)
    assert request.traceparent.startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    assert request.tracestate == "congo=t61rcWkgMzE"


async def test_pool_gauges_read_the_real_transports(
    client: qdpool.Client, otel_e2e: Otel, qdrant: EmbeddedQdrant
) -> None:
    await client.count(COLLECTION, protocol="rest")
    await client.count(COLLECTION, protocol="grpc")
    pool, state = "db.client.connection.pool.name", "db.client.connection.state"
    counts = {
        (p.attributes[pool], p.attributes[state]): p.value
        for p in otel_e2e.points("db.client.connection.count")
    }
    rest_pool = f"127.0.0.1:{qdrant.port}/rest"
    grpc_pool = f"127.0.0.1:{qdrant.grpc_port}/grpc"
    assert counts[(rest_pool, "idle")] >= 1
    assert counts[(rest_pool, "used")] == 0
    assert counts[(grpc_pool, "idle")] == client.pool_config.grpc_channels
    maximum = {p.attributes[pool]: p.value for p in otel_e2e.points("db.client.connection.max")}
    assert maximum[grpc_pool] == client.pool_config.grpc_channels
    assert maximum[rest_pool] == client.pool_config.rest_connections


async def test_httpx_transport_reports_its_pool(qdrant: EmbeddedQdrant) -> None:
    otel = make_otel()
    async with qdpool.connect(
        qdrant.rest_url,
        api_key=KEY,
        protocols=("rest",),
        rest_transport="httpx",
        meter_provider=otel.meter_provider,
        tracer_provider=otel.tracer_provider,
    ) as c:
        await c.count(COLLECTION)
        idle = {
            p.attributes["db.client.connection.state"]: p.value
            for p in otel.points("db.client.connection.count")
        }
        assert idle["idle"] >= 1
    otel.tracer_provider.shutdown()
    otel.meter_provider.shutdown()


async def test_telemetry_false_leaves_no_trace(qdrant: EmbeddedQdrant) -> None:
    otel = make_otel()
    async with qdpool.connect(
        qdrant.rest_url,
        grpc_url=qdrant.grpc_url,
        api_key=KEY,
        telemetry=False,
        tracer_provider=otel.tracer_provider,
        meter_provider=otel.meter_provider,
    ) as c:
        assert "telemetry" not in c.pipeline.describe()
        await c.count(COLLECTION)
    assert otel.spans() == []
    assert otel.points("db.client.operation.duration") == []
