"""The REST door's file endpoints: snapshot downloads (streamed) and uploads (multipart).

Everything else on the REST door answers JSON from the engine's result; these
two move files.  A download asks the engine for the snapshot's path (so the
collection, alias and name checks are the engine's) and streams the file with
``web.FileResponse`` (sendfile, no copy in memory).  An upload
(``POST /collections/{c}/snapshots/upload``, multipart field ``snapshot``, as
qdrant-client sends it) is streamed to a temporary file in the snapshots
directory, handed to the engine's ``upload_snapshot`` (which verifies the
``checksum`` query parameter and recovers from it) and removed afterwards.
Both pass through the door's usual front first: trace log, faults, API key.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import orjson
from aiohttp import BodyPartReader, web

from qdpool import operations as ops
from qdpool.embedded.engine import Engine
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.operations.spec import Operation

UPLOAD_FIELD = "snapshot"
_CHUNK = 1 << 20

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Door(Protocol):
    """What these handlers need of the REST door."""

    engine: Engine

    async def front(
        self, request: web.Request, op: Operation[Any], collection: str | None
    ) -> web.StreamResponse | None: ...


def download_handler(door: Door, op: Operation[Any]) -> Handler:
    """``GET .../snapshots/{snapshot_name}``: the archive as ``application/octet-stream``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        collection = request.match_info.get("collection")
        early = await door.front(request, op, collection)
        if early is not None:
            return early
        try:
            found = await door.engine.run(op, collection, None, _params(request))
        except EngineError as exc:
            return _error(exc, started)
        path = Path(found)
        return web.FileResponse(
            path,
            chunk_size=_CHUNK,
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Disposition": f'attachment; filename="{path.name}"',
            },
        )

    return handle


def upload_handler(door: Door, op: Operation[Any]) -> Handler:
    """``POST /collections/{c}/snapshots/upload``: recover ``c`` from the uploaded archive."""

    async def handle(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        collection = request.match_info.get("collection")
        early = await door.front(request, op, collection)
        if early is not None:
            return early
        scratch = door.engine.snapshots_dir / f".upload-{uuid.uuid4().hex}.snapshot"
        try:
            await _save_upload(request, scratch)
            result = await door.engine.run(op, collection, {"path": str(scratch)}, _params(request))
        except EngineError as exc:
            return _error(exc, started)
        except ConnectionError:
            return web.Response(status=499)  # the client went away mid-upload
        finally:
            with contextlib.suppress(FileNotFoundError):
                scratch.unlink()
            # A refused upload may be unread: drain it, so the connection can be reused.
            with contextlib.suppress(ConnectionError):
                await request.release()
        return _json({"result": result, "status": "ok", "time": time.perf_counter() - started})

    return handle


async def _save_upload(request: web.Request, target: Path) -> None:
    """Stream the multipart field ``snapshot`` to ``target``."""
    if not request.content_type.startswith("multipart/"):
        raise EngineError(
            ErrorKind.FORMAT,
            f"Multipart error: expected multipart/form-data, got {request.content_type}",
        )
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name != UPLOAD_FIELD:
            continue
        # File writes go to a thread: a slow disk must not stall the event loop.
        out = await asyncio.to_thread(open, target, "wb")
        try:
            while chunk := await part.read_chunk(_CHUNK):
                await asyncio.to_thread(out.write, chunk)
        finally:
            await asyncio.to_thread(out.close)
        return
    raise EngineError(ErrorKind.FORMAT, f"Multipart error: missing field `{UPLOAD_FIELD}`")


def _params(request: web.Request) -> dict[str, str]:
    params = dict(request.query)
    params.update((k, v) for k, v in request.match_info.items() if k != "collection")
    return params


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(exc: EngineError, started: float) -> web.Response:
    elapsed = max(time.perf_counter() - started, 0.0)
    return _json({"status": {"error": exc.message}, "time": elapsed}, exc.http_status)


FILE_HANDLERS: dict[Operation[Any], Callable[[Door, Operation[Any]], Handler]] = {
    ops.DOWNLOAD_SNAPSHOT: download_handler,
    ops.DOWNLOAD_FULL_SNAPSHOT: download_handler,
    ops.UPLOAD_SNAPSHOT: upload_handler,
}
"""Operations the REST door routes here instead of to its JSON handler."""
