"""Streamed snapshot transfers (``qdpool.transport.streams``) over every REST transport,
against a small scripted HTTP/1.1 server that can cut a download short or drop an upload.

What must hold: a download lands whole and verified or not at all (a mismatch, a
connection dropped mid-body: an error and no file, partial ones included); a download
dropped once is retried from the start and lands whole; an upload goes out as one
multipart body of the announced length, and is never re-sent once it may have reached
the server.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
import pytest_asyncio

import qdpool
from qdpool import errors
from qdpool.errors import InvalidInput
from qdpool.operations import snapshots as snapshot_ops
from qdpool.policies import RetryPolicy
from qdpool.transport import streams

TRANSPORTS = ("http1", "aiohttp", "httpx")
ARCHIVE = bytes(range(256)) * 4096  # 1 MiB: several pieces on every transport
CHECKSUM = hashlib.sha256(ARCHIVE).hexdigest()
LISTING = {
    "result": [
        {"name": name, "size": len(ARCHIVE), "checksum": CHECKSUM}
        for name in ("s.snapshot", "gone.snapshot")
    ],
    "status": "ok",
    "time": 0.0,
}


@dataclass
class Script:
    """What the scripted server does, and what it saw."""

    cut_downloads: int = 0
    """How many downloads (the first ones) end after half the body, the connection closed."""
    drop_uploads: bool = False
    """Close the connection once an upload has arrived, without answering."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    uploads: list[bytes] = field(default_factory=list)
    upload_heads: list[dict[str, str]] = field(default_factory=list)


async def _serve(
    script: Script, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            line, *lines = head.decode("latin-1").split("\r\n")
            method, target, _ = line.split(" ", 2)
            headers = {k.lower(): v for k, _, v in (h.partition(": ") for h in lines if h)}
            path = target.split("?", 1)[0]
            script.requests.append((method, target))
            if path.endswith("/snapshots/upload"):
                script.upload_heads.append(headers)
                script.uploads.append(await reader.readexactly(int(headers["content-length"])))
                if script.drop_uploads:
                    return
                _answer(writer, 200, orjson.dumps({"result": True, "status": "ok", "time": 0}))
            elif method == "GET" and path.endswith("/snapshots/s.snapshot"):
                downloads = sum(1 for _, t in script.requests if t.endswith("/s.snapshot"))
                head_out = f"HTTP/1.1 200 OK\r\ncontent-length: {len(ARCHIVE)}\r\n\r\n"
                writer.write(head_out.encode())
                if downloads <= script.cut_downloads:
                    writer.write(ARCHIVE[: len(ARCHIVE) // 2])
                    await writer.drain()
                    return
                writer.write(ARCHIVE)
            elif method == "GET" and path.endswith("/snapshots"):
                _answer(writer, 200, orjson.dumps(LISTING))
            elif path == "/readyz":
                _answer(writer, 200, b"ok", "text/plain")
            else:
                _answer(writer, 404, orjson.dumps({"status": {"error": "Not found"}, "time": 0}))
            await writer.drain()
    finally:
        writer.close()


def _answer(
    writer: asyncio.StreamWriter, status: int, body: bytes, kind: str = "application/json"
) -> None:
    head = f"HTTP/1.1 {status} X\r\ncontent-type: {kind}\r\ncontent-length: {len(body)}\r\n\r\n"
    writer.write(head.encode() + body)


@pytest_asyncio.fixture
async def scripted() -> AsyncIterator[tuple[Script, str]]:
    script = Script()
    server = await asyncio.start_server(lambda r, w: _serve(script, r, w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield script, f"http://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


def _connect(url: str, transport: str) -> qdpool.Client:
    fast = RetryPolicy(max_attempts=3, base=0.001, cap=0.002, jitter="none")
    return qdpool.connect(url, rest_transport=transport, retry=fast, protocol="rest", timeout=10)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_download_cut_short_leaves_no_file(
    scripted: tuple[Script, str], tmp_path: Path, transport: str
) -> None:
    script, url = scripted
    script.cut_downloads = 99
    async with _connect(url, transport) as client:
        with pytest.raises(errors.Unavailable):
            await client.download_snapshot("c", "s.snapshot", tmp_path / "out.snapshot")
    assert os.listdir(tmp_path) == []
    assert sum(1 for _, t in script.requests if t.endswith("/s.snapshot")) == 3  # retried


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_download_cut_once_is_retried_from_the_start(
    scripted: tuple[Script, str], tmp_path: Path, transport: str
) -> None:
    script, url = scripted
    script.cut_downloads = 1
    target = tmp_path / "out.snapshot"
    async with _connect(url, transport) as client:
        info = await client.download_snapshot("c", "s.snapshot", target)
    assert info.checksum == CHECKSUM and target.read_bytes() == ARCHIVE
    assert os.listdir(tmp_path) == ["out.snapshot"]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_checksum_mismatch_leaves_no_file(
    scripted: tuple[Script, str], tmp_path: Path, transport: str
) -> None:
    _, url = scripted
    async with _connect(url, transport) as client:
        with pytest.raises(errors.ServerError, match="corrupt"):
            await client.download_snapshot("c", "s.snapshot", tmp_path / "x", checksum="0" * 64)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_upload_is_one_multipart_body_of_the_announced_length(
    scripted: tuple[Script, str], tmp_path: Path, transport: str
) -> None:
    script, url = scripted
    archive = tmp_path / 'a"b.snapshot'
    archive.write_bytes(ARCHIVE)
    async with _connect(url, transport) as client:
        assert await client.upload_snapshot(
            "c", archive, priority="snapshot", checksum=CHECKSUM, wait=False
        )
    (body,) = script.uploads
    (head,) = script.upload_heads
    kind, _, boundary = head["content-type"].partition("; boundary=")
    assert kind == "multipart/form-data" and "transfer-encoding" not in head
    assert (
        body
        == (
            f"--{boundary}\r\n"
            'content-disposition: form-data; name="snapshot"; filename="a_b.snapshot"\r\n'
            "content-type: application/octet-stream\r\n\r\n"
        ).encode()
        + ARCHIVE
        + f"\r\n--{boundary}--\r\n".encode()
    )
    (target,) = [t for _, t in script.requests if "/upload" in t]
    assert target == (
        f"/collections/c/snapshots/upload?wait=false&priority=snapshot&checksum={CHECKSUM}"
    )


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_upload_is_not_retried_once_sent(
    scripted: tuple[Script, str], tmp_path: Path, transport: str
) -> None:
    script, url = scripted
    script.drop_uploads = True
    archive = tmp_path / "s.snapshot"
    archive.write_bytes(ARCHIVE)
    async with _connect(url, transport) as client:
        with pytest.raises(errors.Unavailable):
            await client.upload_snapshot("c", archive)
    assert len(script.upload_heads) == 1


async def test_upload_arguments_are_checked(scripted: tuple[Script, str], tmp_path: Path) -> None:
    script, url = scripted
    archive = tmp_path / "s.snapshot"
    archive.write_bytes(b"x")
    async with _connect(url, "http1") as client:
        with pytest.raises(InvalidInput, match="priority"):
            await client.upload_snapshot("c", archive, priority="first")  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="checksum"):
            await client.upload_snapshot("c", archive, checksum="abc&wait=false")
        with pytest.raises(InvalidInput, match="path"):
            await client.upload_snapshot("c", tmp_path / "missing.snapshot")
        with pytest.raises(InvalidInput, match="path"):
            await client.upload_snapshot("c", tmp_path)
    assert script.upload_heads == []


def test_upload_options_query() -> None:
    options = snapshot_ops.upload_options(wait=True, priority=None, checksum=None)
    assert options.rest_query == "wait=true"
    options = snapshot_ops.upload_options(wait=False, priority="replica", checksum="A" * 64)
    assert options.rest_query == f"wait=false&priority=replica&checksum={'A' * 64}"


def test_an_upload_whose_file_changed_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "s.snapshot"
    archive.write_bytes(b"12345")
    upload = streams.Upload(archive)
    assert upload.length == sum(len(piece) for piece in upload.chunks())
    archive.write_bytes(b"123456")
    with pytest.raises(InvalidInput, match="changed"):
        list(upload.chunks())
    archive.write_bytes(b"1234")
    with pytest.raises(InvalidInput, match="changed"):
        list(upload.chunks())


def test_a_download_restarts_each_attempt_and_commits_once_verified(tmp_path: Path) -> None:
    target = tmp_path / "out"
    sink = streams.Download(target, CHECKSUM)
    sink.restart()
    sink.write(b"stale half of an earlier attempt")
    sink.restart()
    for start in range(0, len(ARCHIVE), 100_000):
        sink.write(ARCHIVE[start : start + 100_000])
    sink.commit()
    assert target.read_bytes() == ARCHIVE and os.listdir(tmp_path) == ["out"]


def test_a_download_that_could_not_write_raises_and_leaves_nothing(tmp_path: Path) -> None:
    sink = streams.Download(tmp_path / "missing-dir" / "out", CHECKSUM)
    sink.restart()
    sink.write(ARCHIVE)
    with pytest.raises(OSError):
        sink.commit()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_error_answer_is_decoded_not_written(
    scripted: tuple[Script, str], tmp_path: Path, transport: str
) -> None:
    """Only a 200's body goes to the file; an error's is Qdrant's JSON, raised as usual."""
    _, url = scripted
    async with _connect(url, transport) as client:
        with pytest.raises(errors.NotFound, match="Not found"):
            await client.download_snapshot("c", "gone.snapshot", tmp_path / "x")
    assert os.listdir(tmp_path) == []


async def test_a_snapshot_the_listing_lacks_is_not_downloaded(
    scripted: tuple[Script, str], tmp_path: Path
) -> None:
    script, url = scripted
    async with _connect(url, "http1") as client:
        with pytest.raises(errors.NotFound, match=r"other\.snapshot"):
            await client.download_snapshot("c", "other.snapshot", tmp_path / "x")
        with pytest.raises(InvalidInput, match="snapshot_name"):
            await client.download_snapshot("c", "../s.snapshot", tmp_path / "x")
    assert [t for _, t in script.requests if "other" in t] == []
    assert os.listdir(tmp_path) == []
