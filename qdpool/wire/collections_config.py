"""Collection configuration: Qdrant's REST JSON <-> our protobuf messages, both ways.

One converter, driven by the message descriptors, serves every configuration
message (vector spaces, HNSW, optimizers, WAL, quantization, strict mode, sparse
vectors, collection and cluster info, aliases). A REST key is the proto field's
name except for the renames in ``_RENAMES``; enums travel as Qdrant's REST strings
(``enum_text``); the few messages whose REST shape is not an object of their
fields (a bare string for a oneof, ``"Disabled"``, maps, ``{"type": ...}``) have a
pair of functions in ``_TO_JSON`` / ``_FROM_JSON``. So a field declared in the
protos travels both ways without a line here, and nothing is dropped in between.

``strict`` is for requests: an unknown key, a field set twice in a oneof, or a
missing required field is refused with ``InvalidInput`` naming its REST path
(received messages: any unknown field number). Lenient is for answers: keys our
protos do not declare are skipped, so a newer server's additions do not break
decoding; a value of the wrong type is refused either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.unknown_fields import UnknownFieldSet

from qdpool.errors import InvalidInput
from qdpool.models import as_float32
from qdpool.wire.values import (
    _fill_number,
    _timestamp_from_text,
    _timestamp_text,
    payload_from_pb,
    payload_to_pb,
)

_F = FieldDescriptor
_INTEGERS = frozenset(
    (_F.TYPE_UINT32, _F.TYPE_UINT64, _F.TYPE_INT32, _F.TYPE_INT64, _F.TYPE_SINT64)
)
_PACKAGE = "qdpool.wire."

_RENAMES: dict[tuple[str, str], str] = {
    ("CreateCollection", "vectors_config"): "vectors",
    ("CreateCollection", "sparse_vectors_config"): "sparse_vectors",
    ("UpdateCollection", "vectors_config"): "vectors",
    ("UpdateCollection", "sparse_vectors_config"): "sparse_vectors",
    ("CollectionParams", "vectors_config"): "vectors",
    ("CollectionParams", "sparse_vectors_config"): "sparse_vectors",
    ("QuantizationConfig", "turboquant"): "turbo",
    ("QuantizationConfigDiff", "turboquant"): "turbo",
}
"""(message, field) -> REST key, where Qdrant's REST API names a field differently."""

_HIDDEN: frozenset[tuple[str, str]] = frozenset(
    (("OptimizersConfigDiff", "deprecated_max_optimization_threads"),)
)
"""Fields with no REST key of their own (see ``_optimizers_to_json``)."""

_REQUIRED: dict[str, tuple[str, ...]] = {
    "VectorParams": ("size", "distance"),
    "ScalarQuantization": ("type",),
    "ProductQuantization": ("compression",),
    "CreateAlias": ("collection_name", "alias_name"),
    "RenameAlias": ("old_alias_name", "new_alias_name"),
    "DeleteAlias": ("alias_name",),
}
"""REST keys a request must give (Qdrant's REST schema requires them)."""

_ONE_REQUIRED: dict[str, str] = {"AliasOperations": "action"}
"""Messages that are one of their oneof's members, and so must set exactly one."""

_KEEP_CASE = frozenset(("Distance", "ReplicaState", "CompressionRatio"))


def _short(descriptor: Any) -> str:
    name: str = descriptor.full_name
    return name.removeprefix(_PACKAGE)


def _rest_text(enum: str, name: str) -> str:
    if enum in _KEEP_CASE:
        return name
    if enum.endswith(".Setting"):
        return name.lower()
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


_ENUM_CACHE: dict[str, tuple[dict[int, str], dict[str, int]]] = {}


def enum_text(enum: Any) -> tuple[dict[int, str], dict[str, int]]:
    """``(number -> REST text, REST text -> number)`` for one enum; placeholders
    (``UnknownDistance``, ``MemoryUnknown``, ``Datatype.Default``) have no text."""
    cached = _ENUM_CACHE.get(enum.full_name)
    if cached is None:
        short = _short(enum)
        texts = {
            v.number: _rest_text(short, v.name)
            for v in enum.values
            if not v.name.startswith("Unknown")
            and v.name != "MemoryUnknown"
            and not (short == "Datatype" and v.name == "Default")
        }
        cached = texts, {text: number for number, text in texts.items()}
        _ENUM_CACHE[enum.full_name] = cached
    return cached


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _key(message: Any, field: Any) -> str:
    name: str = field.name
    return _RENAMES.get((_short(message), name), name)


def _float32_text(value: float) -> float:
    """A float32 field's value as the shortest decimal that reads back as it (0.9, not
    0.8999999761581421), as Qdrant's REST JSON writes it."""
    for digits in range(1, 10):
        shortest = float(f"{value:.{digits}g}")
        if as_float32(shortest) == value:
            return shortest
    return value


# ---------------------------------------------------------------- message -> REST JSON


def to_json(message: Message, path: str = "", *, strict: bool = False) -> Any:
    """A message as Qdrant's REST JSON: every field it sets (proto3 plain scalars always).

    ``strict`` refuses a message carrying fields our protos do not declare (a received
    request must not lose any)."""
    if strict:
        _refuse_unknown(message, path)
    special = _TO_JSON.get(_short(message.DESCRIPTOR))
    if special is not None:
        return special(message, path, strict)
    return _fields_to_json(message, path, strict, skip=frozenset())


def _fields_to_json(
    message: Message, path: str, strict: bool, *, skip: frozenset[str]
) -> dict[str, Any]:
    descriptor = message.DESCRIPTOR
    short = _short(descriptor)
    out: dict[str, Any] = {}
    for field in descriptor.fields:
        if field.name in skip or (short, field.name) in _HIDDEN:
            continue
        key = _key(descriptor, field)
        value = getattr(message, field.name)
        where = _join(path, key)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            if len(value):
                out[key] = _map_to_json(field, value, where, strict)
        elif field.is_repeated:
            if len(value):
                out[key] = [_value_to_json(field, item, where, strict) for item in value]
        elif field.has_presence and not message.HasField(field.name):
            continue
        else:
            converted = _value_to_json(field, value, where, strict)
            if converted is not None:
                out[key] = converted
    return out


def _map_to_json(field: Any, value: Any, path: str, strict: bool) -> dict[str, Any]:
    entry = field.message_type.fields_by_name["value"]
    if entry.message_type is not None and _short(entry.message_type) == "Value":
        return payload_from_pb(value) or {}
    return {k: _value_to_json(entry, v, _join(path, k), strict) for k, v in value.items()}


def _value_to_json(field: Any, value: Any, path: str, strict: bool) -> Any:
    if field.message_type is not None:
        return to_json(value, path, strict=strict)
    if field.enum_type is not None:
        texts, _ = enum_text(field.enum_type)
        return texts.get(value)
    if field.type == _F.TYPE_FLOAT:
        return _float32_text(value)
    return value


def _refuse_unknown(message: Message, path: str) -> None:
    unknown = UnknownFieldSet(message)
    if len(unknown):
        numbers = sorted({unknown[i].field_number for i in range(len(unknown))})
        raise InvalidInput(path or "request", f"has fields this server does not know: {numbers}")


# ---------------------------------------------------------------- REST JSON -> message


def from_json(out: Message, raw: Any, path: str = "", *, strict: bool = True) -> None:
    """Fill ``out`` from its REST JSON ``raw`` (nulls mean unset)."""
    special = _FROM_JSON.get(_short(out.DESCRIPTOR))
    if special is not None:
        special(out, raw, path, strict)
        return
    _fields_from_json(out, raw, path, strict, skip=frozenset())


def _fields_from_json(
    out: Message, raw: Any, path: str, strict: bool, *, skip: frozenset[str]
) -> None:
    if not isinstance(raw, Mapping):
        raise InvalidInput(path or "body", "expected an object")
    descriptor = out.DESCRIPTOR
    by_key = _keys_of(descriptor)
    short = _short(descriptor)
    message: Any = out
    message.SetInParent()
    for key, value in raw.items():
        field = by_key.get(key)
        where = _join(path, str(key))
        if field is None or field.name in skip:
            if strict and value is not None:
                raise InvalidInput(where, "unknown field")
            continue
        if value is None:
            continue
        oneof = field.containing_oneof
        if strict and oneof is not None and message.WhichOneof(oneof.name) is not None:
            raise InvalidInput(where, f"only one of {_oneof_keys(descriptor, oneof)} may be set")
        _set_field(message, field, value, where, strict)
    if strict:
        for key in _REQUIRED.get(short, ()):
            if raw.get(key) is None:
                raise InvalidInput(_join(path, key), "is required")
        oneof_name = _ONE_REQUIRED.get(short)
        if oneof_name is not None and message.WhichOneof(oneof_name) is None:
            oneof = descriptor.oneofs_by_name[oneof_name]
            raise InvalidInput(path or "body", f"expected one of {_oneof_keys(descriptor, oneof)}")


_KEYS_CACHE: dict[str, dict[str, Any]] = {}


def _keys_of(descriptor: Any) -> dict[str, Any]:
    keys = _KEYS_CACHE.get(descriptor.full_name)
    if keys is None:
        short = _short(descriptor)
        keys = {_key(descriptor, f): f for f in descriptor.fields if (short, f.name) not in _HIDDEN}
        _KEYS_CACHE[descriptor.full_name] = keys
    return keys


def _oneof_keys(descriptor: Any, oneof: Any) -> str:
    return ", ".join(_key(descriptor, f) for f in oneof.fields)


def _set_field(message: Any, field: Any, value: Any, path: str, strict: bool) -> None:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        if not isinstance(value, Mapping):
            raise InvalidInput(path, "expected an object")
        target = getattr(message, field.name)
        entry = field.message_type.fields_by_name["value"]
        if entry.message_type is not None and _short(entry.message_type) == "Value":
            payload_to_pb(value, target, path)
            return
        for name, item in value.items():
            if not isinstance(name, str):
                raise InvalidInput(path, "keys must be strings")
            if item is None:
                continue
            if entry.message_type is not None:
                from_json(target[name], item, _join(path, name), strict=strict)
            else:
                target[name] = _scalar(entry, item, _join(path, name))
        return
    if field.is_repeated:
        if not isinstance(value, list | tuple):
            raise InvalidInput(path, "expected a list")
        target = getattr(message, field.name)
        for index, item in enumerate(value):
            where = f"{path}[{index}]"
            if field.message_type is not None:
                from_json(target.add(), item, where, strict=strict)
            else:
                target.append(_scalar(field, item, where))
        return
    if field.message_type is not None:
        from_json(getattr(message, field.name), value, path, strict=strict)
        return
    if field.type in _INTEGERS or field.type in (_F.TYPE_DOUBLE, _F.TYPE_FLOAT):
        _fill_number(message, field.name, value, path, integer=field.type in _INTEGERS)
        return
    setattr(message, field.name, _scalar(field, value, path))


def _scalar(field: Any, value: Any, path: str) -> Any:
    if field.enum_type is not None:
        _, numbers = enum_text(field.enum_type)
        number = numbers.get(value) if isinstance(value, str) else None
        if number is None:
            raise InvalidInput(path, f"expected one of {', '.join(numbers)}")
        return number
    if field.type == _F.TYPE_BOOL:
        if not isinstance(value, bool):
            raise InvalidInput(path, "expected a bool")
        return value
    if field.type == _F.TYPE_STRING:
        if not isinstance(value, str):
            raise InvalidInput(path, "expected a string")
        return value
    integer = field.type in _INTEGERS
    if isinstance(value, bool) or not isinstance(value, int if integer else int | float):
        raise InvalidInput(path, "expected an integer" if integer else "expected a number")
    return value


# ---------------------------------------------------------------- shapes of their own


def _vectors_to_json(message: Any, path: str, strict: bool) -> Any:
    kind = message.WhichOneof("config")
    if kind == "params":
        return to_json(message.params, path, strict=strict)
    if kind == "params_map":
        return {
            k: to_json(v, _join(path, k), strict=strict) for k, v in message.params_map.map.items()
        }
    return {}


def _vectors_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    if not isinstance(raw, Mapping):
        raise InvalidInput(path, "expected vector parameters or a map of named ones")
    out.SetInParent()
    if "size" in raw and not isinstance(raw["size"], Mapping):
        from_json(out.params, raw, path, strict=strict)
        return
    out.params_map.SetInParent()
    for name, params in raw.items():
        from_json(out.params_map.map[name], params, _join(path, name), strict=strict)


def _vectors_diff_to_json(message: Any, path: str, strict: bool) -> Any:
    kind = message.WhichOneof("config")
    if kind == "params":  # the unnamed vector is "" in REST's map
        return {"": to_json(message.params, _join(path, ""), strict=strict)}
    if kind == "params_map":
        return {
            k: to_json(v, _join(path, k), strict=strict) for k, v in message.params_map.map.items()
        }
    return {}


def _vectors_diff_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    if not isinstance(raw, Mapping):
        raise InvalidInput(path, 'expected a map of vector names ("" for the unnamed one)')
    out.SetInParent()
    if set(raw) == {""}:
        from_json(out.params, raw[""], _join(path, ""), strict=strict)
        return
    out.params_map.SetInParent()
    for name, diff in raw.items():
        from_json(out.params_map.map[name], diff, _join(path, name), strict=strict)


def _map_message(field: str) -> tuple[Callable[..., Any], Callable[..., None]]:
    """The pair for a message that is one map field, shown in REST as the map itself."""

    def encode(message: Any, path: str, strict: bool) -> Any:
        descriptor = message.DESCRIPTOR.fields_by_name[field]
        return _map_to_json(descriptor, getattr(message, field), path, strict)

    def decode(out: Any, raw: Any, path: str, strict: bool) -> None:
        out.SetInParent()
        _set_field(out, out.DESCRIPTOR.fields_by_name[field], raw, path, strict)

    return encode, decode


def _threads_to_json(message: Any, path: str, strict: bool) -> Any:
    if message.WhichOneof("variant") == "setting":
        return "auto"
    return message.value


def _threads_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    if raw == "auto":
        out.setting = type(out).Auto
    else:
        _fill_number(out, "value", raw, path)


def _optimizers_to_json(message: Any, path: str, strict: bool) -> Any:
    result = _fields_to_json(message, path, strict, skip=frozenset())
    if (
        message.HasField("deprecated_max_optimization_threads")
        and "max_optimization_threads" not in result
    ):  # older clients send the thread count in the plain-number field
        result["max_optimization_threads"] = message.deprecated_max_optimization_threads
    return result


def _quantization_diff_to_json(message: Any, path: str, strict: bool) -> Any:
    if message.WhichOneof("quantization") == "disabled":
        return "Disabled"
    return _fields_to_json(message, path, strict, skip=frozenset(("disabled",)))


def _quantization_diff_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    if raw == "Disabled":
        out.disabled.SetInParent()
        return
    _fields_from_json(out, raw, path, strict, skip=frozenset(("disabled",)))


def _query_encoding_to_json(message: Any, path: str, strict: bool) -> Any:
    texts, _ = enum_text(message.DESCRIPTOR.fields_by_name["setting"].enum_type)
    return texts.get(message.setting)


def _query_encoding_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    out.setting = _scalar(out.DESCRIPTOR.fields_by_name["setting"], raw, path)


def _optimizer_status_to_json(message: Any, path: str, strict: bool) -> Any:
    return "ok" if message.ok else {"error": message.error}


def _optimizer_status_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    if raw == "ok":
        out.ok = True
    elif isinstance(raw, Mapping) and isinstance(raw.get("error"), str):
        out.error = raw["error"]
    else:
        raise InvalidInput(path, 'expected "ok" or {"error": "..."}')


def _index_params_to_json(message: Any, path: str, strict: bool) -> Any:
    kind = message.WhichOneof("index_params")
    if kind is None:
        return None
    inner = to_json(getattr(message, kind), path, strict=strict)
    return {"type": kind.removesuffix("_index_params"), **inner}


def _index_params_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    if isinstance(raw, str):  # a bare schema type: no parameters
        raw = {"type": raw}
    if not isinstance(raw, Mapping) or not isinstance(raw.get("type"), str):
        raise InvalidInput(path, 'expected {"type": "...", ...}')
    field = out.DESCRIPTOR.fields_by_name.get(f"{raw['type']}_index_params")
    if field is None:
        raise InvalidInput(_join(path, "type"), f"unknown index type {raw['type']!r}")
    rest = {k: v for k, v in raw.items() if k != "type"}
    from_json(getattr(out, field.name), rest, path, strict=strict)


def _stopwords_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    if isinstance(raw, str):  # one language's list
        out.languages.append(raw)
        return
    _fields_from_json(out, raw, path, strict, skip=frozenset())


def _stemmer_to_json(message: Any, path: str, strict: bool) -> Any:
    if message.WhichOneof("stemming_params") == "snowball":
        return {"type": "snowball", "language": message.snowball.language}
    if message.WhichOneof("stemming_params") == "disabled":
        return {"type": "none"}
    return None


def _stemmer_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if kind == "none":
        out.disabled.SetInParent()
        return
    if kind != "snowball":
        raise InvalidInput(
            path, 'expected {"type": "snowball", "language": "..."} or {"type": "none"}'
        )
    language = raw.get("language")
    if not isinstance(language, str):
        raise InvalidInput(_join(path, "language"), "expected a string")
    out.snowball.language = language


def _presence_to_json(message: Any, path: str, strict: bool) -> Any:
    return True


def _presence_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    """An empty message whose presence is the setting (keyword ``prefix``): REST's bool."""
    if not isinstance(raw, bool):
        raise InvalidInput(path, "expected a bool")
    if raw:
        out.SetInParent()


def _scoring_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    """``scoring``: ``true`` for BM25's defaults, ``false`` for none, or the object."""
    if isinstance(raw, bool):
        if raw:
            out.SetInParent()
        return
    _fields_from_json(out, raw, path, strict, skip=frozenset())


def _shard_key_to_json(message: Any, path: str, strict: bool) -> Any:
    return message.keyword if message.WhichOneof("key") == "keyword" else message.number


def _shard_key_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    if isinstance(raw, str):
        out.keyword = raw
    else:
        _fill_number(out, "number", raw, path)


def _timestamp_to_json(message: Any, path: str, strict: bool) -> Any:
    return _timestamp_text(message)


def _timestamp_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    if not isinstance(raw, str):
        raise InvalidInput(path, "expected an RFC 3339 timestamp")
    out.CopyFrom(_timestamp_from_text(raw, path))


def _collection_params_from_json(out: Any, raw: Any, path: str, strict: bool) -> None:
    _fields_from_json(out, raw, path, strict, skip=frozenset())
    if isinstance(raw, Mapping):  # REST leaves out what proto3 cannot: Qdrant's defaults
        if raw.get("on_disk_payload") is None:
            out.on_disk_payload = True
        if raw.get("shard_number") is None:
            out.shard_number = 1


_SPARSE = _map_message("map")
_STRICT_SPARSE = _map_message("sparse_config")
_STRICT_MULTI = _map_message("multivector_config")

_TO_JSON: dict[str, Callable[[Any, str, bool], Any]] = {
    "VectorsConfig": _vectors_to_json,
    "VectorsConfigDiff": _vectors_diff_to_json,
    "SparseVectorConfig": _SPARSE[0],
    "StrictModeSparseConfig": _STRICT_SPARSE[0],
    "StrictModeMultivectorConfig": _STRICT_MULTI[0],
    "MaxOptimizationThreads": _threads_to_json,
    "OptimizersConfigDiff": _optimizers_to_json,
    "QuantizationConfigDiff": _quantization_diff_to_json,
    "BinaryQuantizationQueryEncoding": _query_encoding_to_json,
    "OptimizerStatus": _optimizer_status_to_json,
    "PayloadIndexParams": _index_params_to_json,
    "StemmingAlgorithm": _stemmer_to_json,
    "KeywordPrefixParams": _presence_to_json,
    "ShardKey": _shard_key_to_json,
    "google.protobuf.Timestamp": _timestamp_to_json,
}
_FROM_JSON: dict[str, Callable[[Any, Any, str, bool], None]] = {
    "VectorsConfig": _vectors_from_json,
    "VectorsConfigDiff": _vectors_diff_from_json,
    "SparseVectorConfig": _SPARSE[1],
    "StrictModeSparseConfig": _STRICT_SPARSE[1],
    "StrictModeMultivectorConfig": _STRICT_MULTI[1],
    "MaxOptimizationThreads": _threads_from_json,
    "QuantizationConfigDiff": _quantization_diff_from_json,
    "BinaryQuantizationQueryEncoding": _query_encoding_from_json,
    "OptimizerStatus": _optimizer_status_from_json,
    "PayloadIndexParams": _index_params_from_json,
    "StopwordsSet": _stopwords_from_json,
    "StemmingAlgorithm": _stemmer_from_json,
    "KeywordPrefixParams": _presence_from_json,
    "TextScoringParams": _scoring_from_json,
    "ShardKey": _shard_key_from_json,
    "google.protobuf.Timestamp": _timestamp_from_json,
    "CollectionParams": _collection_params_from_json,
}
