"""Auth: puts the API key on every attempt, as Qdrant expects it on both protocols.

Qdrant reads the key from the ``api-key`` header on REST and from ``api-key``
metadata on gRPC, so one interceptor serves both. It sits innermost, just above
the transport, so no other interceptor (telemetry included) ever holds the key;
and the key is kept out of ``repr``.
"""

from __future__ import annotations

from typing import Any

from qdpool.call import Call
from qdpool.pipeline import Handler


class Auth:
    """Adds ``api-key: <key>`` to the call's headers (REST) or metadata (gRPC)."""

    name = "auth"
    __slots__ = ("_key",)

    def __init__(self, api_key: str) -> None:
        if not isinstance(api_key, str) or not api_key:
            raise ValueError("api_key must be a non-empty string")
        if any(c in api_key for c in "\r\n\0"):
            raise ValueError("api_key must not contain line breaks or NUL characters")
        self._key = api_key

    def before(self, call: Call) -> bool:
        """Adds the key: all there is to do, so the call goes straight on."""
        call.headers["api-key"] = self._key
        return True

    async def __call__(self, call: Call, next: Handler) -> Any:
        self.before(call)
        return await next(call)

    def __repr__(self) -> str:
        return "Auth(api_key=<redacted>)"
