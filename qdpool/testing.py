"""Test helpers for code that uses qdpool: a transport that answers from a function.

>>> transport = MockTransport(lambda call: 42)
>>> client = qdpool.Client(
...     Endpoint("localhost"), transports={"rest": transport}, protocols=("rest",)
... )
>>> await client.count("docs")
42

The handler gets the ``Call`` (operation, collection, body in Qdrant's REST
shape, headers...) and returns the decoded result, or raises a qdpool error; it
may be a plain function or a coroutine function. Every call is kept in
``transport.calls``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from qdpool.call import Call
from qdpool.errors import ClientClosed


class MockTransport:
    """A transport whose answers come from ``handler(call)``."""

    def __init__(self, handler: Callable[[Call], Any], protocol: str = "rest") -> None:
        self.protocol = protocol
        self._handler = handler
        self.calls: list[Call] = []
        self.started = False
        self.closed = False

    async def start(self, *, verify: bool = True) -> None:
        self.started = True
        self.verified = verify

    async def send(self, call: Call) -> Any:
        if self.closed:
            raise ClientClosed("mock transport is closed")
        self.calls.append(call)
        call.sent = True
        result = self._handler(call)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def aclose(self) -> None:
        self.closed = True

    def __repr__(self) -> str:
        return f"<MockTransport {self.protocol} calls={len(self.calls)}>"
