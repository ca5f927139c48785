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
from pathlib import Path
from typing import Any, cast

import orjson
import qdrant_edge as qe

from qdpool.embedded import config as cfg
from qdpool.embedded.convert import (
    PointId,
    parse_bool,
    parse_dense_vector,
    parse_float,
    parse_object,
    parse_point_id,
    parse_point_ids,
    parse_uint,
    parse_with_payload,
    parse_with_vector,
    point_id_out,
    reject_unknown_fields,
)
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.embedded.filters import parse_filter

CONFIG_FILE = "collection.json"
COUNTER_FILE = "operation_id"
SHARD_DIR = "shard"

_UPSERT_FIELDS = frozenset(("points", "batch", "shard_key", "update_filter", "update_mode"))
_DELETE_FIELDS = frozenset(("points", "filter", "shard_key"))
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
_QUERY_FIELDS = frozenset(
    (
        "query",
        "prefetch",
        "using",
        "filter",
        "params",
        "score_threshold",
        "limit",
        "offset",
        "with_vector",
        "with_vectors",
        "with_payload",
        "lookup_from",
        "shard_key",
    )
)
_UPDATE_MODES = {
    "upsert": qe.UpdateMode.Upsert,
    "insert_only": qe.UpdateMode.InsertOnly,
    "update_only": qe.UpdateMode.UpdateOnly,
}
_NON_NEAREST_QUERIES = frozenset(
    ("recommend", "discover", "context", "order_by", "fusion", "rrf", "formula", "sample", "mmr")
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

    def upsert(self, body: Any, wait: bool) -> dict[str, Any]:
        """``PUT /collections/{c}/points``: the ``points`` list form or the ``batch`` form."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, _UPSERT_FIELDS, "")
        if "points" in body and "batch" in body:
            raise EngineError.format("expected either `points` or `batch`, not both")
        if "points" in body:
            points = _points_from_list(body["points"])
        elif "batch" in body:
            points = _points_from_batch(body["batch"])
        else:
            raise EngineError.format(
                "data did not match any variant of untagged enum PointInsertOperations"
            )
        condition = parse_filter(body.get("update_filter"), "update_filter")
        mode_name = body.get("update_mode")
        if mode_name is not None and mode_name not in _UPDATE_MODES:
            raise EngineError.format(
                f"update_mode: unknown variant `{mode_name}`, "
                "expected one of `upsert`, `insert_only`, `update_only`"
            )
        mode = _UPDATE_MODES[mode_name] if mode_name else None
        operation = qe.UpdateOperation.upsert_points(points, condition, mode)
        return self._apply(operation, wait)

    def delete_points(self, body: Any, wait: bool) -> dict[str, Any]:
        """``POST /collections/{c}/points/delete``: by ids or by filter."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, _DELETE_FIELDS, "")
        if body.get("points") is not None:
            ids = cast("list[qe.PointId]", parse_point_ids(body["points"], "points"))
            operation = qe.UpdateOperation.delete_points(ids)
        elif body.get("filter") is not None:
            flt = parse_filter(body["filter"])
            assert flt is not None
            operation = qe.UpdateOperation.delete_points_by_filter(flt)
        else:
            raise EngineError.format(
                "data did not match any variant of untagged enum PointsSelector"
            )
        return self._apply(operation, wait)

    def _apply(self, operation: qe.UpdateOperation, wait: bool) -> dict[str, Any]:
        """Reserve the next operation id (persisted first, so ids never repeat), then apply."""
        with self.write_lock:
            self._check_open()
            op_id = self._next_op
            self._next_op += 1
            os.pwrite(self._counter_fd, b"%020d" % self._next_op, 0)
            self._call(self._shard.update, operation)
            self._dirty = True
        return {"operation_id": op_id, "status": "completed" if wait else "acknowledged"}

    # -- reads -----------------------------------------------------------------------

    def retrieve(self, body: Any) -> list[dict[str, Any]]:
        """``POST /collections/{c}/points``: points by id; missing ids are left out."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, _RETRIEVE_FIELDS, "")
        if "ids" not in body:
            raise EngineError.format("missing field `ids`")
        ids = parse_point_ids(body["ids"], "ids")
        with_payload = parse_with_payload(body.get("with_payload"), default=True)
        with_vector = parse_with_vector(_with_vector_field(body), default=False)
        records = self._call(self._shard.retrieve, ids, with_payload, with_vector)
        return [_record(r, with_payload is not False, with_vector is not False) for r in records]

    def count(self, body: Any) -> dict[str, Any]:
        """``POST /collections/{c}/points/count``."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, _COUNT_FIELDS, "")
        exact = parse_bool(body.get("exact"), "exact", default=True)
        request = qe.CountRequest(exact=exact, filter=parse_filter(body.get("filter")))
        return {"count": self._call(self._shard.count, request)}

    def scroll(self, body: Any) -> dict[str, Any]:
        """``POST /collections/{c}/points/scroll``: pages ordered by id, ``next_page_offset``."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, _SCROLL_FIELDS, "")
        offset = body.get("offset")
        with_payload = parse_with_payload(body.get("with_payload"), default=True)
        with_vector = parse_with_vector(_with_vector_field(body), default=False)
        request = qe.ScrollRequest(
            offset=parse_point_id(offset) if offset is not None else None,
            limit=parse_uint(body.get("limit"), "limit", default=10, minimum=1),
            filter=parse_filter(body.get("filter")),
            with_payload=with_payload,
            with_vector=with_vector,
            order_by=_order_by(body.get("order_by")),
        )
        records, next_offset = self._call(self._shard.scroll, request)
        return {
            "points": [
                _record(r, with_payload is not False, with_vector is not False) for r in records
            ],
            "next_page_offset": point_id_out(next_offset) if next_offset is not None else None,
        }

    def query(self, body: Any) -> dict[str, Any]:
        """``POST /collections/{c}/points/query``: nearest to a dense vector or to a point."""
        body = parse_object(body, "body")
        reject_unknown_fields(body, _QUERY_FIELDS, "")
        if body.get("prefetch"):
            raise EngineError.unsupported("prefetch")
        if body.get("lookup_from") is not None:
            raise EngineError.unsupported("lookup_from")
        using = body.get("using")
        if using is not None and not isinstance(using, str):
            raise EngineError.format("using: invalid type, expected a string")
        flt = parse_filter(body.get("filter"))
        query: qe.Query | None = None
        target = _query_target(body.get("query"))
        if isinstance(target, list):
            query = qe.Query.Nearest(target, using=using)
        elif target is not None:
            # A point id: search with that point's vector, and leave the point itself
            # out of the results as Qdrant does.
            query = qe.Query.Nearest(self._vector_of(target, using or ""), using=using)
            exclude = qe.Filter(must_not=[qe.HasIdCondition({target})])
            flt = exclude if flt is None else qe.Filter(must=[flt, exclude])
        with_payload = parse_with_payload(body.get("with_payload"), default=False)
        with_vector = parse_with_vector(_with_vector_field(body), default=False)
        request = qe.QueryRequest(
            limit=parse_uint(body.get("limit"), "limit", default=10, minimum=1) or 10,
            offset=parse_uint(body.get("offset"), "offset", default=None),
            query=query,
            with_vector=with_vector,
            with_payload=with_payload,
            filter=flt,
            score_threshold=parse_float(body.get("score_threshold"), "score_threshold"),
            params=_search_params(body.get("params")),
        )
        points = self._call(self._shard.query, request)
        return {"points": [_scored(p) for p in points]}

    def _vector_of(self, point_id: PointId, name: str) -> list[float]:
        records = self._call(self._shard.retrieve, [point_id], False, [name])
        if not records:
            raise EngineError(ErrorKind.NOT_FOUND, f"Not found: No point with id {point_id} found")
        vector = records[0].vector
        if isinstance(vector, dict):
            vector = vector.get(name)
        if not isinstance(vector, list):
            raise EngineError.wrong_input(f"Not existing vector name error: {name}")
        return vector

    def info(self) -> dict[str, Any]:
        """``GET /collections/{c}``: Qdrant's collection info for a single green shard."""
        info = self._call(self._shard.info)
        schema = {
            key: {"data_type": str(index.data_type.name).lower(), "points": index.points}
            for key, index in info.payload_schema.items()
        }
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
    return EngineError.wrong_input(message)


def _with_vector_field(body: dict[str, Any]) -> Any:
    """REST names it ``with_vector``; Qdrant also accepts the plural alias."""
    value = body.get("with_vector")
    return body.get("with_vectors") if value is None else value


def _points_from_list(raw: Any) -> list[qe.Point]:
    if not isinstance(raw, list):
        raise EngineError.format("points: invalid type, expected a sequence")
    points = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise EngineError.format(f"points[{i}]: invalid type, expected a map")
        if "id" not in item:
            raise EngineError.format(f"points[{i}]: missing field `id`")
        if "vector" not in item:
            raise EngineError.format(f"points[{i}]: missing field `vector`")
        payload = item.get("payload")
        if payload is not None and not isinstance(payload, dict):
            raise EngineError.format(f"points[{i}].payload: invalid type, expected a map")
        vector = _point_vector(item["vector"], f"points[{i}].vector")
        points.append(_point(parse_point_id(item["id"]), vector, payload, f"points[{i}]"))
    return points


def _points_from_batch(raw: Any) -> list[qe.Point]:
    batch = parse_object(raw, "batch")
    ids = parse_point_ids(batch.get("ids"), "batch.ids")
    vectors = batch.get("vectors")
    payloads = batch.get("payloads")
    if payloads is not None and (not isinstance(payloads, list) or len(payloads) != len(ids)):
        raise EngineError.wrong_input("number of ids and payloads must be equal")
    per_point: list[Any]
    if isinstance(vectors, list):
        per_point = vectors
    elif isinstance(vectors, dict):
        columns = {name: col for name, col in vectors.items()}
        if any(not isinstance(c, list) or len(c) != len(ids) for c in columns.values()):
            raise EngineError.wrong_input("number of ids and vectors must be equal")
        per_point = [{name: col[i] for name, col in columns.items()} for i in range(len(ids))]
    else:
        raise EngineError.format("batch.vectors: expected a list or a map of named lists")
    if len(per_point) != len(ids):
        raise EngineError.wrong_input("number of ids and vectors must be equal")
    points = []
    for i, point_id in enumerate(ids):
        payload = payloads[i] if payloads is not None else None
        if payload is not None and not isinstance(payload, dict):
            raise EngineError.format(f"batch.payloads[{i}]: invalid type, expected a map")
        vector = _point_vector(per_point[i], f"batch.vectors[{i}]")
        points.append(_point(point_id, vector, payload, f"batch[{i}]"))
    return points


def _point(point_id: PointId, vector: Any, payload: Any, path: str) -> qe.Point:
    """Build an engine point; its conversion is what checks the vector's elements."""
    try:
        return qe.Point(point_id, vector, payload)
    except (TypeError, ValueError, OverflowError) as exc:
        raise EngineError.format(_explain(vector, f"{path}.vector") or f"{path}: {exc}") from None


def _explain(vector: Any, path: str) -> str | None:
    """Name the first element the engine could not read as a number (only on the error path)."""
    if isinstance(vector, dict):
        for name, value in vector.items():
            found = _explain(value, f"{path}.{name}")
            if found:
                return found
        return None
    for i, x in enumerate(vector):
        if isinstance(x, bool) or not isinstance(x, int | float):
            return f"{path}[{i}]: invalid type: {type(x).__name__} {x!r}, expected f32"
    return None


def _point_vector(raw: Any, path: str) -> list[float] | dict[str, Any]:
    """A dense vector, or ``{name: dense vector}`` for named vectors."""
    if isinstance(raw, dict):
        return {name: parse_dense_vector(v, f"{path}.{name}") for name, v in raw.items()}
    return parse_dense_vector(raw, path)


def _query_target(raw: Any) -> list[float] | PointId | None:
    """The ``query`` field: a dense vector, a point id, or ``{"nearest": either}``."""
    if raw is None:
        return None
    if isinstance(raw, list):
        if raw and isinstance(raw[0], list):
            raise EngineError.unsupported("multivector queries")
        return parse_dense_vector(raw, "query")
    if isinstance(raw, int | str):
        return parse_point_id(raw)
    if isinstance(raw, dict):
        if "nearest" in raw:
            return _query_target(raw["nearest"])
        if "indices" in raw or "values" in raw:
            raise EngineError.unsupported("sparse vector queries")
        kinds = _NON_NEAREST_QUERIES.intersection(raw)
        if kinds:
            raise EngineError.unsupported(f"`{sorted(kinds)[0]}` queries")
    raise EngineError.format(
        "query: data did not match any variant of untagged enum QueryInterface"
    )


def _search_params(raw: Any) -> qe.SearchParams | None:
    """``params``: ``hnsw_ef``, ``exact`` and ``indexed_only`` are honoured; the rest are hints."""
    if raw is None:
        return None
    params = parse_object(raw, "params")
    return qe.SearchParams(
        hnsw_ef=parse_uint(params.get("hnsw_ef"), "params.hnsw_ef", default=None),
        exact=parse_bool(params.get("exact"), "params.exact", default=False),
        indexed_only=parse_bool(params.get("indexed_only"), "params.indexed_only", default=False),
    )


def _order_by(raw: Any) -> qe.OrderBy | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return qe.OrderBy(raw)
    spec = parse_object(raw, "order_by")
    key = spec.get("key")
    if not isinstance(key, str):
        raise EngineError.format("order_by: missing field `key`")
    direction = spec.get("direction")
    if direction not in (None, "asc", "desc"):
        raise EngineError.format(
            f"order_by.direction: unknown variant `{direction}`, expected `asc` or `desc`"
        )
    start = spec.get("start_from")
    return qe.OrderBy(
        key,
        direction=qe.Direction.Desc if direction == "desc" else qe.Direction.Asc,
        start_from=start,
    )


def _record(record: qe.Record, with_payload: bool, with_vector: bool) -> dict[str, Any]:
    return {
        "id": point_id_out(record.id),
        "payload": record.payload if with_payload else None,
        "vector": record.vector if with_vector else None,
    }


def _scored(point: qe.ScoredPoint) -> dict[str, Any]:
    return {
        "id": point_id_out(point.id),
        "version": point.version,
        "score": point.score,
        "payload": point.payload,
        "vector": point.vector,
    }


def _fsync_dir(directory: Path) -> None:
    """Make a rename inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
