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

    from benchmarks import decoding
    from qdpool import validate
    from qdpool.call import Call
    from qdpool.endpoint import Endpoint
    from qdpool.operations import QUERY_POINTS
    from qdpool.transport import codec_json

    vector = [0.1234] * dim
    body = {"query": vector, "limit": 5, "with_payload": True, "with_vector": False}
    call = Call(
        QUERY_POINTS, "bench", "rest", body, None, time.monotonic() + 60, Endpoint("127.0.0.1")
    )
    with_payload = pb.WithPayloadSelector(enable=True)

    def raw_request() -> Any:
        return pb.QueryPoints(
            collection_name="bench",
            query=pb.Query(nearest=pb.VectorInput(dense=pb.DenseVector(data=vector))),
            limit=5,
            with_payload=with_payload,
        )

    assert QUERY_POINTS.grpc is not None
    encode_grpc = QUERY_POINTS.grpc.encode
    decoded = {d.name: d for d in decoding.measure(n)}
    rest_decode, grpc_decode = (
        decoded["REST: parse + decode 5 hits"],
        decoded["gRPC: parse + decode 5 hits"],
    )

    return [
        Piece("argument checks (384-d query)", _per_call(lambda: validate.query(vector), n), 0.0,
              "raw clients check nothing"),
        Piece("REST: encode body", _per_call(lambda: codec_json.encode_body(call), n),
              _per_call(lambda: orjson.dumps(body), n), "orjson.dumps either way"),
        Piece("REST: decode 5 hits", rest_decode.qdpool_us, rest_decode.floor_us,
              "qdpool builds ScoredPoint objects; raw keeps dicts (benchmarks/decoding.py)"),
        Piece("gRPC: build request", _per_call(lambda: encode_grpc(call), n),
              _per_call(raw_request, n), "from the REST-shaped body vs by hand"),
        Piece("gRPC: parse + decode 5 hits", grpc_decode.qdpool_us, grpc_decode.floor_us,
              "qdpool builds ScoredPoint objects; raw keeps the message"),
    ]  # fmt: skip


if __name__ == "__main__":
    for piece in measure():
        ours, raw = f"{piece.qdpool_us:6.2f}", f"{piece.raw_us:6.2f}"
        print(f"{piece.name:<32} qdpool {ours} us  raw {raw} us  {piece.note}")
