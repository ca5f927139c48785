"""One collection: a ``qdrant_edge.EdgeShard`` behind Qdrant's REST request shapes.

Each method takes a REST request body (already decoded JSON) and returns the
REST ``result`` value, or raises ``EngineError``.  Calls are synchronous and may
block for milliseconds (a 1,000-point upsert, a filtered query), so the engine
runs them on worker threads; updates are serialized per collection by
``write_lock`` so that operation ids and the order of writes agree.

On disk a collection is a directory::

    collection.json   the stored REST ``config`` (written last: its presence marks a
                      complete collection)
    operation_id      the next operation id, so ids keep increasing across restarts
    shard/            the EdgeShard (segments + write-ahead log)

Durability: every update goes through the shard's write-ahead log before the
call returns, and the log lives in memory-mapped files that survive the death
of the process (``kill -9``), so an acknowledged write is recovered on the next
load without an fsync per request.  ``flush()`` (run periodically and at
shutdown) persists segments so that recovery has less log to replay.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import orjson
import qdrant_edge as qe

from qdpool.embedded import config as cfg
from qdpool.embedded import grouping, indexes, matrix, queries, updates
from qdpool.embedded.convert import (
    PointId,
    parse_bool,
    parse_object,
    parse_point_id,
    parse_point_ids,
    parse_uint,
    parse_with_payload,
    parse_with_vector,
    point_id_out,
    reject_unknown_fields,
    rejects_malformed,
)
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.embedded.filters import parse_filter
from qdpool.embedded.queries import parse_order_by
from qdpool.embedded.vectors import VectorSchema, vector_out

CONFIG_FILE = "collection.json"
COUNTER_FILE = "operation_id"
SHARD_DIR = "shard"

Resolve = Callable[[str], "Collection"]
"""Looks a collection up by name (``lookup_from``, ``with_lookup``); raises 404 if missing."""

_RETRIEVE_FIELDS = frozenset(("ids", "with_payload", "with_vector", "with_vectors", "shard_key"))
_COUNT_FIELDS = frozenset(("filter", "exact", "shard_key"))
_SCROLL_FIELDS = frozenset(
    (
        "offset",
        "limit",
        "filter",
        "with_payload",
        "with_vector",
        "with_vectors",
        "order_by",
        "shard_key",
    )
)


class Collection:
    """A collection's shard, stored config and operation counter.

    Build it with ``create`` or ``load``; the engine owns its lifecycle.
    """

    def __init__(
        self,
        name: str,
        directory: Path,
        config: dict[str, Any],
        created_at: str | None,
        shard: qe.EdgeShard,
    ) -> None:
        self.name = name
        self.directory = directory
        self.config = config
        self.created_at = created_at
        self.write_lock = threading.Lock()
        self._shard = shard
        self._closed = False
        # A freshly loaded shard may hold writes replayed from its log: flush once.
        self._dirty = True
        self._counter_fd = os.open(directory / COUNTER_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        raw = os.pread(self._counter_fd, 32, 0).strip()
        self._next_op = int(raw) if raw else 0

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    def create(
        cls, name: str, directory: Path, config: dict[str, Any], search_threads: int | None
    ) -> Collection:
        """Create the shard, then write ``collection.json`` atomically as the commit mark."""
        directory.mkdir(parents=True)
        shard = qe.EdgeShard.create(
            str(directory / SHARD_DIR), cfg.edge_config(config, search_threads)
        )
        created_at = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        meta = {"name": name, "created_at": created_at, "config": config}
        tmp = directory / (CONFIG_FILE + ".tmp")
        with open(tmp, "wb") as f:
            f.write(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, directory / CONFIG_FILE)
        _fsync_dir(directory)
        return cls(name, directory, config, created_at, shard)

    @classmethod
    def load(cls, directory: Path, search_threads: int | None) -> Collection:
        """Open a collection written by ``create`` (replaying its write-ahead log)."""
        meta = orjson.loads((directory / CONFIG_FILE).read_bytes())
        config = meta["config"]
        shard = qe.EdgeShard.load(
            str(directory / SHARD_DIR), cfg.edge_config(config, search_threads)
        )
        return cls(meta["name"], directory, config, meta.get("created_at"), shard)

    def flush(self) -> None:
        """Persist segments (the write-ahead log already holds every acknowledged write)."""
        with self.write_lock:
            if not self._closed:
                self.flush_locked()

    def flush_locked(self) -> None:
        """``flush`` for a caller that already holds ``write_lock`` (snapshots)."""
        self._check_open()
        if self._dirty:
            self._call(self._shard.flush)
            self._dirty = False

    def close(self) -> None:
        """Flush and release the shard; later calls answer "collection doesn't exist"."""
        with self.write_lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._shard.flush()
            finally:
                self._shard.close()
                os.close(self._counter_fd)

    # -- writes ----------------------------------------------------------------------

    @property
    def schema(self) -> VectorSchema:
        """The collection's vector names, read from its current config (cached per config)."""
        cached = self.__dict__.get("_schema")
        if cached is None or cached[0] is not self.config:
            cached = (self.config, VectorSchema.from_config(self.config))
            self.__dict__["_schema"] = cached
        schema: VectorSchema = cached[1]
        return schema

    @rejects_malformed
    def upsert(self, body: Any, wait: bool) -> dict[str, Any]:
        """``PUT /collections/{c}/points``: the ``points`` list form or the ``batch`` form."""
        return self._apply_all([updates.upsert(body, self.schema)], wait)[0]

    @rejects_malformed
    def delete_points(self, body: Any, wait: bool) -> dict[str, Any]:
        """``POST /collections/{c}/points/delete``: by ids or by filter."""
        return self._apply_all([updates.delete_points(body)], wait)[0]

    @rejects_malformed
    def set_payload(self, body: Any, wait: bool) -> dict[str, Any]:
        """``POST /collections/{c}/points/payload``: merge keys (at ``key``, if given)."""
        return self._apply_all([updates.set_payload(body, overwrite=False)], wait)[0]

    @rejects_malformed
    def overwrite_payload(self, body: Any, wait: bool) -> dict[str, Any]:
        """``PUT /collections/{c}/points/payload``: replace the whole payload."""
        return self._apply_all([updates.set_payload(body, overwrite=True)], wait)[0]

    @rejects_malformed
    def delete_payload(self, body: Any, wait: bool) -> dict[str, Any]:
        """``POST /collections/{c}/points/payload/delete``."""
        return self._apply_all([updates.delete_payload(body)], wait)[0]

    @rejects_malformed
    def clear_payload(self, body: Any, wait: bool) -> dict[str, Any]:
        """``POST /collections/{c}/points/payload/clear``."""
        return self._apply_all([updates.clear_payload(body)], wait)[0]

    @rejects_malformed
    def update_vectors(self, body: Any, wait: bool) -> dict[str, Any]:
        """``PUT /collections/{c}/points/vectors``."""
        return self._apply_all([updates.update_vectors(body, self.schema)], wait)[0]

    @rejects_malformed
    def delete_vectors(self, body: Any, wait: bool) -> dict[str, Any]:
        """``POST /collections/{c}/points/vectors/delete``."""
        return self._apply_all([updates.delete_vectors(body, self.schema)], wait)[0]

    @rejects_malformed
    def batch_update(self, body: Any, wait: bool) -> list[dict[str, Any]]:
        """``POST /collections/{c}/points/batch``: every operation parsed and checked first."""
        return self._apply_all(updates.batch(body, self.schema), wait)

    @rejects_malformed
    def create_index(self, body: Any, wait: bool) -> dict[str, Any]:
        """``PUT /collections/{c}/index``: build a payload index in the engine."""
        field_name, schema = indexes.parse_create(body)
        operation = qe.UpdateOperation.create_field_index(field_name, schema)
        return self._apply_all([updates.Planned(operation)], wait)[0]

    @rejects_malformed
    def delete_index(self, field_name: str, wait: bool) -> dict[str, Any]:
        """``DELETE /collections/{c}/index/{field_name}``."""
        operation = qe.UpdateOperation.delete_field_index(field_name)
        return self._apply_all([updates.Planned(operation)], wait)[0]

    def _apply_all(self, planned: list[updates.Planned], wait: bool) -> list[dict[str, Any]]:
        """Apply checked writes in order, each with the next operation id.

        Every write was parsed (vectors, ids, payloads) before this is called; the
        ids the writes need are checked here, under the lock, before the first is
        applied, so a refused request writes nothing.
        """
        results = []
        with self.write_lock:
            self._check_open()
            updates.check_existence(planned, self._existing)
            for item in planned:
                op_id = self._next_op
                self._next_op += 1
                os.pwrite(self._counter_fd, b"%020d" % self._next_op, 0)
                self._call(self._shard.update, item.operation)
                self._dirty = True
                status = "completed" if wait else "acknowledged"
                results.append({"operation_id": op_id, "status": status})
        return results

    def _existing(self, ids: list[PointId]) -> set[PointId]:
        records = self._call(self._shard.retrieve, ids, False, False)
        return {point_id_out(r.id) for r in records}

    # -- reads -----------------------------------------------------------------------

    @rejects_malformed
    def retrieve(self, body: Any) -> list[dict[str, Any]]:
        """``POST /collections/{c}/points``: points by id; missing ids are left out."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, _RETRIEVE_FIELDS, "")
        updates.reject_shard_key(body, read=True)
        if "ids" not in body:
            raise EngineError.format("missing field `ids`")
        ids = parse_point_ids(body["ids"], "ids")
        with_payload = parse_with_payload(body.get("with_payload"), default=True)
        with_vector = parse_with_vector(_with_vector_field(body), default=False)
        records = self._call(self._shard.retrieve, ids, with_payload, with_vector)
        return [_record(r, with_payload is not False, with_vector is not False) for r in records]

    @rejects_malformed
    def get_point(self, raw_id: str) -> dict[str, Any]:
        """``GET /collections/{c}/points/{id}``: one point with payload and vectors, or 404."""
        point_id = parse_point_id(int(raw_id) if raw_id.isdigit() else raw_id)
        records = self._call(self._shard.retrieve, [point_id], True, True)
        if not records:
            raise updates.point_not_found(point_id)
        return _record(records[0], True, True)

    def vectors_of(self, ids: list[PointId], name: str) -> dict[PointId, Any]:
        """The vector ``name`` of each of ``ids`` that exists (queries by example)."""
        self.schema.check_name(name)
        records = self._call(self._shard.retrieve, ids, False, [name])
        found: dict[PointId, Any] = {}
        for record in records:
            vector = record.vector
            if isinstance(vector, dict):
                vector = vector.get(name)
            if vector is None:
                raise EngineError.wrong_input(
                    f"Vector `{name}` of point {point_id_out(record.id)} not found"
                )
            found[point_id_out(record.id)] = vector
        return found

    @rejects_malformed
    def count(self, body: Any) -> dict[str, Any]:
        """``POST /collections/{c}/points/count``."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, _COUNT_FIELDS, "")
        updates.reject_shard_key(body, read=True)
        exact = parse_bool(body.get("exact"), "exact", default=True)
        request = qe.CountRequest(exact=exact, filter=parse_filter(body.get("filter")))
        return {"count": self._call(self._shard.count, request)}

    @rejects_malformed
    def scroll(self, body: Any) -> dict[str, Any]:
        """``POST /collections/{c}/points/scroll``: by id, or by a payload key (``order_by``)."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, _SCROLL_FIELDS, "")
        updates.reject_shard_key(body, read=True)
        offset = body.get("offset")
        order_by = body.get("order_by")
        if order_by is not None and offset is not None:
            raise EngineError.wrong_input(
                "Cannot use an `offset` when using `order_by`. The alternative for paging is "
                "to use `order_by.start_from` and a filter to exclude the IDs that you've "
                "already seen for the `order_by.start_from` value"
            )
        with_payload = parse_with_payload(body.get("with_payload"), default=True)
        with_vector = parse_with_vector(_with_vector_field(body), default=False)
        request = qe.ScrollRequest(
            offset=parse_point_id(offset) if offset is not None else None,
            limit=parse_uint(body.get("limit"), "limit", default=10, minimum=1),
            filter=parse_filter(body.get("filter")),
            with_payload=with_payload,
            with_vector=with_vector,
            order_by=parse_order_by(order_by, "order_by") if order_by is not None else None,
        )
        records, next_offset = self._call(self._shard.scroll, request)
        points = [_record(r, with_payload is not False, with_vector is not False) for r in records]
        if order_by is not None:
            for point, record in zip(points, records, strict=True):
                point["order_value"] = record.order_value
            next_offset = None  # Qdrant pages an ordered scroll with start_from, not an offset
        return {
            "points": points,
            "next_page_offset": point_id_out(next_offset) if next_offset is not None else None,
        }

    @rejects_malformed
    def query(self, body: Any, resolve: Resolve) -> dict[str, Any]:
        """``POST /collections/{c}/points/query``: the universal query (see ``queries``)."""
        converted = queries.convert_request(body, self._query_context(resolve))
        points = self._call(self._shard.query, converted.request)
        return {"points": [queries.scored_out(p) for p in points]}

    @rejects_malformed
    def query_batch(self, body: Any, resolve: Resolve) -> list[dict[str, Any]]:
        """``POST /collections/{c}/points/query/batch``: ``{"searches": [query, ...]}``."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, frozenset(("searches",)), "")
        searches = body.get("searches")
        if not isinstance(searches, list):
            raise EngineError.format("missing field `searches`")
        ctx = self._query_context(resolve)
        requests = []
        for i, search in enumerate(searches):
            try:
                requests.append(queries.convert_request(search, ctx).request)
            except EngineError as exc:
                raise _located(exc, f"searches[{i}]") from None
        if not requests:
            return []
        results = self._call(self._shard.query_batch, qe.QueryBatchRequest(requests))
        return [{"points": [queries.scored_out(p) for p in points]} for points in results]

    @rejects_malformed
    def query_groups(self, body: Any, resolve: Resolve) -> dict[str, Any]:
        """``POST /collections/{c}/points/query/groups`` (grouped in front of the engine)."""

        def lookup_retrieve(name: str) -> grouping.Retrieve:
            return resolve(name).retrieve_records

        return grouping.query_groups(
            body,
            self._query_context(resolve),
            lambda request: self._call(self._shard.query, request),
            self.retrieve_records,
            lookup_retrieve,
        )

    def retrieve_records(
        self, ids: list[PointId], with_payload: Any, with_vector: Any
    ) -> list[qe.Record]:
        """Engine records by id (groups fetch their hits' payloads and lookups with this)."""
        return cast(
            "list[qe.Record]", self._call(self._shard.retrieve, ids, with_payload, with_vector)
        )

    @rejects_malformed
    def facet(self, body: Any) -> dict[str, Any]:
        """``POST /collections/{c}/facet``: value counts of an indexed payload key."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, frozenset(("key", "limit", "filter", "exact", "shard_key")), "")
        updates.reject_shard_key(body, read=True)
        key = body.get("key")
        if not isinstance(key, str):
            raise EngineError.format("missing field `key`")
        request = qe.FacetRequest(
            key,
            limit=parse_uint(body.get("limit"), "limit", default=10, minimum=1) or 10,
            exact=parse_bool(body.get("exact"), "exact", default=False),
            filter=parse_filter(body.get("filter")),
        )
        response = self._call(self._shard.facet, request)
        return {"hits": [{"value": _facet_value(h.value), "count": h.count} for h in response.hits]}

    @rejects_malformed
    def matrix_pairs(self, body: Any) -> dict[str, Any]:
        """``POST /collections/{c}/points/search/matrix/pairs``."""
        return matrix.pairs_out(*self._matrix(body))

    @rejects_malformed
    def matrix_offsets(self, body: Any) -> dict[str, Any]:
        """``POST /collections/{c}/points/search/matrix/offsets``."""
        return matrix.offsets_out(*self._matrix(body))

    def _matrix(self, body: Any) -> tuple[list[PointId], list[list[qe.ScoredPoint]]]:
        return matrix.matrix(
            body,
            self.schema,
            lambda request: self._call(self._shard.query, request),
            lambda requests: self._call(self._shard.query_batch, qe.QueryBatchRequest(requests)),
        )

    def _query_context(self, resolve: Resolve) -> queries.QueryContext:
        return queries.QueryContext(self.schema, self, resolve)

    def info(self) -> dict[str, Any]:
        """``GET /collections/{c}``: Qdrant's collection info for a single green shard."""
        info = self._call(self._shard.info)
        schema = {key: indexes.schema_out(index) for key, index in info.payload_schema.items()}
        result: dict[str, Any] = {
            "status": "green",
            "optimizer_status": "ok",
            "indexed_vectors_count": info.indexed_vectors_count,
            "points_count": info.points_count,
            "segments_count": info.segments_count,
            "config": self.config,
            "payload_schema": schema,
        }
        if self.created_at:
            result["created_at"] = self.created_at
        return result

    # -- plumbing --------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise EngineError.collection_not_found(self.name)

    def _call(self, fn: Any, *args: Any) -> Any:
        """Call the shard, translating its exceptions into Qdrant's errors."""
        self._check_open()
        try:
            return fn(*args)
        except TypeError as exc:
            # pyo3 could not convert a value (e.g. a string inside a vector).
            raise EngineError.format(str(exc).splitlines()[0]) from None
        except Exception as exc:
            if self._closed:
                raise EngineError.collection_not_found(self.name) from None
            raise edge_error(exc) from None


def edge_error(exc: Exception) -> EngineError:
    """Classify a qdrant_edge exception the way Qdrant classifies the same failure."""
    message = str(exc)
    if message.startswith("Service runtime error") or message.startswith("Service internal"):
        return EngineError.internal(message)
    if message.startswith("Wrong input: "):
        return EngineError(ErrorKind.BAD_REQUEST, message)
    if message.startswith("No point with id "):
        return EngineError(ErrorKind.NOT_FOUND, f"Not found: {message} found")
    if message.startswith("Validation failed: "):
        return EngineError(ErrorKind.VALIDATION, f"Validation error in JSON body: [{message}]")
    return EngineError.wrong_input(message)


def _with_vector_field(body: dict[str, Any]) -> Any:
    """REST names it ``with_vector``; Qdrant also accepts the plural alias."""
    value = body.get("with_vector")
    return body.get("with_vectors") if value is None else value


def _record(record: qe.Record, with_payload: bool, with_vector: bool) -> dict[str, Any]:
    return {
        "id": point_id_out(record.id),
        "payload": record.payload if with_payload else None,
        "vector": vector_out(record.vector) if with_vector else None,
    }


def _facet_value(value: Any) -> Any:
    """Facet values as Qdrant writes them (UUIDs as strings)."""
    return value if isinstance(value, str | int | bool) else str(value)


def _located(exc: EngineError, where: str) -> EngineError:
    """Prefix a format error's detail with where in a batch request it was found."""
    prefix = "Format error in JSON body: "
    if exc.message.startswith(prefix):
        return EngineError(exc.kind, f"{prefix}{where}.{exc.message[len(prefix) :]}")
    return exc


def _fsync_dir(directory: Path) -> None:
    """Make a rename inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
