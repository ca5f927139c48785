"""Deadline: one time budget for the whole logical call, retries and waits included.

The client stamps every ``Call`` with an absolute ``deadline`` (its default
timeout, or the per-call ``timeout=``). This interceptor refuses a call that is
already late, before anything is sent.

It does not wrap the rest of the chain in ``asyncio.timeout`` (about 4 µs a
call): every link below it keeps to the deadline on its own. Retry never sleeps
past it, the rate and concurrency limits bound their waits by it, a hedge's
attempts are bounded like any attempt, and each attempt carries what remains to
the server and to its socket (the transports turn ``call.attempt_deadline``
into the gRPC deadline, the HTTP timeout and Qdrant's ``?timeout=``). A link
added below the deadline must do the same; users' own interceptors run above it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from qdpool.call import Call
from qdpool.errors import DeadlineExceeded
from qdpool.pipeline import Handler


class Deadline:
    """Refuses calls whose deadline has already passed."""

    name = "deadline"
    __slots__ = ("_clock",)

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock

    def before(self, call: Call) -> bool:
        """True for a call still in time: it goes on without entering ``__call__``."""
        return call.deadline > self._clock()

    async def __call__(self, call: Call, next: Handler) -> Any:
        if not self.before(call):
            raise DeadlineExceeded(
                "deadline expired before the call was sent", protocol=call.protocol, sent=False
            )
        return await next(call)
