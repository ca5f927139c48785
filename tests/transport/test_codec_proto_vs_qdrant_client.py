"""The protobuf codec's messages read the same through qdrant-client's schema and conversions.

Moved here from tests/test_proto_conformance.py, which now checks the protos alone
(descriptors against qdrant-client's, with no client code). These tests exercise the
codec (``qdpool.wire``): what it encodes must decode unchanged through
Qdrant's classes, and agree with qdrant-client's own REST <-> gRPC conversions.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import wire_support as cp
from google.protobuf import message_factory
from google.protobuf.descriptor_pool import Default as default_pool
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from qdrant_client import grpc as qgrpc  # registers qdrant.* first
from qdrant_client.conversions.conversion import GrpcToRest, RestToGrpc
from qdrant_client.http import models as rest
from wire_support import SPECS as OPERATIONS

from qdpool._proto import collections_pb2, common_pb2, points_pb2
from qdpool.call import Call, Options
from qdpool.endpoint import Endpoint

POOL = default_pool()
UUID = str(uuid.UUID(int=0xABCDEF))


def theirs_name(full_name: str) -> str:
    return full_name.replace("qdpool.wire.", "qdrant.", 1)


# ---------------------------------------------------------------- wire round trips

ENDPOINT = Endpoint("localhost")
FILTER: dict[str, Any] = {
    "must": [
        {"key": "city", "match": {"value": "Berlin"}},
        {"key": "n", "match": {"value": 3}},
        {"key": "ok", "match": {"value": True}},
        {"key": "p", "range": {"gte": 1.5, "lt": 9.0}},
        {"key": "t", "range": {"gt": "2024-01-02T03:04:05Z"}},
        {"key": "tags", "values_count": {"gte": 1}},
        {"has_id": [1, UUID]},
        {"nested": {"key": "items[]", "filter": {"must": [{"key": "x", "match": {"any": [1]}}]}}},
    ],
    "should": [
        {"key": "c", "match": {"any": ["a", "b"]}},
        {"key": "d", "match": {"text": "cheap"}},
        {"is_empty": {"key": "e"}},
        {"has_vector": "image"},
    ],
    "must_not": [
        {"key": "c", "match": {"except": ["z"]}},
        {"key": "c", "match": {"except": [4]}},
        {"is_null": {"key": "f"}},
        {"must": [{"key": "g", "match": {"value": "h"}}]},
    ],
    "min_should": {"conditions": [{"has_id": [2]}, {"has_id": [3]}], "min_count": 1},
}

REQUESTS: list[tuple[str, dict[str, Any] | None, dict[str, str] | None]] = [
    ("create_collection", {"vectors": {"size": 4, "distance": "Cosine", "on_disk": True}}, None),
    (
        "create_collection",
        {
            "vectors": {
                "a": {"size": 2, "distance": "Dot"},
                "b": {"size": 3, "distance": "Euclid"},
            },
            "shard_number": 2,
            "replication_factor": 2,
            "on_disk_payload": True,
        },
        {"timeout": "9"},
    ),
    ("list_collections", None, None),
    ("get_collection", None, None),
    ("collection_exists", None, None),
    ("delete_collection", None, {"timeout": "4"}),
    (
        "upsert",
        {
            "points": [
                {
                    "id": 1,
                    "vector": [0.5, 0.25],
                    "payload": {"a": 1, "b": 1.5, "c": [True, None, "x"], "d": {"e": {}}},
                },
                {"id": UUID, "vector": {"image": [1.0], "text": [2.0, 3.0]}},
            ]
        },
        {"wait": "true", "timeout": "3"},
    ),
    ("retrieve", {"ids": [1, UUID], "with_payload": ["a"], "with_vector": ["image"]}, None),
    ("retrieve", {"ids": [1], "with_payload": {"exclude": ["b"]}, "with_vector": True}, None),
    ("count", {"filter": FILTER, "exact": False}, None),
    ("delete", {"points": [1, UUID]}, {"wait": "false"}),
    ("delete", {"filter": FILTER}, None),
    (
        "query_points",
        {
            "query": [0.5, 0.25],
            "using": "image",
            "filter": FILTER,
            "limit": 5,
            "offset": 1,
            "with_payload": True,
            "with_vector": True,
            "score_threshold": 0.5,
            # qdrant-client's REST models fill in ignore/indexed_only defaults: give them.
            "params": {
                "hnsw_ef": 64,
                "exact": True,
                "quantization": {"ignore": False, "rescore": True},
                "indexed_only": False,
            },
        },
        {"timeout": "2"},
    ),
    ("query_points", {"query": UUID, "limit": 2}, None),
    ("scroll", {"offset": 10, "limit": 3, "filter": FILTER, "with_payload": False}, None),
    ("create_snapshot", None, None),
    ("list_snapshots", None, None),
    ("health", None, None),
]

POINT = {"id": 1, "payload": {"k": "v", "n": [1, 2.5]}, "vector": [0.1, 0.2]}
NAMED = {"id": UUID, "vector": {"image": [0.5], "text": [0.25, 1.0]}}
RESULTS: list[tuple[str, Any]] = [
    ("create_collection", True),
    ("list_collections", {"collections": [{"name": "a"}, {"name": "b"}]}),
    (
        "get_collection",
        {
            "status": "green",
            "optimizer_status": "ok",
            "points_count": 10,
            "indexed_vectors_count": 4,
            "segments_count": 2,
            "config": {
                "params": {
                    "vectors": {"a": {"size": 2, "distance": "Dot", "on_disk": False}},
                    "shard_number": 2,
                    "replication_factor": 1,
                    "on_disk_payload": True,
                },
                "hnsw_config": {
                    "m": 16,
                    "ef_construct": 100,
                    "full_scan_threshold": 10000,
                    "max_indexing_threads": 0,
                    "on_disk": False,
                    "payload_m": 8,
                    "inline_storage": True,
                },
                "optimizer_config": {
                    "deleted_threshold": 0.2,
                    "vacuum_min_vector_number": 1000,
                    "default_segment_number": 0,
                    "max_segment_size": None,
                    "memmap_threshold": None,
                    "indexing_threshold": 10000,
                    "flush_interval_sec": 5,
                    "max_optimization_threads": 2,
                },
                "wal_config": {"wal_capacity_mb": 32, "wal_segments_ahead": 0},
            },
            "payload_schema": {"k": {"data_type": "keyword", "points": 3}},
        },
    ),
    ("collection_exists", {"exists": True}),
    ("delete_collection", False),
    ("upsert", {"operation_id": 7, "status": "completed"}),
    ("delete", {"status": "wait_timeout"}),
    ("retrieve", [POINT, NAMED]),
    ("count", {"count": 42}),
    ("query_points", {"points": [{**POINT, "score": 0.75, "version": 2}, {**NAMED, "score": 0.5}]}),
    ("scroll", {"points": [POINT], "next_page_offset": UUID}),
    (
        "create_snapshot",
        {"name": "s", "creation_time": "2024-05-06T07:08:09.5", "size": 10, "checksum": "ff"},
    ),
    ("list_snapshots", [{"name": "s", "creation_time": "2024-05-06T07:08:09", "size": 1}]),
    ("health", {"title": "qdrant - vector search engine", "version": "1.15.1", "commit": "c0"}),
]


def make_call(name: str, body: Any, params: Any) -> Call:
    collection = None if name in ("list_collections", "health") else "c"
    options = None
    if params:
        wait = params.get("wait")
        options = Options(wait=None if wait is None else wait == "true")
    return Call(OPERATIONS[name], collection, "grpc", body, options, 1e9, ENDPOINT)


def sample_messages() -> list[tuple[str, Message]]:
    samples: list[tuple[str, Message]] = []
    for name, body, params in REQUESTS:
        samples.append((f"request:{name}", cp.encode_request(make_call(name, body, params))))
    for name, result in RESULTS:
        samples.append((f"response:{name}", cp.result_to_response(name, result, 0.125)))
    samples.append(("filter", cp.filter_to_pb(FILTER)))
    samples.append(("value", cp.value_to_pb({"a": [1, 2.5, None, True, "s", {"b": []}]})))
    return samples


SAMPLES = sample_messages()


def their_class(ours: Message) -> type[Message]:
    desc = POOL.FindMessageTypeByName(theirs_name(ours.DESCRIPTOR.full_name))
    cls: type[Message] = message_factory.GetMessageClass(desc)
    return cls


def as_dict(msg: Message) -> dict[str, Any]:
    result: dict[str, Any] = MessageToDict(msg, preserving_proto_field_name=True)
    return result


@pytest.mark.parametrize(("label_", "ours"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_wire_round_trip(label_: str, ours: Message) -> None:
    data = ours.SerializeToString(deterministic=True)
    theirs = their_class(ours).FromString(data)
    # Same content seen through Qdrant's schema: field names and values agree.
    assert as_dict(theirs) == as_dict(ours)
    back_bytes = theirs.SerializeToString(deterministic=True)
    assert back_bytes == data
    back = type(ours).FromString(back_bytes)
    assert back == ours


@pytest.mark.parametrize(("label_", "ours"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_their_bytes_decode_into_ours(label_: str, ours: Message) -> None:
    # Start from a message built by qdrant-client's classes (a parse of ours, then a copy).
    theirs = their_class(ours)()
    theirs.MergeFromString(ours.SerializeToString())
    copy = their_class(ours)()
    copy.CopyFrom(theirs)
    decoded = type(ours).FromString(copy.SerializeToString())
    assert decoded == ours
    assert as_dict(decoded) == as_dict(copy)


# ---------------------------------------------------------------- semantics vs qdrant-client


def rest_json(model: Any) -> Any:
    """A qdrant-client REST model as REST JSON, empty filter clauses left out like ours."""
    return drop_empty_clauses(model.model_dump(mode="json", exclude_none=True, by_alias=True))


def drop_empty_clauses(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: drop_empty_clauses(v)
            for k, v in value.items()
            if not (k in ("must", "should", "must_not") and v == [])
        }
    if isinstance(value, list):
        return [drop_empty_clauses(v) for v in value]
    return value


def ours_from_theirs(theirs: Message, cls: type[Message]) -> Message:
    return cls.FromString(theirs.SerializeToString())


def test_filter_matches_qdrant_clients_conversion() -> None:
    theirs = RestToGrpc.convert_filter(rest.Filter.model_validate(FILTER))
    assert ours_from_theirs(theirs, common_pb2.Filter) == cp.filter_to_pb(FILTER)
    # And back: Qdrant's reading of our filter is the filter we started from.
    parsed = qgrpc.Filter.FromString(cp.filter_to_pb(FILTER).SerializeToString())
    back = rest_json(GrpcToRest.convert_filter(parsed))
    assert back == cp.filter_from_pb(cp.filter_to_pb(FILTER))


def test_upsert_matches_qdrant_clients_conversion() -> None:
    body = REQUESTS[6][1]
    assert body is not None
    ours = cp.encode_request(make_call("upsert", body, {"wait": "true"}))
    points = [RestToGrpc.convert_point_struct(rest.PointStruct(**p)) for p in body["points"]]
    theirs = qgrpc.UpsertPoints(collection_name="c", wait=True, points=points)
    assert ours_from_theirs(theirs, points_pb2.UpsertPoints) == ours


def test_query_matches_qdrant_clients_conversion() -> None:
    for name, body, _ in REQUESTS:
        if name != "query_points":
            continue
        assert body is not None
        ours = cp.encode_request(make_call(name, body, None))
        theirs = RestToGrpc.convert_query_request(rest.QueryRequest(**body), "c")
        assert ours_from_theirs(theirs, points_pb2.QueryPoints) == ours
        # Server direction: Qdrant's reading of the message equals our REST body.
        parsed = qgrpc.QueryPoints.FromString(ours.SerializeToString())
        their_rest = rest_json(GrpcToRest.convert_query_points(parsed))
        _, our_rest, _ = cp.request_to_rest(name, ours)
        assert our_rest is not None
        if "query" in their_rest and isinstance(their_rest["query"], dict):
            their_rest["query"] = their_rest["query"].get("nearest", their_rest["query"])
        assert their_rest == our_rest


def test_create_collection_matches_qdrant_clients_conversion() -> None:
    ours = cp.encode_request(make_call("create_collection", REQUESTS[0][1], None))
    params = RestToGrpc.convert_vector_params(
        rest.VectorParams(size=4, distance=rest.Distance.COSINE, on_disk=True)
    )
    theirs = qgrpc.CreateCollection(
        collection_name="c", vectors_config=qgrpc.VectorsConfig(params=params)
    )
    assert ours_from_theirs(theirs, collections_pb2.CreateCollection) == ours


def test_collection_config_matches_qdrant_clients_conversion() -> None:
    result = next(r for n, r in RESULTS if n == "get_collection")
    ours = cp.result_to_response("get_collection", result, 0.125)
    parsed = qgrpc.GetCollectionInfoResponse.FromString(ours.SerializeToString())
    # qdrant-client's own reading of the reply validates (it needs all three sections) ...
    info = GrpcToRest.convert_collection_info(parsed.result)
    # ... and gives back the REST config sections we started from.
    config = result["config"]
    for section in ("hnsw_config", "optimizer_config", "wal_config"):
        seen = getattr(info.config, section).model_dump(mode="json", exclude_none=True)
        sent = {k: v for k, v in config[section].items() if v is not None}
        assert seen == sent, section
    # The reverse direction: qdrant-client's encoding of those sections decodes into ours.
    theirs = RestToGrpc.convert_collection_config(info.config)
    decoded = collections_pb2.CollectionConfig.FromString(theirs.SerializeToString())
    assert decoded.hnsw_config == ours.result.config.hnsw_config  # type: ignore[attr-defined]
    assert decoded.wal_config == ours.result.config.wal_config  # type: ignore[attr-defined]
    threads = decoded.optimizer_config.max_optimization_threads
    assert threads.value == config["optimizer_config"]["max_optimization_threads"]
