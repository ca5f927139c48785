"""Deadline: one time budget for the whole logical call, retries and waits included.

The client stamps every ``Call`` with an absolute ``deadline`` (its default
timeout, or the per-call ``timeout=``). This interceptor refuses a call that is
already late, before anything is sent.

Everything below it keeps to the deadline on its own: retry never sleeps past
it, the rate and concurrency limits bound their waits by it, and each attempt
carries what remains to the server and to its socket (the transports turn
``call.attempt_deadline`` into the gRPC deadline, the HTTP timeout and Qdrant's
``?timeout=``). So the per-call ``asyncio.timeout`` that would guarantee the same
(about 4 µs a call) is only needed below the deadline when the chain there holds
interceptors that do not bound their own waits. The client's chain does not, so
it builds this with ``guard=False``; your own interceptors run above it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from qdpool.call import Call
from qdpool.errors import DeadlineExceeded
from qdpool.pipeline import Handler


class Deadline:
    """Refuses late calls; with ``guard``, also bounds the rest of the chain by the deadline."""

    name = "deadline"
    __slots__ = ("_clock", "guard")

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, guard: bool = True) -> None:
        self._clock = clock
        self.guard = guard

    async def __call__(self, call: Call, next: Handler) -> Any:
        remaining = call.deadline - self._clock()
        if remaining <= 0:
            raise DeadlineExceeded(
                "deadline expired before the call was sent", protocol=call.protocol, sent=False
            )
        if not self.guard:
            return await next(call)
        try:
            async with asyncio.timeout(remaining):
                return await next(call)
        except TimeoutError:
            raise DeadlineExceeded(
                f"deadline of the call ran out during {call.operation.name}",
                protocol=call.protocol,
                sent=call.sent,
            ) from None
