"""The interceptor chain every call goes through, on either protocol.

An interceptor is any object with ``async def __call__(self, call, next)``: it may
look at or change the ``Call``, then ``await next(call)`` (zero, one or several
times) and return or transform the result. ``next`` is awaited in the caller's
task, so contextvars (and with them OpenTelemetry's current span) flow through
the whole chain; the hedge interceptor is the one place that runs attempts
concurrently, and it copies the caller's context into those tasks.

The chain is folded once, when the client starts: each link is a small closure
holding the interceptor's bound ``__call__`` and its ``next``, so a call pays one
plain function call and one coroutine frame per interceptor and nothing else
(``functools.partial`` with ``next=`` bound would copy a keyword dict and look
up ``__call__`` again on every call).

A coroutine frame is most of a link's cost (about 1,800 CPU instructions, paid
again each time the call resumes from I/O), and several interceptors have, on
most calls, nothing to do after ``next``: auth adds a header, the deadline
checks the clock, telemetry without an OpenTelemetry SDK only hands on the
caller's trace context. Such an interceptor may also define
``before(call) -> bool``: it does its whole work on ``call`` and returns True,
and the link passes the call straight to ``next`` without entering
``__call__``; or it does nothing and returns False, and ``__call__`` runs as
usual (the one place errors are raised). ``__call__`` alone must still do
everything, so an interceptor behaves the same wherever it is used.

The default order, outermost first, and why (``Pipeline.describe()`` prints it):

1. telemetry   sees the whole logical call: every retry, hedge and wait happens inside its span.
2. deadline    fixes the overall budget before anything spends it; fails a call already late.
3. retry       repeats failed attempts inside the deadline, spending the shared retry budget.
4. fallback    (opt-in) moves an attempt from gRPC to REST while gRPC is down.
5. hedge       (reads) sends a second attempt when the first is slow; each is one attempt.
6. rate limit  one token per request actually sent, so retries and hedges are paced too.
7. breaker     per endpoint and protocol: refuses attempts to a failing node without sending them.
8. concurrency per endpoint, held only while an attempt is on the wire (never during a backoff).
9. attempt     per-attempt telemetry: the attempt's span and the ``traceparent`` it carries.
10. auth       adds the API key last, so nothing above can log or copy it.
→ transport    encodes, sends, decodes, and maps errors to qdpool's tree.

Users' own interceptors go between telemetry and deadline by default (they see
each logical call once), or wherever ``Pipeline`` is given them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from types import FunctionType, MethodType
from typing import Any, Protocol

from qdpool.call import Call

Handler = Callable[[Call], Awaitable[Any]]
"""The rest of the chain, from an interceptor's point of view."""


class Interceptor(Protocol):
    """One link of the chain. Implementations are small classes; settings go in ``__init__``.

    An interceptor may also have ``before(call) -> bool`` (see the module docstring):
    True when it has done all it needs to do with ``call`` and the call goes straight on.
    """

    async def __call__(self, call: Call, next: Handler) -> Any: ...


def interceptor_name(interceptor: object) -> str:
    """The short name used in ``describe()``: a ``name`` attribute, else the class name."""
    name = getattr(interceptor, "name", None)
    return name if isinstance(name, str) else type(interceptor).__name__


def _bound(handler: Any) -> Callable[..., Awaitable[Any]]:
    """``handler.__call__`` bound once (not looked up per call); functions and bound
    methods are called as they are (their ``__call__`` would only add a wrapper)."""
    bound: Callable[..., Awaitable[Any]] = (
        handler if isinstance(handler, FunctionType | MethodType) else handler.__call__
    )
    return bound


def link(interceptor: Interceptor, next: Handler) -> Handler:
    """``interceptor`` with ``next`` bound: ``link(call)`` is ``interceptor(call, next)``,
    or ``next(call)`` when the interceptor's ``before(call)`` says that is all it needs."""
    method = _bound(interceptor)
    before: Callable[[Call], bool] | None = getattr(interceptor, "before", None)
    if not callable(before):  # absent (or some attribute of the user's under that name)

        def linked(call: Call) -> Awaitable[Any]:
            return method(call, next)

        return linked

    def linked_with_before(call: Call) -> Awaitable[Any]:
        if before(call):
            return next(call)
        return method(call, next)

    return linked_with_before


class Pipeline:
    """An ordered chain of interceptors ending at a terminal handler (the transport dispatch).

    >>> pipeline = Pipeline([Auth("key")], transport_dispatch)
    >>> result = await pipeline(call)

    ``handler`` is the folded chain itself: ``await pipeline.handler(call)`` is the
    same as ``await pipeline(call)``, one Python call shorter (the client's hot path).
    """

    __slots__ = ("handler", "interceptors", "terminal")

    def __init__(self, interceptors: Sequence[Interceptor], terminal: Handler) -> None:
        self.interceptors: tuple[Interceptor, ...] = tuple(interceptors)
        self.terminal = terminal
        handler: Handler = _bound(terminal)
        for interceptor in reversed(self.interceptors):
            handler = link(interceptor, handler)
        self.handler: Handler = handler

    def __call__(self, call: Call) -> Awaitable[Any]:
        """Send ``call`` down the chain; returns the awaitable of the outermost link."""
        return self.handler(call)

    def describe(self) -> str:
        """The order calls take, e.g. ``telemetry → deadline → retry → auth → transport``."""
        names = [interceptor_name(i) for i in self.interceptors]
        return " → ".join([*names, interceptor_name(self.terminal)])

    def find(self, kind: type[Any]) -> Any | None:
        """The first interceptor of the given class, or None (for introspection and tests)."""
        for interceptor in self.interceptors:
            if isinstance(interceptor, kind):
                return interceptor
        return None

    def __repr__(self) -> str:
        return f"Pipeline({self.describe()})"
