"""The official qdrant-client, async, over REST or gRPC, built as its docs show.

``https=False`` is given explicitly: with an API key the client otherwise
assumes TLS (the seed's trap). For a ``localhost`` / ``127.0.0.1`` URL the
client turns HTTP keep-alive off (``max_keepalive_connections=0``), so every
REST call opens a new TCP connection; the ``keepalive`` variant hands it
``httpx.Limits`` with keep-alive on, to separate that choice from the rest of
its REST stack.
"""

from __future__ import annotations

import warnings
from typing import Any

from benchmarks.server import Target

TIMEOUT = 10


class OfficialClient:
    def __init__(
        self, target: Target, collection: str, limit: int, protocol: str, keepalive: bool = False
    ) -> None:
        self._target = target
        self._collection = collection
        self._limit = limit
        self._protocol = protocol
        self._keepalive = keepalive
        self._client: Any = None

    async def open(self) -> None:
        import httpx
        from qdrant_client import AsyncQdrantClient

        t = self._target
        options: dict[str, Any] = {
            "url": t.rest_url,
            "api_key": t.api_key,
            "https": t.rest_url.startswith("https"),
            "timeout": TIMEOUT,
        }
        if self._protocol == "grpc":
            options.update(prefer_grpc=True, grpc_port=t.grpc_port)
        elif self._keepalive:
            options["limits"] = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Api key is used with an insecure connection"
            self._client = AsyncQdrantClient(**options)

    async def query(self, vector: list[float]) -> int:
        response = await self._client.query_points(
            collection_name=self._collection, query=vector, limit=self._limit
        )
        return len(response.points)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
