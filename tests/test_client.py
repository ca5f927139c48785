"""Client unit tests over a mock transport: call building, splitting, options, lifecycle."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

import qdpool
from qdpool.call import Call, Options
from qdpool.endpoint import Endpoint
from qdpool.errors import ClientClosed, InvalidInput
from qdpool.models import UpdateResult
from qdpool.testing import MockTransport


def make_client(
    handler: Any = None, **options: Any
) -> tuple[qdpool.Client, MockTransport, MockTransport]:
    rest = MockTransport(handler or (lambda call: UpdateResult(1, "completed")), "rest")
    grpc = MockTransport(handler or (lambda call: UpdateResult(1, "completed")), "grpc")
    client = qdpool.Client(
        Endpoint("127.0.0.1"), transports={"rest": rest, "grpc": grpc}, **options
    )
    return client, rest, grpc


async def test_calls_carry_operation_collection_body_and_deadline() -> None:
    client, rest, _ = make_client(lambda call: 3, timeout=2.0)
    async with client:
        assert (
            await client.count("docs", filter={"must": [{"key": "a", "match": {"value": 1}}]}) == 3
        )
    call = rest.calls[0]
    assert call.operation.name == "count"
    assert call.collection == "docs"
    assert call.body == {"exact": True, "filter": {"must": [{"key": "a", "match": {"value": 1}}]}}
    assert rest.started and rest.closed


async def test_protocol_override_per_call() -> None:
    client, rest, grpc = make_client(lambda call: [], protocol="rest")
    async with client:
        await client.retrieve("docs", [1], protocol="grpc")
        await client.retrieve("docs", [2])
    assert [c.body["ids"] for c in grpc.calls if c.body] == [[1]]
    assert [c.body["ids"] for c in rest.calls if c.body] == [[2]]


async def test_cluster_status_always_goes_over_rest() -> None:
    client, rest, grpc = make_client(lambda call: {"status": "disabled"}, protocol="grpc")
    async with client:
        assert await client.cluster_status(protocol="grpc") == {"status": "disabled"}
    assert len(rest.calls) == 1 and not grpc.calls


async def test_api_key_goes_in_headers_and_never_in_repr() -> None:
    client, rest, _ = make_client(lambda call: True, api_key="sekret")
    async with client:
        await client.collection_exists("docs")
    assert rest.calls[0].headers["api-key"] == "sekret"
    assert "sekret" not in repr(client) + repr(client.pipeline) + repr(rest.calls[0])


async def test_plaintext_key_to_remote_host_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="qdpool"):
        qdpool.Client(
            Endpoint("db.example.com"),
            api_key="k",
            transports={"rest": MockTransport(lambda c: 0)},
            protocols=("rest",),
        )
        qdpool.Client(
            Endpoint("127.0.0.1"),
            api_key="k",
            transports={"rest": MockTransport(lambda c: 0)},
            protocols=("rest",),
        )
        qdpool.Client(
            Endpoint("db.example.com", tls=True),
            api_key="k",
            transports={"rest": MockTransport(lambda c: 0)},
            protocols=("rest",),
        )
    warnings = [r for r in caplog.records if "plaintext" in r.getMessage()]
    assert len(warnings) == 1
    assert "k" not in warnings[0].getMessage().split()


async def test_bad_input_is_refused_before_anything_is_sent() -> None:
    client, rest, grpc = make_client()
    async with client:
        with pytest.raises(InvalidInput, match="ids/filter"):
            await client.delete("docs")
        with pytest.raises(InvalidInput, match="ids/filter"):
            await client.delete("docs", ids=[1], filter={"must": []})
        with pytest.raises(InvalidInput, match="distance"):
            await client.create_collection("docs", size=4, distance="Hamming")
        with pytest.raises(InvalidInput, match="size"):
            await client.create_collection("docs", size=0)
        with pytest.raises(InvalidInput, match=r"points\[0\].vector"):
            await client.upsert("docs", [{"id": 1}])
        with pytest.raises(InvalidInput, match="collection_name"):
            await client.count("")
        with pytest.raises(InvalidInput, match="protocol"):
            await client.count("docs", protocol="http")
        with pytest.raises(InvalidInput, match="timeout"):
            await client.count("docs", timeout=-1)
        with pytest.raises(InvalidInput, match="limit"):
            await client.query_points("docs", [1.0], limit=0)
    assert not rest.calls and not grpc.calls


async def test_large_rest_upsert_is_split_by_encoded_size_in_order() -> None:
    seen: list[Call] = []

    def handler(call: Call) -> UpdateResult:
        seen.append(call)
        assert call.encoded is not None and len(call.encoded) <= 4096
        assert orjson.loads(call.encoded) == call.body
        return UpdateResult(len(seen), "completed")

    client, _, _ = make_client(handler, max_rest_body=4096)
    points = [{"id": i, "vector": [0.5] * 32, "payload": {"i": i}} for i in range(100)]
    async with client:
        result = await client.upsert("docs", points)
    assert len(seen) > 1
    sent_ids = [p["id"] for call in seen for p in call.body["points"]]  # type: ignore[index]
    assert sent_ids == list(range(100))
    assert result == UpdateResult(len(seen), "completed")


async def test_small_upsert_is_one_request() -> None:
    client, rest, _ = make_client()
    async with client:
        await client.upsert("docs", [{"id": 1, "vector": [0.1, 0.2]}], wait=False)
    assert len(rest.calls) == 1
    assert rest.calls[0].options == Options(wait=False)


async def test_large_grpc_upsert_is_split_into_bounded_messages() -> None:
    client, _, grpc = make_client(max_grpc_message=8192)
    points = [{"id": i, "vector": [0.5] * 100} for i in range(200)]
    async with client:
        await client.upsert("docs", points, protocol="grpc")
    assert len(grpc.calls) > 1
    assert [p["id"] for c in grpc.calls for p in c.body["points"]] == list(range(200))  # type: ignore[index]


async def test_a_point_too_large_for_one_request_is_refused() -> None:
    client, rest, _ = make_client(max_rest_body=2048)
    async with client:
        with pytest.raises(InvalidInput, match=r"points\[0\]"):
            await client.upsert("docs", [{"id": 1, "vector": [0.123456789] * 500}])
    assert not rest.calls


async def test_scroll_all_follows_next_page_offset() -> None:
    pages = {None: ([qdpool.Record(1), qdpool.Record(2)], 3), 3: ([qdpool.Record(3)], None)}

    def handler(call: Call) -> Any:
        assert call.body is not None
        return pages[call.body.get("offset")]

    client, _, _ = make_client(handler)
    async with client:
        ids = [r.id async for r in client.scroll_all("docs", page_size=2)]
    assert ids == [1, 2, 3]


async def test_closed_client_refuses_calls() -> None:
    client, _, _ = make_client()
    await client.start()
    await client.close()
    await client.close()
    with pytest.raises(ClientClosed):
        await client.count("docs")


async def test_connect_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QDRANT_URL", "https://env.example:7000")
    monkeypatch.setenv("QDRANT_API_KEY", "envkey")
    rest = MockTransport(lambda c: 0)
    client = qdpool.connect(transports={"rest": rest}, protocols=("rest",))
    assert client.endpoint.tls and client.endpoint.rest_port == 7000
    assert client.endpoint.grpc_port is None  # port 7000: gRPC is not guessed
    async with client:
        await client.count("docs")
    assert rest.calls[0].headers["api-key"] == "envkey"
    explicit = MockTransport(lambda c: 0)
    async with qdpool.connect(
        transports={"rest": explicit}, protocols=("rest",), api_key=None
    ) as no_key:
        await no_key.count("docs")
    assert "api-key" not in explicit.calls[0].headers


async def test_default_protocol_must_be_enabled() -> None:
    with pytest.raises(InvalidInput, match="protocol"):
        qdpool.Client(Endpoint("h"), protocol="grpc", protocols=("rest",), transports={})


async def test_upload_points_streams_batches_with_bounded_parallelism() -> None:
    in_flight = peak = 0
    consumed: list[int] = []

    async def handler(call: Call) -> UpdateResult:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return UpdateResult(None, "completed")

    def generate() -> Iterator[dict[str, Any]]:
        for i in range(1050):
            consumed.append(i)
            yield {"id": i, "vector": [0.1, 0.2]}

    client, rest, _ = make_client(handler)
    async with client:
        written = await client.upload_points("docs", generate(), batch_size=100, parallel=3)
    assert written == 1050
    assert peak == 3
    assert len(rest.calls) == 11
    ids = sorted(p["id"] for c in rest.calls for p in c.body["points"])  # type: ignore[index]
    assert ids == list(range(1050))


async def test_upload_points_names_the_bad_point_by_its_index_in_the_stream() -> None:
    points = [{"id": i, "vector": [0.1]} for i in range(250)]
    points[234] = {"id": 234, "vector": [float("nan")]}
    client, _, _ = make_client()
    async with client:
        with pytest.raises(InvalidInput, match=r"points\[234\]\.vector\[0\]"):
            await client.upload_points("docs", points, batch_size=100)


async def test_upload_points_raises_the_first_failure_and_cancels_the_rest() -> None:
    async def handler(call: Call) -> UpdateResult:
        assert call.body is not None
        if call.body["points"][0]["id"] == 100:
            raise qdpool.InvalidArgument("bad batch", protocol="rest", status=400)
        await asyncio.sleep(0.05)
        return UpdateResult(None, "completed")

    client, _, _ = make_client(handler, retry=None)
    async with client:
        with pytest.raises(qdpool.InvalidArgument, match="bad batch"):
            await client.upload_points(
                "docs", [{"id": i, "vector": [0.1]} for i in range(1000)], batch_size=100
            )
