"""Shared fixtures: the embedded Qdrant-compatible server.

``server`` is one ``EmbeddedQdrant`` for the whole session (REST and gRPC on free
127.0.0.1 ports, ``api_key="test-key"``, ``read_only_api_key="ro-key"``); tests
that share it use collection names of their own.  Fault rules a test adds to it
are cleared after the test.  ``server_factory`` starts a fresh server with any
arguments, for tests that need one to themselves (restarts, their own faults,
other keys), and closes it at the end of the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from qdpool.embedded import EmbeddedQdrant

API_KEY = "test-key"
READ_ONLY_API_KEY = "ro-key"

ServerFactory = Callable[..., Awaitable[EmbeddedQdrant]]


@pytest_asyncio.fixture(scope="session")
async def server() -> AsyncIterator[EmbeddedQdrant]:
    async with EmbeddedQdrant(
        host="127.0.0.1", api_key=API_KEY, read_only_api_key=READ_ONLY_API_KEY
    ) as srv:
        yield srv


@pytest_asyncio.fixture
async def server_factory() -> AsyncIterator[ServerFactory]:
    """``await server_factory(**kwargs)`` → a started ``EmbeddedQdrant``, closed after the test."""
    started: list[EmbeddedQdrant] = []

    async def make(**kwargs: Any) -> EmbeddedQdrant:
        kwargs.setdefault("host", "127.0.0.1")
        srv = EmbeddedQdrant(**kwargs)
        await srv.start()
        started.append(srv)
        return srv

    yield make
    for srv in reversed(started):
        await srv.close()


@pytest.fixture(autouse=True)
def _clear_shared_server_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    """A failing test must not leave its fault rules behind for the next one."""
    yield
    if "server" in request.fixturenames:
        shared = request.getfixturevalue("server")
        if isinstance(shared, EmbeddedQdrant):
            shared.faults.clear()
