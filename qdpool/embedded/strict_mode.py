"""Strict mode: a collection's ``strict_mode_config`` enforced on each request, as Qdrant does.

When a collection's strict mode is enabled, ``check`` runs before the operation
and refuses, with Qdrant's 400 ``Bad request: <what>. Help: <how>``, what the
configuration forbids:

==============================  ===================================================
setting                         refused
==============================  ===================================================
``max_query_limit``             a query's ``limit`` (default 10; each prefetch's and
                                each batched query's too), a group query's
                                ``limit * group_size``, a scroll's or facet's
                                ``limit`` and a distance matrix's
                                ``sample * limit`` when given (Qdrant 1.18 does not
                                check those when omitted)
``max_timeout``                 a ``timeout`` query parameter above it
``search_max_hnsw_ef``          ``params.hnsw_ef`` above it
``search_allow_exact: false``   ``params.exact: true``
``search_max_oversampling``     ``params.quantization.oversampling`` above it
``upsert_max_batchsize``        more points in one upsert
``search_max_batchsize``        more queries in one batch
``unindexed_filtering_retrieve``  (``false``) a read's filter on a payload key with
                                no index of a type that can serve the condition
``unindexed_filtering_update``  (``false``) the same for filtered writes
``filter_max_conditions``       a filter with more conditions in all
``condition_max_size``          a ``match`` ``any``/``except`` with more values
``max_payload_index_count``     a payload index beyond that many
==============================  ===================================================

The other strict-mode limits (rate limits, storage sizes, point count, memory,
multivector and sparse limits) are not enforced here, so enabling strict mode
with any of them set is refused (``config.parse_strict_mode``) rather than
ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from qdpool import operations as ops
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.operations.spec import Operation

ENFORCED = frozenset(
    (
        "enabled",
        "max_query_limit",
        "max_timeout",
        "search_max_hnsw_ef",
        "search_allow_exact",
        "search_max_oversampling",
        "upsert_max_batchsize",
        "search_max_batchsize",
        "unindexed_filtering_retrieve",
        "unindexed_filtering_update",
        "filter_max_conditions",
        "condition_max_size",
        "max_payload_index_count",
    )
)

_DEFAULT_LIMIT = 10
_DEFAULT_GROUP_SIZE = 3
# Filtered writes: the operations whose filter selects the points they change.
_FILTERED_UPDATES = frozenset(
    (
        ops.DELETE_POINTS,
        ops.SET_PAYLOAD,
        ops.OVERWRITE_PAYLOAD,
        ops.DELETE_PAYLOAD,
        ops.CLEAR_PAYLOAD,
        ops.DELETE_VECTORS,
        ops.UPDATE_VECTORS,
        ops.UPSERT,
        ops.BATCH_UPDATE_POINTS,
    )
)
_READS = frozenset(
    (
        ops.COUNT,
        ops.SCROLL,
        ops.QUERY_POINTS,
        ops.QUERY_BATCH_POINTS,
        ops.QUERY_POINTS_GROUPS,
        ops.FACET,
        ops.SEARCH_MATRIX_PAIRS,
        ops.SEARCH_MATRIX_OFFSETS,
    )
)
CHECKED = _READS | _FILTERED_UPDATES | {ops.CREATE_PAYLOAD_INDEX}
"""The operations ``check`` looks at; the engine skips the rest."""


def check(
    operation: Operation[Any],
    strict: dict[str, Any],
    body: Any,
    params: dict[str, str],
    payload_schema: Callable[[], dict[str, Any]],
) -> None:
    """Raise Qdrant's strict-mode error if ``body``/``params`` break an enabled ``strict``."""
    if not strict.get("enabled") or not isinstance(body, dict | None):
        return
    body = body or {}
    _check_timeout(strict, params)
    if operation in _READS:
        _check_read(operation, strict, body)
        if strict.get("unindexed_filtering_retrieve") is False:
            _check_indexed(_filters_of(operation, body), payload_schema())
    elif operation in _FILTERED_UPDATES:
        if operation is ops.UPSERT:
            _check_batch_size(strict, body)
        if strict.get("unindexed_filtering_update") is False:
            _check_indexed(_filters_of(operation, body), payload_schema())
    elif operation is ops.CREATE_PAYLOAD_INDEX:
        maximum = strict.get("max_payload_index_count")
        schema = payload_schema()
        if maximum is not None and body.get("field_name") not in schema and len(schema) >= maximum:
            raise _strict(
                f'Limit exceeded {len(schema) + 1} > {maximum} for "payload indexes"',
                "Delete unused payload indexes or raise max_payload_index_count",
            )
    _check_filter_sizes(strict, _filters_of(operation, body))


# -- limits ---------------------------------------------------------------------------


def _check_read(operation: Operation[Any], strict: dict[str, Any], body: dict[str, Any]) -> None:
    limit = strict.get("max_query_limit")
    if operation is ops.QUERY_BATCH_POINTS:
        searches = body.get("searches") or []
        maximum = strict.get("search_max_batchsize")
        if maximum is not None and len(searches) > maximum:
            raise _limit(len(searches), maximum, "batch size")
        for search in searches:
            if isinstance(search, dict):
                _check_query(strict, search, limit)
    elif operation is ops.QUERY_POINTS:
        _check_query(strict, body, limit)
    elif operation is ops.QUERY_POINTS_GROUPS:
        _check_query(strict, {k: v for k, v in body.items() if k != "limit"}, None)
        if limit is not None:
            size = _int(body.get("limit"), _DEFAULT_LIMIT) * _int(
                body.get("group_size"), _DEFAULT_GROUP_SIZE
            )
            if size > limit:
                raise _limit(size, limit, "limit")
    elif operation in (ops.SCROLL, ops.FACET):
        given = body.get("limit")
        if limit is not None and isinstance(given, int) and given > limit:
            raise _limit(given, limit, "limit")
    elif operation in (ops.SEARCH_MATRIX_PAIRS, ops.SEARCH_MATRIX_OFFSETS):
        sample, per = body.get("sample"), body.get("limit")
        if limit is not None and (sample is not None or per is not None):
            size = _int(sample, 1) * _int(per, 1)
            if size > limit:
                raise _limit(size, limit, "limit")


def _check_query(strict: dict[str, Any], query: dict[str, Any], limit: int | None) -> None:
    """A query (or prefetch): its limit and search params, then its prefetches."""
    if limit is not None:
        value = _int(query.get("limit"), _DEFAULT_LIMIT)
        if value > limit:
            raise _limit(value, limit, "limit")
    _check_search_params(strict, query.get("params"))
    prefetch = query.get("prefetch")
    for item in prefetch if isinstance(prefetch, list) else [prefetch] if prefetch else []:
        if isinstance(item, dict):
            _check_query(strict, item, limit)


def _check_search_params(strict: dict[str, Any], params: Any) -> None:
    if not isinstance(params, dict):
        return
    hnsw_ef, maximum = params.get("hnsw_ef"), strict.get("search_max_hnsw_ef")
    if maximum is not None and isinstance(hnsw_ef, int) and hnsw_ef > maximum:
        raise _limit(hnsw_ef, maximum, "hnsw_ef")
    if strict.get("search_allow_exact") is False and params.get("exact") is True:
        raise _strict("Exact search disabled!", "Set exact=false in your request")
    quantization = params.get("quantization")
    maximum = strict.get("search_max_oversampling")
    if maximum is not None and isinstance(quantization, dict):
        oversampling = quantization.get("oversampling")
        if isinstance(oversampling, int | float) and oversampling > maximum:
            raise _limit(oversampling, maximum, "oversampling")


def _check_batch_size(strict: dict[str, Any], body: dict[str, Any]) -> None:
    maximum = strict.get("upsert_max_batchsize")
    if maximum is None:
        return
    points = body.get("points")
    if points is None and isinstance(body.get("batch"), dict):
        points = body["batch"].get("ids")
    if isinstance(points, list) and len(points) > maximum:
        raise _limit(len(points), maximum, "upsert limit")


def _check_timeout(strict: dict[str, Any], params: dict[str, str]) -> None:
    maximum, timeout = strict.get("max_timeout"), params.get("timeout")
    if maximum is not None and timeout is not None and timeout.isdigit() and int(timeout) > maximum:
        raise _strict(
            f'Timeout exceeded {timeout} > {maximum} for "timeout"',
            f'Reduce the "timeout" parameter to or below {maximum}',
        )


# -- filters --------------------------------------------------------------------------


def _filters_of(operation: Operation[Any], body: dict[str, Any]) -> list[Any]:
    """Every filter a request carries (queries' prefetches and batched operations too)."""
    found: list[Any] = []

    def query(q: Any) -> None:
        if not isinstance(q, dict):
            return
        found.append(q.get("filter"))
        prefetch = q.get("prefetch")
        for item in prefetch if isinstance(prefetch, list) else [prefetch]:
            query(item)

    if operation is ops.QUERY_BATCH_POINTS:
        for search in body.get("searches") or []:
            query(search)
    elif operation in (ops.QUERY_POINTS, ops.QUERY_POINTS_GROUPS):
        query(body)
    elif operation is ops.BATCH_UPDATE_POINTS:
        for op in body.get("operations") or []:
            if isinstance(op, dict):
                for inner in op.values():
                    if isinstance(inner, dict):
                        found.extend((inner.get("filter"), inner.get("update_filter")))
    else:
        found.extend((body.get("filter"), body.get("update_filter")))
    return [f for f in found if isinstance(f, dict)]


def _conditions(flt: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """``(key, condition)`` for every condition of a filter, nested keys as ``a[].b``."""
    for clause in ("must", "should", "must_not"):
        items = flt.get(clause)
        for item in items if isinstance(items, list) else [items] if items else []:
            yield from _condition(item, prefix)
    min_should = flt.get("min_should")
    if isinstance(min_should, dict):
        for item in min_should.get("conditions") or []:
            yield from _condition(item, prefix)


def _condition(item: Any, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(item, dict):
        return
    if "nested" in item and isinstance(item["nested"], dict):
        nested = item["nested"]
        inner = nested.get("filter")
        if isinstance(inner, dict):
            yield from _conditions(inner, f"{prefix}{nested.get('key')}[].")
    elif "key" in item:
        yield f"{prefix}{item['key']}", item
    elif any(k in item for k in ("must", "should", "must_not", "min_should")):
        yield from _conditions(item, prefix)
    else:
        yield "", item  # has_id, has_vector, is_empty / is_null


def _check_filter_sizes(strict: dict[str, Any], filters: list[Any]) -> None:
    max_conditions = strict.get("filter_max_conditions")
    max_size = strict.get("condition_max_size")
    if max_conditions is None and max_size is None:
        return
    for flt in filters:
        conditions = list(_conditions(flt))
        if max_conditions is not None and len(conditions) > max_conditions:
            raise _strict(
                f"Filter condition limit reached ({len(conditions)} > {max_conditions})",
                "Reduce the amount of conditions of your filter",
            )
        if max_size is None:
            continue
        for _key, condition in conditions:
            match = condition.get("match")
            values = match.get("any", match.get("except")) if isinstance(match, dict) else None
            if isinstance(values, list) and len(values) > max_size:
                raise _strict(
                    f"Condition size limit reached ({len(values)} > {max_size})",
                    "Reduce the number of values in the condition",
                )


def _check_indexed(filters: list[Any], schema: dict[str, Any]) -> None:
    for flt in filters:
        for key, condition in _conditions(flt):
            if not key:
                continue
            wanted = _index_types(condition)
            if not wanted:
                continue
            index = schema.get(key)
            if index is None or not any(_serves(index, kind) for kind in wanted):
                names = ", ".join(wanted)
                raise _strict(
                    f'Index required but not found for "{key}" of one of the following '
                    f"types: [{names}]",
                    "Create an index for this key or use a different filter",
                )


def _index_types(condition: dict[str, Any]) -> list[str]:
    """The index types, in Qdrant's wording, any one of which can serve ``condition``."""
    match = condition.get("match")
    if isinstance(match, dict):
        if "text" in match or "text_any" in match:
            return ["text"]
        if "phrase" in match:
            return ["text (with phrase_matching: true)"]
        value = match.get("value", next(iter(match.get("any") or match.get("except") or []), None))
        if isinstance(value, bool):
            return ["bool"]
        if isinstance(value, int):
            return ["integer"]
        return ["keyword", "uuid"]
    range_ = condition.get("range")
    if isinstance(range_, dict):
        bounds = [v for v in range_.values() if v is not None]
        if any(isinstance(v, str) for v in bounds):
            return ["datetime"]
        return ["integer", "float"]
    if any(k in condition for k in ("geo_bounding_box", "geo_radius", "geo_polygon")):
        return ["geo"]
    return []


def _serves(index: dict[str, Any], kind: str) -> bool:
    data_type = index.get("data_type")
    if kind.startswith("text (with phrase"):
        params = index.get("params") or {}
        return data_type == "text" and params.get("phrase_matching") is True
    return bool(data_type == kind)


# -- helpers --------------------------------------------------------------------------


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _limit(value: float, maximum: float, what: str) -> EngineError:
    return _strict(
        f'Limit exceeded {value} > {maximum} for "{what}"',
        f'Reduce the "{what}" parameter to or below {maximum}',
    )


def _strict(description: str, solution: str) -> EngineError:
    return EngineError(ErrorKind.BAD_REQUEST, f"Bad request: {description}. Help: {solution}.")
