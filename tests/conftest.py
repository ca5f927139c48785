"""Shared fixtures: the embedded Qdrant-compatible server (or a real Qdrant).

``server`` is one ``EmbeddedQdrant`` for the whole session (REST and gRPC on free
127.0.0.1 ports, ``api_key="test-key"``, ``read_only_api_key="ro-key"``); tests
that share it use collection names of their own.  Fault rules a test adds to it
are cleared after the test.  ``server_factory`` starts a fresh server with any
arguments, for tests that need one to themselves (restarts, their own faults,
other keys), and closes it at the end of the test.

To run the same tests against a real Qdrant, start it with those two keys and
set ``QDPOOL_TEST_URL`` (and ``QDPOOL_TEST_GRPC_URL`` if gRPC is not on the same
host at port 6334).  ``server`` is then a ``RealQdrant`` with the same URLs;
tests that need the embedded server's ``faults`` or ``engine``, or their own
server from ``server_factory``, are skipped.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

from qdpool.embedded import EmbeddedQdrant

API_KEY = "test-key"
READ_ONLY_API_KEY = "ro-key"
REAL_URL = os.environ.get("QDPOOL_TEST_URL")

ServerFactory = Callable[..., Awaitable[EmbeddedQdrant]]


class RealQdrant:
    """A running Qdrant standing in for the embedded server (``QDPOOL_TEST_URL``)."""

    def __init__(self, rest_url: str, grpc_url: str | None) -> None:
        self.rest_url = rest_url.rstrip("/")
        parts = urlsplit(self.rest_url)
        self.grpc_url = grpc_url or f"{parts.scheme}://{parts.hostname}:6334"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 6333
        self.grpc_port = urlsplit(self.grpc_url).port or 6334

    @property
    def faults(self) -> NoReturn:
        pytest.skip("fault injection needs the embedded server")

    @property
    def engine(self) -> NoReturn:
        pytest.skip("this test inspects the embedded server's engine")

    @property
    def received(self) -> NoReturn:
        pytest.skip("the trace-header log needs the embedded server")


@pytest_asyncio.fixture(scope="session")
async def server() -> AsyncIterator[Any]:
    if REAL_URL:
        yield RealQdrant(REAL_URL, os.environ.get("QDPOOL_TEST_GRPC_URL"))
        return
    async with EmbeddedQdrant(
        host="127.0.0.1", api_key=API_KEY, read_only_api_key=READ_ONLY_API_KEY
    ) as srv:
        yield srv


@pytest_asyncio.fixture
async def server_factory() -> AsyncIterator[ServerFactory]:
    """``await server_factory(**kwargs)`` → a started ``EmbeddedQdrant``, closed after the test."""
    if REAL_URL:
        pytest.skip("needs servers of its own, which only the embedded server provides")
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
