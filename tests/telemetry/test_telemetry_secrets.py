"""No secrets: the API key is in no span, event, attribute, URL, metric, log line or exception.

A client with the key makes successful, retried, hedged, failing and refused
calls on both protocols against the embedded server (and a client with a wrong
key is refused); then everything telemetry produced, everything logged, and
every error seen is scanned for either key.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from telemetry_support import make_otel

import qdpool
from qdpool.embedded import EmbeddedQdrant, FaultRule
from qdpool.errors import QdpoolError
from qdpool.policies import BreakerPolicy, HedgePolicy, RetryPolicy

KEY = "secret-key-d41d8cd98f00b204e980"
WRONG_KEY = "wrong-key-9e107d9d372bb6826bd8"


def dump_spans(spans: list[Any]) -> str:
    parts: list[str] = []
    for span in spans:
        parts.append(span.to_json())
        parts.append(repr(dict(span.attributes or {})))
        parts.append(str(span.status.description))
        for event in span.events:
            parts.append(f"{event.name} {dict(event.attributes or {})!r}")
    return "\n".join(parts)


async def test_the_api_key_appears_nowhere(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    otel = make_otel()
    seen_errors: list[BaseException] = []
    async with EmbeddedQdrant(api_key=KEY) as server:
        async with qdpool.connect(
            server.rest_url,
            grpc_url=server.grpc_url,
            api_key=KEY,
            tracer_provider=otel.tracer_provider,
            meter_provider=otel.meter_provider,
            retry=RetryPolicy(max_attempts=3, base=0.001, cap=0.005),
            hedge=HedgePolicy(delay=0.02, max_extra_load=1.0),
            breaker=BreakerPolicy(minimum_calls=3, failure_ratio=0.6, open_duration=60.0),
        ) as client:
            await client.create_collection("s", size=4)
            await client.upsert("s", [{"id": 1, "vector": [0.1, 0.2, 0.3, 0.4]}], wait=True)
            for protocol in ("rest", "grpc"):
                server.faults.add(
                    FaultRule.error(503, operation="count", protocol=protocol, count=1)
                )
                await client.count("s", protocol=protocol)
                server.faults.add(
                    FaultRule.latency(0.2, operation="query_points", protocol=protocol, count=1)
                )
                await client.query_points("s", [0.1, 0.2, 0.3, 0.4], limit=1, protocol=protocol)
                try:
                    await client.get_collection("missing", protocol=protocol)
                except QdpoolError as error:
                    seen_errors.append(error)
            for protocol in ("rest", "grpc"):
                # a failing node: 500s open the breaker, which then refuses attempts
                server.faults.add(FaultRule.error(500, operation="scroll", protocol=protocol))
                for _ in range(10):
                    try:
                        await client.scroll("s", protocol=protocol)
                    except QdpoolError as error:
                        seen_errors.append(error)
                server.faults.clear()
            logging.getLogger("qdpool").info("client: %r %s", client, client.pipeline)
        async with qdpool.connect(
            server.rest_url,
            grpc_url=server.grpc_url,
            api_key=WRONG_KEY,
            tracer_provider=otel.tracer_provider,
            meter_provider=otel.meter_provider,
        ) as intruder:
            for protocol in ("rest", "grpc"):
                try:
                    await intruder.list_collections(protocol=protocol)
                except QdpoolError as error:
                    seen_errors.append(error)
            text_of_client = f"{intruder!r} {intruder.pipeline!r}"

    spans = otel.spans()
    names = {s.name for s in spans}
    assert "scroll s" in names and "count s" in names and "query_points s" in names
    assert any(type(e).__name__ == "CircuitOpen" for e in seen_errors)
    assert any(type(e).__name__ == "Unauthenticated" for e in seen_errors)

    metrics = otel.reader.get_metrics_data()
    assert metrics is not None
    everything = "\n".join(
        [
            dump_spans(spans),
            metrics.to_json(),
            caplog.text,
            *(f"{e!s} {e!r} {e.__cause__!r} {e.__context__!r}" for e in seen_errors),
            text_of_client,
        ]
    )
    for secret in (KEY, WRONG_KEY):
        assert secret not in everything
    # the one place the key does travel: the request header, added after telemetry's last look
    assert all("api-key" not in (s.attributes or {}) for s in spans)
    otel.tracer_provider.shutdown()
    otel.meter_provider.shutdown()
