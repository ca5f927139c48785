"""Test helpers: an operation's wire functions looked up by its name, as tests name them."""

from __future__ import annotations

from typing import Any

import orjson
from google.protobuf.message import Message

from qdpool import operations
from qdpool.call import Call
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.wire.filters import filter_from_pb, filter_to_pb
from qdpool.wire.values import (
    payload_from_pb,
    payload_to_pb,
    point_id_from_pb,
    point_id_to_pb,
    value_from_pb,
    value_to_pb,
    vectors_from_pb,
    vectors_output_from_pb,
    vectors_output_to_pb,
    vectors_to_pb,
)

__all__ = [
    "GRPC_MESSAGES",
    "SPECS",
    "decode_response",
    "decode_rest_result",
    "encode_request",
    "filter_from_pb",
    "filter_to_pb",
    "payload_from_pb",
    "payload_to_pb",
    "point_id_from_pb",
    "point_id_to_pb",
    "request_to_rest",
    "result_to_response",
    "value_from_pb",
    "value_to_pb",
    "vectors_from_pb",
    "vectors_output_from_pb",
    "vectors_output_to_pb",
    "vectors_to_pb",
]

SPECS: dict[str, Operation[Any]] = {op.name: op for op in operations.ALL}


def codec(name: str) -> GrpcCodec[Any]:
    spec = SPECS[name].grpc
    assert spec is not None, name
    return spec


def encode_request(call: Call) -> Message:
    """The request message for ``call``; an encoder that writes the bytes itself (the plain
    nearest query, bulk upserts) is read back into its message."""
    codec = call.operation.grpc
    assert codec is not None
    message = codec.encode(call)
    if isinstance(message, bytes):
        message = codec.request.FromString(message)
    assert isinstance(message, Message)
    return message


def decode_rest_result(operation: Operation[Any], result: Any) -> Any:
    """A REST ``result`` as the client decodes it: a spec with ``raw_answer`` gets the answer's
    bytes (the envelope as Qdrant sends it), the others the parsed ``result``."""
    if operation.raw_answer:
        return operation.decode_rest(orjson.dumps({"result": result, "status": "ok", "time": 0.0}))
    return operation.decode_rest(orjson.loads(orjson.dumps(result)))


def decode_response(name: str, message: Message) -> Any:
    return codec(name).decode(message)


def request_to_rest(name: str, message: Message) -> tuple[str | None, Any, dict[str, str]]:
    return codec(name).to_rest(message)


def result_to_response(name: str, result: Any, elapsed: float) -> Message:
    return codec(name).from_rest(result, elapsed)


def grpc_messages(name: str) -> tuple[type[Message], type[Message]]:
    spec = codec(name)
    assert spec.request is not None and spec.response is not None
    return spec.request, spec.response


GRPC_MESSAGES: dict[str, tuple[type[Message], type[Message]]] = {
    name: grpc_messages(name) for name, spec in SPECS.items() if spec.grpc is not None
}
