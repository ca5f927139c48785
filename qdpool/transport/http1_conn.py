"""One keep-alive HTTP/1.1 client connection: an ``asyncio.Protocol`` fed to ``httptools``.

A connection carries one exchange at a time. It writes the request's bytes as
given (a small body in one write with the head; a large one on its own, in
slices that respect the socket's flow control, so a 32 MiB body is never copied
whole), parses the answer with
llhttp (content-length and chunked bodies alike), and records what
``Http1Transport`` needs to decide whether it may be reused: whether the
server closed, half-closed or errored, whether the answer asked to close
(``Connection: close``), and whether the exchange finished cleanly.

It raises only its own small exceptions (below); ``Http1Transport.send`` maps
them to qdpool's tree, at its one boundary.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import httptools

if TYPE_CHECKING:
    from qdpool.transport.streams import Download

MAX_HEAD_BYTES = 64 * 1024
"""The most bytes a response's status line and headers may take before the answer is refused."""

JOIN_LIMIT = 64 * 1024
"""Bodies up to this size go out in one write with the head: copying a few KiB costs far less
than a second system call and a second TCP segment. Longer ones are written on their own."""

WRITE_SLICE = 256 * 1024
"""Bodies longer than this are written in slices of it, waiting whenever the socket pushes back."""

Answer = tuple[int, bytes, str | None]
"""(status, body, Retry-After header or None) of one finished exchange."""


class ConnectionBroken(Exception):
    """The connection closed or failed during an exchange.

    ``answer_started`` tells whether any byte of the answer had arrived: if so, the
    server certainly received the request; if not, it may or may not have.
    """

    def __init__(self, reason: str, *, answer_started: bool) -> None:
        super().__init__(reason)
        self.answer_started = answer_started


class NotWritten(ConnectionBroken):
    """The connection failed before the whole request was handed to the socket.

    Either it was already closed or reset when the exchange began (the peer's reset
    had arrived but not been read yet, so the write itself failed), or it failed while
    part of a large body still waited in this process. The server cannot have received
    the complete request, so it cannot have processed it.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason, answer_started=False)


class BadAnswer(Exception):
    """The server's bytes are not an acceptable HTTP/1.1 answer (garbage, oversized headers)."""


class AnswerTimeout(TimeoutError):
    """The attempt's time ran out after the request was written."""


class PoolClosed(Exception):
    """The transport was closed while this exchange was waiting or in flight."""


class Http1Connection(asyncio.Protocol):
    """The protocol of one TCP (or TLS) connection; see the module docstring."""

    def __init__(self, on_lost: Callable[[Http1Connection], None]) -> None:
        self._on_lost = on_lost
        self._parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        """The socket is gone (``connection_lost`` ran)."""
        self.dead = False
        """Closed, half-closed (EOF), errored, or refused mid-exchange: never reused."""
        self.keep_alive = True
        """False once an answer asked to close the connection (``Connection: close``, HTTP/1.0)."""
        self.idle_since = 0.0
        """When it last went back to the pool, on the transport's clock."""
        self.deadline = math.inf
        """When the exchange in flight times out (the pool's one timer reads it); inf if none."""
        self._answer: asyncio.Future[Answer] | None = None
        self._drain: asyncio.Future[None] | None = None
        self._paused = False
        self._chunks: list[bytes] = []
        self._head: list[bytes] = []
        """The chunks that carried the answer's head, kept until the answer is complete."""
        self._head_size = 0
        self._in_head = False
        self._started = False
        self.sink: Download | None = None
        """Where a 200 answer's body goes instead of memory (a snapshot download), or None."""
        self.loop = asyncio.get_running_loop()
        self._closed_waiter: asyncio.Future[None] = self.loop.create_future()

    # ------------------------------------------------------------ exchanges

    def begin(self, head: bytes, body: bytes | None) -> asyncio.Future[Answer]:
        """Write ``head`` (and ``body`` unless it is large) and return the answer's future.

        A body longer than ``WRITE_SLICE`` is the caller's to pass to ``write_body``.
        Raises ``NotWritten`` when the connection is already gone, or when the write
        fails at once: asyncio and uvloop close the transport as soon as the socket
        refuses bytes (a reset that arrived while the connection was idle), and a future
        created for a dead connection would never be resolved.
        """
        transport = self.transport
        assert transport is not None
        if self.dead or transport.is_closing():
            self.dead = True
            raise NotWritten("the connection was closed before the request was written")
        answer: asyncio.Future[Answer] = self.loop.create_future()
        self._answer = answer
        # ``_chunks`` and ``_head`` are empty: a clean exchange emptied them, and a
        # connection whose exchange did not end cleanly never carries another.
        self._head_size = 0
        self._in_head = True
        self._started = False
        if body is None:
            transport.write(head)
        elif len(body) <= JOIN_LIMIT:
            transport.write(head + body)
        else:
            transport.write(head)
            if len(body) <= WRITE_SLICE:
                transport.write(body)
        if transport.is_closing():
            self.dead = True
            self._answer = None
            raise NotWritten("the connection failed as the request was written")
        return answer

    async def write_body(self, body: bytes) -> bool:
        """Write a large body in slices, pausing while the socket's buffer is full.

        Returns False if the answer arrived (or the exchange failed) before the whole
        body was written: the connection then cannot carry another request. Raises
        ``NotWritten`` when the connection fails before any answer while some of the
        body is still unwritten or waiting in this process's buffer.
        """
        transport = self.transport
        answer = self._answer
        assert transport is not None and answer is not None
        view = memoryview(body)
        for start in range(0, len(view), WRITE_SLICE):
            if answer.done() or self.dead:
                return False
            transport.write(view[start : start + WRITE_SLICE])
            if transport.is_closing() and not self._started:
                self.dead = True
                raise NotWritten("the connection failed before the whole body was written")
            if self._paused:
                self._drain = answer.get_loop().create_future()
                try:
                    await self._drain
                except ConnectionBroken as exc:
                    if exc.answer_started:
                        raise
                    # Paused means bytes were still buffered here: the request is incomplete.
                    raise NotWritten(
                        f"the connection failed before the whole body was written: {exc}"
                    ) from None
        return True

    def fail(self, exc: BaseException) -> None:
        """End the exchange in flight (if any) with ``exc`` and close the connection."""
        self.dead = True
        self._fail_waiters(exc)
        if self.transport is not None:
            self.transport.close()

    def time_out(self) -> None:
        """The attempt's timer: the exchange ends with ``AnswerTimeout``."""
        self.fail(AnswerTimeout())

    async def wait_closed(self) -> None:
        """Wait until the socket is gone (``connection_lost``)."""
        if self.transport is not None:
            await asyncio.shield(self._closed_waiter)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def _fail_waiters(self, exc: BaseException) -> None:
        answer, drain = self._answer, self._drain
        # ``exception()`` marks each as retrieved: when the writer fails on the drain, nobody
        # awaits the answer any more, and asyncio would log it as never retrieved.
        if answer is not None and not answer.done():
            answer.set_exception(exc)
            answer.exception()
        if drain is not None and not drain.done():
            drain.set_exception(exc)
            drain.exception()

    # ------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        answer = self._answer
        if answer is None or answer.done():
            # Bytes nobody asked for: the connection's framing can no longer be trusted.
            self.fail(BadAnswer("the server sent bytes outside an exchange"))
            return
        self._started = True
        if not self._in_head:
            try:
                self._parser.feed_data(data)
            except httptools.HttpParserError as exc:
                self.fail(BadAnswer(f"unparseable HTTP answer: {exc}"))
            return
        # Still in the head: keep its chunks (for Retry-After) and count its bytes, so that
        # an endless header cannot grow the parser's buffer without bound. No Python
        # callback per header: that would cost more than the rest of the parse.
        self._head.append(data)
        self._head_size += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if self._head_size < 0:  # on_headers_complete found the head too big
                self.fail(BadAnswer(f"the answer's headers exceed {MAX_HEAD_BYTES} bytes"))
            else:
                self.fail(BadAnswer(f"unparseable HTTP answer: {exc}"))
            return
        if self._in_head and self._head_size > MAX_HEAD_BYTES:  # and still no end in sight
            self.fail(BadAnswer(f"the answer's headers exceed {MAX_HEAD_BYTES} bytes"))

    def eof_received(self) -> bool:
        self.dead = True
        self._fail_waiters(
            ConnectionBroken("the server closed the connection", answer_started=self._started)
        )
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.dead = True
        self.closed = True
        reason = "the connection was closed" if exc is None else f"{type(exc).__name__}: {exc}"
        self._fail_waiters(ConnectionBroken(reason, answer_started=self._started))
        if not self._closed_waiter.done():
            self._closed_waiter.set_result(None)
        self._on_lost(self)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    # ------------------------------------------------------------ httptools callbacks

    def on_message_begin(self) -> None:
        answer = self._answer
        if answer is None or answer.done():
            self.dead = True  # a second answer to one request: not a connection to reuse

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._head_size > MAX_HEAD_BYTES and _head_length(self._head) > MAX_HEAD_BYTES:
            self._head_size = -1  # tells data_received why the parse stopped
            raise BadAnswer("headers too large")
        if self.sink is not None and self._parser.get_status_code() != 200:
            self.sink = None  # an error's body is read as usual, to be decoded

    def on_body(self, body: bytes) -> None:
        if self.sink is None:
            self._chunks.append(body)
        else:
            self.sink.write(body)

    def on_message_complete(self) -> None:
        answer = self._answer
        if answer is None or answer.done():
            return
        parser = self._parser
        if not parser.should_keep_alive():
            self.keep_alive = False
        chunks = self._chunks
        raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self._chunks = []
        status = parser.get_status_code()
        # Only an error's Retry-After is read (429, 503): a success pays nothing for it.
        retry_after = header_value(self._head, b"retry-after") if status >= 400 else None
        self._head = []
        answer.set_result((status, raw, retry_after))


def _head_length(chunks: list[bytes]) -> int:
    """Bytes of the head in ``chunks`` (up to its blank line), or all of them if unfinished."""
    data = b"".join(chunks)
    end = data.find(b"\r\n\r\n")
    if end < 0:
        end = data.find(b"\n\n")  # llhttp accepts bare LF line ends
    return len(data) if end < 0 else end


def header_value(chunks: list[bytes], name: bytes) -> str | None:
    """The first value of header ``name`` (lower case) in the head carried by ``chunks``.

    Reads the bytes llhttp has already accepted as a well-formed head, so a line is
    ``name: value`` (no space before the colon, which llhttp refuses).
    """
    data = b"".join(chunks)
    for line in data[: _head_length(chunks)].split(b"\n")[1:]:
        key, colon, value = line.partition(b":")
        if colon and key.lower() == name:
            return value.strip().decode("latin-1")
    return None
