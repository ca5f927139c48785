"""The escape hatch: ``rest_request`` and ``grpc_request`` go through the whole pipeline.

Against the embedded server: a REST endpoint the typed API has no method for
(``GET /collections/{c}/points/{id}``, Qdrant's single-point read) and a gRPC method
called raw with qdrant-client's own generated messages (only bytes travel), answered
as qdrant-client's message type or as bytes; injected faults are retried, keys are
checked. Over a mock transport: the retry budget, the caller's idempotent flag, the
breaker, auth headers and the call's span, each observed directly.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from qdrant_client import grpc as qc

import qdpool
from qdpool import errors
from qdpool.call import Call
from qdpool.embedded.faults import FaultRule
from qdpool.endpoint import Endpoint
from qdpool.policies import BreakerPolicy, RetryBudgetPolicy, RetryPolicy
from qdpool.testing import MockTransport
from tests.conftest import API_KEY, READ_ONLY_API_KEY
from tests.telemetry.telemetry_support import make_otel

DIM = 4


@pytest.fixture(scope="module")
async def client(server: Any) -> AsyncIterator[qdpool.Client]:
    async with qdpool.connect(
        server.rest_url,
        grpc_url=server.grpc_url,
        api_key=API_KEY,
        protocols=("rest", "grpc"),
        retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.02),
    ) as c:
        yield c


@pytest.fixture(scope="module")
async def collection(client: qdpool.Client) -> AsyncIterator[str]:
    name = f"hatch_{uuid.uuid4().hex[:8]}"
    await client.create_collection(name, size=DIM, distance="Dot")
    points = [{"id": i, "vector": [float(i), 1.0, 0.0, 0.0], "payload": {"i": i}} for i in range(5)]
    await client.upsert(name, points)
    yield name
    await client.delete_collection(name)


# ---------------------------------------------------------------- REST, embedded server


async def test_rest_request_reads_an_endpoint_without_a_typed_method(
    client: qdpool.Client, collection: str
) -> None:
    assert not hasattr(client, "get_point")  # otherwise pick another untyped endpoint
    result = await client.rest_request(
        "GET", f"/collections/{collection}/points/3", read=True, idempotent=True
    )
    assert result["id"] == 3 and result["payload"] == {"i": 3}


async def test_rest_request_with_a_body_and_qdrants_error(
    client: qdpool.Client, collection: str
) -> None:
    result = await client.rest_request(
        "POST",
        f"/collections/{collection}/points/count",
        body={"filter": {"must": [{"key": "i", "range": {"gte": 2}}]}, "exact": True},
        read=True,
        idempotent=True,
    )
    assert result == {"count": 3}
    with pytest.raises(errors.NotFound, match="doesn't exist"):
        await client.rest_request(
            "GET", "/collections/no_such_collection/points/1", read=True, idempotent=True
        )


async def test_rest_request_is_retried_after_an_injected_503(
    server: Any, client: qdpool.Client, collection: str
) -> None:
    server.faults.add(FaultRule.error(503, operation="get_point", protocol="rest", count=1))
    before = server.faults.served[("rest", "get_point")]
    result = await client.rest_request(
        "GET", f"/collections/{collection}/points/1", read=True, idempotent=True
    )
    assert result["id"] == 1
    assert server.faults.served[("rest", "get_point")] == before + 1  # the retry was served
    assert sum(n for (p, op, _), n in server.faults.injected.items() if op == "get_point") >= 1


async def test_rest_request_carries_the_clients_key(server: Any, collection: str) -> None:
    path = f"/collections/{collection}/points/1"
    async with qdpool.connect(server.rest_url, api_key="wrong-key") as wrong:
        with pytest.raises(errors.Unauthenticated):
            await wrong.rest_request("GET", path, read=True, idempotent=True)
    async with qdpool.connect(server.rest_url, api_key=READ_ONLY_API_KEY) as read_only:
        assert (await read_only.rest_request("GET", path, read=True, idempotent=True))["id"] == 1
        with pytest.raises(errors.PermissionDenied):
            await read_only.rest_request(
                "POST",
                f"/collections/{collection}/points/payload",
                body={"payload": {"x": 1}, "points": [1]},
                read=False,
                idempotent=True,
            )


# ---------------------------------------------------------------- gRPC, embedded server


async def test_grpc_request_takes_and_gives_qdrant_clients_messages(
    client: qdpool.Client, collection: str
) -> None:
    request = qc.CountPoints(collection_name=collection, exact=True)
    answer = await client.grpc_request(
        "/qdrant.Points/Count",
        request,
        response_type=qc.CountResponse,
        read=True,
        idempotent=True,
    )
    assert isinstance(answer, qc.CountResponse)
    assert answer.result.count == 5


async def test_grpc_request_with_bytes_in_and_out(client: qdpool.Client, collection: str) -> None:
    request = qc.GetPoints(
        collection_name=collection,
        ids=[qc.PointId(num=2)],
        with_payload=qc.WithPayloadSelector(enable=True),
    )
    raw = await client.grpc_request(
        "/qdrant.Points/Get", request.SerializeToString(), read=True, idempotent=True
    )
    assert isinstance(raw, bytes)
    answer = qc.GetResponse.FromString(raw)
    assert [p.id.num for p in answer.result] == [2]
    assert answer.result[0].payload["i"].integer_value == 2


async def test_grpc_request_is_retried_and_checked_by_the_server(
    server: Any, client: qdpool.Client, collection: str
) -> None:
    server.faults.add(FaultRule.error(503, operation="count", protocol="grpc", count=1))
    before = server.faults.served[("grpc", "count")]
    answer = await client.grpc_request(
        "/qdrant.Points/Count",
        qc.CountPoints(collection_name=collection, exact=True),
        response_type=qc.CountResponse,
        read=True,
        idempotent=True,
    )
    assert answer.result.count == 5
    assert server.faults.served[("grpc", "count")] == before + 1
    # A field the server does not honour is refused, never dropped (INVALID_ARGUMENT).
    with pytest.raises(errors.InvalidArgument):
        await client.grpc_request(
            "/qdrant.Points/Count",
            qc.CountPoints(collection_name=collection, shard_key_selector=qc.ShardKeySelector()),
            read=True,
            idempotent=True,
        )


async def test_grpc_request_to_a_method_the_server_lacks(
    client: qdpool.Client, collection: str
) -> None:
    with pytest.raises(errors.ApiError) as raised:
        await client.grpc_request(
            "/qdrant.Points/NoSuchMethod",
            qc.CountPoints(collection_name=collection),
            read=True,
            idempotent=True,
        )
    assert raised.value.status == "UNIMPLEMENTED"


async def test_grpc_request_without_a_key_is_refused(server: Any, collection: str) -> None:
    async with qdpool.connect(
        server.rest_url, grpc_url=server.grpc_url, api_key="wrong-key", protocol="grpc"
    ) as wrong:
        with pytest.raises(errors.Unauthenticated):
            await wrong.grpc_request(
                "/qdrant.Points/Count",
                qc.CountPoints(collection_name=collection),
                read=True,
                idempotent=True,
            )


# ---------------------------------------------------------------- the pipeline, mock transport


def _mock_client(transport: MockTransport, **options: Any) -> qdpool.Client:
    protocol: Any = transport.protocol
    return qdpool.Client(
        Endpoint("db.example", 6333, 6334),
        api_key="sk-mock",
        transports={protocol: transport},
        protocol=protocol,
        protocols=(protocol,),
        **options,
    )


def _unavailable(call: Call) -> Any:
    raise errors.Unavailable("injected", protocol=call.protocol, status=503, sent=True)


async def test_an_idempotent_raw_call_is_retried_and_a_non_idempotent_one_is_not() -> None:
    transport = MockTransport(_unavailable)
    retry = RetryPolicy(max_attempts=3, base=0.001, cap=0.001)
    async with _mock_client(transport, retry=retry, breaker=None) as c:
        with pytest.raises(errors.Unavailable):
            await c.rest_request("GET", "/x", read=True, idempotent=True)
        assert len(transport.calls) == 3
        transport.calls.clear()
        with pytest.raises(errors.Unavailable):
            await c.rest_request("POST", "/x", body={}, read=False, idempotent=False)
        assert len(transport.calls) == 1  # it may have been processed: not repeated


async def test_raw_retries_spend_the_retry_budget() -> None:
    transport = MockTransport(_unavailable)
    async with _mock_client(
        transport,
        retry=RetryPolicy(max_attempts=5, base=0.001, cap=0.001),
        retry_budget=RetryBudgetPolicy(ratio=0.01, min_per_second=0.01),
        breaker=None,
    ) as c:
        with pytest.raises(errors.RetryBudgetExhausted):
            for _ in range(20):
                with pytest.raises(errors.Unavailable):
                    await c.rest_request("GET", "/x", read=True, idempotent=True)
    assert len(transport.calls) < 20 * 5  # the budget stopped the retries


async def test_raw_failures_open_the_breaker() -> None:
    transport = MockTransport(_unavailable, protocol="grpc")
    breaker = BreakerPolicy(minimum_calls=4, failure_ratio=0.5, open_duration=60.0)
    async with _mock_client(transport, retry=None, breaker=breaker) as c:
        for _ in range(4):
            with pytest.raises(errors.Unavailable):
                await c.grpc_request("/qdrant.Points/Count", b"", read=True, idempotent=True)
        sent = len(transport.calls)
        with pytest.raises(errors.CircuitOpen):
            await c.grpc_request("/qdrant.Points/Count", b"", read=True, idempotent=True)
        assert len(transport.calls) == sent  # refused before the transport


async def test_raw_calls_carry_auth_and_make_spans() -> None:
    otel = make_otel()
    rest = MockTransport(lambda call: {"ok": True})
    grpc_answers = MockTransport(lambda call: call.operation.grpc.decode(b"\x08\x01"), "grpc")
    async with qdpool.Client(
        Endpoint("db.example", 6333, 6334),
        api_key="sk-mock",
        transports={"rest": rest, "grpc": grpc_answers},
        protocols=("rest", "grpc"),
        tracer_provider=otel.tracer_provider,
        meter_provider=otel.meter_provider,
    ) as c:
        assert await c.rest_request("GET", "/telemetry", read=True, idempotent=True) == {"ok": True}
        raw = await c.grpc_request(
            "/qdrant.Points/Count",
            qc.CountPoints(collection_name="docs"),
            read=True,
            idempotent=True,
        )
    assert raw == b"\x08\x01"
    rest_call, grpc_call = rest.calls[0], grpc_answers.calls[0]
    assert rest_call.headers["api-key"] == "sk-mock"
    assert grpc_call.headers["api-key"] == "sk-mock"
    assert grpc_call.body == qc.CountPoints(collection_name="docs")  # handed on as it came
    # A call span and an attempt span each, named and attributed as typed calls are.
    assert otel.names().count("GET /telemetry") == 2
    call_span, attempt_span = otel.span("Count"), otel.span("qdrant.Points/Count")
    assert call_span.attributes is not None and attempt_span.attributes is not None
    assert call_span.attributes["db.operation.name"] == "Count"
    assert call_span.attributes["rpc.method"] == "qdrant.Points/Count"
    assert attempt_span.attributes["rpc.response.status_code"] == "OK"
    assert attempt_span.parent is not None
    assert attempt_span.parent.span_id == call_span.context.span_id
