"""Helpers for the embedded-server tests: a raw REST caller and a raw gRPC caller.

Both speak to a server directly (no qdpool client in between), so the tests see
exactly what the server sends: status codes, headers, texts, trailers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import grpc
import grpc.aio
import orjson
from google.protobuf.message import Message

from qdpool import operations
from qdpool.call import Call, Options
from qdpool.embedded import EmbeddedProcess, EmbeddedQdrant
from qdpool.endpoint import Endpoint
from qdpool.operations.spec import Operation

SPECS: dict[str, Operation[Any]] = {op.name: op for op in operations.ALL}
"""Specs by name, for tests that name operations as Qdrant's clients do."""

API_KEY = "test-key"


@dataclass
class Reply:
    status: int
    body: Any  # decoded JSON, or text when the answer is not JSON
    headers: Any

    @property
    def result(self) -> Any:
        assert self.status == 200, (self.status, self.body)
        return self.body["result"]

    @property
    def error(self) -> str:
        return str(self.body["status"]["error"])


class Rest:
    """``await rest(method, path, body, key=..., params=...)`` against one server."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = API_KEY,
        params: dict[str, str] | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if key is not None:
            sent["api-key"] = key
        data = raw if raw is not None else (orjson.dumps(body) if body is not None else None)
        if data is not None:
            sent.setdefault("content-type", "application/json")
        async with self.session.request(
            method, self.base + path, data=data, headers=sent, params=params
        ) as resp:
            content = await resp.read()
            try:
                decoded: Any = orjson.loads(content)
            except orjson.JSONDecodeError:
                decoded = content.decode()
            return Reply(resp.status, decoded, resp.headers)


class Grpc:
    """``await grpc_call(op_name, request_message, key=...)`` on Qdrant's method path."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.channel = channel

    async def __call__(
        self,
        operation: str,
        request: Message,
        *,
        key: str | None = API_KEY,
        metadata: tuple[tuple[str, str], ...] = (),
        timeout: float | None = 10.0,
    ) -> Any:
        spec = SPECS[operation]
        path = spec.grpc_method
        assert path is not None and spec.grpc is not None
        response_cls = spec.grpc.response
        assert response_cls is not None
        call = self.channel.unary_unary(
            path,
            request_serializer=type(request).SerializeToString,
            response_deserializer=response_cls.FromString,
        )
        sent = metadata + ((("api-key", key),) if key is not None else ())
        return await call(request, metadata=sent, timeout=timeout)


def grpc_channel(server: EmbeddedQdrant | EmbeddedProcess) -> grpc.aio.Channel:
    target = server.grpc_url.removeprefix("http://")
    return grpc.aio.insecure_channel(
        target,
        options=[
            ("grpc.max_receive_message_length", -1),
            ("grpc.max_send_message_length", -1),
            ("grpc.use_local_subchannel_pool", 1),
        ],
    )


_ENDPOINT = Endpoint("127.0.0.1")


def pb(
    operation: str,
    collection: str | None = None,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
) -> Message:
    """The gRPC request message for a REST-shaped request (via qdpool's client codec)."""
    spec = SPECS[operation]
    assert spec.grpc is not None
    options = None
    if params:
        wait = params.get("wait")
        options = Options(wait=None if wait is None else wait == "true")
    message = spec.grpc.encode(Call(spec, collection, "grpc", body, options, 0.0, _ENDPOINT))
    if isinstance(message, bytes):  # an encoder that writes the bytes itself
        message = spec.grpc.request.FromString(message)
    assert isinstance(message, Message)
    return message
