"""The transport contract: one method that turns a ``Call`` into its typed result.

A transport owns its connections to one endpoint over one protocol. ``send``
encodes the call, moves the bytes, decodes the answer, and maps every error of
its underlying library to qdpool's tree at that one place. ``start`` opens and
checks connections (so a wrong address fails when the client starts, not on the
first call); ``aclose`` closes every connection and task it opened.
"""

from __future__ import annotations

from typing import Any, Protocol

from qdpool.call import Call


class Transport(Protocol):
    """What the pipeline's terminal calls."""

    protocol: str

    async def send(self, call: Call) -> Any:
        """Send one attempt of ``call`` and return its decoded result."""
        ...

    async def start(self, *, verify: bool = True) -> None:
        """Open connections. With ``verify`` (the client's default protocol), health-check
        them and raise ``Unavailable`` naming the address if none answers; without it, open
        them without waiting, so a protocol that is down fails its own calls (retryably)
        instead of the client's start."""
        ...

    async def aclose(self) -> None:
        """Close every connection and task; later sends raise ``ClientClosed``."""
        ...
