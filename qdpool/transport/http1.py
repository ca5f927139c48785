"""REST over qdpool's own pool of keep-alive HTTP/1.1 connections (``asyncio`` + ``httptools``).

aiohttp's per-request machinery costs about as much client CPU as everything
qdpool does on top of it (docs/performance.md); a pool built for Qdrant's REST
door needs far less: one ``asyncio.Protocol`` per connection, requests written
as bytes, answers parsed by llhttp. This transport is that pool.

What it guarantees, because the retry policy depends on it:

* ``call.sent`` becomes True only once the request's bytes were handed to the
  socket. A refused connection, a wait for a free connection, a deadline that
  ran out before writing, and a connection found reset as the request was
  written (the write itself failed, or part of a large body never left this
  process) leave it as it was, and their errors say ``sent=False``.
* A request is never re-sent behind the caller's back. A reused connection that
  the server closed before any answer byte arrived raises ``Unavailable`` with
  ``sent=None`` (it may have been processed); only idempotent calls retry that.
* A connection is reused only after a clean exchange: one that was closed,
  half-closed (EOF), errored, asked to close (``Connection: close``), or left
  mid-answer (a cancelled or timed-out attempt) is closed instead.
* Idle connections are taken warmest first (LIFO) and expire after
  ``PoolConfig.keepalive_expiry`` (below Qdrant's 5 s idle close), so a request
  is rarely written to a connection the server is about to close.
* At most ``PoolConfig.rest_connections`` connections; callers beyond that wait
  in a FIFO queue, each no longer than its attempt's deadline.

Errors of sockets, TLS and the parser are mapped to qdpool's tree in ``send``
and ``start``, nowhere else; status codes and bodies are codec_json's to decode.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import ssl
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from qdpool import errors
from qdpool.call import Call
from qdpool.config import PoolConfig
from qdpool.endpoint import Endpoint
from qdpool.transport import streams
from qdpool.transport.codec_json import JSON_CONTENT_TYPE, decode, encode_body, target_for
from qdpool.transport.http1_conn import (
    WRITE_SLICE,
    Answer,
    AnswerTimeout,
    BadAnswer,
    ConnectionBroken,
    Http1Connection,
    NotWritten,
    PoolClosed,
)

CLOSE_GRACE = 1.0
"""Seconds ``aclose`` waits for sockets to finish closing (a TLS goodbye) before aborting them."""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class _ConnectFailed(Exception):
    """A new connection could not be opened (refused, unreachable, TLS handshake failed)."""


class _QueueTimeout(TimeoutError):
    """The attempt's time ran out while waiting for a free connection."""


_FAILURES = (TimeoutError, _ConnectFailed, ConnectionBroken, BadAnswer, PoolClosed)


class Http1Transport:
    """REST to one endpoint through a pool of HTTP/1.1 connections; see the module docstring."""

    protocol = "rest"

    def __init__(
        self,
        endpoint: Endpoint,
        config: PoolConfig | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint
        self._config = config or PoolConfig()
        self._base = endpoint.rest_url
        self._host = endpoint.host
        self._port = endpoint.rest_port
        # TLS is the scheme's decision (Endpoint); verification is on unless the user's own
        # context says otherwise. SNI and the name checked are the endpoint's host.
        self._ssl: ssl.SSLContext | None = (
            (ssl_context or ssl.create_default_context()) if endpoint.tls else None
        )
        self._server_hostname = self._host if endpoint.tls else None
        self._clock = clock
        self._limit = self._config.rest_connections
        self._expiry = self._config.keepalive_expiry
        self._idle: deque[Http1Connection] = deque()
        self._all: set[Http1Connection] = set()
        self._slots = 0
        """Connections open or opening, plus free slots already promised to a waiter."""
        self._waiters: deque[asyncio.Future[Http1Connection | None]] = deque()
        self._sweeper: asyncio.TimerHandle | None = None
        self._watchdog = _Watchdog(clock, self._all)
        self._header_items: tuple[tuple[str, str], ...] = ()
        self._header_lines = ""
        self._closed = False
        default_port = 443 if endpoint.tls else 80
        host = f"[{self._host}]" if ":" in self._host else self._host
        authority = host if self._port == default_port else f"{host}:{self._port}"
        self._prefix = endpoint.prefix
        accept = f"accept: {JSON_CONTENT_TYPE}\r\nuser-agent: qdpool\r\n"
        self._fixed_common = f" HTTP/1.1\r\nhost: {authority}\r\n{accept}"
        self._fixed = f"{self._fixed_common}content-type: {JSON_CONTENT_TYPE}\r\n"

    # ------------------------------------------------------------ the contract

    async def start(self, *, verify: bool = True) -> None:
        """Open one connection and ask ``/readyz`` (with ``verify``), to fail fast on a wrong
        address; without ``verify`` connections open on the first calls."""
        if self._closed:
            raise errors.ClientClosed("REST transport is closed")
        if not verify:
            return
        head = f"GET {self._prefix}/readyz{self._fixed}\r\n".encode("latin-1")
        try:
            await self._exchange(head, None, self._clock() + self._config.connect_timeout, None)
        except _FAILURES as exc:
            await self.aclose()
            raise errors.Unavailable(
                f"cannot reach Qdrant REST at {self._base}: {_describe(exc)}",
                protocol="rest",
                sent=False,
            ) from None

    async def send(self, call: Call) -> Any:
        timeout = call.attempt_deadline - self._clock()
        if timeout <= 0:
            raise errors.DeadlineExceeded(
                "no time left for the attempt", protocol="rest", sent=False
            )
        if self._closed:
            raise errors.ClientClosed("REST transport is closed")
        body = encode_body(call)
        stream = call.stream
        head = self._head(
            call.operation.rest_method,
            target_for(call, timeout),
            body,
            call.headers,
            None if stream is None else stream.body_type(),
        )
        try:
            if stream is None:
                status, raw, retry_after = await self._exchange(
                    head, body, call.attempt_deadline, call
                )
            else:  # a snapshot file, streamed (qdpool.transport.streams)
                status, raw, retry_after = await streams.http1_exchange(self, head, call)
        except _FAILURES as exc:
            raise self._error(exc, call, timeout) from None
        return decode(call, status, raw, retry_after)

    def pool_stats(self) -> tuple[int, int, int] | None:
        """``(idle, used, waiting)``: idle connections, those in use or opening, queued callers."""
        if self._closed:
            return None
        idle = len(self._idle)
        return idle, self._slots - idle, sum(1 for w in self._waiters if not w.done())

    async def aclose(self) -> None:
        """Fail queued and in-flight calls with ``ClientClosed`` and close every socket."""
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        self._watchdog.close()
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(PoolClosed())
        conns = list(self._all)
        self._all.clear()
        self._idle.clear()
        self._slots = 0
        for conn in conns:
            conn.fail(PoolClosed())
        if conns:
            closing = [asyncio.ensure_future(c.wait_closed()) for c in conns]
            _, pending = await asyncio.wait(closing, timeout=CLOSE_GRACE)
            for task in pending:
                task.cancel()
            for conn in conns:
                if not conn.closed:
                    conn.abort()

    def __repr__(self) -> str:
        stats = self.pool_stats()
        if stats is None:
            return f"<Http1Transport {self._base} closed>"
        idle, used, waiting = stats
        return (
            f"<Http1Transport {self._base} "
            f"[Connections: {idle} idle, {used} in use | Waiting: {waiting}]>"
        )

    # ------------------------------------------------------------ one exchange

    def _head(
        self,
        method: str,
        target: str,
        body: bytes | None,
        headers: dict[str, str],
        streamed: tuple[str, int] | None = None,
    ) -> bytes:
        """The request line and headers, built as one string and encoded once; ``streamed``
        is the content type and length of a body sent from a file instead (an upload)."""
        fixed = self._fixed
        if streamed is not None:
            fixed = f"{self._fixed_common}content-type: {streamed[0]}\r\n"
            length = f"content-length: {streamed[1]}\r\n"
        elif body is not None:
            length = f"content-length: {len(body)}\r\n"
        else:
            length = "content-length: 0\r\n" if method in _BODY_METHODS else ""
        extra = ""
        if headers:
            items = tuple(headers.items())
            if items != self._header_items:  # mostly the same (the API key) call after call
                self._header_lines = _header_lines(items)
                self._header_items = items
            extra = self._header_lines
        try:
            return f"{method} {self._prefix}{target}{fixed}{length}{extra}\r\n".encode("latin-1")
        except UnicodeEncodeError:
            raise errors.InvalidInput(
                "headers", "header names and values must be Latin-1 text"
            ) from None

    async def _exchange(
        self, head: bytes, body: bytes | None, deadline: float, call: Call | None
    ) -> Answer:
        """Write one request on a pooled connection and return its answer.

        Raises only ``_FAILURES``; the caller maps them. ``call.sent`` is set once the
        head was handed to the socket.
        """
        conn = self._take_idle()
        if conn is None:
            conn = await self._acquire(deadline)
            if deadline <= self._clock():  # the wait for it took the attempt's time
                self._release(conn)  # untouched: it can serve the next caller
                raise TimeoutError()
        self._watchdog.watch(conn, deadline)
        sent_before = call is not None and call.sent
        try:
            answer = conn.begin(head, body)
            if call is not None:
                call.sent = True
            if body is not None and len(body) > WRITE_SLICE and not await conn.write_body(body):
                conn.keep_alive = False  # answered before the whole body was written
            result = await answer
        except BaseException as exc:
            if call is not None and isinstance(exc, NotWritten):
                call.sent = sent_before  # the server cannot have the whole request
            self._discard(conn)  # mid-exchange (failed, timed out, cancelled): never reused
            raise
        finally:
            self._watchdog.forget(conn)
        self._release(conn)
        return result

    def _error(self, exc: Exception, call: Call, timeout: float) -> Exception:
        """The qdpool error for one of ``_FAILURES`` (the one place they are mapped)."""
        name = call.operation.name
        if isinstance(exc, PoolClosed):
            return errors.ClientClosed("REST transport is closed")
        if isinstance(exc, _QueueTimeout):
            # The pool's own queue, like a concurrency slot: the node is not to blame.
            return errors.QueueTimeout(
                f"{name} waited {timeout:.3f}s for one of {self._limit} connections to "
                f"{self._base}",
                protocol="rest",
                queue="connections",
                waited=timeout,
            )
        if isinstance(exc, AnswerTimeout):
            return errors.DeadlineExceeded(
                f"{name} attempt timed out after {timeout:.3f}s", protocol="rest", sent=True
            )
        if isinstance(exc, TimeoutError):
            return errors.DeadlineExceeded(
                f"{name} attempt timed out after {timeout:.3f}s before it was sent "
                f"(connecting to {self._base})",
                protocol="rest",
                sent=False,
            )
        if isinstance(exc, _ConnectFailed):
            return errors.Unavailable(
                f"cannot connect to {self._base}: {exc}", protocol="rest", sent=False
            )
        if isinstance(exc, NotWritten):
            return errors.Unavailable(
                f"{name}: {exc} (to {self._base})", protocol="rest", sent=False
            )
        if isinstance(exc, ConnectionBroken):
            if exc.answer_started:
                return errors.Unavailable(
                    f"{name}: the connection failed mid-answer: {exc}", protocol="rest", sent=True
                )
            return errors.Unavailable(
                f"{name}: the connection failed before any answer: {exc}",
                protocol="rest",
                sent=None,
            )
        return errors.ServerError(f"{name}: {exc}", protocol="rest", sent=True)

    # ------------------------------------------------------------ the pool

    def _take_idle(self) -> Http1Connection | None:
        """The warmest idle connection still fit to use, or None."""
        idle = self._idle
        while idle:
            conn = idle.pop()
            transport = conn.transport
            if conn.dead or transport is None or transport.is_closing():
                self._discard(conn)
                continue
            if self._clock() - conn.idle_since >= self._expiry:
                # The warmest has expired, so every older one has too.
                self._discard(conn)
                while idle:
                    self._discard(idle.pop())
                return None
            return conn
        return None

    async def _acquire(self, deadline: float) -> Http1Connection:
        """A connection when none is idle: a new one if the limit allows, else wait in line."""
        while True:
            if self._closed:
                raise PoolClosed()
            if self._slots < self._limit and not self._waiters:
                self._slots += 1
                return await self._connect(deadline)
            got = await self._wait(deadline)
            if got is None:
                return await self._connect(deadline)  # a slot was handed over to us
            if not got.dead:
                return got
            self._discard(got)

    async def _wait(self, deadline: float) -> Http1Connection | None:
        """Wait in FIFO order for a connection (or a free slot: None) until ``deadline``."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Http1Connection | None] = loop.create_future()
        self._waiters.append(waiter)
        self._watchdog.watch_waiter(waiter, deadline)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                got = waiter.result()  # handed over just as this caller gave up: pass it on
                if got is None:
                    self._release_slot()
                else:
                    self._release(got)
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise
        finally:
            self._watchdog.forget_waiter(waiter)

    async def _connect(self, deadline: float) -> Http1Connection:
        """Open a connection on a slot already counted; the slot is given back on failure."""
        loop = asyncio.get_running_loop()
        try:
            remaining = min(deadline - self._clock(), self._config.connect_timeout)
            if remaining <= 0:
                raise TimeoutError()
            try:
                async with asyncio.timeout(remaining):
                    _, conn = await loop.create_connection(
                        self._new_connection,
                        self._host,
                        self._port,
                        ssl=self._ssl,
                        server_hostname=self._server_hostname,
                    )
            except OSError as exc:  # ssl.SSLError included
                raise _ConnectFailed(_describe(exc)) from None
        except BaseException:
            self._release_slot()
            raise
        if self._closed:
            conn.fail(PoolClosed())
            raise PoolClosed()
        self._all.add(conn)
        return conn

    def _new_connection(self) -> Http1Connection:
        return Http1Connection(self._lost)

    def _release(self, conn: Http1Connection) -> None:
        """Back to the pool after a clean exchange: to the first waiter, else on the idle stack."""
        if conn.dead or not conn.keep_alive or conn not in self._all:
            self._discard(conn)
            return
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        conn.idle_since = self._clock()
        self._idle.append(conn)
        if self._sweeper is None:
            self._sweeper = conn.loop.call_later(self._expiry, self._sweep)

    def _discard(self, conn: Http1Connection) -> None:
        """Close ``conn`` and free its slot (once, however often this is called)."""
        if conn in self._all:
            self._all.discard(conn)
            self._release_slot()
        if not conn.dead:
            conn.fail(ConnectionBroken("closed by the pool", answer_started=False))

    def _release_slot(self) -> None:
        """A slot is free: promise it to the first waiter, or count it as free."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._slots -= 1

    def _lost(self, conn: Http1Connection) -> None:
        """``connection_lost`` of any connection: an idle one leaves the pool at once."""
        if conn in self._all:
            with contextlib.suppress(ValueError):
                self._idle.remove(conn)
            self._discard(conn)

    def _sweep(self) -> None:
        """Close idle connections past their expiry, oldest first; run again for the next one."""
        self._sweeper = None
        now = self._clock()
        idle = self._idle
        while idle and now - idle[0].idle_since >= self._expiry:
            self._discard(idle.popleft())
        if idle:
            delay = max(idle[0].idle_since + self._expiry - now, 0.001)
            self._sweeper = idle[0].loop.call_later(delay, self._sweep)


class _Watchdog:
    """One timer for the whole pool: it fires at the earliest deadline of any exchange in
    flight or caller in line, times out what is due, and re-arms for the next.

    A timer per call would cost a ``TimerHandle``, a heap push and a cancellation per call.
    An exchange's deadline is an attribute of its connection (``watch`` and ``forget`` set
    it), which the timer reads when it fires, so a call pays two attribute writes; and as
    the deadlines of calls made one after another only grow, the timer is re-armed about
    once per timeout rather than once per call.
    """

    def __init__(self, clock: Callable[[], float], conns: set[Http1Connection]) -> None:
        self._clock = clock
        self._conns = conns
        """The pool's connections (its own set, read when the timer fires)."""
        self._waiters: dict[asyncio.Future[Any], float] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._at = math.inf

    def watch(self, conn: Http1Connection, deadline: float) -> None:
        conn.deadline = deadline
        if deadline < self._at:
            self._arm(conn.loop, deadline)

    def forget(self, conn: Http1Connection) -> None:
        conn.deadline = math.inf

    def watch_waiter(self, waiter: asyncio.Future[Any], deadline: float) -> None:
        self._waiters[waiter] = deadline
        if deadline < self._at:
            self._arm(waiter.get_loop(), deadline)

    def forget_waiter(self, waiter: asyncio.Future[Any]) -> None:
        self._waiters.pop(waiter, None)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._at = math.inf
        self._waiters.clear()

    def _arm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._at = when
        self._timer = loop.call_later(max(when - self._clock(), 0.0), self._fire, loop)

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        self._at = math.inf
        now = self._clock()
        upcoming = math.inf
        for conn in list(self._conns):
            deadline = conn.deadline
            if deadline <= now:
                conn.deadline = math.inf
                conn.time_out()
            elif deadline < upcoming:
                upcoming = deadline
        for waiter, deadline in list(self._waiters.items()):
            if deadline <= now:
                del self._waiters[waiter]
                _expire(waiter)
            elif deadline < upcoming:
                upcoming = deadline
        if upcoming != math.inf:
            self._arm(loop, upcoming)


def _header_lines(items: tuple[tuple[str, str], ...]) -> str:
    """``name: value`` lines of a request's extra headers, refusing line breaks in them."""
    lines = "".join([f"{k}: {v}\r\n" for k, v in items])
    n = len(items)
    if lines.count("\n") != n or lines.count("\r") != n:
        raise errors.InvalidInput("headers", "a header name or value contains a line break")
    return lines


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(_QueueTimeout())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) and not str(exc):
        return "timed out"
    if isinstance(exc, _ConnectFailed | ConnectionBroken | BadAnswer):
        return str(exc)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
