"""``Operation``: everything qdpool knows about one of Qdrant's operations, in one value.

A spec names the operation (``db.operation.name``), its REST route and gRPC
method, whether it reads and whether repeating it is safe, which request options
it takes, and the functions that carry it over the wire in both directions:

====================  =========================================================
``decode_rest``       client: the REST ``result`` JSON -> the typed result
``grpc.encode``       client: the ``Call`` (REST-shaped body) -> request message
``grpc.decode``       client: the reply message -> the same typed result
``grpc.to_rest``      server: a request message -> ``(collection, body, params)``
``grpc.from_rest``    server: a REST ``result`` JSON -> the reply message
``split``/``merge``   a request too large for one message, cut where the protocol
                      is final (the transport's terminal), and its parts' results
====================  =========================================================

Client methods, transports, telemetry and the embedded server all read the spec a
call carries; nothing is looked up by an operation's name. Argument validation
(typed Python values in, one REST-shaped request out) lives beside each spec, in
the module of its family.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from qdpool.wire import shard_keys

if TYPE_CHECKING:
    from google.protobuf.message import Message

    from qdpool.call import Call

R = TypeVar("R")

RestRequest = tuple[str | None, Any, dict[str, str]]
"""What the server's gRPC door hands the engine: ``(collection, REST body, REST params)``."""


@dataclass(frozen=True, slots=True)
class GrpcCodec(Generic[R]):
    """How an operation travels over gRPC, in both directions.

    Attributes:
        request: the request message class (qdpool's own, Qdrant's field numbers), or
            None when the call carries any message or its bytes (the escape hatch).
        response: the reply message class, or None to hand the reply's bytes to ``decode``.
        encode: client: a call -> its request message.
        decode: client: a reply message -> the typed result.
        to_rest: server: a request message -> ``(collection, REST body, REST params)``;
            refuses (``InvalidInput``) any field it does not honour.
        from_rest: server: the REST ``result`` JSON and the elapsed seconds -> the reply.
    """

    request: type[Message] | None
    response: type[Message] | None
    encode: Callable[[Call], Message | bytes]
    decode: Callable[[Any], R]
    to_rest: Callable[[Any], RestRequest]
    from_rest: Callable[[Any, float], Message]


Splitter = Callable[["Call", int], Iterator["Call"]]
"""``split(call, limit)``: the parts of a call, each under ``limit`` bytes on its protocol."""


@dataclass(frozen=True, slots=True, eq=False)
class Operation(Generic[R]):
    """One Qdrant operation; identical for every call of that kind, built once at import.

    Attributes:
        name: the ``db.operation.name`` for telemetry, e.g. ``"query_points"``
            (qdrant-client's method name, so traces read as users' code does).
        rest_method: HTTP method.
        rest_path: path template: ``{collection}`` and further ``{names}`` from ``Call.path``.
        grpc_method: the full gRPC method path, e.g. ``"/qdrant.Points/Query"``, or None
            where Qdrant has no gRPC method (then the call goes over REST).
        idempotent: repeating it has the same effect as doing it once, so a retry is safe
            even when the first attempt may have been processed.
        read: it changes nothing (so it may be hedged).
        decode_rest: the REST ``result`` (or, with ``envelope=False``, the whole answer)
            -> the typed result; with ``raw_answer``, the answer's bytes -> the result.
        grpc: the gRPC codec, or None. Where its request message has a
            ``shard_key_selector``, the spec carries the body's ``shard_key`` in it both
            ways (``wire.shard_keys.codec``).
        server_timeout: the REST route takes ``?timeout=`` (whole seconds) to cap the
            server's own work; the REST transports send what remains of the attempt.
        options: the request options (``Options`` fields) the operation takes.
        envelope: Qdrant wraps the answer in ``{"result": ...}`` (all but ``GET /``).
        raw_answer: the REST answer's bytes go to ``decode_rest`` as they came, not parsed
            as JSON first: a file (a snapshot download), or an answer that carries points,
            which ``wire.rest_points`` decodes in one typed pass. A ``ValueError`` from it
            means the answer was malformed.
        split: cuts an oversized request into parts (upserts), or None.
        merge: combines the parts' results into the call's result.
    """

    name: str
    rest_method: str
    rest_path: str
    grpc_method: str | None
    idempotent: bool
    read: bool
    decode_rest: Callable[[Any], R]
    grpc: GrpcCodec[R] | None = None
    server_timeout: bool = False
    options: frozenset[str] = frozenset()
    envelope: bool = True
    raw_answer: bool = False
    split: Splitter | None = None
    merge: Callable[[list[R]], R] | None = None
    rpc_method: str | None = field(init=False, repr=False)
    """``rpc.method`` for telemetry: the gRPC path without its leading slash."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rpc_method", self.grpc_method[1:] if self.grpc_method else None)
        if (self.grpc_method is None) != (self.grpc is None):
            raise ValueError(f"{self.name}: grpc_method and grpc go together")
        if (self.split is None) != (self.merge is None):
            raise ValueError(f"{self.name}: split and merge go together")
        if self.grpc is not None:
            # Custom sharding's selector is a field of every point operation's request
            # message; carrying it is the codec's business, not each spec's to remember.
            object.__setattr__(self, "grpc", shard_keys.codec(self.grpc))

    def __repr__(self) -> str:
        return f"Operation({self.name})"
