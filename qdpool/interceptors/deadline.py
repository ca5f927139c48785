"""Deadline: one time budget for the whole logical call, retries and waits included.

The client stamps every ``Call`` with an absolute ``deadline`` (its default
timeout, or the per-call ``timeout=``). This interceptor refuses a call that is
already late and bounds everything below it with ``asyncio.timeout``, so no
retry, backoff, queue or stalled server can make a call overrun its deadline by
more than the event loop's scheduling slack. Each attempt carries the time that
remains to the server too: the transports turn ``call.attempt_deadline`` into
the gRPC deadline and the HTTP timeout.
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
    """Enforces ``call.deadline`` around the rest of the chain."""

    name = "deadline"
    __slots__ = ("_clock",)

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock

    async def __call__(self, call: Call, next: Handler) -> Any:
        remaining = call.deadline - self._clock()
        if remaining <= 0:
            raise DeadlineExceeded(
                "deadline expired before the call was sent", protocol=call.protocol, sent=False
            )
        try:
            async with asyncio.timeout(remaining):
                return await next(call)
        except TimeoutError:
            raise DeadlineExceeded(
                f"deadline of the call ran out during {call.operation.name}",
                protocol=call.protocol,
                sent=call.sent,
            ) from None
