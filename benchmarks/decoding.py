"""What turning a query's answer into ``ScoredPoint``s costs, next to just parsing it.

Five hits (the trivial server's, with a three-key payload), decoded the way
``query_points`` decodes them, each beside the floor for the same bytes:

- REST: ``QUERY_POINTS.decode_rest`` on the answer's bytes (it decodes them in one typed
  pass, ``qdpool.wire.rest_points``), against ``orjson.loads`` alone;
- gRPC: ``QUERY_POINTS.grpc.decode`` after parsing the reply with qdpool's message,
  against parsing alone (what the raw grpc.aio stub does before a user reads a field);
  the points decode their payloads on first access, so a third row also reads every
  field of every point (what a caller that uses the payloads pays in all).

``python -m benchmarks.decoding`` prints the table; ``benchmarks.anatomy`` (``make
bench``) includes the same two rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.trivial_server import HITS


@dataclass(frozen=True, slots=True)
class Decoding:
    name: str
    qdpool_us: float
    floor_us: float
    note: str

    @property
    def ratio(self) -> float:
        return self.qdpool_us / self.floor_us if self.floor_us else float("inf")


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    """The best of five loops of ``n`` calls, in microseconds of this process's CPU per call
    (so that other processes on a busy machine count less)."""
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - t0) / n)
    return best * 1e6


def _reply_bytes() -> bytes:
    """The five hits as qdpool's server door would send them (``QueryResponse``)."""
    from qdpool.operations import QUERY_POINTS

    assert QUERY_POINTS.grpc is not None
    reply = QUERY_POINTS.grpc.from_rest({"points": HITS}, 0.0001)
    return reply.SerializeToString()


def measure(n: int = 20_000) -> list[Decoding]:
    import orjson

    from qdpool.operations import QUERY_POINTS

    codec = QUERY_POINTS.grpc
    assert codec is not None and codec.response is not None
    rest_answer = orjson.dumps({"result": {"points": HITS}, "status": "ok", "time": 0.0001})
    reply_bytes = _reply_bytes()
    parse = codec.response.FromString
    decode_rest, decode_grpc = QUERY_POINTS.decode_rest, codec.decode
    assert decode_rest(rest_answer) == decode_grpc(parse(reply_bytes))

    def decode_grpc_and_read() -> list[Any]:
        return [
            (p.id, p.score, p.version, p.payload, p.vector, p.order_value)
            for p in decode_grpc(parse(reply_bytes))
        ]

    return [
        Decoding(
            "REST: parse + decode 5 hits",
            per_call_us(lambda: decode_rest(rest_answer), n),
            per_call_us(lambda: orjson.loads(rest_answer)["result"], n),
            "floor: orjson.loads",
        ),
        Decoding(
            "gRPC: parse + decode 5 hits",
            per_call_us(lambda: decode_grpc(parse(reply_bytes)), n),
            per_call_us(lambda: parse(reply_bytes), n),
            "floor: QueryResponse.FromString",
        ),
        Decoding(
            "gRPC: ... and read every field",
            per_call_us(decode_grpc_and_read, n),
            per_call_us(lambda: parse(reply_bytes), n),
            "payloads decoded on first access",
        ),
    ]


if __name__ == "__main__":
    for row in measure():
        print(
            f"{row.name:<30} qdpool {row.qdpool_us:6.2f} us  floor {row.floor_us:6.2f} us  "
            f"x{row.ratio:4.1f}  {row.note}"
        )
