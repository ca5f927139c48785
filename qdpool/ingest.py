"""Bulk ingestion: a lazy stream of points upserted in batches, a bounded number at a time."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any

from qdpool.errors import InvalidInput

Progress = Callable[[int], object]
"""Called once per acknowledged batch with the number of points that batch held."""


def batches(points: Iterable[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    """``(index of the first, batch)`` for consecutive batches of ``size`` items."""
    if isinstance(points, Mapping | str | bytes) or not isinstance(points, Iterable):
        raise InvalidInput("points", "must be an iterable of points")
    iterator = iter(points)
    start = 0
    while batch := list(itertools.islice(iterator, size)):
        yield start, batch
        start += len(batch)


async def upload(
    points: Iterable[Any],
    *,
    batch_size: int,
    parallel: int,
    check: Callable[[list[Any], int], list[Any]],
    send: Callable[[list[Any]], Awaitable[object]],
    progress: Progress | None,
) -> int:
    """Check and send ``points`` in batches, at most ``parallel`` in flight; returns the
    number written. Each batch is checked (``check(batch, start)``) just before it is
    sent, so memory holds at most ``parallel`` batches. On the first failure the batches
    in flight are cancelled and that error is raised."""
    slots = asyncio.Semaphore(parallel)
    written = 0

    async def run(batch: list[Any]) -> None:
        try:
            await send(batch)
        finally:
            slots.release()
        if progress is not None:
            progress(len(batch))

    stream = batches(points, batch_size)
    try:
        async with asyncio.TaskGroup() as group:
            while True:
                await slots.acquire()  # before reading: at most `parallel` batches held
                start, batch = next(stream, (0, []))
                if not batch:
                    slots.release()
                    break
                checked = check(batch, start)
                group.create_task(run(checked))
                written += len(checked)
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return written
