"""Streamed REST bodies: a snapshot download written to a file as it arrives, and an upload
sent from its file, so that the memory a transfer takes does not grow with the snapshot.

A call carries one of these in ``Call.stream`` (None on every other call: each REST
transport tests that once and otherwise takes its usual path).

* ``Download``: the answer's body, when the status is 200, goes to a temporary file beside
  the target, hashed (SHA-256) as it is written. Each attempt starts the file over (a
  download is idempotent, so a retry after a dropped connection is safe). ``commit``
  verifies the checksum and renames the file into place; ``discard`` removes it. A
  mismatch, a broken transfer or any other failure leaves no file at the target.
* ``Upload``: a multipart form (one file field, ``snapshot``, as Qdrant's upload route
  reads it) whose file part is read from disk while it is sent, with a known
  ``Content-Length``. Its boundary is random per upload, so no archive can contain it.

Disk reads and writes happen on the event loop in pieces of ``CHUNK``: each is a page-cache
copy of a fraction of a millisecond, far cheaper than a thread hop per piece; the final
``fsync`` and rename (the slow part) run in a thread (``commit``).

The per-library exchanges (``http1_exchange``, ``aiohttp_exchange``, ``httpx_exchange``) are
here too, so the transports keep one hook each and map failures at their usual boundary.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from qdpool import errors
from qdpool.errors import InvalidInput
from qdpool.transport.http1_conn import NotWritten

if TYPE_CHECKING:
    import aiohttp
    import httpx

    from qdpool.call import Call
    from qdpool.transport.http1 import Http1Transport
    from qdpool.transport.http1_conn import Answer

CHUNK = 256 * 1024
"""Bytes read from (or handed to) the disk at a time."""

UPLOAD_FIELD = "snapshot"
"""The multipart field Qdrant's ``snapshots/upload`` route reads the archive from."""


class Stream:
    """A file carried by one call, in either direction; one attempt at a time (hedges are
    off for such calls: two attempts would share the file)."""

    __slots__ = ()

    def restart(self) -> None:
        """An attempt begins: start the transfer over."""

    def body_type(self) -> tuple[str, int] | None:
        """The content type and length of the request body it is, if it is one."""
        return None


class Download(Stream):
    """The body of a 200 answer, streamed to ``target`` and verified against ``checksum``.

    ``target`` appears only through ``commit``, whole and verified; until then the bytes
    go to a hidden ``.partial`` file beside it (same directory, so the rename is atomic).
    """

    __slots__ = ("_digest", "_file", "checksum", "error", "partial", "size", "target")

    def __init__(self, target: str | os.PathLike[str], checksum: str) -> None:
        self.target = Path(target)
        self.checksum = checksum.lower()
        self.partial = self.target.with_name(f".{self.target.name}.{secrets.token_hex(4)}.partial")
        self._file: IO[bytes] | None = None
        self._digest = hashlib.sha256()
        self.size = 0
        self.error: OSError | None = None
        """A failure writing the file; ``commit`` raises it."""

    def restart(self) -> None:
        self._close()
        self._digest = hashlib.sha256()
        self.size = 0
        self.error = None
        try:
            self._file = open(self.partial, "wb")  # noqa: SIM115 - kept open across callbacks
        except OSError as exc:
            self.error = exc

    def write(self, chunk: bytes) -> None:
        """One piece of the body (called from the transport as it arrives). A write error is
        kept for ``commit`` rather than raised into the HTTP parser's callback."""
        out = self._file
        if out is None or self.error is not None:
            return
        try:
            out.write(chunk)
        except OSError as exc:
            self.error = exc
            return
        self._digest.update(chunk)
        self.size += len(chunk)

    async def receive(self, chunks: AsyncIterator[bytes]) -> bytes:
        """Write every piece of an answer's body (aiohttp, httpx); the answer's ``raw`` is
        then empty."""
        async for chunk in chunks:
            self.write(chunk)
        return b""

    def commit(self) -> None:
        """Verify the whole file and rename it to ``target`` (blocking: run in a thread).

        Raises ``ServerError`` when its SHA-256 is not ``checksum``, or ``OSError`` when it
        could not be written; either way nothing is left behind.
        """
        try:
            out = self._file
            if self.error is not None or out is None:
                raise self.error or OSError("the snapshot download was not started")
            out.flush()
            os.fsync(out.fileno())
            self._close()
            digest = self._digest.hexdigest()
            if digest != self.checksum:
                raise errors.ServerError(
                    f"snapshot download is corrupt: SHA-256 {digest} of {self.size} bytes, "
                    f"the server lists {self.checksum}",
                    protocol="rest",
                )
            os.replace(self.partial, self.target)
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the partial file (after a failure, or after ``commit`` renamed it)."""
        self._close()
        self.partial.unlink(missing_ok=True)

    def _close(self) -> None:
        out, self._file = self._file, None
        if out is not None:
            out.close()


class Upload(Stream):
    """The file at ``path`` as the multipart form Qdrant's upload route reads, sent as it
    is read. ``length`` is the whole body's size (its ``Content-Length``)."""

    __slots__ = ("_head", "_tail", "content_type", "length", "path", "size")

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.size = self.path.stat().st_size
        except OSError as exc:
            raise InvalidInput("path", f"cannot read the snapshot file: {exc.strerror}") from None
        if not self.path.is_file():
            raise InvalidInput("path", "is not a file")
        boundary = f"qdpool-{secrets.token_hex(16)}"
        safe_name = self.path.name.replace('"', "_").replace("\r", "_").replace("\n", "_")
        self._head = (
            f"--{boundary}\r\n"
            f'content-disposition: form-data; name="{UPLOAD_FIELD}"; filename="{safe_name}"\r\n'
            "content-type: application/octet-stream\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self.length = len(self._head) + self.size + len(self._tail)
        self.content_type = f"multipart/form-data; boundary={boundary}"

    def body_type(self) -> tuple[str, int]:
        return self.content_type, self.length

    def headers(self, base: dict[str, str]) -> dict[str, str]:
        """``base`` (the call's headers) with this body's type and length."""
        return {**base, "content-type": self.content_type, "content-length": str(self.length)}

    def chunks(self) -> Iterator[bytes]:
        """The body, a piece at a time, the file read from its start (each attempt anew).

        Raises ``InvalidInput`` if the file's size changed since the upload was prepared:
        the announced ``Content-Length`` would no longer hold.
        """
        yield self._head
        sent = 0
        try:
            with open(self.path, "rb") as source:
                while piece := source.read(min(CHUNK, self.size - sent)):
                    sent += len(piece)
                    yield piece
                grew = sent == self.size and source.read(1)
        except OSError as exc:
            raise InvalidInput("path", f"cannot read the snapshot file: {exc.strerror}") from None
        if sent != self.size or grew:
            raise InvalidInput("path", "the snapshot file changed while it was being uploaded")
        yield self._tail

    async def body(self) -> AsyncIterator[bytes]:
        """``chunks`` for the HTTP libraries that take an async iterable (aiohttp, httpx)."""
        for piece in self.chunks():
            yield piece


# ---------------------------------------------------------------- per transport


async def http1_exchange(transport: Http1Transport, head: bytes, call: Call) -> Answer:
    """``Http1Transport._exchange`` for a call with a stream: the same pool, deadline watch,
    ``sent`` bookkeeping and connection reuse rules; the body comes from (or the answer goes
    to) the call's file. Raises what ``_exchange`` raises; ``send`` maps it."""
    stream = call.stream
    assert stream is not None
    stream.restart()
    upload = stream if isinstance(stream, Upload) else None
    deadline = call.attempt_deadline
    conn = transport._take_idle() or await transport._acquire(deadline)
    if deadline - transport._clock() <= 0:
        transport._release(conn)
        raise TimeoutError()
    transport._watchdog.watch(conn, deadline)
    sent_before = call.sent
    conn.sink = stream if isinstance(stream, Download) else None
    try:
        answer = conn.begin(head, None)
        call.sent = True
        if upload is not None:
            for piece in upload.chunks():
                if not await conn.write_body(piece):
                    conn.keep_alive = False  # answered before the whole body was written
                    break
        result = await answer
    except BaseException as exc:
        if isinstance(exc, NotWritten):
            call.sent = sent_before
        transport._discard(conn)
        raise
    finally:
        conn.sink = None
        transport._watchdog.forget(conn)
    transport._release(conn)
    return result


async def aiohttp_exchange(
    session: aiohttp.ClientSession, method: str, url: str, call: Call, timeout: Any
) -> tuple[int, bytes, str | None]:
    """One aiohttp request of a call with a stream: ``(status, raw, retry_after)``, the body
    of a 200 download written to its file (``raw`` is then empty)."""
    stream = call.stream
    assert stream is not None
    stream.restart()
    upload = stream if isinstance(stream, Upload) else None
    async with session.request(
        method,
        url,
        data=upload.body() if upload is not None else None,
        headers=upload.headers(call.headers) if upload is not None else _identity(call.headers),
        timeout=timeout,
    ) as resp:
        status = resp.status
        if status == 200 and isinstance(stream, Download):
            raw = await stream.receive(resp.content.iter_chunked(CHUNK))
        else:
            raw = await resp.read()
        return status, raw, resp.headers.get("Retry-After") if status == 429 else None


async def httpx_exchange(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    call: Call,
    timeout: float,
) -> tuple[int, bytes, str | None]:
    """``aiohttp_exchange`` for httpx."""
    stream = call.stream
    assert stream is not None
    stream.restart()
    upload = stream if isinstance(stream, Upload) else None
    request = client.build_request(
        method,
        url,
        content=upload.body() if upload is not None else None,
        headers=upload.headers(headers) if upload is not None else _identity(headers),
        timeout=timeout,
    )
    resp = await client.send(request, stream=True)
    try:
        status = resp.status_code
        if status == 200 and isinstance(stream, Download):
            # The raw bytes, unless the server compressed them anyway: httpx's decoding
            # iterator holds about twice the memory.
            coded = resp.headers.get("content-encoding", "identity") != "identity"
            raw = await stream.receive(resp.aiter_bytes(CHUNK) if coded else resp.aiter_raw())
        else:
            raw = await resp.aread()
    finally:
        await resp.aclose()
    return status, raw, resp.headers.get("retry-after") if status == 429 else None


def _identity(headers: dict[str, str]) -> dict[str, str]:
    """A download's headers: the archive is compressed already, so ask for it as it is (and
    the checksum is of those bytes)."""
    return {**headers, "accept-encoding": "identity"}
