"""Durability: acknowledged writes survive ``kill -9``; the CLI's banner, signals and temp data."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from embedded_support import Grpc, Rest, grpc_channel, pb

from qdpool.embedded import EmbeddedProcess, EmbeddedQdrant

KEY = "test-key"
DIM = 16


def make_points(start: int, n: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    vectors = rng.random((n, DIM), dtype=np.float32)
    return [
        {
            "id": start + i,
            "vector": vectors[i].tolist(),
            "payload": {"n": start + i, "even": (start + i) % 2 == 0, "tags": ["x", start + i]},
        }
        for i in range(n)
    ]


async def snapshot_of(rest: Rest, name: str) -> dict[str, Any]:
    """Everything a restart must preserve, read through the API."""
    info = (await rest("GET", f"/collections/{name}")).result
    scrolled = (
        await rest(
            "POST", f"/collections/{name}/points/scroll", {"limit": 10_000, "with_vector": True}
        )
    ).result
    return {
        "config": info["config"],
        "points_count": info["points_count"],
        "points": scrolled["points"],
    }


async def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with aiohttp.ClientSession() as http:
        async with EmbeddedProcess(path=data, api_key=KEY) as first:
            rest = Rest(http, first.rest_url)
            body = {"vectors": {"size": DIM, "distance": "Cosine"}, "on_disk_payload": False}
            assert (await rest("PUT", "/collections/durable", body)).result is True
            last_op = -1
            for batch in range(3):
                reply = await rest(
                    "PUT",
                    "/collections/durable/points",
                    {"points": make_points(batch * 1000, 1000, seed=batch)},
                    params={"wait": "true"},
                )
                assert reply.result["status"] == "completed"
                last_op = reply.result["operation_id"]
            deleted = await rest(
                "POST",
                "/collections/durable/points/delete",
                {"filter": {"must": [{"key": "even", "match": {"value": True}}]}},
                params={"wait": "true"},
            )
            assert deleted.result["operation_id"] == last_op + 1
            before = await snapshot_of(rest, "durable")
            assert before["points_count"] == 1500
            first.kill()  # SIGKILL straight after the acknowledgement: nothing flushed
            assert await first.wait(10) == -9

        async with EmbeddedProcess(path=data, api_key=KEY) as second:
            rest = Rest(http, second.rest_url)
            after = await snapshot_of(rest, "durable")
            assert after == before
            listed = (await rest("GET", "/collections")).result["collections"]
            assert listed == [{"name": "durable"}]
            # Operation ids keep increasing across the restart.
            reply = await rest(
                "PUT",
                "/collections/durable/points",
                {"points": make_points(5000, 1, seed=9)},
                params={"wait": "true"},
            )
            assert reply.result["operation_id"] > deleted.result["operation_id"]
            # The other door sees the recovered data too.
            channel = grpc_channel(second)
            try:
                count = await Grpc(channel)("count", pb("count", "durable", {}))
                assert count.result.count == 1501
            finally:
                await channel.close(None)


async def test_sigterm_flushes_and_exits_0_and_the_banner_is_exact(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        *EmbeddedProcess(path=tmp_path / "d").command(),
        stdout=asyncio.subprocess.PIPE,
        env=EmbeddedProcess.environment(),
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
    assert re.fullmatch(
        r"qdpool serve: rest=http://127\.0\.0\.1:\d+ grpc=http://127\.0\.0\.1:\d+\n", line
    ), line
    proc.terminate()
    assert await asyncio.wait_for(proc.wait(), 10) == 0
    assert (tmp_path / "d" / "collections").is_dir()


async def test_in_process_restart_keeps_data_and_temp_data_is_removed(tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as http:
        async with EmbeddedQdrant(path=tmp_path / "p", snapshots_path=tmp_path / "s") as server:
            rest = Rest(http, server.rest_url)
            body = {"vectors": {"size": DIM, "distance": "Euclid"}}
            assert (await rest("PUT", "/collections/kept", body)).result is True
            await rest("PUT", "/collections/kept/points", {"points": make_points(0, 10, seed=1)})
            snap = (await rest("POST", "/collections/kept/snapshots")).result
            before = await snapshot_of(rest, "kept")
        assert (tmp_path / "s" / "kept" / snap["name"]).is_file()
        async with EmbeddedQdrant(path=tmp_path / "p", snapshots_path=tmp_path / "s") as server:
            rest = Rest(http, server.rest_url)
            assert await snapshot_of(rest, "kept") == before
            assert (await rest("GET", "/collections/kept/snapshots")).result == [snap]

        async with EmbeddedQdrant() as temporary:
            root = temporary.engine.root
            assert root.is_dir()
        assert not root.exists()
