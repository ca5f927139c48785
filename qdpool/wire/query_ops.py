"""Queries and reads on gRPC: Qdrant's REST JSON shapes <-> the ``Points`` messages.

Covers ``Query`` (every query kind of Qdrant 1.18, prefetch trees, search params,
``lookup_from``), ``QueryBatch``, ``QueryGroups``, ``Scroll`` (with ``order_by``),
``Count``, ``Facet`` and the two distance-matrix methods, in both directions:

* client: ``encode_*`` build the request message from a call's REST-shaped body and
  its typed read consistency; ``decode_*`` turn the reply into the same typed result
  the REST decoders (bottom of this module) give;
* server: ``*_to_rest`` turn a request message into ``(collection, REST body, REST
  params)``, refusing (``refuse_unhandled``) any field they do not convert, so the
  embedded server never drops a field; ``respond_*`` fill the reply from the REST
  ``result``.

The same encoders check a request before it is sent on either protocol: the request
builders in ``qdpool.operations.query`` run ``check_query`` on anything beyond a plain
dense vector, so REST and gRPC refuse the same input with the same ``InvalidInput``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from qdpool._proto import points_pb2 as _pts
from qdpool.call import Call
from qdpool.errors import InvalidInput
from qdpool.models import (
    FacetHit,
    PointGroup,
    PointId,
    ScoredPoint,
    SearchMatrixOffsets,
    SearchMatrixPair,
    as_float32,
)
from qdpool.wire import packed, shard_keys
from qdpool.wire.filters import _condition_from_pb, _fill_condition, _fill_filter, filter_from_pb
from qdpool.wire.requests import (
    _body_of,
    _check_keys,
    _collection_of,
    _fill_consistency,
    _fill_with_payload,
    _fill_with_vectors,
    _params_from,
    _with_payload_from_pb,
    _with_vectors_from_pb,
    refuse_unhandled,
)
from qdpool.wire.responses import _fill_point_out, _fill_scored, _records, _scored_points
from qdpool.wire.values import (
    _fill_dense,
    _fill_ids,
    _fill_number,
    _fill_point_id,
    _floats,
    _within,
    payload_from_pb,
    payload_to_pb,
    point_id_from_pb,
)

if TYPE_CHECKING:
    from qdpool.operations.spec import RestRequest

_CONSISTENCY_FROM_PB = {0: "all", 1: "majority", 2: "quorum"}
_STRATEGY_TO_PB = {"average_vector": 0, "best_score": 1, "sum_scores": 2}
_STRATEGY_FROM_PB = {v: k for k, v in _STRATEGY_TO_PB.items()}
_DIRECTION_TO_PB = {"asc": 0, "desc": 1}
_DIRECTION_FROM_PB = {v: k for k, v in _DIRECTION_TO_PB.items()}
_FUSION_TO_PB = {"rrf": 0, "dbsf": 1}
_FUSION_FROM_PB = {v: k for k, v in _FUSION_TO_PB.items()}

# REST keys of one query stage (the request itself, a prefetch) and their message fields.
_STAGE_KEYS = frozenset(
    ("prefetch", "query", "using", "filter", "params", "score_threshold", "limit", "lookup_from")
)
_QUERY_KEYS = _STAGE_KEYS | {"offset", "with_payload", "with_vector", "with_vectors"}
_GROUP_KEYS = (_QUERY_KEYS - {"offset"}) | {"group_by", "group_size", "with_lookup"}
_PARAM_KEYS = frozenset(("hnsw_ef", "exact", "quantization", "indexed_only", "acorn"))
_VECTOR_KINDS = "a vector (dense, sparse or multi), or a point id"


# ================================================================ client: REST body -> message


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(path, "expected an object")
    return value


def _fill_vector_input(out: Any, raw: Any, path: str) -> None:
    """A ``VectorInput``: a point id, or a dense, sparse or multi-dense vector."""
    kind = type(raw)
    if kind is not list and hasattr(raw, "ndim"):  # a numpy array (``validate.vector`` keeps it)
        if raw.ndim == 1:
            out.dense.SetInParent()
            _fill_dense(out.dense, raw, path)
            return
        raw = raw.tolist()
        kind = list
    if kind is list or kind is tuple:
        if raw and isinstance(raw[0], list | tuple):
            multi = out.multi_dense
            multi.SetInParent()
            for index, row in enumerate(raw):
                _fill_dense(multi.vectors.add(), row, f"{path}[{index}]")
        else:
            out.dense.SetInParent()
            _fill_dense(out.dense, raw, path)
    elif isinstance(raw, Mapping):
        if set(raw) != {"indices", "values"}:
            raise InvalidInput(
                path, f"expected {_VECTOR_KINDS} (inference objects are not supported)"
            )
        _fill_sparse(out.sparse, raw, path)
    elif isinstance(raw, int | str) and not isinstance(raw, bool):
        _fill_point_id(out.id, raw, path)
    else:
        raise InvalidInput(path, f"expected {_VECTOR_KINDS}")


def _fill_sparse(out: Any, raw: Mapping[str, Any], path: str) -> None:
    out.SetInParent()
    indices, values = raw["indices"], raw["values"]
    if not isinstance(indices, list | tuple) or not isinstance(values, list | tuple):
        raise InvalidInput(path, "a sparse vector has lists of indices and values")
    if len(indices) != len(values):
        raise InvalidInput(path, f"has {len(indices)} indices but {len(values)} values")
    try:
        out.indices.extend(indices)
    except (TypeError, ValueError):
        raise InvalidInput(f"{path}.indices", "expected unsigned 32-bit integers") from None
    try:
        out.values.extend(values)
    except (TypeError, ValueError):
        raise InvalidInput(f"{path}.values", "expected numbers") from None


def _fill_vector_inputs(out: Any, raw: Any, path: str) -> None:
    if raw is None:
        return
    if not isinstance(raw, list | tuple):
        raise InvalidInput(path, "expected a list of examples")
    for index, item in enumerate(raw):
        _fill_vector_input(out.add(), item, f"{path}[{index}]")


def _fill_pairs(out: Any, raw: Any, path: str) -> None:
    out.SetInParent()
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list | tuple):
        raise InvalidInput(path, "expected a context pair or a list of them")
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        pair = _object(item, where)
        _check_keys(pair, frozenset(("positive", "negative")), where)
        for side in ("positive", "negative"):
            if pair.get(side) is None:
                raise InvalidInput(f"{where}.{side}", "is required")
        target = out.pairs.add()
        _fill_vector_input(target.positive, pair["positive"], f"{where}.positive")
        _fill_vector_input(target.negative, pair["negative"], f"{where}.negative")


def _fill_order_by(out: Any, raw: Any, path: str) -> None:
    out.SetInParent()
    if isinstance(raw, str):
        out.key = raw
        return
    spec = _object(raw, path)
    _check_keys(spec, frozenset(("key", "direction", "start_from")), path)
    key = spec.get("key")
    if not isinstance(key, str):
        raise InvalidInput(f"{path}.key", "expected a payload key")
    out.key = key
    direction = spec.get("direction")
    if direction is not None:
        if direction not in _DIRECTION_TO_PB:
            raise InvalidInput(f"{path}.direction", "expected asc or desc")
        out.direction = _DIRECTION_TO_PB[direction]
    start = spec.get("start_from")
    if start is None:
        return
    if isinstance(start, bool) or not isinstance(start, int | float | str):
        raise InvalidInput(f"{path}.start_from", "expected a number or a datetime")
    if isinstance(start, str):
        out.start_from.datetime = start
    elif isinstance(start, int):
        _fill_number(out.start_from, "integer", start, f"{path}.start_from")
    else:
        out.start_from.float = start


def _fill_mmr(out: Any, raw: Any, path: str) -> None:
    spec = _object(raw, path)
    _check_keys(spec, frozenset(("diversity", "candidates_limit")), path)
    out.SetInParent()
    if spec.get("diversity") is not None:
        _fill_number(out, "diversity", spec["diversity"], f"{path}.diversity", integer=False)
    if spec.get("candidates_limit") is not None:
        _fill_number(out, "candidates_limit", spec["candidates_limit"], f"{path}.candidates_limit")


_UNARY = ("neg", "abs", "sqrt", "exp", "log10", "ln")
_DECAYS = ("exp_decay", "gauss_decay", "lin_decay")


def _fill_expression(out: Any, raw: Any, path: str) -> None:
    """A formula node: a number, a variable, an operator, or a filter condition."""
    if isinstance(raw, bool):
        raise InvalidInput(path, "a boolean is not an expression")
    if isinstance(raw, int | float):
        out.constant = raw
        return
    if isinstance(raw, str):
        out.variable = raw
        return
    node = _object(raw, path)
    if len(node) == 1:
        ((op, arg),) = node.items()
        sub = f"{path}.{op}"
        if op in ("sum", "mult"):
            if not isinstance(arg, list | tuple):
                raise InvalidInput(sub, "expected a list of expressions")
            target = getattr(out, op)
            target.SetInParent()
            items = getattr(target, op)
            for index, item in enumerate(arg):
                _fill_expression(items.add(), item, f"{sub}[{index}]")
            return
        if op in _UNARY:
            _fill_expression(getattr(out, op), arg, sub)
            return
        if op == "div":
            spec = _object(arg, sub)
            _check_keys(spec, frozenset(("left", "right", "by_zero_default")), sub)
            out.div.SetInParent()
            _fill_expression(out.div.left, spec.get("left"), f"{sub}.left")
            _fill_expression(out.div.right, spec.get("right"), f"{sub}.right")
            if spec.get("by_zero_default") is not None:
                _fill_number(
                    out.div,
                    "by_zero_default",
                    spec["by_zero_default"],
                    f"{sub}.by_zero_default",
                    integer=False,
                )
            return
        if op == "pow":
            spec = _object(arg, sub)
            _check_keys(spec, frozenset(("base", "exponent")), sub)
            out.pow.SetInParent()
            _fill_expression(out.pow.base, spec.get("base"), f"{sub}.base")
            _fill_expression(out.pow.exponent, spec.get("exponent"), f"{sub}.exponent")
            return
        if op == "geo_distance":
            spec = _object(arg, sub)
            _check_keys(spec, frozenset(("origin", "to")), sub)
            origin = _object(spec.get("origin"), f"{sub}.origin")
            target = out.geo_distance
            for name in ("lon", "lat"):
                _fill_number(
                    target.origin, name, origin.get(name), f"{sub}.origin.{name}", integer=False
                )
            if not isinstance(spec.get("to"), str):
                raise InvalidInput(f"{sub}.to", "expected a payload key")
            target.to = spec["to"]
            return
        if op in ("datetime", "datetime_key"):
            if not isinstance(arg, str):
                raise InvalidInput(sub, "expected a string")
            setattr(out, op, arg)
            return
        if op in _DECAYS:
            spec = _object(arg, sub)
            _check_keys(spec, frozenset(("x", "target", "scale", "midpoint")), sub)
            if spec.get("x") is None:
                raise InvalidInput(f"{sub}.x", "is required")
            target = getattr(out, op)
            _fill_expression(target.x, spec["x"], f"{sub}.x")
            if spec.get("target") is not None:
                _fill_expression(target.target, spec["target"], f"{sub}.target")
            for name in ("scale", "midpoint"):
                if spec.get(name) is not None:
                    _fill_number(target, name, spec[name], f"{sub}.{name}", integer=False)
            return
    _fill_condition(out.condition, node, path)


def _fill_formula(out: Any, raw: Mapping[str, Any], path: str) -> None:
    _check_keys(raw, frozenset(("formula", "defaults")), path)
    out.SetInParent()
    _fill_expression(out.expression, raw["formula"], f"{path}.formula")
    defaults = raw.get("defaults")
    if defaults is not None:
        payload_to_pb(defaults, out.defaults, f"{path}.defaults")


def _fill_query(out: Any, raw: Any, path: str) -> None:
    """One ``Query``: a bare vector or id (nearest), or a one-kind object."""
    if not isinstance(raw, Mapping) or set(raw) == {"indices", "values"}:
        _fill_vector_input(out.nearest, raw, path)
        return
    if "nearest" in raw:
        _check_keys(raw, frozenset(("nearest", "mmr")), path)
        if raw.get("mmr") is None:
            _fill_vector_input(out.nearest, raw["nearest"], f"{path}.nearest")
        else:
            target = out.nearest_with_mmr
            _fill_vector_input(target.nearest, raw["nearest"], f"{path}.nearest")
            _fill_mmr(target.mmr, raw["mmr"], f"{path}.mmr")
        return
    if "formula" in raw:
        _fill_formula(out.formula, raw, path)
        return
    kinds = [k for k, v in raw.items() if v is not None]
    if len(kinds) != 1 or kinds[0] not in _QUERY_KINDS:
        raise InvalidInput(
            path,
            "expected a vector, a point id or one of "
            + ", ".join(("nearest", "formula", *_QUERY_KINDS)),
        )
    kind = kinds[0]
    _QUERY_KINDS[kind](out, raw[kind], f"{path}.{kind}")


def _fill_recommend(out: Any, raw: Any, path: str) -> None:
    spec = _object(raw, path)
    _check_keys(spec, frozenset(("positive", "negative", "strategy")), path)
    target = out.recommend
    target.SetInParent()
    _fill_vector_inputs(target.positive, spec.get("positive"), f"{path}.positive")
    _fill_vector_inputs(target.negative, spec.get("negative"), f"{path}.negative")
    strategy = spec.get("strategy")
    if strategy is not None:
        if strategy not in _STRATEGY_TO_PB:
            raise InvalidInput(
                f"{path}.strategy", "expected average_vector, best_score, sum_scores"
            )
        target.strategy = _STRATEGY_TO_PB[strategy]


def _fill_discover(out: Any, raw: Any, path: str) -> None:
    spec = _object(raw, path)
    _check_keys(spec, frozenset(("target", "context")), path)
    if spec.get("target") is None:
        raise InvalidInput(f"{path}.target", "is required")
    target = out.discover
    _fill_vector_input(target.target, spec["target"], f"{path}.target")
    _fill_pairs(target.context, spec.get("context") or [], f"{path}.context")


def _fill_fusion(out: Any, raw: Any, path: str) -> None:
    if raw not in _FUSION_TO_PB:
        raise InvalidInput(path, "expected rrf or dbsf")
    out.fusion = _FUSION_TO_PB[raw]


def _fill_rrf(out: Any, raw: Any, path: str) -> None:
    spec = _object(raw, path)
    _check_keys(spec, frozenset(("k", "weights")), path)
    target = out.rrf
    target.SetInParent()
    if spec.get("k") is not None:
        _fill_number(target, "k", spec["k"], f"{path}.k")
    weights = spec.get("weights")
    if weights is not None:
        if not isinstance(weights, list | tuple) or not all(
            isinstance(w, int | float) and not isinstance(w, bool) for w in weights
        ):
            raise InvalidInput(f"{path}.weights", "expected a list of numbers")
        target.weights.extend(weights)


def _fill_sample(out: Any, raw: Any, path: str) -> None:
    if raw != "random":
        raise InvalidInput(path, "expected random")
    out.sample = 0


_QUERY_KINDS: dict[str, Callable[[Any, Any, str], None]] = {
    "recommend": _fill_recommend,
    "discover": _fill_discover,
    "context": lambda out, raw, path: _fill_pairs(out.context, raw, path),
    "order_by": lambda out, raw, path: _fill_order_by(out.order_by, raw, path),
    "fusion": _fill_fusion,
    "rrf": _fill_rrf,
    "sample": _fill_sample,
}


def _fill_params(out: Any, raw: Any, path: str) -> None:
    params = _object(raw, path)
    _check_keys(params, _PARAM_KEYS, path)
    out.SetInParent()
    if params.get("hnsw_ef") is not None:
        _fill_number(out, "hnsw_ef", params["hnsw_ef"], f"{path}.hnsw_ef")
    for name in ("exact", "indexed_only"):
        value = params.get(name)
        if value is not None:
            if not isinstance(value, bool):
                raise InvalidInput(f"{path}.{name}", "expected a bool")
            setattr(out, name, value)
    quantization = params.get("quantization")
    if quantization is not None:
        qpath = f"{path}.quantization"
        spec = _object(quantization, qpath)
        _check_keys(spec, frozenset(("ignore", "rescore", "oversampling")), qpath)
        target = out.quantization
        target.SetInParent()
        for name in ("ignore", "rescore"):
            value = spec.get(name)
            if value is not None:
                if not isinstance(value, bool):
                    raise InvalidInput(f"{qpath}.{name}", "expected a bool")
                setattr(target, name, value)
        if spec.get("oversampling") is not None:
            _fill_number(
                target, "oversampling", spec["oversampling"], f"{qpath}.oversampling", integer=False
            )
    acorn = params.get("acorn")
    if acorn is not None:
        apath = f"{path}.acorn"
        spec = _object(acorn, apath)
        _check_keys(spec, frozenset(("enable", "max_selectivity")), apath)
        out.acorn.SetInParent()
        if spec.get("enable") is not None:
            if not isinstance(spec["enable"], bool):
                raise InvalidInput(f"{apath}.enable", "expected a bool")
            out.acorn.enable = spec["enable"]
        if spec.get("max_selectivity") is not None:
            _fill_number(
                out.acorn,
                "max_selectivity",
                spec["max_selectivity"],
                f"{apath}.max_selectivity",
                integer=False,
            )


def _fill_lookup(out: Any, raw: Any, path: str) -> None:
    spec = _object(raw, path)
    _check_keys(spec, frozenset(("collection", "vector")), path)
    if not isinstance(spec.get("collection"), str):
        raise InvalidInput(f"{path}.collection", "expected a collection name")
    out.collection_name = spec["collection"]
    vector = spec.get("vector")
    if vector is not None:
        if not isinstance(vector, str):
            raise InvalidInput(f"{path}.vector", "expected a vector name")
        out.vector_name = vector


def _fill_stage(out: Any, body: Mapping[str, Any], prefix: str) -> None:
    """The fields every stage has (``QueryPoints``, ``QueryPointGroups``, ``PrefetchQuery``).

    One ``get`` per field, the vector last of the plain ones: protobuf (upb) sets small
    fields faster before a large repeated one is filled, so the hot path (one dense
    vector) costs no more than the single-vector encoder did before prefetch existed.
    """
    get = body.get
    for key in ("limit", "offset", "group_size"):
        value = get(key)
        if value is not None:
            _fill_number(out, key, value, prefix + key)
    value = get("with_payload")
    if value is not None:
        _fill_with_payload(out.with_payload, value, prefix + "with_payload")
    value = get("with_vector")
    if value is None:
        value = get("with_vectors")
    if value is not None:
        _fill_with_vectors(out.with_vectors, value, prefix + "with_vector")
    value = get("query")
    if value is not None:
        kind = type(value)
        if (kind is list and not (value and type(value[0]) is list)) or (
            kind is not list and getattr(value, "ndim", None) == 1
        ):  # the hot path: one dense vector (a list, or the array validate.vector keeps)
            nearest = out.query.nearest.dense
            nearest.SetInParent()
            _fill_dense(nearest, value, prefix + "query")
        else:
            _fill_query(out.query, value, prefix + "query")
    value = get("filter")
    if value is not None:
        _fill_filter(out.filter, value, prefix + "filter")
        out.filter.SetInParent()
    value = get("using")
    if value is not None:
        if not isinstance(value, str):
            raise InvalidInput(prefix + "using", "expected a vector name")
        out.using = value
    value = get("score_threshold")
    if value is not None:
        _fill_number(out, "score_threshold", value, prefix + "score_threshold", integer=False)
    value = get("params")
    if value is not None:
        _fill_params(out.params, value, prefix + "params")
    value = get("lookup_from")
    if value is not None:
        _fill_lookup(out.lookup_from, value, prefix + "lookup_from")
    value = get("prefetch")
    if value is not None:
        path = prefix + "prefetch"
        items = [value] if isinstance(value, Mapping) else value
        if not isinstance(items, list | tuple):
            raise InvalidInput(path, "expected a prefetch or a list of them")
        for index, item in enumerate(items):
            where = f"{path}[{index}]"
            stage = _object(item, where)
            _check_keys(stage, _STAGE_KEYS, where)
            _fill_stage(out.prefetch.add(), stage, where + ".")


def _read_consistency(out: Any, call: Call) -> None:
    options = call.options
    if options is not None and options.consistency is not None:
        _fill_consistency(out.read_consistency, options.consistency)


def query_message(body: Mapping[str, Any], collection: str = "") -> Any:
    """A REST query body as ``QueryPoints``; ``InvalidInput`` names what is wrong."""
    _check_keys(body, _QUERY_KEYS)
    out = _pts.QueryPoints(collection_name=collection)
    _fill_stage(out, body, "")
    return out


def check_query(body: Mapping[str, Any]) -> None:
    """Refuse a query body that either protocol would refuse (the request builders' check)."""
    query_message(body)


def check_groups(body: Mapping[str, Any]) -> None:
    _groups_message(body, "")


def encode_query(call: Call) -> Any:
    body = _body_of(call)
    options = call.options
    if len(body) == 4 and (options is None or options.consistency is None):
        encoded = _plain_nearest(body, _collection_of(call))
        if encoded is not None:
            return encoded
    out = query_message(body, _collection_of(call))
    _read_consistency(out, call)
    return out


_PLAIN_PREFIXES: dict[tuple[str, int, bool, bool], bytes] = {}
_MAX_PREFIXES = 4096


def _plain_nearest(body: Mapping[str, Any], collection: str) -> bytes | None:
    """The plain nearest query (a dense vector, a limit and the two selectors as booleans:
    what ``query_request`` makes of the common call) as ``QueryPoints`` bytes, or None
    when ``body`` is anything else. Building the message costs about twice this: its
    fields but the vector are serialized once per (collection, limit, selectors) by
    ``query_message`` itself, and the vector is packed behind them (``packed``)."""
    limit = body.get("limit")
    with_payload = body.get("with_payload")
    with_vector = body.get("with_vector")
    if (
        type(limit) is not int
        or (with_payload is not True and with_payload is not False)
        or (with_vector is not True and with_vector is not False)
    ):
        return None
    query = packed.nearest_query(body.get("query"))
    if query is None:
        return None
    key = (collection, limit, with_payload, with_vector)
    prefix = _PLAIN_PREFIXES.get(key)
    if prefix is None:
        rest = {"limit": limit, "with_payload": with_payload, "with_vector": with_vector}
        prefix = query_message(rest, collection).SerializeToString()
        if len(_PLAIN_PREFIXES) >= _MAX_PREFIXES:
            _PLAIN_PREFIXES.clear()
        _PLAIN_PREFIXES[key] = prefix
    return prefix + query


def encode_query_batch(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("searches",)))
    collection = _collection_of(call)
    out = _pts.QueryBatchPoints(collection_name=collection)
    searches = body.get("searches")
    if not isinstance(searches, list | tuple):
        raise InvalidInput("searches", "expected a list of queries")
    for index, search in enumerate(searches):
        try:
            spec, shard_key = shard_keys.split(_object(search, ""))
            message = query_message(spec, collection)
            if shard_key is not None:
                shard_keys.fill(message.shard_key_selector, shard_key)
            out.query_points.append(message)
        except InvalidInput as exc:
            raise _within(f"searches[{index}]", exc) from None
    _read_consistency(out, call)
    return out


def _groups_message(body: Mapping[str, Any], collection: str) -> Any:
    _check_keys(body, _GROUP_KEYS)
    out = _pts.QueryPointGroups(collection_name=collection)
    _fill_stage(out, {k: v for k, v in body.items() if k not in ("group_by", "with_lookup")}, "")
    group_by = body.get("group_by")
    if not isinstance(group_by, str):
        raise InvalidInput("group_by", "expected a payload key")
    out.group_by = group_by
    lookup = body.get("with_lookup")
    if lookup is not None:
        if isinstance(lookup, str):
            out.with_lookup.collection = lookup
        else:
            spec = _object(lookup, "with_lookup")
            _check_keys(
                spec,
                frozenset(("collection", "with_payload", "with_vector", "with_vectors")),
                "with_lookup",
            )
            if not isinstance(spec.get("collection"), str):
                raise InvalidInput("with_lookup.collection", "expected a collection name")
            target = out.with_lookup
            target.collection = spec["collection"]
            if spec.get("with_payload") is not None:
                _fill_with_payload(
                    target.with_payload, spec["with_payload"], "with_lookup.with_payload"
                )
            vectors = spec.get("with_vectors", spec.get("with_vector"))
            if vectors is not None:
                _fill_with_vectors(target.with_vectors, vectors, "with_lookup.with_vectors")
    return out


def encode_query_groups(call: Call) -> Any:
    out = _groups_message(_body_of(call), _collection_of(call))
    _read_consistency(out, call)
    return out


_SCROLL_KEYS = frozenset(("offset", "limit", "filter", "with_payload", "with_vector", "order_by"))


def encode_scroll(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, _SCROLL_KEYS)
    out = _pts.ScrollPoints(collection_name=_collection_of(call))
    if body.get("filter") is not None:
        out.filter.SetInParent()
        _fill_filter(out.filter, body["filter"], "filter")
    if body.get("offset") is not None:
        _fill_point_id(out.offset, body["offset"], "offset")
    if body.get("limit") is not None:
        _fill_number(out, "limit", body["limit"], "limit")
    if body.get("order_by") is not None:
        _fill_order_by(out.order_by, body["order_by"], "order_by")
    with_payload = body.get("with_payload")
    _fill_with_payload(
        out.with_payload, True if with_payload is None else with_payload, "with_payload"
    )
    with_vector = body.get("with_vector")
    _fill_with_vectors(
        out.with_vectors, False if with_vector is None else with_vector, "with_vector"
    )
    _read_consistency(out, call)
    return out


def encode_count(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("filter", "exact")))
    out = _pts.CountPoints(collection_name=_collection_of(call))
    if body.get("filter") is not None:
        out.filter.SetInParent()
        _fill_filter(out.filter, body["filter"], "filter")
    exact = body.get("exact")
    out.exact = True if exact is None else bool(exact)
    _read_consistency(out, call)
    return out


def encode_facet(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("key", "filter", "limit", "exact")))
    out = _pts.FacetCounts(collection_name=_collection_of(call))
    if not isinstance(body.get("key"), str):
        raise InvalidInput("key", "expected a payload key")
    out.key = body["key"]
    if body.get("filter") is not None:
        out.filter.SetInParent()
        _fill_filter(out.filter, body["filter"], "filter")
    if body.get("limit") is not None:
        _fill_number(out, "limit", body["limit"], "limit")
    if body.get("exact") is not None:
        out.exact = bool(body["exact"])
    _read_consistency(out, call)
    return out


def encode_matrix(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("filter", "sample", "limit", "using")))
    out = _pts.SearchMatrixPoints(collection_name=_collection_of(call))
    if body.get("filter") is not None:
        out.filter.SetInParent()
        _fill_filter(out.filter, body["filter"], "filter")
    for name in ("sample", "limit"):
        if body.get(name) is not None:
            _fill_number(out, name, body[name], name)
    if body.get("using") is not None:
        if not isinstance(body["using"], str):
            raise InvalidInput("using", "expected a vector name")
        out.using = body["using"]
    _read_consistency(out, call)
    return out


# ================================================================ client: reply -> typed result


def decode_query_batch(message: Any) -> list[list[ScoredPoint]]:
    return [_scored_points(batch.result) for batch in message.result]


def _group_id_from_pb(group_id: Any) -> int | str:
    kind = group_id.WhichOneof("kind")
    value: int | str = getattr(group_id, kind) if kind else ""
    return value


def decode_query_groups(message: Any) -> list[PointGroup]:
    return [
        PointGroup(
            _group_id_from_pb(group.id),
            _scored_points(group.hits),
            _records((group.lookup,))[0] if group.HasField("lookup") else None,
        )
        for group in message.result.groups
    ]


def _facet_value_from_pb(value: Any) -> str | int | bool:
    kind = value.WhichOneof("variant")
    result: str | int | bool = getattr(value, kind) if kind else ""
    return result


def decode_facet(message: Any) -> list[FacetHit]:
    return [FacetHit(_facet_value_from_pb(hit.value), hit.count) for hit in message.hits]


def decode_matrix_pairs(message: Any) -> list[SearchMatrixPair]:
    return [
        SearchMatrixPair(point_id_from_pb(p.a), point_id_from_pb(p.b), as_float32(p.score))
        for p in message.result.pairs
    ]


def decode_matrix_offsets(message: Any) -> SearchMatrixOffsets:
    result = message.result
    return SearchMatrixOffsets(
        tuple(result.offsets_row),
        tuple(result.offsets_col),
        tuple(_floats(result.scores)),
        tuple(point_id_from_pb(i) for i in result.ids),
    )


# ================================================================ server: message -> REST body


def _vector_input_to_json(message: Any, path: str) -> Any:
    kind = message.WhichOneof("variant")
    if kind == "id":
        return point_id_from_pb(message.id)
    if kind == "dense":
        return _floats(message.dense.data)
    if kind == "sparse":
        return {"indices": list(message.sparse.indices), "values": _floats(message.sparse.values)}
    if kind == "multi_dense":
        return [_floats(row.data) for row in message.multi_dense.vectors]
    if kind is None:
        raise InvalidInput(path, "a vector input has no variant set")
    raise InvalidInput(f"{path}.{kind}", "inference is not supported by qdpool's embedded server")


def _pairs_to_json(message: Any, path: str) -> list[dict[str, Any]]:
    return [
        {
            "positive": _vector_input_to_json(pair.positive, f"{path}.pairs[{i}].positive"),
            "negative": _vector_input_to_json(pair.negative, f"{path}.pairs[{i}].negative"),
        }
        for i, pair in enumerate(message.pairs)
    ]


def _order_by_to_json(message: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"key": message.key}
    if message.HasField("direction"):
        result["direction"] = _DIRECTION_FROM_PB.get(message.direction, "asc")
    if message.HasField("start_from"):
        start = message.start_from
        kind = start.WhichOneof("value")
        if kind == "timestamp":
            result["start_from"] = start.timestamp.ToJsonString()
        elif kind is not None:
            result["start_from"] = getattr(start, kind)
    return result


def _expression_to_json(message: Any, path: str) -> Any:
    kind = message.WhichOneof("variant")
    if kind == "constant":
        return message.constant
    if kind == "variable":
        return message.variable
    if kind == "condition":
        return _condition_from_pb(message.condition)
    if kind in ("datetime", "datetime_key"):
        return {kind: getattr(message, kind)}
    if kind in ("sum", "mult"):
        items = getattr(getattr(message, kind), kind)
        return {kind: [_expression_to_json(e, f"{path}.{kind}[{i}]") for i, e in enumerate(items)]}
    if kind in _UNARY:
        return {kind: _expression_to_json(getattr(message, kind), f"{path}.{kind}")}
    if kind == "div":
        div = message.div
        out: dict[str, Any] = {
            "left": _expression_to_json(div.left, f"{path}.div.left"),
            "right": _expression_to_json(div.right, f"{path}.div.right"),
        }
        if div.HasField("by_zero_default"):
            out["by_zero_default"] = div.by_zero_default
        return {"div": out}
    if kind == "pow":
        return {
            "pow": {
                "base": _expression_to_json(message.pow.base, f"{path}.pow.base"),
                "exponent": _expression_to_json(message.pow.exponent, f"{path}.pow.exponent"),
            }
        }
    if kind == "geo_distance":
        geo = message.geo_distance
        return {
            "geo_distance": {"origin": {"lon": geo.origin.lon, "lat": geo.origin.lat}, "to": geo.to}
        }
    if kind in _DECAYS:
        decay = getattr(message, kind)
        spec: dict[str, Any] = {"x": _expression_to_json(decay.x, f"{path}.{kind}.x")}
        if decay.HasField("target"):
            spec["target"] = _expression_to_json(decay.target, f"{path}.{kind}.target")
        for name in ("scale", "midpoint"):
            if decay.HasField(name):
                spec[name] = getattr(decay, name)
        return {kind: spec}
    if kind is None:
        raise InvalidInput(path, "an expression has no variant set")
    raise InvalidInput(f"{path}.{kind}", "is not supported by qdpool's embedded server")


def _query_to_json(message: Any, path: str) -> Any:
    kind = message.WhichOneof("variant")
    if kind == "nearest":  # bare, as REST's simplest spelling (a vector or a point id)
        return _vector_input_to_json(message.nearest, f"{path}.nearest")
    if kind == "nearest_with_mmr":
        mmr = message.nearest_with_mmr.mmr
        spec = {name: getattr(mmr, name) for name in ("diversity", "candidates_limit")}
        return {
            "nearest": _vector_input_to_json(message.nearest_with_mmr.nearest, f"{path}.nearest"),
            "mmr": {k: v for k, v in spec.items() if mmr.HasField(k)},
        }
    if kind == "recommend":
        rec = message.recommend
        out: dict[str, Any] = {
            "positive": [
                _vector_input_to_json(v, f"{path}.recommend.positive[{i}]")
                for i, v in enumerate(rec.positive)
            ],
            "negative": [
                _vector_input_to_json(v, f"{path}.recommend.negative[{i}]")
                for i, v in enumerate(rec.negative)
            ],
        }
        if rec.HasField("strategy"):
            out["strategy"] = _STRATEGY_FROM_PB.get(rec.strategy, "average_vector")
        return {"recommend": out}
    if kind == "discover":
        discover = message.discover
        return {
            "discover": {
                "target": _vector_input_to_json(discover.target, f"{path}.discover.target"),
                "context": _pairs_to_json(discover.context, f"{path}.discover.context"),
            }
        }
    if kind == "context":
        return {"context": _pairs_to_json(message.context, f"{path}.context")}
    if kind == "order_by":
        return {"order_by": _order_by_to_json(message.order_by)}
    if kind == "fusion":
        return {"fusion": _FUSION_FROM_PB.get(message.fusion, "rrf")}
    if kind == "rrf":
        rrf = message.rrf
        spec2: dict[str, Any] = {}
        if rrf.HasField("k"):
            spec2["k"] = rrf.k
        if rrf.weights:
            spec2["weights"] = list(rrf.weights)
        return {"rrf": spec2}
    if kind == "sample":
        return {"sample": "random"}
    if kind == "formula":
        formula = message.formula
        result: dict[str, Any] = {
            "formula": _expression_to_json(formula.expression, f"{path}.formula")
        }
        defaults = payload_from_pb(formula.defaults)
        if defaults:
            result["defaults"] = defaults
        return result
    if kind is None:
        raise InvalidInput(path, "a query has no variant set")
    raise InvalidInput(f"{path}.{kind}", "is not supported by qdpool's embedded server")


def _params_to_json(message: Any) -> dict[str, Any]:
    refuse_unhandled(
        message, frozenset(("hnsw_ef", "exact", "quantization", "indexed_only", "acorn")), "params"
    )
    result: dict[str, Any] = {
        name: getattr(message, name)
        for name in ("hnsw_ef", "exact", "indexed_only")
        if message.HasField(name)
    }
    for name, fields in (
        ("quantization", ("ignore", "rescore", "oversampling")),
        ("acorn", ("enable", "max_selectivity")),
    ):
        if message.HasField(name):
            sub = getattr(message, name)
            result[name] = {f: getattr(sub, f) for f in fields if sub.HasField(f)}
    return result


_PREFETCH_FIELDS = frozenset(
    ("prefetch", "query", "using", "filter", "params", "score_threshold", "limit", "lookup_from")
)


def _stage_to_json(message: Any, path: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if len(message.prefetch):
        prefetches = []
        for index, item in enumerate(message.prefetch):
            where = f"{path}prefetch[{index}]"
            refuse_unhandled(item, _PREFETCH_FIELDS, where)
            prefetches.append(_stage_to_json(item, where + "."))
        body["prefetch"] = prefetches
    if message.HasField("query"):
        body["query"] = _query_to_json(message.query, f"{path}query")
    if message.HasField("using"):
        body["using"] = message.using
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    if message.HasField("params"):
        body["params"] = _params_to_json(message.params)
    for name in ("score_threshold", "limit", "offset", "group_size"):
        if name in message.DESCRIPTOR.fields_by_name and message.HasField(name):
            body[name] = getattr(message, name)
    if message.HasField("lookup_from"):
        lookup = message.lookup_from
        refuse_unhandled(lookup, frozenset(("collection_name", "vector_name")), "lookup_from")
        spec: dict[str, Any] = {"collection": lookup.collection_name}
        if lookup.HasField("vector_name"):
            spec["vector"] = lookup.vector_name
        body["lookup_from"] = spec
    fields = message.DESCRIPTOR.fields_by_name
    if "with_payload" in fields and message.HasField("with_payload"):
        with_payload = _with_payload_from_pb(message.with_payload)
        if with_payload is not None:
            body["with_payload"] = with_payload
    if "with_vectors" in fields and message.HasField("with_vectors"):
        with_vector = _with_vectors_from_pb(message.with_vectors)
        if with_vector is not None:
            body["with_vector"] = with_vector
    return body


def _read_params(message: Any) -> dict[str, str]:
    params = _params_from(message, wait=False)
    if message.HasField("read_consistency"):
        consistency = message.read_consistency
        if consistency.WhichOneof("value") == "factor":
            params["consistency"] = str(consistency.factor)
        else:
            params["consistency"] = _CONSISTENCY_FROM_PB.get(consistency.type, "all")
    return params


_QUERY_FIELDS = frozenset(
    (
        "collection_name",
        "prefetch",
        "query",
        "using",
        "filter",
        "params",
        "score_threshold",
        "limit",
        "offset",
        "with_vectors",
        "with_payload",
        "read_consistency",
        "lookup_from",
        "timeout",
    )
)


def query_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, _QUERY_FIELDS)
    return message.collection_name, _stage_to_json(message, ""), _read_params(message)


def query_batch_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(
        message, frozenset(("collection_name", "query_points", "read_consistency", "timeout"))
    )
    searches = []
    for index, query in enumerate(message.query_points):
        where = f"query_points[{index}]"
        refuse_unhandled(query, (_QUERY_FIELDS - {"timeout"}) | {"shard_key_selector"}, where)
        if query.collection_name not in ("", message.collection_name):
            raise InvalidInput(f"{where}.collection_name", "must be the batch's collection")
        search = _stage_to_json(query, where + ".")
        if query.HasField("shard_key_selector"):
            search[shard_keys.FIELD] = shard_keys.to_json(query.shard_key_selector)
        searches.append(search)
    return message.collection_name, {"searches": searches}, _read_params(message)


def query_groups_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(
        message,
        (_QUERY_FIELDS - {"offset"}) | {"group_by", "group_size", "with_lookup"},
    )
    body = _stage_to_json(message, "")
    body["group_by"] = message.group_by
    if message.HasField("with_lookup"):
        lookup = message.with_lookup
        spec: dict[str, Any] = {"collection": lookup.collection}
        if lookup.HasField("with_payload"):
            spec["with_payload"] = _with_payload_from_pb(lookup.with_payload)
        if lookup.HasField("with_vectors"):
            spec["with_vectors"] = _with_vectors_from_pb(lookup.with_vectors)
        body["with_lookup"] = spec
    return message.collection_name, body, _read_params(message)


def scroll_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(
        message,
        frozenset(
            (
                "collection_name",
                "filter",
                "offset",
                "limit",
                "with_payload",
                "with_vectors",
                "read_consistency",
                "order_by",
                "timeout",
            )
        ),
    )
    body: dict[str, Any] = {}
    if message.HasField("offset"):
        body["offset"] = point_id_from_pb(message.offset)
    if message.HasField("limit"):
        body["limit"] = message.limit
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    if message.HasField("order_by"):
        body["order_by"] = _order_by_to_json(message.order_by)
    with_payload = _with_payload_from_pb(message.with_payload)
    if with_payload is not None:
        body["with_payload"] = with_payload
    if message.HasField("with_vectors"):
        with_vector = _with_vectors_from_pb(message.with_vectors)
        if with_vector is not None:
            body["with_vector"] = with_vector
    return message.collection_name, body, _read_params(message)


def count_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(
        message, frozenset(("collection_name", "filter", "exact", "read_consistency", "timeout"))
    )
    body: dict[str, Any] = {}
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    if message.HasField("exact"):
        body["exact"] = message.exact
    return message.collection_name, body, _read_params(message)


def facet_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(
        message,
        frozenset(
            ("collection_name", "key", "filter", "limit", "exact", "read_consistency", "timeout")
        ),
    )
    body: dict[str, Any] = {"key": message.key}
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    for name in ("limit", "exact"):
        if message.HasField(name):
            body[name] = getattr(message, name)
    return message.collection_name, body, _read_params(message)


def matrix_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(
        message,
        frozenset(
            ("collection_name", "filter", "sample", "limit", "using", "read_consistency", "timeout")
        ),
    )
    body: dict[str, Any] = {}
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    for name in ("sample", "limit", "using"):
        if message.HasField(name):
            body[name] = getattr(message, name)
    return message.collection_name, body, _read_params(message)


# ================================================================ server: REST result -> reply


def respond_query_batch(out: Any, result: Any) -> None:
    for index, batch in enumerate(result):
        try:
            _fill_scored(out.result.add().result, batch["points"])
        except InvalidInput as exc:
            raise _within(f"result[{index}]", exc) from None


def _fill_group_id(out: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput("result.groups.id", "expected an integer or a string")
    if isinstance(value, str):
        out.string_value = value
    elif value >= 0:
        out.unsigned_value = value
    else:
        out.integer_value = value


def respond_query_groups(out: Any, result: Any) -> None:
    out.result.SetInParent()
    for group in result["groups"]:
        target = out.result.groups.add()
        _fill_group_id(target.id, group["id"])
        _fill_scored(target.hits, group["hits"])
        lookup = group.get("lookup")
        if lookup is not None:
            _fill_point_out(target.lookup, lookup)


def _fill_facet_value(out: Any, value: Any) -> None:
    if isinstance(value, bool):
        out.bool_value = value
    elif isinstance(value, int):
        out.integer_value = value
    elif isinstance(value, str):
        out.string_value = value
    else:
        raise InvalidInput("result.hits.value", "expected a string, an integer or a bool")


def respond_facet(out: Any, result: Any) -> None:
    for hit in result["hits"]:
        target = out.hits.add()
        _fill_facet_value(target.value, hit["value"])
        target.count = int(hit["count"])


def respond_matrix_pairs(out: Any, result: Any) -> None:
    out.result.SetInParent()
    for pair in result["pairs"]:
        target = out.result.pairs.add()
        _fill_point_id(target.a, pair["a"], "result.pairs.a")
        _fill_point_id(target.b, pair["b"], "result.pairs.b")
        target.score = pair["score"]


def respond_matrix_offsets(out: Any, result: Any) -> None:
    target = out.result
    target.SetInParent()
    target.offsets_row.extend(result["offsets_row"])
    target.offsets_col.extend(result["offsets_col"])
    target.scores.extend(result["scores"])
    _fill_ids(target.ids, result["ids"], "result.ids")


# ================================================================ REST result -> typed result


def rest_facet(result: Any) -> list[FacetHit]:
    return [FacetHit(hit["value"], int(hit["count"])) for hit in result["hits"]]


def rest_matrix_pairs(result: Any) -> list[SearchMatrixPair]:
    return [
        SearchMatrixPair(_point_id(p["a"]), _point_id(p["b"]), as_float32(p["score"]))
        for p in result["pairs"]
    ]


def rest_matrix_offsets(result: Any) -> SearchMatrixOffsets:
    return SearchMatrixOffsets(
        tuple(int(x) for x in result["offsets_row"]),
        tuple(int(x) for x in result["offsets_col"]),
        tuple(as_float32(x) for x in result["scores"]),
        tuple(_point_id(i) for i in result["ids"]),
    )


def _point_id(value: Any) -> PointId:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"bad point id {value!r}")
    return value


def check_order_by(order_by: Any) -> Any:
    """``order_by`` (a key, or ``{key, direction, start_from}``), refused as gRPC would."""
    _fill_order_by(_pts.OrderBy(), order_by, "order_by")
    return order_by
