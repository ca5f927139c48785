"""REST wire format: request paths and bodies out, Qdrant's JSON envelope in.

Shared by every REST transport, so they differ only in how bytes move.
``decode`` turns a response into the operation's typed result (through the
spec's ``decode_rest``) or raises the matching qdpool error: the HTTP status is
classified here, once, while each transport maps its own library's exceptions
at its own boundary.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote

import orjson

from qdpool import errors
from qdpool.call import Call

JSON_CONTENT_TYPE = "application/json"
PAYLOAD_TOO_LARGE_PREFIX = "Payload error: JSON payload"


_PATHS: dict[tuple[str, str], str] = {}
"""(route, collection) -> the route with the collection's name filled in and escaped: a
client asks about a few collections over and over, and ``quote`` costs more than the rest
of a request's head. Bounded by ``_PATHS_KEPT`` (emptied when full)."""
_PATHS_KEPT = 1024


def path_for(call: Call) -> str:
    """The request path of ``call``: the operation's route with its parameters filled in."""
    route = call.operation.rest_path
    collection = call.collection
    if collection is not None:
        key = (route, collection)
        filled = _PATHS.get(key)
        if filled is None:
            if len(_PATHS) >= _PATHS_KEPT:
                _PATHS.clear()
            filled = _PATHS[key] = route.replace("{collection}", quote(collection, safe=""))
        route = filled
    if call.path:
        for name, value in call.path.items():
            route = route.replace("{" + name + "}", quote(value, safe=""))
    return route


def query_for(call: Call, timeout: float) -> str:
    """The query string of an attempt (without ``?``): the call's options, plus Qdrant's
    ``timeout`` (whole seconds, rounded up) where the route takes it, so the server stops
    working on a request once the client has stopped waiting for it. Option values are
    qdpool's own (``true``, ``strong``, whole numbers), so they need no escaping."""
    options = call.options.rest_query if call.options is not None else ""
    if not call.operation.server_timeout:
        return options
    seconds = math.ceil(timeout) if timeout > 1.0 else 1
    return f"{options}&timeout={seconds}" if options else f"timeout={seconds}"


_TARGETS: dict[tuple[str, str | None, str, int], str] = {}
"""(route, collection, options' query string, Qdrant timeout) -> the request target: a
client sends the same few targets over and over. Bounded as ``_PATHS`` is."""


def target_for(call: Call, timeout: float) -> str:
    """The request target: path and query string, built as one string (cheaper for HTTP
    libraries than a params mapping they must re-encode), ``path_for`` + ``?`` +
    ``query_for``; remembered for calls without further path parameters."""
    if call.path:
        return _target(call, timeout)
    operation = call.operation
    options = call.options.rest_query if call.options is not None else ""
    seconds = (math.ceil(timeout) if timeout > 1.0 else 1) if operation.server_timeout else 0
    key = (operation.rest_path, call.collection, options, seconds)
    target = _TARGETS.get(key)
    if target is None:
        if len(_TARGETS) >= _PATHS_KEPT:
            _TARGETS.clear()
        target = _TARGETS[key] = _target(call, timeout)
    return target


def _target(call: Call, timeout: float) -> str:
    query = query_for(call, timeout)
    path = path_for(call)
    return f"{path}?{query}" if query else path


def encode_body(call: Call) -> bytes | None:
    """The JSON body of ``call``, or None for body-less requests."""
    if call.encoded is not None:
        return call.encoded
    if call.body is None:
        return None
    if isinstance(call.body, bytes):  # JSON the caller encoded (``rest_request``)
        return call.body
    return orjson.dumps(call.body, option=orjson.OPT_SERIALIZE_NUMPY)


# ---------------------------------------------------------------- errors


def error_for(
    status: int,
    raw: bytes,
    retry_after: str | None,
    *,
    protocol: str = "rest",
) -> errors.ApiError:
    """The qdpool error for a non-2xx REST answer (Qdrant's body is JSON, or plain text on 401)."""
    message = _error_message(raw, status)
    if status == 404:
        return errors.NotFound(message, protocol=protocol, status=status)
    if status == 409:
        return errors.AlreadyExists(message, protocol=protocol, status=status)
    if status in (400, 413, 422):
        if status == 413 or message.startswith(PAYLOAD_TOO_LARGE_PREFIX):
            return errors.PayloadTooLarge(message, protocol=protocol, status=status)
        return errors.InvalidArgument(message, protocol=protocol, status=status)
    if status == 401:
        return errors.Unauthenticated(message, protocol=protocol, status=status)
    if status == 403:
        return errors.PermissionDenied(message, protocol=protocol, status=status)
    if status == 429:
        return errors.ResourceExhausted(
            message, protocol=protocol, status=status, retry_after=parse_retry_after(retry_after)
        )
    if status in (408, 504):
        return errors.DeadlineExceeded(message, protocol=protocol, status=status)
    if status in (502, 503):
        return errors.Unavailable(message, protocol=protocol, status=status)
    return errors.ServerError(message, protocol=protocol, status=status)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` value (delta-seconds; HTTP dates are ignored)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _error_message(raw: bytes, status: int) -> str:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        text = raw.decode("utf-8", "replace").strip()
        return text[:2000] or f"HTTP {status}"
    if isinstance(parsed, dict):
        inner = parsed.get("status")
        if isinstance(inner, dict) and isinstance(inner.get("error"), str):
            return str(inner["error"])
    return str(parsed)[:2000]


# ---------------------------------------------------------------- results


def decode(call: Call, status: int, raw: bytes, retry_after: str | None) -> Any:
    """The typed result of a REST answer, or raise the qdpool error it stands for."""
    call.status = status
    if status >= 300:
        raise error_for(status, raw, retry_after)
    operation = call.operation
    try:
        if operation.raw_answer:
            return operation.decode_rest(raw)
        envelope = orjson.loads(raw)
        return operation.decode_rest(envelope["result"] if operation.envelope else envelope)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise errors.ServerError(
            f"unexpected response to {operation.name}: {exc}", protocol="rest", status=status
        ) from None
