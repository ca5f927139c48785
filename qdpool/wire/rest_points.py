"""REST answers that carry points (query, batch query, groups, retrieve, scroll), decoded
from the answer's bytes in one typed pass.

A query's decoding was most of qdpool's own work per REST call: ``orjson.loads`` made a
dict per hit and a Python loop then read each into a ``ScoredPoint``. msgspec reads the
JSON straight into ``Record`` and ``ScoredPoint`` (Structs), checking the types as it
goes, so the dicts are never made. What Qdrant's JSON and qdpool's values differ in is
put right in one pass after it (``_finish_scored``, ``_finish_records``): scores and
vectors rounded to float32, as the gRPC decoder gives them, and an empty payload made
None. These operations' specs set ``raw_answer`` so that their ``decode_rest`` gets the
bytes; a malformed or mistyped answer raises ``ValueError`` (msgspec's errors are
ValueErrors), which the codec reports as a ``ServerError``.
"""

from __future__ import annotations

import struct
from array import array
from typing import Any

import msgspec

from qdpool.models import PointGroup, PointId, Record, ScoredPoint


def _vector(value: Any) -> Any:
    """A vector as the JSON has it, rounded to float32 in C (``array('f')``): a dense list, a
    multi-dense list of lists, or named vectors (those, or sparse ``{indices, values}``)."""
    if isinstance(value, list):
        return _one_vector(value)
    if isinstance(value, dict):
        return {name: _one_vector(vec) for name, vec in value.items()}
    raise ValueError(f"bad vector {type(value).__name__}")


def _one_vector(value: Any) -> Any:
    if isinstance(value, dict):
        return {"indices": list(value["indices"]), "values": array("f", value["values"]).tolist()}
    if value and isinstance(value[0], list):
        return [array("f", row).tolist() for row in value]
    return array("f", value).tolist()


_F32 = struct.Struct("<f")
_pack_f32, _unpack_f32 = _F32.pack, _F32.unpack


def _finish_scored(points: list[ScoredPoint]) -> list[ScoredPoint]:
    # One loop, the score rounded in place (``as_float32`` inlined): a third cheaper than
    # collecting the scores for one ``array('f')`` call and setting them in a second loop.
    for point in points:
        point.score = _unpack_f32(_pack_f32(point.score))[0]
        if not point.payload:
            point.payload = None
        if point.vector is not None:
            point.vector = _vector(point.vector)
    return points


def _finish_records(records: list[Record]) -> list[Record]:
    for record in records:
        if not record.payload:
            record.payload = None
        if record.vector is not None:
            record.vector = _vector(record.vector)
    return records


class _Hits(msgspec.Struct):
    points: list[ScoredPoint]


class _QueryAnswer(msgspec.Struct):
    result: _Hits


class _BatchAnswer(msgspec.Struct):
    result: list[_Hits]


class _Group(msgspec.Struct):
    id: int | str
    hits: list[ScoredPoint]
    lookup: Record | None = None


class _Groups(msgspec.Struct):
    groups: list[_Group]


class _GroupsAnswer(msgspec.Struct):
    result: _Groups


class _RetrieveAnswer(msgspec.Struct):
    result: list[Record]


class _Page(msgspec.Struct):
    points: list[Record]
    next_page_offset: int | str | None = None


class _ScrollAnswer(msgspec.Struct):
    result: _Page


_query = msgspec.json.Decoder(_QueryAnswer).decode
_batch = msgspec.json.Decoder(_BatchAnswer).decode
_groups = msgspec.json.Decoder(_GroupsAnswer).decode
_retrieve = msgspec.json.Decoder(_RetrieveAnswer).decode
_scroll = msgspec.json.Decoder(_ScrollAnswer).decode


def decode_query(raw: bytes) -> list[ScoredPoint]:
    """``POST .../points/query``: the hits."""
    return _finish_scored(_query(raw).result.points)


def decode_query_batch(raw: bytes) -> list[list[ScoredPoint]]:
    """``POST .../points/query/batch``: each query's hits, in order."""
    return [_finish_scored(hits.points) for hits in _batch(raw).result]


def decode_query_groups(raw: bytes) -> list[PointGroup]:
    """``POST .../points/query/groups``: the groups, each with its hits and lookup."""
    return [
        PointGroup(
            group.id,
            _finish_scored(group.hits),
            None if group.lookup is None else _finish_records([group.lookup])[0],
        )
        for group in _groups(raw).result.groups
    ]


def decode_retrieve(raw: bytes) -> list[Record]:
    """``POST .../points``: the records found."""
    return _finish_records(_retrieve(raw).result)


def decode_scroll(raw: bytes) -> tuple[list[Record], PointId | None]:
    """``POST .../points/scroll``: a page of records and the next page's offset."""
    page = _scroll(raw).result
    return _finish_records(page.points), page.next_page_offset
