"""A large upsert is split where its protocol is final: after fallback has chosen REST.

Issue 9's defect: a 10,000 x 384 upsert started on gRPC was cut into <= 16 MiB
messages; when fallback moved it to REST, those parts went out as one 61 MiB body
against Qdrant's 32 MiB cap. Here the client's gRPC node (a second embedded server)
is closed after the client started, so the first gRPC attempt cannot connect, the
fallback interceptor moves the call to REST, and the terminal splits it for REST.
The REST door's bodies are measured as they arrive (``_RestDoor._read_body`` wrapped),
so the test sees exactly what travelled.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import orjson
import pytest
from aiohttp import web

import qdpool
from qdpool.call import Call
from qdpool.dispatch import MAX_REST_BODY
from qdpool.embedded import rest as embedded_rest
from qdpool.events import NullObserver
from qdpool.policies import FallbackPolicy
from tests.conftest import API_KEY, ServerFactory

N, DIM = 10_000, 384


class Seen(NullObserver):
    """The fallbacks the client made: (operation, from, to)."""

    def __init__(self) -> None:
        self.fallbacks: list[tuple[str, str, str]] = []

    def on_fallback(self, call: Call, from_protocol: str, to_protocol: str) -> None:
        self.fallbacks.append((call.operation.name, from_protocol, to_protocol))


async def test_upsert_falls_back_to_rest_and_arrives_in_bodies_within_the_cap(
    server_factory: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    rest_node = await server_factory(api_key=API_KEY)
    grpc_node = await server_factory(api_key=API_KEY)
    bodies: list[tuple[int, list[int]]] = []  # (bytes, ids in the order they came)
    read_body = embedded_rest._RestDoor._read_body

    async def measured(door: Any, request: web.Request) -> Any:
        body = await read_body(door, request)
        if request.path.endswith("/points") and request.method == "PUT":
            raw = await request.read()  # aiohttp keeps the bytes it read
            bodies.append((len(raw), [p["id"] for p in body["points"]]))
        return body

    monkeypatch.setattr(embedded_rest._RestDoor, "_read_body", measured)

    rng = np.random.default_rng(9)
    vectors = rng.standard_normal((N, DIM), dtype=np.float32)
    points = [{"id": i, "vector": vectors[i], "payload": {"i": i}} for i in range(N)]
    seen = Seen()
    name = f"split_{uuid.uuid4().hex[:8]}"
    async with qdpool.connect(
        rest_node.rest_url,
        grpc_url=grpc_node.grpc_url,
        api_key=API_KEY,
        protocol="grpc",
        protocols=("grpc", "rest"),
        fallback=FallbackPolicy(recheck_after=60.0),
        timeout=120.0,
        observer=seen,
    ) as client:
        assert client.protocol == "grpc"
        await client.create_collection(name, size=DIM, distance="Dot", protocol="rest")
        await grpc_node.close()  # the gRPC node goes away: connections to it are refused

        result = await client.upsert(name, points)

        assert result.status == "completed"
        # It started on gRPC, could not connect, and went over REST (within the attempt:
        # fallback catches the refused connection itself, so no attempt failed).
        assert seen.fallbacks == [("upsert", "grpc", "rest")]
        upserts = [r for r in rest_node.received if r.operation == "upsert"]
        assert {r.protocol for r in upserts} == {"rest"}
        sizes = [size for size, _ in bodies]
        # The whole upsert is ~42 MB of JSON: it needs more than one body, none over the cap.
        whole = len(orjson.dumps({"points": points}, option=orjson.OPT_SERIALIZE_NUMPY))
        assert whole > MAX_REST_BODY
        assert len(sizes) >= 2, sizes
        assert max(sizes) <= MAX_REST_BODY, sizes
        assert sum(sizes) >= whole  # nothing was left out (each body adds its brackets)
        # Every point, each exactly once, in the order given.
        assert [i for _, ids in bodies for i in ids] == list(range(N))
        assert await client.count(name, exact=True, protocol="rest") == N
        probe = await client.retrieve(name, [0, N // 2, N - 1], with_vector=True, protocol="rest")
        for record in probe:
            assert record.payload == {"i": record.id}
            assert np.allclose(np.asarray(record.vector, dtype=np.float32), vectors[record.id])
        await client.delete_collection(name, protocol="rest")
