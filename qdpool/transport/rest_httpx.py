"""REST over httpx, for users who already run httpx or want to hand in their own client.

The same wire format as the aiohttp transport (``codec_json``); only the
library differs. httpx costs several times aiohttp's client CPU per call, so it
is opt-in: ``connect(..., rest_transport="httpx")`` or
``connect(..., httpx_client=my_async_client)``. A client handed in is used as it
is (its limits, proxies and TLS settings) and is not closed by qdpool.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from typing import Any

import httpx

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


class HttpxTransport:
    """REST to one endpoint through an ``httpx.AsyncClient``."""

    protocol = "rest"

    def __init__(
        self,
        endpoint: Endpoint,
        config: PoolConfig | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint
        self._config = config or PoolConfig()
        self._base = endpoint.rest_url
        self._clock = clock
        self._owns_client = client is None
        self._closed = False
        self._headers = {"content-type": JSON_CONTENT_TYPE, "accept": JSON_CONTENT_TYPE}
        if client is None:
            verify: ssl.SSLContext | bool = (ssl_context or True) if endpoint.tls else False
            client = httpx.AsyncClient(
                limits=httpx.Limits(
                    max_connections=self._config.rest_connections,
                    max_keepalive_connections=self._config.rest_connections,
                    keepalive_expiry=self._config.keepalive_expiry,
                ),
                verify=verify,
                headers={"user-agent": "qdpool"},
                trust_env=False,
            )
        self._client = client

    async def start(self, *, verify: bool = True) -> None:
        """One request to ``/readyz`` (with ``verify``), to fail fast on a wrong address."""
        if not verify:
            return
        try:
            resp = await self._client.get(
                self._base + "/readyz", timeout=self._config.connect_timeout
            )
            await resp.aread()
        except httpx.HTTPError as exc:
            await self.aclose()
            raise errors.Unavailable(
                f"cannot reach Qdrant REST at {self._base}: {type(exc).__name__}: {exc}",
                protocol="rest",
                sent=False,
            ) from None

    async def send(self, call: Call) -> Any:
        if self._closed:
            raise errors.ClientClosed("REST transport is closed")
        op = call.operation
        timeout = call.attempt_deadline - self._clock()
        if timeout <= 0:
            raise errors.DeadlineExceeded(
                "no time left for the attempt", protocol="rest", sent=False
            )
        headers = self._headers | call.headers if call.headers else self._headers
        sent_before = call.sent
        call.sent = True
        try:
            if call.stream is None:
                resp = await self._client.request(
                    op.rest_method,
                    self._base + target_for(call, timeout),
                    content=encode_body(call),
                    headers=headers,
                    timeout=timeout,
                )
                raw = resp.content
                status = resp.status_code
                retry_after = resp.headers.get("retry-after") if status == 429 else None
            else:  # a snapshot file, streamed (qdpool.transport.streams)
                status, raw, retry_after = await streams.httpx_exchange(
                    self._client,
                    op.rest_method,
                    self._base + target_for(call, timeout),
                    headers,
                    call,
                    timeout,
                )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            call.sent = sent_before
            raise errors.Unavailable(
                f"cannot connect to {self._base}: {type(exc).__name__}: {exc}",
                protocol="rest",
                sent=False,
            ) from None
        except httpx.TimeoutException:
            raise errors.DeadlineExceeded(
                f"{op.name} attempt timed out after {timeout:.3f}s", protocol="rest"
            ) from None
        except httpx.HTTPError as exc:
            raise errors.Unavailable(
                f"{op.name} failed on the connection: {type(exc).__name__}: {exc}",
                protocol="rest",
                sent=None,
            ) from None
        return decode(call, status, raw, retry_after)

    def pool_stats(self) -> tuple[int, int, int] | None:
        """``(idle, used, waiting)`` connections of the pool, for telemetry; None when unknown.

        Read from httpcore's pool behind httpx's default transport; a client with a
        transport of its own reports nothing.
        """
        if self._closed:
            return None
        pool: Any = getattr(getattr(self._client, "_transport", None), "_pool", None)
        try:
            connections = pool.connections
            idle = sum(1 for c in connections if c.is_idle())
            waiting = sum(1 for r in pool._requests if r.connection is None)
        except (AttributeError, TypeError):
            return None
        return idle, len(connections) - idle, waiting

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._owns_client:
            await self._client.aclose()

    def __repr__(self) -> str:
        return f"<HttpxTransport {self._base} {'closed' if self._closed else 'open'}>"
