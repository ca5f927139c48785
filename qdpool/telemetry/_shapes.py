"""What telemetry derives from a call's shape, computed once per shape and reused.

A call's *shape* is its operation, collection, protocol and endpoint. Span
names, the attributes a span starts with and the attributes of every metric
point depend on nothing else, so they are built the first time a shape is seen
and kept in a small bounded cache. The hot path then passes ready-made,
never-mutated dicts to ``start_span`` and ``record``: samplers see the
attributes at span start, and nothing is built per call unless the span is
recording (``url.full``, the attempt number, error details).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from qdpool.errors import ApiError, RetryBudgetExhausted
from qdpool.telemetry import semconv as sc
from qdpool.transport.codec_json import path_for

if TYPE_CHECKING:
    from qdpool.call import Call
    from qdpool.endpoint import Endpoint
    from qdpool.operations.spec import Operation

Attributes = Mapping[str, Any]

_MAX_SHAPES = 1024
_SENSITIVE_QUERY_KEYS = frozenset({"api-key", "api_key", "apikey", "key", "token", "access_token"})


class Shape:
    """The ready-made names and attributes for one (operation, collection, protocol, endpoint)."""

    __slots__ = (
        "attempt_attributes",
        "attempt_name",
        "collection",
        "counter_attributes",
        "endpoint",
        "is_rest",
        "metric_attributes",
        "operation",
        "pool_name",
        "protocol",
        "rest_base",
        "span_attributes",
        "span_name",
        "url",
        "wait_attributes",
    )

    def __init__(
        self, operation: Operation[Any], collection: str | None, protocol: str, endpoint: Endpoint
    ) -> None:
        self.operation = operation
        self.collection = collection
        self.protocol = protocol
        self.endpoint = endpoint
        grpc = protocol == "grpc" and operation.rpc_method is not None
        self.is_rest = not grpc
        """Whether attempts follow the HTTP conventions (else the RPC ones)."""
        if grpc:
            address, port = endpoint.grpc_host or endpoint.host, endpoint.grpc_port
        else:
            address, port = endpoint.host, endpoint.rest_port
        self.rest_base = redact_url(endpoint.rest_url)
        self.url: str | None = None
        """``url.full`` of this shape's calls without path parameters or options (made
        the first time a recording span needs it)."""
        self.pool_name = pool_name(endpoint, "grpc" if grpc else "rest")

        self.span_name = f"{operation.name} {collection}" if collection else operation.name
        span: dict[str, Any] = {
            sc.DB_SYSTEM_NAME: sc.DB_SYSTEM,
            sc.DB_OPERATION_NAME: operation.name,
        }
        if collection:
            span[sc.DB_COLLECTION_NAME] = collection
        span[sc.SERVER_ADDRESS] = address
        span[sc.SERVER_PORT] = port

        counter = {
            sc.DB_SYSTEM_NAME: sc.DB_SYSTEM,
            sc.DB_OPERATION_NAME: operation.name,
            sc.SERVER_ADDRESS: address,
            sc.SERVER_PORT: port,
            sc.QDPOOL_PROTOCOL: protocol,
        }
        self.counter_attributes: Attributes = counter
        self.wait_attributes: Attributes = {
            **counter,
            sc.DB_CLIENT_CONNECTION_POOL_NAME: self.pool_name,
        }
        """``db.client.connection.wait_time``'s: the counters' and the pool's name."""
        self.metric_attributes: Attributes = {**span, sc.QDPOOL_PROTOCOL: protocol}

        attempt: dict[str, Any]
        if grpc:
            rpc_method = operation.rpc_method
            assert rpc_method is not None
            span[sc.RPC_SYSTEM_NAME] = "grpc"
            span[sc.RPC_METHOD] = rpc_method
            self.attempt_name = rpc_method
            attempt = {
                sc.RPC_SYSTEM_NAME: "grpc",
                sc.RPC_METHOD: rpc_method,
                sc.SERVER_ADDRESS: address,
                sc.SERVER_PORT: port,
            }
        else:
            span[sc.HTTP_REQUEST_METHOD] = operation.rest_method
            self.attempt_name = f"{operation.rest_method} {operation.rest_path}"
            attempt = {
                sc.HTTP_REQUEST_METHOD: operation.rest_method,
                sc.SERVER_ADDRESS: address,
                sc.SERVER_PORT: port,
                sc.URL_TEMPLATE: operation.rest_path,
            }
        if _is_ip(address):
            # The node an attempt reached (each attempt is routed on its own in a cluster).
            attempt[sc.NETWORK_PEER_ADDRESS] = address
            attempt[sc.NETWORK_PEER_PORT] = port
        self.span_attributes: Attributes = span
        self.attempt_attributes: Attributes = attempt

    def url_full(self, call: Call) -> str:
        """The request URL without credentials (there are none in it: the key is a header)."""
        if call.path or (call.options is not None and call.options.rest_query):
            return self._url_full(call)
        url = self.url
        if url is None:  # the same for every call of this shape
            url = self.url = self._url_full(call)
        return url

    def _url_full(self, call: Call) -> str:
        path = path_for(call)
        if "?" in path:  # a literal target from the escape hatch: never show a credential
            path, _, query = path.partition("?")
            pairs = [pair.partition("=") for pair in query.split("&")]
            path += "?" + urlencode(
                [(k, "REDACTED" if k.lower() in _SENSITIVE_QUERY_KEYS else v) for k, _, v in pairs]
            )
        url = self.rest_base + path
        if call.options is not None and call.options.rest_query:
            url += ("&" if "?" in path else "?") + call.options.rest_query
        return url


class Shapes:
    """A bounded cache of ``Shape`` keyed by object identity (checked on every hit)."""

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[tuple[int, str | None, str, int], Shape] = {}

    def get(self, call: Call) -> Shape:
        op, endpoint, protocol = call.operation, call.endpoint, call.protocol
        key = (id(op), call.collection, protocol, id(endpoint))
        shape = self._cache.get(key)
        if shape is None or shape.operation is not op or shape.endpoint is not endpoint:
            if len(self._cache) >= _MAX_SHAPES:
                self._cache.clear()
            shape = self._cache[key] = Shape(op, call.collection, protocol, endpoint)
        return shape

    def __len__(self) -> int:
        return len(self._cache)


def _is_ip(host: str) -> bool:
    """``network.peer.address`` is an IP address; a host name goes in ``server.address`` only."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def pool_name(endpoint: Endpoint, protocol: str) -> str:
    """``db.client.connection.pool.name``: address and protocol, e.g. ``localhost:6334/grpc``."""
    if protocol == "grpc":
        return f"{endpoint.grpc_target}/grpc"
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    return f"{host}:{endpoint.rest_port}/rest"


def redact_url(url: str) -> str:
    """``url`` with any user name and password replaced by ``REDACTED`` (as the conventions ask)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"REDACTED:REDACTED@{host}", parts.path, parts.query, ""))


def qualified_name(kind: type[BaseException]) -> str:
    """The exception class's name as the conventions want it: module-qualified, builtins bare."""
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def classify(error: BaseException) -> tuple[str, str | None]:
    """``(error.type, db.response.status_code)`` for a failed call or attempt.

    The status code is the HTTP status or the gRPC code name, as a string, when
    the server (or the transport) gave one; ``error.type`` is that code, as the
    conventions advise, and otherwise the qualified exception class name. A
    ``RetryBudgetExhausted`` reports the status of the error it gave up on.
    """
    cause = error.last_error if isinstance(error, RetryBudgetExhausted) else error
    status = cause.status if isinstance(cause, ApiError) else None
    if status is not None:
        code = str(status)
        return code, code
    return qualified_name(type(error)), None


def is_cancellation(error: BaseException) -> bool:
    return isinstance(error, asyncio.CancelledError)


def describe(error: BaseException, limit: int = 256) -> str:
    """A short status description: the error's message (qdpool messages never hold the key)."""
    text = str(error) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
