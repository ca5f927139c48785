"""No field the embedded server's gRPC door receives is silently dropped.

For every spec in ``qdpool.operations.ALL`` with a gRPC request message (found at run
time, so codecs added later are covered), every field of that message, and one level
into its message fields, is set to a non-default value on its own and sent to the
server over gRPC. The answer is classified:

- **refused**: INVALID_ARGUMENT whose message names the field as unsupported (what
  ``wire.requests.refuse_unhandled`` says: ``<field>: is not supported ...``);
- **honoured**: anything else: the server read the field, and answered, or failed in
  the engine, or refused the value itself (that too is reading it).

``EXPECTED`` pins both sets per operation. A field outside both (a new proto field, a
new codec, a field whose handling changed) fails the test with the exact line to add,
so nobody can make a field vanish without saying whether the server honours it; the
behaviour tests at the bottom check that some "honoured" fields really do what they say.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from qdrant_client import AsyncQdrantClient, models

from qdpool import operations as ops
from qdpool.operations.spec import Operation
from tests.conftest import API_KEY

COLLECTION = "grpc_fields"

# spec name -> (honoured field paths, refused field paths). A path is the field's name,
# or ``parent.child`` one level into a message field; a refusal of the parent as a whole
# (``parent: is not supported``) is recorded under ``parent``.
EXPECTED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "create_collection": (
        frozenset({"sparse_vectors_config.map", "vectors_config.params"}),
        frozenset(
            {
                "hnsw_config",
                "hnsw_config.ef_construct",
                "hnsw_config.full_scan_threshold",
                "hnsw_config.inline_storage",
                "hnsw_config.m",
                "hnsw_config.max_indexing_threads",
                "hnsw_config.memory",
                "hnsw_config.on_disk",
                "hnsw_config.payload_m",
                "id_tracker",
                "id_tracker.memory",
                "metadata",
                "on_disk_payload",
                "optimizers_config",
                "optimizers_config.default_segment_number",
                "optimizers_config.deleted_threshold",
                "optimizers_config.deprecated_max_optimization_threads",
                "optimizers_config.flush_interval_sec",
                "optimizers_config.indexing_threshold",
                "optimizers_config.max_optimization_threads",
                "optimizers_config.max_segment_size",
                "optimizers_config.memmap_threshold",
                "optimizers_config.prevent_unoptimized",
                "optimizers_config.vacuum_min_vector_number",
                "payload",
                "payload.memory",
                "quantization_config",
                "quantization_config.binary",
                "quantization_config.product",
                "quantization_config.scalar",
                "quantization_config.turboquant",
                "replication_factor",
                "shard_number",
                "sharding_method",
                "sparse_vectors_config",
                "strict_mode_config",
                "strict_mode_config.condition_max_size",
                "strict_mode_config.enabled",
                "strict_mode_config.filter_max_conditions",
                "strict_mode_config.max_collection_payload_size_bytes",
                "strict_mode_config.max_collection_vector_size_bytes",
                "strict_mode_config.max_payload_index_count",
                "strict_mode_config.max_points_count",
                "strict_mode_config.max_query_limit",
                "strict_mode_config.max_resident_memory_percent",
                "strict_mode_config.max_timeout",
                "strict_mode_config.multivector_config",
                "strict_mode_config.read_rate_limit",
                "strict_mode_config.search_allow_exact",
                "strict_mode_config.search_max_batchsize",
                "strict_mode_config.search_max_hnsw_ef",
                "strict_mode_config.search_max_oversampling",
                "strict_mode_config.sparse_config",
                "strict_mode_config.unindexed_filtering_retrieve",
                "strict_mode_config.unindexed_filtering_update",
                "strict_mode_config.upsert_max_batchsize",
                "strict_mode_config.write_rate_limit",
                "timeout",
                "vectors_config",
                "vectors_config.params_map",
                "wal_config",
                "wal_config.wal_capacity_mb",
                "wal_config.wal_retain_closed",
                "wal_config.wal_segments_ahead",
                "write_consistency_factor",
            }
        ),
    ),
    "list_collections": (frozenset(), frozenset()),
    "get_collection": (frozenset(), frozenset()),
    "collection_exists": (frozenset(), frozenset()),
    "delete_collection": (frozenset({"timeout"}), frozenset()),
    "upsert": (
        frozenset(
            {
                "ordering",
                "ordering.type",
                "points",
                "points.id",
                "points.payload",
                "points.vectors",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "update_filter",
                "update_filter.min_should",
                "update_filter.must",
                "update_filter.must_not",
                "update_filter.should",
                "update_mode",
                "wait",
            }
        ),
        frozenset(),
    ),
    "retrieve": (
        frozenset(
            {
                "ids",
                "ids.num",
                "ids.uuid",
                "read_consistency",
                "read_consistency.factor",
                "read_consistency.type",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "with_payload",
                "with_payload.enable",
                "with_payload.exclude",
                "with_payload.include",
                "with_vectors",
                "with_vectors.enable",
                "with_vectors.include",
            }
        ),
        frozenset(),
    ),
    "count": (
        frozenset(
            {
                "exact",
                "filter",
                "filter.min_should",
                "filter.must",
                "filter.must_not",
                "filter.should",
                "read_consistency",
                "read_consistency.factor",
                "read_consistency.type",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
            }
        ),
        frozenset(),
    ),
    "delete": (
        frozenset(
            {
                "ordering",
                "ordering.type",
                "points",
                "points.filter",
                "points.points",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "wait",
            }
        ),
        frozenset(),
    ),
    "query_points": (
        frozenset(
            {
                "filter",
                "filter.min_should",
                "filter.must",
                "filter.must_not",
                "filter.should",
                "limit",
                "lookup_from",
                "lookup_from.collection_name",
                "lookup_from.vector_name",
                "offset",
                "params",
                "params.acorn",
                "params.exact",
                "params.hnsw_ef",
                "params.indexed_only",
                "params.quantization",
                "prefetch",
                "prefetch.filter",
                "prefetch.limit",
                "prefetch.lookup_from",
                "prefetch.params",
                "prefetch.prefetch",
                "prefetch.query",
                "prefetch.score_threshold",
                "prefetch.using",
                "query",
                "query.context",
                "query.discover",
                "query.formula",
                "query.fusion",
                "query.nearest",
                "query.nearest_with_mmr",
                "query.order_by",
                "query.recommend",
                "query.rrf",
                "query.sample",
                "read_consistency",
                "read_consistency.factor",
                "read_consistency.type",
                "score_threshold",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "using",
                "with_payload",
                "with_payload.enable",
                "with_payload.exclude",
                "with_payload.include",
                "with_vectors",
                "with_vectors.enable",
                "with_vectors.include",
            }
        ),
        frozenset(
            {
                "lookup_from.shard_key_selector",
                "params.idf",
                "query.relevance_feedback",
                "query.text",
            }
        ),
    ),
    "scroll": (
        frozenset(
            {
                "filter",
                "filter.min_should",
                "filter.must",
                "filter.must_not",
                "filter.should",
                "limit",
                "offset",
                "offset.num",
                "offset.uuid",
                "order_by",
                "order_by.direction",
                "order_by.key",
                "order_by.start_from",
                "read_consistency",
                "read_consistency.factor",
                "read_consistency.type",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "with_payload",
                "with_payload.enable",
                "with_payload.exclude",
                "with_payload.include",
                "with_vectors",
                "with_vectors.enable",
                "with_vectors.include",
            }
        ),
        frozenset(),
    ),
    "create_snapshot": (frozenset(), frozenset()),
    "list_snapshots": (frozenset(), frozenset()),
    "health": (frozenset(), frozenset()),
    "set_payload": (
        frozenset(
            {
                "key",
                "ordering",
                "ordering.type",
                "payload",
                "points_selector",
                "points_selector.filter",
                "points_selector.points",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "wait",
            }
        ),
        frozenset(),
    ),
    "overwrite_payload": (
        frozenset(
            {
                "key",
                "ordering",
                "ordering.type",
                "payload",
                "points_selector",
                "points_selector.filter",
                "points_selector.points",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "wait",
            }
        ),
        frozenset(),
    ),
    "delete_payload": (
        frozenset(
            {
                "keys",
                "ordering",
                "ordering.type",
                "points_selector",
                "points_selector.filter",
                "points_selector.points",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "wait",
            }
        ),
        frozenset(),
    ),
    "clear_payload": (
        frozenset(
            {
                "ordering",
                "ordering.type",
                "points",
                "points.filter",
                "points.points",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "wait",
            }
        ),
        frozenset(),
    ),
    "update_vectors": (
        frozenset(
            {
                "ordering",
                "ordering.type",
                "points",
                "points.id",
                "points.vectors",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "update_filter",
                "update_filter.min_should",
                "update_filter.must",
                "update_filter.must_not",
                "update_filter.should",
                "wait",
            }
        ),
        frozenset(),
    ),
    "delete_vectors": (
        frozenset(
            {
                "ordering",
                "ordering.type",
                "points_selector",
                "points_selector.filter",
                "points_selector.points",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "vectors",
                "vectors.names",
                "wait",
            }
        ),
        frozenset(),
    ),
    "batch_update_points": (
        frozenset(
            {
                "operations",
                "operations.clear_payload",
                "operations.clear_payload_deprecated",
                "operations.delete_deprecated",
                "operations.delete_payload",
                "operations.delete_points",
                "operations.delete_vectors",
                "operations.overwrite_payload",
                "operations.set_payload",
                "operations.update_vectors",
                "operations.upsert",
                "ordering",
                "ordering.type",
                "timeout",
                "wait",
            }
        ),
        frozenset(),
    ),
    "create_payload_index": (
        frozenset(
            {
                "field_index_params",
                "field_index_params.bool_index_params",
                "field_index_params.datetime_index_params",
                "field_index_params.float_index_params",
                "field_index_params.geo_index_params",
                "field_index_params.integer_index_params",
                "field_index_params.keyword_index_params",
                "field_index_params.text_index_params",
                "field_index_params.uuid_index_params",
                "field_name",
                "field_type",
                "ordering",
                "ordering.type",
                "timeout",
                "wait",
            }
        ),
        frozenset(),
    ),
    "delete_payload_index": (
        frozenset({"field_name", "ordering", "ordering.type", "timeout", "wait"}),
        frozenset(),
    ),
    "query_batch_points": (
        frozenset(
            {
                "query_points",
                "query_points.collection_name",
                "query_points.filter",
                "query_points.limit",
                "query_points.lookup_from",
                "query_points.offset",
                "query_points.params",
                "query_points.prefetch",
                "query_points.query",
                "query_points.read_consistency",
                "query_points.score_threshold",
                "query_points.shard_key_selector",
                "query_points.using",
                "query_points.with_payload",
                "query_points.with_vectors",
                "read_consistency",
                "read_consistency.factor",
                "read_consistency.type",
                "timeout",
            }
        ),
        frozenset({"query_points.timeout"}),
    ),
    "query_points_groups": (
        frozenset(
            {
                "filter",
                "filter.min_should",
                "filter.must",
                "filter.must_not",
                "filter.should",
                "group_by",
                "group_size",
                "limit",
                "lookup_from",
                "lookup_from.collection_name",
                "lookup_from.vector_name",
                "params",
                "params.acorn",
                "params.exact",
                "params.hnsw_ef",
                "params.indexed_only",
                "params.quantization",
                "prefetch",
                "prefetch.filter",
                "prefetch.limit",
                "prefetch.lookup_from",
                "prefetch.params",
                "prefetch.prefetch",
                "prefetch.query",
                "prefetch.score_threshold",
                "prefetch.using",
                "query",
                "query.context",
                "query.discover",
                "query.formula",
                "query.fusion",
                "query.nearest",
                "query.nearest_with_mmr",
                "query.order_by",
                "query.recommend",
                "query.rrf",
                "query.sample",
                "read_consistency",
                "read_consistency.factor",
                "read_consistency.type",
                "score_threshold",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "using",
                "with_lookup",
                "with_lookup.collection",
                "with_lookup.with_payload",
                "with_lookup.with_vectors",
                "with_payload",
                "with_payload.enable",
                "with_payload.exclude",
                "with_payload.include",
                "with_vectors",
                "with_vectors.enable",
                "with_vectors.include",
            }
        ),
        frozenset(
            {
                "lookup_from.shard_key_selector",
                "params.idf",
                "query.relevance_feedback",
                "query.text",
            }
        ),
    ),
    "facet": (
        frozenset(
            {
                "exact",
                "filter",
                "filter.min_should",
                "filter.must",
                "filter.must_not",
                "filter.should",
                "key",
                "limit",
                "read_consistency",
                "read_consistency.factor",
                "read_consistency.type",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
            }
        ),
        frozenset(),
    ),
    "search_matrix_pairs": (
        frozenset(
            {
                "filter",
                "filter.min_should",
                "filter.must",
                "filter.must_not",
                "filter.should",
                "limit",
                "read_consistency",
                "read_consistency.factor",
                "read_consistency.type",
                "sample",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "using",
            }
        ),
        frozenset(),
    ),
    "search_matrix_offsets": (
        frozenset(
            {
                "filter",
                "filter.min_should",
                "filter.must",
                "filter.must_not",
                "filter.should",
                "limit",
                "read_consistency",
                "read_consistency.factor",
                "read_consistency.type",
                "sample",
                "shard_key_selector",
                "shard_key_selector.fallback",
                "shard_key_selector.shard_keys",
                "timeout",
                "using",
            }
        ),
        frozenset(),
    ),
    "update_collection": (
        frozenset(
            {
                "hnsw_config",
                "hnsw_config.ef_construct",
                "hnsw_config.full_scan_threshold",
                "hnsw_config.inline_storage",
                "hnsw_config.m",
                "hnsw_config.max_indexing_threads",
                "hnsw_config.memory",
                "hnsw_config.on_disk",
                "hnsw_config.payload_m",
                "metadata",
                "optimizers_config",
                "optimizers_config.default_segment_number",
                "optimizers_config.deleted_threshold",
                "optimizers_config.deprecated_max_optimization_threads",
                "optimizers_config.flush_interval_sec",
                "optimizers_config.indexing_threshold",
                "optimizers_config.max_optimization_threads",
                "optimizers_config.max_segment_size",
                "optimizers_config.memmap_threshold",
                "optimizers_config.prevent_unoptimized",
                "optimizers_config.vacuum_min_vector_number",
                "params",
                "params.id_tracker",
                "params.on_disk_payload",
                "params.payload",
                "params.read_fan_out_delay_ms",
                "params.read_fan_out_factor",
                "params.replication_factor",
                "params.write_consistency_factor",
                "quantization_config",
                "quantization_config.binary",
                "quantization_config.disabled",
                "quantization_config.product",
                "quantization_config.scalar",
                "quantization_config.turboquant",
                "sparse_vectors_config",
                "sparse_vectors_config.map",
                "strict_mode_config",
                "strict_mode_config.condition_max_size",
                "strict_mode_config.enabled",
                "strict_mode_config.filter_max_conditions",
                "strict_mode_config.max_collection_payload_size_bytes",
                "strict_mode_config.max_collection_vector_size_bytes",
                "strict_mode_config.max_payload_index_count",
                "strict_mode_config.max_points_count",
                "strict_mode_config.max_query_limit",
                "strict_mode_config.max_resident_memory_percent",
                "strict_mode_config.max_timeout",
                "strict_mode_config.multivector_config",
                "strict_mode_config.read_rate_limit",
                "strict_mode_config.search_allow_exact",
                "strict_mode_config.search_max_batchsize",
                "strict_mode_config.search_max_hnsw_ef",
                "strict_mode_config.search_max_oversampling",
                "strict_mode_config.sparse_config",
                "strict_mode_config.unindexed_filtering_retrieve",
                "strict_mode_config.unindexed_filtering_update",
                "strict_mode_config.upsert_max_batchsize",
                "strict_mode_config.write_rate_limit",
                "timeout",
                "vectors_config",
                "vectors_config.params",
                "vectors_config.params_map",
            }
        ),
        frozenset(),
    ),
    "update_collection_aliases": (
        frozenset(
            {
                "actions",
                "actions.create_alias",
                "actions.delete_alias",
                "actions.rename_alias",
                "timeout",
            }
        ),
        frozenset(),
    ),
    "get_aliases": (frozenset(), frozenset()),
    "get_collection_aliases": (frozenset(), frozenset()),
    "collection_cluster_info": (frozenset(), frozenset()),
    "delete_snapshot": (frozenset({"snapshot_name"}), frozenset()),
    "create_full_snapshot": (frozenset(), frozenset()),
    "list_full_snapshots": (frozenset(), frozenset()),
    "delete_full_snapshot": (frozenset({"snapshot_name"}), frozenset()),
    # custom sharding: converted both ways, then refused by name (or null) by the engine
    "create_shard_key": (
        frozenset(
            {
                "request",
                "request.initial_state",
                "request.placement",
                "request.replication_factor",
                "request.shard_key",
                "request.shards_number",
                "timeout",
            }
        ),
        frozenset(),
    ),
    "delete_shard_key": (frozenset({"request", "request.shard_key", "timeout"}), frozenset()),
    "list_shard_keys": (frozenset(), frozenset()),
}


def _spec_names() -> list[str]:
    return [op.name for op in ops.ALL if op.grpc is not None and op.grpc.request is not None]


# ---------------------------------------------------------------- building the probes


def _scalar(field: FieldDescriptor) -> Any:
    """A non-default value for a scalar field."""
    if field.name == "collection_name":
        return COLLECTION
    cpp = field.cpp_type
    if cpp == FieldDescriptor.CPPTYPE_ENUM:
        values = [v.number for v in field.enum_type.values if v.number != 0]
        return values[0] if values else 0
    if cpp == FieldDescriptor.CPPTYPE_BOOL:
        return True
    if cpp in (FieldDescriptor.CPPTYPE_FLOAT, FieldDescriptor.CPPTYPE_DOUBLE):
        return 0.5
    if cpp == FieldDescriptor.CPPTYPE_STRING:
        return b"x" if field.type == FieldDescriptor.TYPE_BYTES else "x"
    return 1  # every integer type


def _one_point(selector: Any) -> None:
    selector.points.ids.add().num = 1


def _one_condition(condition: Any) -> None:
    condition.field.key = "k"
    condition.field.match.keyword = "x"


SAMPLES: dict[str, Callable[[Any], None]] = {
    "PointsSelector": _one_point,
    "Condition": _one_condition,
}
"""Message types that are invalid when empty, made minimal but valid, so that a probe of one
field is not answered by a complaint about another."""
REQUIRED = frozenset(("PointsSelector",))
"""Message types a request needs set: the probes of its other fields carry one."""


def _is_map(field: FieldDescriptor) -> bool:
    message = field.message_type
    return message is not None and message.GetOptions().map_entry


def _set(message: Message, field: FieldDescriptor, inner: FieldDescriptor | None = None) -> None:
    """Set ``field`` on ``message`` to a non-default value; with ``inner``, a message field
    (or one element of a repeated one) holding just ``inner`` set."""
    if _is_map(field):
        entries = getattr(message, field.name)
        key = _scalar(field.message_type.fields_by_name["key"])
        value_field = field.message_type.fields_by_name["value"]
        if value_field.message_type is not None:
            target = entries[key]
            first = value_field.message_type.fields[0]
            _set(target, first)
        else:
            entries[key] = _scalar(value_field)
        return
    if field.message_type is not None:
        holder = getattr(message, field.name)
        target = holder.add() if field.is_repeated else holder
        target.SetInParent()
        if inner is not None:
            _set(target, inner)
        elif field.message_type.name in SAMPLES:
            SAMPLES[field.message_type.name](target)
        return
    if field.is_repeated:
        getattr(message, field.name).append(_scalar(field))
    else:
        setattr(message, field.name, _scalar(field))


def _base(request: type[Message], probed: str) -> Message:
    message = request()
    for field in request.DESCRIPTOR.fields:
        if field.name == "collection_name":
            message.collection_name = COLLECTION  # type: ignore[attr-defined]
        elif (
            field.name != probed
            and field.message_type is not None
            and field.message_type.name in REQUIRED
            and not field.is_repeated
        ):
            SAMPLES[field.message_type.name](getattr(message, field.name))
    return message


def probes(request: type[Message]) -> Iterator[tuple[str, Message]]:
    """``(path, request)`` for every field, and one level into every message field."""
    descriptor: Descriptor = request.DESCRIPTOR
    for field in descriptor.fields:
        if field.name == "collection_name":
            continue  # every call carries it; the others are sent with it set
        message = _base(request, field.name)
        _set(message, field)
        yield field.name, message
        if field.message_type is None or _is_map(field):
            continue
        for inner in field.message_type.fields:
            message = _base(request, field.name)
            _set(message, field, inner)
            yield f"{field.name}.{inner.name}", message


# ---------------------------------------------------------------- asking the server


def _refused_at(details: str) -> str | None:
    """The field a refusal names, or None when the answer is not a refusal."""
    where, _, problem = details.partition(": ")
    if "is not supported" not in problem and "does not know" not in problem:
        return None
    parts = [part.split("[", 1)[0] for part in where.split(".")]
    return ".".join(parts)


async def classify(server: Any, op: Operation[Any]) -> tuple[set[str], set[str]]:
    """(honoured, refused) paths of ``op``'s request, as the server answers them."""
    assert op.grpc is not None and op.grpc.request is not None and op.grpc_method is not None
    honoured: set[str] = set()
    refused: set[str] = set()
    metadata = (("api-key", API_KEY),)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        method = channel.unary_unary(op.grpc_method, request_serializer=_serialize)
        for path, message in probes(op.grpc.request):
            try:
                await method(message, metadata=metadata, timeout=30)
            except grpc.aio.AioRpcError as exc:
                named = None
                if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
                    named = _refused_at(exc.details() or "")
                if named is not None:
                    top = path.split(".", 1)[0]
                    # A refusal of the parent as a whole is the parent's; of this field, its.
                    refused.add(top if named == top else path)
                    continue
            honoured.add(path)
    honoured -= refused
    return honoured, refused


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


def _literal(paths: set[str]) -> str:
    return "frozenset({" + ", ".join(repr(p) for p in sorted(paths)) + "})"


async def test_every_received_field_is_honoured_or_refused(server_factory: Any) -> None:
    srv = await server_factory(api_key=API_KEY)
    missing: list[str] = []
    wrong: list[str] = []
    for name in _spec_names():
        op = ops.by_name(name)
        honoured, refused = await classify(srv, op)
        if name not in EXPECTED:
            missing.append(f"    {name!r}: ({_literal(honoured)}, {_literal(refused)}),")
            continue
        want_honoured, want_refused = EXPECTED[name]
        if honoured != want_honoured or refused != want_refused:
            lines = [f"{name}:"]
            for label, got, want in (
                ("honoured", honoured, want_honoured),
                ("refused", refused, want_refused),
            ):
                if got - want:
                    lines.append(f"  now {label}, not pinned: {sorted(got - want)}")
                if want - got:
                    lines.append(f"  pinned {label}, no longer: {sorted(want - got)}")
            lines.append(f"  pin: {name!r}: ({_literal(honoured)}, {_literal(refused)}),")
            wrong.append("\n".join(lines))
    message = []
    if missing:
        message.append(
            "operations whose gRPC request fields are not pinned yet; after checking that the "
            "honoured ones really take effect, add to EXPECTED in "
            "tests/embedded/test_embedded_grpc_fields.py:\n" + "\n".join(missing)
        )
    if wrong:
        message.append(
            "the server's answer to these fields changed; if on purpose, update EXPECTED:\n"
            + "\n".join(wrong)
        )
    assert not message, "\n\n".join(message)


# ---------------------------------------------------------------- "honoured" means it works


@pytest.fixture
async def judge(server: Any) -> AsyncIterator[tuple[AsyncQdrantClient, str]]:
    """qdrant-client over gRPC, and a collection of five points (``n`` = id, ``tag``)."""
    client = AsyncQdrantClient(
        host="127.0.0.1",
        port=server.port,
        grpc_port=server.grpc_port,
        prefer_grpc=True,
        api_key=API_KEY,
        https=False,
        check_compatibility=False,
    )
    name = f"fields_{uuid.uuid4().hex[:8]}"
    await client.create_collection(
        name, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
    )
    await client.upsert(
        name,
        [
            models.PointStruct(id=i, vector=[1.0, float(i)], payload={"n": i, "tag": "old"})
            for i in range(1, 6)
        ],
    )
    yield client, name
    await client.delete_collection(name)
    await client.close()


INSECURE_KEY = "ignore:Api key is used with an insecure connection"


@pytest.mark.filterwarnings(INSECURE_KEY)
async def test_upsert_update_filter_and_update_mode_take_effect(
    judge: tuple[AsyncQdrantClient, str],
) -> None:
    client, name = judge
    below_three = models.Filter(must=[models.FieldCondition(key="n", range=models.Range(lt=3))])
    await client.upsert(
        name,
        [
            models.PointStruct(id=i, vector=[1.0, 0.0], payload={"n": i, "tag": "new"})
            for i in (1, 4)
        ],
        update_filter=below_three,  # point 1 matches (n < 3) and is updated; point 4 is not
    )
    got = {p.id: p.payload["tag"] for p in await client.retrieve(name, [1, 4])}
    assert got == {1: "new", 4: "old"}
    await client.upsert(
        name,
        [
            models.PointStruct(id=i, vector=[1.0, 0.0], payload={"n": i, "tag": "ins"})
            for i in (5, 9)
        ],
        update_mode=models.UpdateMode.INSERT_ONLY,  # 5 exists and stays; 9 is new
    )
    got = {p.id: p.payload["tag"] for p in await client.retrieve(name, [5, 9])}
    assert got == {5: "old", 9: "ins"}


@pytest.mark.filterwarnings(INSECURE_KEY)
async def test_scroll_order_by_and_query_prefetch_take_effect(
    judge: tuple[AsyncQdrantClient, str],
) -> None:
    client, name = judge
    await client.create_payload_index(name, "n", models.PayloadSchemaType.INTEGER, wait=True)
    records, _ = await client.scroll(
        name, limit=3, order_by=models.OrderBy(key="n", direction=models.Direction.DESC)
    )
    assert [r.id for r in records] == [5, 4, 3]
    hits = await client.query_points(
        name,
        prefetch=models.Prefetch(query=[1.0, 0.0], limit=2),  # any two; then re-scored
        query=[0.0, 1.0],
        limit=5,
    )
    assert len(hits.points) == 2
