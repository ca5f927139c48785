"""gRPC wire format: the one place where Qdrant's REST JSON shapes meet protobuf.

Client side, ``encode_request`` turns a ``Call`` (its body in Qdrant's REST JSON shape,
its params as REST query strings) into the request message of the operation's gRPC
method, and ``decode_response`` turns the reply into exactly what the REST decoder
(``codec_json``) returns for the same answer, so both protocols compare equal.

Server side (the embedded Qdrant-compatible server), ``request_to_rest`` turns a request
message into ``(collection, REST body, REST params)`` and ``result_to_response`` turns a
REST ``result`` JSON into the reply message, so both doors share this conversion.

Rules shared with the REST decoder:

* A payload is None when the server returned none or an empty one (gRPC cannot tell an
  absent payload from an empty map; REST gives ``null``, absent or ``{}``). A vector is
  None when the server returned none.
* Scores and vector components are float32 values (``models.as_float32``). A protobuf
  ``float`` already holds exactly that, so vector components are copied as they are.
* Snapshot ``creation_time`` is rendered ``YYYY-MM-DDTHH:MM:SS``: UTC, no zone, whole
  seconds (fractions truncated). Qdrant's REST gives the same without zone but may add a
  fraction; ``codec_json.normalize_timestamp`` cuts it to the same 19 characters.
* Update statuses are lower-case snake case, as over REST (``"wait_timeout"``).
* Defaults are made explicit where REST and gRPC might differ: retrieve and scroll send
  ``with_payload=true``/``with_vectors=false`` unless the body says otherwise, count sends
  ``exact=true``.

Messages live in qdpool's own proto package (``qdpool.wire``) with Qdrant's names and
field numbers; the wire carries no package names, and method paths come from
``qdpool.call``. Fields qdpool does not use are not declared; a request body that needs
one (e.g. ``hnsw_config``, ``prefetch``, a geo filter) is refused with ``InvalidInput``
instead of being dropped silently.

Modules: ``values`` (JSON values, payloads, point ids, vectors, timestamps), ``filters``
(filter dict <-> ``Filter``), ``requests`` (``encode_request``, ``request_to_rest``),
``responses`` (``decode_response``, ``result_to_response``) and ``messages``
(``GRPC_MESSAGES``).
"""

from __future__ import annotations

from qdpool.transport.codec_proto.filters import filter_from_pb, filter_to_pb
from qdpool.transport.codec_proto.messages import GRPC_MESSAGES
from qdpool.transport.codec_proto.requests import encode_request, request_to_rest
from qdpool.transport.codec_proto.responses import decode_response, result_to_response
from qdpool.transport.codec_proto.values import (
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
    "decode_response",
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
