"""The aiohttp REST transport against the embedded server: start-up, pool refresh, sent flag,
the server timeout on the wire, and close."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from qdpool import errors
from qdpool.call import Call
from qdpool.config import PoolConfig
from qdpool.embedded.faults import FaultRule
from qdpool.endpoint import Endpoint
from qdpool.operations import COUNT, CREATE_COLLECTION, LIST_COLLECTIONS
from qdpool.transport import rest
from qdpool.transport.rest import AiohttpTransport


def call_for(endpoint: Endpoint, op: Any = LIST_COLLECTIONS, collection: str | None = None) -> Call:
    return Call(op, collection, "rest", None, None, time.monotonic() + 2.0, endpoint)


async def test_start_fails_fast_naming_the_address() -> None:
    transport = AiohttpTransport(
        Endpoint("127.0.0.1", rest_port=1), PoolConfig(connect_timeout=0.5)
    )
    with pytest.raises(errors.Unavailable, match=r"127\.0\.0\.1:1") as exc:
        await transport.start()
    assert exc.value.sent is False
    assert "closed" in repr(transport)


async def test_a_broken_connection_refreshes_the_pool_and_the_old_one_is_closed(
    server_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rest, "REFRESH_INTERVAL", 0.0)
    server = await server_factory()
    endpoint = Endpoint.from_urls(server.rest_url)
    transport = AiohttpTransport(endpoint)
    await transport.start()
    try:
        await transport.send(call_for(endpoint))
        old = transport._current
        assert old is not None
        server.faults.add(FaultRule.drop(operation="count", protocol="rest", count=1))
        count = Call(COUNT, "any", "rest", {"exact": True}, None, time.monotonic() + 2, endpoint)
        with pytest.raises(errors.Unavailable) as exc:
            await transport.send(count)
        assert exc.value.sent is None  # it may have been processed: only idempotent calls retry
        assert transport._current is None  # the next request opens a fresh pool
        assert await transport.send(call_for(endpoint)) == []
        assert transport._current is not None and transport._current is not old
        await asyncio.sleep(0)  # the old session's close runs as a task
        for _ in range(20):
            if old.session.closed:
                break
            await asyncio.sleep(0.01)
        assert old.session.closed
    finally:
        await transport.aclose()


async def test_a_refused_connection_keeps_an_earlier_attempts_sent_flag() -> None:
    endpoint = Endpoint("127.0.0.1", rest_port=1)
    transport = AiohttpTransport(endpoint)
    call = call_for(endpoint)
    call.sent = True  # an earlier attempt of this call may have reached a server
    try:
        with pytest.raises(errors.Unavailable) as exc:
            await transport.send(call)
        assert exc.value.sent is False  # this attempt provably did not
        assert call.sent is True  # but the call as a whole still may have
    finally:
        await transport.aclose()


async def test_an_attempt_never_outlives_its_own_deadline(server_factory: Any) -> None:
    server = await server_factory()
    endpoint = Endpoint.from_urls(server.rest_url)
    transport = AiohttpTransport(endpoint)
    await transport.start()
    try:
        server.faults.add(FaultRule.stall(30, operation="count", protocol="rest"))
        call = Call(COUNT, "any", "rest", {"exact": True}, None, time.monotonic() + 0.2, endpoint)
        started = time.monotonic()
        with pytest.raises(errors.DeadlineExceeded):
            await transport.send(call)
        assert time.monotonic() - started < 0.25
    finally:
        await transport.aclose()


async def test_close_closes_every_session(server_factory: Any) -> None:
    server = await server_factory()
    endpoint = Endpoint.from_urls(server.rest_url)
    transport = AiohttpTransport(endpoint)
    await transport.start()
    current = transport._current
    assert current is not None
    await transport.aclose()
    assert current.session.closed
    with pytest.raises(errors.ClientClosed):
        await transport.send(call_for(endpoint))


async def test_aiohttp_never_re_sends_a_non_idempotent_request_behind_qdpools_back(
    server_factory: Any,
) -> None:
    server = await server_factory()
    endpoint = Endpoint.from_urls(server.rest_url)
    transport = AiohttpTransport(endpoint)
    await transport.start()  # the create below reuses the connection this opened
    try:
        server.faults.add(FaultRule.drop(operation="create_collection", protocol="rest", count=1))
        create = Call(
            CREATE_COLLECTION,
            "once",
            "rest",
            {"vectors": {"size": 4, "distance": "Cosine"}},
            None,
            time.monotonic() + 2.0,
            endpoint,
        )
        with pytest.raises(errors.Unavailable) as exc:
            await transport.send(create)
        assert exc.value.sent is None  # may have been processed: never retried for a create
        assert server.faults.served_count("create_collection", "rest") == 0
    finally:
        await transport.aclose()
