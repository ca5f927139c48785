"""The gRPC door: every method on Qdrant's paths, and each status code Qdrant would send."""

from __future__ import annotations

import re
from typing import Any

import grpc
import grpc.aio
import pytest
from embedded_support import Grpc, grpc_channel, pb
from grpc_health.v1 import health_pb2
from wire_support import decode_response

from qdpool._proto import collections_pb2, points_pb2
from qdpool.embedded import EmbeddedQdrant

RO_KEY = "ro-key"


async def create(grpc_call: Grpc, name: str, size: int = 4, distance: str = "Cosine") -> None:
    body = {"vectors": {"size": size, "distance": distance}}
    reply = await grpc_call("create_collection", pb("create_collection", name, body))
    assert reply.result is True


async def expect_error(code: grpc.StatusCode, awaitable: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await awaitable
    assert info.value.code() == code, (info.value.code(), info.value.details())
    return info.value


def points(n: int, offset: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "vector": [1.0, float(i), 0.5, -1.0],
            "payload": {"i": i, "kind": "even" if i % 2 == 0 else "odd"},
        }
        for i in range(offset, offset + n)
    ]


# ------------------------------------------------------------------ health and auth


async def test_health_checks_need_no_key(grpc_call: Grpc, shared_channel: grpc.aio.Channel) -> None:
    check = shared_channel.unary_unary(
        "/grpc.health.v1.Health/Check",
        request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
        response_deserializer=health_pb2.HealthCheckResponse.FromString,
    )
    reply = await check(health_pb2.HealthCheckRequest(), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    info = await grpc_call("health", pb("health"), key=None)
    assert info.title == "qdrant - vector search engine"
    assert info.version.startswith("1.18.") and info.commit


async def test_missing_and_wrong_keys_are_unauthenticated(grpc_call: Grpc) -> None:
    missing = await expect_error(
        grpc.StatusCode.UNAUTHENTICATED,
        grpc_call("list_collections", pb("list_collections"), key=None),
    )
    assert missing.details() == "Must provide an API key or an Authorization bearer token"
    wrong = await expect_error(
        grpc.StatusCode.UNAUTHENTICATED,
        grpc_call("list_collections", pb("list_collections"), key="x"),
    )
    assert wrong.details() == "Invalid API key or JWT"


async def test_bearer_authorization_metadata_is_accepted(grpc_call: Grpc) -> None:
    reply = await grpc_call(
        "list_collections",
        pb("list_collections"),
        key=None,
        metadata=(("authorization", "Bearer test-key"),),
    )
    assert isinstance(reply, collections_pb2.ListCollectionsResponse)


async def test_read_only_key_writing_is_permission_denied(
    grpc_call: Grpc, collection_name: str
) -> None:
    await create(grpc_call, collection_name)
    assert (
        await grpc_call("count", pb("count", collection_name, {}), key=RO_KEY)
    ).result.count == 0
    for op, body in (
        ("create_collection", {"vectors": {"size": 4, "distance": "Dot"}}),
        ("upsert", {"points": points(1)}),
        ("delete", {"points": [1]}),
        ("delete_collection", None),
        ("create_snapshot", None),
    ):
        error = await expect_error(
            grpc.StatusCode.PERMISSION_DENIED,
            grpc_call(op, pb(op, collection_name, body), key=RO_KEY),
        )
        assert error.details() == "Forbidden: Global manage access is required"


# ------------------------------------------------------------------ collections


async def test_collections_service(grpc_call: Grpc, collection_name: str) -> None:
    name = collection_name
    exists = await grpc_call("collection_exists", pb("collection_exists", name))
    assert exists.result.exists is False
    await create(grpc_call, name, size=384, distance="Dot")
    exists = await grpc_call("collection_exists", pb("collection_exists", name))
    assert exists.result.exists is True and exists.time > 0
    listed = await grpc_call("list_collections", pb("list_collections"))
    assert name in [c.name for c in listed.collections]
    info = await grpc_call("get_collection", pb("get_collection", name))
    assert info.result.status == collections_pb2.Green
    assert info.result.optimizer_status.ok
    assert info.result.points_count == 0 and info.result.segments_count >= 1
    params = info.result.config.params.vectors_config.params
    assert (params.size, params.distance) == (384, collections_pb2.Dot)
    assert info.result.config.params.shard_number == 1
    config = info.result.config
    assert (config.hnsw_config.m, config.hnsw_config.ef_construct) == (16, 100)
    assert config.hnsw_config.on_disk is False and config.hnsw_config.HasField("on_disk")
    assert config.optimizer_config.deleted_threshold == 0.2
    assert config.optimizer_config.flush_interval_sec == 5
    assert not config.optimizer_config.HasField("max_optimization_threads")
    assert (config.wal_config.wal_capacity_mb, config.wal_config.wal_segments_ahead) == (32, 0)
    dup = await expect_error(
        grpc.StatusCode.ALREADY_EXISTS,
        grpc_call(
            "create_collection",
            pb("create_collection", name, {"vectors": {"size": 4, "distance": "Dot"}}),
        ),
    )
    assert dup.details() == f"Wrong input: Collection `{name}` already exists!"
    deleted = await grpc_call("delete_collection", pb("delete_collection", name))
    assert deleted.result is True
    again = await grpc_call("delete_collection", pb("delete_collection", name))
    assert again.result is False
    missing = await expect_error(
        grpc.StatusCode.NOT_FOUND, grpc_call("get_collection", pb("get_collection", name))
    )
    assert missing.details() == f"Not found: Collection `{name}` doesn't exist!"


async def test_invalid_arguments(grpc_call: Grpc, collection_name: str) -> None:
    bad_size = collections_pb2.CreateCollection(
        collection_name=collection_name,
        vectors_config=collections_pb2.VectorsConfig(
            params=collections_pb2.VectorParams(size=0, distance=collections_pb2.Cosine)
        ),
    )
    error = await expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, grpc_call("create_collection", bad_size)
    )
    assert "vectors.size" in (error.details() or "")
    await create(grpc_call, collection_name)
    wrong_dim = pb("upsert", collection_name, {"points": [{"id": 1, "vector": [1.0, 2.0]}]})
    error = await expect_error(grpc.StatusCode.INVALID_ARGUMENT, grpc_call("upsert", wrong_dim))
    assert error.details() == "Wrong input: Vector dimension error: expected dim: 4, got 2"


async def test_missing_collection_is_not_found_for_point_methods(grpc_call: Grpc) -> None:
    for op, body in (
        ("upsert", {"points": points(1)}),
        ("retrieve", {"ids": [1]}),
        ("count", {}),
        ("query_points", {"query": [1.0, 0.0, 0.0, 0.0]}),
        ("scroll", {}),
        ("delete", {"points": [1]}),
        ("create_snapshot", None),
        ("list_snapshots", None),
    ):
        error = await expect_error(grpc.StatusCode.NOT_FOUND, grpc_call(op, pb(op, "ghost", body)))
        assert error.details() == "Not found: Collection `ghost` doesn't exist!"


# ------------------------------------------------------------------ points


async def test_points_service(grpc_call: Grpc, collection_name: str) -> None:
    name = collection_name
    await create(grpc_call, name, distance="Dot")
    first = await grpc_call("upsert", pb("upsert", name, {"points": points(10)}, {"wait": "true"}))
    assert first.result.status == points_pb2.Completed
    second = await grpc_call("upsert", pb("upsert", name, {"points": points(10, 10)}))
    assert second.result.status == points_pb2.Acknowledged
    assert second.result.operation_id == first.result.operation_id + 1

    got = decode_response(
        "retrieve",
        await grpc_call("retrieve", pb("retrieve", name, {"ids": [3, 99], "with_vector": True})),
    )
    assert [(r.id, r.payload, r.vector) for r in got] == [
        (3, {"i": 3, "kind": "odd"}, [1.0, 3.0, 0.5, -1.0])
    ]
    count = await grpc_call("count", pb("count", name, {"exact": True}))
    assert count.result.count == 20
    odd = {"must": [{"key": "kind", "match": {"value": "odd"}}]}
    assert (await grpc_call("count", pb("count", name, {"filter": odd}))).result.count == 10

    hits = decode_response(
        "query_points",
        await grpc_call(
            "query_points",
            pb(
                "query_points",
                name,
                {"query": [0.0, 1.0, 0.0, 0.0], "limit": 3, "with_payload": True},
            ),
        ),
    )
    assert [h.id for h in hits] == [19, 18, 17]
    assert hits[0].score == pytest.approx(19.0) and hits[0].payload == {"i": 19, "kind": "odd"}
    by_id = decode_response(
        "query_points",
        await grpc_call(
            "query_points", pb("query_points", name, {"query": 5, "limit": 2, "filter": odd})
        ),
    )
    assert 5 not in [h.id for h in by_id] and all(h.id % 2 == 1 for h in by_id)
    missing = await expect_error(
        grpc.StatusCode.NOT_FOUND,
        grpc_call("query_points", pb("query_points", name, {"query": 12345})),
    )
    assert missing.details() == "Not found: No point with id 12345 found"

    seen: list[Any] = []
    offset: Any = None
    for _ in range(10):
        body: dict[str, Any] = {"limit": 7}
        if offset is not None:
            body["offset"] = offset
        page, offset = decode_response(
            "scroll", await grpc_call("scroll", pb("scroll", name, body))
        )
        seen += [r.id for r in page]
        if offset is None:
            break
    assert seen == list(range(20))

    deleted = await grpc_call("delete", pb("delete", name, {"filter": odd}, {"wait": "true"}))
    assert deleted.result.status == points_pb2.Completed
    await grpc_call("delete", pb("delete", name, {"points": [0, 2]}, {"wait": "true"}))
    assert (await grpc_call("count", pb("count", name, {}))).result.count == 8


async def test_snapshots_service(
    grpc_call: Grpc, server: EmbeddedQdrant, collection_name: str
) -> None:
    await create(grpc_call, collection_name)
    await grpc_call(
        "upsert", pb("upsert", collection_name, {"points": points(5)}, {"wait": "true"})
    )
    created = decode_response(
        "create_snapshot",
        await grpc_call("create_snapshot", pb("create_snapshot", collection_name)),
    )
    assert re.fullmatch(rf"{collection_name}-\d+-[\d-]+\.snapshot", created.name)
    assert (
        created.size
        == (server.engine.snapshots_dir / collection_name / created.name).stat().st_size
    )
    assert created.checksum and len(created.checksum) == 64
    listed = decode_response(
        "list_snapshots", await grpc_call("list_snapshots", pb("list_snapshots", collection_name))
    )
    assert listed == [created]


async def test_no_message_size_limit(server: EmbeddedQdrant, collection_name: str) -> None:
    """Over gRPC's 4 MiB default in both directions, as Qdrant allows."""
    channel = grpc_channel(server)
    try:
        call = Grpc(channel)
        await create(call, collection_name, size=384, distance="Dot")
        many = [{"id": i, "vector": [float(i % 7)] * 384} for i in range(3500)]
        request = pb("upsert", collection_name, {"points": many}, {"wait": "true"})
        assert request.ByteSize() > 4 * 1024 * 1024
        reply = await call("upsert", request, timeout=30)
        assert reply.result.status == points_pb2.Completed
        got = await call(
            "retrieve",
            pb("retrieve", collection_name, {"ids": list(range(3500)), "with_vector": True}),
            timeout=30,
        )
        assert len(got.result) == 3500 and got.ByteSize() > 4 * 1024 * 1024
    finally:
        await channel.close(None)
