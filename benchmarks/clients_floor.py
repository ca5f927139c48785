"""The REST floor: a minimal keep-alive HTTP/1.1 client on ``asyncio.Protocol`` + ``httptools``.

This is the least Python a pooled REST client can run per call: the request
written as bytes in one write (head and orjson body), the answer parsed by llhttp
(the parser uvicorn uses), the body decoded with ``orjson.loads``. It keeps a
stack of idle connections and opens a new one when none is free. It has no
timeouts, no error handling beyond raising, no TLS options; it only drops idle
connections before the server's 5 s idle close, which any pool must. It measures a cost,
it is not a client anyone should use. qdpool's own transport
(``qdpool/transport/http1.py``) is this plus what makes it safe.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import cast
from urllib.parse import urlsplit

import httptools

from benchmarks.clients_raw import _body, _hits
from benchmarks.server import Target

IDLE_EXPIRY = 4.0
"""Seconds an idle connection is kept: below the server's 5 s idle close, as any pool must, or
a request races the server's close of the connection it is written to."""


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._chunks: list[bytes] = []
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self.idle_since = 0.0

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def request(self, head: bytes, body: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self._chunks = []
        self.transport.write(head + body)  # one system call: the cheapest way for a small body
        return self._answer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._parser.feed_data(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(ConnectionError("connection lost"))

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        assert self._answer is not None
        self._answer.set_result((self._parser.get_status_code(), b"".join(self._chunks)))


class RawHttptools:
    """A stack of keep-alive connections, one request at a time on each."""

    def __init__(self, target: Target, collection: str, limit: int) -> None:
        url = urlsplit(target.rest_url)
        self._host = url.hostname or "localhost"
        self._port = url.port or (443 if url.scheme == "https" else 80)
        self._ssl = ssl.create_default_context() if url.scheme == "https" else None
        path = f"{url.path}/collections/{collection}/points/query"
        key = f"api-key: {target.api_key}\r\n" if target.api_key else ""
        self._head = (
            f"POST {path} HTTP/1.1\r\nhost: {url.netloc}\r\ncontent-type: application/json\r\n"
            f"{key}content-length: "
        ).encode()
        self._limit = limit
        self._idle: list[_Connection] = []
        self._all: list[_Connection] = []

    async def open(self) -> None:
        pass  # connections are opened on demand, like every other client's pool

    async def query(self, vector: list[float]) -> int:
        body = _body(vector, self._limit)
        idle = self._idle
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if not conn.lost and now - conn.idle_since < IDLE_EXPIRY:
                break
            conn.close()
        else:
            conn = await self._connect()
        status, raw = await conn.request(self._head + b"%d\r\n\r\n" % len(body), body)
        if not conn.lost:
            conn.idle_since = time.monotonic()
            idle.append(conn)
        return _hits(status, raw)

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(_Connection, self._host, self._port, ssl=self._ssl)
        self._all.append(conn)
        return conn

    async def close(self) -> None:
        for conn in self._all:
            conn.close()
        self._idle.clear()
        self._all.clear()
