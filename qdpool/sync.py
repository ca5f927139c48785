"""``SyncClient``: qdpool's ``Client`` for code that has no event loop.

Django and Flask views, Celery workers, scripts and notebooks call Qdrant from
plain threads. ``SyncClient`` serves them without a second implementation: it
owns one private event loop, running in one daemon thread, and one async
``Client`` started on that loop, so every blocking call goes through the same
pipeline (retries, breaker, limits, telemetry) over the same pooled
connections, and fails with the same qdpool exceptions.

>>> with qdpool.connect_sync("http://localhost:6333", api_key="...") as client:
...     client.create_collection("docs", size=384)
...     hits = client.query_points("docs", vector, limit=3)

Any number of threads may call one ``SyncClient`` at once: each call is handed
to the loop thread and the calling thread waits for its result, so calls from
many threads run concurrently on the loop. The caller's ``contextvars`` go with
each call (``qdpool.override(...)`` and the current OpenTelemetry span apply).
``close()``, leaving the ``with`` block, garbage collection of the client, or
the interpreter's exit closes every connection and stops the thread.

Blocking inside a running event loop would stall every task on it, so a call
made there raises ``SyncCallInEventLoop`` pointing to the async client.

The methods below the marker are generated from ``Client``'s by
``tools/gen_sync.py`` (same parameters, annotations and docstrings), and
``tests/test_sync_generated.py`` fails when they are stale: edit the generator,
or ``Client``, then run ``python tools/gen_sync.py``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import threading
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from qdpool.client import Client, connect
from qdpool.errors import ClientClosed, QdpoolError

# <generated imports: tools/gen_sync.py>
if TYPE_CHECKING:
    import random
    import ssl
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Literal

    import httpx
    from google.protobuf.message import Message
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from qdpool.client import Consistency, M, Ordering, Protocol, RestTransportName
    from qdpool.config import PoolConfig
    from qdpool.events import Observer
    from qdpool.ingest import Progress
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
    from qdpool.pipeline import Interceptor
    from qdpool.policies import (
        BreakerPolicy,
        ConcurrencyPolicy,
        FallbackPolicy,
        HedgePolicy,
        RateLimitPolicy,
        RetryBudgetPolicy,
        RetryPolicy,
    )
    from qdpool.transport.base import Transport
# </generated imports>

T = TypeVar("T")


class SyncCallInEventLoop(QdpoolError, RuntimeError):
    """A ``SyncClient`` method was called from a thread running an event loop.

    Blocking there would freeze every task on that loop (and deadlock if the
    answer needs it); async code should use ``qdpool.connect()`` and ``await``.
    """


class _Default:
    """The marker for "``connect()``'s own default" in ``connect_sync``'s signature."""

    def __repr__(self) -> str:
        return "<connect()'s default>"


DEFAULT: Any = _Default()


class LoopThread:
    """One event loop running forever in one daemon thread, until ``stop()``.

    Daemon, because a non-daemon thread would keep the interpreter from exiting
    before ``atexit`` had a chance to close the client; ``stop()`` ends it cleanly.
    """

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.leftover_tasks = 0
        """Tasks still pending when the loop stopped (cancelled then); 0 after a clean close."""
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        try:
            self.loop.run_forever()
        finally:
            self._drain()

    def _drain(self) -> None:
        loop = self.loop
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        self.leftover_tasks = len(pending)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        asyncio.set_event_loop(None)
        loop.close()

    @property
    def in_loop_thread(self) -> bool:
        return threading.current_thread() is self.thread

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coro`` on the loop, in a copy of the caller's context.

        The task itself settles the returned future (no done-callback, which
        would cost the loop another turn); cancelling the future cancels the task.
        """
        context = contextvars.copy_context()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def start() -> None:
            if future.cancelled():
                coro.close()
                return
            task = self.loop.create_task(_deliver(coro, future), context=context)
            future.add_done_callback(lambda f: self._cancel(task) if f.cancelled() else None)

        try:
            self.loop.call_soon_threadsafe(start)
        except RuntimeError:  # the loop is closed
            coro.close()
            raise ClientClosed("SyncClient is closed") from None
        return future

    def _cancel(self, task: asyncio.Task[Any]) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(task.cancel)

    def stop(self) -> None:
        """Stop the loop, cancel what is left, and join the thread."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        if not self.in_loop_thread:
            self.thread.join()


async def _deliver(coro: Coroutine[Any, Any, T], future: concurrent.futures.Future[T]) -> None:
    """Await ``coro`` and hand its outcome to the waiting thread's ``future``."""
    try:
        result = await coro
    except asyncio.CancelledError:
        future.cancel()
        raise
    except BaseException as error:  # KeyboardInterrupt too: it belongs to the caller
        with contextlib.suppress(concurrent.futures.InvalidStateError):  # cancelled meanwhile
            future.set_exception(error)
    else:
        with contextlib.suppress(concurrent.futures.InvalidStateError):
            future.set_result(result)


def _shutdown(runner: LoopThread, client: Client) -> None:
    """Close the async client on its loop, then stop the loop (finalizer: no ``self``)."""
    if runner.loop.is_closed():
        return
    if runner.in_loop_thread:  # garbage-collected on the loop itself: cannot wait there
        runner.loop.create_task(client.close()).add_done_callback(lambda _: runner.stop())
        return
    try:
        runner.submit(client.close()).result()
    finally:
        runner.stop()


class SyncClient:
    """A blocking client: every ``Client`` method, run on a private event-loop thread.

    Build it with ``qdpool.connect_sync()`` (the same options as ``connect()``), or
    hand in an unstarted ``Client``, or a function that makes one (called on the
    loop thread). The client is started at once, so a wrong address fails here,
    naming it. Use it as a context manager, or call ``close()``; if neither
    happens, it is closed when garbage-collected or when the interpreter exits.
    """

    def __init__(self, client: Client | Callable[[], Client], *, name: str = "qdpool-sync") -> None:
        _refuse_running_loop("SyncClient()")
        self._runner = LoopThread(name)
        make = (lambda: client) if isinstance(client, Client) else client
        try:
            self._client: Client = self._runner.submit(_started(make)).result()
        except BaseException:
            self._runner.stop()
            raise
        self._finalizer = weakref.finalize(self, _shutdown, self._runner, self._client)

    @property
    def client(self) -> Client:
        """The async ``Client`` underneath (its loop is this client's thread's, not yours)."""
        return self._client

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """Close every connection, then stop and join the loop thread. Safe to call twice."""
        self._finalizer()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<qdpool.SyncClient {state} {self._client!r}>"

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one of the async client's coroutines on the loop thread and wait for it."""
        if self.closed:
            coro.close()
            raise ClientClosed("SyncClient is closed")
        try:
            _refuse_running_loop(f"SyncClient.{getattr(coro, '__name__', 'method')}()")
        except SyncCallInEventLoop:
            coro.close()
            raise
        future = self._runner.submit(coro)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise ClientClosed("SyncClient was closed while the call ran") from None
        except BaseException:
            future.cancel()  # e.g. KeyboardInterrupt: do not leave the call running
            raise

    def _iterate(self, iterator: AsyncIterator[T]) -> Iterator[T]:
        """A plain iterator over one of the async client's async iterators."""
        try:
            while True:
                try:
                    yield self._run(_anext(iterator))
                except StopAsyncIteration:
                    return
        finally:
            if not self.closed and isinstance(iterator, AsyncGenerator):
                if self._runner.in_loop_thread:
                    self._runner.loop.create_task(iterator.aclose())
                else:
                    self._runner.submit(iterator.aclose()).result()

    # <generated methods: tools/gen_sync.py>
    def create_collection(
        self,
        collection_name: str,
        *,
        size: int,
        distance: str = "Cosine",
        on_disk: bool | None = None,
        shard_number: int | None = None,
        replication_factor: int | None = None,
        write_consistency_factor: int | None = None,
        on_disk_payload: bool | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Create a collection with one dense vector of ``size`` dimensions."""
        return self._run(
            self._client.create_collection(
                collection_name,
                size=size,
                distance=distance,
                on_disk=on_disk,
                shard_number=shard_number,
                replication_factor=replication_factor,
                write_consistency_factor=write_consistency_factor,
                on_disk_payload=on_disk_payload,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def list_collections(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> list[str]:
        """The names of every collection."""
        return self._run(self._client.list_collections(protocol=protocol, timeout=timeout))

    def get_collection(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> CollectionInfo:
        """A collection's status, counts and configuration."""
        return self._run(
            self._client.get_collection(collection_name, protocol=protocol, timeout=timeout)
        )

    def collection_exists(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Whether a collection of that name exists."""
        return self._run(
            self._client.collection_exists(collection_name, protocol=protocol, timeout=timeout)
        )

    def delete_collection(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Delete a collection; False (not an error) when it did not exist."""
        return self._run(
            self._client.delete_collection(collection_name, protocol=protocol, timeout=timeout)
        )

    def upsert(
        self,
        collection_name: str,
        points: Iterable[Any],
        *,
        wait: bool = True,
        ordering: Ordering | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Insert or replace points: dicts ``{"id", "vector", "payload"}``, ``qdpool.Point``
        or qdrant-client ``PointStruct``.

        Every point is checked before anything is sent. A batch too large for one request
        is split by encoded size into ordered requests once the protocol is final (REST:
        under Qdrant's 32 MiB body cap; gRPC: messages of at most 16 MiB), sent one after
        another; the result is the last request's, ``acknowledged`` unless every request
        completed. ``timeout`` covers all of them.
        """
        return self._run(
            self._client.upsert(
                collection_name,
                points,
                wait=wait,
                ordering=ordering,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def upload_points(
        self,
        collection_name: str,
        points: Iterable[Any],
        *,
        batch_size: int = 1000,
        parallel: int = 4,
        wait: bool = True,
        progress: Progress | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> int:
        """Upsert a large or endless stream of points in batches, ``parallel`` at a time.

        ``points`` is consumed lazily (a generator of millions of points is fine): each
        batch of ``batch_size`` is checked just before it is sent, then split by encoded
        size like ``upsert``. At most ``parallel`` batches are in flight, so memory stays
        bounded. ``progress``, if given, is called after each acknowledged batch with the
        number of points it held. On the first failure the batches still in flight are
        cancelled and the error is raised; batches already acknowledged stay written
        (upserts are idempotent: run it again to finish). Batches may complete out of
        order, so an id repeated in two batches may end with either version.

        Returns the number of points written.
        """
        return self._run(
            self._client.upload_points(
                collection_name,
                points,
                batch_size=batch_size,
                parallel=parallel,
                wait=wait,
                progress=progress,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def retrieve(
        self,
        collection_name: str,
        ids: Iterable[PointId],
        *,
        with_payload: bool | Sequence[str] | Mapping[str, Sequence[str]] = True,
        with_vector: bool | Sequence[str] = False,
        consistency: Consistency | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[Record]:
        """Points by id; ids that do not exist are left out."""
        return self._run(
            self._client.retrieve(
                collection_name,
                ids,
                with_payload=with_payload,
                with_vector=with_vector,
                consistency=consistency,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def count(
        self,
        collection_name: str,
        *,
        filter: Filter | None = None,
        exact: bool = True,
        consistency: Consistency | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> int:
        """The number of points (matching ``filter``); ``exact=False`` allows an estimate."""
        return self._run(
            self._client.count(
                collection_name,
                filter=filter,
                exact=exact,
                consistency=consistency,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def delete(
        self,
        collection_name: str,
        *,
        ids: Iterable[PointId] | None = None,
        filter: Filter | None = None,
        wait: bool = True,
        ordering: Ordering | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Delete points by ``ids`` or by ``filter`` (exactly one of them)."""
        return self._run(
            self._client.delete(
                collection_name,
                ids=ids,
                filter=filter,
                wait=wait,
                ordering=ordering,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def query_points(
        self,
        collection_name: str,
        query: Any,
        *,
        filter: Filter | None = None,
        limit: int = 10,
        offset: int | None = None,
        with_payload: bool | Sequence[str] | Mapping[str, Sequence[str]] = True,
        with_vector: bool | Sequence[str] = False,
        score_threshold: float | None = None,
        consistency: Consistency | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[ScoredPoint]:
        """Nearest points to ``query``: a dense vector (list or numpy array), or the id of a
        stored point.
        """
        return self._run(
            self._client.query_points(
                collection_name,
                query,
                filter=filter,
                limit=limit,
                offset=offset,
                with_payload=with_payload,
                with_vector=with_vector,
                score_threshold=score_threshold,
                consistency=consistency,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def scroll(
        self,
        collection_name: str,
        *,
        limit: int = 10,
        offset: PointId | None = None,
        filter: Filter | None = None,
        with_payload: bool | Sequence[str] | Mapping[str, Sequence[str]] = True,
        with_vector: bool | Sequence[str] = False,
        consistency: Consistency | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> tuple[list[Record], PointId | None]:
        """One page of points in id order, and the offset of the next page (None at the end)."""
        return self._run(
            self._client.scroll(
                collection_name,
                limit=limit,
                offset=offset,
                filter=filter,
                with_payload=with_payload,
                with_vector=with_vector,
                consistency=consistency,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def scroll_all(
        self,
        collection_name: str,
        *,
        page_size: int = 256,
        filter: Filter | None = None,
        with_payload: bool | Sequence[str] | Mapping[str, Sequence[str]] = True,
        with_vector: bool | Sequence[str] = False,
        consistency: Consistency | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> Iterator[Record]:
        """Every point (matching ``filter``), page by page; ``timeout`` applies to each page."""
        return self._iterate(
            self._client.scroll_all(
                collection_name,
                page_size=page_size,
                filter=filter,
                with_payload=with_payload,
                with_vector=with_vector,
                consistency=consistency,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def create_snapshot(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> SnapshotInfo:
        """Snapshot a collection on the server; returns its name, size and checksum."""
        return self._run(
            self._client.create_snapshot(collection_name, protocol=protocol, timeout=timeout)
        )

    def list_snapshots(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[SnapshotInfo]:
        """The snapshots of a collection."""
        return self._run(
            self._client.list_snapshots(collection_name, protocol=protocol, timeout=timeout)
        )

    def cluster_status(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Cluster status (``{"status": "disabled"}`` on a single node).

        Qdrant has no gRPC method for this, so it always goes over REST.
        """
        return self._run(self._client.cluster_status(protocol=protocol, timeout=timeout))

    def health(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> HealthInfo:
        """The server's title and version (``GET /`` or ``qdrant.Qdrant/HealthCheck``)."""
        return self._run(self._client.health(protocol=protocol, timeout=timeout))

    def rest_request(
        self,
        method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"],
        path: str,
        *,
        body: Any = None,
        read: bool,
        idempotent: bool,
        timeout: float | None = None,
    ) -> Any:
        """Any Qdrant REST endpoint the typed API does not cover yet, through the whole
        pipeline (deadline, retries under the budget, breaker, limits, auth, spans).

        ``path`` is the request target (e.g. ``"/collections/docs/points/search"``); ``body``
        is JSON-encodable; ``read`` (may be hedged) and ``idempotent`` (may be retried after
        it may have reached the server) are the caller's promise. Returns the decoded
        ``result`` of Qdrant's answer.
        """
        return self._run(
            self._client.rest_request(
                method, path, body=body, read=read, idempotent=idempotent, timeout=timeout
            )
        )

    def grpc_request(
        self,
        method: str,
        request: Message | bytes,
        *,
        response_type: type[M] | None = None,
        read: bool,
        idempotent: bool,
        timeout: float | None = None,
    ) -> M | bytes:
        """Any Qdrant gRPC method (e.g. ``"/qdrant.Points/Search"``) through the whole
        pipeline. ``request`` is any protobuf message with Qdrant's field numbers
        (qdrant-client's generated messages work: only bytes travel) or its bytes; the
        answer is parsed into ``response_type``, or returned as bytes without one.
        """
        return self._run(
            self._client.grpc_request(
                method,
                request,
                response_type=response_type,
                read=read,
                idempotent=idempotent,
                timeout=timeout,
            )
        )

    # </generated methods>


# <generated connect_sync: tools/gen_sync.py>
def connect_sync(
    url: str | None = None,
    *,
    grpc_url: str | None = None,
    api_key: str | None = DEFAULT,
    protocol: Protocol = "rest",
    protocols: Sequence[Protocol] = ("rest", "grpc"),
    timeout: float = 5.0,
    pool: PoolConfig | None = None,
    rest_transport: RestTransportName = "aiohttp",
    httpx_client: httpx.AsyncClient | None = None,
    ssl_context: ssl.SSLContext | None = None,
    interceptors: Sequence[Interceptor] = (),
    transports: Mapping[str, Transport] | None = None,
    max_rest_body: int = 33554432,
    max_grpc_message: int = 16777216,
    clock: Callable[[], float] = DEFAULT,
    retry: RetryPolicy | None = DEFAULT,
    retry_budget: RetryBudgetPolicy | None = DEFAULT,
    breaker: BreakerPolicy | None = DEFAULT,
    concurrency: ConcurrencyPolicy | None = DEFAULT,
    rate_limit: RateLimitPolicy | None = None,
    hedge: HedgePolicy | None = None,
    fallback: FallbackPolicy | None = None,
    observer: Observer | None = None,
    rng: random.Random | None = None,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    telemetry: bool = True,
) -> SyncClient:
    """A ``SyncClient`` for the Qdrant node at ``url``: ``connect()``'s options, blocking.

    The client is started before this returns (a wrong address fails here). Options
    left at ``DEFAULT`` take ``connect()``'s defaults. Use it as
    ``with qdpool.connect_sync(...) as client:``, or call ``client.close()``.

    Generated from ``connect``'s signature:

        A client for the Qdrant node at ``url`` (REST) and ``grpc_url`` (gRPC).

        With no ``url``, ``QDRANT_URL`` is read (then ``http://localhost:6333``); with no
        ``api_key``, ``QDRANT_API_KEY``. The scheme alone decides TLS on both protocols.
        The other options are ``Client``'s.

        Use it as ``async with qdpool.connect(...) as client:``.
    """
    return SyncClient(
        lambda: connect(
            url,
            grpc_url=grpc_url,
            protocol=protocol,
            protocols=protocols,
            timeout=timeout,
            pool=pool,
            rest_transport=rest_transport,
            httpx_client=httpx_client,
            ssl_context=ssl_context,
            interceptors=interceptors,
            transports=transports,
            max_rest_body=max_rest_body,
            max_grpc_message=max_grpc_message,
            rate_limit=rate_limit,
            hedge=hedge,
            fallback=fallback,
            observer=observer,
            rng=rng,
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            telemetry=telemetry,
            **_given(
                api_key=api_key,
                clock=clock,
                retry=retry,
                retry_budget=retry_budget,
                breaker=breaker,
                concurrency=concurrency,
            ),
        )
    )


def _given(**options: Any) -> dict[str, Any]:
    """The options the caller gave, without those left at ``DEFAULT``."""
    return {key: value for key, value in options.items() if value is not DEFAULT}


# </generated connect_sync>


async def _started(make: Callable[[], Client]) -> Client:
    client = make()
    await client.start()
    return client


async def _anext(iterator: AsyncIterator[T]) -> T:
    return await iterator.__anext__()


def _refuse_running_loop(what: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise SyncCallInEventLoop(
        f"{what} blocks, and this thread is running an event loop, which blocking would "
        "stall; in async code use the async client instead: "
        "`async with qdpool.connect(...) as client:` and `await client.<method>(...)`"
    )
