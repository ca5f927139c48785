"""Snapshots on the embedded server, judged by the official qdrant-client (REST).

Recovery really restores the data: snapshot, change the collection, recover,
and the points (and the configuration) are as they were at the snapshot, by a
``file://`` location, an ``http://`` location (the server's own download URL)
or a multipart upload.  Downloads stream the archive whose sha256 the listing
reports; checksums are verified; full-storage snapshots are created, listed,
downloaded and deleted.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest
import pytest_asyncio
from embedded_support import Rest
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import UnexpectedResponse
from wire_support import SPECS

from qdpool.embedded import EmbeddedQdrant, snapshots
from qdpool.embedded.engine import Engine
from qdpool.embedded.errors import EngineError

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
VECTORS = {"v": qm.VectorParams(size=3, distance=qm.Distance.EUCLID)}


@pytest_asyncio.fixture
async def client(server: EmbeddedQdrant) -> AsyncIterator[AsyncQdrantClient]:
    c = AsyncQdrantClient(
        url=server.rest_url,
        api_key=KEY,
        https=False,
        prefer_grpc=False,
        check_compatibility=False,
        timeout=30,
    )
    yield c
    await c.close()


def points(n: int, tag: str) -> list[qm.PointStruct]:
    return [
        qm.PointStruct(id=i, vector={"v": [float(i), 1.0, 0.5]}, payload={"tag": tag, "i": i})
        for i in range(n)
    ]


async def everything(client: AsyncQdrantClient, name: str) -> list[tuple[int, object, object]]:
    records, _ = await client.scroll(name, limit=100, with_payload=True, with_vectors=True)
    return sorted((int(r.id), r.payload, r.vector) for r in records)


@pytest_asyncio.fixture
async def snapshotted(
    client: AsyncQdrantClient, collection_name: str
) -> AsyncIterator[tuple[str, qm.SnapshotDescription, list[tuple[int, object, object]]]]:
    """A collection with 4 points, its snapshot, then changed: 2 deleted, 3 added, 1 edited."""
    await client.create_collection(collection_name, vectors_config=VECTORS, metadata={"v": 1})
    await client.upsert(collection_name, points(4, "original"), wait=True)
    before = await everything(client, collection_name)
    snapshot = await client.create_snapshot(collection_name)
    assert snapshot is not None
    await client.delete(collection_name, qm.PointIdsList(points=[0, 1]), wait=True)
    await client.upsert(collection_name, points(7, "changed")[4:], wait=True)
    await client.set_payload(collection_name, {"tag": "edited"}, points=[2], wait=True)
    await client.update_collection(collection_name, metadata={"v": 2})
    assert await everything(client, collection_name) != before
    yield collection_name, snapshot, before
    await client.delete_collection(collection_name)


async def test_snapshot_is_listed_with_its_checksum(
    client: AsyncQdrantClient,
    server: EmbeddedQdrant,
    snapshotted: tuple[str, qm.SnapshotDescription, list],
) -> None:
    name, snapshot, _ = snapshotted
    assert snapshot in await client.list_snapshots(name)
    path = server.engine.snapshots_dir / name / snapshot.name
    assert path.stat().st_size == snapshot.size
    assert hashlib.sha256(path.read_bytes()).hexdigest() == snapshot.checksum


async def test_recover_from_a_file_location_restores_the_data(
    client: AsyncQdrantClient,
    server: EmbeddedQdrant,
    snapshotted: tuple[str, qm.SnapshotDescription, list],
) -> None:
    name, snapshot, before = snapshotted
    location = (server.engine.snapshots_dir / name / snapshot.name).as_uri()
    assert await client.recover_snapshot(
        name, location, checksum=snapshot.checksum, priority=qm.SnapshotPriority.SNAPSHOT
    )
    assert await everything(client, name) == before
    info = await client.get_collection(name)
    assert info.points_count == 4
    assert info.config.metadata == {"v": 1}
    # The recovered collection takes writes, and operation ids keep increasing.
    result = await client.upsert(name, points(1, "after"), wait=True)
    assert result.operation_id is not None and result.operation_id > 3  # 0..3 were used


async def test_recover_into_a_new_collection_by_plain_path(
    client: AsyncQdrantClient,
    server: EmbeddedQdrant,
    snapshotted: tuple[str, qm.SnapshotDescription, list],
) -> None:
    name, snapshot, before = snapshotted
    copy = f"copy_{uuid.uuid4().hex[:8]}"
    path = server.engine.snapshots_dir / name / snapshot.name
    assert await client.recover_snapshot(copy, str(path))
    try:
        assert await everything(client, copy) == before
        assert len(await everything(client, name)) == 5  # the original is untouched
    finally:
        await client.delete_collection(copy)


async def test_download_and_recover_by_upload(
    client: AsyncQdrantClient,
    server: EmbeddedQdrant,
    http: aiohttp.ClientSession,
    snapshotted: tuple[str, qm.SnapshotDescription, list],
) -> None:
    name, snapshot, before = snapshotted
    url = f"{server.rest_url}/collections/{name}/snapshots/{snapshot.name}"
    async with http.get(url, headers={"api-key": KEY}) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/octet-stream"
        content = await resp.read()
    assert hashlib.sha256(content).hexdigest() == snapshot.checksum
    answer = await client.http.snapshots_api.recover_from_uploaded_snapshot(
        collection_name=name, wait=True, checksum=snapshot.checksum, snapshot=io.BytesIO(content)
    )
    assert answer.result is True
    assert await everything(client, name) == before
    # Nothing of the upload is left behind in the snapshots directory.
    assert not list(server.engine.snapshots_dir.glob(".upload-*"))


async def test_recover_from_the_servers_own_url(
    client: AsyncQdrantClient,
    server: EmbeddedQdrant,
    snapshotted: tuple[str, qm.SnapshotDescription, list],
) -> None:
    name, snapshot, before = snapshotted
    url = f"{server.rest_url}/collections/{name}/snapshots/{snapshot.name}"
    assert await client.recover_snapshot(name, url, api_key=KEY, checksum=snapshot.checksum)
    assert await everything(client, name) == before


async def test_checksum_mismatch_is_refused_and_changes_nothing(
    client: AsyncQdrantClient,
    server: EmbeddedQdrant,
    snapshotted: tuple[str, qm.SnapshotDescription, list],
) -> None:
    name, snapshot, _ = snapshotted
    current = await everything(client, name)
    location = (server.engine.snapshots_dir / name / snapshot.name).as_uri()
    with pytest.raises(UnexpectedResponse) as info:
        await client.recover_snapshot(name, location, checksum="0" * 64)
    assert info.value.status_code == 400
    assert b"Snapshot checksum mismatch" in info.value.content
    assert await everything(client, name) == current


async def test_delete_snapshot(
    client: AsyncQdrantClient, rest: Rest, snapshotted: tuple[str, qm.SnapshotDescription, list]
) -> None:
    name, snapshot, _ = snapshotted
    assert await client.delete_snapshot(name, snapshot.name) is True
    assert snapshot not in await client.list_snapshots(name)
    reply = await rest("DELETE", f"/collections/{name}/snapshots/{snapshot.name}")
    assert reply.status == 404
    assert reply.error == f"Not found: Snapshot {snapshot.name} not found"
    reply = await rest("GET", f"/collections/{name}/snapshots/{snapshot.name}")
    assert reply.status == 404


@pytest.mark.parametrize(
    ("location", "status", "message"),
    [
        ("file:///nonexistent/x.snapshot", 404, "Not found: Snapshot file /nonexistent/x.snapshot"),
        ("s3://bucket/x.snapshot", 400, "Wrong input: Unsupported snapshot location scheme `s3`"),
    ],
)
async def test_bad_locations(
    rest: Rest, collection_name: str, location: str, status: int, message: str
) -> None:
    reply = await rest(
        "PUT", f"/collections/{collection_name}/snapshots/recover", {"location": location}
    )
    assert reply.status == status, reply.body
    assert reply.error.startswith(message), reply.error


async def test_not_a_snapshot_is_refused(rest: Rest, tmp_path: Path, collection_name: str) -> None:
    junk = tmp_path / "junk.snapshot"
    junk.write_bytes(b"not a tar archive")
    reply = await rest(
        "PUT", f"/collections/{collection_name}/snapshots/recover", {"location": str(junk)}
    )
    assert reply.status == 400
    assert reply.error.startswith("Wrong input: Invalid snapshot: ")
    assert (await rest("GET", f"/collections/{collection_name}/exists")).result["exists"] is False


async def test_full_snapshots(
    client: AsyncQdrantClient,
    server: EmbeddedQdrant,
    http: aiohttp.ClientSession,
    collection_name: str,
) -> None:
    await client.create_collection(collection_name, vectors_config=VECTORS)
    await client.upsert(collection_name, points(3, "full"), wait=True)
    full = await client.create_full_snapshot()
    assert full is not None
    assert full.name.startswith("full-snapshot-")
    assert full in await client.list_full_snapshots()
    async with http.get(f"{server.rest_url}/snapshots/{full.name}", headers={"api-key": KEY}) as r:
        assert r.status == 200
        content = await r.read()
    assert hashlib.sha256(content).hexdigest() == full.checksum
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as tar:
        members = tar.getnames()
    assert f"collections/{collection_name}/collection.json" in members
    assert not any(f"collections/{collection_name}/shard/wal" in m for m in members)
    assert await client.delete_full_snapshot(full.name) is True
    assert full not in await client.list_full_snapshots()
    await client.delete_collection(collection_name)


def test_a_recovery_cut_short_gives_the_old_collection_back(tmp_path: Path) -> None:
    """A crash between setting the old collection aside and moving the new one in."""
    engine = Engine(tmp_path)
    engine.execute(SPECS["create_collection"], "c", {"vectors": {"size": 2, "distance": "Dot"}})
    engine.execute(
        SPECS["upsert"], "c", {"points": [{"id": 1, "vector": [1.0, 2.0]}]}, {"wait": "true"}
    )
    engine.close()
    collections = tmp_path / "collections"
    (collections / "c").rename(collections / ".replaced-0123")
    engine = Engine(tmp_path)
    try:
        assert engine.execute(SPECS["count"], "c", {})["count"] == 1
        assert not list(collections.glob(".replaced-*"))
    finally:
        engine.close()


def test_a_recovery_cut_short_after_the_swap_keeps_the_new_collection(tmp_path: Path) -> None:
    engine = Engine(tmp_path)
    engine.execute(SPECS["create_collection"], "c", {"vectors": {"size": 2, "distance": "Dot"}})
    engine.close()
    collections = tmp_path / "collections"
    shutil.copytree(collections / "c", collections / ".replaced-0123")
    engine = Engine(tmp_path)
    try:
        assert engine.execute(SPECS["collection_exists"], "c")["exists"] is True
        assert not list(collections.glob(".replaced-*"))
    finally:
        engine.close()


def test_a_full_snapshot_skips_a_collection_deleted_meanwhile(tmp_path: Path) -> None:
    engine = Engine(tmp_path)
    try:
        for name in ("kept", "gone"):
            engine.execute(
                SPECS["create_collection"], name, {"vectors": {"size": 2, "distance": "Dot"}}
            )
        listed = [engine._get("gone"), engine._get("kept")]
        engine.execute(SPECS["delete_collection"], "gone")
        full = snapshots.create_full_snapshot(listed, tmp_path / "aliases.json", tmp_path)
        with tarfile.open(tmp_path / full["name"], "r:gz") as tar:
            names = tar.getnames()
        assert "collections/kept/collection.json" in names
        assert not any(n.startswith("collections/gone") for n in names)
    finally:
        engine.close()


def test_a_snapshot_the_engine_cannot_open_leaves_the_collection(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "data")
    try:
        dense2 = {"vectors": {"size": 2, "distance": "Dot"}}
        engine.execute(SPECS["create_collection"], "a", dense2)
        taken = engine.execute(SPECS["create_snapshot"], "a")
        # The same archive with a configuration its shard cannot be opened with.
        unpacked = tmp_path / "unpacked"
        with tarfile.open(tmp_path / "data" / "snapshots" / "a" / taken["name"]) as tar:
            tar.extractall(unpacked, filter="data")
        meta = orjson.loads((unpacked / "collection.json").read_bytes())
        meta["config"]["params"]["vectors"]["size"] = 3
        (unpacked / "collection.json").write_bytes(orjson.dumps(meta))
        tampered = tmp_path / "tampered.snapshot"
        with tarfile.open(tampered, "w:gz") as tar:
            for child in unpacked.iterdir():
                tar.add(child, arcname=child.name)

        engine.execute(SPECS["create_collection"], "b", dense2)
        points = [{"id": i, "vector": [1.0, float(i)]} for i in range(2)]
        engine.execute(SPECS["upsert"], "b", {"points": points}, {"wait": "true"})
        with pytest.raises(EngineError) as refused:
            engine.execute(SPECS["recover_snapshot"], "b", {"location": str(tampered)})
        assert refused.value.message.startswith("Wrong input: cannot open the snapshot's shard")
        assert engine.execute(SPECS["count"], "b", {})["count"] == 2
        assert (
            engine.execute(SPECS["get_collection"], "b")["config"]["params"]["vectors"]["size"] == 2
        )
        collections = tmp_path / "data" / "collections"
        assert sorted(p.name for p in collections.iterdir()) == ["a", "b"]
    finally:
        engine.close()


async def test_uploads_must_be_multipart_with_a_snapshot_field(
    rest: Rest, server: EmbeddedQdrant, http: aiohttp.ClientSession, collection_name: str
) -> None:
    url = f"/collections/{collection_name}/snapshots/upload"
    reply = await rest("POST", url, {"snapshot": "inline"})
    assert reply.status == 400
    assert reply.error == "Multipart error: expected multipart/form-data, got application/json"
    form = aiohttp.FormData()
    form.add_field("file", b"not it", filename="x.snapshot")
    async with http.post(server.rest_url + url, data=form, headers={"api-key": KEY}) as resp:
        assert resp.status == 400
        assert (await resp.json())["status"]["error"] == "Multipart error: missing field `snapshot`"
    # Bigger than the 32 MiB JSON body cap: uploads are streamed, not held in memory.
    form = aiohttp.FormData()
    form.add_field("snapshot", os.urandom(33 * 1024 * 1024), filename="noise.snapshot")
    async with http.post(server.rest_url + url, data=form, headers={"api-key": KEY}) as resp:
        assert resp.status == 400
        assert (await resp.json())["status"]["error"].startswith("Wrong input: Invalid snapshot: ")
    assert not list(server.engine.snapshots_dir.glob(".upload-*"))
    assert (await rest("GET", f"/collections/{collection_name}/exists")).result["exists"] is False
