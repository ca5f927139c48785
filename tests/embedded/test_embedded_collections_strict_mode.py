"""Strict mode on the embedded server: what an enabled ``strict_mode_config`` refuses.

One collection with strict mode on (created through qdrant-client), then each
limit is crossed once over REST and must come back as Qdrant's 400
``Bad request: ... Help: ...``, while the same request within the limit passes;
switching strict mode off with ``update_collection`` lets everything through.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from embedded_support import Rest
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

from qdpool.embedded import EmbeddedQdrant

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
STRICT = qm.StrictModeConfig(
    enabled=True,
    max_query_limit=5,
    max_timeout=5,
    search_max_hnsw_ef=32,
    search_allow_exact=False,
    search_max_oversampling=2.0,
    upsert_max_batchsize=3,
    search_max_batchsize=2,
    unindexed_filtering_retrieve=False,
    unindexed_filtering_update=False,
    filter_max_conditions=3,
    condition_max_size=2,
    max_payload_index_count=2,
)
CITY = {"key": "city", "match": {"value": "Paris"}}


@pytest_asyncio.fixture(scope="module")
async def strict(server: EmbeddedQdrant) -> AsyncIterator[str]:
    """A strict collection with 3 points and a keyword index on ``city``."""
    name = f"strict_{uuid.uuid4().hex[:8]}"
    c = AsyncQdrantClient(
        url=server.rest_url,
        api_key=KEY,
        https=False,
        prefer_grpc=False,
        check_compatibility=False,
        timeout=30,
    )
    await c.create_collection(
        name,
        vectors_config=qm.VectorParams(size=2, distance=qm.Distance.DOT),
        strict_mode_config=STRICT,
    )
    points = [
        qm.PointStruct(id=i, vector=[1.0, float(i)], payload={"city": city, "n": i})
        for i, city in enumerate(("Paris", "Rome", "Oslo"))
    ]
    await c.upsert(name, points, wait=True)
    await c.create_payload_index(name, "city", qm.PayloadSchemaType.KEYWORD, wait=True)
    assert (await c.get_collection(name)).config.strict_mode_config == qm.StrictModeConfigOutput(
        **STRICT.model_dump(exclude_none=True)
    )
    yield name
    await c.delete_collection(name)
    await c.close()


Q = [1.0, 0.0]


@pytest.mark.parametrize(
    ("method", "path", "body", "params", "message"),
    [
        (
            "POST",
            "/points/query",
            {"query": Q, "limit": 6},
            None,
            'Bad request: Limit exceeded 6 > 5 for "limit". Help: Reduce the "limit" parameter '
            "to or below 5.",
        ),
        (
            "POST",
            "/points/query",
            {"query": Q},
            None,
            'Bad request: Limit exceeded 10 > 5 for "limit"',  # the default limit counts
        ),
        (
            "POST",
            "/points/query",
            {"query": Q, "limit": 2, "prefetch": {"query": Q, "limit": 50}},
            None,
            'Bad request: Limit exceeded 50 > 5 for "limit"',
        ),
        (
            "POST",
            "/points/scroll",
            {"limit": 7},
            None,
            'Bad request: Limit exceeded 7 > 5 for "limit"',
        ),
        (
            "POST",
            "/points/query",
            {"query": Q, "limit": 2, "params": {"hnsw_ef": 64}},
            None,
            'Bad request: Limit exceeded 64 > 32 for "hnsw_ef"',
        ),
        (
            "POST",
            "/points/query",
            {"query": Q, "limit": 2, "params": {"exact": True}},
            None,
            "Bad request: Exact search disabled!. Help: Set exact=false in your request.",
        ),
        (
            "POST",
            "/points/query",
            {"query": Q, "limit": 2, "params": {"quantization": {"oversampling": 3.0}}},
            None,
            'Bad request: Limit exceeded 3.0 > 2.0 for "oversampling"',
        ),
        (
            "POST",
            "/points/query",
            {"query": Q, "limit": 2},
            {"timeout": "9"},
            'Bad request: Timeout exceeded 9 > 5 for "timeout"',
        ),
        (
            "POST",
            "/points/query/batch",
            {"searches": [{"query": Q, "limit": 1}] * 3},
            None,
            'Bad request: Limit exceeded 3 > 2 for "batch size"',
        ),
        (
            "PUT",
            "/points",
            {"points": [{"id": 10 + i, "vector": Q} for i in range(4)]},
            None,
            'Bad request: Limit exceeded 4 > 3 for "upsert limit"',
        ),
        (
            "POST",
            "/points/count",
            {"filter": {"must": [{"key": "n", "range": {"gte": 1}}]}},
            None,
            'Bad request: Index required but not found for "n" of one of the following types: '
            "[integer, float]. Help: Create an index for this key or use a different filter.",
        ),
        (
            "POST",
            "/points/delete",
            {"filter": {"must": [{"key": "n", "match": {"value": 1}}]}},
            None,
            'Bad request: Index required but not found for "n" of one of the following types: '
            "[integer]",
        ),
        (
            "POST",
            "/points/count",
            {"filter": {"must": [CITY, CITY, CITY, CITY]}},
            None,
            "Bad request: Filter condition limit reached (4 > 3). Help: Reduce the amount of "
            "conditions of your filter.",
        ),
        (
            "POST",
            "/points/count",
            {"filter": {"must": [{"key": "city", "match": {"any": ["a", "b", "c"]}}]}},
            None,
            "Bad request: Condition size limit reached (3 > 2)",
        ),
    ],
)
async def test_strict_mode_refuses(
    rest: Rest,
    strict: str,
    method: str,
    path: str,
    body: dict[str, Any],
    params: dict[str, str] | None,
    message: str,
) -> None:
    reply = await rest(method, f"/collections/{strict}{path}", body, params=params)
    assert reply.status == 400, reply.body
    assert reply.error.startswith(message), reply.error


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/points/query", {"query": Q, "limit": 5, "params": {"hnsw_ef": 32}}),
        ("POST", "/points/query", {"query": Q, "limit": 3, "filter": {"must": [CITY]}}),
        ("POST", "/points/scroll", {}),  # an omitted scroll limit is not checked (Qdrant 1.18)
        ("POST", "/points/count", {"filter": {"must": [CITY, CITY, CITY]}}),
        ("POST", "/points/query/batch", {"searches": [{"query": Q, "limit": 1}] * 2}),
    ],
)
async def test_within_the_limits_passes(
    rest: Rest, strict: str, method: str, path: str, body: dict[str, Any]
) -> None:
    reply = await rest(method, f"/collections/{strict}{path}", body)
    assert reply.status == 200, reply.body


async def test_payload_index_count(rest: Rest, strict: str) -> None:
    index = f"/collections/{strict}/index"
    assert (await rest("PUT", index, {"field_name": "n", "field_schema": "integer"})).status == 200
    reply = await rest("PUT", index, {"field_name": "other", "field_schema": "keyword"})
    assert reply.status == 400
    assert reply.error.startswith('Bad request: Limit exceeded 3 > 2 for "payload indexes"')
    # With an integer index on "n", the range filter refused above is now served.
    count = {"filter": {"must": [{"key": "n", "range": {"gte": 1}}]}}
    assert (await rest("POST", f"/collections/{strict}/points/count", count)).result == {"count": 2}
    assert (await rest("DELETE", f"{index}/n")).status == 200


async def test_disabling_strict_mode_lifts_the_limits(
    server: EmbeddedQdrant, rest: Rest, collection_name: str
) -> None:
    c = AsyncQdrantClient(
        url=server.rest_url,
        api_key=KEY,
        https=False,
        prefer_grpc=False,
        check_compatibility=False,
        timeout=30,
    )
    try:
        await c.create_collection(
            collection_name,
            vectors_config=qm.VectorParams(size=2, distance=qm.Distance.DOT),
            strict_mode_config=qm.StrictModeConfig(enabled=True, max_query_limit=1),
        )
        query = {"query": Q, "limit": 4}
        path = f"/collections/{collection_name}/points/query"
        assert (await rest("POST", path, query)).status == 400
        await c.update_collection(
            collection_name, strict_mode_config=qm.StrictModeConfig(enabled=False)
        )
        assert (await rest("POST", path, query)).status == 200
        config = (await c.get_collection(collection_name)).config
        assert config.strict_mode_config == qm.StrictModeConfigOutput(
            enabled=False, max_query_limit=1
        )
        await c.delete_collection(collection_name)
    finally:
        await c.close()
