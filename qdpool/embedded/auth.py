"""API-key checks shared by the REST and gRPC doors, with Qdrant's answers.

Qdrant reads the key from ``api-key`` or ``authorization: Bearer <key>`` (an HTTP
header or gRPC metadata alike).  A missing key and a wrong key are both 401 /
UNAUTHENTICATED with different texts; the read-only key may read but a write
with it is 403 / PERMISSION_DENIED.  Health endpoints never need a key.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Callable
from dataclasses import dataclass

MISSING_KEY = "Must provide an API key or an Authorization bearer token"
INVALID_KEY = "Invalid API key or JWT"
FORBIDDEN = "Forbidden: Global manage access is required"


class Denial(enum.Enum):
    """Why a request was refused; each door renders it its own way."""

    MISSING = MISSING_KEY
    INVALID = INVALID_KEY
    FORBIDDEN = FORBIDDEN


@dataclass(frozen=True, slots=True)
class ApiKeys:
    """The server's keys; with neither set, every request is allowed."""

    api_key: str | None = None
    read_only_api_key: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.api_key or self.read_only_api_key)

    def check(self, presented: str | None, *, write: bool) -> Denial | None:
        """None if ``presented`` may do this request, else why not."""
        if not self.enabled:
            return None
        if presented is None:
            return Denial.MISSING
        if self.api_key and _same(presented, self.api_key):
            return None
        if self.read_only_api_key and _same(presented, self.read_only_api_key):
            return Denial.FORBIDDEN if write else None
        return Denial.INVALID


def presented_key(get: Callable[[str], str | None]) -> str | None:
    """The key a request carries, given a case-insensitive header/metadata lookup."""
    key = get("api-key")
    if key is not None:
        return key
    authorization = get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return None


def _same(a: str, b: str) -> bool:
    """Constant-time comparison, so the key cannot be guessed from response times."""
    return hmac.compare_digest(a.encode(), b.encode())
