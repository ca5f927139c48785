"""The collection-config converter drops nothing: every field of every message it carries
(requests the server receives, answers it sends) survives proto -> REST JSON -> proto.

Each message is filled with every field (one member per oneof, chosen by the variant, so
that across the variants each member is taken), converted to Qdrant's REST JSON and back,
and must compare equal. The few REST shapes that cannot hold a proto state are named and
tested on their own below.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from qdpool._proto import collections_pb2 as _col
from qdpool.errors import InvalidInput
from qdpool.wire.collections_config import enum_text, from_json, to_json

_F = FieldDescriptor
VARIANTS = 16  # twice PayloadIndexParams' 8 members: nested oneofs see every choice too
DEPTH = 8


def scalar(field: Any, salt: int) -> Any:
    kind = field.type
    if kind == _F.TYPE_STRING:
        return f"s{salt}"
    if kind == _F.TYPE_BOOL:
        return True
    if kind == _F.TYPE_FLOAT:
        return 0.5 + salt  # exact in float32
    if kind == _F.TYPE_DOUBLE:
        return 1.25 + salt / 8
    if kind in (_F.TYPE_UINT64, _F.TYPE_UINT32):
        return 2**20 + salt
    if kind in (_F.TYPE_INT64, _F.TYPE_SINT64):
        return -(2**40) - salt
    if kind == _F.TYPE_ENUM:
        numbers = [v.number for v in field.enum_type.values if v.number != 0] or [0]
        return numbers[salt % len(numbers)]
    raise AssertionError(f"no sample for {field.full_name}")


def fill(message: Any, variant: int, depth: int) -> Any:
    descriptor = message.DESCRIPTOR
    if descriptor.full_name == "google.protobuf.Timestamp":
        message.seconds = 1_700_000_000 + variant  # whole seconds, as REST writes them
        return message
    chosen = {
        o.name: o.fields[(variant + variant // len(o.fields) + depth) % len(o.fields)].number
        for o in descriptor.oneofs
        if len(o.fields) > 1
    }
    for field in descriptor.fields:
        oneof = field.containing_oneof
        if oneof is not None and oneof.name in chosen and chosen[oneof.name] != field.number:
            continue
        if field.message_type is not None and depth <= 0:
            continue
        salt = field.number + variant
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key, value = field.message_type.fields
            container = getattr(message, field.name)
            for i in range(2):
                if value.message_type is not None:
                    fill(container[scalar(key, salt + i)], variant + i, depth - 1)
                else:
                    container[scalar(key, salt + i)] = scalar(value, salt + i)
        elif field.is_repeated:
            container = getattr(message, field.name)
            for i in range(2):
                if field.message_type is not None:
                    fill(container.add(), variant + i, depth - 1)
                else:
                    container.append(scalar(field, salt + i))
        elif field.message_type is not None:
            sub = getattr(message, field.name)
            sub.SetInParent()
            fill(sub, variant, depth - 1)
        else:
            setattr(message, field.name, scalar(field, salt))
    return message


def representable(message: Any) -> Any:
    """Clear the states REST has no way to say (each tested on its own below)."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            items = value.values() if field.message_type.fields[1].message_type else []
        else:
            items = value if field.is_repeated else [value]
        for item in items:
            representable(item)
    name = message.DESCRIPTOR.name
    if name == "OptimizersConfigDiff" and message.HasField("max_optimization_threads"):
        message.ClearField("deprecated_max_optimization_threads")
    if name == "OptimizerStatus" and message.ok:
        message.error = ""
    return message


MESSAGES: list[tuple[type[Message], bool]] = [
    (_col.CreateCollection, True),
    (_col.UpdateCollection, True),
    (_col.ChangeAliases, True),
    (_col.CollectionInfo, False),
    (_col.CollectionClusterInfoResponse, False),
]


@pytest.mark.parametrize("variant", range(VARIANTS))
@pytest.mark.parametrize(("cls", "strict"), MESSAGES, ids=[m[0].__name__ for m in MESSAGES])
def test_every_field_survives_rest_json(cls: type[Message], strict: bool, variant: int) -> None:
    original = representable(fill(cls(), variant, DEPTH))
    rest = to_json(original, strict=True)
    back = cls()
    from_json(back, rest, strict=strict)
    assert back == original


def test_the_fill_reaches_every_nested_field() -> None:
    """Guards the round trip: across the variants every field of every reachable message is
    set somewhere, so no field escapes the comparison."""
    seen: dict[str, set[str]] = {}
    declared: dict[str, set[str]] = {}

    def walk(message: Any) -> None:
        descriptor = message.DESCRIPTOR
        declared.setdefault(descriptor.full_name, {f.name for f in descriptor.fields})
        names = seen.setdefault(descriptor.full_name, set())
        for field, value in message.ListFields():
            names.add(field.name)
            if field.message_type is None:
                continue
            if field.message_type.GetOptions().map_entry:
                items = value.values() if field.message_type.fields[1].message_type else []
            else:
                items = value if field.is_repeated else [value]
            for item in items:
                walk(item)

    for cls, _ in MESSAGES:
        for variant in range(VARIANTS):
            walk(fill(cls(), variant, DEPTH))
    # proto3 plain enums with only a zero value are never listed; every other field must be.
    zero_only = {
        ("qdpool.wire.MultiVectorConfig", "comparator"),
        ("qdpool.wire.TextScoringParams", "type"),
    }
    missing = {
        name: {f for f in fields - seen[name] if (name, f) not in zero_only}
        for name, fields in declared.items()
        if name != "google.protobuf.Timestamp"
    }
    missing = {name: fields for name, fields in missing.items() if fields}
    assert missing == {}


def test_the_old_thread_count_field_becomes_the_rest_one() -> None:
    old = _col.OptimizersConfigDiff(deprecated_max_optimization_threads=3)
    assert to_json(old) == {"max_optimization_threads": 3}
    both = _col.OptimizersConfigDiff(deprecated_max_optimization_threads=3)
    both.max_optimization_threads.value = 5
    assert to_json(both) == {"max_optimization_threads": 5}


def test_rest_only_spellings_are_read() -> None:
    text = _col.PayloadIndexParams()
    from_json(
        text, {"type": "text", "stopwords": "english", "scoring": True, "stemmer": {"type": "none"}}
    )
    params = text.text_index_params
    assert list(params.stopwords.languages) == ["english"]
    assert params.HasField("scoring") and params.stemmer.HasField("disabled")
    keyword = _col.PayloadIndexParams()
    from_json(keyword, {"type": "keyword", "prefix": False})
    assert not keyword.keyword_index_params.HasField("prefix")
    from_json(keyword, {"type": "keyword", "prefix": True})
    assert to_json(keyword) == {"type": "keyword", "prefix": True}


def test_every_enum_value_has_a_distinct_rest_text() -> None:
    for enum in _col.DESCRIPTOR.enum_types_by_name.values():
        texts, numbers = enum_text(enum)
        assert len(texts) == len(numbers), enum.name
    assert enum_text(_col.Distance.DESCRIPTOR)[0][_col.Dot] == "Dot"
    assert enum_text(_col.BinaryQuantizationEncoding.DESCRIPTOR)[0][_col.OneAndHalfBits] == (
        "one_and_half_bits"
    )


def test_strict_reading_refuses_what_lenient_skips() -> None:
    with pytest.raises(InvalidInput) as caught:
        from_json(_col.HnswConfigDiff(), {"m": 4, "future_knob": 1})
    assert caught.value.field == "future_knob"
    lenient = _col.HnswConfigDiff()
    from_json(lenient, {"m": 4, "future_knob": 1}, strict=False)
    assert lenient.m == 4
