"""The one response classifier that retry and the circuit breaker share.

Finagle's lesson: if retry and failure accounting each decide on their own what
a failure is, they drift apart. Here one function, ``classify``, answers both
questions for any outcome of an attempt:

* is it retryable (transient: trying again may well succeed)?
* what does it say about the endpoint's health: a success, a failure, or
  nothing (the breaker leaves it out of its ratios)?

====================================================  =========  ===============
outcome                                               retryable  breaker
====================================================  =========  ===============
success                                               --         success
REST connection error, 502, 503; gRPC UNAVAILABLE     yes        failure
REST 504; gRPC DEADLINE_EXCEEDED; attempt timed out   yes        failure
no time left before the attempt was sent              yes        ignored
deadline ran out in the client's own queue            no         ignored
(``QueueTimeout``: a concurrency slot, a rate-limit
token)
REST 429; gRPC RESOURCE_EXHAUSTED                     yes        ignored (node up)
REST 500; gRPC INTERNAL, UNKNOWN, other codes         no         failure
other 4xx (408 included); INVALID_ARGUMENT,           no         success (the
NOT_FOUND, ALREADY_EXISTS, UNAUTHENTICATED,                      node answered)
PERMISSION_DENIED
gRPC CANCELLED                                        no         ignored
CircuitOpen, RetryBudgetExhausted, ClientClosed,      no         ignored
InvalidInput, anything that is not an ``ApiError``
====================================================  =========  ===============

Whether a *retryable* failure is actually retried also depends on the call:
an idempotent operation may be repeated; a non-idempotent one only when the
error says the request never reached the server (``error.sent is False``).
That rule is ``may_retry``. Deadlines are the retry interceptor's business: an
attempt's timeout is retryable only while the call's own deadline leaves time.

A wait in the client's own queue is the client's problem, never the node's
(Finagle and resilience4j classify by the *response*, and there was none): a
``QueueTimeout`` is neither retried (the retry would only queue again, behind
the same calls, with less time) nor counted by the breaker.
"""

from __future__ import annotations

from dataclasses import dataclass

from qdpool.call import Call
from qdpool.errors import (
    ApiError,
    DeadlineExceeded,
    QueueTimeout,
    ResourceExhausted,
    ServerError,
    Unavailable,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an attempt's result means. There are a handful, built once.

    Attributes:
        name: e.g. ``success``, ``transient``, ``throttled``, ``server_error``.
        retryable: trying again may succeed.
        counted: the breaker counts it in its window (as a success or a failure).
        failure: it counts against the endpoint (only meaningful when ``counted``).
    """

    name: str
    retryable: bool
    counted: bool
    failure: bool

    def __repr__(self) -> str:
        return f"Outcome.{self.name}"


SUCCESS = Outcome("success", retryable=False, counted=True, failure=False)
TRANSIENT = Outcome("transient", retryable=True, counted=True, failure=True)
"""The node could not be reached, or did not answer in time."""
TRANSIENT_UNSENT = Outcome("transient_unsent", retryable=True, counted=False, failure=False)
"""Ran out of time before anything was sent: retryable, but says nothing about the node."""
THROTTLED = Outcome("throttled", retryable=True, counted=False, failure=False)
"""The node is up and asks us to slow down (429 / RESOURCE_EXHAUSTED)."""
SERVER_ERROR = Outcome("server_error", retryable=False, counted=True, failure=True)
"""The node failed internally: not retried, but it is a sign of ill health."""
REJECTED = Outcome("rejected", retryable=False, counted=True, failure=False)
"""The node answered and refused the request (4xx): the caller's problem, the node is fine."""
LOCAL = Outcome("local", retryable=False, counted=False, failure=False)
"""A local failure or a cancellation: neither retried nor counted."""
QUEUED = Outcome("queued", retryable=False, counted=False, failure=False)
"""The deadline ran out in the client's own queue: nothing was sent, the node is not to blame."""

_RETRYABLE_REST_STATUSES = frozenset({502, 503, 504, 429})
_RETRYABLE_GRPC_CODES = frozenset({"UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED"})


def classify(error: BaseException | None) -> Outcome:
    """The outcome of an attempt that raised ``error`` (None for a success)."""
    if error is None:
        return SUCCESS
    if not isinstance(error, ApiError):
        return LOCAL
    status = error.status
    if isinstance(error, ResourceExhausted):
        return THROTTLED
    if isinstance(error, Unavailable):
        if status is None or status in _RETRYABLE_REST_STATUSES or status == "UNAVAILABLE":
            return TRANSIENT
        return LOCAL  # gRPC CANCELLED (mapped to Unavailable): never retried
    if isinstance(error, DeadlineExceeded):
        if isinstance(error, QueueTimeout):
            return QUEUED
        if status is None:
            # Our own attempt timer, or no time left before sending.
            return TRANSIENT_UNSENT if error.sent is False else TRANSIENT
        if status == 504 or status == "DEADLINE_EXCEEDED":
            return TRANSIENT
        return REJECTED  # 408: the server's own operation timeout, a 4xx
    if isinstance(error, ServerError):
        return SERVER_ERROR
    if isinstance(status, int) and status >= 500:
        return SERVER_ERROR
    return REJECTED


def may_retry(call: Call, error: BaseException, outcome: Outcome) -> bool:
    """True when ``error`` is transient and repeating ``call`` is safe.

    Safe means the operation is idempotent, or the request provably never reached
    the server (``error.sent is False``).
    """
    if not outcome.retryable:
        return False
    return call.operation.idempotent or getattr(error, "sent", None) is False


def retry_after(error: BaseException) -> float | None:
    """The server's ``Retry-After`` / ``retry-after`` hint in seconds, if it gave one."""
    if isinstance(error, ResourceExhausted):
        return error.retry_after
    return None


__all__ = [
    "LOCAL",
    "QUEUED",
    "REJECTED",
    "SERVER_ERROR",
    "SUCCESS",
    "THROTTLED",
    "TRANSIENT",
    "TRANSIENT_UNSENT",
    "Outcome",
    "classify",
    "may_retry",
    "retry_after",
]
