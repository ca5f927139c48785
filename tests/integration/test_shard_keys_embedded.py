"""``shard_key_selector`` through qdpool on both protocols against the embedded server, judged
by qdrant-client (REST and gRPC).

The embedded server has no custom sharding (Qdrant Edge has no shards; a collection with
``sharding_method: custom`` is refused when created), so every shard key names one that does
not exist, and the server answers as Qdrant does then: writes ``Wrong input: Shard key "k"
not found``, reads ``Bad request: ...``, a target/fallback pair Qdrant's 404. qdrant-client
sending the same selector gets the same answer; nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import numpy as np
import orjson
import pytest
import pytest_asyncio
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import UnexpectedResponse

import qdpool
from qdpool import errors
from qdpool.embedded import EmbeddedQdrant

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
PROTOCOLS = ("rest", "grpc")
WRITE = 'Wrong input: Shard key "tenant" not found'
READ = 'Bad request: Shard key "tenant" not found'


def _judge(server: EmbeddedQdrant, *, grpc_on: bool) -> AsyncQdrantClient:
    return AsyncQdrantClient(
        url=server.rest_url,
        grpc_port=int(server.grpc_url.rsplit(":", 1)[1]),
        prefer_grpc=grpc_on,
        api_key=KEY,
        https=False,
        check_compatibility=False,
        timeout=30,
    )


@pytest_asyncio.fixture(scope="module")
async def setup(
    server: EmbeddedQdrant,
) -> AsyncIterator[tuple[str, qdpool.Client, list[AsyncQdrantClient]]]:
    judges = [_judge(server, grpc_on=g) for g in (False, True)]
    name = f"shards_{uuid.uuid4().hex[:8]}"
    async with qdpool.connect(server.rest_url, grpc_url=server.grpc_url, api_key=KEY) as ours:
        await ours.create_collection(name, size=2, distance="Dot")
        await ours.upsert(name, [{"id": 1, "vector": [1.0, 0.0], "payload": {"g": "a"}}])
        await ours.create_payload_index(name, "g", "keyword")
        yield name, ours, judges
        await ours.delete_collection(name)
    for judge in judges:
        await judge.close()


def _ours(client: qdpool.Client, name: str) -> list[tuple[str, Any]]:
    """Each method that takes a selector, called with ``shard_key_selector=s``."""
    point = [{"id": 2, "vector": [0.0, 1.0]}]
    return [
        (WRITE, lambda p, s: client.upsert(name, point, shard_key_selector=s, protocol=p)),
        (WRITE, lambda p, s: client.delete(name, ids=[1], shard_key_selector=s, protocol=p)),
        (
            WRITE,
            lambda p, s: client.set_payload(
                name, {"x": 1}, points=[1], shard_key_selector=s, protocol=p
            ),
        ),
        (
            WRITE,
            lambda p, s: client.update_vectors(
                name, [{"id": 1, "vector": [1.0, 1.0]}], shard_key_selector=s, protocol=p
            ),
        ),
        (
            WRITE,
            lambda p, s: client.clear_payload(name, points=[1], shard_key_selector=s, protocol=p),
        ),
        (READ, lambda p, s: client.retrieve(name, [1], shard_key_selector=s, protocol=p)),
        (READ, lambda p, s: client.scroll(name, shard_key_selector=s, protocol=p)),
        (READ, lambda p, s: client.count(name, shard_key_selector=s, protocol=p)),
        (
            READ,
            lambda p, s: client.query_points(name, [1.0, 0.0], shard_key_selector=s, protocol=p),
        ),
        (
            READ,
            lambda p, s: client.query_points_groups(
                name, "g", [1.0, 0.0], shard_key_selector=s, protocol=p
            ),
        ),
        (READ, lambda p, s: client.facet(name, "g", shard_key_selector=s, protocol=p)),
        (READ, lambda p, s: client.search_matrix_pairs(name, shard_key_selector=s, protocol=p)),
        (
            WRITE,
            lambda p, s: client.upload_points(name, point, shard_key_selector=s, protocol=p),
        ),
        (
            WRITE,
            lambda p, s: client.upload_collection(
                name,
                np.ones((3, 2), dtype=np.float32),
                ids=[7, 8, 9],
                shard_key_selector=s,
                protocol=p,
            ),
        ),
        (  # a batch's operations and queries carry their own
            WRITE,
            lambda p, s: client.batch_update_points(
                name,
                [{"delete": {"points": [5]}}, {"upsert": {"points": point, "shard_key": s}}],
                protocol=p,
            ),
        ),
        (
            READ,
            lambda p, s: client.query_batch_points(
                name, [{"query": [1.0, 0.0]}, {"query": [0.0, 1.0], "shard_key": s}], protocol=p
            ),
        ),
    ]


async def test_every_method_is_answered_as_qdrant_answers_a_missing_shard_key(
    setup: tuple[str, qdpool.Client, list[AsyncQdrantClient]],
) -> None:
    name, ours, _ = setup
    for expected, call in _ours(ours, name):
        for protocol in PROTOCOLS:
            with pytest.raises(errors.InvalidArgument) as caught:
                await call(protocol, "tenant")
            assert caught.value.message == expected, (protocol, caught.value)
            with pytest.raises(errors.InvalidArgument, match="Shard key 7 not found"):
                await call(protocol, [7, "tenant"])
            with pytest.raises(errors.NotFound) as missing:
                await call(protocol, {"target": "tenant", "fallback": 3})
            assert missing.value.message == (
                'Not found: Neither target shard key "tenant" nor fallback shard key 3 exist'
            )
    assert await ours.count(name) == 1
    (record,) = await ours.retrieve(name, [1], with_vector=True)
    assert record.payload == {"g": "a"} and record.vector == [1.0, 0.0]


async def _judge_error(call: Any) -> str:
    try:
        await call()
    except UnexpectedResponse as exc:
        return str(orjson.loads(exc.content)["status"]["error"])
    except grpc.aio.AioRpcError as exc:
        return str(exc.details())
    raise AssertionError("qdrant-client's call succeeded")


async def test_qdrant_client_gets_the_same_answers(
    setup: tuple[str, qdpool.Client, list[AsyncQdrantClient]],
) -> None:
    name, ours, judges = setup
    point = qm.PointStruct(id=2, vector=[0.0, 1.0])
    for judge in judges:
        assert (
            await _judge_error(lambda j=judge: j.upsert(name, [point], shard_key_selector="tenant"))
            == WRITE
        )
        assert (
            await _judge_error(
                lambda j=judge: j.query_points(name, [1.0, 0.0], shard_key_selector="tenant")
            )
            == READ
        )
        assert (
            await _judge_error(lambda j=judge: j.scroll(name, shard_key_selector="tenant")) == READ
        )
        assert (
            await _judge_error(lambda j=judge: j.count(name, shard_key_selector="tenant")) == READ
        )
        assert (
            await _judge_error(
                lambda j=judge: j.batch_update_points(
                    name,
                    [qm.UpsertOperation(upsert=qm.PointsList(points=[point], shard_key="tenant"))],
                )
            )
            == WRITE
        )
        assert (
            await _judge_error(
                lambda j=judge: j.query_batch_points(
                    name, [qm.QueryRequest(query=[1.0, 0.0], shard_key="tenant")]
                )
            )
            == READ
        )
        assert (await judge.count(name, exact=True)).count == 1
    for protocol in PROTOCOLS:  # and a collection with custom sharding is refused at creation
        with pytest.raises(errors.InvalidArgument, match="custom sharding"):
            await ours.create_collection(
                f"{name}_custom", size=2, sharding_method="custom", protocol=protocol
            )


async def test_shard_keys_cannot_be_made_and_none_are_listed(
    setup: tuple[str, qdpool.Client, list[AsyncQdrantClient]],
) -> None:
    """No custom sharding here: creating or deleting a key is refused by name on both doors,
    and a collection lists none (Qdrant's null: keys exist only with custom sharding)."""
    name, ours, judges = setup
    refused = (
        "Wrong input: custom sharding (shard keys) is not supported by the qdpool embedded server"
    )
    for protocol in PROTOCOLS:
        with pytest.raises(errors.InvalidArgument) as caught:
            await ours.create_shard_key(name, "tenant", shards_number=1, protocol=protocol)
        assert caught.value.message == refused
        with pytest.raises(errors.InvalidArgument) as caught:
            await ours.delete_shard_key(name, 7, protocol=protocol)
        assert caught.value.message == refused
        assert await ours.list_shard_keys(name, protocol=protocol) is None
        with pytest.raises(errors.NotFound):
            await ours.list_shard_keys(f"{name}_missing", protocol=protocol)
    for judge in judges:
        assert await _judge_error(lambda j=judge: j.create_shard_key(name, "tenant")) == refused
        assert await _judge_error(lambda j=judge: j.delete_shard_key(name, "tenant")) == refused
        assert not (await judge.list_shard_keys(name)).shard_keys  # REST null, gRPC empty
