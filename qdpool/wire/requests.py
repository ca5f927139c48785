"""Requests: a REST-shaped ``Call`` -> gRPC request (client), and back (server).

Client side, the ``encode_*`` functions build the request message of a call's gRPC
method from its REST JSON body and typed options. Server side, the ``*_to_rest``
functions turn a request message into ``(collection, REST body, REST params)`` and
refuse any field the embedded server does not honour (``refuse_unhandled``). Each
operation's spec (``qdpool.operations``) names its pair.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import orjson
from google.protobuf.message import Message
from google.protobuf.unknown_fields import UnknownFieldSet

from qdpool._proto import collections_pb2 as _col
from qdpool._proto import points_pb2 as _pts
from qdpool.call import Call

if TYPE_CHECKING:
    from qdpool.operations.spec import RestRequest
from qdpool.errors import InvalidInput
from qdpool.wire.filters import _fill_filter, filter_from_pb
from qdpool.wire.values import (
    _fill_dense,
    _fill_ids,
    _fill_number,
    _fill_point_id,
    _fill_vectors,
    _floats,
    _within,
    payload_from_pb,
    payload_to_pb,
    point_id_from_pb,
    vectors_from_pb,
)

_WITH_PAYLOAD_SHAPES = 'expected a bool, a list, {"include": [...]} or {"exclude": [...]}'


# ---------------------------------------------------------------- client: encode


def _body_of(call: Call) -> Mapping[str, Any]:
    if call.body is not None:
        body: Mapping[str, Any] = call.body
        return body
    if call.encoded:
        try:
            decoded = orjson.loads(call.encoded)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput("body", f"not JSON: {exc}") from None
        if not isinstance(decoded, dict):
            raise InvalidInput("body", "expected a JSON object")
        return decoded
    return {}


def _collection_of(call: Call) -> str:
    if not call.collection:
        raise InvalidInput("collection", f"{call.operation.name} needs a collection name")
    return call.collection


def _check_keys(body: Mapping[str, Any], allowed: frozenset[str], path: str = "body") -> None:
    for key, value in body.items():
        if key not in allowed and value is not None:
            raise InvalidInput(f"{path}.{key}", "not supported over gRPC by qdpool")


def _apply_options(out: Any, call: Call, *, wait: bool) -> None:
    options = call.options
    if options is None:
        return
    if wait and options.wait is not None:
        out.wait = options.wait
    if options.ordering is not None:
        out.ordering.type = _ORDERING_TO_PB[options.ordering]
    if options.consistency is not None:
        _fill_consistency(out.read_consistency, options.consistency)


_ORDERING_TO_PB = {"weak": 0, "medium": 1, "strong": 2}
_CONSISTENCY_TO_PB = {"all": 0, "majority": 1, "quorum": 2}


def _fill_consistency(out: Any, value: int | str) -> None:
    if isinstance(value, int):
        out.factor = value
    else:
        out.type = _CONSISTENCY_TO_PB[value]


def _fill_with_payload(out: Any, value: Any, path: str) -> None:
    if isinstance(value, bool):
        out.enable = value
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        out.include.SetInParent()
        out.include.fields.extend(value)
    elif isinstance(value, Mapping) and len(value) == 1:
        ((name, fields),) = value.items()
        if name not in ("include", "exclude") or not isinstance(fields, list | tuple):
            raise InvalidInput(
                path, 'expected a bool, a list, {"include": [...]} or {"exclude": ...}'
            )
        target = getattr(out, name)
        target.SetInParent()
        try:
            target.fields.extend(fields)
        except TypeError:
            raise InvalidInput(f"{path}.{name}", "expected a list of strings") from None
    else:
        raise InvalidInput(path, _WITH_PAYLOAD_SHAPES)


def _fill_with_vectors(out: Any, value: Any, path: str) -> None:
    if isinstance(value, bool):
        out.enable = value
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        out.include.SetInParent()
        out.include.names.extend(value)
    else:
        raise InvalidInput(path, "expected a bool or a list of vector names")


def encode_delete_collection(call: Call) -> Any:
    out = _col.DeleteCollection(collection_name=_collection_of(call))
    _apply_options(out, call, wait=False)
    return out


def _encode_point(out: Any, point: Any) -> None:
    # Paths are relative to the point; the caller prefixes ``points[i]`` only on error, so
    # the loop allocates no path strings.
    if not isinstance(point, Mapping):
        raise InvalidInput("", 'expected {"id", "vector", "payload"}')
    for key, value in point.items():
        if value is None:
            continue
        if key == "id":
            _fill_point_id(out.id, value, "id")
        elif key == "vector":
            _fill_vectors(out.vectors, value, "vector")
        elif key == "payload":
            payload_to_pb(value, out.payload, "payload")
        else:
            raise InvalidInput(key, "not supported over gRPC by qdpool")
    if "id" not in point:
        raise InvalidInput("id", "a point needs an id")


def _encode_batch(out: Any, batch: Any) -> None:
    if not isinstance(batch, Mapping):
        raise InvalidInput("batch", 'expected {"ids", "vectors", "payloads"}')
    _check_keys(batch, frozenset(("ids", "vectors", "payloads")), "batch")
    ids = batch.get("ids") or []
    vectors = batch.get("vectors")
    payloads = batch.get("payloads")
    if isinstance(vectors, Mapping):
        per_point: list[Any] = [
            {name: column[i] for name, column in vectors.items()} for i in range(len(ids))
        ]
    else:
        per_point = list(vectors) if vectors is not None else [None] * len(ids)
    if len(per_point) != len(ids) or (payloads is not None and len(payloads) != len(ids)):
        raise InvalidInput("batch", "ids, vectors and payloads must have the same length")
    add = out.points.add
    for index, point_id in enumerate(ids):
        point = add()
        try:
            _fill_point_id(point.id, point_id, "ids")
            if per_point[index] is not None:
                _fill_vectors(point.vectors, per_point[index], "vectors")
            if payloads is not None and payloads[index] is not None:
                payload_to_pb(payloads[index], point.payload, "payloads")
        except InvalidInput as exc:
            column, _, rest = exc.field.partition(".")
            field = f"batch.{column}[{index}]" + (f".{rest}" if rest else "")
            raise InvalidInput(field, exc.problem) from None


def encode_upsert(call: Call) -> Any:
    body = _body_of(call)
    out = _pts.UpsertPoints(collection_name=_collection_of(call))
    points = body.get("points")
    if points is not None:
        _check_keys(body, frozenset(("points",)))
        if not isinstance(points, list | tuple):
            raise InvalidInput("points", "expected a list of points")
        add = out.points.add
        for index, point in enumerate(points):
            try:
                _encode_point(add(), point)
            except InvalidInput as exc:
                raise _within(f"points[{index}]", exc) from None
    elif body.get("batch") is not None:
        _check_keys(body, frozenset(("batch",)))
        _encode_batch(out, body["batch"])
    else:
        raise InvalidInput("body", 'expected "points" or "batch"')
    _apply_options(out, call, wait=True)
    return out


def encode_delete(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("points", "filter")))
    out = _pts.DeletePoints(collection_name=_collection_of(call))
    selector = out.points
    if body.get("points") is not None:
        selector.points.SetInParent()
        _fill_ids(selector.points.ids, body["points"], "points")
    elif body.get("filter") is not None:
        selector.filter.SetInParent()
        _fill_filter(selector.filter, body["filter"], "filter")
    else:
        raise InvalidInput("body", 'expected "points" or "filter"')
    _apply_options(out, call, wait=True)
    return out


_RETRIEVE_KEYS = frozenset(("ids", "with_payload", "with_vector"))


def encode_retrieve(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, _RETRIEVE_KEYS)
    out = _pts.GetPoints(collection_name=_collection_of(call))
    _fill_ids(out.ids, body.get("ids") or [], "ids")
    _fill_selectors(out, body, payload_default=True)
    _apply_options(out, call, wait=False)
    return out


def _fill_selectors(out: Any, body: Mapping[str, Any], *, payload_default: bool | None) -> None:
    with_payload = body.get("with_payload")
    if with_payload is None:
        with_payload = payload_default
    if with_payload is not None:
        _fill_with_payload(out.with_payload, with_payload, "with_payload")
    with_vector = body.get("with_vector")
    if with_vector is None and payload_default is not None:
        with_vector = False
    if with_vector is not None:
        _fill_with_vectors(out.with_vectors, with_vector, "with_vector")


def encode_count(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("filter", "exact")))
    out = _pts.CountPoints(collection_name=_collection_of(call))
    if body.get("filter") is not None:
        out.filter.SetInParent()
        _fill_filter(out.filter, body["filter"], "filter")
    exact = body.get("exact")
    out.exact = True if exact is None else bool(exact)
    _apply_options(out, call, wait=False)
    return out


_QUERY_KEYS = frozenset(
    (
        "query",
        "using",
        "filter",
        "limit",
        "offset",
        "with_payload",
        "with_vector",
        "score_threshold",
        "params",
    )
)
_SEARCH_PARAM_KEYS = frozenset(("hnsw_ef", "exact", "quantization", "indexed_only"))
_QUANTIZATION_KEYS = frozenset(("ignore", "rescore", "oversampling"))


def _fill_search_params(out: Any, params: Any, path: str) -> None:
    if not isinstance(params, Mapping):
        raise InvalidInput(path, "expected an object")
    _check_keys(params, _SEARCH_PARAM_KEYS, path)
    out.SetInParent()
    if params.get("hnsw_ef") is not None:
        _fill_number(out, "hnsw_ef", params["hnsw_ef"], f"{path}.hnsw_ef")
    for name in ("exact", "indexed_only"):
        if params.get(name) is not None:
            setattr(out, name, bool(params[name]))
    quantization = params.get("quantization")
    if quantization is not None:
        qpath = f"{path}.quantization"
        if not isinstance(quantization, Mapping):
            raise InvalidInput(qpath, "expected an object")
        _check_keys(quantization, _QUANTIZATION_KEYS, qpath)
        target = out.quantization
        target.SetInParent()
        for name in ("ignore", "rescore"):
            if quantization.get(name) is not None:
                setattr(target, name, bool(quantization[name]))
        if quantization.get("oversampling") is not None:
            _fill_number(
                target,
                "oversampling",
                quantization["oversampling"],
                f"{qpath}.oversampling",
                integer=False,
            )


def _search_params_to_json(params: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        name: getattr(params, name)
        for name in ("hnsw_ef", "exact", "indexed_only")
        if params.HasField(name)
    }
    if params.HasField("quantization"):
        quantization = params.quantization
        result["quantization"] = {
            name: getattr(quantization, name)
            for name in ("ignore", "rescore", "oversampling")
            if quantization.HasField(name)
        }
    return result


def _fill_query(out: Any, query: Any, path: str) -> None:
    if isinstance(query, Mapping):
        if set(query) == {"nearest"}:
            _fill_query(out, query["nearest"], f"{path}.nearest")
            return
        raise InvalidInput(path, "only nearest queries (a vector or a point id) are supported")
    nearest = out.nearest
    if isinstance(query, int | str) and not isinstance(query, bool):
        _fill_point_id(nearest.id, query, path)
    else:
        _fill_dense(nearest.dense, query, path)


def encode_query(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, _QUERY_KEYS)
    out = _pts.QueryPoints(collection_name=_collection_of(call))
    query = body.get("query")
    if query is not None:
        _fill_query(out.query, query, "query")
    using = body.get("using")
    if using is not None:
        if not isinstance(using, str):
            raise InvalidInput("using", "expected a vector name")
        out.using = using
    if body.get("filter") is not None:
        _fill_filter(out.filter, body["filter"], "filter")
        out.filter.SetInParent()
    for name in ("limit", "offset"):
        value = body.get(name)
        if value is not None:
            _fill_number(out, name, value, name)
    search_params = body.get("params")
    if search_params is not None:
        _fill_search_params(out.params, search_params, "params")
    threshold = body.get("score_threshold")
    if threshold is not None:
        _fill_number(out, "score_threshold", threshold, "score_threshold", integer=False)
    _fill_selectors(out, body, payload_default=None)
    _apply_options(out, call, wait=False)
    return out


def encode_scroll(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("offset", "limit", "filter", "with_payload", "with_vector")))
    out = _pts.ScrollPoints(collection_name=_collection_of(call))
    if body.get("filter") is not None:
        out.filter.SetInParent()
        _fill_filter(out.filter, body["filter"], "filter")
    offset = body.get("offset")
    if offset is not None:
        _fill_point_id(out.offset, offset, "offset")
    limit = body.get("limit")
    if limit is not None:
        _fill_number(out, "limit", limit, "limit")
    _fill_selectors(out, body, payload_default=True)
    _apply_options(out, call, wait=False)
    return out


def named_request(cls: Any) -> Callable[[Call], Any]:
    def encode(call: Call) -> Any:
        return cls(collection_name=_collection_of(call))

    return encode


# ---------------------------------------------------------------- server: decode


def _params_from(message: Any, *, wait: bool) -> dict[str, str]:
    params: dict[str, str] = {}
    if wait and message.HasField("wait"):
        params["wait"] = "true" if message.wait else "false"
    if message.HasField("timeout"):
        params["timeout"] = str(message.timeout)
    return params


def _with_payload_from_pb(selector: Any) -> Any:
    kind = selector.WhichOneof("selector_options")
    if kind == "enable":
        return selector.enable
    if kind == "include":
        return list(selector.include.fields)
    if kind == "exclude":
        return {"exclude": list(selector.exclude.fields)}
    return None


def _with_vectors_from_pb(selector: Any) -> Any:
    kind = selector.WhichOneof("selector_options")
    if kind == "enable":
        return selector.enable
    if kind == "include":
        return list(selector.include.names)
    return None


def _selectors_to_body(message: Any, body: dict[str, Any]) -> None:
    with_payload = _with_payload_from_pb(message.with_payload)
    if with_payload is not None:
        body["with_payload"] = with_payload
    if message.HasField("with_vectors"):
        with_vector = _with_vectors_from_pb(message.with_vectors)
        if with_vector is not None:
            body["with_vector"] = with_vector


def _point_to_json(point: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": point_id_from_pb(point.id),
        "vector": vectors_from_pb(point.vectors),
    }
    payload = payload_from_pb(point.payload)
    if payload is not None:
        result["payload"] = payload
    return result


def _delete_to_rest(message: Any) -> dict[str, Any]:
    selector = message.points
    kind = selector.WhichOneof("points_selector_one_of")
    if kind == "points":
        return {"points": [point_id_from_pb(i) for i in selector.points.ids]}
    if kind == "filter":
        return {"filter": filter_from_pb(selector.filter)}
    raise InvalidInput("points", "a points selector needs ids or a filter")


def _retrieve_to_rest(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ids": [point_id_from_pb(i) for i in message.ids]}
    _selectors_to_body(message, body)
    return body


def _count_to_rest(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    if message.HasField("exact"):
        body["exact"] = message.exact
    return body


def _query_to_rest(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if message.HasField("query"):
        query = message.query
        if query.WhichOneof("variant") != "nearest":
            raise InvalidInput("query", "only nearest queries are supported")
        nearest = query.nearest
        kind = nearest.WhichOneof("variant")
        if kind == "dense":
            body["query"] = _floats(nearest.dense.data)
        elif kind == "id":
            body["query"] = point_id_from_pb(nearest.id)
        else:
            raise InvalidInput("query.nearest", "expected a dense vector or a point id")
    if message.HasField("using"):
        body["using"] = message.using
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    for name in ("limit", "offset"):
        if message.HasField(name):
            body[name] = getattr(message, name)
    if message.HasField("params"):
        body["params"] = _search_params_to_json(message.params)
    if message.HasField("score_threshold"):
        body["score_threshold"] = message.score_threshold
    if message.HasField("with_payload"):
        with_payload = _with_payload_from_pb(message.with_payload)
        if with_payload is not None:
            body["with_payload"] = with_payload
    if message.HasField("with_vectors"):
        with_vector = _with_vectors_from_pb(message.with_vectors)
        if with_vector is not None:
            body["with_vector"] = with_vector
    return body


def _scroll_to_rest(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if message.HasField("offset"):
        body["offset"] = point_id_from_pb(message.offset)
    if message.HasField("limit"):
        body["limit"] = message.limit
    if message.HasField("filter"):
        body["filter"] = filter_from_pb(message.filter)
    _selectors_to_body(message, body)
    return body


# ---------------------------------------------------------------- server: never ignore a field


def refuse_unhandled(message: Message, handled: frozenset[str], path: str = "") -> None:
    """Refuse a request that sets a field the server does not honour.

    Qdrant's server honours every field it declares; qdpool's embedded server honours
    a subset, and a field silently dropped would change what the caller asked for (an
    ``update_filter`` ignored overwrites a point that should have stayed). So every set
    field outside ``handled``, and any field our protos do not declare, is refused with
    ``InvalidInput`` naming it (the door answers INVALID_ARGUMENT).
    """
    for descriptor, _value in message.ListFields():
        if descriptor.name not in handled:
            where = f"{path}.{descriptor.name}" if path else descriptor.name
            raise InvalidInput(where, "is not supported by qdpool's embedded server")
    unknown = UnknownFieldSet(message)
    if len(unknown):
        numbers = sorted({unknown[i].field_number for i in range(len(unknown))})
        raise InvalidInput(path or "request", f"has fields this server does not know: {numbers}")


def _rest_params(message: Any, *, wait: bool) -> dict[str, str]:
    return _params_from(message, wait=wait)


def _collection_only(message: Any) -> RestRequest:
    refuse_unhandled(message, _NAME_ONLY)
    return message.collection_name, None, {}


_NAME_ONLY = frozenset(("collection_name",))


def nothing_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset())
    return None, None, {}


collection_only_to_rest = _collection_only


def delete_collection_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset(("collection_name", "timeout")))
    return message.collection_name, None, _params_from(message, wait=False)


def upsert_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset(("collection_name", "wait", "points", "timeout")))
    return (
        message.collection_name,
        {"points": [_point_to_json(p) for p in message.points]},
        _params_from(message, wait=True),
    )


def retrieve_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(
        message, frozenset(("collection_name", "ids", "with_payload", "with_vectors", "timeout"))
    )
    return message.collection_name, _retrieve_to_rest(message), _params_from(message, wait=False)


def count_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset(("collection_name", "filter", "exact", "timeout")))
    return message.collection_name, _count_to_rest(message), _params_from(message, wait=False)


def delete_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, frozenset(("collection_name", "wait", "points", "timeout")))
    return message.collection_name, _delete_to_rest(message), _params_from(message, wait=True)


def query_to_rest(message: Any) -> RestRequest:
    refuse_unhandled(message, _QUERY_FIELDS)
    return message.collection_name, _query_to_rest(message), _params_from(message, wait=False)


_QUERY_FIELDS = frozenset(
    (
        "collection_name",
        "query",
        "using",
        "filter",
        "params",
        "score_threshold",
        "limit",
        "offset",
        "with_vectors",
        "with_payload",
        "timeout",
    )
)


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
                "timeout",
            )
        ),
    )
    return message.collection_name, _scroll_to_rest(message), _params_from(message, wait=False)
