"""Fixtures for the embedded-server tests (helpers live in ``embedded_support``).

These tests are about the embedded server itself (its texts, faults, files), so
they are not collected when the suite is pointed at a real Qdrant.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator

import aiohttp
import grpc.aio
import pytest
import pytest_asyncio
from embedded_support import Grpc, Rest, grpc_channel

from qdpool.embedded import EmbeddedQdrant

if os.environ.get("QDPOOL_TEST_URL"):
    collect_ignore_glob = ["test_*.py"]


@pytest_asyncio.fixture(scope="session")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # The server closes a connection idle for 5 s (KEEPALIVE_TIMEOUT, as Qdrant); aiohttp
    # keeps one for 15 s by default, and a request sent on it just as the server closes it
    # is reset (a full run on a loaded machine met that race). Idle ones go after 2 s here.
    connector = aiohttp.TCPConnector(keepalive_timeout=2.0)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


@pytest.fixture
def rest(server: EmbeddedQdrant, http: aiohttp.ClientSession) -> Rest:
    return Rest(http, server.rest_url)


@pytest_asyncio.fixture(scope="session")
async def shared_channel(server: EmbeddedQdrant) -> AsyncIterator[grpc.aio.Channel]:
    channel = grpc_channel(server)
    yield channel
    await channel.close(None)


@pytest.fixture
def grpc_call(shared_channel: grpc.aio.Channel) -> Grpc:
    return Grpc(shared_channel)


@pytest.fixture
def collection_name(request: pytest.FixtureRequest) -> str:
    """A collection name no other test uses."""
    return re.sub(r"\W", "_", request.node.name[:40]) + "_" + uuid.uuid4().hex[:8]
