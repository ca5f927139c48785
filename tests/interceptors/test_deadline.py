"""Deadline: late calls are refused unsent; the optional guard bounds the rest of the chain."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from qdpool.call import COUNT, Call
from qdpool.endpoint import Endpoint
from qdpool.errors import DeadlineExceeded
from qdpool.interceptors.deadline import Deadline

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


async def test_guard_bounds_a_link_that_ignores_the_deadline() -> None:
    async def stalls(call: Call) -> Any:
        await asyncio.sleep(10)

    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="ran out during count"):
        await Deadline(guard=True)(call_due_in(0.05), stalls)
    assert time.monotonic() - started < 0.5


async def test_without_guard_the_chain_below_is_trusted_to_keep_time() -> None:
    async def answers(call: Call) -> Any:
        await asyncio.sleep(0.02)
        return 7

    assert await Deadline(guard=False)(call_due_in(0.01), answers) == 7
