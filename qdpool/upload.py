"""``qdpool upload``: ingest a file of points into a collection, with a bar, resumably.

Sources:

- ``.jsonl``: one point per line, ``{"id": ..., "vector": [...], "payload": {...}}``
  (``payload`` optional; ``vector`` may be a dict of named vectors);
- ``.npy``: a 2-d array of vectors; the ids are the row numbers (from 0);
- ``.npz``: the array ``vectors`` (or the file's only array), and optionally
  ``ids`` (one per row);

and for arrays, ``--payloads FILE.jsonl``: one JSON object (or ``null``) per row.

Batches go out through ``Client.upsert`` (``wait=true``), at most ``parallel`` at
a time. Batches may be acknowledged out of order, so what is known to be
written is the *contiguous acknowledged prefix*: every point before it is
written. That prefix is saved after each acknowledgement in a checkpoint file
(JSON, replaced atomically), together with the file's size and modification
time; run the same command again after an interruption (Ctrl-C, a failure,
``kill -9``) and it resumes from there. Points past the prefix that were
already written are sent again, which is harmless: upserts by id are
idempotent. The checkpoint is removed once the whole file is in.

The bar is tqdm's (the ``cli`` extra), on stderr; the last line on stdout is the
summary: points sent, seconds, points per second, and retries (attempts the
client's retry policy re-sent).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson

import qdpool
from qdpool.call import Call
from qdpool.errors import InvalidInput, QdpoolError
from qdpool.events import NullObserver

EXTRA_HINT = "pip install 'qdpool[cli]'"


class Source(Protocol):
    """Points to upload, read lazily from a given index on."""

    @property
    def path(self) -> Path: ...

    @property
    def total(self) -> int:
        """How many points the file holds."""

    def points(self, start: int) -> Iterator[dict[str, Any]]:
        """The points from index ``start`` on, in file order."""


@dataclass(frozen=True, slots=True)
class JsonlSource:
    path: Path
    total: int

    @classmethod
    def open(cls, path: Path) -> JsonlSource:
        with path.open("rb") as file:
            total = sum(1 for line in file if line.strip())
        return cls(path, total)

    def points(self, start: int) -> Iterator[dict[str, Any]]:
        with self.path.open("rb") as file:
            lines = (line for line in file if line.strip())
            for number, line in enumerate(itertools.islice(lines, start, None), start + 1):
                try:
                    point = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise SourceError(f"{self.path}: point {number} is not JSON: {exc}") from None
                if not isinstance(point, dict) or "id" not in point or "vector" not in point:
                    raise SourceError(f"{self.path}: point {number} needs an id and a vector")
                yield point


@dataclass(frozen=True, slots=True)
class ArraySource:
    path: Path
    total: int
    vectors: Any
    ids: Any
    payloads: Path | None

    @classmethod
    def open(cls, path: Path, payloads: Path | None) -> ArraySource:
        try:
            import numpy as np
        except ModuleNotFoundError:
            raise SourceError(f"reading {path.suffix} files needs numpy: {EXTRA_HINT}") from None
        ids = None
        if path.suffix == ".npz":
            archive = np.load(path)
            names = list(archive.files)
            key = "vectors" if "vectors" in names else (names[0] if len(names) == 1 else None)
            if key is None:
                raise SourceError(f"{path}: no 'vectors' array among {names}")
            vectors = archive[key]
            ids = archive["ids"] if "ids" in names else None
        else:
            vectors = np.load(path, mmap_mode="r")
        if vectors.ndim != 2:
            raise SourceError(f"{path}: vectors must be a 2-d array, not {vectors.shape}")
        if ids is not None and len(ids) != len(vectors):
            raise SourceError(f"{path}: {len(ids)} ids for {len(vectors)} vectors")
        if payloads is not None:
            with payloads.open("rb") as file:
                rows = sum(1 for line in file if line.strip())
            if rows != len(vectors):
                raise SourceError(f"{payloads}: {rows} payloads for {len(vectors)} vectors")
        return cls(path, len(vectors), vectors, ids, payloads)

    def points(self, start: int) -> Iterator[dict[str, Any]]:
        with contextlib.ExitStack() as stack:
            payloads: Iterator[Any] = itertools.repeat(None)
            if self.payloads is not None:
                file = stack.enter_context(self.payloads.open("rb"))
                lines = (line for line in file if line.strip())
                payloads = (orjson.loads(line) for line in itertools.islice(lines, start, None))
            for row in range(start, self.total):
                point: dict[str, Any] = {
                    "id": row if self.ids is None else self.ids[row].item(),
                    "vector": self.vectors[row],  # a row of the array: no Python floats
                }
                payload = next(payloads)
                if payload is not None:
                    point["payload"] = payload
                yield point


class SourceError(QdpoolError):
    """The input file cannot be read as points."""


def open_source(path: Path, payloads: Path | None) -> Source:
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        if payloads is not None:
            raise SourceError("--payloads is for .npy/.npz files; .jsonl points carry their own")
        return JsonlSource.open(path)
    if path.suffix in (".npy", ".npz"):
        return ArraySource.open(path, payloads)
    raise SourceError(f"{path}: expected a .jsonl, .npy or .npz file")


class Checkpoint:
    """How many leading points of one file are known to be in one collection."""

    def __init__(self, path: Path, source: Path, collection: str) -> None:
        self.path = path
        stat = source.stat()
        self._identity = {
            "file": str(source.resolve()),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "collection": collection,
        }

    def load(self) -> int:
        """The acknowledged prefix from an earlier run; 0 without one."""
        try:
            saved = json.loads(self.path.read_text())
        except FileNotFoundError:
            return 0
        except (OSError, ValueError) as exc:
            raise SourceError(f"{self.path}: unreadable checkpoint ({exc}); delete it") from None
        if {k: saved.get(k) for k in self._identity} != self._identity:
            raise SourceError(
                f"{self.path} belongs to another file, version or collection; delete it "
                "to start over"
            )
        done = saved.get("points_done")
        if not isinstance(done, int) or done < 0:
            raise SourceError(f"{self.path}: bad points_done {done!r}; delete it")
        return done

    def save(self, done: int) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps({**self._identity, "points_done": done}))
        os.replace(temporary, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class RetryCounter(NullObserver):
    """Counts retries: attempts the retry policy decided to send again."""

    def __init__(self) -> None:
        self.retries = 0

    def on_backoff(self, call: Call, delay: float) -> None:
        self.retries += 1


@dataclass(frozen=True, slots=True)
class Summary:
    points: int
    seconds: float
    resumed_at: int
    retries: int

    def line(self, collection: str) -> str:
        rate = self.points / self.seconds if self.seconds > 0 else 0.0
        resumed = f", resumed at point {self.resumed_at:,}" if self.resumed_at else ""
        return (
            f"uploaded {self.points:,} points to {collection} in {self.seconds:.2f} s "
            f"({rate:,.0f} points/s), {self.retries} retries{resumed}"
        )


async def upload(
    client: qdpool.Client,
    collection: str,
    source: Source,
    checkpoint: Checkpoint,
    *,
    start: int,
    batch_size: int,
    parallel: int,
    progress: Callable[[int], object],
) -> int:
    """Upsert ``source`` from point ``start`` on; returns the points sent.

    After each acknowledgement the contiguous acknowledged prefix is saved in
    ``checkpoint``; ``progress`` hears each acknowledged batch's size.
    """
    slots = asyncio.Semaphore(parallel)
    acked: dict[int, int] = {}  # batch number -> points, for batches past the prefix
    prefix = start  # every point before this index is acknowledged
    next_batch = 0  # the first batch not yet in the prefix
    sent = 0

    async def send(number: int, batch: list[dict[str, Any]]) -> None:
        nonlocal prefix, next_batch
        try:
            await client.upsert(collection, batch, wait=True)
        finally:
            slots.release()
        progress(len(batch))
        acked[number] = len(batch)
        advanced = False
        while next_batch in acked:
            prefix += acked.pop(next_batch)
            next_batch += 1
            advanced = True
        if advanced:
            checkpoint.save(prefix)

    points = source.points(start)
    try:
        async with asyncio.TaskGroup() as group:
            for number in itertools.count():
                await slots.acquire()  # before reading: at most `parallel` batches held
                batch = list(itertools.islice(points, batch_size))
                if not batch:
                    slots.release()
                    break
                group.create_task(send(number, batch))
                sent += len(batch)
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return sent


async def run(args: argparse.Namespace, out: Any = sys.stdout, err: Any = sys.stderr) -> int:
    path = Path(args.file)
    source = open_source(path, Path(args.payloads) if args.payloads else None)
    checkpoint_path = Path(args.checkpoint or f"{path}.{args.collection}.checkpoint.json")
    checkpoint = Checkpoint(checkpoint_path, path, args.collection)
    start = min(checkpoint.load(), source.total)
    counter = RetryCounter()
    client = qdpool.connect(
        args.url,
        grpc_url=args.grpc_url,
        api_key=args.api_key or os.environ.get("QDRANT_API_KEY") or None,
        protocol=args.protocol,
        protocols=(args.protocol,),
        timeout=args.timeout,
        observer=counter,
    )
    bar = _bar(source.total, start, enabled=not args.no_progress, err=err)
    started = time.perf_counter()
    try:
        async with client:
            if args.create and not await client.collection_exists(args.collection):
                size = _dimension(source)
                await client.create_collection(args.collection, size=size, distance=args.distance)
            sent = await upload(
                client,
                args.collection,
                source,
                checkpoint,
                start=start,
                batch_size=args.batch_size,
                parallel=args.parallel,
                progress=bar.update,
            )
    except BaseException:
        bar.close()
        raise
    bar.close()
    checkpoint.remove()
    summary = Summary(sent, time.perf_counter() - started, start, counter.retries)
    print(summary.line(args.collection), file=out, flush=True)
    return 0


def _dimension(source: Source) -> int:
    first = next(source.points(0), None)
    vector = None if first is None else first["vector"]
    if isinstance(vector, list) or getattr(vector, "ndim", None) == 1:
        return len(vector)  # type: ignore[arg-type]
    raise SourceError("--create needs a first point with an unnamed dense vector")


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(total: int, initial: int, *, enabled: bool, err: Any) -> Any:
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ModuleNotFoundError:
        raise SourceError(f"the progress bar needs tqdm: {EXTRA_HINT} (or --no-progress)") from None
    return tqdm(
        total=total, initial=initial, unit="pt", unit_scale=True, file=err, dynamic_ncols=True
    )


def add_parser(commands: Any) -> None:
    """The ``upload`` subcommand's arguments, on ``qdpool``'s subparsers."""
    parser = commands.add_parser(
        "upload",
        help="ingest a .jsonl, .npy or .npz file into a collection (resumable)",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("file", help="the points: FILE.jsonl, FILE.npy or FILE.npz")
    parser.add_argument("--collection", "-c", required=True, help="the collection to upsert into")
    parser.add_argument("--payloads", help=".npy/.npz: a .jsonl file of one payload per row")
    parser.add_argument("--url", help="Qdrant's REST URL (default: $QDRANT_URL, then localhost)")
    parser.add_argument("--grpc-url", help="Qdrant's gRPC URL (with --protocol grpc)")
    parser.add_argument("--api-key", help="the API key (default: $QDRANT_API_KEY)")
    parser.add_argument("--protocol", choices=("rest", "grpc"), default="rest")
    parser.add_argument("--batch-size", type=_positive, default=1000, help="default 1000")
    parser.add_argument("--parallel", type=_positive, default=4, help="batches in flight (4)")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds per batch, retries included (60)"
    )
    parser.add_argument(
        "--checkpoint", help="checkpoint file (default: FILE.COLLECTION.checkpoint.json)"
    )
    parser.add_argument(
        "--create", action="store_true", help="create the collection if missing (size from data)"
    )
    parser.add_argument("--distance", default="Cosine", help="with --create (default Cosine)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    """Run the upload; 1 with one line on stderr when it fails (the checkpoint stays)."""
    try:
        return asyncio.run(run(args))
    except (SourceError, InvalidInput) as exc:
        print(f"qdpool upload: {exc}", file=sys.stderr)
        return 2
    except QdpoolError as exc:
        print(f"qdpool upload: {exc}; run the same command again to resume", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qdpool upload: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """``qdpool upload`` arguments alone (for tests and ``python -m qdpool.upload``)."""
    parser = argparse.ArgumentParser(prog="qdpool")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["upload", *argv])


if __name__ == "__main__":
    sys.exit(main(parse(sys.argv[1:])))
