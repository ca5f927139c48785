"""REST write requests → engine update operations, every one checked before any is applied.

Each parser takes a REST body (upsert, delete, vectors, payload, or one entry of
``POST .../points/batch``) and returns a ``Planned`` write: the engine operation
plus the point ids it needs to exist and the ids it creates or removes.  The
collection applies a list of them only after all parsed, and after checking
the ids they need against the shard (updated as if the earlier writes of the
same batch had been applied), because Qdrant Edge checks while applying: a
missing id or a bad vector found half-way would leave the first half written.
Qdrant validates the whole operation first and writes nothing; so do we.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import qdrant_edge as qe

from qdpool.embedded.convert import (
    PointId,
    parse_object,
    parse_point_id,
    parse_point_ids,
    reject_unknown_fields,
)
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.embedded.filters import parse_filter
from qdpool.embedded.vectors import VectorSchema

_UPDATE_MODES = {
    "upsert": qe.UpdateMode.Upsert,
    "insert_only": qe.UpdateMode.InsertOnly,
    "update_only": qe.UpdateMode.UpdateOnly,
}
_UPSERT_FIELDS = frozenset(("points", "batch", "shard_key", "update_filter", "update_mode"))
_DELETE_FIELDS = frozenset(("points", "filter", "shard_key"))
_SET_PAYLOAD_FIELDS = frozenset(("payload", "points", "filter", "key", "shard_key"))
_DELETE_PAYLOAD_FIELDS = frozenset(("keys", "points", "filter", "shard_key"))
_UPDATE_VECTORS_FIELDS = frozenset(("points", "update_filter", "shard_key"))
_DELETE_VECTORS_FIELDS = frozenset(("points", "filter", "vector", "shard_key"))


@dataclass
class Planned:
    """One engine write with what it needs and what it changes about which points exist."""

    operation: qe.UpdateOperation
    needs: list[PointId] = field(default_factory=list)
    creates: list[PointId] = field(default_factory=list)
    removes: list[PointId] = field(default_factory=list)


def upsert(body: Any, schema: VectorSchema) -> Planned:
    """``PUT .../points``: the ``points`` list or the ``batch`` columns."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, _UPSERT_FIELDS, "")
    reject_shard_key(body)
    if "points" in body and "batch" in body:
        raise EngineError.format("expected either `points` or `batch`, not both")
    if "points" in body:
        points = _points_from_list(body["points"], schema)
    elif "batch" in body:
        points = _points_from_batch(body["batch"], schema)
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
    ids = [cast("PointId", p.id) for p in points]
    return Planned(
        qe.UpdateOperation.upsert_points(points, condition, mode),
        creates=[] if mode_name == "update_only" else ids,
    )


def delete_points(body: Any) -> Planned:
    """``POST .../points/delete``: by ids or by filter."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, _DELETE_FIELDS, "")
    reject_shard_key(body)
    ids, flt = _selector(body)
    if ids is not None:
        return Planned(qe.UpdateOperation.delete_points(_engine_ids(ids)), removes=ids)
    return Planned(qe.UpdateOperation.delete_points_by_filter(flt))


def set_payload(body: Any, *, overwrite: bool) -> Planned:
    """``POST`` (set: merge) or ``PUT`` (overwrite: replace) ``.../points/payload``."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, _SET_PAYLOAD_FIELDS, "")
    reject_shard_key(body)
    if "payload" not in body:
        raise EngineError.format("missing field `payload`")
    payload = body["payload"]
    if not isinstance(payload, dict):
        raise EngineError.format("payload: invalid type, expected a map")
    key = body.get("key")
    if key is not None and not isinstance(key, str):
        raise EngineError.format("key: invalid type, expected a string")
    ids, flt = _selector(body)
    if ids is not None:
        make = qe.UpdateOperation.overwrite_payload if overwrite else qe.UpdateOperation.set_payload
        return Planned(_build(make, _engine_ids(ids), payload, key), needs=ids)
    by_filter = (
        qe.UpdateOperation.overwrite_payload_by_filter
        if overwrite
        else qe.UpdateOperation.set_payload_by_filter
    )
    return Planned(_build(by_filter, flt, payload, key))


def delete_payload(body: Any) -> Planned:
    """``POST .../points/payload/delete``: remove ``keys`` from points by ids or filter."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, _DELETE_PAYLOAD_FIELDS, "")
    reject_shard_key(body)
    keys = body.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise EngineError.format("keys: expected a list of strings")
    ids, flt = _selector(body)
    if ids is not None:
        return Planned(qe.UpdateOperation.delete_payload(_engine_ids(ids), keys), needs=ids)
    return Planned(qe.UpdateOperation.delete_payload_by_filter(flt, keys))


def clear_payload(body: Any) -> Planned:
    """``POST .../points/payload/clear``: a points selector."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, _DELETE_FIELDS, "")
    reject_shard_key(body)
    ids, flt = _selector(body)
    if ids is not None:
        return Planned(qe.UpdateOperation.clear_payload(_engine_ids(ids)), needs=ids)
    return Planned(qe.UpdateOperation.clear_payload_by_filter(flt))


def update_vectors(body: Any, schema: VectorSchema) -> Planned:
    """``PUT .../points/vectors``: replace the named vectors given, keep the others."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, _UPDATE_VECTORS_FIELDS, "")
    reject_shard_key(body)
    raw = body.get("points")
    if not isinstance(raw, list):
        raise EngineError.format("points: invalid type, expected a sequence")
    if not raw:
        raise EngineError.validation("points", "must not be empty")
    items: list[qe.PointVectors] = []
    ids: list[PointId] = []
    for i, item in enumerate(raw):
        path = f"points[{i}]"
        item = parse_object(item, path)
        reject_unknown_fields(item, frozenset(("id", "vector")), f"{path}: ")
        if "id" not in item or "vector" not in item:
            raise EngineError.format(
                f"{path}: missing field `{'id' if 'id' not in item else 'vector'}`"
            )
        point_id = parse_point_id(item["id"])
        vector = schema.point_vectors(item["vector"], f"{path}.vector")
        if isinstance(vector, dict) and not vector:
            raise EngineError.validation(f"{path}.vector", "must specify at least one vector")
        try:
            items.append(qe.PointVectors(point_id, vector))
        except (TypeError, ValueError, OverflowError) as exc:
            raise EngineError.format(f"{path}.vector: {_first_line(exc)}") from None
        ids.append(point_id)
    condition = parse_filter(body.get("update_filter"), "update_filter")
    return Planned(qe.UpdateOperation.update_vectors(items, condition), needs=ids)


def delete_vectors(body: Any, schema: VectorSchema) -> Planned:
    """``POST .../points/vectors/delete``: drop the named vectors of points by ids or filter."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, _DELETE_VECTORS_FIELDS, "")
    reject_shard_key(body)
    names = body.get("vector")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise EngineError.format("vector: expected a list of vector names")
    if not names:
        raise EngineError.validation("vector", "must not be empty")
    for name in names:
        schema.check_name(name)
    ids, flt = _selector(body)
    if ids is not None:
        return Planned(qe.UpdateOperation.delete_vectors(_engine_ids(ids), names), needs=ids)
    return Planned(qe.UpdateOperation.delete_vectors_by_filter(flt, names))


_BATCH_KINDS: dict[str, Callable[[Any, VectorSchema], Planned]] = {
    "upsert": upsert,
    "delete": lambda b, _s: delete_points(b),
    "set_payload": lambda b, _s: set_payload(b, overwrite=False),
    "overwrite_payload": lambda b, _s: set_payload(b, overwrite=True),
    "delete_payload": lambda b, _s: delete_payload(b),
    "clear_payload": lambda b, _s: clear_payload(b),
    "update_vectors": update_vectors,
    "delete_vectors": delete_vectors,
}


def batch(body: Any, schema: VectorSchema) -> list[Planned]:
    """``POST .../points/batch``: ``{"operations": [{kind: body}, ...]}``, parsed as a whole."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, frozenset(("operations",)), "")
    operations = body.get("operations")
    if not isinstance(operations, list):
        raise EngineError.format("missing field `operations`")
    planned = []
    for i, entry in enumerate(operations):
        if not isinstance(entry, dict) or len(entry) != 1:
            raise EngineError.format(
                f"operations[{i}]: data did not match any variant of untagged enum UpdateOperation"
            )
        ((kind, inner),) = entry.items()
        parser = _BATCH_KINDS.get(kind)
        if parser is None:
            expected = ", ".join(f"`{k}`" for k in _BATCH_KINDS)
            raise EngineError.format(
                f"operations[{i}]: unknown variant `{kind}`, expected one of {expected}"
            )
        try:
            planned.append(parser(inner, schema))
        except EngineError as exc:
            raise _located(exc, f"operations[{i}].{kind}") from None
    return planned


def check_existence(
    planned: list[Planned], exists: Callable[[list[PointId]], set[PointId]]
) -> None:
    """Refuse the whole list if a write needs a point that will not exist when it runs.

    ``exists`` asks the shard which of the given ids it holds; the creates and
    removes of earlier writes in the list are applied on top, in order.
    """
    wanted = {i for p in planned for i in p.needs}
    if not wanted:
        return
    present = exists(list(wanted))
    for p in planned:
        for point_id in p.needs:
            if point_id not in present:
                raise point_not_found(point_id)
        present.update(p.creates)
        present.difference_update(p.removes)


def point_not_found(point_id: PointId) -> EngineError:
    """Qdrant's 404 for an id that is not in the collection."""
    return EngineError(ErrorKind.NOT_FOUND, f"Not found: No point with id {point_id} found")


def reject_shard_key(body: dict[str, Any], *, read: bool = False) -> None:
    """No collection here has a shard key (Qdrant Edge has no shards, and custom shard keys
    cannot be created), so a ``shard_key`` names one that does not exist: Qdrant's answer
    for that (reads and writes word it differently; a fallback pair is Qdrant's 404)."""
    selector = body.get("shard_key")
    if selector is None:
        return
    if isinstance(selector, dict) and set(selector) == {"target", "fallback"}:
        raise EngineError(
            ErrorKind.NOT_FOUND,
            f"Not found: Neither target shard key {_shown(selector['target'])} nor fallback "
            f"shard key {_shown(selector['fallback'])} exist",
        )
    first = selector[0] if isinstance(selector, list) and selector else selector
    if not isinstance(first, str | int) or isinstance(first, bool):
        raise EngineError.format(f"shard_key: unexpected value {first!r}")
    prefix = "Bad request" if read else "Wrong input"
    raise EngineError(ErrorKind.BAD_REQUEST, f"{prefix}: Shard key {_shown(first)} not found")


def _shown(key: Any) -> str:
    """A shard key as Qdrant prints it: a keyword quoted, a number as it is."""
    return f'"{key}"' if isinstance(key, str) else str(key)


def _selector(body: dict[str, Any]) -> tuple[list[PointId] | None, qe.Filter]:
    """``points`` (ids) or ``filter``: exactly one of them."""
    ids_raw, flt_raw = body.get("points"), body.get("filter")
    if ids_raw is not None and flt_raw is not None:
        raise EngineError.unsupported("`points` and `filter` together in one selector")
    if ids_raw is not None:
        return parse_point_ids(ids_raw, "points"), qe.Filter()
    flt = parse_filter(flt_raw)
    if flt is None:
        raise EngineError.format("data did not match any variant of untagged enum PointsSelector")
    return None, flt


def _engine_ids(ids: list[PointId]) -> list[qe.PointId]:
    return cast("list[qe.PointId]", ids)


def _build(make: Any, target: Any, payload: dict[str, Any], key: str | None) -> qe.UpdateOperation:
    """Build a payload operation; the engine's conversion is what checks the payload's values."""
    try:
        return cast("qe.UpdateOperation", make(target, payload, key))
    except (TypeError, ValueError, OverflowError) as exc:
        raise EngineError.format(f"payload: {_first_line(exc)}") from None


_POINT_FIELDS = frozenset(("id", "vector", "payload"))


def _points_from_list(raw: Any, schema: VectorSchema) -> list[qe.Point]:
    if not isinstance(raw, list):
        raise EngineError.format("points: invalid type, expected a sequence")
    points = []
    for i, item in enumerate(raw):
        try:
            points.append(_quick_point(item, schema))
        except (EngineError, KeyError, TypeError, ValueError, OverflowError):
            points.append(_careful_point(i, item, schema))  # raises, naming the point
    return points


def _quick_point(item: Any, schema: VectorSchema) -> qe.Point:
    """``_careful_point``'s checks in the same order, without its path strings: a point
    that fails here is parsed again by ``_careful_point``, which raises what it would
    have raised (1,000 points' paths cost more than their ids and payloads)."""
    if type(item) is not dict or not _POINT_FIELDS.issuperset(item):
        raise KeyError
    point_id, vector = item["id"], item["vector"]
    vector = schema.point_vectors(vector, "")
    payload = item.get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise KeyError
    return qe.Point(parse_point_id(point_id), vector, payload)


def _careful_point(i: int, item: Any, schema: VectorSchema) -> qe.Point:
    if not isinstance(item, dict):
        raise EngineError.format(f"points[{i}]: invalid type, expected a map")
    reject_unknown_fields(item, _POINT_FIELDS, f"points[{i}]: ")
    if "id" not in item:
        raise EngineError.format(f"points[{i}]: missing field `id`")
    if "vector" not in item:
        raise EngineError.format(f"points[{i}]: missing field `vector`")
    vector = schema.point_vectors(item["vector"], f"points[{i}].vector")
    return _point(parse_point_id(item["id"]), vector, item.get("payload"), f"points[{i}]")


def _points_from_batch(raw: Any, schema: VectorSchema) -> list[qe.Point]:
    columns = parse_object(raw, "batch")
    reject_unknown_fields(columns, frozenset(("ids", "vectors", "payloads")), "batch: ")
    ids = parse_point_ids(columns.get("ids"), "batch.ids")
    vectors = columns.get("vectors")
    payloads = columns.get("payloads")
    if payloads is not None and (not isinstance(payloads, list) or len(payloads) != len(ids)):
        raise EngineError.wrong_input("number of ids and payloads must be equal")
    per_point: list[Any]
    if isinstance(vectors, list):
        per_point = vectors
    elif isinstance(vectors, dict):
        if _is_columns(vectors):
            if any(len(c) != len(ids) for c in vectors.values()):
                raise EngineError.wrong_input("number of ids and vectors must be equal")
            per_point = [{name: col[i] for name, col in vectors.items()} for i in range(len(ids))]
        else:
            raise EngineError.format("batch.vectors: expected a list or a map of named lists")
    else:
        raise EngineError.format("batch.vectors: expected a list or a map of named lists")
    if len(per_point) != len(ids):
        raise EngineError.wrong_input("number of ids and vectors must be equal")
    points = []
    for i, point_id in enumerate(ids):
        vector = schema.point_vectors(per_point[i], f"batch.vectors[{i}]")
        payload = payloads[i] if payloads is not None else None
        points.append(_point(point_id, vector, payload, f"batch[{i}]"))
    return points


def _is_columns(vectors: dict[str, Any]) -> bool:
    return all(isinstance(c, list) for c in vectors.values())


def _point(point_id: PointId, vector: Any, payload: Any, path: str) -> qe.Point:
    """Build an engine point; its conversion is what checks the vector's elements."""
    if payload is not None and not isinstance(payload, dict):
        raise EngineError.format(f"{path}.payload: invalid type, expected a map")
    try:
        return qe.Point(point_id, vector, payload)
    except (TypeError, ValueError, OverflowError) as exc:
        raise EngineError.format(
            _explain(vector, f"{path}.vector") or f"{path}: {_first_line(exc)}"
        ) from None


def _explain(vector: Any, path: str) -> str | None:
    """Name the first element the engine could not read as a number (only on the error path)."""
    if isinstance(vector, dict):
        for name, value in vector.items():
            found = _explain(value, f"{path}.{name}")
            if found:
                return found
        return None
    if isinstance(vector, qe.SparseVector):
        return None
    for i, x in enumerate(vector):
        if isinstance(x, list):
            found = _explain(x, f"{path}[{i}]")
            if found:
                return found
        elif isinstance(x, bool) or not isinstance(x, int | float):
            return f"{path}[{i}]: invalid type: {type(x).__name__} {_short(x)}, expected f32"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _located(exc: EngineError, where: str) -> EngineError:
    """Prefix a format error's detail with where in the batch it was found."""
    prefix = "Format error in JSON body: "
    if exc.message.startswith(prefix):
        return EngineError(exc.kind, f"{prefix}{where}: {exc.message[len(prefix) :]}")
    return exc
