"""qdpool's exception tree.

Every failure a caller sees is one of these; lower-level errors (aiohttp, httpx,
grpc) are mapped at exactly one boundary in each transport and never escape::

    QdpoolError
    ├── InvalidInput (also ValueError)   bad input, rejected before anything is sent
    ├── ApiError                          the server (or the way to it) said no
    │   ├── NotFound                      404 / NOT_FOUND
    │   ├── AlreadyExists                 409 / ALREADY_EXISTS
    │   ├── InvalidArgument               400, 422 / INVALID_ARGUMENT
    │   │   └── PayloadTooLarge           the 32 MiB REST body cap
    │   ├── Unauthenticated               401 / UNAUTHENTICATED
    │   ├── PermissionDenied              403 / PERMISSION_DENIED
    │   ├── ResourceExhausted             429 / RESOURCE_EXHAUSTED (``retry_after``)
    │   ├── Unavailable                   502, 503, connection failures / UNAVAILABLE
    │   ├── DeadlineExceeded              the call's deadline, 408, 504 / DEADLINE_EXCEEDED
    │   │   └── QueueTimeout                  ... ran out in the client's own queue; nothing sent
    │   └── ServerError                   500 and anything unclassified / INTERNAL, UNKNOWN
    ├── CircuitOpen                       the breaker refused the call; nothing was sent
    ├── RetryBudgetExhausted              a retry was due but the budget is spent
    └── ClientClosed                      the client was closed

Each ``ApiError`` carries the protocol, the HTTP status or gRPC code name, the
server's message, and whether the request provably never reached the server
(``sent=False``), which is what lets a non-idempotent call be retried safely.
Messages never contain the API key: transports build them from the server's
answer and the URL path only.
"""

from __future__ import annotations

from typing import ClassVar


class QdpoolError(Exception):
    """Base of every qdpool error."""


class InvalidInput(QdpoolError, ValueError):
    """The caller's input is wrong; raised before anything is sent.

    ``field`` names the offending argument or path, e.g. ``points[3].vector``.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class ApiError(QdpoolError):
    """A call failed at the server or on the way to it.

    Attributes:
        protocol: ``"rest"`` or ``"grpc"``.
        status: the HTTP status (int) or the gRPC status code name (str), or None
            when no answer came back (a connection failure).
        message: the server's message, or a description of the local failure.
        sent: False when the request provably never left this process or never
            reached the server (refused connection, breaker, pool closed); True
            when it may have been processed; None when unknown.
    """

    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        protocol: str,
        status: int | str | None = None,
        sent: bool | None = True,
    ) -> None:
        self.message = message
        self.protocol = protocol
        self.status = status
        self.sent = sent
        super().__init__(message)

    def __str__(self) -> str:
        where = f"{self.protocol} {self.status}" if self.status is not None else self.protocol
        return f"[{where}] {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, protocol={self.protocol!r}, "
            f"status={self.status!r}, sent={self.sent!r})"
        )


class NotFound(ApiError):
    """The collection (or snapshot) does not exist."""


class AlreadyExists(ApiError):
    """The collection already exists."""


class InvalidArgument(ApiError):
    """The server rejected the request as malformed or invalid."""


class PayloadTooLarge(InvalidArgument):
    """A REST body exceeded the server's 32 MiB cap (Qdrant answers 400, not 413)."""


class Unauthenticated(ApiError):
    """The API key is missing or wrong."""


class PermissionDenied(ApiError):
    """The key may not do this (e.g. a read-only key writing)."""


class ResourceExhausted(ApiError):
    """The server is rate limiting; ``retry_after`` is its hint in seconds, if any."""

    default_retryable = True

    def __init__(
        self,
        message: str,
        *,
        protocol: str,
        status: int | str | None = None,
        sent: bool | None = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, protocol=protocol, status=status, sent=sent)
        self.retry_after = retry_after


class Unavailable(ApiError):
    """The server could not be reached or is temporarily unable to serve."""

    default_retryable = True


class DeadlineExceeded(ApiError):
    """The call ran out of time (its own deadline, or the server's timeout)."""

    default_retryable = True


class QueueTimeout(DeadlineExceeded):
    """The call's deadline ran out while it waited in the client's own queue.

    ``queue`` names it (``"concurrency"``: a slot of the node's concurrency limit;
    ``"rate limit"``: a token of the client's rate limit) and ``waited`` is how long
    the call waited. Nothing was sent (``sent=False``), so it says nothing about the
    node: it is never retried (a retry would queue again, behind the same calls),
    costs no retry budget and never counts against the circuit breaker.
    """

    def __init__(self, message: str, *, protocol: str, queue: str, waited: float) -> None:
        super().__init__(message, protocol=protocol, status=None, sent=False)
        self.queue = queue
        self.waited = waited


class ServerError(ApiError):
    """The server failed internally, or answered something qdpool cannot classify."""


class CircuitOpen(QdpoolError):
    """The circuit breaker for this endpoint and protocol is open; nothing was sent."""

    def __init__(self, endpoint: str, protocol: str, retry_in: float) -> None:
        self.endpoint = endpoint
        self.protocol = protocol
        self.retry_in = retry_in
        self.sent = False
        super().__init__(f"circuit open for {protocol} {endpoint}; next probe in {retry_in:.3f}s")


class RetryBudgetExhausted(QdpoolError):
    """A retry was due, but the client's retry budget is spent; the last error is chained."""

    def __init__(self, last_error: BaseException) -> None:
        self.last_error = last_error
        super().__init__(f"retry budget exhausted; last error: {last_error}")


class ClientClosed(QdpoolError):
    """The client (or its pool) is closed."""
