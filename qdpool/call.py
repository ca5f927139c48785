"""The unit that flows through the pipeline: one ``Call`` per logical operation.

A ``Call`` names its ``Operation`` (the spec shared by every call of that kind:
routes, flags, encoders and decoders; see ``qdpool.operations``), carries the
request in Qdrant's REST JSON shape (validated before the call was built; the
gRPC encoder of the spec converts it), typed request ``Options``, and the
absolute deadline of the whole logical call.

Interceptors may change ``protocol``, ``endpoint``, ``headers`` and the
per-attempt fields; everything else is fixed when the client builds the call.
A hedge needs two attempts in flight at once, so it works on ``copy()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qdpool.endpoint import Endpoint
    from qdpool.operations.spec import Operation
    from qdpool.transport.streams import Stream

__all__ = ["NO_WAIT", "WAIT", "Call", "Options"]


@dataclass(frozen=True, slots=True)
class Options:
    """Typed request options that Qdrant takes beside the body (REST query parameters,
    gRPC request fields). ``None`` leaves Qdrant's default.

    Attributes:
        wait: writes: answer once the change is applied (``True``) or once it is logged.
        ordering: writes in a cluster: ``"weak"``, ``"medium"`` or ``"strong"``.
        consistency: reads in a cluster: a number of replicas, or ``"majority"``,
            ``"quorum"``, ``"all"``.
        rest_query: the REST query string of these options (``wait=true&ordering=strong``),
            built once here so a call pays nothing for it.
    """

    wait: bool | None = None
    ordering: str | None = None
    consistency: int | str | None = None
    rest_query: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = []
        if self.wait is not None:
            parts.append(f"wait={'true' if self.wait else 'false'}")
        if self.ordering is not None:
            parts.append(f"ordering={self.ordering}")
        if self.consistency is not None:
            parts.append(f"consistency={self.consistency}")
        object.__setattr__(self, "rest_query", "&".join(parts))


WAIT = Options(wait=True)
NO_WAIT = Options(wait=False)


@dataclass(slots=True, init=False)
class Call:
    """One logical call on its way through the pipeline.

    Attributes:
        operation: the spec of what is being done.
        collection: the collection it targets, or None.
        protocol: ``"rest"`` or ``"grpc"``; fallback may switch it.
        body: the request in Qdrant's REST JSON shape, or None (GET, DELETE). For the
            escape hatch over gRPC, the request message or its bytes.
        options: typed request options (``wait``, ``ordering``, ``consistency``), or None.
        deadline: absolute expiry of the whole logical call on ``clock``'s timebase.
        endpoint: the node this attempt goes to; set by the client, and later by a balancer.
        path: further path parameters of the REST route besides ``{collection}``
            (e.g. ``{"field_name": "city"}``), or None.
        encoded: the REST body already encoded (an upsert split by encoded size has its
            bytes before its part is sent); None to encode ``body`` on demand.
        headers: extra request metadata (REST headers / gRPC metadata), e.g. the API key,
            ``traceparent``. Lower-case keys.
        attempt: 0 for the first attempt, then 1, 2, ... (retries and hedges).
        attempt_deadline: the deadline of the current attempt (never later than ``deadline``).
        sent: set by transports once the request may have reached the server.
        status: the HTTP status of a REST attempt's answer once it arrived (telemetry reads
            it for ``http.response.status_code``), else None.
        stream: a file the REST body is streamed from, or the answer streamed to
            (``qdpool.transport.streams``: a snapshot upload or download), else None. It
            is not copied into hedges (the client turns hedging off for such calls).
    """

    operation: Operation[Any]
    collection: str | None
    protocol: str
    body: Any
    options: Options | None
    deadline: float
    endpoint: Endpoint
    path: Mapping[str, str] | None = None
    encoded: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    attempt: int = 0
    attempt_deadline: float = 0.0
    sent: bool = False
    status: int | None = None
    stream: Stream | None = None

    def __init__(
        self,
        operation: Operation[Any],
        collection: str | None,
        protocol: str,
        body: Any,
        options: Options | None,
        deadline: float,
        endpoint: Endpoint,
        path: Mapping[str, str] | None = None,
        encoded: bytes | None = None,
        headers: dict[str, str] | None = None,
        attempt: int = 0,
        attempt_deadline: float = 0.0,
        sent: bool = False,
        status: int | None = None,
        stream: Stream | None = None,
    ) -> None:
        # Written out (not the dataclass's): one is made per call, and this one needs no
        # default factory and no __post_init__ call. ``headers`` None is a new dict;
        # ``attempt_deadline`` 0 is the call's deadline.
        self.operation = operation
        self.collection = collection
        self.protocol = protocol
        self.body = body
        self.options = options
        self.deadline = deadline
        self.endpoint = endpoint
        self.path = path
        self.encoded = encoded
        self.headers = {} if headers is None else headers
        self.attempt = attempt
        self.attempt_deadline = attempt_deadline or deadline
        self.sent = sent
        self.status = status
        self.stream = stream

    def copy(self) -> Call:
        """An independent copy for a concurrent attempt (a hedge); headers are copied too."""
        return Call(
            self.operation,
            self.collection,
            self.protocol,
            self.body,
            self.options,
            self.deadline,
            self.endpoint,
            self.path,
            self.encoded,
            dict(self.headers),
            self.attempt,
            self.attempt_deadline,
            False,
        )

    def part(self, body: Any, encoded: bytes | None) -> Call:
        """One request of a call split by size: the same call with a share of its body."""
        return Call(
            self.operation,
            self.collection,
            self.protocol,
            body,
            self.options,
            self.deadline,
            self.endpoint,
            self.path,
            encoded,
            self.headers,
            self.attempt,
            self.attempt_deadline,
            False,
        )

    def __repr__(self) -> str:
        target = f" {self.collection}" if self.collection else ""
        return f"<Call {self.operation.name}{target} via {self.protocol} attempt={self.attempt}>"
