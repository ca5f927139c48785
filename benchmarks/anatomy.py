"""Where a query's client CPU goes outside the pipeline, piece by piece, next to the raw way.

Deterministic micro-timings (no network) of what qdpool does per ``query_points``
besides its interceptors, each beside what the raw clients of the latency stage
do for the same step:

- checking the arguments (``validate.query`` on a 384-d vector);
- REST: encoding the body; decoding a five-hit answer into ``ScoredPoint``s
  (raw: ``orjson.loads`` and take the list);
- gRPC: building the request message from the call (raw: building qdrant-client's
  ``QueryPoints`` by hand); decoding the reply into ``ScoredPoint``s (raw: parse
  the message and take the repeated field).

Together with the pipeline figures this accounts for qdpool's CPU per call over
the raw transports, and says which part to make cheaper.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.trivial_server import HITS


@dataclass(frozen=True, slots=True)
class Piece:
    name: str
    qdpool_us: float
    raw_us: float
    note: str


def _per_call(fn: Callable[[], Any], n: int) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e6


def measure(n: int = 20_000, dim: int = 384) -> list[Piece]:
    import orjson
    from qdrant_client import grpc as pb

    from qdpool import validate
    from qdpool.call import Call
    from qdpool.endpoint import Endpoint
    from qdpool.operations import QUERY_POINTS
    from qdpool.transport import codec_json, codec_proto

    vector = [0.1234] * dim
    body = {"query": vector, "limit": 5, "with_payload": True, "with_vector": False}
    call = Call(
        QUERY_POINTS, "bench", "rest", body, None, time.monotonic() + 60, Endpoint("127.0.0.1")
    )
    rest_answer = orjson.dumps({"result": {"points": HITS}, "status": "ok", "time": 0.0001})
    with_payload = pb.WithPayloadSelector(enable=True)

    def raw_request() -> Any:
        return pb.QueryPoints(
            collection_name="bench",
            query=pb.Query(nearest=pb.VectorInput(dense=pb.DenseVector(data=vector))),
            limit=5,
            with_payload=with_payload,
        )

    from benchmarks.trivial_server import _hits_pb

    reply_bytes = pb.QueryResponse(result=_hits_pb(), time=0.0001).SerializeToString()
    ours = codec_proto.GRPC_MESSAGES["query_points"][1]

    def decode_rest(call: Any) -> Any:
        return codec_json.decode(call, 200, rest_answer, None)

    def raw_reply() -> Any:
        return len(pb.QueryResponse.FromString(reply_bytes).result)

    def our_reply() -> Any:
        return codec_proto.decode_response("query_points", ours.FromString(reply_bytes))

    return [
        Piece("argument checks (384-d query)", _per_call(lambda: validate.query(vector), n), 0.0,
              "raw clients check nothing"),
        Piece("REST: encode body", _per_call(lambda: codec_json.encode_body(call), n),
              _per_call(lambda: orjson.dumps(body), n), "orjson.dumps either way"),
        Piece("REST: decode 5 hits", _per_call(lambda: decode_rest(call), n),
              _per_call(lambda: orjson.loads(rest_answer)["result"]["points"], n),
              "qdpool builds ScoredPoint objects; raw keeps dicts"),
        Piece("gRPC: build request", _per_call(lambda: codec_proto.encode_request(call), n),
              _per_call(raw_request, n), "from the REST-shaped body vs by hand"),
        Piece("gRPC: parse + decode 5 hits", _per_call(our_reply, n), _per_call(raw_reply, n),
              "qdpool builds ScoredPoint objects; raw keeps the message"),
    ]  # fmt: skip


if __name__ == "__main__":
    for piece in measure():
        ours, raw = f"{piece.qdpool_us:6.2f}", f"{piece.raw_us:6.2f}"
        print(f"{piece.name:<32} qdpool {ours} us  raw {raw} us  {piece.note}")
