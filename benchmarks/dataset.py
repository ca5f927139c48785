"""Seeded data and the collection it lives in, prepared over plain REST (no client under test).

The collection is built with raw aiohttp so that preparing it depends on none of
the clients being measured: a broken client fails its own row, not the run.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import numpy as np
import orjson

from benchmarks.server import Target

CATEGORIES = ("index", "guide", "blog", "api")
QUERY_POOL = 16
"""Distinct query vectors, cycled by every client in the same order."""


def vectors(count: int, dim: int, seed: int = 7) -> np.ndarray:
    """``count`` x ``dim`` float32 vectors in [0, 1), the same for a given seed."""
    return np.random.default_rng(seed).random((count, dim), dtype=np.float32)


def payload(i: int) -> dict[str, Any]:
    return {"i": i, "category": CATEGORIES[i % len(CATEGORIES)], "price": i % 100}


def queries(dim: int, count: int = QUERY_POOL) -> list[list[float]]:
    """Query vectors as plain Python floats, as an application would hold them."""
    return [[round(float(x), 4) for x in row] for row in vectors(count, dim, seed=2026)]


def headers(target: Target) -> dict[str, str]:
    h = {"content-type": "application/json"}
    if target.api_key:
        h["api-key"] = target.api_key
    return h


async def _request(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    data = None if body is None else orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
    async with session.request(method, url, data=data) as resp:
        raw = await resp.read()
        if resp.status >= 300:
            raise RuntimeError(f"{method} {url}: HTTP {resp.status}: {raw[:300]!r}")
        return orjson.loads(raw)["result"] if raw else None


async def create_collection(target: Target, name: str, dim: int) -> None:
    """(Re)create ``name`` with one ``dim``-d cosine vector."""
    async with aiohttp.ClientSession(headers=headers(target)) as session:
        url = f"{target.rest_url}/collections/{name}"
        async with session.delete(url) as resp:
            await resp.read()
        await _request(session, "PUT", url, {"vectors": {"size": dim, "distance": "Cosine"}})


async def drop_collection(target: Target, name: str) -> None:
    url = f"{target.rest_url}/collections/{name}"
    async with (
        aiohttp.ClientSession(headers=headers(target)) as session,
        session.delete(url) as resp,
    ):
        await resp.read()


async def count(target: Target, name: str) -> int:
    async with aiohttp.ClientSession(headers=headers(target)) as session:
        url = f"{target.rest_url}/collections/{name}/points/count"
        result = await _request(session, "POST", url, {"exact": True})
        return int(result["count"])


async def seed(target: Target, name: str, data: np.ndarray, batch: int) -> None:
    """Create ``name`` and load ``data`` into it in ``batch``-point upserts (the seed's way)."""
    await create_collection(target, name, data.shape[1])
    async with aiohttp.ClientSession(headers=headers(target)) as session:
        url = f"{target.rest_url}/collections/{name}/points?wait=true"
        for start in range(0, len(data), batch):
            rows = data[start : start + batch]
            points = [
                {"id": start + j, "vector": row, "payload": payload(start + j)}
                for j, row in enumerate(rows)
            ]
            await _request(session, "PUT", url, {"points": points})
    loaded = await count(target, name)
    if loaded != len(data):
        raise RuntimeError(f"seeded {len(data)} points into {name!r} but it counts {loaded}")
