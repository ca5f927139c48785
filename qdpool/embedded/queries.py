"""Qdrant's universal query (REST ``QueryRequest``) → a ``qdrant_edge.QueryRequest``.

Every kind of query Qdrant 1.18 takes and Qdrant Edge can run is converted
here: nearest (dense, sparse, multivector, by point id, with MMR), recommend
(``average_vector`` is computed here, as Qdrant computes it, the two scoring
strategies run in the engine), discover, context, order_by, fusion (RRF with
``k`` and weights, DBSF), formula (see ``formula``), sample; ``prefetch`` trees; ``params``;
``lookup_from``.  Anything else is refused with an error naming it.

Point ids given as examples are resolved to their vectors through a
``VectorSource`` (this collection's, or ``lookup_from``'s), and, as Qdrant
does, points of this collection used as examples are left out of the results
of that stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import qdrant_edge as qe

from qdpool.embedded.convert import (
    PointId,
    parse_bool,
    parse_float,
    parse_object,
    parse_point_id,
    parse_uint,
    parse_with_payload,
    parse_with_vector,
    point_id_out,
    reject_unknown_fields,
)
from qdpool.embedded.errors import EngineError
from qdpool.embedded.filters import parse_filter
from qdpool.embedded.formula import parse_expression
from qdpool.embedded.updates import point_not_found, reject_shard_key
from qdpool.embedded.vectors import VectorSchema, inference_refused, vector_out

QUERY_FIELDS = frozenset(
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
_PREFETCH_FIELDS = frozenset(
    ("prefetch", "query", "using", "filter", "params", "score_threshold", "limit", "lookup_from")
)
_PARAMS_FIELDS = frozenset(("hnsw_ef", "exact", "quantization", "indexed_only", "acorn"))
_DEFAULT_LIMIT = 10


class VectorSource(Protocol):
    """Where example point ids are looked up: ``{id: vector}`` for the ids that exist."""

    def vectors_of(self, ids: list[PointId], name: str) -> dict[PointId, Any]: ...


@dataclass
class QueryContext:
    """What converting one request needs besides its body.

    Attributes:
        schema: this collection's vectors, to check query vectors against.
        own: this collection, for point ids given as examples.
        lookup: the collection named by ``lookup_from`` → its ``VectorSource``.
    """

    schema: VectorSchema
    own: VectorSource
    lookup: Callable[[str], VectorSource]


@dataclass
class Converted:
    """A request converted for the engine, with what the answer needs to be shaped."""

    request: qe.QueryRequest
    with_payload: bool | list[str] | qe.PayloadSelector
    with_vector: bool | list[str]
    excluded: set[PointId] = field(default_factory=set)


def convert_request(body: Any, ctx: QueryContext) -> Converted:
    """A full ``POST .../points/query`` body."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, QUERY_FIELDS, "")
    reject_shard_key(body, read=True)
    node = _Node.parse(body, ctx, "")
    with_payload = parse_with_payload(body.get("with_payload"), default=False)
    raw_vector = body.get("with_vector")
    with_vector = parse_with_vector(
        body.get("with_vectors") if raw_vector is None else raw_vector, default=False
    )
    limit = parse_uint(body.get("limit"), "limit", default=_DEFAULT_LIMIT, minimum=1)
    limit = limit or _DEFAULT_LIMIT
    offset = parse_uint(body.get("offset"), "offset", default=None)
    request = qe.QueryRequest(
        limit=limit,
        offset=offset,
        query=finish(node.query, limit + (offset or 0)),
        prefetches=node.prefetches or None,
        with_vector=with_vector,
        with_payload=with_payload,
        filter=node.filter,
        score_threshold=node.score_threshold,
        params=node.params,
    )
    return Converted(request, with_payload, with_vector, node.excluded)


def scored_out(point: qe.ScoredPoint) -> dict[str, Any]:
    """An engine result in Qdrant's REST ``ScoredPoint`` shape."""
    out: dict[str, Any] = {
        "id": point_id_out(point.id),
        "version": point.version,
        "score": point.score,
        "payload": point.payload,
        "vector": vector_out(point.vector) if point.vector is not None else None,
    }
    if point.order_value is not None:
        out["order_value"] = point.order_value
    return out


@dataclass
class _Node:
    """The query, filter and prefetches of one stage (the request itself or a prefetch)."""

    query: Any
    prefetches: list[qe.Prefetch]
    filter: qe.Filter | None
    params: qe.SearchParams | None
    score_threshold: float | None
    excluded: set[PointId]

    @classmethod
    def parse(cls, body: dict[str, Any], ctx: QueryContext, path: str) -> _Node:
        using = body.get("using")
        if using is not None and not isinstance(using, str):
            raise EngineError.format(f"{path}using: invalid type, expected a string")
        source, lookup_vector = _lookup(body.get("lookup_from"), ctx, f"{path}lookup_from")
        raw_prefetch = body.get("prefetch")
        if raw_prefetch is None:
            raw_prefetch = []
        elif isinstance(raw_prefetch, dict):
            raw_prefetch = [raw_prefetch]
        elif not isinstance(raw_prefetch, list):
            raise EngineError.format(f"{path}prefetch: expected a prefetch or a list of them")
        prefetches = [
            _prefetch(p, ctx, f"{path}prefetch[{i}].") for i, p in enumerate(raw_prefetch)
        ]
        builder = _QueryBuilder(ctx, using or "", source, lookup_vector or using or "")
        query = builder.query(body.get("query"), f"{path}query")
        if (
            query is not None
            and isinstance(query, qe.Fusion.Rrf | qe.Fusion.Dbsf)
            and (not prefetches)
        ):
            raise EngineError.validation(f"{path}query", "Fusion queries need prefetches")
        flt = parse_filter(body.get("filter"), f"{path}filter")
        if builder.excluded:
            exclude = qe.Filter(must_not=[qe.HasIdCondition(set(builder.excluded))])
            flt = exclude if flt is None else qe.Filter(must=[flt, exclude])
        return cls(
            query,
            prefetches,
            flt,
            _search_params(body.get("params"), f"{path}params"),
            parse_float(body.get("score_threshold"), f"{path}score_threshold"),
            builder.excluded,
        )


def _prefetch(raw: Any, ctx: QueryContext, path: str) -> qe.Prefetch:
    body = parse_object(raw, path.rstrip("."))
    reject_unknown_fields(body, _PREFETCH_FIELDS, path)
    node = _Node.parse(body, ctx, path)
    limit = parse_uint(body.get("limit"), f"{path}limit", default=_DEFAULT_LIMIT, minimum=1)
    limit = limit or _DEFAULT_LIMIT
    return qe.Prefetch(
        limit=limit,
        query=finish(node.query, limit),
        prefetches=node.prefetches or None,
        params=node.params,
        filter=node.filter,
        score_threshold=node.score_threshold,
    )


def _lookup(raw: Any, ctx: QueryContext, path: str) -> tuple[VectorSource | None, str | None]:
    if raw is None:
        return None, None
    spec = parse_object(raw, path)
    reject_unknown_fields(spec, frozenset(("collection", "vector", "shard_key")), f"{path}: ")
    reject_shard_key(spec, read=True)
    name = spec.get("collection")
    if not isinstance(name, str):
        raise EngineError.format(f"{path}: missing field `collection`")
    vector = spec.get("vector")
    if vector is not None and not isinstance(vector, str):
        raise EngineError.format(f"{path}.vector: invalid type, expected a string")
    return ctx.lookup(name), vector


class _QueryBuilder:
    """Converts one ``query`` value; collects the example ids of this collection."""

    def __init__(
        self, ctx: QueryContext, using: str, source: VectorSource | None, source_vector: str
    ) -> None:
        self.ctx = ctx
        self.using = using
        self.source = source
        self.source_vector = source_vector
        self.excluded: set[PointId] = set()

    @property
    def engine_using(self) -> str | None:
        return self.using or None

    def query(self, raw: Any, path: str) -> Any:
        if raw is None:
            return None
        if not isinstance(raw, dict) or _is_sparse(raw):
            return qe.Query.Nearest(self.vector(raw, path), using=self.engine_using)
        if _is_inference(raw):
            raise inference_refused()
        kinds = [k for k in raw if k in _KINDS]
        if len(kinds) != 1:
            raise EngineError.format(
                f"{path}: data did not match any variant of untagged enum QueryInterface"
            )
        return _KINDS[kinds[0]](self, raw, path)

    # -- vectors -----------------------------------------------------------------------

    def vector(self, raw: Any, path: str) -> Any:
        """A ``VectorInput``: a vector, or a point id whose vector is looked up."""
        if isinstance(raw, int | str) and not isinstance(raw, bool):
            point_id = parse_point_id(raw)
            return self._vector_of(point_id, path)
        if isinstance(raw, dict) and _is_inference(raw):
            raise inference_refused()
        return self.ctx.schema.query_vector(raw, self.using, path)

    def _vector_of(self, point_id: PointId, path: str) -> Any:
        source = self.source or self.ctx.own
        name = self.source_vector if self.source is not None else self.using
        found = source.vectors_of([point_id], name)
        if point_id not in found:
            raise point_not_found(point_id)
        if self.source is None:
            self.excluded.add(point_id)
        return found[point_id]

    def vectors(self, raw: Any, path: str) -> list[Any]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise EngineError.format(f"{path}: invalid type, expected a sequence")
        return [self.vector(v, f"{path}[{i}]") for i, v in enumerate(raw)]

    def pairs(self, raw: Any, path: str) -> list[qe.ContextPair]:
        if isinstance(raw, dict):
            raw = [raw]
        if not isinstance(raw, list):
            raise EngineError.format(f"{path}: expected a context pair or a list of them")
        pairs = []
        for i, item in enumerate(raw):
            pair = parse_object(item, f"{path}[{i}]")
            reject_unknown_fields(pair, frozenset(("positive", "negative")), f"{path}[{i}]: ")
            for side in ("positive", "negative"):
                if side not in pair:
                    raise EngineError.format(f"{path}[{i}]: missing field `{side}`")
            pairs.append(
                qe.ContextPair(
                    self.vector(pair["positive"], f"{path}[{i}].positive"),
                    self.vector(pair["negative"], f"{path}[{i}].negative"),
                )
            )
        return pairs

    # -- the kinds of query ------------------------------------------------------------

    def nearest(self, raw: dict[str, Any], path: str) -> Any:
        reject_unknown_fields(raw, frozenset(("nearest", "mmr")), f"{path}: ")
        vector = self.vector(raw["nearest"], f"{path}.nearest")
        mmr = raw.get("mmr")
        if mmr is None:
            return qe.Query.Nearest(vector, using=self.engine_using)
        spec = parse_object(mmr, f"{path}.mmr")
        reject_unknown_fields(spec, frozenset(("diversity", "candidates_limit")), f"{path}.mmr: ")
        diversity = parse_float(spec.get("diversity"), f"{path}.mmr.diversity")
        if diversity is None:
            diversity = 0.5
        if not 0.0 <= diversity <= 1.0:
            raise EngineError.validation(f"{path}.mmr.diversity", "must be between 0 and 1")
        candidates = parse_uint(
            spec.get("candidates_limit"), f"{path}.mmr.candidates_limit", default=None
        )
        return _MmrPending(vector, 1.0 - diversity, candidates, self.engine_using)

    def recommend(self, raw: dict[str, Any], path: str) -> Any:
        reject_unknown_fields(raw, frozenset(("recommend",)), f"{path}: ")
        spec = parse_object(raw["recommend"], f"{path}.recommend")
        reject_unknown_fields(
            spec, frozenset(("positive", "negative", "strategy")), f"{path}.recommend: "
        )
        positive = self.vectors(spec.get("positive"), f"{path}.recommend.positive")
        negative = self.vectors(spec.get("negative"), f"{path}.recommend.negative")
        strategy = spec.get("strategy") or "average_vector"
        if strategy == "average_vector":
            if not positive:
                raise EngineError.wrong_input(
                    "At least one positive vector ID required with this strategy"
                )
            return qe.Query.Nearest(_average(positive, negative), using=self.engine_using)
        if not positive and not negative:
            raise EngineError.wrong_input("At least one positive or negative example is required")
        query = qe.RecommendQuery(positive, negative)
        if strategy == "best_score":
            return qe.Query.RecommendBestScore(query, using=self.engine_using)
        if strategy == "sum_scores":
            return qe.Query.RecommendSumScores(query, using=self.engine_using)
        raise EngineError.format(
            f"{path}.recommend.strategy: unknown variant `{strategy}`, "
            "expected one of `average_vector`, `best_score`, `sum_scores`"
        )

    def discover(self, raw: dict[str, Any], path: str) -> Any:
        reject_unknown_fields(raw, frozenset(("discover",)), f"{path}: ")
        spec = parse_object(raw["discover"], f"{path}.discover")
        reject_unknown_fields(spec, frozenset(("target", "context")), f"{path}.discover: ")
        if "target" not in spec:
            raise EngineError.format(f"{path}.discover: missing field `target`")
        target = self.vector(spec["target"], f"{path}.discover.target")
        pairs = self.pairs(spec.get("context", []), f"{path}.discover.context")
        return qe.Query.Discover(qe.DiscoverQuery(target, pairs), using=self.engine_using)

    def context(self, raw: dict[str, Any], path: str) -> Any:
        reject_unknown_fields(raw, frozenset(("context",)), f"{path}: ")
        pairs = self.pairs(raw["context"], f"{path}.context")
        return qe.Query.Context(qe.ContextQuery(pairs), using=self.engine_using)

    def order_by(self, raw: dict[str, Any], path: str) -> Any:
        reject_unknown_fields(raw, frozenset(("order_by",)), f"{path}: ")
        return parse_order_by(raw["order_by"], f"{path}.order_by")

    def fusion(self, raw: dict[str, Any], path: str) -> Any:
        reject_unknown_fields(raw, frozenset(("fusion",)), f"{path}: ")
        kind = raw["fusion"]
        if kind == "rrf":
            return qe.Fusion.Rrf(k=_RRF_K)
        if kind == "dbsf":
            return qe.Fusion.Dbsf()
        raise EngineError.format(
            f"{path}.fusion: unknown variant `{kind}`, expected `rrf` or `dbsf`"
        )

    def rrf(self, raw: dict[str, Any], path: str) -> Any:
        reject_unknown_fields(raw, frozenset(("rrf",)), f"{path}: ")
        spec = parse_object(raw["rrf"], f"{path}.rrf")
        reject_unknown_fields(spec, frozenset(("k", "weights")), f"{path}.rrf: ")
        k = parse_uint(spec.get("k"), f"{path}.rrf.k", default=_RRF_K, minimum=1)
        weights = spec.get("weights")
        if weights is not None and (
            not isinstance(weights, list)
            or any(isinstance(w, bool) or not isinstance(w, int | float) for w in weights)
        ):
            raise EngineError.format(f"{path}.rrf.weights: expected a list of numbers")
        return qe.Fusion.Rrf(
            k=k or _RRF_K, weights=[float(w) for w in weights] if weights is not None else None
        )

    def formula(self, raw: dict[str, Any], path: str) -> Any:
        reject_unknown_fields(raw, frozenset(("formula", "defaults")), f"{path}: ")
        defaults = raw.get("defaults")
        if defaults is not None and not isinstance(defaults, dict):
            raise EngineError.format(f"{path}.defaults: invalid type, expected a map")
        return qe.Formula(parse_expression(raw["formula"], f"{path}.formula"), defaults)

    def sample(self, raw: dict[str, Any], path: str) -> Any:
        reject_unknown_fields(raw, frozenset(("sample",)), f"{path}: ")
        if raw["sample"] != "random":
            raise EngineError.format(
                f"{path}.sample: unknown variant `{raw['sample']}`, expected `random`"
            )
        return qe.Sample.Random

    def refuse(self, raw: dict[str, Any], path: str) -> Any:
        kind = next(k for k in raw if k in _KINDS)
        raise EngineError.unsupported(f"`{kind}` queries")


_RRF_K = 2  # Qdrant's default ranking constant
_KINDS: dict[str, Callable[[_QueryBuilder, dict[str, Any], str], Any]] = {
    "nearest": _QueryBuilder.nearest,
    "recommend": _QueryBuilder.recommend,
    "discover": _QueryBuilder.discover,
    "context": _QueryBuilder.context,
    "order_by": _QueryBuilder.order_by,
    "fusion": _QueryBuilder.fusion,
    "rrf": _QueryBuilder.rrf,
    "formula": _QueryBuilder.formula,
    "sample": _QueryBuilder.sample,
    "relevance_feedback": _QueryBuilder.refuse,
}


@dataclass
class _MmrPending:
    """An MMR query whose candidate count defaults to the request's limit (known later)."""

    vector: Any
    lambda_: float
    candidates: int | None
    using: str | None


def finish(query: Any, limit: int) -> Any:
    """Resolve what depends on the stage's limit (MMR's default candidate count)."""
    if isinstance(query, _MmrPending):
        return qe.Mmr(query.vector, query.lambda_, query.candidates or limit, using=query.using)
    return query


def _average(positive: list[Any], negative: list[Any]) -> Any:
    """Qdrant's ``average_vector``: avg(positive) + (avg(positive) - avg(negative))."""
    first = positive[0]
    if isinstance(first, qe.SparseVector):
        pos = _sparse_mean(positive)
        if not negative:
            return _sparse(pos)
        neg = _sparse_mean(negative)
        merged = {i: 2 * pos.get(i, 0.0) - neg.get(i, 0.0) for i in pos.keys() | neg.keys()}
        return _sparse(merged)
    if first and isinstance(first[0], list):
        rows = [row for multi in positive for row in multi]
        rows += [[-x for x in row] for multi in negative for row in multi]
        return rows
    dim = len(first)
    mean_pos = [sum(float(v[d]) for v in positive) / len(positive) for d in range(dim)]
    if not negative:
        return mean_pos
    mean_neg = [sum(float(v[d]) for v in negative) / len(negative) for d in range(dim)]
    return [2 * p - n for p, n in zip(mean_pos, mean_neg, strict=True)]


def _sparse_mean(vectors: list[qe.SparseVector]) -> dict[int, float]:
    total: dict[int, float] = {}
    for v in vectors:
        for i, x in zip(v.indices, v.values, strict=True):
            total[i] = total.get(i, 0.0) + float(x)
    return {i: x / len(vectors) for i, x in total.items()}


def _sparse(values: dict[int, float]) -> qe.SparseVector:
    ordered = sorted(values)
    return qe.SparseVector(ordered, [values[i] for i in ordered])


def parse_order_by(raw: Any, path: str) -> qe.OrderBy:
    """``order_by``: a key, or ``{key, direction, start_from}``."""
    if isinstance(raw, str):
        return qe.OrderBy(raw)
    spec = parse_object(raw, path)
    reject_unknown_fields(spec, frozenset(("key", "direction", "start_from")), f"{path}: ")
    key = spec.get("key")
    if not isinstance(key, str):
        raise EngineError.format(f"{path}: missing field `key`")
    direction = spec.get("direction")
    if direction not in (None, "asc", "desc"):
        raise EngineError.format(
            f"{path}.direction: unknown variant `{direction}`, expected `asc` or `desc`"
        )
    start = spec.get("start_from")
    if start is not None and (isinstance(start, bool) or not isinstance(start, int | float | str)):
        raise EngineError.format(f"{path}.start_from: expected a number or a datetime")
    try:
        return qe.OrderBy(
            key,
            direction=qe.Direction.Desc if direction == "desc" else qe.Direction.Asc,
            start_from=start,
        )
    except (TypeError, ValueError) as exc:
        raise EngineError.format(f"{path}.start_from: {exc}") from None


def _search_params(raw: Any, path: str) -> qe.SearchParams | None:
    """``params``: hnsw_ef, exact, quantization, indexed_only, acorn."""
    if raw is None:
        return None
    params = parse_object(raw, path)
    reject_unknown_fields(params, _PARAMS_FIELDS, f"{path}: ")
    quantization = None
    if params.get("quantization") is not None:
        q = parse_object(params["quantization"], f"{path}.quantization")
        reject_unknown_fields(
            q, frozenset(("ignore", "rescore", "oversampling")), f"{path}.quantization: "
        )
        oversampling = parse_float(q.get("oversampling"), f"{path}.quantization.oversampling")
        if oversampling is not None and oversampling < 1.0:
            raise EngineError.validation(
                f"{path}.quantization.oversampling", "value must be 1 or larger"
            )
        rescore = q.get("rescore")
        quantization = qe.QuantizationSearchParams(
            ignore=parse_bool(q.get("ignore"), f"{path}.quantization.ignore", default=False),
            rescore=None if rescore is None else parse_bool(rescore, "rescore", default=False),
            oversampling=oversampling,
        )
    acorn = None
    if params.get("acorn") is not None:
        a = parse_object(params["acorn"], f"{path}.acorn")
        reject_unknown_fields(a, frozenset(("enable", "max_selectivity")), f"{path}.acorn: ")
        acorn = qe.AcornSearchParams(
            enable=parse_bool(a.get("enable"), f"{path}.acorn.enable", default=False),
            max_selectivity=parse_float(a.get("max_selectivity"), f"{path}.acorn.max_selectivity"),
        )
    return qe.SearchParams(
        hnsw_ef=parse_uint(params.get("hnsw_ef"), f"{path}.hnsw_ef", default=None),
        exact=parse_bool(params.get("exact"), f"{path}.exact", default=False),
        quantization=quantization,
        indexed_only=parse_bool(params.get("indexed_only"), f"{path}.indexed_only", default=False),
        acorn=acorn,
    )


def _is_sparse(raw: dict[str, Any]) -> bool:
    return "indices" in raw and "values" in raw


def _is_inference(raw: dict[str, Any]) -> bool:
    return "model" in raw
