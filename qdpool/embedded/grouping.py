"""``POST .../points/query/groups``: Qdrant's grouped query, done in front of the engine.

Qdrant Edge has no groups, so the server asks it for more points than the
answer needs and groups them itself: a point belongs to the group of each
value it has at ``group_by`` (keywords and integers; arrays give several
groups), groups rank by their best hit, and each keeps its ``group_size`` best
hits.  The candidate list doubles until the first ``limit`` groups are full or
the matching points run out, so the answer is the one Qdrant gives: no point
beyond the candidates can outrank a hit already taken.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import qdrant_edge as qe

from qdpool.embedded.convert import (
    PointId,
    parse_object,
    parse_point_id,
    parse_uint,
    parse_with_payload,
    parse_with_vector,
    point_id_out,
    reject_unknown_fields,
)
from qdpool.embedded.errors import EngineError
from qdpool.embedded.queries import QUERY_FIELDS, QueryContext, convert_request, scored_out
from qdpool.embedded.vectors import vector_out

_GROUP_FIELDS = frozenset(("group_by", "group_size", "with_lookup"))
_MAX_ROUNDS = 12

Run = Callable[[qe.QueryRequest], list[qe.ScoredPoint]]
Retrieve = Callable[[list[PointId], Any, Any], list[qe.Record]]


def query_groups(
    body: Any,
    ctx: QueryContext,
    run: Run,
    retrieve: Retrieve,
    lookup_retrieve: Callable[[str], Retrieve],
) -> dict[str, Any]:
    """The grouped answer ``{"groups": [{"id", "hits", "lookup"?}]}``."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, (QUERY_FIELDS - {"offset"}) | _GROUP_FIELDS, "")
    group_by = body.get("group_by")
    if not isinstance(group_by, str):
        raise EngineError.format("missing field `group_by`")
    if not group_by:
        raise EngineError.validation("group_by", "must not be empty")
    group_size = parse_uint(body.get("group_size"), "group_size", default=3, minimum=1) or 3
    limit = parse_uint(body.get("limit"), "limit", default=10, minimum=1) or 10
    lookup = _parse_lookup(body.get("with_lookup"))
    inner = {k: v for k, v in body.items() if k not in _GROUP_FIELDS and k != "limit"}
    converted = convert_request(inner, ctx)
    base = converted.request
    grouped = qe.Filter(must_not=[qe.IsEmptyCondition(group_by)])
    flt = grouped if base.filter is None else qe.Filter(must=[base.filter, grouped])

    want = max(limit * group_size * 2, 16)
    groups: dict[Any, list[qe.ScoredPoint]] = {}
    for _ in range(_MAX_ROUNDS):
        request = qe.QueryRequest(
            limit=want,
            query=base.query,
            prefetches=base.prefetches or None,
            with_vector=False,
            with_payload=qe.PayloadSelector.Include([group_by]),
            filter=flt,
            score_threshold=base.score_threshold,
            params=base.params,
        )
        points = run(request)
        groups = _group(points, group_by, group_size)
        chosen = list(groups.values())[:limit]
        if len(points) < want or (
            len(chosen) == limit and all(len(h) == group_size for h in chosen)
        ):
            break
        want *= 2
    chosen_groups = list(groups.items())[:limit]

    hit_ids = list({point_id_out(p.id): None for _, hits in chosen_groups for p in hits})
    details: dict[PointId, qe.Record] = {}
    if converted.with_payload is not False or converted.with_vector is not False:
        records = retrieve(hit_ids, converted.with_payload, converted.with_vector)
        details = {point_id_out(r.id): r for r in records}
    lookups = _lookups(lookup, [g for g, _ in chosen_groups], lookup_retrieve)
    out = []
    for value, hits in chosen_groups:
        entry: dict[str, Any] = {"id": value, "hits": [_hit(p, details) for p in hits]}
        if lookup is not None and value in lookups:
            entry["lookup"] = lookups[value]
        out.append(entry)
    return {"groups": out}


def _group(points: list[qe.ScoredPoint], key: str, size: int) -> dict[Any, list[qe.ScoredPoint]]:
    """Points (best first) into groups in order of their best hit, each at most ``size``."""
    groups: dict[Any, list[qe.ScoredPoint]] = {}
    for point in points:
        for value in _values_at(point.payload or {}, key):
            hits = groups.setdefault(value, [])
            if len(hits) < size:
                hits.append(point)
    return groups


def _values_at(payload: Any, key: str) -> list[Any]:
    """The keyword and integer values at a payload path (``a.b``, ``a[].b``), deduplicated."""
    current = [payload]
    for part in key.split("."):
        flatten = part.endswith("[]")
        name = part[:-2] if flatten else part
        nxt = []
        for item in current:
            if isinstance(item, dict) and name in item:
                value = item[name]
                if isinstance(value, list):
                    nxt.extend(value)
                else:
                    nxt.append(value)
            elif isinstance(item, list):
                nxt.extend(i[name] for i in item if isinstance(i, dict) and name in i)
        current = nxt
    found: dict[Any, None] = {}
    for value in current:
        if isinstance(value, list):
            for v in value:
                if _groupable(v):
                    found[v] = None
        elif _groupable(value):
            found[value] = None
    return list(found)


def _groupable(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _hit(point: qe.ScoredPoint, details: dict[PointId, qe.Record]) -> dict[str, Any]:
    out = scored_out(point)
    record = details.get(point_id_out(point.id))
    out["payload"] = record.payload if record is not None else None
    out["vector"] = (
        vector_out(record.vector) if record is not None and record.vector is not None else None
    )
    return out


class _Lookup:
    def __init__(self, collection: str, with_payload: Any, with_vector: Any) -> None:
        self.collection = collection
        self.with_payload = with_payload
        self.with_vector = with_vector


def _parse_lookup(raw: Any) -> _Lookup | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return _Lookup(raw, True, False)
    spec = parse_object(raw, "with_lookup")
    reject_unknown_fields(
        spec,
        frozenset(("collection", "with_payload", "with_vectors", "with_vector")),
        "with_lookup: ",
    )
    name = spec.get("collection")
    if not isinstance(name, str):
        raise EngineError.format("with_lookup: missing field `collection`")
    raw_vector = spec.get("with_vectors")
    if raw_vector is None:
        raw_vector = spec.get("with_vector")
    return _Lookup(
        name,
        parse_with_payload(spec.get("with_payload"), default=True),
        parse_with_vector(raw_vector, default=False),
    )


def _lookups(
    lookup: _Lookup | None, values: list[Any], lookup_retrieve: Callable[[str], Retrieve]
) -> dict[Any, dict[str, Any]]:
    """Each group id's record in the lookup collection (values that are not point ids have none)."""
    if lookup is None:
        return {}
    retrieve = lookup_retrieve(lookup.collection)
    by_id: dict[PointId, Any] = {}
    for value in values:
        try:
            by_id[parse_point_id(value)] = value
        except EngineError:
            continue
    records = retrieve(list(by_id), lookup.with_payload, lookup.with_vector)
    found = {}
    for record in records:
        point_id = point_id_out(record.id)
        found[by_id.get(point_id, point_id)] = {
            "id": point_id,
            "payload": record.payload if lookup.with_payload is not False else None,
            "vector": vector_out(record.vector) if lookup.with_vector is not False else None,
        }
    return found
