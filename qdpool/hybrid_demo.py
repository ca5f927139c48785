"""The hybrid-search walkthrough: dense + sparse candidates fused with RRF, a payload
index on the filtered field, and a blue/green alias switch to a re-built collection.

``make demo`` runs it as its last step on each protocol; docs/index.md shows the same
steps as a sample.
"""

from __future__ import annotations

from typing import Any, Literal

import qdpool

WORDS = ("pool", "vector", "search", "index", "shard", "query", "fusion", "alias")


def documents(count: int, version: int) -> list[dict[str, Any]]:
    """``count`` small documents: an 8-d dense vector, a sparse bag of words, a language."""
    points = []
    for i in range(count):
        words = sorted({(i * 7 + k * 3) % len(WORDS) for k in range(3)})
        points.append(
            {
                "id": i + 1,
                "vector": {
                    "dense": [((i * 37 + d * 11) % 101) / 101 + 0.05 for d in range(8)],
                    "text": {
                        "indices": words,
                        "values": [1 + ((i * 13 + k) % 89) / 89 for k in range(len(words))],
                    },
                },
                "payload": {
                    "lang": "en" if i % 3 else "de",
                    "title": " ".join(WORDS[w] for w in words),
                    "version": version,
                },
            }
        )
    return points


async def build(client: qdpool.Client, name: str, count: int, version: int, protocol: Any) -> None:
    """One version of the collection: named dense + sparse vectors, indexed ``lang``."""
    await client.delete_collection(name, protocol=protocol)
    await client.create_collection(
        name,
        vectors_config={"dense": {"size": 8, "distance": "Cosine"}},
        sparse_vectors_config={"text": {"modifier": "idf"}},
        protocol=protocol,
    )
    await client.create_payload_index(name, "lang", "keyword", protocol=protocol)
    await client.upsert(name, documents(count, version), protocol=protocol)


async def hybrid_search(
    client: qdpool.Client, protocol: Literal["rest", "grpc"], prefix: str = "qdpool_hybrid"
) -> dict[str, Any]:
    """Build v1 behind an alias, search it, re-build as v2, switch the alias in one call,
    search again; returns what it saw (equal across protocols)."""
    alias, v1, v2 = f"{prefix}_{protocol}", f"{prefix}_{protocol}_v1", f"{prefix}_{protocol}_v2"
    await build(client, v1, 60, 1, protocol)
    await client.update_collection_aliases(
        [{"create_alias": {"collection_name": v1, "alias_name": alias}}], protocol=protocol
    )

    async def search() -> list[Any]:
        hits = await client.query_points(
            alias,  # the alias works wherever a collection name does
            {"fusion": "rrf"},
            prefetch=[
                {"query": [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4, 0.6], "using": "dense", "limit": 20},
                {"query": {"indices": [2, 5], "values": [1.0, 1.0]}, "using": "text", "limit": 20},
            ],
            filter={"must": [{"key": "lang", "match": {"value": "en"}}]},
            limit=3,
            protocol=protocol,
        )
        # equal fused scores (a first rank in either list) tie; Qdrant leaves their order open
        ranked = sorted(hits, key=lambda h: (-h.score, str(h.id)))
        return [(h.id, (h.payload or {}).get("version")) for h in ranked]

    seen: dict[str, Any] = {"v1": await search()}
    await build(client, v2, 90, 2, protocol)
    await client.update_collection_aliases(
        [
            {"delete_alias": {"alias_name": alias}},
            {"create_alias": {"collection_name": v2, "alias_name": alias}},
        ],
        protocol=protocol,
    )
    seen["v2"] = await search()
    await client.delete_collection(v1, protocol=protocol)
    await client.delete_collection(v2, protocol=protocol)
    return seen
