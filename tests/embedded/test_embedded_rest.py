"""The REST door, endpoint by endpoint and status code by status code, as Qdrant answers."""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest
import qdrant_edge as qe
from embedded_support import SPECS, Rest

from qdpool.embedded import EmbeddedQdrant

KEY = "test-key"
RO_KEY = "ro-key"
NESTED_PAYLOAD = {
    "title": "qdrant",
    "count": 7,
    "ratio": 0.25,
    "whole_float": 1.0,
    "big": 2**53 + 1,
    "flag": True,
    "off": False,
    "nothing": None,
    "tags": ["a", "b", 3, 4.5, None, True],
    "deep": {"list": [{"x": 1}, {"x": [1, 2, {"y": None}]}], "empty": {}, "empty_list": []},
    "unicode": "héllo ✓",
}


async def create(rest: Rest, name: str, size: int = 4, distance: str = "Cosine") -> None:
    reply = await rest(
        "PUT", f"/collections/{name}", {"vectors": {"size": size, "distance": distance}}
    )
    assert reply.result is True


async def upsert(rest: Rest, name: str, points: list[dict[str, Any]], wait: bool = True) -> Any:
    reply = await rest(
        "PUT", f"/collections/{name}/points", {"points": points}, params={"wait": str(wait).lower()}
    )
    return reply.result


# ------------------------------------------------------------------ service endpoints


async def test_version_and_health_need_no_key(rest: Rest) -> None:
    root = await rest("GET", "/", key=None)
    assert root.status == 200
    assert root.body["title"] == "qdrant - vector search engine"
    assert root.body["version"].startswith("1.18.") and "qdpool" in root.body["version"]
    assert "qdrant-edge-py" in root.body["commit"]
    assert "result" not in root.body  # no envelope, as in Qdrant
    for path, text in (
        ("/healthz", "healthz check passed"),
        ("/livez", "healthz check passed"),
        ("/readyz", "all shards are ready"),
    ):
        reply = await rest("GET", path, key=None)
        assert (reply.status, reply.body) == (200, text)


async def test_cluster_is_disabled(rest: Rest) -> None:
    reply = await rest("GET", "/cluster")
    assert reply.result == {"status": "disabled"}
    assert reply.body["status"] == "ok" and isinstance(reply.body["time"], float)


# ------------------------------------------------------------------ authentication


async def test_missing_key_is_401_plain_text(rest: Rest) -> None:
    reply = await rest("GET", "/collections", key=None)
    assert reply.status == 401
    assert reply.body == "Must provide an API key or an Authorization bearer token"
    assert reply.headers["content-type"].startswith("text/plain")


async def test_wrong_key_is_401_plain_text(rest: Rest) -> None:
    reply = await rest("GET", "/collections", key="nope")
    assert (reply.status, reply.body) == (401, "Invalid API key or JWT")


async def test_bearer_token_is_accepted(rest: Rest) -> None:
    reply = await rest("GET", "/collections", key=None, headers={"Authorization": f"Bearer {KEY}"})
    assert reply.status == 200
    reply = await rest("GET", "/collections", key=None, headers={"Authorization": "Bearer x"})
    assert reply.status == 401


async def test_read_only_key_reads_but_cannot_write(rest: Rest, collection_name: str) -> None:
    await create(rest, collection_name)
    assert (await rest("GET", f"/collections/{collection_name}", key=RO_KEY)).status == 200
    count = await rest("POST", f"/collections/{collection_name}/points/count", {}, key=RO_KEY)
    assert count.result == {"count": 0}
    for method, path, body in (
        ("PUT", "/collections/ro_denied", {"vectors": {"size": 4, "distance": "Dot"}}),
        ("PUT", f"/collections/{collection_name}/points", {"points": []}),
        ("POST", f"/collections/{collection_name}/points/delete", {"points": [1]}),
        ("DELETE", f"/collections/{collection_name}", None),
        ("POST", f"/collections/{collection_name}/snapshots", None),
    ):
        reply = await rest(method, path, body, key=RO_KEY)
        assert reply.status == 403, (method, path)
        assert reply.error == "Forbidden: Global manage access is required"
        assert reply.headers["content-type"] == "application/json"


# ------------------------------------------------------------------ collections


async def test_collection_lifecycle(rest: Rest, collection_name: str) -> None:
    name = collection_name
    assert (await rest("GET", f"/collections/{name}/exists")).result == {"exists": False}
    await create(rest, name, size=384)
    assert (await rest("GET", f"/collections/{name}/exists")).result == {"exists": True}
    listed = (await rest("GET", "/collections")).result["collections"]
    assert {"name": name} in listed
    info = (await rest("GET", f"/collections/{name}")).result
    assert info["status"] == "green" and info["optimizer_status"] == "ok"
    assert (info["points_count"], info["indexed_vectors_count"]) == (0, 0)
    assert info["segments_count"] >= 1
    params = info["config"]["params"]
    assert params["vectors"] == {"size": 384, "distance": "Cosine"}
    assert (params["shard_number"], params["replication_factor"]) == (1, 1)
    assert params["on_disk_payload"] is True
    assert info["payload_schema"] == {}
    assert info["config"]["hnsw_config"]["m"] == 16
    assert info["config"]["optimizer_config"]["flush_interval_sec"] == 5
    assert info["config"]["wal_config"]["wal_capacity_mb"] == 32
    assert (await rest("DELETE", f"/collections/{name}")).result is True
    assert (await rest("DELETE", f"/collections/{name}")).result is False
    assert (await rest("GET", f"/collections/{name}/exists")).result == {"exists": False}


async def test_missing_collection_is_404(rest: Rest) -> None:
    for method, path, body in (
        ("GET", "/collections/ghost", None),
        ("PUT", "/collections/ghost/points", {"points": []}),
        ("POST", "/collections/ghost/points", {"ids": [1]}),
        ("POST", "/collections/ghost/points/count", {}),
        ("POST", "/collections/ghost/points/query", {"query": [1, 2, 3, 4]}),
        ("POST", "/collections/ghost/points/scroll", {}),
        ("POST", "/collections/ghost/points/delete", {"points": [1]}),
        ("POST", "/collections/ghost/snapshots", None),
        ("GET", "/collections/ghost/snapshots", None),
    ):
        reply = await rest(method, path, body)
        assert reply.status == 404, (method, path)
        assert reply.error == "Not found: Collection `ghost` doesn't exist!"
        assert isinstance(reply.body["time"], float) and "result" not in reply.body


async def test_existing_collection_is_409(rest: Rest, collection_name: str) -> None:
    await create(rest, collection_name)
    reply = await rest(
        "PUT", f"/collections/{collection_name}", {"vectors": {"size": 4, "distance": "Cosine"}}
    )
    assert reply.status == 409
    assert reply.error == f"Wrong input: Collection `{collection_name}` already exists!"


async def test_malformed_json_is_400_format_error(rest: Rest, collection_name: str) -> None:
    reply = await rest("PUT", f"/collections/{collection_name}", raw=b'{"vectors": {"size": 4,')
    assert reply.status == 400
    assert reply.error.startswith("Format error in JSON body: ")


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"vectors": {"size": 0, "distance": "Cosine"}},
            422,
            "Validation error in JSON body: "
            "[vectors.size: value 0 invalid, must be from 1 to 65536]",
        ),
        (
            {"vectors": {"size": 4, "distance": "Hamming"}},
            400,
            "Format error in JSON body: vectors.distance: unknown variant `Hamming`, "
            "expected one of `Cosine`, `Euclid`, `Dot`, `Manhattan`",
        ),
        ({"vectors": {"size": "4", "distance": "Dot"}}, 400, "Format error in JSON body: "),
        (
            {"vectors": {"size": 4, "distance": "Dot"}, "colour": 1},
            400,
            "Format error in JSON body: unknown field `colour`",
        ),
        (
            {"vectors": {"size": 4, "distance": "Dot"}, "shard_number": 2},
            400,
            "Wrong input: shard_number > 1",
        ),
        (
            {"vectors": {"size": 4, "distance": "Dot"}, "sharding_method": "custom"},
            400,
            "Wrong input: custom sharding",
        ),
    ],
)
async def test_invalid_create_bodies(
    rest: Rest, collection_name: str, body: dict[str, Any], status: int, message: str
) -> None:
    reply = await rest("PUT", f"/collections/{collection_name}", body)
    assert reply.status == status
    assert reply.error.startswith(message)
    assert (await rest("GET", f"/collections/{collection_name}/exists")).result["exists"] is False


async def test_invalid_collection_name_is_422(rest: Rest) -> None:
    reply = await rest("PUT", "/collections/a%3Ab", {"vectors": {"size": 4, "distance": "Dot"}})
    assert reply.status == 422
    assert reply.error.startswith("Validation error in path parameters: [name:")


async def test_named_vectors_collection(rest: Rest, collection_name: str) -> None:
    name = collection_name
    body = {
        "vectors": {
            "text": {"size": 3, "distance": "Cosine"},
            "image": {"size": 2, "distance": "Euclid"},
        },
        "metadata": {"owner": "tests"},
    }
    assert (await rest("PUT", f"/collections/{name}", body)).result is True
    info = (await rest("GET", f"/collections/{name}")).result
    assert info["config"]["params"]["vectors"] == body["vectors"]
    assert info["config"]["metadata"] == {"owner": "tests"}
    points = [
        {"id": 1, "vector": {"text": [1, 0, 0], "image": [0, 0]}, "payload": {"k": 1}},
        {"id": 2, "vector": {"text": [0, 1, 0], "image": [3, 4]}},
    ]
    await upsert(rest, name, points)
    hits = (
        await rest(
            "POST",
            f"/collections/{name}/points/query",
            {"query": [0, 0], "using": "image", "with_vector": ["image"]},
        )
    ).result["points"]
    assert [(h["id"], h["score"]) for h in hits] == [(1, 0.0), (2, 5.0)]
    assert hits[1]["vector"] == {"image": [3.0, 4.0]}
    wrong = await rest(
        "POST", f"/collections/{name}/points/query", {"query": [0, 0], "using": "nope"}
    )
    assert wrong.status == 400 and "Not existing vector name" in wrong.error


# ------------------------------------------------------------------ points


async def test_upsert_list_and_batch_forms_with_increasing_operation_ids(
    rest: Rest, collection_name: str
) -> None:
    name = collection_name
    await create(rest, name)
    first = await upsert(rest, name, [{"id": 1, "vector": [1, 0, 0, 0]}], wait=True)
    assert first == {"operation_id": 0, "status": "completed"}
    second = await upsert(rest, name, [{"id": 2, "vector": [0, 1, 0, 0]}], wait=False)
    assert second == {"operation_id": 1, "status": "acknowledged"}
    batch = await rest(
        "PUT",
        f"/collections/{name}/points",
        {
            "batch": {
                "ids": [3, 4, 5],
                "vectors": [[0, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0]],
                "payloads": [{"n": 3}, None, {"n": 5}],
            }
        },
        params={"wait": "true"},
    )
    assert batch.result == {"operation_id": 2, "status": "completed"}
    no_wait = await rest("PUT", f"/collections/{name}/points", {"points": []})
    assert no_wait.result["status"] == "acknowledged"  # wait defaults to false
    count = await rest("POST", f"/collections/{name}/points/count", {"exact": True})
    assert count.result == {"count": 5}
    got = (await rest("POST", f"/collections/{name}/points", {"ids": [3, 4, 5]})).result
    assert {p["id"]: p["payload"] for p in got} == {3: {"n": 3}, 4: {}, 5: {"n": 5}}


async def test_payload_and_ids_round_trip_exactly(rest: Rest, collection_name: str) -> None:
    name = collection_name
    await create(rest, name, distance="Dot")
    uuid_upper = "8C7B1B9F-3A4E-4D5E-9F0A-1B2C3D4E5F60"
    big_id = 2**64 - 1
    await upsert(
        rest,
        name,
        [
            {"id": uuid_upper, "vector": [0.5, 0.25, 0, 1], "payload": NESTED_PAYLOAD},
            {"id": big_id, "vector": [1, 2, 3, 4], "payload": {"n": 1}},
        ],
    )
    got = (
        await rest(
            "POST",
            f"/collections/{name}/points",
            {"ids": [uuid_upper.lower(), big_id, 12345], "with_vector": True},
        )
    ).result
    by_id = {p["id"]: p for p in got}
    assert set(by_id) == {uuid_upper.lower(), big_id}  # missing ids are left out
    point = by_id[uuid_upper.lower()]
    assert point["payload"] == NESTED_PAYLOAD
    assert type(point["payload"]["whole_float"]) is float and type(point["payload"]["count"]) is int
    assert point["vector"] == [0.5, 0.25, 0.0, 1.0]  # Dot: stored as given
    bad = await rest(
        "PUT", f"/collections/{name}/points", {"points": [{"id": -1, "vector": [1, 2, 3, 4]}]}
    )
    assert bad.status == 400
    assert bad.error == (
        "Format error in JSON body: value -1 is not a valid point ID, "
        "valid values are either an unsigned integer or a UUID"
    )
    bad = await rest(
        "PUT", f"/collections/{name}/points", {"points": [{"id": "x1", "vector": [1, 2, 3, 4]}]}
    )
    assert bad.status == 400 and "not a valid point ID" in bad.error


async def test_cosine_vectors_are_returned_normalized(rest: Rest, collection_name: str) -> None:
    await create(rest, collection_name)
    await upsert(rest, collection_name, [{"id": 1, "vector": [3, 0, 4, 0]}])
    got = (
        await rest(
            "POST", f"/collections/{collection_name}/points", {"ids": [1], "with_vector": True}
        )
    ).result
    assert got[0]["vector"] == pytest.approx([0.6, 0.0, 0.8, 0.0], abs=1e-6)


async def test_wrong_dimension_is_400(rest: Rest, collection_name: str) -> None:
    await create(rest, collection_name)
    reply = await rest(
        "PUT", f"/collections/{collection_name}/points", {"points": [{"id": 1, "vector": [1, 2]}]}
    )
    assert reply.status == 400
    assert reply.error == "Wrong input: Vector dimension error: expected dim: 4, got 2"
    reply = await rest("POST", f"/collections/{collection_name}/points/query", {"query": [1, 2, 3]})
    assert reply.status == 400
    assert reply.error == "Wrong input: Vector dimension error: expected dim: 4, got 3"


async def test_upsert_without_points_is_a_format_error(rest: Rest, collection_name: str) -> None:
    await create(rest, collection_name)
    reply = await rest("PUT", f"/collections/{collection_name}/points", {"pts": []})
    assert reply.status == 400 and reply.error.startswith("Format error in JSON body:")
    reply = await rest(
        "PUT",
        f"/collections/{collection_name}/points",
        {"points": [{"id": 1, "vector": ["a"] * 4}]},
    )
    assert reply.status == 400 and reply.error.startswith("Format error in JSON body:")
    reply = await rest(
        "PUT", f"/collections/{collection_name}/points", {"points": []}, params={"wait": "maybe"}
    )
    assert reply.status == 400


def grid_points(n: int) -> list[dict[str, Any]]:
    """n points on a circle, so nearest neighbours are predictable."""
    points = []
    for i in range(n):
        angle = 2 * math.pi * i / n
        points.append(
            {
                "id": i,
                "vector": [math.cos(angle), math.sin(angle), 0.0, 0.0],
                "payload": {"i": i, "even": i % 2 == 0, "group": "low" if i < n // 2 else "high"},
            }
        )
    return points


async def test_query_by_vector_and_by_id(rest: Rest, collection_name: str) -> None:
    name = collection_name
    await create(rest, name)
    await upsert(rest, name, grid_points(16))
    query = f"/collections/{name}/points/query"
    hits = (await rest("POST", query, {"query": [1, 0, 0, 0], "limit": 3})).result["points"]
    assert hits[0]["id"] == 0
    assert {h["id"] for h in hits[1:]} == {1, 15}
    assert hits[0]["score"] == pytest.approx(1.0, abs=1e-6)
    assert set(hits[0]) == {"id", "version", "score", "payload", "vector"}
    assert hits[0]["payload"] is None and hits[0]["vector"] is None  # query defaults
    # offset, with_payload selector, score_threshold
    paged = (
        await rest(
            "POST",
            query,
            {"query": [1, 0, 0, 0], "limit": 2, "offset": 1, "with_payload": ["i"]},
        )
    ).result["points"]
    assert [p["payload"] for p in paged] == [{"i": hits[1]["id"]}, {"i": hits[2]["id"]}]
    near = (
        await rest("POST", query, {"query": [1, 0, 0, 0], "limit": 16, "score_threshold": 0.9})
    ).result["points"]
    assert {p["id"] for p in near} == {0, 1, 15}
    # A point id as the query: its own vector, and the point itself left out.
    by_id = (await rest("POST", query, {"query": 4, "limit": 2})).result["points"]
    assert {p["id"] for p in by_id} == {3, 5}
    nested = (await rest("POST", query, {"query": {"nearest": 4}, "limit": 2})).result["points"]
    assert {p["id"] for p in nested} == {3, 5}
    missing = await rest("POST", query, {"query": 999})
    assert (missing.status, missing.error) == (404, "Not found: No point with id 999 found")
    filtered = (
        await rest(
            "POST",
            query,
            {
                "query": [1, 0, 0, 0],
                "filter": {"must": [{"key": "group", "match": {"value": "high"}}]},
                "limit": 3,
                "with_payload": True,
            },
        )
    ).result["points"]
    assert all(p["payload"]["group"] == "high" for p in filtered)
    assert filtered[0]["id"] == 15
    # Inference (a Document to embed) needs Qdrant's inference service: refused by name.
    unsupported = await rest("POST", query, {"query": {"text": "a document", "model": "bm25"}})
    assert unsupported.status == 400 and "not supported" in unsupported.error
    zero = await rest("POST", query, {"query": [1, 0, 0, 0], "limit": 0})
    assert zero.status == 422


async def test_scroll_pages_to_the_end(rest: Rest, collection_name: str) -> None:
    name = collection_name
    await create(rest, name)
    await upsert(rest, name, grid_points(25))
    seen: list[int] = []
    offset: Any = None
    pages = 0
    while pages < 10:
        body: dict[str, Any] = {"limit": 10, "with_payload": False}
        if offset is not None:
            body["offset"] = offset
        page = (await rest("POST", f"/collections/{name}/points/scroll", body)).result
        pages += 1
        seen += [p["id"] for p in page["points"]]
        assert all(p["payload"] is None for p in page["points"])
        offset = page["next_page_offset"]
        if offset is None:
            break
        assert offset == seen[-1] + 1  # the id of the first point of the next page
    assert seen == list(range(25)) and pages == 3
    filtered = (
        await rest(
            "POST",
            f"/collections/{name}/points/scroll",
            {"filter": {"must": [{"key": "even", "match": {"value": True}}]}, "limit": 100},
        )
    ).result
    assert [p["id"] for p in filtered["points"]] == list(range(0, 25, 2))
    assert filtered["next_page_offset"] is None
    assert filtered["points"][0]["payload"] == {"i": 0, "even": True, "group": "low"}  # default


async def test_delete_by_ids_and_by_filter(rest: Rest, collection_name: str) -> None:
    name = collection_name
    await create(rest, name)
    await upsert(rest, name, grid_points(10))
    deleted = await rest(
        "POST", f"/collections/{name}/points/delete", {"points": [0, 1]}, params={"wait": "true"}
    )
    assert deleted.result["status"] == "completed"
    by_filter = await rest(
        "POST",
        f"/collections/{name}/points/delete",
        {"filter": {"must": [{"key": "i", "range": {"gte": 8}}]}},
        params={"wait": "true"},
    )
    assert by_filter.result["operation_id"] > deleted.result["operation_id"]
    left = (await rest("POST", f"/collections/{name}/points/scroll", {"limit": 100})).result
    assert [p["id"] for p in left["points"]] == [2, 3, 4, 5, 6, 7]
    empty = await rest("POST", f"/collections/{name}/points/delete", {})
    assert empty.status == 400


# ------------------------------------------------------------------ filters

FILTER_DOCS: list[dict[str, Any]] = [
    {
        "id": 1,
        "payload": {
            "city": "Berlin",
            "price": 10,
            "tags": ["a", "b"],
            "text": "red fox jumps",
            "note": None,
            "loc": {"lon": 13.4, "lat": 52.5},
            "day": "2024-01-02T00:00:00Z",
            "shops": [{"kind": "food", "n": 1}, {"kind": "toys", "n": 5}],
        },
    },
    {
        "id": 2,
        "payload": {
            "city": "London",
            "price": 25.5,
            "tags": ["b"],
            "text": "lazy dog",
            "flag": False,
            "loc": {"lon": 2.35, "lat": 48.85},
            "day": "2023-01-01T00:00:00Z",
            "shops": [{"kind": "food", "n": 5}],
        },
    },
    {
        "id": 3,
        "payload": {
            "city": "Paris",
            "price": 40,
            "tags": [],
            "text": "red dog",
            "note": "x",
            "flag": 1,
            "count": 3,
        },
    },
    {
        "id": 4,
        "payload": {
            "city": "Berlin",
            "price": 55,
            "tags": ["a", "b", "c"],
            "flag": True,
            "count": 9,
        },
    },
    {"id": 5, "payload": {}},
]

FILTER_CASES: list[tuple[str, dict[str, Any], set[int]]] = [
    ("match value", {"must": [{"key": "city", "match": {"value": "Berlin"}}]}, {1, 4}),
    ("single condition, not a list", {"must": {"key": "city", "match": {"value": "Paris"}}}, {3}),
    ("match int", {"must": [{"key": "count", "match": {"value": 9}}]}, {4}),
    ("match bool", {"must": [{"key": "flag", "match": {"value": True}}]}, {4}),
    ("match bool false", {"must": [{"key": "flag", "match": {"value": False}}]}, {2}),
    ("match int is not bool", {"must": [{"key": "flag", "match": {"value": 1}}]}, {3}),
    ("match any", {"must": [{"key": "city", "match": {"any": ["Paris", "London"]}}]}, {2, 3}),
    ("match except", {"must": [{"key": "city", "match": {"except": ["Berlin"]}}]}, {2, 3}),
    ("match text", {"must": [{"key": "text", "match": {"text": "dog"}}]}, {2, 3}),
    ("range", {"must": [{"key": "price", "range": {"gt": 10, "lte": 40}}]}, {2, 3}),
    (
        "should",
        {
            "should": [
                {"key": "price", "range": {"lt": 20}},
                {"key": "count", "match": {"value": 3}},
            ]
        },
        {1, 3},
    ),
    ("must_not", {"must_not": [{"key": "city", "match": {"value": "Berlin"}}]}, {2, 3, 5}),
    (
        "min_should",
        {
            "min_should": {
                "conditions": [
                    {"key": "city", "match": {"value": "Berlin"}},
                    {"key": "tags", "match": {"value": "c"}},
                    {"key": "price", "range": {"gt": 50}},
                ],
                "min_count": 2,
            }
        },
        {4},
    ),
    (
        "nested filter",
        {
            "must": [
                {
                    "should": [
                        {"key": "city", "match": {"value": "Paris"}},
                        {"key": "city", "match": {"value": "London"}},
                    ]
                }
            ],
            "must_not": [{"key": "text", "match": {"text": "lazy"}}],
        },
        {3},
    ),
    ("has_id", {"must": [{"has_id": [1, 3, 99]}]}, {1, 3}),
    ("is_empty", {"must": [{"is_empty": {"key": "tags"}}]}, {3, 5}),
    ("is_null", {"must": [{"is_null": {"key": "note"}}]}, {1}),
    ("values_count", {"must": [{"key": "tags", "values_count": {"gte": 2}}]}, {1, 4}),
    (
        "nested objects",
        {
            "must": [
                {
                    "nested": {
                        "key": "shops",
                        "filter": {
                            "must": [
                                {"key": "kind", "match": {"value": "food"}},
                                {"key": "n", "range": {"gte": 5}},
                            ]
                        },
                    }
                }
            ]
        },
        {2},
    ),
    ("array path", {"must": [{"key": "shops[].kind", "match": {"value": "toys"}}]}, {1}),
    ("match text_any", {"must": [{"key": "text", "match": {"text_any": "fox cat"}}]}, {1}),
    ("match phrase", {"must": [{"key": "text", "match": {"phrase": "red dog"}}]}, {3}),
    ("datetime range", {"must": [{"key": "day", "range": {"gt": "2023-06-01T00:00:00Z"}}]}, {1}),
    (
        "geo radius",
        {
            "must": [
                {"key": "loc", "geo_radius": {"center": {"lon": 13.4, "lat": 52.5}, "radius": 1e3}}
            ]
        },
        {1},
    ),
    (
        "geo bounding box",
        {
            "must": [
                {
                    "key": "loc",
                    "geo_bounding_box": {
                        "top_left": {"lon": 0, "lat": 60},
                        "bottom_right": {"lon": 10, "lat": 40},
                    },
                }
            ]
        },
        {2},
    ),
    (
        "geo polygon",
        {
            "must": [
                {
                    "key": "loc",
                    "geo_polygon": {
                        "exterior": {
                            "points": [
                                {"lon": 0, "lat": 40},
                                {"lon": 20, "lat": 40},
                                {"lon": 20, "lat": 60},
                                {"lon": 0, "lat": 60},
                                {"lon": 0, "lat": 40},
                            ]
                        }
                    },
                }
            ]
        },
        {1, 2},
    ),
    ("has_vector", {"must": [{"has_vector": ""}]}, {1, 2, 3, 4, 5}),
    ("empty filter", {}, {1, 2, 3, 4, 5}),
]


@pytest.mark.parametrize(
    ("label", "flt", "expected"), FILTER_CASES, ids=[c[0] for c in FILTER_CASES]
)
async def test_filters(
    rest: Rest, server: EmbeddedQdrant, label: str, flt: dict[str, Any], expected: set[int]
) -> None:
    name = "filters_shared"
    if not server.engine.execute(SPECS["collection_exists"], name)["exists"]:
        await create(rest, name)
        await upsert(rest, name, [{**d, "vector": [1, 0, 0, 0]} for d in FILTER_DOCS])
    count = await rest("POST", f"/collections/{name}/points/count", {"filter": flt, "exact": True})
    assert count.result == {"count": len(expected)}, label
    scrolled = await rest(
        "POST", f"/collections/{name}/points/scroll", {"filter": flt, "limit": 50}
    )
    assert {p["id"] for p in scrolled.result["points"]} == expected, label


async def test_bad_filters_are_format_errors(rest: Rest, collection_name: str) -> None:
    await create(rest, collection_name)
    for flt in (
        {"must": [{"key": "a", "match": {"value": 1.5}}]},
        {"must": [{"key": "a", "match": {"regex": "x"}}]},
        {"must": [{"key": "a", "range": {"between": 1}}]},
        {"must": [{"unknown_condition": 1}]},
        {"must": "nope"},
    ):
        reply = await rest("POST", f"/collections/{collection_name}/points/count", {"filter": flt})
        assert reply.status == 400, flt
        assert reply.error.startswith("Format error in JSON body:"), reply.error


# ------------------------------------------------------------------ limits and connections


async def test_body_over_32_mib_is_400_payload_error(rest: Rest, collection_name: str) -> None:
    await create(rest, collection_name)
    size = 32 * 1024 * 1024 + 100
    raw = b'{"points": [], "pad": "' + b"x" * (size - 26) + b'"}'
    reply = await rest("PUT", f"/collections/{collection_name}/points", raw=raw)
    assert reply.status == 400
    assert reply.error == (
        f"Payload error: JSON payload ({len(raw)} bytes) is larger than allowed "
        "(limit: 33554432 bytes)."
    )


async def test_idle_keepalive_connection_is_closed_after_5_seconds(server: EmbeddedQdrant) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"healthz check passed"), 2)
        assert b"200 OK" in head
        # Still open well before the timeout ...
        await asyncio.sleep(4.0)
        assert not reader.at_eof()
        # ... and closed by the server shortly after 5 s of idleness.
        rest_of = await asyncio.wait_for(reader.read(), 3.0)
        assert rest_of == b""
    finally:
        writer.close()


# ------------------------------------------------------------------ snapshots


async def test_snapshots_are_real_files(
    rest: Rest, server: EmbeddedQdrant, collection_name: str, tmp_path: Path
) -> None:
    name = collection_name
    await create(rest, name)
    await upsert(rest, name, grid_points(50))
    assert (await rest("GET", f"/collections/{name}/snapshots")).result == []
    created = (await rest("POST", f"/collections/{name}/snapshots")).result
    assert re.fullmatch(rf"{name}-\d+-\d{{4}}(-\d\d){{5}}\.snapshot", created["name"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", created["creation_time"])
    path = server.engine.snapshots_dir / name / created["name"]
    data = path.read_bytes()
    assert created["size"] == len(data) > 0
    assert created["checksum"] == hashlib.sha256(data).hexdigest()
    listed = (await rest("GET", f"/collections/{name}/snapshots")).result
    assert listed == [created]
    # The archive holds a loadable shard with every point.
    with tarfile.open(path) as tar:
        tar.extractall(tmp_path, filter="data")
    shard = qe.EdgeShard.load(str(tmp_path / "shard"))
    try:
        assert shard.count(qe.CountRequest(exact=True)) == 50
    finally:
        shard.close()
