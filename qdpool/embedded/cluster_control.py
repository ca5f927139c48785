"""Talking to a running cluster's supervisor over ``{cluster dir}/control.sock``.

One request per connection: a JSON line ``{"command": NAME, ...}``, answered by
a JSON line ``{"result": ...}`` or ``{"error": "..."}``.  Commands:
``status``, ``add_peer``, ``remove_peer`` (``peer_id``, ``linger``),
``kill_peer`` (``peer_id``), ``restart_peer`` (``peer_id``), ``kill_engine``,
``restart_engine``.  Used by ``qdpool cluster ...`` and ``EmbeddedCluster``.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import orjson

from qdpool.embedded.cluster_state import CONTROL_SOCKET


class ControlError(RuntimeError):
    """The supervisor refused a command, or could not be reached."""


async def control(
    directory: Path,
    command: str,
    *,
    peer_id: int | None = None,
    linger: float | None = None,
    timeout: float = 60.0,
) -> Any:
    """Send one command to the supervisor of the cluster in ``directory``; returns its result."""
    request: dict[str, Any] = {"command": command}
    if peer_id is not None:
        request["peer_id"] = peer_id
    if linger is not None:
        request["linger"] = linger
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_unix_connection(str(directory / CONTROL_SOCKET)), timeout
        )
    except (OSError, TimeoutError) as exc:
        raise ControlError(f"no cluster supervisor answers in {directory}: {exc}") from None
    try:
        writer.write(orjson.dumps(request) + b"\n")
        line = await asyncio.wait_for(reader.readline(), timeout)
    except TimeoutError:
        raise ControlError(f"{command}: no answer within {timeout} s") from None
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
    if not line:
        raise ControlError(f"{command}: the supervisor closed the connection")
    answer = orjson.loads(line)
    if "error" in answer:
        raise ControlError(f"{command}: {answer['error']}")
    return answer["result"]
