"""Deadline: late calls are refused unsent; on-time calls go through untouched.

That no call overruns its deadline is proven where it is kept, against the embedded
server on both protocols (tests/test_client_embedded.py, the stall test) and under
chaos (tests/chaos).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import DeadlineExceeded
from qdpool.interceptors.deadline import Deadline
from qdpool.operations import COUNT

EP = Endpoint("localhost")


def call_due_in(seconds: float) -> Call:
    return Call(COUNT, "docs", "rest", {}, None, time.monotonic() + seconds, EP)


async def test_a_late_call_is_refused_before_anything_is_sent() -> None:
    sent: list[Call] = []

    async def terminal(call: Call) -> Any:
        sent.append(call)

    with pytest.raises(DeadlineExceeded) as exc:
        await Deadline()(call_due_in(-0.001), terminal)
    assert exc.value.sent is False
    assert sent == []


async def test_an_on_time_call_goes_through() -> None:
    async def answers(call: Call) -> Any:
        return 7

    assert await Deadline()(call_due_in(1.0), answers) == 7
