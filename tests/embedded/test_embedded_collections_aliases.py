"""Aliases on the embedded server, judged by the official qdrant-client (REST).

An alias works wherever a collection name does, a list of alias actions is
applied all or nothing (the blue/green switch), Qdrant's errors come back for
missing aliases and collections and for names that clash, aliases go with
their collection, and they survive a restart.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from embedded_support import Rest
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import UnexpectedResponse

from qdpool.embedded import EmbeddedQdrant

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
VECTORS = qm.VectorParams(size=2, distance=qm.Distance.DOT)


def official(server: EmbeddedQdrant) -> AsyncQdrantClient:
    return AsyncQdrantClient(
        url=server.rest_url,
        api_key=KEY,
        https=False,
        prefer_grpc=False,
        check_compatibility=False,
        timeout=30,
    )


@pytest_asyncio.fixture
async def client(server: EmbeddedQdrant) -> AsyncIterator[AsyncQdrantClient]:
    c = official(server)
    yield c
    await c.close()


async def _pair(client: AsyncQdrantClient) -> tuple[str, str]:
    """Two new collections: ``blue`` with 3 points and ``green`` with 5."""
    tag = uuid.uuid4().hex[:8]
    blue, green = f"blue_{tag}", f"green_{tag}"
    for name, n in ((blue, 3), (green, 5)):
        await client.create_collection(name, vectors_config=VECTORS)
        points = [
            qm.PointStruct(id=i, vector=[1.0, float(i)], payload={"in": name}) for i in range(n)
        ]
        await client.upsert(name, points, wait=True)
    return blue, green


@pytest_asyncio.fixture(scope="module")
async def shared_pair(server: EmbeddedQdrant) -> AsyncIterator[tuple[str, str]]:
    """A pair for the tests that change aliases only (creating collections is the slow part)."""
    c = official(server)
    blue, green = await _pair(c)
    yield blue, green
    for name in (blue, green):
        await c.delete_collection(name)
    await c.close()


@pytest_asyncio.fixture
async def blue_green(shared_pair: tuple[str, str]) -> tuple[str, str, str]:
    """The shared pair and an alias name of this test's own."""
    return *shared_pair, f"live_{uuid.uuid4().hex[:8]}"


@pytest_asyncio.fixture
async def own_pair(client: AsyncQdrantClient) -> AsyncIterator[tuple[str, str, str]]:
    """A pair for a test that changes the collections themselves."""
    blue, green = await _pair(client)
    yield blue, green, f"live_{uuid.uuid4().hex[:8]}"
    for name in (blue, green):
        await client.delete_collection(name)


def create(alias: str, collection: str) -> qm.CreateAliasOperation:
    return qm.CreateAliasOperation(
        create_alias=qm.CreateAlias(collection_name=collection, alias_name=alias)
    )


def delete(alias: str) -> qm.DeleteAliasOperation:
    return qm.DeleteAliasOperation(delete_alias=qm.DeleteAlias(alias_name=alias))


def rename(old: str, new: str) -> qm.RenameAliasOperation:
    return qm.RenameAliasOperation(
        rename_alias=qm.RenameAlias(old_alias_name=old, new_alias_name=new)
    )


def mine(response: qm.CollectionsAliasesResponse, *names: str) -> list[qm.AliasDescription]:
    """The listed aliases that this test made (the server is shared)."""
    return [a for a in response.aliases if a.alias_name in names]


async def test_an_alias_works_wherever_a_collection_name_does(
    client: AsyncQdrantClient, own_pair: tuple[str, str, str]
) -> None:
    blue, _green, alias = own_pair
    assert await client.update_collection_aliases(change_aliases_operations=[create(alias, blue)])
    assert mine(await client.get_aliases(), alias) == [
        qm.AliasDescription(alias_name=alias, collection_name=blue)
    ]
    assert (await client.get_collection_aliases(blue)).aliases == [
        qm.AliasDescription(alias_name=alias, collection_name=blue)
    ]
    assert (await client.get_collection_aliases(alias)).aliases == [
        qm.AliasDescription(alias_name=alias, collection_name=blue)
    ]
    assert await client.collection_exists(alias)
    assert (await client.get_collection(alias)).points_count == 3
    assert (await client.count(alias)).count == 3
    await client.upsert(alias, [qm.PointStruct(id=9, vector=[0.0, 1.0])], wait=True)
    assert (await client.count(blue)).count == 4
    hits = (await client.query_points(alias, query=[1.0, 0.0], limit=2, with_payload=True)).points
    assert [h.payload for h in hits] == [{"in": blue}, {"in": blue}]
    assert await client.update_collection(alias, hnsw_config=qm.HnswConfigDiff(m=10))
    assert (await client.get_collection(blue)).config.hnsw_config.m == 10
    snapshot = await client.create_snapshot(alias)
    assert snapshot is not None
    assert snapshot.name.startswith(f"{blue}-")
    assert (await client.collection_cluster_info(alias)).local_shards[0].points_count == 4
    # Listing collections shows collections, not aliases.
    names = [c.name for c in (await client.get_collections()).collections]
    assert blue in names
    assert alias not in names


async def test_blue_green_switch_is_one_atomic_request(
    client: AsyncQdrantClient, blue_green: tuple[str, str, str]
) -> None:
    blue, green, alias = blue_green
    await client.update_collection_aliases(change_aliases_operations=[create(alias, blue)])
    assert (await client.count(alias)).count == 3
    await client.update_collection_aliases(
        change_aliases_operations=[delete(alias), create(alias, green)]
    )
    assert (await client.count(alias)).count == 5
    # Creating an alias that exists re-points it, as in Qdrant.
    await client.update_collection_aliases(change_aliases_operations=[create(alias, blue)])
    assert (await client.count(alias)).count == 3


async def test_a_failing_action_applies_none(
    client: AsyncQdrantClient, blue_green: tuple[str, str, str]
) -> None:
    blue, green, alias = blue_green
    other = alias + "_other"
    await client.update_collection_aliases(change_aliases_operations=[create(alias, blue)])
    with pytest.raises(UnexpectedResponse) as info:
        await client.update_collection_aliases(
            change_aliases_operations=[
                delete(alias),
                create(alias, green),
                create(other, green),
                delete("never_existed_" + alias),
            ]
        )
    assert info.value.status_code == 404
    assert mine(await client.get_aliases(), alias, other) == [
        qm.AliasDescription(alias_name=alias, collection_name=blue)
    ]


async def test_rename_moves_the_alias(
    client: AsyncQdrantClient, blue_green: tuple[str, str, str]
) -> None:
    blue, _green, alias = blue_green
    new = alias + "_v2"
    await client.update_collection_aliases(change_aliases_operations=[create(alias, blue)])
    await client.update_collection_aliases(change_aliases_operations=[rename(alias, new)])
    assert mine(await client.get_aliases(), alias, new) == [
        qm.AliasDescription(alias_name=new, collection_name=blue)
    ]
    with pytest.raises(UnexpectedResponse) as info:
        await client.get_collection(alias)
    assert info.value.status_code == 404


@pytest.mark.parametrize(
    ("actions", "status", "message"),
    [
        (
            [{"create_alias": {"collection_name": "{missing}", "alias_name": "{alias}"}}],
            404,
            "Not found: Collection `{missing}` doesn't exist!",
        ),
        (
            [{"create_alias": {"collection_name": "{blue}", "alias_name": "{green}"}}],
            400,
            "Wrong input: Can't create alias with name {green}. Collection with the same name",
        ),
        (
            [{"delete_alias": {"alias_name": "{alias}"}}],
            404,
            "Not found: Alias {alias} does not exists!",
        ),
        (
            [{"rename_alias": {"old_alias_name": "{alias}", "new_alias_name": "x{alias}"}}],
            404,
            "Not found: Alias {alias} does not exists!",
        ),
        ([{"move_alias": {}}], 400, "Format error in JSON body: actions[0]: data did not match"),
        (
            [{"delete_alias": {"alias": "{alias}"}}],
            400,
            "Format error in JSON body: actions[0].delete_alias: unknown field `alias`",
        ),
    ],
)
async def test_qdrants_errors(
    rest: Rest,
    blue_green: tuple[str, str, str],
    actions: list[dict[str, Any]],
    status: int,
    message: str,
) -> None:
    blue, green, alias = blue_green
    names = {"blue": blue, "green": green, "alias": alias, "missing": "missing_" + alias}

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**names)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return [fill(v) for v in value]

    reply = await rest("POST", "/collections/aliases", {"actions": fill(actions)})
    assert reply.status == status, reply.body
    assert reply.error.startswith(message.format(**names)), reply.error


async def test_a_collection_cannot_take_an_aliass_name(
    client: AsyncQdrantClient, blue_green: tuple[str, str, str]
) -> None:
    blue, _green, alias = blue_green
    await client.update_collection_aliases(change_aliases_operations=[create(alias, blue)])
    with pytest.raises(UnexpectedResponse) as info:
        await client.create_collection(alias, vectors_config=VECTORS)
    assert info.value.status_code == 400
    assert b"Alias with the same name already exists" in info.value.content


async def test_deleting_a_collection_removes_its_aliases(
    client: AsyncQdrantClient, own_pair: tuple[str, str, str]
) -> None:
    blue, green, alias = own_pair
    await client.update_collection_aliases(
        change_aliases_operations=[create(alias, blue), create(alias + "_g", green)]
    )
    # As in Qdrant, deleting by an alias's name deletes nothing.
    assert await client.delete_collection(alias) is False
    assert await client.delete_collection(blue) is True
    assert mine(await client.get_aliases(), alias, alias + "_g") == [
        qm.AliasDescription(alias_name=alias + "_g", collection_name=green)
    ]
    # The name is free again, for a collection or an alias.
    await client.create_collection(blue, vectors_config=VECTORS)
    assert (await client.get_collection_aliases(blue)).aliases == []


async def test_aliases_survive_a_restart(server_factory: Any, tmp_path: Path) -> None:
    first = await server_factory(path=tmp_path, api_key=KEY)
    c = official(first)
    await c.create_collection("target", vectors_config=VECTORS)
    await c.update_collection_aliases(
        change_aliases_operations=[create("prod", "target"), create("staging", "target")]
    )
    await c.close()
    await first.close()

    second = await server_factory(path=tmp_path, api_key=KEY)
    c = official(second)
    try:
        assert (await c.get_aliases()).aliases == [
            qm.AliasDescription(alias_name="prod", collection_name="target"),
            qm.AliasDescription(alias_name="staging", collection_name="target"),
        ]
        assert (await c.get_collection("prod")).points_count == 0
    finally:
        await c.close()
