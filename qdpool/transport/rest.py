"""REST over aiohttp: keep-alive HTTP/1.1 with orjson (``rest_transport="aiohttp"``).

aiohttp spends a fraction of httpx's client CPU per call, and qdpool's own
``http1`` transport (the default) about half of aiohttp's (see
docs/performance.md). Idle connections expire
after ``PoolConfig.keepalive_expiry`` (below Qdrant's 5 s), so a request is not
written to a connection the server is about to close.

When a connection breaks under a request (reset, server gone), the other idle
connections in the pool are likely dead too (a restarted or failed-over node),
and a retry would pick one and fail again within a millisecond. So the pool is
refreshed: new requests go to a fresh session, and the old one is closed once
its last request has finished. Refreshes happen at most once per second.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from qdpool import errors
from qdpool.call import Call
from qdpool.config import PoolConfig
from qdpool.endpoint import Endpoint
from qdpool.transport import streams
from qdpool.transport.codec_json import (
    JSON_CONTENT_TYPE,
    decode,
    encode_body,
    target_for,
)

REFRESH_INTERVAL = 1.0
"""The least time between two pool refreshes, so an outage cannot churn sessions."""


class _Session:
    """One ``aiohttp.ClientSession`` and the number of requests using it."""

    __slots__ = ("in_flight", "session")

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session
        self.in_flight = 0


class AiohttpTransport:
    """REST to one endpoint through a pooled ``aiohttp.ClientSession``."""

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
        self._ssl: ssl.SSLContext | bool = (
            (ssl_context or ssl.create_default_context()) if endpoint.tls else False
        )
        self._clock = clock
        self._current: _Session | None = None
        self._retired: set[_Session] = set()
        self._closing: set[asyncio.Task[None]] = set()
        self._refreshed_at = float("-inf")
        self._closed = False
        self._headers = {
            "content-type": JSON_CONTENT_TYPE,
            "accept": JSON_CONTENT_TYPE,
            "user-agent": "qdpool",
        }

    async def start(self, *, verify: bool = True) -> None:
        """Open the session and (``verify``) make one request to ``/readyz`` to fail fast on
        a bad address."""
        session = self._slot().session
        if not verify:
            return
        try:
            timeout = aiohttp.ClientTimeout(total=self._config.connect_timeout)
            async with session.get(self._base + "/readyz", timeout=timeout) as resp:
                await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            await self.aclose()
            raise errors.Unavailable(
                f"cannot reach Qdrant REST at {self._base}: {_describe(exc)}",
                protocol="rest",
                sent=False,
            ) from None

    def _slot(self) -> _Session:
        if self._closed:
            raise errors.ClientClosed("REST transport is closed")
        if self._current is None:
            connector = aiohttp.TCPConnector(
                limit=self._config.rest_connections,
                keepalive_timeout=self._config.keepalive_expiry,
                ssl=self._ssl,
                ttl_dns_cache=300,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                skip_auto_headers=("User-Agent",),
                headers=self._headers,
            )
            # aiohttp quietly re-sends a GET, PUT or DELETE whose reused connection dropped.
            # Qdrant's PUT and DELETE of a collection are not idempotent, and a hidden re-send
            # would also escape the retry budget and telemetry: retries are qdpool's to make.
            # aiohttp has no public switch for it; this attribute is the one it reads.
            if hasattr(session, "_retry_connection"):
                session._retry_connection = False
            self._current = _Session(session)
        return self._current

    async def send(self, call: Call) -> Any:
        slot = self._current or self._slot()
        op = call.operation
        timeout = call.attempt_deadline - self._clock()
        if timeout <= 0:
            raise errors.DeadlineExceeded(
                "no time left for the attempt", protocol="rest", sent=False
            )
        sent_before = call.sent
        call.sent = True
        slot.in_flight += 1
        try:
            if call.stream is None:
                async with slot.session.request(
                    op.rest_method,
                    self._base + target_for(call, timeout),
                    data=encode_body(call),
                    headers=call.headers,
                    timeout=aiohttp.ClientTimeout(total=timeout),
                ) as resp:
                    raw = await resp.read()
                    status = resp.status
                    retry_after = resp.headers.get("Retry-After") if status == 429 else None
            else:  # a snapshot file, streamed (qdpool.transport.streams)
                status, raw, retry_after = await streams.aiohttp_exchange(
                    slot.session,
                    op.rest_method,
                    self._base + target_for(call, timeout),
                    call,
                    aiohttp.ClientTimeout(total=timeout),
                )
        except aiohttp.ClientConnectorError as exc:
            call.sent = sent_before
            raise errors.Unavailable(
                f"cannot connect to {self._base}: {_describe(exc)}", protocol="rest", sent=False
            ) from None
        except TimeoutError:
            raise errors.DeadlineExceeded(
                f"{op.name} attempt timed out after {timeout:.3f}s", protocol="rest"
            ) from None
        except aiohttp.ClientError as exc:
            self._refresh(slot)
            raise errors.Unavailable(
                f"{op.name} failed on the connection: {_describe(exc)}", protocol="rest", sent=None
            ) from None
        finally:
            slot.in_flight -= 1
            if not slot.in_flight and slot in self._retired:
                self._retired.discard(slot)
                self._close_later(slot)
        return decode(call, status, raw, retry_after)

    def _refresh(self, broken: _Session) -> None:
        """Send new requests to a fresh session; close ``broken`` once it is idle."""
        now = self._clock()
        if broken is not self._current or now - self._refreshed_at < REFRESH_INTERVAL:
            return
        self._refreshed_at = now
        self._current = None
        self._retired.add(broken)

    def _close_later(self, slot: _Session) -> None:
        task = asyncio.get_running_loop().create_task(slot.session.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def pool_stats(self) -> tuple[int, int, int] | None:
        """``(idle, used, waiting)`` connections of the pool, for telemetry; None when closed.

        aiohttp has no public pool counters, so this reads its connector's
        bookkeeping and reports nothing if that ever changes shape.
        """
        slot = self._current
        if slot is None or self._closed:
            return None
        connector: Any = slot.session.connector
        try:
            idle = sum(len(conns) for conns in connector._conns.values())
            used = len(connector._acquired)
            waiting = sum(len(waiters) for waiters in connector._waiters.values())
        except (AttributeError, TypeError):
            return None
        return idle, used, waiting

    async def aclose(self) -> None:
        """Close every session (in-flight requests on them fail) and wait for retired ones."""
        self._closed = True
        slots = [*self._retired, *([self._current] if self._current else [])]
        self._current = None
        self._retired.clear()
        for slot in slots:
            await slot.session.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("open" if self._current else "idle")
        return f"<AiohttpTransport {self._base} {state}>"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
