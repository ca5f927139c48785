"""Sizing each node's concurrency limit from the server: ``per_core`` x the node's cores.

How much a Qdrant node can do at once is bounded by its CPUs, not the client's,
so the default ``ConcurrencyPolicy`` (``limit="server"``) asks each node. Qdrant
reports the CPUs it may use in ``GET /telemetry`` as ``result.app.system.cores``
(from ``details_level=1`` on; at level 0 it leaves ``system`` out). The client
reads it once per node when it starts: one REST request with the API key,
outside the pipeline (no retry, no breaker, no spans), like the cluster's health
checks, bounded by ``TELEMETRY_TIMEOUT``.

When the cores cannot be read, the node gets the policy's ``fallback_limit``
(64) and the reason is logged and shown in ``repr`` of the ``Concurrency``
interceptor: a gRPC-only client (Qdrant's gRPC API has no telemetry), a key
without access to ``/telemetry`` (403), no answer in time, an answer without
``cores``. An explicit ``ConcurrencyPolicy(limit=n)`` reads nothing.

``size_from_server`` sizes every node the pipeline's ``Dispatch`` has transports
for (``Client.start`` calls it); ``size_node`` sizes one node (for nodes that
start later, e.g. ones a cluster discovers).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from qdpool.call import Call
from qdpool.dispatch import Dispatch
from qdpool.endpoint import Endpoint
from qdpool.errors import QdpoolError
from qdpool.interceptors.auth import Auth
from qdpool.interceptors.concurrency import Concurrency, Limiter
from qdpool.operations.spec import Operation
from qdpool.pipeline import Pipeline
from qdpool.transport.base import Transport

logger = logging.getLogger("qdpool")

TELEMETRY_TIMEOUT = 1.0
"""Seconds the client waits for a node's ``GET /telemetry`` at start before falling back."""


class CoresUnknown(QdpoolError):
    """A node's cores could not be read; the message says why."""


def cores_of(result: Any) -> int:
    """``app.system.cores`` of a ``GET /telemetry`` result; ``CoresUnknown`` if absent or bad."""
    app = result.get("app") if isinstance(result, dict) else None
    system = app.get("system") if isinstance(app, dict) else None
    cores = system.get("cores") if isinstance(system, dict) else None
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        raise CoresUnknown(f"the answer has no app.system.cores (got {cores!r})")
    return cores


TELEMETRY_SYSTEM: Operation[int] = Operation(
    "telemetry",
    "GET",
    "/telemetry?details_level=1",
    None,
    idempotent=True,
    read=True,
    decode_rest=cores_of,
)
"""``GET /telemetry`` at the level that includes ``app.system``, decoded to the core count."""


async def read_cores(
    endpoint: Endpoint,
    transports: Mapping[str, Transport],
    *,
    auth: Auth | None = None,
    clock: Callable[[], float] = time.monotonic,
    timeout: float = TELEMETRY_TIMEOUT,
) -> int:
    """The cores ``endpoint`` reports; raises ``CoresUnknown`` or an ``ApiError`` if unreadable."""
    transport = transports.get("rest")
    if transport is None:
        raise CoresUnknown("no REST transport (Qdrant's gRPC API has no telemetry)")
    call = Call(TELEMETRY_SYSTEM, None, "rest", None, None, clock() + timeout, endpoint)
    try:
        async with asyncio.timeout(timeout):
            if auth is not None:
                cores: int = await auth(call, transport.send)
            else:
                cores = await transport.send(call)
    except TimeoutError:
        raise CoresUnknown(f"no answer within {timeout:g}s") from None
    return cores


async def size_node(
    concurrency: Concurrency,
    endpoint: Endpoint,
    transports: Mapping[str, Transport],
    *,
    auth: Auth | None = None,
    clock: Callable[[], float] = time.monotonic,
    timeout: float = TELEMETRY_TIMEOUT,
) -> Limiter:
    """Set ``endpoint``'s limit from its cores, or to the fallback; never raises for a read."""
    policy = concurrency.policy
    if not policy.sized_from_server:
        return concurrency.limiter(endpoint)
    try:
        cores = await read_cores(endpoint, transports, auth=auth, clock=clock, timeout=timeout)
    except QdpoolError as error:
        limit = policy.limit_for(None)
        logger.info(
            "qdpool: concurrency limit for %s is the fallback %d: GET /telemetry: %s",
            endpoint,
            limit,
            error,
        )
        return concurrency.set_limit(
            endpoint, limit, sized=f"fallback {limit}: GET /telemetry unreadable ({error})"
        )
    limit = policy.limit_for(cores)
    logger.debug("qdpool: concurrency limit for %s is %d (%d cores)", endpoint, limit, cores)
    return concurrency.set_limit(
        endpoint, limit, sized=f"{policy.per_core} x {cores} cores (GET /telemetry)"
    )


async def size_from_server(
    pipeline: Pipeline,
    *,
    clock: Callable[[], float] = time.monotonic,
    timeout: float = TELEMETRY_TIMEOUT,
) -> dict[Endpoint, int]:
    """Size the limit of every node the pipeline's ``Dispatch`` has transports for, at once.

    Does nothing (an empty result) without a ``Concurrency`` interceptor, with an
    explicit limit, or when the pipeline does not end in a ``Dispatch``.
    """
    concurrency = pipeline.find(Concurrency)
    terminal = pipeline.terminal
    if (
        concurrency is None
        or not concurrency.policy.sized_from_server
        or not isinstance(terminal, Dispatch)
    ):
        return {}
    auth = pipeline.find(Auth)
    nodes = list(terminal.transports.items())
    limiters = await asyncio.gather(
        *(
            size_node(concurrency, endpoint, by_protocol, auth=auth, clock=clock, timeout=timeout)
            for endpoint, by_protocol in nodes
        )
    )
    return {endpoint: limiter.limit for (endpoint, _), limiter in zip(nodes, limiters, strict=True)}
