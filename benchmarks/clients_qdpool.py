"""qdpool as its users build it: ``qdpool.connect()`` with its defaults.

The ``http1`` REST transport (``qdpool/transport/http1.py``) is not selectable by
name in ``connect()`` yet, so that row builds the client around it explicitly,
REST only, with the same defaults otherwise.
"""

from __future__ import annotations

from typing import Any

from benchmarks.server import Target


class QdpoolClient:
    def __init__(
        self, target: Target, collection: str, limit: int, protocol: str, rest_transport: str
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
        if self._rest_transport == "http1":
            self._client = _http1_client(t)
        else:
            self._client = qdpool.connect(
                t.rest_url,
                grpc_url=t.grpc_url,
                api_key=t.api_key,
                protocol=self._protocol,
                rest_transport=self._rest_transport,
            )
        await self._client.start()

    async def query(self, vector: list[float]) -> int:
        hits = await self._client.query_points(self._collection, vector, limit=self._limit)
        return len(hits)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


def _http1_client(target: Target) -> Any:
    from qdpool.client import Client
    from qdpool.config import PoolConfig
    from qdpool.endpoint import Endpoint
    from qdpool.transport.http1 import Http1Transport

    endpoint = Endpoint.from_urls(target.rest_url, target.grpc_url)
    transport = Http1Transport(endpoint, PoolConfig())
    return Client(
        endpoint, api_key=target.api_key, transports={"rest": transport}, protocols=("rest",)
    )
