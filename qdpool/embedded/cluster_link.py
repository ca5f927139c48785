"""The private link between the embedded cluster's peers and its engine process.

A peer's doors call ``engine.run(operation, collection, body, params)`` as they
do on a single server; here ``EngineLink.run`` sends that call to the engine
process and waits for its answer, as a Qdrant peer forwards a request to the
shard holder.  The link knows no operation by name: a new operation added to
the engine and the doors passes through unchanged.

Wire format, over a Unix socket in the cluster directory (private to its user):
frames of a 4-byte big-endian length and an orjson array; a request is
``[id, operation name, collection, body, params]``, an answer ``[id, null, result]``
or ``[id, [kind, message], null]`` with the ``EngineError`` the engine raised.
A result that is a file path (a snapshot to download) comes back as
``[id, null, "/path", "path"]`` and is a ``Path`` again on the peer's side: the
peers and the engine share this machine's file system.
One connection per peer carries any number of calls at once; answers come back
in completion order and are matched by id.

A peer answers only after the engine has answered, so a write it acknowledges is
in the engine's write-ahead log.  When the engine process is down (or dies with
calls in flight) the peer answers ``EngineError(UNAVAILABLE)``: 503 on REST,
``UNAVAILABLE`` on gRPC, as a Qdrant peer does when no replica of a shard is
reachable.  A call in flight at that moment may or may not have been applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import struct
from pathlib import Path, PurePath
from typing import Any

import orjson

from qdpool.embedded.engine import Engine
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.operations import by_name
from qdpool.operations.spec import Operation

log = logging.getLogger(__name__)

_HEADER = struct.Struct(">I")
MAX_FRAME = 1 << 30
_PATH_TAG = "path"
UNREACHABLE = "Service unavailable: the shard holder (qdpool cluster engine process) is unreachable"


def frame(payload: Any) -> bytes:
    data = orjson.dumps(payload)
    return _HEADER.pack(len(data)) + data


async def read_frame(reader: asyncio.StreamReader) -> Any | None:
    """The next decoded frame, or None at a clean end of stream."""
    try:
        header = await reader.readexactly(_HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise ConnectionError("truncated frame header") from None
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ConnectionError(f"frame of {size} bytes exceeds the link's limit")
    return orjson.loads(await reader.readexactly(size))


class _Connection:
    """One open link: a reader task resolves each pending call's future by id."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.pending: dict[int, asyncio.Future[tuple[Any, Any]]] = {}
        self.closed = False
        self._reader_task = asyncio.create_task(self._read(reader), name="qdpool-engine-link")

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while (message := await read_frame(reader)) is not None:
                call_id, error, result, *tag = message
                if tag == [_PATH_TAG]:
                    result = Path(result)
                future = self.pending.pop(call_id, None)
                if future is not None and not future.done():
                    future.set_result((error, result))
        except (ConnectionError, OSError, orjson.JSONDecodeError, ValueError) as exc:
            log.warning("engine link lost: %s", exc)
        finally:
            self._fail_pending()

    def _fail_pending(self) -> None:
        self.closed = True
        self.writer.close()
        pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(EngineError(ErrorKind.UNAVAILABLE, UNREACHABLE))

    async def close(self) -> None:
        self._reader_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader_task
        self._fail_pending()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


class EngineLink:
    """Engine-shaped (``run``) access to the engine process over its Unix socket.

    Connects on first use and again after the engine went away, so a restarted
    engine is picked up by the next call.
    """

    def __init__(self, socket_path: Path, *, connect_timeout: float = 2.0) -> None:
        self.socket_path = socket_path
        self.connect_timeout = connect_timeout
        self._connection: _Connection | None = None
        self._connecting = asyncio.Lock()
        self._ids = itertools.count(1)

    async def run(
        self,
        operation: Operation[Any],
        collection: str | None = None,
        body: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """Run one operation in the engine process; its result, or its ``EngineError``."""
        connection = await self._connect()
        call_id = next(self._ids)
        future: asyncio.Future[tuple[Any, Any]] = asyncio.get_running_loop().create_future()
        connection.pending[call_id] = future
        if connection.closed:  # lost between _connect and now: nothing will answer
            connection.pending.pop(call_id, None)
            raise EngineError(ErrorKind.UNAVAILABLE, UNREACHABLE)
        try:
            connection.writer.write(
                frame([call_id, operation.name, collection, body, params or {}])
            )
            error, result = await future
        finally:
            connection.pending.pop(call_id, None)
        if error is not None:
            kind, message = error
            raise EngineError(ErrorKind(kind), message)
        return result

    async def _connect(self) -> _Connection:
        connection = self._connection
        if connection is not None and not connection.closed:
            return connection
        async with self._connecting:
            if self._connection is not None and not self._connection.closed:
                return self._connection
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_unix_connection(str(self.socket_path), limit=MAX_FRAME),
                    self.connect_timeout,
                )
            except (OSError, TimeoutError) as exc:
                raise EngineError(ErrorKind.UNAVAILABLE, f"{UNREACHABLE} ({exc})") from None
            self._connection = _Connection(reader, writer)
            return self._connection

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


class EngineListener:
    """The engine process's side: answers every peer's calls with ``Engine.run``."""

    def __init__(self, engine: Engine, socket_path: Path) -> None:
        self.engine = engine
        self.socket_path = socket_path
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.socket_path.unlink(missing_ok=True)  # left by an engine killed with -9
        self._server = await asyncio.start_unix_server(
            self._serve, str(self.socket_path), limit=MAX_FRAME
        )

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while (message := await read_frame(reader)) is not None:
                task = asyncio.create_task(self._answer(message, writer))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        except (ConnectionError, OSError, orjson.JSONDecodeError) as exc:
            log.info("peer link closed: %s", exc)
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(self, message: Any, writer: asyncio.StreamWriter) -> None:
        call_id, name, collection, body, params = message
        operation = by_name(name)
        try:
            result = await self.engine.run(operation, collection, body, params)
            answer = [call_id, None, result]
            if isinstance(result, PurePath):
                answer = [call_id, None, str(result), _PATH_TAG]
        except EngineError as exc:
            answer = [call_id, [exc.kind.value, exc.message], None]
        except Exception as exc:  # the engine's own bug: report it as Qdrant reports a 500
            log.exception("engine call %s failed", name)
            answer = [call_id, [ErrorKind.INTERNAL.value, f"Service internal error: {exc}"], None]
        if writer.is_closing():
            return  # the peer is gone; the call itself was still carried out
        with contextlib.suppress(ConnectionError, OSError):
            writer.write(frame(answer))
            await writer.drain()

    async def close(self, grace: float = 5.0) -> None:
        """Stop accepting, give calls in progress ``grace`` seconds, close every peer's link."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in late:
                task.cancel()
        for writer in list(self._writers):
            writer.close()
        self.socket_path.unlink(missing_ok=True)
