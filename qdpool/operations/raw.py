"""The escape hatch: specs made on demand for endpoints the typed API does not cover yet.

The caller states whether the request reads and whether it is idempotent, so the
pipeline can hedge and retry it as it would a typed operation. Specs are cached
per endpoint, so a call pays for one only the first time.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from qdpool.errors import InvalidInput
from qdpool.operations.spec import GrpcCodec, Operation, RestRequest

if TYPE_CHECKING:
    from google.protobuf.message import Message

    from qdpool.call import Call

_METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE"))


@functools.lru_cache(maxsize=256)
def rest_operation(method: str, path: str, *, read: bool, idempotent: bool) -> Operation[Any]:
    """A spec for ``method path`` on Qdrant's REST door; the result is the decoded ``result``."""
    if method not in _METHODS:
        raise InvalidInput("method", f"must be one of {sorted(_METHODS)}, not {method!r}")
    if not isinstance(path, str) or not path.startswith("/") or "{" in path:
        raise InvalidInput("path", f"must be a request path starting with '/', not {path!r}")
    return Operation(
        f"{method} {path.split('?', 1)[0]}",
        method,
        path,
        None,
        idempotent=bool(idempotent),
        read=bool(read),
        decode_rest=_identity,
    )


@functools.lru_cache(maxsize=256)
def grpc_operation(
    method: str, response_type: Any, *, read: bool, idempotent: bool
) -> Operation[Any]:
    """A spec for the gRPC ``method`` (``/package.Service/Method``)."""
    parts = method.split("/") if isinstance(method, str) else []
    if len(parts) != 3 or parts[0] or not parts[1] or not parts[2]:
        raise InvalidInput("method", f"must look like '/qdrant.Points/Search', not {method!r}")
    decode = response_type.FromString if response_type is not None else _identity
    return Operation(
        parts[2],
        "POST",
        method,
        method,
        idempotent=bool(idempotent),
        read=bool(read),
        decode_rest=_identity,
        grpc=GrpcCodec(None, None, _message_of, decode, _not_served, _not_responded),
    )


def _identity(value: Any) -> Any:
    return value


def _message_of(call: Call) -> Message | bytes:
    body: Message | bytes = call.body
    return body


def _not_served(_message: Any) -> RestRequest:
    raise InvalidInput("operation", "the escape hatch is not routed by the embedded server")


def _not_responded(_result: Any, _elapsed: float) -> Message:
    raise InvalidInput("operation", "the escape hatch is not routed by the embedded server")
