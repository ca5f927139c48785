"""Malformed data-plane requests get Qdrant's 400 / 422, never a 500, and change nothing.

Each body is wrong in one place the engine's own conversion would trip over
(a string in a vector, a bad datetime, a polygon without points, ...).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from embedded_support import Rest
from points_support import N, Pair, make_pair

from qdpool.embedded import EmbeddedQdrant

pytestmark = [
    pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection"),
    pytest.mark.asyncio(loop_scope="session"),
]

V = [1, 0, 0, 0]
PF = {"query": V, "using": "d"}
MALFORMED: list[tuple[str, str, Any]] = [
    ("POST", "points/query", {"query": [1, "x", 0, 0], "using": "d"}),
    ("POST", "points/query", {"query": [None, 0, 0, 0], "using": "d"}),
    ("POST", "points/query", {"query": [[1, "a"]], "using": "m"}),
    ("POST", "points/query", {"query": {"indices": [-1], "values": [1]}, "using": "s"}),
    (
        "POST",
        "points/query",
        {"query": {"recommend": {"positive": [[1, "a", 0, 0]]}}, "using": "d"},
    ),
    ("POST", "points/query", {"query": {"discover": {"target": V, "context": "x"}}, "using": "d"}),
    ("POST", "points/query", {"query": {"order_by": {"key": "n", "start_from": "notadate"}}}),
    ("POST", "points/query", {"query": {"formula": {"datetime": "nope"}}, "prefetch": PF}),
    (
        "POST",
        "points/query",
        {"query": {"formula": {"gauss_decay": {"x": 1, "scale": -1}}}, "prefetch": PF},
    ),
    ("POST", "points/query", {"query": {"rrf": {"weights": [1, 2, 3]}}, "prefetch": PF}),
    ("POST", "points/query", {"query": 1.5, "using": "d"}),
    ("POST", "points/query", {**PF, "filter": {"must": [{"key": "n", "range": {"gt": "x"}}]}}),
    (
        "POST",
        "points/query",
        {**PF, "filter": {"must": [{"key": "when", "range": {"gt": "01/02"}}]}},
    ),
    (
        "POST",
        "points/query",
        {**PF, "filter": {"must": [{"key": "c", "geo_polygon": {"exterior": {"points": []}}}]}},
    ),
    ("POST", "points/query", {**PF, "with_payload": 5}),
    (
        "PUT",
        "points",
        {"points": [{"id": 1, "vector": {"s": {"indices": [2**33], "values": [1]}}}]},
    ),
    ("PUT", "points", {"points": [{"id": 1, "vector": "x"}]}),
    ("PUT", "points", {"batch": {"ids": [1], "vectors": {"d": [[1, 0, 0, "a"]]}}}),
    ("PUT", "points", {"points": [{"id": 1, "vector": {"d": V}}], "update_filter": {"must": "x"}}),
    ("POST", "points/payload", {"payload": [1], "points": [1]}),
    ("POST", "points/payload", {"payload": {"a": 1}, "points": [1], "key": 5}),
    ("POST", "points/payload/delete", {"keys": "x", "points": [1]}),
    ("PUT", "points/vectors", {"points": [{"id": 1, "vector": {}}]}),
    ("POST", "points/batch", {"operations": [{"upsert": 5}]}),
    ("PUT", "index", {"field_name": "x", "field_schema": {"type": "text", "min_token_len": "a"}}),
    ("POST", "facet", {"key": "n", "limit": 0}),
    ("POST", "points/query/groups", {"group_by": "n", "group_size": 0, **PF}),
    ("POST", "points/query/batch", {"searches": [5]}),
    ("POST", "points/search/matrix/offsets", {"limit": "x"}),
    ("POST", "points/scroll", {"order_by": {"key": "n", "direction": "up"}}),
    ("GET", "points/99999999999999999999999", None),
]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pair(server: EmbeddedQdrant) -> AsyncIterator[Pair]:
    p = await make_pair(server)
    yield p
    await p.close()


@pytest.mark.parametrize(
    ("method", "path", "body"), MALFORMED, ids=[f"{i}-{c[1]}" for i, c in enumerate(MALFORMED)]
)
async def test_malformed_requests_are_refused_as_qdrant_does(
    pair: Pair, rest: Rest, method: str, path: str, body: Any
) -> None:
    answer = await rest(method, f"/collections/{pair.name}/{path}", body)
    assert answer.status in (400, 422), answer.body
    assert answer.error.startswith(
        ("Format error in JSON body: ", "Validation error in JSON body: ")
    )


async def test_nothing_changed(pair: Pair) -> None:
    assert (await pair.remote.count(pair.name)).count == N
    first = await pair.remote.retrieve(pair.name, [1])
    assert first[0].payload is not None and "a" not in first[0].payload
