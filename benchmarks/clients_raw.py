"""The floor: the same query over each raw transport, with nothing on top.

What a careful hand-written client costs in Python: encode with orjson (REST)
or build the protobuf request (gRPC), send, decode the answer. The gRPC stub is
qdrant-client's generated one (``qdrant_client.grpc``), which is what a user
who wants "raw grpc.aio" would import.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import httpx
import orjson

from benchmarks.server import Target

TIMEOUT = 10.0


def _rest_headers(target: Target) -> dict[str, str]:
    h = {"content-type": "application/json"}
    if target.api_key:
        h["api-key"] = target.api_key
    return h


def _body(vector: list[float], limit: int) -> bytes:
    return orjson.dumps({"query": vector, "limit": limit, "with_payload": True})


def _hits(status: int, raw: bytes) -> int:
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {raw[:200]!r}")
    points: list[Any] = orjson.loads(raw)["result"]["points"]
    return len(points)


class RawAiohttp:
    """One ``aiohttp.ClientSession`` with its default connector (100 connections, keep-alive)."""

    def __init__(self, target: Target, collection: str, limit: int) -> None:
        self._url = f"{target.rest_url}/collections/{collection}/points/query"
        self._headers = _rest_headers(target)
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(
            headers=self._headers, timeout=aiohttp.ClientTimeout(total=TIMEOUT)
        )

    async def query(self, vector: list[float]) -> int:
        assert self._session is not None
        async with self._session.post(self._url, data=_body(vector, self._limit)) as resp:
            return _hits(resp.status, await resp.read())

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class RawHttpx:
    """One ``httpx.AsyncClient`` with its defaults (100 connections, 20 kept alive)."""

    def __init__(self, target: Target, collection: str, limit: int) -> None:
        self._url = f"{target.rest_url}/collections/{collection}/points/query"
        self._headers = _rest_headers(target)
        self._limit = limit
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        self._client = httpx.AsyncClient(headers=self._headers, timeout=TIMEOUT)

    async def query(self, vector: list[float]) -> int:
        assert self._client is not None
        resp = await self._client.post(self._url, content=_body(vector, self._limit))
        return _hits(resp.status_code, resp.content)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()


class RawGrpc:
    """One ``grpc.aio`` channel and qdrant-client's generated ``PointsStub``."""

    def __init__(self, target: Target, collection: str, limit: int) -> None:
        self._target = target
        self._collection = collection
        self._limit = limit
        self._metadata = (("api-key", target.api_key),) if target.api_key else None
        self._channel: Any = None
        self._stub: Any = None

    async def open(self) -> None:
        import grpc
        from qdrant_client import grpc as pb

        self._pb = pb
        if self._target.grpc_url.startswith("https"):
            creds = grpc.ssl_channel_credentials()
            self._channel = grpc.aio.secure_channel(self._target.grpc_target, creds)
        else:
            self._channel = grpc.aio.insecure_channel(self._target.grpc_target)
        self._stub = pb.PointsStub(self._channel)  # type: ignore[no-untyped-call]
        self._with_payload = pb.WithPayloadSelector(enable=True)

    async def query(self, vector: list[float]) -> int:
        pb = self._pb
        request = pb.QueryPoints(
            collection_name=self._collection,
            query=pb.Query(nearest=pb.VectorInput(dense=pb.DenseVector(data=vector))),
            limit=self._limit,
            with_payload=self._with_payload,
        )
        response = await self._stub.Query(request, metadata=self._metadata, timeout=TIMEOUT)
        return len(response.result)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
