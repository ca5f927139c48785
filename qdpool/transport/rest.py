"""REST over aiohttp: keep-alive HTTP/1.1 with orjson, the default REST transport.

aiohttp spends about a seventh of httpx's client CPU per call here (see
docs/performance.md), which is why it is the default. Idle connections expire
after ``PoolConfig.keepalive_expiry`` (below Qdrant's 5 s), so a request is not
written to a connection the server is about to close.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from qdpool import errors
from qdpool.call import Call
from qdpool.config import PoolConfig
from qdpool.endpoint import Endpoint
from qdpool.transport.codec_json import JSON_CONTENT_TYPE, decode, encode_body, path_for


class AiohttpTransport:
    """REST to one endpoint through one pooled ``aiohttp.ClientSession``."""

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
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self._headers = {"content-type": JSON_CONTENT_TYPE, "accept": JSON_CONTENT_TYPE}

    async def start(self) -> None:
        """Open the session and make one request to ``/readyz`` to fail fast on a bad address."""
        self._ensure_session()
        assert self._session is not None
        try:
            timeout = aiohttp.ClientTimeout(total=self._config.connect_timeout)
            async with self._session.get(self._base + "/readyz", timeout=timeout) as resp:
                await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            await self.aclose()
            raise errors.Unavailable(
                f"cannot reach Qdrant REST at {self._base}: {_describe(exc)}",
                protocol="rest",
                sent=False,
            ) from None

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise errors.ClientClosed("REST transport is closed")
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._config.rest_connections,
                keepalive_timeout=self._config.keepalive_expiry,
                ssl=self._ssl,
                ttl_dns_cache=300,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                json_serialize=lambda _: "",  # never used: bodies are encoded with orjson
                skip_auto_headers=("User-Agent",),
                headers={"user-agent": "qdpool"},
            )
        return self._session

    async def send(self, call: Call) -> Any:
        session = self._session or self._ensure_session()
        op = call.operation
        timeout = call.attempt_deadline - self._clock()
        if timeout <= 0:
            raise errors.DeadlineExceeded(
                "no time left for the attempt", protocol="rest", sent=False
            )
        headers = self._headers | call.headers if call.headers else self._headers
        call.sent = True
        try:
            async with session.request(
                op.rest_method,
                self._base + path_for(call),
                data=encode_body(call),
                params=call.params,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as resp:
                raw = await resp.read()
                status = resp.status
                retry_after = resp.headers.get("Retry-After") if status == 429 else None
        except aiohttp.ClientConnectorError as exc:
            call.sent = False
            raise errors.Unavailable(
                f"cannot connect to {self._base}: {_describe(exc)}", protocol="rest", sent=False
            ) from None
        except TimeoutError:
            raise errors.DeadlineExceeded(
                f"{op.name} attempt timed out after {timeout:.3f}s", protocol="rest"
            ) from None
        except aiohttp.ClientError as exc:
            raise errors.Unavailable(
                f"{op.name} failed on the connection: {_describe(exc)}", protocol="rest", sent=None
            ) from None
        return decode(call, status, raw, retry_after)

    def pool_stats(self) -> tuple[int, int, int] | None:
        """``(idle, used, waiting)`` connections of the pool, for telemetry; None when closed.

        aiohttp has no public pool counters, so this reads its connector's
        bookkeeping and reports nothing if that ever changes shape.
        """
        session = self._session
        if session is None or self._closed:
            return None
        connector: Any = session.connector
        try:
            idle = sum(len(conns) for conns in connector._conns.values())
            used = len(connector._acquired)
            waiting = sum(len(waiters) for waiters in connector._waiters.values())
        except (AttributeError, TypeError):
            return None
        return idle, used, waiting

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("open" if self._session else "idle")
        return f"<AiohttpTransport {self._base} {state}>"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
