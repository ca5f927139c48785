"""qdpool's own HTTP/1.1 transport: framing, reuse, the sent flag, TLS, the pool, and close.

Most tests talk to a scripted server (``RawServer``): a plain asyncio TCP server
whose handler writes exactly the bytes a test needs (chunked, garbage, a close
at the worst moment). TLS and the integration test use the embedded server's
own REST application.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
import trustme
from aiohttp import web

from qdpool import errors
from qdpool.call import Call
from qdpool.client import Client
from qdpool.config import PoolConfig
from qdpool.embedded.rest import create_app
from qdpool.endpoint import Endpoint
from qdpool.operations import COUNT, CREATE_COLLECTION, LIST_COLLECTIONS, UPSERT
from qdpool.operations.spec import Operation
from qdpool.transport import http1_conn
from qdpool.transport.http1 import Http1Transport

API_KEY = "test-key"


def make_call(
    endpoint: Endpoint,
    op: Operation = LIST_COLLECTIONS,
    *,
    collection: str | None = None,
    body: dict[str, Any] | None = None,
    encoded: bytes | None = None,
    timeout: float = 2.0,
    headers: dict[str, str] | None = None,
) -> Call:
    """The one place this module builds a ``Call``."""
    call = Call(
        op, collection, "rest", body, None, time.monotonic() + timeout, endpoint, None, encoded
    )
    if headers:
        call.headers.update(headers)
    return call


# ---------------------------------------------------------------- a scripted server


@dataclass
class Request:
    head: bytes
    body: bytes

    @property
    def line(self) -> str:
        return self.head.split(b"\r\n", 1)[0].decode()

    def header(self, name: str) -> str | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name.encode():
                return value.strip().decode()
        return None


class Peer:
    """One connection accepted by ``RawServer``."""

    def __init__(self, server: RawServer, reader: asyncio.StreamReader, writer: Any) -> None:
        self.server = server
        self.index = len(server.peers)
        self.reader = reader
        self.writer = writer
        self.closed_by_client = asyncio.Event()

    async def request(self) -> Request | None:
        """The next request, or None when the client closed the connection."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed_by_client.set()
            return None
        req = Request(head, b"")
        length = int(req.header("content-length") or 0)
        if length:
            req.body = await self.reader.readexactly(length)
        self.server.requests.append(req)
        return req

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def wait_closed_by_client(self) -> None:
        """Read until EOF: the client closed its side."""
        with contextlib.suppress(ConnectionError):
            while await self.reader.read(65536):
                pass
        self.closed_by_client.set()

    def close(self) -> None:
        self.writer.close()


Handler = Callable[[Peer], Awaitable[None]]


class RawServer:
    def __init__(self, handler: Handler, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.ssl_context = ssl_context
        self.peers: list[Peer] = []
        self.requests: list[Request] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", 0, ssl=self.ssl_context
        )
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint("127.0.0.1", rest_port=self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: Any) -> None:
        peer = Peer(self, reader, writer)
        self.peers.append(peer)
        try:
            await self.handler(peer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # the test is over; asyncio's stream callback cannot take a cancelled handler
        finally:
            writer.close()

    async def close(self) -> None:
        self._server.close()
        for peer in self.peers:
            peer.close()
        await self._server.wait_closed()


@contextlib.asynccontextmanager
async def raw_server(
    handler: Handler, *, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[RawServer]:
    server = RawServer(handler, ssl_context=ssl_context)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def transport_for(
    server: RawServer, config: PoolConfig | None = None
) -> AsyncIterator[Http1Transport]:
    transport = Http1Transport(server.endpoint, config)
    try:
        yield transport
    finally:
        await transport.aclose()


def answer(body: bytes, status: int = 200, headers: tuple[str, ...] = ()) -> bytes:
    extra = "".join(f"{h}\r\n" for h in headers)
    head = f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{extra}"
    return f"{head}content-length: {len(body)}\r\n\r\n".encode() + body


def names_body(*names: str) -> bytes:
    collections = [{"name": n} for n in names]
    return orjson.dumps({"result": {"collections": collections}, "status": "ok", "time": 0})


async def serve_names(peer: Peer) -> None:
    """Answer every request with the connection's own name; ``x-delay`` delays the answer."""
    while (req := await peer.request()) is not None:
        delay = req.header("x-delay")
        if delay:
            await asyncio.sleep(float(delay))
        await peer.send(answer(names_body(f"conn-{peer.index}")))


# ---------------------------------------------------------------- framing and headers


async def test_content_length_answer_and_the_request_headers() -> None:
    async with raw_server(serve_names) as server, transport_for(server) as transport:
        call = make_call(server.endpoint, headers={"api-key": API_KEY})
        assert await transport.send(call) == ["conn-0"]
        assert call.sent is True
        req = server.requests[0]
        assert req.line == "GET /collections HTTP/1.1"
        assert req.header("host") == f"127.0.0.1:{server.port}"
        assert req.header("content-type") == "application/json"
        assert req.header("accept") == "application/json"
        assert req.header("user-agent") == "qdpool"
        assert req.header("api-key") == API_KEY
        assert req.header("content-length") is None  # a GET without a body

        count = make_call(server.endpoint, COUNT, collection="c x", body={"exact": True})
        with pytest.raises(errors.ServerError):  # the answer is not a count: decode says so
            await transport.send(count)
        req = server.requests[1]
        assert req.line.startswith("POST /collections/c%20x/points/count?timeout=")
        assert req.body == b'{"exact":true}'
        assert req.header("content-length") == str(len(req.body))


async def test_chunked_answer_in_pieces() -> None:
    body = names_body("a", "b", "c")

    async def chunked(peer: Peer) -> None:
        while await peer.request() is not None:
            await peer.send(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            for i in range(0, len(body), 7):
                piece = body[i : i + 7]
                await peer.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                await asyncio.sleep(0.001)
            await peer.send(b"0\r\n\r\n")

    async with raw_server(chunked) as server, transport_for(server) as transport:
        for _ in range(3):
            assert await transport.send(make_call(server.endpoint)) == ["a", "b", "c"]
        assert len(server.peers) == 1  # chunked answers end cleanly: the connection is reused


async def test_one_connection_serves_sequential_calls_and_the_warmest_is_reused() -> None:
    async with raw_server(serve_names) as server, transport_for(server) as transport:
        delays = ("0", "0.05", "0.1")
        calls = [make_call(server.endpoint, headers={"x-delay": d}) for d in delays]
        served = await asyncio.gather(*(transport.send(c) for c in calls))
        assert sorted(served) == [["conn-0"], ["conn-1"], ["conn-2"]]
        last_released = served[2][0]  # the slowest answer came back last
        assert transport.pool_stats() == (3, 0, 0)
        assert await transport.send(make_call(server.endpoint)) == [last_released]
        assert await transport.send(make_call(server.endpoint)) == [last_released]
        assert len(server.peers) == 3


async def test_connection_close_from_the_server_is_honoured() -> None:
    async def close_after_each(peer: Peer) -> None:
        if await peer.request() is not None:
            await peer.send(answer(names_body("x"), headers=("connection: close",)))
            await peer.wait_closed_by_client()  # the server leaves the closing to the client

    async with raw_server(close_after_each) as server, transport_for(server) as transport:
        for _ in range(3):
            assert await transport.send(make_call(server.endpoint)) == ["x"]
        assert len(server.peers) == 3
        for peer in server.peers:
            await asyncio.wait_for(peer.closed_by_client.wait(), 1.0)
        assert transport.pool_stats() == (0, 0, 0)


async def test_retry_after_reaches_the_429_error() -> None:
    async def throttle(peer: Peer) -> None:
        while await peer.request() is not None:
            body = orjson.dumps({"status": {"error": "slow down"}, "time": 0})
            await peer.send(answer(body, 429, ("Retry-After: 2",)))

    async with raw_server(throttle) as server, transport_for(server) as transport:
        with pytest.raises(errors.ResourceExhausted) as exc:
            await transport.send(make_call(server.endpoint))
        assert exc.value.retry_after == 2.0
        assert exc.value.status == 429
        assert "slow down" in str(exc.value)


async def test_retry_after_split_across_chunks_and_in_any_case() -> None:
    async def throttle(peer: Peer) -> None:
        while await peer.request() is not None:
            body = orjson.dumps({"status": {"error": "slow down"}, "time": 0})
            whole = answer(body, 429, ("x-pad: " + "p" * 3000, "rEtRy-AfTeR:   7  "))
            cut = whole.index(b"AfTeR")
            await peer.send(whole[:cut])  # the head arrives in two pieces
            await asyncio.sleep(0.01)
            await peer.send(whole[cut:])

    async with raw_server(throttle) as server, transport_for(server) as transport:
        with pytest.raises(errors.ResourceExhausted) as exc:
            await transport.send(make_call(server.endpoint))
        assert exc.value.retry_after == 7.0


def test_header_value_reads_the_head_only() -> None:
    head = [b"HTTP/1.1 503 X\r\nRetry-After: 3\r\nretry-after: 9\r\n", b"\r\nretry-after: 5"]
    assert http1_conn.header_value(head, b"retry-after") == "3"  # the first; never the body
    assert (
        http1_conn.header_value([b"HTTP/1.1 503 X\r\n\r\nretry-after: 5"], b"retry-after") is None
    )
    assert http1_conn.header_value([b"HTTP/1.1 503 retry-after: 1\r\n\r\n"], b"retry-after") is None


async def test_a_large_answer_with_a_small_head_is_not_refused() -> None:
    big = names_body(*(f"c{i:06d}" for i in range(20_000)))  # ~400 KB in one or more reads
    assert len(big) > 4 * http1_conn.MAX_HEAD_BYTES

    async def large(peer: Peer) -> None:
        while await peer.request() is not None:
            await peer.send(answer(big))

    async with raw_server(large) as server, transport_for(server) as transport:
        for _ in range(2):  # and the connection is reused after it
            names = await transport.send(make_call(server.endpoint))
            assert len(names) == 20_000
        assert transport.pool_stats() == (1, 0, 0)


# ---------------------------------------------------------------- the sent flag and closes


async def test_an_idle_connection_the_server_closed_is_never_written_to() -> None:
    async def one_then_close(peer: Peer) -> None:
        if await peer.request() is not None:
            await peer.send(answer(names_body(f"conn-{peer.index}")))
            peer.close()  # Qdrant's idle close, here at once

    async with raw_server(one_then_close) as server, transport_for(server) as transport:
        assert await transport.send(make_call(server.endpoint)) == ["conn-0"]
        await asyncio.sleep(0.05)  # the FIN arrives while the connection is idle
        assert transport.pool_stats() == (0, 0, 0)
        call = make_call(server.endpoint)
        assert await transport.send(call) == ["conn-1"]
        assert len(server.requests) == 2


async def test_a_reused_connection_closed_as_the_request_goes_out_is_not_resent() -> None:
    async def close_on_second(peer: Peer) -> None:
        if await peer.request() is not None:
            await peer.send(answer(names_body(f"conn-{peer.index}")))
        if await peer.request() is not None:
            peer.close()  # it read the request and closed without a word
        await serve_names(peer)

    async with raw_server(close_on_second) as server, transport_for(server) as transport:
        await transport.send(make_call(server.endpoint))
        create = make_call(server.endpoint, CREATE_COLLECTION, collection="c", body={"v": 1})
        with pytest.raises(errors.Unavailable) as exc:
            await transport.send(create)
        assert exc.value.sent is None  # it may have been processed: only idempotent calls retry
        assert exc.value.status is None
        assert "before any answer" in str(exc.value)
        assert create.sent is True
        assert [r.line.split()[0] for r in server.requests] == ["GET", "PUT"]  # sent once
        assert await transport.send(make_call(server.endpoint)) == ["conn-1"]  # a fresh one


async def test_answer_then_close_raced_by_the_next_request() -> None:
    """The FIN and the next request cross: either the pool saw the FIN (a fresh connection)
    or the request was written (Unavailable, sent=None); never a silent resend."""

    async def one_then_close(peer: Peer) -> None:
        if await peer.request() is not None:
            await peer.send(answer(names_body(f"conn-{peer.index}")))
            peer.close()

    async with raw_server(one_then_close) as server, transport_for(server) as transport:
        for _ in range(10):
            await transport.send(make_call(server.endpoint))
            before = len(server.requests)
            call = make_call(server.endpoint)
            try:
                await transport.send(call)
                assert len(server.requests) == before + 1
            except errors.Unavailable as exc:
                assert exc.sent is None and call.sent is True
                assert len(server.requests) <= before + 1


async def test_a_refused_connection_was_never_sent_and_keeps_an_earlier_sent_flag() -> None:
    endpoint = Endpoint("127.0.0.1", rest_port=_closed_port())
    transport = Http1Transport(endpoint)
    call = make_call(endpoint)
    call.sent = True  # an earlier attempt may have reached a server
    try:
        with pytest.raises(errors.Unavailable) as exc:
            await transport.send(call)
        assert exc.value.sent is False
        assert f"127.0.0.1:{endpoint.rest_port}" in str(exc.value)
        assert call.sent is True
        fresh = make_call(endpoint)
        with pytest.raises(errors.Unavailable):
            await transport.send(fresh)
        assert fresh.sent is False
        assert transport.pool_stats() == (0, 0, 0)  # the failed connect gave its slot back
    finally:
        await transport.aclose()


# ---------------------------------------------------------------- resets, outages, refusals

_LINGER_RST = struct.pack("ii", 1, 0)


def _reset_socket(sock: socket.socket) -> None:
    """Close ``sock`` with a TCP reset (RST) rather than a FIN, as the chaos proxy does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
    sock.close()


def _reset(writer: Any) -> None:
    """The same for a connection of an asyncio server."""
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
    writer.transport.abort()


class ThreadServer:
    """Connections served from a thread with blocking sockets, one after another: each
    answers one request, then is reset when the test says so, while the test's event loop
    is blocked. The client's kernel then holds the reset, but its loop has not read it."""

    def __init__(self, rounds: int) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.requests = 0
        self._rounds = rounds
        self._reset = threading.Semaphore(0)
        self._done = threading.Semaphore(0)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint("127.0.0.1", rest_port=self.port)

    def reset_blocking(self) -> None:
        """Reset the connection served last, and wait (blocking the loop) until it is."""
        self._reset.release()
        assert self._done.acquire(timeout=5)
        time.sleep(0.02)  # the RST crosses the loopback

    def _serve(self) -> None:
        for _ in range(self._rounds):
            conn, _ = self._listener.accept()
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            self.requests += 1
            conn.sendall(answer(names_body(f"conn-{self.requests - 1}")))
            self._reset.acquire(timeout=5)
            _reset_socket(conn)
            self._done.release()

    def close(self) -> None:
        self._reset.release()
        self._thread.join(5)
        self._listener.close()


async def test_a_request_written_to_a_connection_already_reset_was_not_sent() -> None:
    """The reset arrived while the connection was idle but was not read yet: the write
    itself fails, so not one byte left. The error says sent=False (a non-idempotent call
    may be retried), the call's earlier sent flag is kept, and it fails at once."""
    server = ThreadServer(rounds=2)
    transport = Http1Transport(server.endpoint)
    try:
        for i, earlier in enumerate((False, True)):
            assert await transport.send(make_call(server.endpoint)) == [f"conn-{i}"]
            server.reset_blocking()
            create = make_call(server.endpoint, CREATE_COLLECTION, collection="c", body={})
            create.sent = earlier
            started = time.monotonic()
            with pytest.raises(errors.Unavailable) as exc:
                await transport.send(create)
            assert time.monotonic() - started < 0.5
            assert exc.value.sent is False, exc.value
            assert create.sent is earlier
            assert "as the request was written" in str(exc.value)
            assert transport.pool_stats() == (0, 0, 0)
        assert server.requests == 2  # neither create reached the server
    finally:
        await transport.aclose()
        server.close()


async def test_a_connection_lost_before_an_exchange_begins_refuses_it_at_once() -> None:
    """A connection whose reset was already read must not accept an exchange: the answer's
    future would never be resolved, and the call would hang to its deadline."""

    async def reset_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _reset(writer)

    server = await asyncio.start_server(reset_at_once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        loop = asyncio.get_running_loop()
        lost: list[http1_conn.Http1Connection] = []
        _, conn = await loop.create_connection(
            lambda: http1_conn.Http1Connection(lost.append), "127.0.0.1", port
        )
        for _ in range(100):
            if conn.closed:
                break
            await asyncio.sleep(0.01)
        assert conn.closed and lost == [conn]
        with pytest.raises(http1_conn.NotWritten):
            conn.begin(b"GET / HTTP/1.1\r\n\r\n", None)
        assert conn.dead
    finally:
        server.close()
        await server.wait_closed()


async def test_a_large_body_cut_off_by_a_reset_was_not_sent() -> None:
    """A reset while part of the body still waits in this process: the server never had
    the whole request, so the error says sent=False."""
    got_head = asyncio.Event()

    async def reset_mid_body(peer: Peer) -> None:
        await peer.reader.readuntil(b"\r\n\r\n")
        got_head.set()
        await asyncio.sleep(0.2)  # the client fills the socket's buffers and waits to drain
        _reset(peer.writer)

    async with raw_server(reset_mid_body) as server, transport_for(server) as transport:
        encoded = b"[" + b"1," * (12 * 2**20) + b"1]"  # 24 MiB: more than the kernel buffers
        call = make_call(server.endpoint, UPSERT, collection="c", encoded=encoded, timeout=5)
        with pytest.raises(errors.Unavailable) as exc:
            await transport.send(call)
        assert got_head.is_set()
        assert exc.value.sent is False and call.sent is False, exc.value
        assert "whole body" in str(exc.value)
        assert transport.pool_stats() == (0, 0, 0)


async def test_a_queued_caller_is_woken_when_the_busy_connection_is_reset() -> None:
    """Pool of one: the connection in use is reset under its call; the caller waiting for
    a connection gets the freed slot at once and is served on a fresh connection."""

    async def reset_first(peer: Peer) -> None:
        if peer.index == 0:
            if await peer.request() is not None:
                await asyncio.sleep(0.05)
                _reset(peer.writer)
            return
        await serve_names(peer)

    async with (
        raw_server(reset_first) as server,
        transport_for(server, PoolConfig(rest_connections=1)) as transport,
    ):
        first = asyncio.create_task(transport.send(make_call(server.endpoint)))
        await asyncio.sleep(0.01)
        started = time.monotonic()
        queued = asyncio.create_task(transport.send(make_call(server.endpoint, timeout=5.0)))
        await asyncio.sleep(0.01)
        assert transport.pool_stats() == (0, 1, 1)
        with pytest.raises(errors.Unavailable) as exc:
            await first
        assert exc.value.sent is None  # written, then reset without an answer
        assert await queued == ["conn-1"]
        assert time.monotonic() - started < 2.0  # woken by the reset, not by its deadline
        assert transport.pool_stats() == (1, 0, 0)


async def test_after_an_outage_no_dead_connection_is_reused() -> None:
    """Every pooled connection is reset while idle (an outage, a restarted node): the pool
    drops them as the resets arrive, and the next calls open fresh connections."""

    async with raw_server(serve_names) as server, transport_for(server) as transport:
        calls = [make_call(server.endpoint, headers={"x-delay": "0.05"}) for _ in range(3)]
        await asyncio.gather(*(transport.send(c) for c in calls))
        assert transport.pool_stats() == (3, 0, 0)
        for peer in server.peers:
            _reset(peer.writer)
        await asyncio.sleep(0.05)
        assert transport.pool_stats() == (0, 0, 0)
        served = await asyncio.gather(
            *(transport.send(make_call(server.endpoint)) for _ in range(3))
        )
        assert sorted(served) == [["conn-3"], ["conn-4"], ["conn-5"]]


async def test_a_connect_that_hangs_is_bounded_by_the_attempt_deadline() -> None:
    """A listener whose accept queue is full drops the SYN: the connect never completes.
    The attempt ends at its deadline, unsent, and gives its slot back."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    held = []
    try:
        for _ in range(3):  # fill the accept queue; nothing ever accepts
            sock = socket.socket()
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", port))
            held.append(sock)
        await asyncio.sleep(0.05)
        endpoint = Endpoint("127.0.0.1", rest_port=port)
        transport = Http1Transport(endpoint)
        try:
            call = make_call(endpoint, CREATE_COLLECTION, collection="c", body={}, timeout=0.2)
            started = time.monotonic()
            with pytest.raises((errors.Unavailable, errors.DeadlineExceeded)) as exc:
                await transport.send(call)
            assert 0.15 <= time.monotonic() - started < 0.5
            assert exc.value.sent is False and call.sent is False
            assert transport.pool_stats() == (0, 0, 0)
        finally:
            await transport.aclose()
    finally:
        for sock in held:
            sock.close()
        listener.close()


# ---------------------------------------------------------------- slow, partial, garbage


async def test_slow_answer_times_out_with_the_request_sent_and_the_connection_dropped() -> None:
    async def slow(peer: Peer) -> None:
        if await peer.request() is not None:
            await peer.wait_closed_by_client()

    async with raw_server(slow) as server, transport_for(server) as transport:
        call = make_call(server.endpoint, timeout=0.15)
        started = time.monotonic()
        with pytest.raises(errors.DeadlineExceeded) as exc:
            await transport.send(call)
        assert 0.14 <= time.monotonic() - started < 0.5
        assert exc.value.sent is True and call.sent is True
        await asyncio.wait_for(server.peers[0].closed_by_client.wait(), 1.0)
        assert transport.pool_stats() == (0, 0, 0)


async def test_each_call_in_flight_times_out_at_its_own_deadline() -> None:
    async def silent(peer: Peer) -> None:
        while await peer.request() is not None:
            pass

    async with raw_server(silent) as server, transport_for(server) as transport:

        async def timed(timeout: float) -> float:
            started = time.monotonic()
            with pytest.raises(errors.DeadlineExceeded):
                await transport.send(make_call(server.endpoint, timeout=timeout))
            return time.monotonic() - started

        # A later call with an earlier deadline, and deadlines left after the first fires.
        first = asyncio.create_task(timed(0.3))
        await asyncio.sleep(0.01)
        took = await asyncio.gather(first, timed(0.1), timed(0.2))
        for spent, timeout in zip(took, (0.3, 0.1, 0.2), strict=True):
            assert timeout - 0.01 <= spent < timeout + 0.1, (took, timeout)
        assert transport.pool_stats() == (0, 0, 0)


@pytest.mark.parametrize(
    ("script", "error", "sent", "text"),
    [
        (b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"res", errors.Unavailable, True,
         "mid-answer"),
        (b"HTTP/1.1 200 OK\r\ncontent-le", errors.Unavailable, True, "mid-answer"),
        (b"HELLO THERE\r\n\r\n", errors.ServerError, True, "unparseable"),
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", errors.ServerError,
         True, "unparseable"),
    ],
    ids=["closed-mid-body", "closed-mid-headers", "garbage", "bad-chunk"],
)  # fmt: skip
async def test_partial_and_garbage_answers(
    script: bytes, error: type[errors.ApiError], sent: bool, text: str
) -> None:
    async def broken(peer: Peer) -> None:
        if await peer.request() is not None:
            await peer.send(script)
            peer.close()

    async with raw_server(broken) as server, transport_for(server) as transport:
        with pytest.raises(error) as exc:
            await transport.send(make_call(server.endpoint))
        assert exc.value.sent is sent
        assert text in str(exc.value)
        assert transport.pool_stats() == (0, 0, 0)


async def test_partial_answer_that_stalls_times_out() -> None:
    async def stall(peer: Peer) -> None:
        if await peer.request() is not None:
            await peer.send(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{")
            await peer.wait_closed_by_client()

    async with raw_server(stall) as server, transport_for(server) as transport:
        with pytest.raises(errors.DeadlineExceeded) as exc:
            await transport.send(make_call(server.endpoint, timeout=0.1))
        assert exc.value.sent is True
        await asyncio.wait_for(server.peers[0].closed_by_client.wait(), 1.0)


@pytest.mark.parametrize("shape", ["one-huge-header", "many-headers", "endless-header"])
async def test_oversized_headers_are_refused(shape: str) -> None:
    if shape == "one-huge-header":
        head = b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * 70_000 + b"\r\ncontent-length: 0\r\n\r\n"
    elif shape == "many-headers":
        head = b"HTTP/1.1 200 OK\r\n" + b"".join(
            b"x-h%d: %s\r\n" % (i, b"b" * 60) for i in range(1200)
        )
        head += b"content-length: 0\r\n\r\n"
    else:
        head = b"HTTP/1.1 200 OK\r\nx-endless: " + b"c" * 100_000  # never finished

    async def big(peer: Peer) -> None:
        if await peer.request() is not None:
            await peer.send(head)
            await peer.wait_closed_by_client()

    async with raw_server(big) as server, transport_for(server) as transport:
        limit = http1_conn.MAX_HEAD_BYTES
        with pytest.raises(errors.ServerError, match=f"headers exceed {limit} bytes"):
            await transport.send(make_call(server.endpoint))
        await asyncio.wait_for(server.peers[0].closed_by_client.wait(), 1.0)


async def test_bytes_sent_while_idle_end_the_connection() -> None:
    async def chatty(peer: Peer) -> None:
        if peer.index == 0 and await peer.request() is not None:
            await peer.send(answer(names_body("x")))
            await asyncio.sleep(0.02)
            await peer.send(b"HTTP/1.1 200 OK\r\n")
            await peer.wait_closed_by_client()
        await serve_names(peer)

    async with raw_server(chatty) as server, transport_for(server) as transport:
        assert await transport.send(make_call(server.endpoint)) == ["x"]
        await asyncio.wait_for(server.peers[0].closed_by_client.wait(), 1.0)
        assert await transport.send(make_call(server.endpoint)) == ["conn-1"]


# ---------------------------------------------------------------- bodies


async def test_a_large_body_is_written_whole_under_flow_control() -> None:
    size = 8 * 2**20

    async def slow_reader(peer: Peer) -> None:
        while True:
            head = await peer.reader.readuntil(b"\r\n\r\n")
            length = int(Request(head, b"").header("content-length") or 0)
            got = 0
            while got < length:
                await asyncio.sleep(0.001)  # a reader slower than the writer: the socket fills
                got += len(await peer.reader.read(min(length - got, 1 << 20)))
            server.requests.append(Request(head, b""))
            body = orjson.dumps({"result": {"operation_id": got, "status": "completed"}})
            await peer.send(answer(body))

    async with raw_server(slow_reader) as server, transport_for(server) as transport:
        encoded = b"[" + b"1," * (size // 2) + b"1]"
        call = make_call(server.endpoint, UPSERT, collection="c", encoded=encoded, timeout=10)
        result = await transport.send(call)
        assert result.operation_id == len(encoded)
        assert len(server.peers) == 1
        assert transport.pool_stats() == (1, 0, 0)  # a clean exchange: kept


async def test_an_answer_before_the_whole_body_stops_the_write_and_drops_the_connection() -> None:
    async def refuse_early(peer: Peer) -> None:
        await peer.reader.readuntil(b"\r\n\r\n")
        error = orjson.dumps({"status": {"error": "Payload error: JSON payload too big"}})
        await peer.send(answer(error, 400))
        await peer.wait_closed_by_client()

    async with raw_server(refuse_early) as server, transport_for(server) as transport:
        encoded = b"x" * (16 * 2**20)
        call = make_call(server.endpoint, UPSERT, collection="c", encoded=encoded, timeout=5)
        with pytest.raises(errors.PayloadTooLarge):
            await transport.send(call)
        await asyncio.wait_for(server.peers[0].closed_by_client.wait(), 2.0)
        assert transport.pool_stats() == (0, 0, 0)


# ---------------------------------------------------------------- the pool


async def test_the_pool_limit_queues_callers_in_order() -> None:
    async with (
        raw_server(serve_names) as server,
        transport_for(server, PoolConfig(rest_connections=2)) as transport,
    ):
        calls = [make_call(server.endpoint, headers={"x-delay": "0.1"}) for _ in range(5)]
        tasks = [asyncio.create_task(transport.send(c)) for c in calls]
        await asyncio.sleep(0.05)
        assert transport.pool_stats() == (0, 2, 3)
        assert "[Connections: 0 idle, 2 in use | Waiting: 3]" in repr(transport)
        results = await asyncio.gather(*tasks)
        assert all(r in (["conn-0"], ["conn-1"]) for r in results)
        assert len(server.peers) == 2


async def test_waiters_are_served_first_in_first_out() -> None:
    order: list[str] = []

    async def tagged(peer: Peer) -> None:
        while (req := await peer.request()) is not None:
            order.append(req.header("x-tag") or "")
            await asyncio.sleep(0.02)
            await peer.send(answer(names_body("x")))

    async with (
        raw_server(tagged) as server,
        transport_for(server, PoolConfig(rest_connections=1)) as transport,
    ):
        tasks = []
        for tag in "abcde":
            call = make_call(server.endpoint, headers={"x-tag": tag})
            tasks.append(asyncio.create_task(transport.send(call)))
            await asyncio.sleep(0.001)
        await asyncio.gather(*tasks)
        assert order == list("abcde")


async def test_a_queued_caller_gives_up_at_its_deadline_unsent() -> None:
    async with (
        raw_server(serve_names) as server,
        transport_for(server, PoolConfig(rest_connections=1)) as transport,
    ):
        busy = asyncio.create_task(
            transport.send(make_call(server.endpoint, headers={"x-delay": "0.3"}))
        )
        await asyncio.sleep(0.02)
        queued = make_call(server.endpoint, timeout=0.1)
        with pytest.raises(errors.QueueTimeout, match=r"waited .* for one of 1 connections") as e:
            await transport.send(queued)
        assert e.value.sent is False and queued.sent is False
        assert e.value.queue == "connections"  # the client's own queue: never retried nor counted
        assert transport.pool_stats() == (0, 1, 0)
        assert await busy == ["conn-0"]
        assert await transport.send(make_call(server.endpoint)) == ["conn-0"]


async def test_queued_callers_each_give_up_at_their_own_deadline() -> None:
    # The pool's one timer serves the queue too: a later caller with an earlier deadline
    # re-arms it, and it re-arms for the callers still waiting after it fires.
    async with (
        raw_server(serve_names) as server,
        transport_for(server, PoolConfig(rest_connections=1)) as transport,
    ):
        busy = asyncio.create_task(
            transport.send(make_call(server.endpoint, headers={"x-delay": "0.5"}))
        )
        await asyncio.sleep(0.02)

        async def queued(timeout: float) -> float:
            started = time.monotonic()
            with pytest.raises(errors.QueueTimeout):
                await transport.send(make_call(server.endpoint, timeout=timeout))
            return time.monotonic() - started

        first = asyncio.create_task(queued(0.3))
        await asyncio.sleep(0.01)
        took = await asyncio.gather(first, queued(0.1), queued(0.2))
        for spent, timeout in zip(took, (0.3, 0.1, 0.2), strict=True):
            assert timeout - 0.01 <= spent < timeout + 0.1, (took, timeout)
        assert await busy == ["conn-0"]
        assert transport.pool_stats() == (1, 0, 0)


async def test_a_cancelled_call_never_leaves_its_connection_in_the_pool() -> None:
    async with raw_server(serve_names) as server, transport_for(server) as transport:
        task = asyncio.create_task(
            transport.send(make_call(server.endpoint, headers={"x-delay": "0.2"}))
        )
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert transport.pool_stats() == (0, 0, 0)
        assert await transport.send(make_call(server.endpoint)) == ["conn-1"]


async def test_idle_connections_expire() -> None:
    config = PoolConfig(keepalive_expiry=0.15)
    async with raw_server(serve_names) as server, transport_for(server, config) as transport:
        assert await transport.send(make_call(server.endpoint)) == ["conn-0"]
        assert transport.pool_stats() == (1, 0, 0)
        await asyncio.wait_for(server.peers[0].closed_by_client.wait(), 1.0)  # closed, unasked
        assert transport.pool_stats() == (0, 0, 0)
        assert await transport.send(make_call(server.endpoint)) == ["conn-1"]


async def test_an_expired_idle_connection_is_not_taken_even_before_the_sweep() -> None:
    now = [1000.0]
    async with raw_server(serve_names) as server:
        transport = Http1Transport(
            server.endpoint, PoolConfig(keepalive_expiry=1.0), clock=lambda: now[0]
        )
        try:
            call = make_call(server.endpoint)
            call.attempt_deadline = now[0] + 5
            assert await transport.send(call) == ["conn-0"]
            now[0] += 1.5
            call = make_call(server.endpoint)
            call.attempt_deadline = now[0] + 5
            assert await transport.send(call) == ["conn-1"]
        finally:
            await transport.aclose()


async def test_repr_shows_the_pool() -> None:
    async with raw_server(serve_names) as server, transport_for(server) as transport:
        await transport.send(make_call(server.endpoint))
        assert repr(transport) == (
            f"<Http1Transport http://127.0.0.1:{server.port} "
            "[Connections: 1 idle, 0 in use | Waiting: 0]>"
        )
        await transport.aclose()
        assert repr(transport) == f"<Http1Transport http://127.0.0.1:{server.port} closed>"
        assert transport.pool_stats() is None


# ---------------------------------------------------------------- start and close


async def test_start_checks_readyz_and_fails_naming_the_address() -> None:
    async with raw_server(serve_names) as server, transport_for(server) as transport:
        await transport.start()
        assert server.requests[0].line == "GET /readyz HTTP/1.1"
        assert transport.pool_stats() == (1, 0, 0)
    port = _closed_port()
    transport = Http1Transport(
        Endpoint("127.0.0.1", rest_port=port), PoolConfig(connect_timeout=0.5)
    )
    with pytest.raises(errors.Unavailable, match=rf"127\.0\.0\.1:{port}") as exc:
        await transport.start()
    assert exc.value.sent is False
    assert "closed" in repr(transport)


async def test_start_without_verify_connects_on_the_first_call() -> None:
    async with raw_server(serve_names) as server, transport_for(server) as transport:
        await transport.start(verify=False)
        await asyncio.sleep(0.01)
        assert server.peers == [] and transport.pool_stats() == (0, 0, 0)
        assert await transport.send(make_call(server.endpoint)) == ["conn-0"]


async def test_close_fails_calls_in_flight_and_closes_every_socket() -> None:
    async def silent(peer: Peer) -> None:
        if await peer.request() is not None:
            await peer.wait_closed_by_client()

    async with raw_server(silent) as server:
        transport = Http1Transport(server.endpoint, PoolConfig(rest_connections=3))
        tasks = [asyncio.create_task(transport.send(make_call(server.endpoint))) for _ in range(5)]
        await asyncio.sleep(0.05)
        assert transport.pool_stats() == (0, 3, 2)
        await transport.aclose()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(o, errors.ClientClosed) for o in outcomes), outcomes
        for peer in server.peers:
            await asyncio.wait_for(peer.closed_by_client.wait(), 1.0)
        assert len(server.peers) == 3
        with pytest.raises(errors.ClientClosed):
            await transport.send(make_call(server.endpoint))


# ---------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@contextlib.asynccontextmanager
async def tls_embedded(
    embedded: Any, ca: trustme.CA, *, client_ca: trustme.CA | None = None
) -> AsyncIterator[tuple[int, list[str]]]:
    """The embedded server's REST application on a TLS socket; yields (port, SNI names seen)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    names: list[str] = []

    def record_sni(sock: Any, name: str | None, ctx: Any) -> None:
        names.append(name or "")

    context.sni_callback = record_sni
    if client_ca is not None:
        client_ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    runner = web.AppRunner(create_app(embedded.engine, embedded.faults, embedded.keys))
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock, ssl_context=context).start()
    try:
        yield sock.getsockname()[1], names
    finally:
        await runner.cleanup()


def _client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


async def test_tls_against_the_embedded_server(server: Any, ca: trustme.CA) -> None:
    async with tls_embedded(server, ca) as (port, names):
        endpoint = Endpoint.from_urls(f"https://localhost:{port}")
        transport = Http1Transport(endpoint, ssl_context=_client_context(ca))
        try:
            await transport.start()
            call = make_call(endpoint, headers={"api-key": API_KEY})
            assert isinstance(await transport.send(call), list)
            assert names and set(names) == {"localhost"}  # SNI is the endpoint's host
            assert repr(transport).startswith(f"<Http1Transport https://localhost:{port} [")
        finally:
            await transport.aclose()


async def test_tls_verification_fails_with_a_wrong_ca_and_by_default(
    server: Any, ca: trustme.CA
) -> None:
    async with tls_embedded(server, ca) as (port, _):
        endpoint = Endpoint.from_urls(f"https://localhost:{port}")
        for context in (_client_context(trustme.CA()), None):
            transport = Http1Transport(endpoint, ssl_context=context)
            with pytest.raises(errors.Unavailable, match="certificate verify failed") as exc:
                await transport.start()
            assert exc.value.sent is False


async def test_tls_client_certificate(server: Any, ca: trustme.CA) -> None:
    client_ca = trustme.CA()
    async with tls_embedded(server, ca, client_ca=client_ca) as (port, _):
        endpoint = Endpoint.from_urls(f"https://localhost:{port}")
        with_cert = _client_context(ca)
        client_ca.issue_cert("qdpool-client").configure_cert(with_cert)
        transport = Http1Transport(endpoint, ssl_context=with_cert)
        try:
            call = make_call(endpoint, headers={"api-key": API_KEY})
            assert isinstance(await transport.send(call), list)
        finally:
            await transport.aclose()
        without = Http1Transport(endpoint, ssl_context=_client_context(ca))
        try:
            with pytest.raises(errors.Unavailable):
                await without.send(make_call(endpoint, headers={"api-key": API_KEY}))
        finally:
            await without.aclose()


# ---------------------------------------------------------------- integration


async def test_real_operations_through_a_client_on_the_embedded_server(server: Any) -> None:
    endpoint = Endpoint.from_urls(server.rest_url)
    transport = Http1Transport(endpoint)
    async with Client(
        endpoint, api_key=API_KEY, transports={"rest": transport}, protocols=("rest",)
    ) as client:
        name = "http1_integration"
        await client.create_collection(name, size=4)
        try:
            points = [
                {"id": i, "vector": [1.0, float(i), 0.5, 0.25], "payload": {"i": i}}
                for i in range(20)
            ]
            await client.upsert(name, points)
            assert await client.count(name) == 20
            hits = await client.query_points(name, [1.0, 3.0, 0.5, 0.25], limit=3)
            assert len(hits) == 3 and hits[0].payload is not None
            records = await client.retrieve(name, [1, 2])
            assert sorted(r.id for r in records) == [1, 2]
            with pytest.raises(errors.AlreadyExists):
                await client.create_collection(name, size=4)
            assert "Http1Transport" in repr(client)
        finally:
            assert await client.delete_collection(name) is True
        assert name not in await client.list_collections()
    assert transport.pool_stats() is None


def _closed_port() -> int:
    """A loopback port nothing listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


# ---------------------------------------------------------------- the same on uvloop

UVLOOP_CASES = [
    test_content_length_answer_and_the_request_headers,
    test_chunked_answer_in_pieces,
    test_connection_close_from_the_server_is_honoured,
    test_an_idle_connection_the_server_closed_is_never_written_to,
    test_a_reused_connection_closed_as_the_request_goes_out_is_not_resent,
    test_slow_answer_times_out_with_the_request_sent_and_the_connection_dropped,
    test_each_call_in_flight_times_out_at_its_own_deadline,
    test_a_large_body_is_written_whole_under_flow_control,
    test_an_answer_before_the_whole_body_stops_the_write_and_drops_the_connection,
    test_the_pool_limit_queues_callers_in_order,
    test_close_fails_calls_in_flight_and_closes_every_socket,
    test_a_request_written_to_a_connection_already_reset_was_not_sent,
    test_a_connection_lost_before_an_exchange_begins_refuses_it_at_once,
    test_a_large_body_cut_off_by_a_reset_was_not_sent,
    test_a_queued_caller_is_woken_when_the_busy_connection_is_reset,
    test_after_an_outage_no_dead_connection_is_reused,
]


@pytest.mark.parametrize("case", UVLOOP_CASES, ids=lambda case: case.__name__[5:])
def test_on_uvloop(case: Callable[[], Awaitable[None]]) -> None:
    """uvloop's transports are not asyncio's classes: the same cases, on its loop (in a thread
    of their own, so that the test session's loop is left alone)."""
    uvloop = pytest.importorskip("uvloop")
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(case())  # type: ignore[arg-type]
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    if failures:
        raise failures[0]
