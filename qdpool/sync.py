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
    import os
    import random
    import ssl
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Literal

    import httpx
    from google.protobuf.message import Message
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from qdpool.client import (
        Consistency,
        M,
        Ordering,
        PointsSelector,
        Protocol,
        RestTransportName,
        UpdateMode,
    )
    from qdpool.config import PoolConfig
    from qdpool.events import Observer
    from qdpool.ingest import Progress
    from qdpool.models import (
        AliasDescription,
        CollectionClusterInfo,
        CollectionInfo,
        FacetHit,
        Filter,
        HealthInfo,
        PointGroup,
        PointId,
        Record,
        ScoredPoint,
        SearchMatrixOffsets,
        SearchMatrixPair,
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
    from qdpool.routing.balancer import BalancerPolicy
    from qdpool.routing.cluster import NodeHealth, NodeSpec
    from qdpool.routing.discovery import DiscoveryPolicy
    from qdpool.routing.ejection import EjectionPolicy
    from qdpool.transport.base import Transport
    from qdpool.wire.shard_keys import ShardKey, ShardKeySelector
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
    def node_health(
        self,
    ) -> list[NodeHealth]:
        """Each node's routing state (state, latency, in flight, attempts, ejections).

        Empty on a single-node client, which keeps no routing state. A coroutine so that
        ``SyncClient`` reads the state on the event loop's thread, where it changes.
        """
        return self._run(self._client.node_health())

    def create_collection(
        self,
        collection_name: str,
        *,
        vectors_config: Any = None,
        size: int | None = None,
        distance: str = "Cosine",
        on_disk: bool | None = None,
        sparse_vectors_config: Mapping[str, Any] | None = None,
        shard_number: int | None = None,
        sharding_method: Literal["auto", "custom"] | None = None,
        replication_factor: int | None = None,
        write_consistency_factor: int | None = None,
        on_disk_payload: bool | None = None,
        hnsw_config: Any = None,
        optimizers_config: Any = None,
        wal_config: Any = None,
        quantization_config: Any = None,
        strict_mode_config: Any = None,
        metadata: Mapping[str, Any] | None = None,
        payload: Any = None,
        id_tracker: Any = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Create a collection.

        Dense vectors: ``size=`` (with ``distance``, ``on_disk``) for one unnamed vector,
        or ``vectors_config=`` with one ``VectorParams`` or a dict of named ones (size,
        distance, on_disk, datatype, multivector_config, per-vector hnsw_config and
        quantization_config), or neither for a collection without dense vectors.
        ``sparse_vectors_config`` maps names to ``{"modifier": "idf", "index": {...}}``.
        ``payload`` and ``id_tracker`` place the payload storage and the id mapping
        (``{"memory": "cold" | "cached" | "pinned"}``). Every section takes Qdrant's REST
        JSON (dicts) or qdrant-client's models.
        """
        return self._run(
            self._client.create_collection(
                collection_name,
                vectors_config=vectors_config,
                size=size,
                distance=distance,
                on_disk=on_disk,
                sparse_vectors_config=sparse_vectors_config,
                shard_number=shard_number,
                sharding_method=sharding_method,
                replication_factor=replication_factor,
                write_consistency_factor=write_consistency_factor,
                on_disk_payload=on_disk_payload,
                hnsw_config=hnsw_config,
                optimizers_config=optimizers_config,
                wal_config=wal_config,
                quantization_config=quantization_config,
                strict_mode_config=strict_mode_config,
                metadata=metadata,
                payload=payload,
                id_tracker=id_tracker,
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

    def update_collection(
        self,
        collection_name: str,
        *,
        optimizers_config: Any = None,
        collection_params: Any = None,
        vectors_config: Mapping[str, Any] | None = None,
        hnsw_config: Any = None,
        quantization_config: Any = None,
        sparse_vectors_config: Mapping[str, Any] | None = None,
        strict_mode_config: Any = None,
        metadata: Mapping[str, Any] | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Change a collection's configuration; sections not given stay as they are.

        ``vectors_config`` maps vector names (``""`` for the unnamed one) to changes
        (``on_disk``, ``hnsw_config``, ``quantization_config``); ``collection_params``
        takes ``replication_factor``, ``write_consistency_factor``, ``on_disk_payload``;
        ``quantization_config="Disabled"`` switches quantization off.
        """
        return self._run(
            self._client.update_collection(
                collection_name,
                optimizers_config=optimizers_config,
                collection_params=collection_params,
                vectors_config=vectors_config,
                hnsw_config=hnsw_config,
                quantization_config=quantization_config,
                sparse_vectors_config=sparse_vectors_config,
                strict_mode_config=strict_mode_config,
                metadata=metadata,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def collection_cluster_info(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> CollectionClusterInfo:
        """Where the collection's shards are: on the peer that answers, and on others."""
        return self._run(
            self._client.collection_cluster_info(
                collection_name, protocol=protocol, timeout=timeout
            )
        )

    def update_collection_aliases(
        self,
        actions: Iterable[Any],
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Apply alias actions atomically, in order: all of them or none (the blue/green
        switch: delete the alias from the old collection and create it on the new one in
        one call). Each action is ``{"create_alias": {"collection_name", "alias_name"}}``,
        ``{"rename_alias": {"old_alias_name", "new_alias_name"}}``,
        ``{"delete_alias": {"alias_name"}}`` or qdrant-client's operation models.
        """
        return self._run(
            self._client.update_collection_aliases(actions, protocol=protocol, timeout=timeout)
        )

    def create_alias(
        self,
        collection_name: str,
        alias_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Make ``alias_name`` another name of ``collection_name``."""
        return self._run(
            self._client.create_alias(
                collection_name, alias_name, protocol=protocol, timeout=timeout
            )
        )

    def delete_alias(
        self, alias_name: str, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> bool:
        """Remove an alias (the collection stays)."""
        return self._run(self._client.delete_alias(alias_name, protocol=protocol, timeout=timeout))

    def rename_alias(
        self,
        old_alias_name: str,
        new_alias_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Rename an alias; it keeps pointing at the same collection."""
        return self._run(
            self._client.rename_alias(
                old_alias_name, new_alias_name, protocol=protocol, timeout=timeout
            )
        )

    def get_aliases(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> list[AliasDescription]:
        """Every alias on the server and its collection."""
        return self._run(self._client.get_aliases(protocol=protocol, timeout=timeout))

    def get_collection_aliases(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[AliasDescription]:
        """The aliases of one collection."""
        return self._run(
            self._client.get_collection_aliases(collection_name, protocol=protocol, timeout=timeout)
        )

    def delete_snapshot(
        self,
        collection_name: str,
        snapshot_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Delete one of a collection's snapshots (``NotFound`` if there is none of that name)."""
        return self._run(
            self._client.delete_snapshot(
                collection_name, snapshot_name, protocol=protocol, timeout=timeout
            )
        )

    def download_snapshot(
        self,
        collection_name: str,
        snapshot_name: str,
        path: str | os.PathLike[str],
        *,
        checksum: str | None = None,
        timeout: float | None = None,
    ) -> SnapshotInfo:
        """Download a collection's snapshot to the file ``path``, its SHA-256 verified.

        Without ``checksum`` the server's listing gives it (one more call). The archive is
        streamed to a temporary file beside ``path`` (memory does not grow with its size),
        hashed as it arrives, and renamed to ``path`` only once complete and verified: a
        mismatch (``ServerError``) or a broken download leaves no file. A dropped
        connection is retried (a download is idempotent); ``timeout`` bounds the whole
        transfer. Over REST (Qdrant has no gRPC download).
        """
        return self._run(
            self._client.download_snapshot(
                collection_name, snapshot_name, path, checksum=checksum, timeout=timeout
            )
        )

    def download_full_snapshot(
        self,
        snapshot_name: str,
        path: str | os.PathLike[str],
        *,
        checksum: str | None = None,
        timeout: float | None = None,
    ) -> SnapshotInfo:
        """``download_snapshot`` for a full-storage snapshot."""
        return self._run(
            self._client.download_full_snapshot(
                snapshot_name, path, checksum=checksum, timeout=timeout
            )
        )

    def recover_snapshot(
        self,
        collection_name: str,
        location: str,
        *,
        priority: Literal["no_sync", "snapshot", "replica"] | None = None,
        checksum: str | None = None,
        api_key: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> bool:
        """Replace (or create) ``collection_name`` from a snapshot at ``location``, a URL or
        ``file://`` path the *server* can read; ``checksum`` (SHA-256) is checked there.
        Over REST (Qdrant has no gRPC method for it); ``upload_snapshot`` sends a local file.
        """
        return self._run(
            self._client.recover_snapshot(
                collection_name,
                location,
                priority=priority,
                checksum=checksum,
                api_key=api_key,
                wait=wait,
                timeout=timeout,
            )
        )

    def upload_snapshot(
        self,
        collection_name: str,
        path: str | os.PathLike[str],
        *,
        priority: Literal["no_sync", "snapshot", "replica"] | None = None,
        checksum: str | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> bool:
        """Replace (or create) ``collection_name`` from the snapshot file at the local
        ``path``, uploaded as a multipart form (Qdrant's ``snapshots/upload``; REST only).

        The file is streamed as it is read, with a known ``Content-Length`` (memory does not
        grow with its size). ``checksum`` (SHA-256, hex) is verified by the server before it
        recovers; ``priority`` is Qdrant's source of truth among replicas. An upload is not
        retried once it may have reached the server; ``timeout`` bounds the whole transfer.
        """
        return self._run(
            self._client.upload_snapshot(
                collection_name,
                path,
                priority=priority,
                checksum=checksum,
                wait=wait,
                timeout=timeout,
            )
        )

    def create_full_snapshot(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> SnapshotInfo:
        """Snapshot the whole storage (every collection and the aliases)."""
        return self._run(self._client.create_full_snapshot(protocol=protocol, timeout=timeout))

    def list_full_snapshots(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> list[SnapshotInfo]:
        """The full-storage snapshots."""
        return self._run(self._client.list_full_snapshots(protocol=protocol, timeout=timeout))

    def delete_full_snapshot(
        self, snapshot_name: str, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> bool:
        """Delete a full-storage snapshot."""
        return self._run(
            self._client.delete_full_snapshot(snapshot_name, protocol=protocol, timeout=timeout)
        )

    def create_shard_key(
        self,
        collection_name: str,
        shard_key: ShardKey,
        *,
        shards_number: int | None = None,
        replication_factor: int | None = None,
        placement: Sequence[int] | None = None,
        initial_state: str | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Create ``shard_key`` in a collection with custom sharding (``sharding_method=
        "custom"``): ``shards_number`` shards of ``replication_factor`` replicas, on the
        ``placement`` peers, starting in ``initial_state`` (a replica state, e.g.
        ``"Active"``). Point operations then select it with ``shard_key_selector``.
        """
        return self._run(
            self._client.create_shard_key(
                collection_name,
                shard_key,
                shards_number=shards_number,
                replication_factor=replication_factor,
                placement=placement,
                initial_state=initial_state,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def delete_shard_key(
        self,
        collection_name: str,
        shard_key: ShardKey,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Delete ``shard_key`` and the points stored under it."""
        return self._run(
            self._client.delete_shard_key(
                collection_name, shard_key, protocol=protocol, timeout=timeout
            )
        )

    def list_shard_keys(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[ShardKey] | None:
        """The shard keys of a collection with custom sharding; None when it has none (as
        Qdrant, for a collection without custom sharding, too).
        """
        return self._run(
            self._client.list_shard_keys(collection_name, protocol=protocol, timeout=timeout)
        )

    def upsert(
        self,
        collection_name: str,
        points: Iterable[Any] | Mapping[str, Any],
        *,
        update_filter: Filter | None = None,
        update_mode: UpdateMode | None = None,
        wait: bool = True,
        ordering: Ordering | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Insert or replace points: dicts ``{"id", "vector", "payload"}``, ``qdpool.Point``
        or qdrant-client ``PointStruct`` (or the column form ``{"ids", "vectors",
        "payloads"}`` / qdrant-client ``Batch``). A vector is dense (a list or 1-D numpy
        array), multi-dense (a list of lists or 2-D array), or named vectors ``{"name": ...}``
        of those and of sparse ones ``{"indices": [...], "values": [...]}``.

        ``update_filter``: an existing point is replaced only if it matches (new ids are
        inserted). ``update_mode``: ``"upsert"`` (Qdrant's default), ``"insert_only"``
        (existing points stay as they are) or ``"update_only"`` (only existing points change).

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
                update_filter=update_filter,
                update_mode=update_mode,
                wait=wait,
                ordering=ordering,
                shard_key_selector=shard_key_selector,
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
        ordering: Ordering | None = None,
        progress: Progress | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        update_filter: Filter | None = None,
        update_mode: UpdateMode | None = None,
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
        ``update_filter`` and ``update_mode`` are ``upsert``'s, checked once and applied to
        every batch.

        Returns the number of points written.
        """
        return self._run(
            self._client.upload_points(
                collection_name,
                points,
                batch_size=batch_size,
                parallel=parallel,
                wait=wait,
                ordering=ordering,
                progress=progress,
                shard_key_selector=shard_key_selector,
                update_filter=update_filter,
                update_mode=update_mode,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def upload_collection(
        self,
        collection_name: str,
        vectors: Any,
        payload: Iterable[Mapping[str, Any] | None] | None = None,
        ids: Iterable[PointId] | None = None,
        *,
        batch_size: int = 1000,
        parallel: int = 4,
        wait: bool = True,
        ordering: Ordering | None = None,
        progress: Progress | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        update_filter: Filter | None = None,
        update_mode: UpdateMode | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> int:
        """Upsert vectors held in columns, as qdrant-client's ``upload_collection`` takes
        them: ``vectors`` a 2-D numpy array (one vector per row; memory-mapped is fine), a
        dict of them for named vectors, or any iterable of vectors; ``payload`` an iterable
        of one dict (or None) per vector; ``ids`` an iterable (or numpy array) of one id per
        vector, by default random UUIDs as qdrant-client makes (pass ``ids`` to make a
        re-run overwrite rather than add).

        Arrays go to the wire as they are: no Python float is made for a vector (REST:
        orjson writes the float32 rows; gRPC: their bytes are the packed floats). They are
        checked before anything is sent (2-D, numbers, every value finite in float32),
        and so are the lengths of ``ids`` and ``payload`` when they have one; ids and
        payloads are checked batch by batch, and items beyond the vectors' count are not
        read. Batching, ``parallel``, ``progress``, ``update_filter``, ``update_mode``,
        failures and the result are as in ``upload_points``.
        """
        return self._run(
            self._client.upload_collection(
                collection_name,
                vectors,
                payload,
                ids,
                batch_size=batch_size,
                parallel=parallel,
                wait=wait,
                ordering=ordering,
                progress=progress,
                shard_key_selector=shard_key_selector,
                update_filter=update_filter,
                update_mode=update_mode,
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
        shard_key_selector: ShardKeySelector | None = None,
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
                shard_key_selector=shard_key_selector,
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
        shard_key_selector: ShardKeySelector | None = None,
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
                shard_key_selector=shard_key_selector,
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
        shard_key_selector: ShardKeySelector | None = None,
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
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def query_points(
        self,
        collection_name: str,
        query: Any = None,
        *,
        using: str | None = None,
        prefetch: Any = None,
        filter: Filter | None = None,
        params: Any = None,
        limit: int = 10,
        offset: int | None = None,
        with_payload: bool | Sequence[str] | Mapping[str, Sequence[str]] = True,
        with_vector: bool | Sequence[str] = False,
        score_threshold: float | None = None,
        lookup_from: Any = None,
        consistency: Consistency | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[ScoredPoint]:
        """Qdrant's universal query (docs/index.md, "Queries and reads").

        ``query`` is a dense vector (list or numpy array) or a stored point's id (the
        nearest points to it), a sparse vector ``{"indices", "values"}``, a multivector,
        or any of Qdrant's query objects (``{"nearest": ..., "mmr": ...}``,
        ``{"recommend": ...}``, ``{"discover": ...}``, ``{"context": ...}``,
        ``{"order_by": ...}``, ``{"fusion": "rrf"}``, ``{"rrf": {"k": 60}}``,
        ``{"formula": ...}``, ``{"sample": "random"}``) as a dict or a qdrant-client model;
        ``prefetch`` (one or a list, nested) feeds it candidates, as in hybrid search.
        ``using`` names the vector, ``params`` the search parameters (``hnsw_ef``,
        ``exact``, ``quantization``, ``indexed_only``), ``lookup_from`` the collection
        example ids are read from.
        """
        return self._run(
            self._client.query_points(
                collection_name,
                query,
                using=using,
                prefetch=prefetch,
                filter=filter,
                params=params,
                limit=limit,
                offset=offset,
                with_payload=with_payload,
                with_vector=with_vector,
                score_threshold=score_threshold,
                lookup_from=lookup_from,
                consistency=consistency,
                shard_key_selector=shard_key_selector,
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
        order_by: str | Mapping[str, Any] | None = None,
        with_payload: bool | Sequence[str] | Mapping[str, Sequence[str]] = True,
        with_vector: bool | Sequence[str] = False,
        consistency: Consistency | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> tuple[list[Record], PointId | None]:
        """One page of points in id order, and the offset of the next page (None at the end).

        ``order_by`` (a payload key with a range index, or ``{"key", "direction":
        "asc"/"desc", "start_from"}``) orders by that key instead; Qdrant then gives no
        next offset (page on with ``start_from``).
        """
        return self._run(
            self._client.scroll(
                collection_name,
                limit=limit,
                offset=offset,
                filter=filter,
                order_by=order_by,
                with_payload=with_payload,
                with_vector=with_vector,
                consistency=consistency,
                shard_key_selector=shard_key_selector,
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

    def query_batch_points(
        self,
        collection_name: str,
        requests: Iterable[Any],
        *,
        consistency: Consistency | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[list[ScoredPoint]]:
        """Several queries in one request: each a ``query_points`` body in Qdrant's REST
        shape (``{"query", "prefetch", "using", "filter", "limit", ...}``) or a
        qdrant-client ``QueryRequest``; one list of hits per request, in order.
        """
        return self._run(
            self._client.query_batch_points(
                collection_name,
                requests,
                consistency=consistency,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def query_points_groups(
        self,
        collection_name: str,
        group_by: str,
        query: Any = None,
        *,
        using: str | None = None,
        prefetch: Any = None,
        filter: Filter | None = None,
        params: Any = None,
        limit: int = 10,
        group_size: int = 3,
        with_payload: bool | Sequence[str] | Mapping[str, Sequence[str]] = True,
        with_vector: bool | Sequence[str] = False,
        score_threshold: float | None = None,
        with_lookup: str | Mapping[str, Any] | None = None,
        lookup_from: Any = None,
        consistency: Consistency | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[PointGroup]:
        """``query_points`` grouped by the payload key ``group_by``: up to ``limit`` groups
        of up to ``group_size`` hits; ``with_lookup`` (a collection name, or
        ``{"collection", "with_payload", "with_vectors"}``) adds each group id's point
        from that collection.
        """
        return self._run(
            self._client.query_points_groups(
                collection_name,
                group_by,
                query,
                using=using,
                prefetch=prefetch,
                filter=filter,
                params=params,
                limit=limit,
                group_size=group_size,
                with_payload=with_payload,
                with_vector=with_vector,
                score_threshold=score_threshold,
                with_lookup=with_lookup,
                lookup_from=lookup_from,
                consistency=consistency,
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def facet(
        self,
        collection_name: str,
        key: str,
        *,
        filter: Filter | None = None,
        limit: int = 10,
        exact: bool = False,
        consistency: Consistency | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[FacetHit]:
        """The most frequent values of the indexed payload ``key`` (among points matching
        ``filter``) with their counts; ``exact=True`` counts exactly.
        """
        return self._run(
            self._client.facet(
                collection_name,
                key,
                filter=filter,
                limit=limit,
                exact=exact,
                consistency=consistency,
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def search_matrix_pairs(
        self,
        collection_name: str,
        *,
        filter: Filter | None = None,
        limit: int = 3,
        sample: int = 10,
        using: str | None = None,
        consistency: Consistency | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[SearchMatrixPair]:
        """A sparse distance matrix as pairs: ``sample`` random points (matching
        ``filter``), each with its ``limit`` nearest among the others.
        """
        return self._run(
            self._client.search_matrix_pairs(
                collection_name,
                filter=filter,
                limit=limit,
                sample=sample,
                using=using,
                consistency=consistency,
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def search_matrix_offsets(
        self,
        collection_name: str,
        *,
        filter: Filter | None = None,
        limit: int = 3,
        sample: int = 10,
        using: str | None = None,
        consistency: Consistency | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> SearchMatrixOffsets:
        """The same matrix as ``search_matrix_pairs``, in coordinate (offsets) form."""
        return self._run(
            self._client.search_matrix_offsets(
                collection_name,
                filter=filter,
                limit=limit,
                sample=sample,
                using=using,
                consistency=consistency,
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def update_vectors(
        self,
        collection_name: str,
        points: Iterable[Any],
        *,
        update_filter: Filter | None = None,
        wait: bool = True,
        ordering: Ordering | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Replace vectors of stored points: ``{"id", "vector"}`` dicts or qdrant-client
        ``PointVectors``; named vectors not given keep their values. Every id must exist
        (else nothing is written). ``update_filter``: only points matching it change.
        """
        return self._run(
            self._client.update_vectors(
                collection_name,
                points,
                update_filter=update_filter,
                wait=wait,
                ordering=ordering,
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def delete_vectors(
        self,
        collection_name: str,
        vectors: Sequence[str],
        *,
        points: PointsSelector | None = None,
        filter: Filter | None = None,
        wait: bool = True,
        ordering: Ordering | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Remove the named ``vectors`` from the points given by ``points`` (ids) or
        ``filter``; the points and their other vectors stay.
        """
        return self._run(
            self._client.delete_vectors(
                collection_name,
                vectors,
                points=points,
                filter=filter,
                wait=wait,
                ordering=ordering,
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def set_payload(
        self,
        collection_name: str,
        payload: Mapping[str, Any],
        *,
        points: PointsSelector | None = None,
        filter: Filter | None = None,
        key: str | None = None,
        wait: bool = True,
        ordering: Ordering | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Merge ``payload`` into the payload of the points given by ``points`` (ids) or
        ``filter``: the keys given are set, the others stay. With ``key`` (a path such as
        ``"meta.owner"`` or ``"tags[0]"``), ``payload`` is merged into the object there.
        """
        return self._run(
            self._client.set_payload(
                collection_name,
                payload,
                points=points,
                filter=filter,
                key=key,
                wait=wait,
                ordering=ordering,
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def overwrite_payload(
        self,
        collection_name: str,
        payload: Mapping[str, Any],
        *,
        points: PointsSelector | None = None,
        filter: Filter | None = None,
        key: str | None = None,
        wait: bool = True,
        ordering: Ordering | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Replace the whole payload of the points given by ``points`` (ids) or ``filter``
        with ``payload`` (at ``key``, if given).
        """
        return self._run(
            self._client.overwrite_payload(
                collection_name,
                payload,
                points=points,
                filter=filter,
                key=key,
                wait=wait,
                ordering=ordering,
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def delete_payload(
        self,
        collection_name: str,
        keys: Sequence[str],
        *,
        points: PointsSelector | None = None,
        filter: Filter | None = None,
        wait: bool = True,
        ordering: Ordering | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Remove the payload ``keys`` (paths such as ``"meta.owner"``) from the points given
        by ``points`` (ids) or ``filter``.
        """
        return self._run(
            self._client.delete_payload(
                collection_name,
                keys,
                points=points,
                filter=filter,
                wait=wait,
                ordering=ordering,
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def clear_payload(
        self,
        collection_name: str,
        *,
        points: PointsSelector | None = None,
        filter: Filter | None = None,
        wait: bool = True,
        ordering: Ordering | None = None,
        shard_key_selector: ShardKeySelector | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Remove the whole payload of the points given by ``points`` (ids) or ``filter``."""
        return self._run(
            self._client.clear_payload(
                collection_name,
                points=points,
                filter=filter,
                wait=wait,
                ordering=ordering,
                shard_key_selector=shard_key_selector,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def batch_update_points(
        self,
        collection_name: str,
        update_operations: Sequence[Any],
        *,
        wait: bool = True,
        ordering: Ordering | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[UpdateResult]:
        """Several writes in one request, applied in order: dicts in Qdrant's REST shapes
        (``{"upsert": {"points": [...]}}``, ``{"delete": {"points": [...]}}``,
        ``{"set_payload": {...}}``, ``overwrite_payload``, ``delete_payload``,
        ``clear_payload``, ``update_vectors``, ``delete_vectors``) or qdrant-client's
        ``UpsertOperation``, ``SetPayloadOperation`` and the like. Every operation is checked
        first, on the client and again on the server, so a refused batch writes nothing.
        Returns one result per operation.
        """
        return self._run(
            self._client.batch_update_points(
                collection_name,
                update_operations,
                wait=wait,
                ordering=ordering,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def create_payload_index(
        self,
        collection_name: str,
        field_name: str,
        field_schema: Any,
        *,
        wait: bool = True,
        ordering: Ordering | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Index the payload key ``field_name`` so filters (and ``order_by``, facets) on it
        are fast. ``field_schema``: a type (``"keyword"``, ``"integer"``, ``"float"``,
        ``"bool"``, ``"geo"``, ``"datetime"``, ``"uuid"``, ``"text"``, or qdrant-client's
        ``PayloadSchemaType``) or its parameters, e.g. ``{"type": "keyword", "is_tenant":
        True}``, ``{"type": "integer", "lookup": False, "range": True}``, ``{"type": "text",
        "tokenizer": "word", "lowercase": True, "min_token_len": 2, "stopwords": "english",
        "stemmer": {"type": "snowball", "language": "english"}, "phrase_matching": True}``
        (or qdrant-client's ``KeywordIndexParams``, ``TextIndexParams``...).
        """
        return self._run(
            self._client.create_payload_index(
                collection_name,
                field_name,
                field_schema,
                wait=wait,
                ordering=ordering,
                protocol=protocol,
                timeout=timeout,
            )
        )

    def delete_payload_index(
        self,
        collection_name: str,
        field_name: str,
        *,
        wait: bool = True,
        ordering: Ordering | None = None,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> UpdateResult:
        """Drop the payload index of ``field_name`` (the payload values stay)."""
        return self._run(
            self._client.delete_payload_index(
                collection_name,
                field_name,
                wait=wait,
                ordering=ordering,
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
    url: str | Sequence[NodeSpec] | None = None,
    *,
    grpc_url: str | None = None,
    api_key: str | None = DEFAULT,
    protocol: Protocol = "rest",
    protocols: Sequence[Protocol] | None = None,
    timeout: float = 5.0,
    pool: PoolConfig | None = None,
    rest_transport: RestTransportName = "http1",
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
    discover: bool = False,
    balancer: BalancerPolicy | None = None,
    ejection: EjectionPolicy | None = DEFAULT,
    discovery: DiscoveryPolicy | None = None,
) -> SyncClient:
    """A ``SyncClient`` for the Qdrant node at ``url``: ``connect()``'s options, blocking.

    The client is started before this returns (a wrong address fails here). Options
    left at ``DEFAULT`` take ``connect()``'s defaults. Use it as
    ``with qdpool.connect_sync(...) as client:``, or call ``client.close()``.

    Generated from ``connect``'s signature:

        A client for the Qdrant node at ``url`` (REST) and ``grpc_url`` (gRPC).

        With no ``url``, ``QDRANT_URL`` is read (then ``http://localhost:6333``); with no
        ``api_key``, ``QDRANT_API_KEY``. The scheme alone decides TLS on both protocols.
        Without ``grpc_url``, gRPC is Qdrant's port 6334 on the same host only when the REST
        URL uses Qdrant's port 6333 (or is a Qdrant Cloud URL); otherwise the client speaks REST
        alone unless given ``grpc_url``.

        For a cluster (docs/cluster.md), ``url`` is a list of nodes, each a REST URL (its
        gRPC address derived as above) or a ``(rest_url, grpc_url)`` pair, and/or
        ``discover=True`` reads the peers from ``GET /cluster`` of the nodes given;
        ``balancer``, ``ejection`` and ``discovery`` are the routing policies. One API key
        and the same TLS rule apply to every node. The other options are ``Client``'s.

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
            discover=discover,
            balancer=balancer,
            discovery=discovery,
            **_given(
                api_key=api_key,
                clock=clock,
                retry=retry,
                retry_budget=retry_budget,
                breaker=breaker,
                concurrency=concurrency,
                ejection=ejection,
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
