"""``POST .../points/search/matrix/{pairs,offsets}``: a sparse distance matrix, in front of Edge.

Qdrant Edge has no matrix API, so the server does what Qdrant does: sample up
to ``sample`` points that match the filter and have the vector ``using``,
order them by id, and for each one search its ``limit`` nearest among the
other sampled points.  Scores come from the engine's own search, so they use
the collection's distance exactly as a query would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import qdrant_edge as qe

from qdpool.embedded.convert import (
    PointId,
    parse_object,
    parse_uint,
    point_id_out,
    reject_unknown_fields,
)
from qdpool.embedded.errors import EngineError
from qdpool.embedded.filters import parse_filter
from qdpool.embedded.updates import reject_shard_key
from qdpool.embedded.vectors import VectorSchema

_FIELDS = frozenset(("filter", "sample", "limit", "using", "shard_key"))

Batch = Callable[[list[qe.QueryRequest]], list[list[qe.ScoredPoint]]]
Run = Callable[[qe.QueryRequest], list[qe.ScoredPoint]]


def matrix(
    body: Any, schema: VectorSchema, run: Run, batch: Batch
) -> tuple[list[PointId], list[list[qe.ScoredPoint]]]:
    """The sampled ids (by id) and, per id, its nearest other sampled points."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, _FIELDS, "")
    reject_shard_key(body, read=True)
    sample = parse_uint(body.get("sample"), "sample", default=10, minimum=2) or 10
    limit = parse_uint(body.get("limit"), "limit", default=3, minimum=1) or 3
    using = body.get("using")
    if using is not None and not isinstance(using, str):
        raise EngineError.format("using: invalid type, expected a string")
    name = using or ""
    schema.check_name(name)
    flt = parse_filter(body.get("filter"))
    has_vector = qe.HasVectorCondition(name)
    sampling = qe.Filter(must=[has_vector] if flt is None else [flt, has_vector])
    sampled = run(
        qe.QueryRequest(limit=sample, query=qe.Sample.Random, filter=sampling, with_vector=[name])
    )
    if len(sampled) < 2:
        return [], []
    sampled.sort(key=lambda p: _id_key(point_id_out(p.id)))
    ids = [point_id_out(p.id) for p in sampled]
    requests = []
    for point in sampled:
        vector: Any = point.vector[name] if isinstance(point.vector, dict) else point.vector
        others = qe.HasIdCondition({i for i in ids if i != point_id_out(point.id)})
        requests.append(
            qe.QueryRequest(
                limit=limit,
                query=qe.Query.Nearest(vector, using=using or None),
                filter=qe.Filter(must=[others] if flt is None else [flt, others]),
            )
        )
    return ids, batch(requests)


def pairs_out(ids: list[PointId], rows: list[list[qe.ScoredPoint]]) -> dict[str, Any]:
    """Qdrant's ``{"pairs": [{"a", "b", "score"}]}``."""
    return {
        "pairs": [
            {"a": a, "b": point_id_out(p.id), "score": p.score}
            for a, row in zip(ids, rows, strict=True)
            for p in row
        ]
    }


def offsets_out(ids: list[PointId], rows: list[list[qe.ScoredPoint]]) -> dict[str, Any]:
    """Qdrant's ``{"offsets_row", "offsets_col", "scores", "ids"}``."""
    where = {point_id: i for i, point_id in enumerate(ids)}
    row_idx, col_idx, scores = [], [], []
    for i, row in enumerate(rows):
        for p in row:
            row_idx.append(i)
            col_idx.append(where[point_id_out(p.id)])
            scores.append(p.score)
    return {"offsets_row": row_idx, "offsets_col": col_idx, "scores": scores, "ids": ids}


def _id_key(point_id: PointId) -> tuple[int, int, str]:
    """Integers first in numeric order, then UUIDs (as Qdrant orders mixed ids)."""
    if isinstance(point_id, int):
        return (0, point_id, "")
    return (1, 0, point_id)
