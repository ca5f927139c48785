"""``qdpool upload``: sources, the contiguous-prefix checkpoint, and interrupted uploads resumed.

The integration tests run the real command in a subprocess against the shared
embedded server (awaited with asyncio, so the server on this loop keeps
serving), interrupt it (``kill -9`` mid-way, or server errors), run it again,
and check that the collection holds exactly the file's points.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

import qdpool
from qdpool.embedded import FaultRule
from qdpool.errors import ServerError
from qdpool.upload import (
    ArraySource,
    Checkpoint,
    JsonlSource,
    SourceError,
    Summary,
    open_source,
    upload,
)

KEY = "test-key"
REPO = Path(__file__).resolve().parent.parent
DIM = 8


def file_points(count: int, seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "id": i,
            "vector": [rng.uniform(-1, 1) for _ in range(DIM)],
            "payload": {"n": i, "tag": f"t{i % 7}"},
        }
        for i in range(count)
    ]


def points_done(checkpoint: Path) -> int | None:
    """What a checkpoint file says, or None while there is none."""
    try:
        return int(json.loads(checkpoint.read_text())["points_done"])
    except FileNotFoundError:
        return None


def write_jsonl(path: Path, points: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in points))
    return path


# ------------------------------------------------------------------ sources


def test_jsonl_source_counts_and_resumes_from_an_index(tmp_path: Path) -> None:
    points = file_points(10)
    source = open_source(write_jsonl(tmp_path / "p.jsonl", points), None)
    assert isinstance(source, JsonlSource)
    assert source.total == 10
    assert list(source.points(0)) == points
    assert list(source.points(7)) == points[7:]


def test_npy_rows_are_ids_and_payloads_come_from_a_sidecar(tmp_path: Path) -> None:
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.save(tmp_path / "v.npy", vectors)
    sidecar = tmp_path / "payloads.jsonl"
    sidecar.write_text('{"a": 0}\nnull\n{"a": 2}\n{"a": 3}\n')
    source = open_source(tmp_path / "v.npy", sidecar)
    assert isinstance(source, ArraySource)
    got = list(source.points(1))
    assert all(isinstance(p["vector"], np.ndarray) for p in got)  # rows, not float lists
    assert [{**p, "vector": p["vector"].tolist()} for p in got] == [
        {"id": 1, "vector": [3.0, 4.0, 5.0]},
        {"id": 2, "vector": [6.0, 7.0, 8.0], "payload": {"a": 2}},
        {"id": 3, "vector": [9.0, 10.0, 11.0], "payload": {"a": 3}},
    ]


def test_npz_takes_ids_from_its_ids_array(tmp_path: Path) -> None:
    ids = np.array([10, 20, 30])
    np.savez(tmp_path / "v.npz", vectors=np.ones((3, 2)), ids=ids)
    points = list(open_source(tmp_path / "v.npz", None).points(0))
    assert [p["id"] for p in points] == [10, 20, 30]
    assert all(isinstance(p["id"], int) for p in points)


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("p.txt", b"", "expected a .jsonl"),
        ("p.jsonl", b'{"id": 1}\n', "needs an id and a vector"),
        ("p.jsonl", b"{nope\n", "not JSON"),
    ],
)
def test_bad_sources_say_what_is_wrong(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=fragment):
        list(open_source(path, None).points(0))


def test_a_sidecar_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "v.npy", np.ones((3, 2)))
    (tmp_path / "p.jsonl").write_text("{}\n{}\n")
    with pytest.raises(SourceError, match="2 payloads for 3 vectors"):
        open_source(tmp_path / "v.npy", tmp_path / "p.jsonl")


def test_a_checkpoint_belongs_to_one_file_version_and_collection(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "p.jsonl", file_points(5))
    checkpoint = Checkpoint(tmp_path / "ck.json", data, "docs")
    assert checkpoint.load() == 0
    checkpoint.save(3)
    assert Checkpoint(tmp_path / "ck.json", data, "docs").load() == 3
    with pytest.raises(SourceError, match="another file"):
        Checkpoint(tmp_path / "ck.json", data, "other").load()
    write_jsonl(data, file_points(6))
    with pytest.raises(SourceError, match="another file"):
        Checkpoint(tmp_path / "ck.json", data, "docs").load()


def test_summary_line() -> None:
    line = Summary(points=3000, seconds=1.5, resumed_at=1200, retries=2).line("docs")
    assert line == (
        "uploaded 3,000 points to docs in 1.50 s (2,000 points/s), 2 retries, "
        "resumed at point 1,200"
    )


# ------------------------------------------------------------------ the prefix, out of order


class OutOfOrder:
    """A stand-in client whose upserts finish out of order, and fail at one batch."""

    def __init__(self, fail_at: int | None) -> None:
        self.fail_at = fail_at
        self.written: list[int] = []
        self.rng = random.Random(5)

    async def upsert(self, collection: str, batch: list[dict[str, Any]], *, wait: bool) -> None:
        first = batch[0]["id"]
        await asyncio.sleep(self.rng.uniform(0, 0.004))
        if self.fail_at is not None and first == self.fail_at:
            raise ServerError("injected", protocol="rest", status=500)
        self.written.extend(p["id"] for p in batch)


async def test_the_checkpoint_is_the_contiguous_acknowledged_prefix(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "p.jsonl", file_points(200))
    source = open_source(data, None)
    checkpoint = Checkpoint(tmp_path / "ck.json", data, "docs")
    fake = OutOfOrder(fail_at=120)
    acked: list[int] = []
    with pytest.raises(ServerError):
        await upload(
            fake,  # type: ignore[arg-type]
            "docs",
            source,
            checkpoint,
            start=0,
            batch_size=10,
            parallel=4,
            progress=acked.append,
        )
    done = checkpoint.load()
    assert done <= 120
    assert set(range(done)) <= set(fake.written)  # everything before the prefix is written
    assert sum(acked) == len(fake.written)
    assert any(i >= done for i in fake.written) or done == 120  # later batches may be ahead

    fake.fail_at = None
    resumed = OutOfOrder(fail_at=None)
    sent = await upload(
        resumed,  # type: ignore[arg-type]
        "docs",
        source,
        checkpoint,
        start=done,
        batch_size=10,
        parallel=4,
        progress=acked.append,
    )
    assert sent == 200 - done
    assert sorted(resumed.written) == list(range(done, 200))
    assert checkpoint.load() == 200


# ------------------------------------------------------------------ the command, interrupted


async def qdpool_upload(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "qdpool", "upload", *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def stored(server: Any, name: str) -> dict[Any, Any]:
    async with qdpool.connect(
        server.rest_url, grpc_url=server.grpc_url, api_key=KEY, protocols=("rest",)
    ) as client:
        return {
            r.id: (r.payload, r.vector)
            async for r in client.scroll_all(name, page_size=1000, with_vector=True)
        }


def same_points(points: list[dict[str, Any]], got: dict[Any, Any]) -> None:
    assert sorted(got) == [p["id"] for p in points]
    for p in points:
        payload, vector = got[p["id"]]
        assert payload == p["payload"]
        want = np.array(p["vector"]) / np.linalg.norm(p["vector"])  # Cosine: stored normalized
        assert np.allclose(vector, want, atol=1e-5)


@pytest.mark.timeout(120)
async def test_upload_killed_mid_way_resumes_to_exactly_the_files_points(
    server: Any, tmp_path: Path
) -> None:
    points = file_points(3000)
    data = write_jsonl(tmp_path / "points.jsonl", points)
    name = f"upload_{uuid.uuid4().hex[:8]}"
    checkpoint = Path(f"{data}.{name}.checkpoint.json")
    common = [str(data), "-c", name, "--url", server.rest_url, "--api-key", KEY]
    common += ["--batch-size", "100", "--parallel", "3"]
    slow = server.faults.add(FaultRule.latency(0.05, operation="upsert"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "qdpool", "upload", *common, "--create",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO,
    )  # fmt: skip
    try:
        for _ in range(400):  # until a few batches are acknowledged
            await asyncio.sleep(0.025)
            if (points_done(checkpoint) or 0) >= 600:
                break
        process.send_signal(signal.SIGKILL)
    finally:
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    done = points_done(checkpoint)
    assert done is not None and 600 <= done < 3000
    server.faults.remove(slow)

    code, out, err = await qdpool_upload(*common)
    assert code == 0, err
    assert out.splitlines()[-1].startswith(f"uploaded {3000 - done:,} points to {name} in ")
    assert f"resumed at point {done:,}" in out
    assert "3.00k/3.00k" in err  # the bar reached the end
    assert points_done(checkpoint) is None  # removed once the whole file is in
    same_points(points, await stored(server, name))


@pytest.mark.timeout(120)
async def test_npy_upload_failing_on_server_errors_resumes(server: Any, tmp_path: Path) -> None:
    points = file_points(3000, seed=9)
    vectors = np.array([p["vector"] for p in points], dtype=np.float64)
    np.save(tmp_path / "v.npy", vectors)
    write_jsonl(tmp_path / "payloads.jsonl", [p["payload"] for p in points])
    name = f"upload_{uuid.uuid4().hex[:8]}"
    checkpoint = tmp_path / "ck.json"
    common = [str(tmp_path / "v.npy"), "-c", name, "--payloads", str(tmp_path / "payloads.jsonl")]
    common += ["--url", server.rest_url, "--api-key", KEY, "--checkpoint", str(checkpoint)]
    common += ["--batch-size", "250", "--parallel", "2", "--no-progress", "--create"]
    async with qdpool.connect(
        server.rest_url, grpc_url=server.grpc_url, api_key=KEY, protocols=("rest",)
    ) as client:
        await client.create_collection(name, size=DIM)
        await client.upsert(name, [{"id": 5, "vector": [1.0] * DIM, "payload": {"n": -1}}])

    server.faults.add(FaultRule.error(500, operation="upsert", rate=0.4))  # not retried
    code, out, err = await qdpool_upload(*common)
    assert code == 1, (out, err)
    assert "run the same command again to resume" in err
    assert err.count("\n") == 1  # one line
    server.faults.clear()

    server.faults.add(FaultRule.error(503, operation="upsert", count=2))  # retried, counted
    code, out, err = await qdpool_upload(*common)
    assert code == 0, err
    assert out.count("\n") == 1 and out.startswith("uploaded ")
    assert ", 2 retries" in out
    assert points_done(checkpoint) is None
    same_points(points, await stored(server, name))  # point 5 overwritten, nothing else


async def test_missing_file_or_bad_url_exit_2_with_one_line(tmp_path: Path) -> None:
    code, out, err = await qdpool_upload(str(tmp_path / "none.jsonl"), "-c", "x")
    assert (code, out) == (2, "")
    assert err == f"qdpool upload: {tmp_path / 'none.jsonl'}: no such file\n"
    data = write_jsonl(tmp_path / "p.jsonl", file_points(3))
    code, _, err = await qdpool_upload(
        str(data), "-c", "x", "--url", "http://127.0.0.1:7000", "--protocol", "grpc"
    )
    assert code == 2 and "pass grpc_url" in err and err.count("\n") == 1
