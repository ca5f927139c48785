"""Protocol fallback (opt-in): while gRPC is down, attempts go over REST.

gRPC counts as down for an endpoint while its gRPC breaker refuses attempts,
and for ``recheck_after`` seconds after a gRPC attempt failed without reaching
the server (a refused or failed connection: ``sent=False``). Such an attempt is
re-sent over REST at once, within the same attempt: nothing reached the server,
so it is not a retry and costs no retry budget. A breaker refusal
(``CircuitOpen``) is handled the same way.

Calls go back to gRPC by themselves: once ``recheck_after`` has passed and the
breaker lets probes through (half-open), attempts try gRPC again, and when they
succeed the breaker closes and gRPC is used as before. An error that gRPC did
deliver (a 4xx-like status, or a failure after the request was sent) is not a
reason to switch, and is raised as usual.

The attempt's ``call.protocol`` is restored to gRPC when it ends, so each retry
decides afresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import CircuitOpen, Unavailable
from qdpool.events import NULL_OBSERVER, Observer
from qdpool.interceptors.breaker import Breaker
from qdpool.pipeline import Handler
from qdpool.policies import FallbackPolicy

_FROM, _TO = "grpc", "rest"


class Fallback:
    """The interceptor: moves gRPC attempts to REST while gRPC is unavailable."""

    name = "fallback"
    __slots__ = ("_breaker", "_clock", "_down_until", "_observer", "fallbacks", "policy")

    def __init__(
        self,
        policy: FallbackPolicy | None = None,
        *,
        breaker: Breaker | None = None,
        clock: Callable[[], float] = time.monotonic,
        observer: Observer | None = None,
    ) -> None:
        self.policy = policy or FallbackPolicy()
        self._breaker = breaker
        self._clock = clock
        self._observer = observer or NULL_OBSERVER
        self._down_until: dict[Endpoint, float] = {}
        self.fallbacks = 0
        """Attempts sent over REST instead of gRPC."""

    def grpc_down(self, endpoint: Endpoint) -> bool:
        """Whether gRPC attempts to ``endpoint`` go over REST right now."""
        until = self._down_until.get(endpoint)
        if until is not None:
            if self._clock() < until:
                return True
            del self._down_until[endpoint]
        breaker = self._breaker
        return breaker is not None and not breaker.allows(endpoint, _FROM)

    async def __call__(self, call: Call, next: Handler) -> Any:
        if call.protocol != _FROM:
            return await next(call)
        if (self._down_until or self._breaker is not None) and self.grpc_down(call.endpoint):
            return await self._over_rest(call, next)
        try:
            return await next(call)
        except CircuitOpen:
            pass
        except Unavailable as error:
            if error.sent is not False:
                raise
            self._down_until[call.endpoint] = self._clock() + self.policy.recheck_after
        return await self._over_rest(call, next)

    async def _over_rest(self, call: Call, next: Handler) -> Any:
        self.fallbacks += 1
        self._observer.on_fallback(call, _FROM, _TO)
        call.protocol = _TO
        try:
            return await next(call)
        finally:
            call.protocol = _FROM

    def __repr__(self) -> str:
        down = [str(e) for e in self._down_until]
        return f"Fallback(grpc→rest, recheck after {self.policy.recheck_after:g}s; down: {down})"
