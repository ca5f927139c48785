"""qdpool as its users build it: ``qdpool.connect()`` with its defaults.

``rest_transport`` None keeps the default REST transport (http1, qdpool's own
HTTP/1.1 pool); "aiohttp" and "httpx" select the others.
"""

from __future__ import annotations

from typing import Any

from benchmarks.server import Target


class QdpoolClient:
    def __init__(
        self,
        target: Target,
        collection: str,
        limit: int,
        protocol: str,
        rest_transport: str | None,
    ) -> None:
        self._target = target
        self._collection = collection
        self._limit = limit
        self._protocol = protocol
        self._rest_transport = rest_transport
        self._client: Any = None

    async def open(self) -> None:
        import qdpool

        t = self._target
        choice: dict[str, Any] = {}
        if self._rest_transport is not None:
            choice["rest_transport"] = self._rest_transport
        self._client = qdpool.connect(
            t.rest_url, grpc_url=t.grpc_url, api_key=t.api_key, protocol=self._protocol, **choice
        )
        await self._client.start()

    async def query(self, vector: list[float]) -> int:
        hits = await self._client.query_points(self._collection, vector, limit=self._limit)
        return len(hits)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
