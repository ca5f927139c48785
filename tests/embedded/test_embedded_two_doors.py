"""One store, two doors: what one protocol writes, the other reads back identically."""

from __future__ import annotations

from typing import Any

from embedded_support import Grpc, Rest, pb
from wire_support import decode_response

from qdpool.models import as_float32

PAYLOAD: dict[str, Any] = {
    "name": "two doors",
    "count": 42,
    "negative": -7,
    "big": 2**53 + 1,
    "ratio": 0.1,
    "whole": 3.0,
    "yes": True,
    "no": False,
    "nothing": None,
    "list": [1, 2.5, "three", None, False, [4, {"five": 5}]],
    "nested": {"a": {"b": {"c": [1, 2, 3]}, "empty": {}}, "s": "ü✓"},
}
UUID = "c0ffee00-1234-4abc-8def-0123456789ab"
VECTOR = [0.25, -0.5, 1.0, 0.125, 3.0, -2.0, 0.0, 1.5]
QUERY = [0.3, -0.4, 0.9, 0.1, 2.5, -1.0, 0.2, 1.0]


def f32(vector: list[float]) -> list[float]:
    return [as_float32(x) for x in vector]


async def rest_view(rest: Rest, name: str) -> dict[str, Any]:
    got = (
        await rest(
            "POST",
            f"/collections/{name}/points",
            {"ids": [7, UUID], "with_payload": True, "with_vector": True},
        )
    ).result
    hits = (
        await rest(
            "POST",
            f"/collections/{name}/points/query",
            {"query": QUERY, "limit": 5, "with_payload": True, "with_vector": True},
        )
    ).result["points"]
    return {
        "points": {p["id"]: (p["payload"], f32(p["vector"])) for p in got},
        "hits": [(h["id"], as_float32(h["score"]), h["payload"], f32(h["vector"])) for h in hits],
    }


async def grpc_view(grpc_call: Grpc, name: str) -> dict[str, Any]:
    body = {"ids": [7, UUID], "with_payload": True, "with_vector": True}
    got = decode_response("retrieve", await grpc_call("retrieve", pb("retrieve", name, body)))
    query = {"query": QUERY, "limit": 5, "with_payload": True, "with_vector": True}
    hits = decode_response(
        "query_points", await grpc_call("query_points", pb("query_points", name, query))
    )
    return {
        "points": {r.id: (r.payload, f32(r.vector)) for r in got},
        "hits": [(h.id, h.score, h.payload, f32(h.vector)) for h in hits],
    }


POINTS: list[dict[str, Any]] = [
    {"id": 7, "vector": VECTOR, "payload": PAYLOAD},
    {"id": UUID, "vector": [x * 2 for x in VECTOR], "payload": {"id": "uuid", **PAYLOAD}},
    *({"id": 100 + i, "vector": [float(i), *VECTOR[1:]], "payload": {"i": i}} for i in range(5)),
]
CREATE = {"vectors": {"size": 8, "distance": "Dot"}}


async def test_written_over_rest_read_over_grpc(
    rest: Rest, grpc_call: Grpc, collection_name: str
) -> None:
    assert (await rest("PUT", f"/collections/{collection_name}", CREATE)).result is True
    reply = await rest(
        "PUT", f"/collections/{collection_name}/points", {"points": POINTS}, params={"wait": "true"}
    )
    assert reply.result["status"] == "completed"
    over_rest = await rest_view(rest, collection_name)
    over_grpc = await grpc_view(grpc_call, collection_name)
    assert over_grpc == over_rest
    assert over_grpc["points"][7] == (PAYLOAD, f32(VECTOR))
    assert over_grpc["points"][UUID][0] == {"id": "uuid", **PAYLOAD}
    assert over_grpc["points"][UUID][1] == f32([x * 2 for x in VECTOR])
    assert type(over_grpc["points"][7][0]["whole"]) is float
    assert type(over_grpc["points"][7][0]["count"]) is int


async def test_written_over_grpc_read_over_rest(
    rest: Rest, grpc_call: Grpc, collection_name: str
) -> None:
    created = await grpc_call("create_collection", pb("create_collection", collection_name, CREATE))
    assert created.result is True
    reply = await grpc_call(
        "upsert", pb("upsert", collection_name, {"points": POINTS}, {"wait": "true"})
    )
    assert reply.result.operation_id == 0
    over_grpc = await grpc_view(grpc_call, collection_name)
    over_rest = await rest_view(rest, collection_name)
    assert over_rest == over_grpc
    assert over_rest["points"][7] == (PAYLOAD, f32(VECTOR))
    info = (await rest("GET", f"/collections/{collection_name}")).result
    assert info["points_count"] == len(POINTS)
    assert info["config"]["params"]["vectors"] == CREATE["vectors"]
