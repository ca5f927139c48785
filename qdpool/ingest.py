"""Bulk ingestion: a lazy stream of batches upserted a bounded number at a time.

Two sources of batches, both consumed lazily (a batch is made and checked only when a
slot frees up, so memory holds at most ``parallel`` batches, never the whole input):

- ``point_batches``: any iterable of points (``upload_points``), checked point by point;
- ``column_batches``: vectors as numpy arrays with ids and payloads beside them
  (``upload_collection``). The arrays are checked as a whole before anything is sent;
  each batch is then a slice of them, its rows float32 views handed to the encoders
  as they are (orjson writes them as JSON numbers, the gRPC encoder copies their bytes),
  so no Python float is made for a vector.

Both yield ``PointRows``, which the gRPC encoder writes straight to bytes.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sized
from typing import Any

from qdpool import validate
from qdpool.errors import InvalidInput
from qdpool.wire.packed import PointRows

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


def point_batches(
    points: Iterable[Any], size: int, check: Callable[[list[Any], int], list[Any]]
) -> Iterator[PointRows]:
    """Batches of ``size`` points, each checked by ``check(batch, start)`` as it is made."""
    for start, batch in batches(points, size):
        yield PointRows(check(batch, start))


def zip_points(
    vectors: Iterable[Any], ids: Iterable[Any] | None, payloads: Iterable[Any] | None
) -> Iterator[dict[str, Any]]:
    """Point dicts from columns that are not arrays (any iterables), lazily; ids default
    to random UUIDs. A column that ends before the vectors do is an ``InvalidInput``."""
    for name, column in (("vectors", vectors), ("ids", ids), ("payload", payloads)):
        if column is not None and (
            isinstance(column, Mapping | str | bytes) or not isinstance(column, Iterable)
        ):
            raise InvalidInput(name, f"must be an iterable, not {validate.short(column)}")
    id_source = iter(ids) if ids is not None else None
    payload_source = iter(payloads) if payloads is not None else None
    for index, vector in enumerate(vectors):
        point = {"id": str(uuid.uuid4()) if id_source is None else _next(id_source, index, "ids")}
        point["vector"] = vector
        if payload_source is not None:
            point["payload"] = _next(payload_source, index, "payload")
        yield point


def _next(source: Iterator[Any], index: int, name: str) -> Any:
    for item in source:
        return item
    raise InvalidInput(name, f"ends after {index} items; the vectors go on")


def column_batches(
    vectors: Any,
    ids: Iterable[Any] | None,
    payloads: Iterable[Any] | None,
    size: int,
) -> Iterator[PointRows]:
    """Batches of ``size`` points from a 2-D array of vectors (or a dict of them, for named
    vectors), with ``ids`` (default: random UUIDs, as qdrant-client's
    ``upload_collection`` makes) and ``payloads`` (default: none) beside them.

    Everything that can be checked without reading ``ids`` and ``payloads`` is checked
    here, before the first batch: the arrays' shapes, dtypes and values, and the lengths
    of ``ids`` and ``payloads`` when they have one. Ids and payloads are checked batch by
    batch; one that ends early is reported when its batch is made."""
    columns = _columns(vectors)
    total = len(next(iter(columns.values())))
    for name, column in (("ids", ids), ("payload", payloads)):
        if isinstance(column, Sized) and len(column) != total:
            raise InvalidInput(name, f"has {len(column)} items for {total} vectors")
    if payloads is not None and (
        isinstance(payloads, Mapping | str | bytes) or not isinstance(payloads, Iterable)
    ):
        raise InvalidInput("payload", "must be an iterable of payloads (dicts or None)")
    return _column_batches(columns, _ids(ids, total), ids is None, payloads, total, size)


def _columns(vectors: Any) -> dict[str | None, Any]:
    """The checked arrays: ``{None: array}`` for unnamed vectors, else one per name."""
    if validate.is_array(vectors):
        return {None: validate.matrix(vectors, "vectors")}
    if not isinstance(vectors, Mapping) or not vectors:
        raise InvalidInput(
            "vectors", f"must be a 2-D numpy array or a dict of them, not {validate.short(vectors)}"
        )
    columns: dict[str | None, Any] = {}
    for name, column in vectors.items():
        if not isinstance(name, str):
            raise InvalidInput("vectors", f"vector names must be strings, got {name!r}")
        if not validate.is_array(column):
            raise InvalidInput(
                f"vectors.{name}", f"must be a 2-D numpy array, not {validate.short(column)}"
            )
        columns[name] = validate.matrix(column, f"vectors.{name}")
    lengths = {name: len(column) for name, column in columns.items()}
    if len(set(lengths.values())) > 1:
        raise InvalidInput("vectors", f"the named arrays differ in length: {lengths}")
    return columns


def _ids(ids: Any, total: int) -> Iterator[Any]:
    """The ids, one at a time: random UUIDs when there are none; a numpy array of integers
    (checked here as a whole) read a window at a time, as Python ints."""
    if ids is None:
        return (str(uuid.uuid4()) for _ in range(total))
    if validate.is_array(ids):
        if ids.ndim != 1 or ids.dtype.kind not in "iu":
            raise InvalidInput("ids", f"must be a 1-D array of integers, got {validate.short(ids)}")
        if ids.dtype.kind == "i" and len(ids) and int(ids.min()) < 0:
            first = int((ids < 0).argmax())
            raise InvalidInput(
                f"ids[{first}]", f"integer ids must be in 0..2**64-1, got {ids[first]}"
            )
        return itertools.chain.from_iterable(
            ids[start : start + _ID_WINDOW].tolist() for start in range(0, len(ids), _ID_WINDOW)
        )
    if isinstance(ids, Mapping | str | bytes) or not isinstance(ids, Iterable):
        raise InvalidInput("ids", f"must be an iterable of point ids, not {validate.short(ids)}")
    return iter(ids)


_ID_WINDOW = 4096


def _column_batches(
    columns: dict[str | None, Any],
    ids: Iterator[Any],
    made_ids: bool,
    payloads: Iterable[Any] | None,
    total: int,
    size: int,
) -> Iterator[PointRows]:
    payload_source = iter(payloads) if payloads is not None else None
    for start in range(0, total, size):
        stop = min(start + size, total)
        count = stop - start
        batch_ids = _take(ids, count, start, "ids")
        batch_payloads = (
            _take(payload_source, count, start, "payload") if payload_source is not None else None
        )
        sliced = {name: validate.rows(column[start:stop]) for name, column in columns.items()}
        if None in sliced:
            vectors: list[Any] = list(sliced[None])
        else:
            vectors = [
                dict(zip(sliced, row, strict=True)) for row in zip(*sliced.values(), strict=True)
            ]
        rows = PointRows()
        for i in range(count):
            point_id = batch_ids[i]
            if not made_ids:
                point_id = validate.point_id(point_id, f"ids[{start + i}]")
            point: dict[str, Any] = {"id": point_id, "vector": vectors[i]}
            if batch_payloads is not None:
                checked = validate.payload(batch_payloads[i], f"payload[{start + i}]")
                if checked is not None:
                    point["payload"] = checked
            rows.append(point)
        yield rows


def _take(source: Iterator[Any], count: int, start: int, name: str) -> list[Any]:
    items = list(itertools.islice(source, count))
    if len(items) != count:
        raise InvalidInput(name, f"ends after {start + len(items)} items; the vectors go on")
    return items


async def upload(
    source: Iterator[PointRows],
    *,
    parallel: int,
    send: Callable[[PointRows], Awaitable[object]],
    progress: Progress | None,
) -> int:
    """Send the batches of ``source``, at most ``parallel`` in flight; returns the number
    written. A batch is taken from ``source`` (made and checked) only once a slot is free,
    so memory holds at most ``parallel`` batches. On the first failure the batches in
    flight are cancelled and that error is raised."""
    slots = asyncio.Semaphore(parallel)
    written = 0

    async def run(batch: PointRows) -> None:
        try:
            await send(batch)
        finally:
            slots.release()
        if progress is not None:
            progress(len(batch))

    try:
        async with asyncio.TaskGroup() as group:
            while True:
                await slots.acquire()  # before reading: at most `parallel` batches held
                batch = next(source, None)
                if not batch:
                    slots.release()
                    break
                group.create_task(run(batch))
                written += len(batch)
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return written
