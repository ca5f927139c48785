"""Client.start verifies only the default protocol: the other may be down when the client starts.

Issue 11, item 3: a REST-default client must start while gRPC is unreachable (and a
gRPC-default one while REST is), say so in its ``repr``, fail only the calls that need the
missing protocol, and close everything it opened.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

import qdpool
from qdpool.interceptors.concurrency import Concurrency


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_a_rest_client_starts_while_grpc_is_unreachable(server: Any) -> None:
    grpc_url = f"http://127.0.0.1:{closed_port()}"
    client = qdpool.connect(server.rest_url, grpc_url=grpc_url, api_key="test-key", timeout=2.0)
    async with client:
        assert client.protocols == ("rest", "grpc")
        assert (await client.health()).version  # REST answers
        text = repr(client)
        assert "default=rest started" in text
        assert f"<GrpcTransport 127.0.0.1:{grpc_url.rsplit(':', 1)[1]} " in text
        assert "Ready: 0" in text  # gRPC's state: not connected
        start = time.monotonic()
        with pytest.raises(qdpool.Unavailable) as caught:
            await client.health(protocol="grpc", timeout=0.5)
        assert time.monotonic() - start < 1.5
        assert caught.value.protocol == "grpc"
        assert (await client.health()).version  # REST unaffected by gRPC's failures
        assert "Ready: 0" in repr(client.transports["grpc"])
    assert "closed" in repr(client.transports["grpc"]) and "closed" in repr(client)


async def test_a_grpc_client_starts_while_rest_is_unreachable(server: Any) -> None:
    rest_url = f"http://127.0.0.1:{closed_port()}"
    client = qdpool.connect(
        rest_url, grpc_url=server.grpc_url, api_key="test-key", protocol="grpc", timeout=2.0
    )
    async with client:
        assert (await client.health()).version  # over gRPC
        assert client.transports["grpc"].ready >= 1  # type: ignore[attr-defined]
        # The concurrency limit could not be read over REST: the fallback, and why.
        limiter = client.pipeline.find(Concurrency).limiter(client.endpoint)
        assert limiter.limit == 64 and "GET /telemetry unreadable" in limiter.sized
        with pytest.raises(qdpool.Unavailable):
            await client.health(protocol="rest", timeout=0.5)


async def test_the_default_protocol_unreachable_fails_the_start_naming_it() -> None:
    port = closed_port()
    client = qdpool.connect(
        f"http://127.0.0.1:{port}", grpc_url=f"http://127.0.0.1:{closed_port()}", timeout=2.0
    )
    with pytest.raises(qdpool.Unavailable, match=f"127.0.0.1:{port}"):
        await client.start()
    assert "closed" in repr(client)
