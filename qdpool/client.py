"""``connect()`` and ``Client``: Qdrant's operations over pooled REST and gRPC.

Data flows one way: a method validates its arguments (raising ``InvalidInput``
before anything is sent), builds one ``Call`` in Qdrant's REST JSON shape, and
awaits the pipeline; the transport at its end encodes for its protocol, sends,
and decodes into the same typed result on either protocol.

>>> async with qdpool.connect("http://localhost:6333", api_key="...") as client:
...     await client.create_collection("docs", size=384)
...     hits = await client.query_points("docs", vector, limit=3, protocol="grpc")
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import httpx
import orjson
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from qdpool import call as ops
from qdpool import validate
from qdpool.call import Call, Operation
from qdpool.config import PoolConfig
from qdpool.endpoint import Endpoint
from qdpool.errors import ClientClosed, InvalidInput
from qdpool.events import Observer
from qdpool.interceptors.auth import Auth
from qdpool.interceptors.deadline import Deadline
from qdpool.interceptors.resilience import resilience_chain
from qdpool.models import (
    CollectionInfo,
    Filter,
    HealthInfo,
    PointId,
    Record,
    ScoredPoint,
    SnapshotInfo,
    UpdateResult,
)
from qdpool.pipeline import Interceptor, Pipeline
from qdpool.policies import (
    BreakerPolicy,
    ConcurrencyPolicy,
    FallbackPolicy,
    HedgePolicy,
    RateLimitPolicy,
    RetryBudgetPolicy,
    RetryPolicy,
)
from qdpool.telemetry import Telemetry, combine
from qdpool.transport.base import Transport
from qdpool.transport.grpc import GrpcTransport
from qdpool.transport.rest import AiohttpTransport
from qdpool.transport.rest_httpx import HttpxTransport

logger = logging.getLogger("qdpool")

DEFAULT_URL = "http://localhost:6333"
DEFAULT_TIMEOUT = 5.0
MAX_REST_BODY = 32 * 1024 * 1024
"""Qdrant's REST body cap (``service.max_request_size_mb``, 32 MiB by default)."""
MAX_GRPC_MESSAGE = 16 * 1024 * 1024
"""qdpool's own bound on one gRPC upsert message, to keep memory and latency per message sane."""

_UNSET: Any = object()


class Dispatch:
    """The pipeline's terminal: sends the call through its endpoint's transport for its protocol."""

    name = "transport"
    __slots__ = ("_transports",)

    def __init__(self, transports: dict[Endpoint, dict[str, Transport]]) -> None:
        self._transports = transports

    def __call__(self, call: Call) -> Any:
        try:
            transport = self._transports[call.endpoint][call.protocol]
        except KeyError:
            raise ClientClosed(
                f"no {call.protocol} transport for {call.endpoint}; is the client started, "
                f"and is {call.protocol!r} among its protocols?"
            ) from None
        return transport.send(call)


class Client:
    """A pooled, intercepted connection to one Qdrant node over REST and gRPC.

    Build it with ``qdpool.connect()``; use it as an async context manager (or call
    ``start()`` and ``close()``). Every method takes keyword overrides ``protocol=``
    (``"rest"`` or ``"grpc"``) and ``timeout=`` (seconds, for the whole call, retries
    included).

    Resilience (docs/resilience.md): ``retry``, ``retry_budget``, ``breaker`` and
    ``concurrency`` are on by default; ``rate_limit``, ``hedge`` and ``fallback`` are
    off unless given; pass None to turn one off. ``observer`` receives their events;
    ``rng`` seeds the backoff jitter. ``qdpool.override()`` changes the retry or hedge
    policy for some calls without touching these defaults.

    Telemetry (docs/observability.md): with ``telemetry=True`` (the default) every
    call is traced and measured through ``tracer_provider`` and ``meter_provider``,
    the global OpenTelemetry providers when None (no-ops until an SDK is set up).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        api_key: str | None = None,
        protocol: str = "rest",
        protocols: Sequence[str] = ("rest", "grpc"),
        timeout: float = DEFAULT_TIMEOUT,
        pool: PoolConfig | None = None,
        rest_transport: str = "aiohttp",
        httpx_client: httpx.AsyncClient | None = None,
        ssl_context: ssl.SSLContext | None = None,
        interceptors: Sequence[Interceptor] = (),
        transports: Mapping[str, Transport] | None = None,
        max_rest_body: int = MAX_REST_BODY,
        max_grpc_message: int = MAX_GRPC_MESSAGE,
        clock: Callable[[], float] = time.monotonic,
        retry: RetryPolicy | None = RetryPolicy(),  # noqa: B008 (frozen value objects)
        retry_budget: RetryBudgetPolicy | None = RetryBudgetPolicy(),  # noqa: B008
        breaker: BreakerPolicy | None = BreakerPolicy(),  # noqa: B008
        concurrency: ConcurrencyPolicy | None = ConcurrencyPolicy(),  # noqa: B008
        rate_limit: RateLimitPolicy | None = None,
        hedge: HedgePolicy | None = None,
        fallback: FallbackPolicy | None = None,
        observer: Observer | None = None,
        rng: random.Random | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        telemetry: bool = True,
    ) -> None:
        self.endpoint = endpoint
        self.protocol = validate.protocol(protocol)
        self.protocols = tuple(validate.protocol(p) for p in protocols)
        if self.protocol not in self.protocols:
            raise InvalidInput("protocol", f"{protocol!r} is not among protocols={self.protocols}")
        self.timeout = validate.timeout(timeout)
        self.pool_config = pool or PoolConfig()
        if rest_transport not in ("aiohttp", "httpx"):
            raise InvalidInput(
                "rest_transport", f"must be 'aiohttp' or 'httpx', not {rest_transport!r}"
            )
        if httpx_client is not None:
            rest_transport = "httpx"
        self.rest_transport = rest_transport
        self._max_rest_body = validate.positive_int(max_rest_body, "max_rest_body", minimum=1024)
        self._max_grpc_message = validate.positive_int(
            max_grpc_message, "max_grpc_message", minimum=1024
        )
        self._clock = clock
        if api_key is not None and not endpoint.tls and not endpoint.is_loopback:
            logger.warning(
                "qdpool: the API key will travel in plaintext to %s; use an https:// URL "
                "to send it over TLS",
                endpoint.host,
            )
        self.transports = (
            dict(transports)
            if transports is not None
            else self._open_transports(endpoint, rest_transport, httpx_client, ssl_context, clock)
        )
        self._telemetry = (
            Telemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)
            if telemetry
            else None
        )
        head: list[Interceptor] = []
        if self._telemetry is not None:
            head.append(self._telemetry.call_interceptor)
            observer = combine(self._telemetry.observer, observer)
            self._telemetry.watch_pools(endpoint, self.transports, self.pool_config)
        chain: list[Interceptor] = [*head, *interceptors, Deadline(clock)]
        chain += resilience_chain(
            retry=retry,
            retry_budget=retry_budget,
            breaker=breaker,
            concurrency=concurrency,
            rate_limit=rate_limit,
            hedge=hedge,
            fallback=fallback,
            protocols=self.protocols,
            observer=observer,
            rng=rng,
            clock=clock,
        )
        if self._telemetry is not None:
            chain.append(self._telemetry.attempt_interceptor)
        if api_key is not None:
            chain.append(Auth(api_key))
        self.pipeline = Pipeline(chain, Dispatch({endpoint: self.transports}))
        self._started = False
        self._closed = False

    def _open_transports(
        self,
        endpoint: Endpoint,
        rest_transport: str,
        httpx_client: httpx.AsyncClient | None,
        ssl_context: ssl.SSLContext | None,
        clock: Callable[[], float],
    ) -> dict[str, Transport]:
        transports: dict[str, Transport] = {}
        if "rest" in self.protocols:
            if rest_transport == "httpx":
                transports["rest"] = HttpxTransport(
                    endpoint,
                    self.pool_config,
                    client=httpx_client,
                    ssl_context=ssl_context,
                    clock=clock,
                )
            else:
                transports["rest"] = AiohttpTransport(
                    endpoint, self.pool_config, ssl_context=ssl_context, clock=clock
                )
        if "grpc" in self.protocols:
            transports["grpc"] = GrpcTransport(endpoint, self.pool_config, clock=clock)
        return transports

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> Client:
        """Open and health-check every transport; fails fast naming an unreachable address."""
        if self._closed:
            raise ClientClosed("client is closed")
        if self._started:
            return self
        try:
            for transport in self.transports.values():
                await transport.start()
        except BaseException:
            await self.close()
            raise
        self._started = True
        return self

    async def close(self) -> None:
        """Close every connection and task this client opened. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._telemetry is not None:
            self._telemetry.close()
        for transport in self.transports.values():
            await transport.aclose()

    async def __aenter__(self) -> Client:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("started" if self._started else "new")
        parts = ", ".join(repr(t) for t in self.transports.values())
        return f"<qdpool.Client {self.endpoint} default={self.protocol} {state}: {parts}>"

    # ------------------------------------------------------------ plumbing

    def _call(
        self,
        operation: Operation,
        collection: str | None,
        body: dict[str, Any] | None,
        params: dict[str, str] | None,
        protocol: str | None,
        timeout: float | None,
        encoded: bytes | None = None,
    ) -> Any:
        if self._closed:
            raise ClientClosed("client is closed")
        proto = self.protocol if protocol is None else validate.protocol(protocol)
        if operation.grpc_method is None:
            proto = "rest"  # Qdrant has no gRPC method for this operation
        elif proto not in self.transports:
            raise InvalidInput("protocol", f"{proto!r} is not among this client's protocols")
        budget = self.timeout if timeout is None else validate.timeout(timeout)
        call = Call(
            operation,
            collection,
            proto,
            body,
            params,
            self._clock() + budget,
            self.endpoint,
            encoded,
        )
        return self.pipeline(call)

    # ------------------------------------------------------------ collections

    async def create_collection(
        self,
        collection_name: str,
        *,
        size: int,
        distance: str = "Cosine",
        on_disk: bool | None = None,
        protocol: str | None = None,
        timeout: float | None = None,
        **config: Any,
    ) -> bool:
        """Create a collection with one dense vector of ``size`` dimensions.

        Extra keyword arguments (``shard_number``, ``replication_factor``,
        ``on_disk_payload``) go into the request as Qdrant names them.
        """
        name = validate.collection_name(collection_name)
        vectors: dict[str, Any] = {
            "size": validate.positive_int(size, "size"),
            "distance": validate.distance(distance),
        }
        if on_disk is not None:
            vectors["on_disk"] = bool(on_disk)
        body: dict[str, Any] = {"vectors": vectors}
        for key, value in config.items():
            if key not in _COLLECTION_OPTIONS:
                raise InvalidInput(
                    key, f"unknown collection option; expected one of {_COLLECTION_OPTIONS}"
                )
            body[key] = value
        result: bool = await self._call(ops.CREATE_COLLECTION, name, body, None, protocol, timeout)
        return result

    async def list_collections(
        self, *, protocol: str | None = None, timeout: float | None = None
    ) -> list[str]:
        result: list[str] = await self._call(
            ops.LIST_COLLECTIONS, None, None, None, protocol, timeout
        )
        return result

    async def get_collection(
        self, collection_name: str, *, protocol: str | None = None, timeout: float | None = None
    ) -> CollectionInfo:
        name = validate.collection_name(collection_name)
        result: CollectionInfo = await self._call(
            ops.GET_COLLECTION, name, None, None, protocol, timeout
        )
        return result

    async def collection_exists(
        self, collection_name: str, *, protocol: str | None = None, timeout: float | None = None
    ) -> bool:
        name = validate.collection_name(collection_name)
        result: bool = await self._call(ops.COLLECTION_EXISTS, name, None, None, protocol, timeout)
        return result

    async def delete_collection(
        self, collection_name: str, *, protocol: str | None = None, timeout: float | None = None
    ) -> bool:
        """Delete a collection; False (not an error) when it did not exist."""
        name = validate.collection_name(collection_name)
        result: bool = await self._call(ops.DELETE_COLLECTION, name, None, None, protocol, timeout)
        return result

    # ------------------------------------------------------------ points

    async def upsert(
        self,
        collection_name: str,
        points: Iterable[Any],
        *,
        wait: bool = True,
        protocol: str | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Insert or replace points: dicts ``{"id", "vector", "payload"}`` or ``qdpool.Point``.

        Every point is checked before anything is sent. A batch too large for one
        request is split by encoded size into ordered requests (REST: under Qdrant's
        32 MiB body cap; gRPC: messages of at most 16 MiB), encoded one request at a
        time so memory holds one request's bytes, sent one after another, and
        reported as one result. Upserts with explicit ids are idempotent, so each
        request may be retried on its own; ``timeout`` applies to each request.
        """
        name = validate.collection_name(collection_name)
        checked = validate.points(points)
        proto = self.protocol if protocol is None else validate.protocol(protocol)
        return await self._upsert_checked(name, checked, wait, proto, timeout)

    async def upload_points(
        self,
        collection_name: str,
        points: Iterable[Any],
        *,
        batch_size: int = 1000,
        parallel: int = 4,
        wait: bool = True,
        protocol: str | None = None,
        timeout: float | None = None,
    ) -> int:
        """Upsert a large or endless stream of points in batches, ``parallel`` at a time.

        ``points`` is consumed lazily (a generator of millions of points is fine):
        each batch of ``batch_size`` is checked just before it is sent, then split by
        encoded size like ``upsert``. At most ``parallel`` batches are in flight, so
        memory stays bounded. On the first failure the batches still in flight are
        cancelled and the error is raised; batches already acknowledged stay written
        (upserts are idempotent: run it again to finish). Batches may complete out of
        order, so an id repeated in two batches may end with either version.

        Returns the number of points written.
        """
        name = validate.collection_name(collection_name)
        size = validate.positive_int(batch_size, "batch_size")
        width = validate.positive_int(parallel, "parallel")
        proto = self.protocol if protocol is None else validate.protocol(protocol)
        slots = asyncio.Semaphore(width)
        written = 0

        async def send(batch: list[dict[str, Any]]) -> None:
            try:
                await self._upsert_checked(name, batch, wait, proto, timeout)
            finally:
                slots.release()

        batches = _batches(points, size)
        try:
            async with asyncio.TaskGroup() as group:
                while True:
                    await slots.acquire()  # before reading: at most `parallel` batches held
                    start, batch = next(batches, (0, []))
                    if not batch:
                        slots.release()
                        break
                    checked = validate.points(batch, start=start)
                    group.create_task(send(checked))
                    written += len(checked)
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return written

    async def _upsert_checked(
        self,
        name: str,
        points: list[dict[str, Any]],
        wait: bool,
        protocol: str,
        timeout: float | None,
    ) -> UpdateResult:
        params = {"wait": "true" if wait else "false"}
        result: UpdateResult | None = None
        requests = 0
        completed = True
        for body, encoded in self._upsert_requests(points, protocol):
            result = await self._call(ops.UPSERT, name, body, params, protocol, timeout, encoded)
            requests += 1
            completed = completed and result.status == "completed"
        assert result is not None  # validate.points refuses an empty list
        if requests > 1 and not completed and result.status == "completed":
            return UpdateResult(result.operation_id, "acknowledged")
        return result

    def _upsert_requests(
        self, points: list[dict[str, Any]], protocol: str
    ) -> Iterator[tuple[dict[str, Any], bytes | None]]:
        """The request bodies of an upsert, each small enough for one request, made lazily.

        REST bodies come pre-encoded: each point is encoded once, straight into the
        body of its request, and those bytes are what is sent; only one request's
        bytes exist at a time. A point that alone exceeds the cap is refused before anything
        is sent when its vector alone shows it (the payload's share is found on the
        way).
        """
        if protocol != "rest":
            yield from _grpc_chunks(points, self._max_grpc_message)
            return
        head, tail = b'{"points":[', b"]}"
        limit = self._max_rest_body - len(head) - len(tail)
        for i, point in enumerate(points):
            if _MIN_JSON_BYTES_PER_FLOAT * _float_count(point) > limit:
                raise _too_large(i, self._max_rest_body)
        start = 0
        body = bytearray(head)
        for i, point in enumerate(points):
            item = orjson.dumps(point)
            if len(item) + 1 > limit:
                raise _too_large(i, self._max_rest_body)
            if len(body) + len(item) + len(tail) > self._max_rest_body and i > start:
                body[-1:] = tail  # the last point's comma becomes the closing brackets
                encoded, body = bytes(body), bytearray(head)
                yield {"points": points[start:i]}, encoded
                start = i
            body += item
            body += b","
        body[-1:] = tail
        yield {"points": points[start:]}, bytes(body)

    async def retrieve(
        self,
        collection_name: str,
        ids: Iterable[PointId],
        *,
        with_payload: bool | list[str] = True,
        with_vector: bool | list[str] = False,
        protocol: str | None = None,
        timeout: float | None = None,
    ) -> list[Record]:
        """Points by id; ids that do not exist are left out."""
        name = validate.collection_name(collection_name)
        body = {
            "ids": validate.point_ids(ids),
            "with_payload": validate.with_flag(with_payload, "with_payload"),
            "with_vector": validate.with_flag(with_vector, "with_vector"),
        }
        result: list[Record] = await self._call(ops.RETRIEVE, name, body, None, protocol, timeout)
        return result

    async def count(
        self,
        collection_name: str,
        *,
        filter: Filter | None = None,
        exact: bool = True,
        protocol: str | None = None,
        timeout: float | None = None,
    ) -> int:
        name = validate.collection_name(collection_name)
        body: dict[str, Any] = {"exact": bool(exact)}
        checked = validate.filter_(filter)
        if checked is not None:
            body["filter"] = checked
        result: int = await self._call(ops.COUNT, name, body, None, protocol, timeout)
        return result

    async def delete(
        self,
        collection_name: str,
        *,
        ids: Iterable[PointId] | None = None,
        filter: Filter | None = None,
        wait: bool = True,
        protocol: str | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Delete points by ``ids`` or by ``filter`` (exactly one of them)."""
        name = validate.collection_name(collection_name)
        if (ids is None) == (filter is None):
            raise InvalidInput("ids/filter", "give exactly one of ids= or filter=")
        body: dict[str, Any]
        if ids is not None:
            body = {"points": validate.point_ids(ids)}
        else:
            body = {"filter": validate.filter_(filter)}
        params = {"wait": "true" if wait else "false"}
        result: UpdateResult = await self._call(
            ops.DELETE_POINTS, name, body, params, protocol, timeout
        )
        return result

    async def query_points(
        self,
        collection_name: str,
        query: Any,
        *,
        filter: Filter | None = None,
        limit: int = 10,
        offset: int | None = None,
        with_payload: bool | list[str] = True,
        with_vector: bool | list[str] = False,
        score_threshold: float | None = None,
        protocol: str | None = None,
        timeout: float | None = None,
    ) -> list[ScoredPoint]:
        """Nearest points to ``query``: a dense vector, or the id of a stored point."""
        name = validate.collection_name(collection_name)
        body: dict[str, Any] = {
            "query": validate.query(query),
            "limit": validate.positive_int(limit, "limit"),
            "with_payload": validate.with_flag(with_payload, "with_payload"),
            "with_vector": validate.with_flag(with_vector, "with_vector"),
        }
        checked = validate.filter_(filter)
        if checked is not None:
            body["filter"] = checked
        if offset is not None:
            body["offset"] = validate.positive_int(offset, "offset", minimum=0)
        threshold = validate.score_threshold(score_threshold)
        if threshold is not None:
            body["score_threshold"] = threshold
        result: list[ScoredPoint] = await self._call(
            ops.QUERY_POINTS, name, body, None, protocol, timeout
        )
        return result

    async def scroll(
        self,
        collection_name: str,
        *,
        limit: int = 10,
        offset: PointId | None = None,
        filter: Filter | None = None,
        with_payload: bool | list[str] = True,
        with_vector: bool | list[str] = False,
        protocol: str | None = None,
        timeout: float | None = None,
    ) -> tuple[list[Record], PointId | None]:
        """One page of points in id order, and the offset of the next page (None at the end)."""
        name = validate.collection_name(collection_name)
        body: dict[str, Any] = {
            "limit": validate.positive_int(limit, "limit"),
            "with_payload": validate.with_flag(with_payload, "with_payload"),
            "with_vector": validate.with_flag(with_vector, "with_vector"),
        }
        if offset is not None:
            body["offset"] = validate.point_id(offset, "offset")
        checked = validate.filter_(filter)
        if checked is not None:
            body["filter"] = checked
        result: tuple[list[Record], PointId | None] = await self._call(
            ops.SCROLL, name, body, None, protocol, timeout
        )
        return result

    async def scroll_all(
        self,
        collection_name: str,
        *,
        page_size: int = 256,
        filter: Filter | None = None,
        with_payload: bool | list[str] = True,
        with_vector: bool | list[str] = False,
        protocol: str | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[Record]:
        """Every point (matching ``filter``), page by page; ``timeout`` applies to each page."""
        offset: PointId | None = None
        while True:
            records, offset = await self.scroll(
                collection_name,
                limit=page_size,
                offset=offset,
                filter=filter,
                with_payload=with_payload,
                with_vector=with_vector,
                protocol=protocol,
                timeout=timeout,
            )
            for record in records:
                yield record
            if offset is None:
                return

    # ------------------------------------------------------------ snapshots, cluster, health

    async def create_snapshot(
        self, collection_name: str, *, protocol: str | None = None, timeout: float | None = None
    ) -> SnapshotInfo:
        name = validate.collection_name(collection_name)
        result: SnapshotInfo = await self._call(
            ops.CREATE_SNAPSHOT, name, None, None, protocol, timeout
        )
        return result

    async def list_snapshots(
        self, collection_name: str, *, protocol: str | None = None, timeout: float | None = None
    ) -> list[SnapshotInfo]:
        name = validate.collection_name(collection_name)
        result: list[SnapshotInfo] = await self._call(
            ops.LIST_SNAPSHOTS, name, None, None, protocol, timeout
        )
        return result

    async def cluster_status(
        self, *, protocol: str | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Cluster status (``{"status": "disabled"}`` on a single node).

        Qdrant has no gRPC method for this, so it always goes over REST.
        """
        result: dict[str, Any] = await self._call(
            ops.CLUSTER_STATUS, None, None, None, protocol, timeout
        )
        return result

    async def health(
        self, *, protocol: str | None = None, timeout: float | None = None
    ) -> HealthInfo:
        """The server's title and version (``GET /`` or ``qdrant.Qdrant/HealthCheck``)."""
        result: HealthInfo = await self._call(ops.HEALTH, None, None, None, protocol, timeout)
        return result


_COLLECTION_OPTIONS = (
    "shard_number",
    "replication_factor",
    "on_disk_payload",
    "write_consistency_factor",
)


_MIN_JSON_BYTES_PER_FLOAT = 2
"""A float takes at least two bytes in JSON (a digit and a comma), whatever its value."""


def _float_count(point: dict[str, Any]) -> int:
    vector = point["vector"]
    return len(vector) if isinstance(vector, list) else sum(len(v) for v in vector.values())


def _too_large(index: int, cap: int) -> InvalidInput:
    return InvalidInput(f"points[{index}]", f"encodes to more than the {cap}-byte REST cap")


def _batches(points: Iterable[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    """``(index of the first, batch)`` for consecutive batches of ``size`` items."""
    if isinstance(points, Mapping | str | bytes) or not isinstance(points, Iterable):
        raise InvalidInput("points", "must be an iterable of points")
    iterator = iter(points)
    start = 0
    while batch := list(itertools.islice(iterator, size)):
        yield start, batch
        start += len(batch)


def _grpc_chunks(
    points: list[dict[str, Any]], limit: int
) -> Iterator[tuple[dict[str, Any], bytes | None]]:
    start, size = 0, 0
    for i, point in enumerate(points):
        cost = _proto_size_estimate(point)
        if size + cost > limit and i > start:
            yield {"points": points[start:i]}, None
            start, size = i, 0
        size += cost
    yield {"points": points[start:]}, None


def _proto_size_estimate(point: dict[str, Any]) -> int:
    """An upper-bound guess of a point's protobuf size: 4 bytes per float, payload as its JSON."""
    payload = point.get("payload")
    return 64 + 5 * _float_count(point) + (len(orjson.dumps(payload)) * 2 if payload else 0)


def connect(
    url: str | None = None,
    *,
    grpc_url: str | None = None,
    api_key: str | None = _UNSET,
    protocol: str = "rest",
    **options: Any,
) -> Client:
    """A client for the Qdrant node at ``url`` (REST) and ``grpc_url`` (gRPC).

    ``grpc_url`` defaults to the same host on port 6334 with the same scheme. With
    no ``url``, ``QDRANT_URL`` is read (then ``http://localhost:6333``); with no
    ``api_key``, ``QDRANT_API_KEY``. The scheme alone decides TLS on both protocols.

    Use it as ``async with qdpool.connect(...) as client:``; other keyword options
    are ``Client``'s.
    """
    if url is None:
        url = os.environ.get("QDRANT_URL") or DEFAULT_URL
    if api_key is _UNSET:
        api_key = os.environ.get("QDRANT_API_KEY") or None
    endpoint = Endpoint.from_urls(url, grpc_url)
    return Client(endpoint, api_key=api_key, protocol=protocol, **options)
