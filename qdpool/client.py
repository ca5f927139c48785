"""``connect()`` and ``Client``: Qdrant's operations over pooled REST and gRPC.

Data flows one way: a method validates its arguments into one request in
Qdrant's REST JSON shape (the request builders beside each spec in
``qdpool.operations``; ``InvalidInput`` before anything is queued, limited or
traced), builds one ``Call`` carrying its spec, and awaits the pipeline; the
transport at its end encodes with the spec for its protocol, sends, and decodes
into the same typed result on either protocol.

>>> async with qdpool.connect("http://localhost:6333", api_key="...") as client:
...     await client.create_collection("docs", size=384)
...     hits = await client.query_points("docs", vector, limit=3, protocol="grpc")
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import ssl
import sys
import time
import traceback
import warnings
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import Any, Literal, TypeVar

import httpx
from google.protobuf.message import Message
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from qdpool import ingest, validate
from qdpool import operations as ops
from qdpool.call import NO_WAIT, WAIT, Call, Options
from qdpool.chain import default_chain
from qdpool.config import PoolConfig
from qdpool.dispatch import MAX_GRPC_MESSAGE, MAX_REST_BODY, Dispatch
from qdpool.endpoint import Endpoint
from qdpool.errors import ClientClosed, InvalidInput, NotFound
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
from qdpool.operations import aliases as _aliases
from qdpool.operations import collections as _collections
from qdpool.operations import indexes as _indexes
from qdpool.operations import payload as _payload
from qdpool.operations import points as _points
from qdpool.operations import query as _query
from qdpool.operations import raw as _raw
from qdpool.operations import search as _search
from qdpool.operations import shard_keys as _shard_keys
from qdpool.operations import snapshots as _snapshots
from qdpool.operations import vectors as _vectors
from qdpool.operations.spec import Operation
from qdpool.pipeline import Interceptor, Pipeline
from qdpool.policies import (
    BreakerPolicy,
    ConcurrencyPolicy,
    FallbackPolicy,
    HedgePolicy,
    RateLimitPolicy,
    RetryBudgetPolicy,
    RetryPolicy,
    override,
)
from qdpool.routing.balancer import BalancerPolicy
from qdpool.routing.cluster import Cluster, NodeHealth, NodeSpec, parse_nodes
from qdpool.routing.discovery import DiscoveryPolicy
from qdpool.routing.ejection import EjectionPolicy
from qdpool.sizing import size_from_server
from qdpool.telemetry import Telemetry
from qdpool.transport.base import Transport
from qdpool.transport.grpc import GrpcTransport
from qdpool.transport.http1 import Http1Transport
from qdpool.transport.rest import AiohttpTransport
from qdpool.transport.rest_httpx import HttpxTransport
from qdpool.transport.streams import Download, Stream, Upload
from qdpool.wire import shard_keys
from qdpool.wire.packed import PointRows
from qdpool.wire.shard_keys import ShardKey, ShardKeySelector

logger = logging.getLogger("qdpool")

Protocol = Literal["rest", "grpc"]
RestTransportName = Literal["http1", "aiohttp", "httpx"]
Consistency = int | Literal["majority", "quorum", "all"]
Ordering = Literal["weak", "medium", "strong"]
UpdateMode = Literal["upsert", "insert_only", "update_only"]
PointsSelector = Iterable[PointId] | Mapping[str, Any]
"""Point ids, or qdrant-client's ``PointIdsList`` / ``FilterSelector`` (their REST shapes)."""

DEFAULT_URL = "http://localhost:6333"
DEFAULT_TIMEOUT = 5.0

R = TypeVar("R")
M = TypeVar("M", bound=Message)
_UNSET: Any = object()
_DEFAULT_RETRY = RetryPolicy()
_DEFAULT_BUDGET = RetryBudgetPolicy()
_DEFAULT_BREAKER = BreakerPolicy()
_DEFAULT_CONCURRENCY = ConcurrencyPolicy()
_DEFAULT_EJECTION = EjectionPolicy()


class LoopMismatch(ClientClosed):
    """The client was used from an event loop other than the one it started on."""


class Client:
    """A pooled, intercepted connection to a Qdrant node, or a cluster, over REST and gRPC.

    Build it with ``qdpool.connect()``; use it as an async context manager (or call
    ``start()`` and ``close()``; the first call on a client not yet started starts it).
    A client belongs to the event loop it started on: using it from another raises
    ``LoopMismatch`` (for blocking code, use ``qdpool.SyncClient``). Every method takes
    ``protocol=`` (``"rest"`` or ``"grpc"``) and ``timeout=`` (seconds, for the whole
    call, retries included). REST goes through ``rest_transport``: ``"http1"`` (the
    default, qdpool's own pool of keep-alive HTTP/1.1 connections, about half of
    aiohttp's client CPU per call), ``"aiohttp"`` or ``"httpx"``.

    Resilience (docs/resilience.md): ``retry``, ``retry_budget``, ``breaker`` and
    ``concurrency`` are on by default; ``rate_limit``, ``hedge`` and ``fallback`` are
    off unless given; pass None to turn one off. ``observer`` receives their events;
    ``rng`` seeds the backoff jitter. ``qdpool.override()`` changes the retry or hedge
    policy for some calls without touching these defaults.

    Telemetry (docs/observability.md): with ``telemetry=True`` (the default) every
    call is traced and measured through ``tracer_provider`` and ``meter_provider``,
    the global OpenTelemetry providers when None (no-ops until an SDK is set up).

    Cluster (docs/cluster.md): given several endpoints, or ``discover=True`` (read the
    peers from ``GET /cluster``), every attempt is routed to a node by ``balancer``
    (P2C over peak EWMA by default); ``ejection`` takes failing nodes out (None: never),
    ``discovery`` says how often the peers are re-read. Each node has its own
    transports, breakers and concurrency limit; the retry budget stays one.
    ``cluster`` is then the ``qdpool.routing.Cluster`` (None for one node), and
    ``node_health()`` reports each node's state. One endpoint without ``discover``
    builds exactly the single-node client: no routing, no background task.
    """

    def __init__(
        self,
        endpoint: Endpoint | Sequence[Endpoint],
        *,
        api_key: str | None = None,
        protocol: Protocol = "rest",
        protocols: Sequence[Protocol] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        pool: PoolConfig | None = None,
        rest_transport: RestTransportName = "http1",
        httpx_client: httpx.AsyncClient | None = None,
        ssl_context: ssl.SSLContext | None = None,
        interceptors: Sequence[Interceptor] = (),
        transports: Mapping[str, Transport] | None = None,
        max_rest_body: int = MAX_REST_BODY,
        max_grpc_message: int = MAX_GRPC_MESSAGE,
        clock: Callable[[], float] = time.monotonic,
        retry: RetryPolicy | None = _DEFAULT_RETRY,
        retry_budget: RetryBudgetPolicy | None = _DEFAULT_BUDGET,
        breaker: BreakerPolicy | None = _DEFAULT_BREAKER,
        concurrency: ConcurrencyPolicy | None = _DEFAULT_CONCURRENCY,
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
        ejection: EjectionPolicy | None = _DEFAULT_EJECTION,
        discovery: DiscoveryPolicy | None = None,
    ) -> None:
        nodes = [endpoint] if isinstance(endpoint, Endpoint) else parse_nodes(endpoint)
        endpoint = nodes[0]
        self.endpoint = endpoint
        """The node, or the first node given (the seed of discovery)."""
        clustered = len(nodes) > 1 or validate.flag(discover, "discover")
        if clustered and transports is not None:
            raise InvalidInput("transports", "is for one node; a cluster makes each node's own")
        self.protocol: str = validate.protocol(protocol)
        if protocols is None:  # both, where the endpoint has an address for each
            grpc = endpoint.has_grpc or protocol == "grpc"  # the latter fails just below
            both: tuple[Protocol, ...] = ("rest", "grpc") if grpc else ("rest",)
            protocols = both
        self.protocols = tuple(validate.protocol(p) for p in protocols)
        if "grpc" in self.protocols and not endpoint.has_grpc:
            raise InvalidInput(
                "grpc_url",
                f"no gRPC address for {endpoint.host}: pass grpc_url= (qdpool derives gRPC's "
                "port 6334 only from REST's 6333), or use protocols=('rest',)",
            )
        if self.protocol not in self.protocols:
            raise InvalidInput("protocol", f"{protocol!r} is not among protocols={self.protocols}")
        self.timeout = validate.timeout(timeout)
        self.pool_config = pool or PoolConfig()
        if rest_transport not in ("http1", "aiohttp", "httpx"):
            raise InvalidInput(
                "rest_transport",
                f"must be 'http1', 'aiohttp' or 'httpx', not {rest_transport!r}",
            )
        if httpx_client is not None:
            rest_transport = "httpx"
        self.rest_transport = rest_transport
        limits = {
            "rest": validate.positive_int(max_rest_body, "max_rest_body", minimum=1024),
            "grpc": validate.positive_int(max_grpc_message, "max_grpc_message", minimum=1024),
        }
        self._clock = clock
        for node in nodes:
            if api_key is not None and not node.tls and not node.is_loopback:
                logger.warning(
                    "qdpool: the API key will travel in plaintext to %s; use an https:// URL "
                    "to send it over TLS",
                    node.host,
                )
        self._telemetry = (
            Telemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)
            if telemetry
            else None
        )
        telemetry_ = self._telemetry
        pool_config = self.pool_config
        protocols_ = self.protocols

        def transports_for(node: Endpoint) -> dict[str, Transport]:
            # A discovered or listed node without a gRPC address is reached over REST alone.
            wanted = [p for p in protocols_ if p != "grpc" or node.has_grpc]
            made = _open_transports(
                node, wanted, rest_transport, httpx_client, ssl_context, pool_config, clock
            )
            if telemetry_ is not None:
                telemetry_.watch_pools(node, made, pool_config)
            return made

        self.cluster: Cluster | None = None
        """The node set and its routing when there are several nodes; None for one."""
        if clustered:
            self.transports: dict[str, Transport] = {}
            """The single node's transports by protocol (a cluster's are ``cluster.transports``)."""
            self.cluster = Cluster(
                nodes,
                transports_for=transports_for,
                discover=discover,
                balancer=balancer,
                ejection=ejection,
                discovery=discovery,
                api_key=api_key,
                observer=observer,
                clock=clock,
                rng=rng,
            )
            self._protocol_set = frozenset(self.protocols)
        else:
            self.transports = (
                dict(transports) if transports is not None else transports_for(endpoint)
            )
            if transports is not None and telemetry_ is not None:
                telemetry_.watch_pools(endpoint, self.transports, pool_config)
            self._protocol_set = frozenset(self.transports)
        self._size_from_server = transports is None
        """Read each node's cores at start (not through transports the caller gave)."""
        chain = default_chain(
            api_key=api_key,
            interceptors=interceptors,
            telemetry=self._telemetry,
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
            cluster=self.cluster,
        )
        by_node = (
            self.cluster.transports if self.cluster is not None else {endpoint: self.transports}
        )
        self.pipeline = Pipeline(chain, Dispatch(by_node, limits))
        self._started = False
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._created_at = (
            "".join(traceback.format_stack(limit=8)[:-1]) if sys.flags.dev_mode else None
        )

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> Client:
        """Open and health-check the default protocol's connections (fails fast naming an
        unreachable address). The other protocol's connections are opened without waiting
        for them, so a REST client starts while gRPC is unreachable; calls on that protocol
        then fail (retryably) until it answers.

        Over a cluster, every given node is started (and, with ``discover``, the peers
        are read once); this fails only when none of them starts, and the others are
        retried in the background."""
        if self._closed:
            raise ClientClosed("client is closed")
        loop = asyncio.get_running_loop()
        if self._started:
            self._check_loop(loop)
            return self
        self._loop = loop
        try:
            if self.cluster is not None:
                await self.cluster.start()
            for name, transport in self.transports.items():
                await transport.start(verify=name == self.protocol)
            # The concurrency limit: 2 x each node's cores (a cluster sizes each node it opens).
            if self._size_from_server and self.cluster is None:
                await size_from_server(self.pipeline, clock=self._clock)
        except BaseException:
            await self.close()
            raise
        self._started = True
        return self

    def _check_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:
            raise LoopMismatch(
                "this client is bound to the event loop it started on, and was used from "
                "another one (e.g. a second asyncio.run()); create a client per event loop, "
                "or use qdpool.SyncClient from blocking code"
            )

    async def close(self) -> None:
        """Close every connection and task this client opened. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._telemetry is not None:
            self._telemetry.close()
        if self.cluster is not None:
            await self.cluster.close()
        for transport in self.transports.values():
            await transport.aclose()

    async def __aenter__(self) -> Client:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        if getattr(self, "_started", False) and not getattr(self, "_closed", True):
            where = f"; created at:\n{self._created_at}" if self._created_at else ""
            _warn(
                f"unclosed qdpool.Client {self.endpoint}: use 'async with' or await close(){where}",
                ResourceWarning,
                source=self,
                stacklevel=2,
            )

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("started" if self._started else "new")
        if self.cluster is not None:
            kind = "discovered" if self.cluster.discover else "given"
            lines = "".join(f"\n  {line}" for line in self.cluster.describe().splitlines())
            return (
                f"<qdpool.Client cluster of {len(self.cluster.nodes)} nodes ({kind}) "
                f"default={self.protocol} {state}:{lines}>"
            )
        parts = ", ".join(repr(t) for t in self.transports.values())
        return f"<qdpool.Client {self.endpoint} default={self.protocol} {state}: {parts}>"

    async def node_health(self) -> list[NodeHealth]:
        """Each node's routing state (state, latency, in flight, attempts, ejections).

        Empty on a single-node client, which keeps no routing state. A coroutine so that
        ``SyncClient`` reads the state on the event loop's thread, where it changes.
        """
        return self.cluster.health() if self.cluster is not None else []

    # ------------------------------------------------------------ plumbing

    def _run(
        self,
        operation: Operation[R],
        collection: str | None,
        body: Any,
        options: Options | None,
        protocol: str | None,
        timeout: float | None,
        path: Mapping[str, str] | None = None,
        stream: Stream | None = None,
    ) -> Awaitable[R]:
        """The call's awaitable: the pipeline's, once the client is started. A plain
        function, not a coroutine (the method awaiting it is one): a coroutine frame fewer
        on every call, and one fewer to resume each time the call wakes from I/O. Its
        errors are raised where the method awaits it, as a coroutine's would be."""
        if self._closed:
            raise ClientClosed("client is closed")
        if not self._started:
            return self._start_then_run(
                functools.partial(
                    self._run, operation, collection, body, options, protocol, timeout, path, stream
                )
            )
        if asyncio.get_running_loop() is not self._loop:
            self._check_loop(asyncio.get_running_loop())
        if protocol is None:
            proto = self.protocol
        else:
            proto = validate.protocol(protocol)
            if proto not in self._protocol_set:
                raise InvalidInput("protocol", f"{proto!r} is not among this client's protocols")
        if operation.grpc_method is None:
            proto = "rest"  # Qdrant has no gRPC method for this operation
        budget = self.timeout if timeout is None else validate.timeout(timeout)
        call = Call(
            operation, collection, proto, body, options, self._clock() + budget, self.endpoint, path
        )
        if stream is not None:
            call.stream = stream
        awaitable: Awaitable[R] = self.pipeline.handler(call)
        return awaitable

    async def _start_then_run(self, run: Callable[[], Awaitable[R]]) -> R:
        """The first call of a client not started yet: ``start()``, then ``run()`` (the call's
        own ``_run``, which finds the client started)."""
        await self.start()
        return await run()

    def _write_options(self, wait: bool, ordering: Ordering | None) -> Options:
        if ordering is None:
            return WAIT if validate.flag(wait, "wait") else NO_WAIT
        return Options(wait=validate.flag(wait, "wait"), ordering=_ordering(ordering))

    # ------------------------------------------------------------ collections

    async def create_collection(
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
        body = _collections.create_collection_request(
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
        )
        name = validate.collection_name(collection_name)
        return await self._run(ops.CREATE_COLLECTION, name, body, None, protocol, timeout)

    async def list_collections(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> list[str]:
        """The names of every collection."""
        return await self._run(ops.LIST_COLLECTIONS, None, None, None, protocol, timeout)

    async def get_collection(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> CollectionInfo:
        """A collection's status, counts and configuration."""
        name = validate.collection_name(collection_name)
        return await self._run(ops.GET_COLLECTION, name, None, None, protocol, timeout)

    async def collection_exists(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Whether a collection of that name exists."""
        name = validate.collection_name(collection_name)
        return await self._run(ops.COLLECTION_EXISTS, name, None, None, protocol, timeout)

    async def delete_collection(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Delete a collection; False (not an error) when it did not exist."""
        name = validate.collection_name(collection_name)
        return await self._run(ops.DELETE_COLLECTION, name, None, None, protocol, timeout)

    # ------------------------------------------------------------ collections, aliases, snapshots

    async def update_collection(
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
        body = _collections.update_collection_request(
            vectors_config=vectors_config,
            optimizers_config=optimizers_config,
            collection_params=collection_params,
            hnsw_config=hnsw_config,
            quantization_config=quantization_config,
            sparse_vectors_config=sparse_vectors_config,
            strict_mode_config=strict_mode_config,
            metadata=metadata,
        )
        name = validate.collection_name(collection_name)
        return await self._run(ops.UPDATE_COLLECTION, name, body, None, protocol, timeout)

    async def collection_cluster_info(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> CollectionClusterInfo:
        """Where the collection's shards are: on the peer that answers, and on others."""
        name = validate.collection_name(collection_name)
        return await self._run(ops.COLLECTION_CLUSTER_INFO, name, None, None, protocol, timeout)

    async def update_collection_aliases(
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
        ``{"delete_alias": {"alias_name"}}`` or qdrant-client's operation models."""
        body = _aliases.update_aliases_request(actions)
        return await self._run(ops.UPDATE_COLLECTION_ALIASES, None, body, None, protocol, timeout)

    async def create_alias(
        self,
        collection_name: str,
        alias_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Make ``alias_name`` another name of ``collection_name``."""
        body = {"actions": [_aliases.create_alias_action(collection_name, alias_name)]}
        return await self._run(ops.UPDATE_COLLECTION_ALIASES, None, body, None, protocol, timeout)

    async def delete_alias(
        self,
        alias_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Remove an alias (the collection stays)."""
        body = {"actions": [_aliases.delete_alias_action(alias_name)]}
        return await self._run(ops.UPDATE_COLLECTION_ALIASES, None, body, None, protocol, timeout)

    async def rename_alias(
        self,
        old_alias_name: str,
        new_alias_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Rename an alias; it keeps pointing at the same collection."""
        body = {"actions": [_aliases.rename_alias_action(old_alias_name, new_alias_name)]}
        return await self._run(ops.UPDATE_COLLECTION_ALIASES, None, body, None, protocol, timeout)

    async def get_aliases(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> list[AliasDescription]:
        """Every alias on the server and its collection."""
        return await self._run(ops.GET_ALIASES, None, None, None, protocol, timeout)

    async def get_collection_aliases(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[AliasDescription]:
        """The aliases of one collection."""
        name = validate.collection_name(collection_name)
        return await self._run(ops.GET_COLLECTION_ALIASES, name, None, None, protocol, timeout)

    async def delete_snapshot(
        self,
        collection_name: str,
        snapshot_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Delete one of a collection's snapshots (``NotFound`` if there is none of that name)."""
        name = validate.collection_name(collection_name)
        path = {"snapshot_name": _snapshots.snapshot_name(snapshot_name)}
        return await self._run(ops.DELETE_SNAPSHOT, name, None, None, protocol, timeout, path)

    async def download_snapshot(
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
        name = validate.collection_name(collection_name)
        file_name = _snapshots.snapshot_name(snapshot_name)
        listing = await self.list_snapshots(name, timeout=timeout)
        listed = _listed_snapshot(listing, file_name, checksum)
        path_params = {"snapshot_name": file_name}
        await self._download(ops.DOWNLOAD_SNAPSHOT, name, path_params, path, listed, timeout)
        return listed

    async def download_full_snapshot(
        self,
        snapshot_name: str,
        path: str | os.PathLike[str],
        *,
        checksum: str | None = None,
        timeout: float | None = None,
    ) -> SnapshotInfo:
        """``download_snapshot`` for a full-storage snapshot."""
        file_name = _snapshots.snapshot_name(snapshot_name)
        listed = _listed_snapshot(
            await self.list_full_snapshots(timeout=timeout), file_name, checksum
        )
        path_params = {"snapshot_name": file_name}
        await self._download(ops.DOWNLOAD_FULL_SNAPSHOT, None, path_params, path, listed, timeout)
        return listed

    async def _download(
        self,
        operation: Operation[bytes],
        collection: str | None,
        path_params: Mapping[str, str],
        path: str | os.PathLike[str],
        listed: SnapshotInfo,
        timeout: float | None,
    ) -> None:
        """Stream a snapshot download to ``path`` (``transport.streams.Download``). Hedging is
        off for it: a hedge would be a second transfer into the same file."""
        sink = Download(path, listed.checksum or "")
        try:
            with override(hedge=None):
                await self._run(
                    operation, collection, None, None, "rest", timeout, path_params, sink
                )
            await asyncio.to_thread(sink.commit)
        finally:
            sink.discard()

    async def recover_snapshot(
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
        Over REST (Qdrant has no gRPC method for it); ``upload_snapshot`` sends a local file."""
        name = validate.collection_name(collection_name)
        body = _snapshots.recover_request(
            location=location, priority=priority, checksum=checksum, api_key=api_key
        )
        options = WAIT if validate.flag(wait, "wait") else NO_WAIT
        return await self._run(ops.RECOVER_SNAPSHOT, name, body, options, "rest", timeout)

    async def upload_snapshot(
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
        name = validate.collection_name(collection_name)
        options = _snapshots.upload_options(
            wait=validate.flag(wait, "wait"), priority=priority, checksum=checksum
        )
        source = await asyncio.to_thread(Upload, path)
        return await self._run(
            ops.UPLOAD_SNAPSHOT, name, None, options, "rest", timeout, None, source
        )

    async def create_full_snapshot(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> SnapshotInfo:
        """Snapshot the whole storage (every collection and the aliases)."""
        return await self._run(ops.CREATE_FULL_SNAPSHOT, None, None, None, protocol, timeout)

    async def list_full_snapshots(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> list[SnapshotInfo]:
        """The full-storage snapshots."""
        return await self._run(ops.LIST_FULL_SNAPSHOTS, None, None, None, protocol, timeout)

    async def delete_full_snapshot(
        self,
        snapshot_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Delete a full-storage snapshot."""
        path = {"snapshot_name": _snapshots.snapshot_name(snapshot_name)}
        return await self._run(ops.DELETE_FULL_SNAPSHOT, None, None, None, protocol, timeout, path)

    async def create_shard_key(
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
        ``"Active"``). Point operations then select it with ``shard_key_selector``."""
        name = validate.collection_name(collection_name)
        body = _shard_keys.create_request(
            shard_key,
            shards_number=shards_number,
            replication_factor=replication_factor,
            placement=placement,
            initial_state=initial_state,
        )
        return await self._run(ops.CREATE_SHARD_KEY, name, body, None, protocol, timeout)

    async def delete_shard_key(
        self,
        collection_name: str,
        shard_key: ShardKey,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Delete ``shard_key`` and the points stored under it."""
        name = validate.collection_name(collection_name)
        body = _shard_keys.delete_request(shard_key)
        return await self._run(ops.DELETE_SHARD_KEY, name, body, None, protocol, timeout)

    async def list_shard_keys(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[ShardKey] | None:
        """The shard keys of a collection with custom sharding; None when it has none (as
        Qdrant, for a collection without custom sharding, too)."""
        name = validate.collection_name(collection_name)
        return await self._run(ops.LIST_SHARD_KEYS, name, None, None, protocol, timeout)

    # ------------------------------------------------------------ points

    async def upsert(
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
        name = validate.collection_name(collection_name)
        body = _points.upsert_request(points, update_filter=update_filter, update_mode=update_mode)
        options = self._write_options(wait, ordering)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(ops.UPSERT, name, body, options, protocol, timeout)

    async def upload_points(
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
        name = validate.collection_name(collection_name)
        size = validate.positive_int(batch_size, "batch_size")
        width = validate.positive_int(parallel, "parallel")
        proto = self.protocol if protocol is None else validate.protocol(protocol)
        options = self._write_options(wait, ordering)

        def check(batch: list[Any], start: int) -> list[Any]:
            return _points.upsert_request(batch, start=start)["points"]  # type: ignore[no-any-return]

        source = ingest.point_batches(points, size, check)
        conditions = _points.upsert_conditions(update_filter, update_mode)
        return await self._upload(
            name, source, width, options, proto, timeout, progress, shard_key_selector, conditions
        )

    async def upload_collection(
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
        name = validate.collection_name(collection_name)
        size = validate.positive_int(batch_size, "batch_size")
        width = validate.positive_int(parallel, "parallel")
        proto = self.protocol if protocol is None else validate.protocol(protocol)
        options = self._write_options(wait, ordering)
        if validate.is_array(vectors) or isinstance(vectors, Mapping):
            source = ingest.column_batches(vectors, ids, payload, size)
        else:

            def check(batch: list[Any], start: int) -> list[Any]:
                return _points.upsert_request(batch, start=start)["points"]  # type: ignore[no-any-return]

            points = ingest.zip_points(vectors, ids, payload)
            source = ingest.point_batches(points, size, check)
        conditions = _points.upsert_conditions(update_filter, update_mode)
        return await self._upload(
            name, source, width, options, proto, timeout, progress, shard_key_selector, conditions
        )

    async def _upload(
        self,
        name: str,
        source: Iterator[PointRows],
        parallel: int,
        options: Options,
        protocol: str,
        timeout: float | None,
        progress: Progress | None,
        shard_key_selector: ShardKeySelector | None,
        conditions: Mapping[str, Any],
    ) -> int:
        # Both checked before anything is sent; every batch carries them.
        extra = shard_keys.with_selector(dict(conditions), shard_key_selector)

        async def send(batch: PointRows) -> object:
            body = {"points": batch, **extra}
            return await self._run(ops.UPSERT, name, body, options, protocol, timeout)

        return await ingest.upload(source, parallel=parallel, send=send, progress=progress)

    async def retrieve(
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
        name = validate.collection_name(collection_name)
        body = _points.retrieve_request(ids, with_payload=with_payload, with_vector=with_vector)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(
            ops.RETRIEVE, name, body, _read_options(consistency), protocol, timeout
        )

    async def count(
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
        name = validate.collection_name(collection_name)
        body = _points.count_request(filter=filter, exact=exact)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(ops.COUNT, name, body, _read_options(consistency), protocol, timeout)

    async def delete(
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
        name = validate.collection_name(collection_name)
        body = _points.delete_request(ids=ids, filter=filter)
        options = self._write_options(wait, ordering)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(ops.DELETE_POINTS, name, body, options, protocol, timeout)

    async def query_points(
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
        example ids are read from."""
        name = validate.collection_name(collection_name)
        body = _query.query_request(
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
        )
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(
            ops.QUERY_POINTS, name, body, _read_options(consistency), protocol, timeout
        )

    async def scroll(
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
        next offset (page on with ``start_from``)."""
        name = validate.collection_name(collection_name)
        body = _points.scroll_request(
            limit=limit,
            offset=offset,
            filter=filter,
            with_payload=with_payload,
            with_vector=with_vector,
            order_by=order_by,
        )
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(
            ops.SCROLL, name, body, _read_options(consistency), protocol, timeout
        )

    async def scroll_all(
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
                consistency=consistency,
                protocol=protocol,
                timeout=timeout,
            )
            for record in records:
                yield record
            if offset is None:
                return

    # ------------------------------------------------------------ queries and reads

    async def query_batch_points(
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
        qdrant-client ``QueryRequest``; one list of hits per request, in order."""
        name = validate.collection_name(collection_name)
        body = _search.query_batch_request(requests)
        return await self._run(
            ops.QUERY_BATCH_POINTS, name, body, _read_options(consistency), protocol, timeout
        )

    async def query_points_groups(
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
        from that collection."""
        name = validate.collection_name(collection_name)
        body = _search.query_groups_request(
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
        )
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(
            ops.QUERY_POINTS_GROUPS, name, body, _read_options(consistency), protocol, timeout
        )

    async def facet(
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
        ``filter``) with their counts; ``exact=True`` counts exactly."""
        name = validate.collection_name(collection_name)
        body = _search.facet_request(key, filter=filter, limit=limit, exact=exact)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(ops.FACET, name, body, _read_options(consistency), protocol, timeout)

    async def search_matrix_pairs(
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
        ``filter``), each with its ``limit`` nearest among the others."""
        name = validate.collection_name(collection_name)
        body = _search.matrix_request(filter=filter, sample=sample, limit=limit, using=using)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(
            ops.SEARCH_MATRIX_PAIRS, name, body, _read_options(consistency), protocol, timeout
        )

    async def search_matrix_offsets(
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
        name = validate.collection_name(collection_name)
        body = _search.matrix_request(filter=filter, sample=sample, limit=limit, using=using)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(
            ops.SEARCH_MATRIX_OFFSETS, name, body, _read_options(consistency), protocol, timeout
        )

    # ------------------------------------------------------------ point writes, payload, indexes

    async def update_vectors(
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
        (else nothing is written). ``update_filter``: only points matching it change."""
        name = validate.collection_name(collection_name)
        body = _vectors.update_vectors_request(points, update_filter=update_filter)
        options = self._write_options(wait, ordering)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(ops.UPDATE_VECTORS, name, body, options, protocol, timeout)

    async def delete_vectors(
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
        ``filter``; the points and their other vectors stay."""
        name = validate.collection_name(collection_name)
        body = _vectors.delete_vectors_request(vectors, points=points, filter=filter)
        options = self._write_options(wait, ordering)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(ops.DELETE_VECTORS, name, body, options, protocol, timeout)

    async def set_payload(
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
        ``"meta.owner"`` or ``"tags[0]"``), ``payload`` is merged into the object there."""
        name = validate.collection_name(collection_name)
        body = _payload.set_payload_request(payload, points=points, filter=filter, key=key)
        options = self._write_options(wait, ordering)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(ops.SET_PAYLOAD, name, body, options, protocol, timeout)

    async def overwrite_payload(
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
        with ``payload`` (at ``key``, if given)."""
        name = validate.collection_name(collection_name)
        body = _payload.set_payload_request(payload, points=points, filter=filter, key=key)
        options = self._write_options(wait, ordering)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(ops.OVERWRITE_PAYLOAD, name, body, options, protocol, timeout)

    async def delete_payload(
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
        by ``points`` (ids) or ``filter``."""
        name = validate.collection_name(collection_name)
        body = _payload.delete_payload_request(keys, points=points, filter=filter)
        options = self._write_options(wait, ordering)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(ops.DELETE_PAYLOAD, name, body, options, protocol, timeout)

    async def clear_payload(
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
        name = validate.collection_name(collection_name)
        body = _payload.clear_payload_request(points=points, filter=filter)
        options = self._write_options(wait, ordering)
        body = shard_keys.with_selector(body, shard_key_selector)
        return await self._run(ops.CLEAR_PAYLOAD, name, body, options, protocol, timeout)

    async def batch_update_points(
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
        Returns one result per operation."""
        name = validate.collection_name(collection_name)
        body = _points.batch_update_request(update_operations)
        options = self._write_options(wait, ordering)
        return await self._run(ops.BATCH_UPDATE_POINTS, name, body, options, protocol, timeout)

    async def create_payload_index(
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
        (or qdrant-client's ``KeywordIndexParams``, ``TextIndexParams``...)."""
        name = validate.collection_name(collection_name)
        body = _indexes.create_payload_index_request(field_name, field_schema)
        options = self._write_options(wait, ordering)
        return await self._run(ops.CREATE_PAYLOAD_INDEX, name, body, options, protocol, timeout)

    async def delete_payload_index(
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
        name = validate.collection_name(collection_name)
        path = {"field_name": _indexes.field_name(field_name)}
        options = self._write_options(wait, ordering)
        return await self._run(
            ops.DELETE_PAYLOAD_INDEX, name, None, options, protocol, timeout, path=path
        )

    # ------------------------------------------------------------ snapshots, cluster, health

    async def create_snapshot(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> SnapshotInfo:
        """Snapshot a collection on the server; returns its name, size and checksum."""
        name = validate.collection_name(collection_name)
        return await self._run(ops.CREATE_SNAPSHOT, name, None, None, protocol, timeout)

    async def list_snapshots(
        self,
        collection_name: str,
        *,
        protocol: Protocol | None = None,
        timeout: float | None = None,
    ) -> list[SnapshotInfo]:
        """The snapshots of a collection."""
        name = validate.collection_name(collection_name)
        return await self._run(ops.LIST_SNAPSHOTS, name, None, None, protocol, timeout)

    async def cluster_status(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Cluster status (``{"status": "disabled"}`` on a single node).

        Qdrant has no gRPC method for this, so it always goes over REST.
        """
        return await self._run(ops.CLUSTER_STATUS, None, None, None, protocol, timeout)

    async def health(
        self, *, protocol: Protocol | None = None, timeout: float | None = None
    ) -> HealthInfo:
        """The server's title and version (``GET /`` or ``qdrant.Qdrant/HealthCheck``)."""
        return await self._run(ops.HEALTH, None, None, None, protocol, timeout)

    # ------------------------------------------------------------ escape hatch

    async def rest_request(
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
        operation = _raw.rest_operation(method, path, read=read, idempotent=idempotent)
        checked = None if body is None else validate.json_value(validate.plain(body), "body")
        return await self._run(operation, None, checked, None, "rest", timeout)

    async def grpc_request(
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
        answer is parsed into ``response_type``, or returned as bytes without one."""
        decoder: Any = response_type  # a message class, or None for bytes
        operation = _raw.grpc_operation(method, decoder, read=read, idempotent=idempotent)
        if not isinstance(request, bytes | Message):
            raise InvalidInput("request", "must be a protobuf message or bytes")
        result: M | bytes = await self._run(operation, None, request, None, "grpc", timeout)
        return result


def _listed_snapshot(
    listing: list[SnapshotInfo], file_name: str, checksum: str | None
) -> SnapshotInfo:
    """The listing's entry for ``file_name``, with the checksum to verify its download by."""
    found = next((s for s in listing if s.name == file_name), None)
    if found is None:
        raise NotFound(f"Snapshot {file_name} not found", protocol="rest", status=404)
    if checksum is not None:
        return SnapshotInfo(found.name, found.creation_time, found.size, checksum)
    if not found.checksum:
        raise InvalidInput("checksum", "the server lists none for this snapshot: give one")
    return found


def _read_options(consistency: Consistency | None) -> Options | None:
    if consistency is None:
        return None
    if isinstance(consistency, bool) or not isinstance(consistency, int | str):
        raise InvalidInput("consistency", "must be a number of replicas, majority, quorum or all")
    if isinstance(consistency, int):
        return Options(consistency=validate.positive_int(consistency, "consistency"))
    if consistency not in ("majority", "quorum", "all"):
        raise InvalidInput(
            "consistency", f"must be majority, quorum, all or a number, not {consistency!r}"
        )
    return Options(consistency=consistency)


def _ordering(value: object) -> str:
    if value not in ("weak", "medium", "strong"):
        raise InvalidInput("ordering", f"must be weak, medium or strong, not {value!r}")
    return str(value)


def _open_transports(
    endpoint: Endpoint,
    protocols: Sequence[str],
    rest_transport: str,
    httpx_client: httpx.AsyncClient | None,
    ssl_context: ssl.SSLContext | None,
    pool: PoolConfig,
    clock: Callable[[], float],
) -> dict[str, Transport]:
    transports: dict[str, Transport] = {}
    if "rest" in protocols:
        if rest_transport == "httpx":
            transports["rest"] = HttpxTransport(
                endpoint, pool, client=httpx_client, ssl_context=ssl_context, clock=clock
            )
        elif rest_transport == "aiohttp":
            transports["rest"] = AiohttpTransport(
                endpoint, pool, ssl_context=ssl_context, clock=clock
            )
        else:
            transports["rest"] = Http1Transport(
                endpoint, pool, ssl_context=ssl_context, clock=clock
            )
    if "grpc" in protocols:
        transports["grpc"] = GrpcTransport(endpoint, pool, clock=clock)
    return transports


def connect(
    url: str | Sequence[NodeSpec] | None = None,
    *,
    grpc_url: str | None = None,
    api_key: str | None = _UNSET,
    protocol: Protocol = "rest",
    protocols: Sequence[Protocol] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    pool: PoolConfig | None = None,
    rest_transport: RestTransportName = "http1",
    httpx_client: httpx.AsyncClient | None = None,
    ssl_context: ssl.SSLContext | None = None,
    interceptors: Sequence[Interceptor] = (),
    transports: Mapping[str, Transport] | None = None,
    max_rest_body: int = MAX_REST_BODY,
    max_grpc_message: int = MAX_GRPC_MESSAGE,
    clock: Callable[[], float] = time.monotonic,
    retry: RetryPolicy | None = _DEFAULT_RETRY,
    retry_budget: RetryBudgetPolicy | None = _DEFAULT_BUDGET,
    breaker: BreakerPolicy | None = _DEFAULT_BREAKER,
    concurrency: ConcurrencyPolicy | None = _DEFAULT_CONCURRENCY,
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
    ejection: EjectionPolicy | None = _DEFAULT_EJECTION,
    discovery: DiscoveryPolicy | None = None,
) -> Client:
    """A client for the Qdrant node at ``url`` (REST) and ``grpc_url`` (gRPC).

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
    if url is None:
        url = os.environ.get("QDRANT_URL") or DEFAULT_URL
    if api_key is _UNSET:
        api_key = os.environ.get("QDRANT_API_KEY") or None
    nodes: Endpoint | list[Endpoint]
    if isinstance(url, str):
        nodes = Endpoint.from_urls(url, grpc_url)
    else:
        if grpc_url is not None:
            raise InvalidInput("grpc_url", "is for one URL; give (rest_url, grpc_url) pairs")
        nodes = parse_nodes(url)
    return Client(
        nodes,
        api_key=api_key,
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
        clock=clock,
        retry=retry,
        retry_budget=retry_budget,
        breaker=breaker,
        concurrency=concurrency,
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
        ejection=ejection,
        discovery=discovery,
    )
