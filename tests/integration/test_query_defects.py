"""Issue 9's range-filter defect, on the embedded server: a bad bound is refused alike on
both protocols before anything is sent, the server answers a raw request with it 400
(never 500), and one caller's bad requests never open the breaker for the others."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

import qdpool
from qdpool.embedded import EmbeddedQdrant
from qdpool.errors import InvalidArgument, InvalidInput

KEY = "test-key"
BAD = {"must": [{"key": "n", "range": {"lt": "abc"}}]}


@pytest_asyncio.fixture
async def coll(server: EmbeddedQdrant) -> AsyncIterator[str]:
    name = f"defect_{uuid.uuid4().hex[:8]}"
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as c:
        await c.create_collection(name, size=2, distance="Dot")
        await c.upsert(name, [{"id": 1, "vector": [1.0, 0.0], "payload": {"n": 1}}])
        yield name
        await c.delete_collection(name)


async def test_the_server_answers_a_raw_bad_range_with_400(
    server: EmbeddedQdrant, coll: str
) -> None:
    async with aiohttp.ClientSession(headers={"api-key": KEY}) as http:
        for path, body in (
            ("points/count", {"filter": BAD}),
            ("points/query", {"query": [1.0, 0.0], "filter": BAD}),
            ("points/scroll", {"filter": BAD}),
        ):
            async with http.post(f"{server.rest_url}/collections/{coll}/{path}", json=body) as r:
                assert r.status == 400, path
                error = (await r.json())["status"]["error"]
                assert error.startswith("Format error in JSON body: filter.must[0].range"), error


async def test_bad_input_never_opens_the_breaker_for_others(
    server: EmbeddedQdrant, coll: str
) -> None:
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as c:
        for protocol in ("rest", "grpc"):
            for _ in range(50):  # refused in the client: never reaches the pipeline
                with pytest.raises(InvalidInput, match="not an ISO 8601 datetime"):
                    await c.count(coll, filter=BAD, protocol=protocol)
        for _ in range(50):  # sent raw past the client's checks: the server's 400s
            with pytest.raises(InvalidArgument, match="Format error in JSON body"):
                await c.rest_request(
                    "POST",
                    f"/collections/{coll}/points/count",
                    body={"filter": BAD},
                    read=True,
                    idempotent=True,
                )
        for protocol in ("rest", "grpc"):
            assert await c.count(coll, protocol=protocol) == 1
