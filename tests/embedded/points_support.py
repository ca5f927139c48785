"""Helpers for the data-plane tests: the same collection on the embedded server and a judge.

``Pair`` holds the official qdrant-client over REST against the embedded server
(``remote``) and qdrant-client's local mode (``local``, its own in-process
implementation of Qdrant's semantics) with the same collection and points, so a
test runs one operation on both and compares what comes back.  The data is small
and seeded: 40 points with a named Cosine vector ``d`` (4-d), a named Euclid
vector ``e`` (3-d), a MaxSim multivector ``m`` (rows of 2) and a sparse vector
``s``, and payloads with integers, keywords, geo points, datetimes, text,
arrays and nested objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as m

from qdpool.embedded import EmbeddedQdrant

KEY = "test-key"
N = 40
CITIES = ("Berlin", "Paris", "Rome", "Oslo")
COORDS = {
    "Berlin": (13.40, 52.52),
    "Paris": (2.35, 48.86),
    "Rome": (12.50, 41.90),
    "Oslo": (10.75, 59.91),
}
WORDS = ("vector search engine", "fast vector index", "search with filters", "payload index build")

T = TypeVar("T")


def remote_client(server: EmbeddedQdrant) -> AsyncQdrantClient:
    """qdrant-client over REST against the embedded server."""
    return AsyncQdrantClient(
        url=server.rest_url,
        api_key=KEY,
        https=False,
        prefer_grpc=False,
        check_compatibility=False,
        timeout=30,
    )


def vectors_config() -> dict[str, m.VectorParams]:
    return {
        "d": m.VectorParams(size=4, distance=m.Distance.COSINE),
        "e": m.VectorParams(size=3, distance=m.Distance.EUCLID),
        "m": m.VectorParams(
            size=2,
            distance=m.Distance.DOT,
            multivector_config=m.MultiVectorConfig(comparator=m.MultiVectorComparator.MAX_SIM),
        ),
    }


def sparse_config() -> dict[str, m.SparseVectorParams]:
    return {"s": m.SparseVectorParams()}


def dataset(seed: int = 7) -> list[m.PointStruct]:
    rng = np.random.default_rng(seed)
    points = []
    for i in range(N):
        city = CITIES[i % len(CITIES)]
        lon, lat = COORDS[city]
        indices = sorted(rng.choice(30, size=3, replace=False).tolist())
        payload: dict[str, Any] = {
            "n": i,
            "price": float(round(rng.uniform(0, 100), 2)),
            "tag": "odd" if i % 2 else "even",
            "group": i % 5,
            "tags": sorted({f"t{i % 3}", f"t{i % 4}"}),
            "city": {"name": city, "location": {"lon": lon, "lat": lat}},
            "when": f"2024-01-{i % 28 + 1:02d}T12:00:00Z",
            "text": WORDS[i % len(WORDS)] + f" number {i}",
            "items": [{"kind": "a", "qty": i % 3}, {"kind": "b", "qty": i % 7}],
        }
        if i % 6 == 0:
            payload["maybe"] = None
        if i % 9 == 0:
            payload["empty"] = []
        elif i % 9 == 1:
            payload["empty"] = ["not"]
        vector: dict[str, Any] = {
            "d": rng.standard_normal(4).round(4).tolist(),
            "e": rng.standard_normal(3).round(4).tolist(),
            "m": rng.standard_normal((1 + i % 3, 2)).round(4).tolist(),
            "s": m.SparseVector(indices=indices, values=rng.uniform(0.1, 1, 3).round(3).tolist()),
        }
        if i % 10 == 9:
            del vector["e"]  # some points lack a vector, for has_vector
        points.append(m.PointStruct(id=i, vector=vector, payload=payload))
    return points


@dataclass
class Pair:
    """One collection name on the embedded server (``remote``) and on the judge (``local``)."""

    remote: AsyncQdrantClient
    local: AsyncQdrantClient
    name: str

    async def both(self, op: Callable[[AsyncQdrantClient], Awaitable[T]]) -> tuple[T, T]:
        return await op(self.remote), await op(self.local)

    async def close(self) -> None:
        await self.remote.delete_collection(self.name)
        await self.remote.close()
        await self.local.close()


async def make_pair(server: EmbeddedQdrant, *, load: bool = True) -> Pair:
    """The standard collection on both sides (with the dataset unless ``load=False``)."""
    pair = Pair(remote_client(server), AsyncQdrantClient(":memory:"), f"dp_{uuid.uuid4().hex[:10]}")
    for client in (pair.remote, pair.local):
        await client.create_collection(
            pair.name, vectors_config=vectors_config(), sparse_vectors_config=sparse_config()
        )
        if load:
            await client.upsert(pair.name, dataset(), wait=True)
    return pair


def hits(result: Any) -> list[tuple[Any, float]]:
    """(id, score) of each point of a query answer, scores rounded for float32 noise."""
    points = result.points if hasattr(result, "points") else result
    return [(p.id, round(p.score, 4)) for p in points]


def close_hits(a: Any, b: Any, tol: float = 1e-3) -> bool:
    """Same ids in the same order, scores equal up to float32 arithmetic."""
    ha, hb = hits(a), hits(b)
    return [i for i, _ in ha] == [i for i, _ in hb] and all(
        abs(x - y) <= tol * max(1.0, abs(y)) for (_, x), (_, y) in zip(ha, hb, strict=True)
    )


def ids(result: Any) -> list[Any]:
    points = result.points if hasattr(result, "points") else result
    return [p.id for p in points]


def same_vectors(a: Any, b: Any, tol: float = 1e-5) -> bool:
    """Vectors equal up to float32 rounding (dense, multivector, sparse, or a dict of them)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_vectors(a[k], b[k], tol) for k in a)
    if isinstance(a, m.SparseVector) and isinstance(b, m.SparseVector):
        order_a, order_b = np.argsort(a.indices), np.argsort(b.indices)
        return list(np.array(a.indices)[order_a]) == list(np.array(b.indices)[order_b]) and bool(
            np.allclose(np.array(a.values)[order_a], np.array(b.values)[order_b], atol=tol)
        )
    if a is None or b is None:
        return a is b
    return bool(np.allclose(np.array(a, dtype=float), np.array(b, dtype=float), atol=tol))


async def records(client: AsyncQdrantClient, name: str, point_ids: list[Any]) -> list[Any]:
    """(id, payload, vector) of points, sorted by id."""
    found = await client.retrieve(name, point_ids, with_payload=True, with_vectors=True)
    return sorted(((r.id, r.payload, r.vector) for r in found), key=lambda r: str(r[0]))


def assert_same_records(remote: list[Any], local: list[Any]) -> None:
    assert [r[0] for r in remote] == [r[0] for r in local]
    for (rid, rpayload, rvector), (_, lpayload, lvector) in zip(remote, local, strict=True):
        assert rpayload == lpayload, rid
        assert same_vectors(rvector, lvector), (rid, rvector, lvector)
