"""Requests: a REST-shaped ``Call`` -> gRPC request (client), and back (server).

Client side, ``encode_request`` builds the request message of a call's gRPC method from
its REST JSON body and query params. Server side, ``request_to_rest`` turns a request
message into ``(collection, REST body, REST params)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson
from google.protobuf.message import Message

from qdpool._proto import collections_pb2 as _col
from qdpool._proto import points_pb2 as _pts
from qdpool._proto import qdrant_pb2 as _qd
from qdpool._proto import snapshots_pb2 as _snap
from qdpool.call import Call
from qdpool.errors import InvalidInput
from qdpool.transport.codec_proto.filters import _fill_filter, filter_from_pb
from qdpool.transport.codec_proto.messages import _DISTANCE_FROM_PB, _DISTANCE_TO_PB
from qdpool.transport.codec_proto.values import (
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
_TRUE_FALSE = {"true": True, "false": False, "1": True, "0": False}


# ---------------------------------------------------------------- client: encode


def _body_of(call: Call) -> Mapping[str, Any]:
    if call.body is not None:
        return call.body
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


def _apply_params(out: Any, params: Mapping[str, str] | None, *, wait: bool) -> None:
    if not params:
        return
    if wait:
        raw = params.get("wait")
        if raw is not None:
            flag = _TRUE_FALSE.get(str(raw).lower())
            if flag is None:
                raise InvalidInput("params.wait", 'expected "true" or "false"')
            out.wait = flag
    raw = params.get("timeout")
    if raw is not None:
        try:
            seconds = int(raw)
        except ValueError:
            try:
                seconds = int(-(-float(raw) // 1))  # a fraction rounds up to whole seconds
            except ValueError:
                raise InvalidInput("params.timeout", "expected whole seconds") from None
        if seconds < 0:
            raise InvalidInput("params.timeout", "expected a non-negative number of seconds")
        out.timeout = seconds


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


_CREATE_KEYS = frozenset(("vectors", "shard_number", "replication_factor", "on_disk_payload"))
_VECTOR_PARAM_KEYS = frozenset(("size", "distance", "on_disk"))


def _fill_vector_params(out: Any, params: Any, path: str) -> None:
    if not isinstance(params, Mapping):
        raise InvalidInput(path, 'expected {"size": n, "distance": "..."}')
    _check_keys(params, _VECTOR_PARAM_KEYS, path)
    _fill_number(out, "size", params.get("size"), f"{path}.size")
    distance = _DISTANCE_TO_PB.get(params.get("distance"))  # type: ignore[arg-type]
    if distance is None:
        raise InvalidInput(f"{path}.distance", "expected Cosine, Euclid, Dot or Manhattan")
    out.distance = distance
    on_disk = params.get("on_disk")
    if on_disk is not None:
        out.on_disk = bool(on_disk)


def _fill_vectors_config(out: Any, vectors: Any, path: str) -> None:
    if not isinstance(vectors, Mapping):
        raise InvalidInput(path, "expected vector parameters or a map of named ones")
    out.SetInParent()
    if "size" in vectors and not isinstance(vectors["size"], Mapping):
        _fill_vector_params(out.params, vectors, path)
    else:
        named = out.params_map
        named.SetInParent()
        for name, params in vectors.items():
            _fill_vector_params(named.map[name], params, f"{path}.{name}")


def _encode_create_collection(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, _CREATE_KEYS)
    out = _col.CreateCollection(collection_name=_collection_of(call))
    vectors = body.get("vectors")
    if vectors is not None:
        _fill_vectors_config(out.vectors_config, vectors, "vectors")
    for name in ("shard_number", "replication_factor"):
        value = body.get(name)
        if value is not None:
            _fill_number(out, name, value, name)
    on_disk_payload = body.get("on_disk_payload")
    if on_disk_payload is not None:
        out.on_disk_payload = bool(on_disk_payload)
    _apply_params(out, call.params, wait=False)
    return out


def _encode_delete_collection(call: Call) -> Any:
    out = _col.DeleteCollection(collection_name=_collection_of(call))
    _apply_params(out, call.params, wait=False)
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


def _encode_upsert(call: Call) -> Any:
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
    _apply_params(out, call.params, wait=True)
    return out


def _encode_delete(call: Call) -> Any:
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
    _apply_params(out, call.params, wait=True)
    return out


_RETRIEVE_KEYS = frozenset(("ids", "with_payload", "with_vector"))


def _encode_retrieve(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, _RETRIEVE_KEYS)
    out = _pts.GetPoints(collection_name=_collection_of(call))
    _fill_ids(out.ids, body.get("ids") or [], "ids")
    _fill_selectors(out, body, payload_default=True)
    _apply_params(out, call.params, wait=False)
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


def _encode_count(call: Call) -> Any:
    body = _body_of(call)
    _check_keys(body, frozenset(("filter", "exact")))
    out = _pts.CountPoints(collection_name=_collection_of(call))
    if body.get("filter") is not None:
        out.filter.SetInParent()
        _fill_filter(out.filter, body["filter"], "filter")
    exact = body.get("exact")
    out.exact = True if exact is None else bool(exact)
    _apply_params(out, call.params, wait=False)
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


def _encode_query(call: Call) -> Any:
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
    _apply_params(out, call.params, wait=False)
    return out


def _encode_scroll(call: Call) -> Any:
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
    _apply_params(out, call.params, wait=False)
    return out


def _named_request(cls: Any) -> Callable[[Call], Any]:
    def encode(call: Call) -> Any:
        return cls(collection_name=_collection_of(call))

    return encode


_ENCODERS: dict[str, Callable[[Call], Any]] = {
    "create_collection": _encode_create_collection,
    "list_collections": lambda call: _col.ListCollectionsRequest(),
    "get_collection": _named_request(_col.GetCollectionInfoRequest),
    "collection_exists": _named_request(_col.CollectionExistsRequest),
    "delete_collection": _encode_delete_collection,
    "upsert": _encode_upsert,
    "retrieve": _encode_retrieve,
    "count": _encode_count,
    "delete": _encode_delete,
    "query_points": _encode_query,
    "scroll": _encode_scroll,
    "create_snapshot": _named_request(_snap.CreateSnapshotRequest),
    "list_snapshots": _named_request(_snap.ListSnapshotsRequest),
    "health": lambda call: _qd.HealthCheckRequest(),
}


def encode_request(call: Call) -> Message:
    """The gRPC request message for ``call`` (REST-shaped body and params).

    Raises ``InvalidInput`` naming the offending path for input gRPC cannot carry.
    """
    encoder = _ENCODERS.get(call.operation.name)
    if encoder is None:
        raise InvalidInput("operation", f"{call.operation.name} has no gRPC method")
    message: Message = encoder(call)
    return message


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


def _vector_params_to_json(params: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "size": params.size,
        "distance": _DISTANCE_FROM_PB.get(params.distance, "UnknownDistance"),
    }
    if params.HasField("on_disk"):
        result["on_disk"] = params.on_disk
    return result


def _vectors_config_to_json(config: Any) -> dict[str, Any]:
    if config.WhichOneof("config") == "params":
        return _vector_params_to_json(config.params)
    return {name: _vector_params_to_json(p) for name, p in config.params_map.map.items()}


def _create_collection_to_rest(message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if message.HasField("vectors_config"):
        body["vectors"] = _vectors_config_to_json(message.vectors_config)
    for name in ("shard_number", "replication_factor", "on_disk_payload"):
        if message.HasField(name):
            body[name] = getattr(message, name)
    return body


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


_RestRequest = tuple[str | None, dict[str, Any] | None, dict[str, str]]


def _no_body(message: Any) -> _RestRequest:
    return message.collection_name, None, {}


_REQUEST_TO_REST: dict[str, Callable[[Any], _RestRequest]] = {
    "create_collection": lambda m: (
        m.collection_name,
        _create_collection_to_rest(m),
        _params_from(m, wait=False),
    ),
    "list_collections": lambda m: (None, None, {}),
    "get_collection": _no_body,
    "collection_exists": _no_body,
    "delete_collection": lambda m: (m.collection_name, None, _params_from(m, wait=False)),
    "upsert": lambda m: (
        m.collection_name,
        {"points": [_point_to_json(p) for p in m.points]},
        _params_from(m, wait=True),
    ),
    "retrieve": lambda m: (m.collection_name, _retrieve_to_rest(m), _params_from(m, wait=False)),
    "count": lambda m: (m.collection_name, _count_to_rest(m), _params_from(m, wait=False)),
    "delete": lambda m: (m.collection_name, _delete_to_rest(m), _params_from(m, wait=True)),
    "query_points": lambda m: (m.collection_name, _query_to_rest(m), _params_from(m, wait=False)),
    "scroll": lambda m: (m.collection_name, _scroll_to_rest(m), _params_from(m, wait=False)),
    "create_snapshot": _no_body,
    "list_snapshots": _no_body,
    "health": lambda m: (None, None, {}),
}


def request_to_rest(
    operation_name: str, message: Message
) -> tuple[str | None, dict[str, Any] | None, dict[str, str]]:
    """A gRPC request as ``(collection, REST body or None, REST query params)``.

    Unset optional fields are left out of the body, so REST's defaults apply.
    """
    return _REQUEST_TO_REST[operation_name](message)
