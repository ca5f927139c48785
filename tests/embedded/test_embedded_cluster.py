"""The embedded cluster (``qdpool serve --peers N``): peers, membership, kills, restarts, faults.

One 3-peer cluster serves the module (tests that change it put it back), plus a
1-peer cluster of its own for the close test.  Every peer is its own process;
kills are real SIGKILLs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import io
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import aiohttp
import grpc
import orjson
import pytest
import pytest_asyncio
from embedded_support import Grpc, Rest, grpc_channel, pb
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

from qdpool import operations as ops
from qdpool.embedded import EmbeddedProcess
from qdpool.embedded import cluster as cluster_module
from qdpool.embedded.cluster import EmbeddedCluster, Peer, free_base_port
from qdpool.embedded.cluster_control import ControlError
from qdpool.embedded.cluster_link import EngineLink, EngineListener
from qdpool.embedded.cluster_state import Membership, PeerAddress
from qdpool.embedded.cluster_supervisor import initial_membership
from qdpool.embedded.engine import Engine
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.operations.spec import Operation

pytestmark = pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")

KEY = "test-key"
RO_KEY = "ro-key"


@pytest_asyncio.fixture(scope="module")
async def cluster() -> AsyncIterator[EmbeddedCluster]:
    async with EmbeddedCluster(peers=3, api_key=KEY, read_only_api_key=RO_KEY) as c:
        yield c


@pytest_asyncio.fixture(scope="module")
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def rest_of(session: aiohttp.ClientSession, peer: Peer) -> Rest:
    return Rest(session, peer.rest_url)


async def make_collection(rest: Rest, name: str) -> None:
    reply = await rest("PUT", f"/collections/{name}", {"vectors": {"size": 2, "distance": "Dot"}})
    assert reply.result is True


def official(peer: Peer, *, grpc_on: bool) -> AsyncQdrantClient:
    return AsyncQdrantClient(
        url=peer.rest_url,
        grpc_port=peer.grpc_port,
        prefer_grpc=grpc_on,
        api_key=KEY,
        https=False,
        check_compatibility=False,
        timeout=10,
    )


# -- membership as GET /cluster reports it ---------------------------------------------


async def test_every_peer_reports_the_whole_cluster(
    cluster: EmbeddedCluster, session: aiohttp.ClientSession
) -> None:
    assert sorted(cluster.peers) == [1, 2, 3]
    pids = {p.pid for p in cluster.peers.values()}
    assert len(pids) == 3 and cluster.engine_pid not in pids and cluster.supervisor_pid not in pids
    api_ports = {port for p in cluster.peers.values() for port in (p.rest_port, p.grpc_port)}
    leaders = []
    for peer in cluster.peers.values():
        status = (await rest_of(session, peer)("GET", "/cluster")).result
        assert status["status"] == "enabled"
        assert status["peer_id"] == peer.id
        assert set(status["peers"]) == {"1", "2", "3"}
        for uri in (v["uri"] for v in status["peers"].values()):
            parts = urlsplit(uri)
            assert parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.path == "/"
            assert parts.port not in api_ports  # the peer-to-peer port, not an API port
        assert status["peers"][str(peer.id)]["uri"] == peer.p2p_url
        raft = status["raft_info"]
        assert set(raft) == {"term", "commit", "pending_operations", "leader", "role", "is_voter"}
        assert raft["leader"] in (1, 2, 3) and raft["is_voter"] is True
        assert raft["pending_operations"] == 0
        leaders.append((raft["leader"], raft["role"], peer.id))
        thread = status["consensus_thread_status"]
        assert thread["consensus_thread_status"] == "working"
        assert thread["last_update"].endswith("Z")
        assert status["message_send_failures"] == {}
    assert len({leader for leader, _, _ in leaders}) == 1
    assert [pid for leader, role, pid in leaders if role == "Leader"] == [leaders[0][0]]


async def test_discovery_from_one_seed_finds_every_peer(
    cluster: EmbeddedCluster, session: aiohttp.ClientSession
) -> None:
    """Each ``uri`` gives a host; the API ports sit at the offset its port has from the seed's."""
    seed = cluster.peers[1]
    status = (await rest_of(session, seed)("GET", "/cluster")).result
    seed_p2p = urlsplit(status["peers"][str(status["peer_id"])]["uri"]).port
    assert seed_p2p is not None
    for peer_id, info in status["peers"].items():
        uri = urlsplit(info["uri"])
        assert uri.port is not None
        rest_url = f"http://{uri.hostname}:{seed.rest_port + uri.port - seed_p2p}"
        found = (await Rest(session, rest_url)("GET", "/cluster")).result
        assert found["peer_id"] == int(peer_id)
        assert rest_url == cluster.peers[int(peer_id)].rest_url


async def test_the_p2p_port_is_not_an_api(cluster: EmbeddedCluster) -> None:
    parts = urlsplit(cluster.peers[1].p2p_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(b"GET /cluster HTTP/1.1\r\nHost: x\r\n\r\n")
    # Closed without an answer: an end of stream, or a reset when unread data was left.
    with contextlib.suppress(ConnectionResetError):
        assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


# -- one data set behind every peer ----------------------------------------------------


@pytest.mark.parametrize("grpc_on", [False, True], ids=["rest", "grpc"])
async def test_write_through_one_peer_read_through_another(
    cluster: EmbeddedCluster, grpc_on: bool
) -> None:
    name = f"shared_{uuid.uuid4().hex[:8]}"
    writer, reader = (
        official(cluster.peers[1], grpc_on=grpc_on),
        official(cluster.peers[3], grpc_on=grpc_on),
    )
    try:
        await writer.create_collection(name, vectors_config=qm.VectorParams(size=2, distance="Dot"))
        await writer.upsert(
            name,
            [qm.PointStruct(id=i, vector=[1.0, float(i)], payload={"i": i}) for i in range(10)],
            wait=True,
        )
        assert (await reader.count(name)).count == 10
        points = await reader.retrieve(name, [3, 7], with_payload=True)
        assert sorted(p.payload["i"] for p in points if p.payload) == [3, 7]
        hits = (await reader.query_points(name, query=[0.0, 1.0], limit=2)).points
        assert [h.id for h in hits] == [9, 8]
    finally:
        await writer.close()
        await reader.close()


async def test_snapshot_files_cross_peers(
    cluster: EmbeddedCluster, session: aiohttp.ClientSession, collection_name: str
) -> None:
    """Taken through one peer, downloaded through another, recovered by upload through a third."""
    first, second, third = (official(cluster.peers[i], grpc_on=False) for i in (1, 2, 3))
    try:
        await first.create_collection(
            collection_name, vectors_config=qm.VectorParams(size=2, distance="Dot")
        )
        points = [qm.PointStruct(id=i, vector=[1.0, float(i)]) for i in range(5)]
        await first.upsert(collection_name, points, wait=True)
        snapshot = await first.create_snapshot(collection_name, wait=True)
        assert snapshot is not None
        url = f"{cluster.peers[2].rest_url}/collections/{collection_name}/snapshots/{snapshot.name}"
        async with session.get(url, headers={"api-key": KEY}) as resp:
            assert resp.status == 200
            content = await resp.read()
        assert hashlib.sha256(content).hexdigest() == snapshot.checksum
        await second.delete(collection_name, qm.PointIdsList(points=[0, 1, 2]), wait=True)
        answer = await third.http.snapshots_api.recover_from_uploaded_snapshot(
            collection_name=collection_name,
            wait=True,
            checksum=snapshot.checksum,
            snapshot=io.BytesIO(content),
        )
        assert answer.result is True
        assert (await second.count(collection_name)).count == 5
    finally:
        for client in (first, second, third):
            await client.close()


async def test_every_peer_checks_the_keys(
    cluster: EmbeddedCluster, session: aiohttp.ClientSession, collection_name: str
) -> None:
    rest = rest_of(session, cluster.peers[2])
    await make_collection(rest_of(session, cluster.peers[1]), collection_name)
    assert (await rest("GET", "/collections", key=None)).status == 401
    assert (await rest("GET", "/collections", key="wrong")).status == 401
    assert (await rest("GET", f"/collections/{collection_name}", key=RO_KEY)).status == 200
    denied = await rest("DELETE", f"/collections/{collection_name}", key=RO_KEY)
    assert denied.status == 403
    channel = grpc_channel(cluster.peers[3])
    try:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await Grpc(channel)("list_collections", pb("list_collections"), key=None)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        await channel.close(None)


async def test_faults_on_one_peer_affect_only_that_peer(
    cluster: EmbeddedCluster, session: aiohttp.ClientSession, collection_name: str
) -> None:
    faulty, healthy = rest_of(session, cluster.peers[2]), rest_of(session, cluster.peers[1])
    await make_collection(healthy, collection_name)
    rule = {"kind": "error", "status": 503, "operation": "count"}
    assert (await faulty("POST", "/qdpool/faults", rule)).result == {"ids": [1]}
    try:
        count = f"/collections/{collection_name}/points/count"
        assert (await faulty("POST", count, {})).status == 503
        assert (await healthy("POST", count, {})).result == {"count": 0}
        channel = grpc_channel(cluster.peers[2])
        try:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await Grpc(channel)("count", pb("count", collection_name, {}))
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        finally:
            await channel.close(None)
        assert (await healthy("GET", "/qdpool/faults")).result["rules"] == []
    finally:
        assert (await faulty("POST", "/qdpool/faults/reset", {})).result is True


# -- kill -9, restart ------------------------------------------------------------------


async def test_kill_9_of_a_peer_under_writes_loses_no_acknowledged_write(
    cluster: EmbeddedCluster, session: aiohttp.ClientSession, collection_name: str
) -> None:
    peers = list(cluster.peers.values())
    await make_collection(rest_of(session, peers[0]), collection_name)
    victim = cluster.peers[2]
    acknowledged: list[int] = []
    unanswered = 0  # sent to the victim as it died: applied or not, never acknowledged
    served_after_kill = 0
    killed = False
    enough = asyncio.Event()
    next_id = iter(range(1, 10_000))
    deadline = time.monotonic() + 10.0

    channels = {p.id: grpc_channel(p) for p in peers}

    async def over_rest(peer: Peer, body: dict[str, Any]) -> None:
        path = f"/collections/{collection_name}/points"
        reply = await rest_of(session, peer)("PUT", path, body, params={"wait": "true"})
        assert reply.status == 200, reply.body

    async def over_grpc(peer: Peer, body: dict[str, Any]) -> None:
        message = pb("upsert", collection_name, body, {"wait": "true"})
        await Grpc(channels[peer.id])("upsert", message)

    async def writer(peer: Peer, send: Callable[[Peer, dict[str, Any]], Awaitable[None]]) -> None:
        nonlocal served_after_kill, unanswered
        while len(acknowledged) < 300 and time.monotonic() < deadline:
            point = next(next_id)
            try:
                await send(peer, {"points": [{"id": point, "vector": [1.0, float(point)]}]})
            except (aiohttp.ClientError, grpc.aio.AioRpcError) as exc:
                assert peer.id == victim.id and killed, exc
                unanswered += 1
                await asyncio.sleep(0.01)
                continue
            acknowledged.append(point)
            served_after_kill += killed
            if len(acknowledged) >= 60:
                enough.set()

    async def killer() -> None:
        nonlocal killed
        await enough.wait()
        killed = True
        await cluster.kill(victim.id)

    try:
        await asyncio.gather(
            killer(), *(writer(p, send) for p in peers for send in (over_rest, over_grpc))
        )
    finally:
        for channel in channels.values():
            await channel.close(None)
    assert killed and served_after_kill > 100  # the other peers kept serving
    assert cluster.peers[2].pid is None
    reader = rest_of(session, cluster.peers[3])
    found = (
        await reader("POST", f"/collections/{collection_name}/points", {"ids": acknowledged})
    ).result
    assert sorted(p["id"] for p in found) == sorted(acknowledged)

    # The dead peer is still a member (as in Qdrant), and no longer the leader.
    status = (await reader("GET", "/cluster")).result
    assert set(status["peers"]) == {"1", "2", "3"}
    assert status["raft_info"]["leader"] != victim.id

    restarted = await cluster.restart(victim.id)
    assert restarted.pid not in (None, victim.pid)
    assert (restarted.rest_url, restarted.grpc_url) == (victim.rest_url, victim.grpc_url)
    again = rest_of(session, restarted)
    count = f"/collections/{collection_name}/points/count"
    stored = (await again("POST", count, {})).result["count"]
    assert len(acknowledged) <= stored <= len(acknowledged) + unanswered
    assert (await again("GET", "/cluster")).result["peer_id"] == victim.id


async def test_engine_down_answers_unavailable_and_comes_back(
    cluster: EmbeddedCluster, session: aiohttp.ClientSession, collection_name: str
) -> None:
    rest = rest_of(session, cluster.peers[1])
    await make_collection(rest, collection_name)
    count = f"/collections/{collection_name}/points/count"
    await cluster.kill_engine()
    assert cluster.engine_pid is None
    try:
        down = await rest("POST", count, {})
        assert down.status == 503 and "unavailable" in down.error.lower()
        channel = grpc_channel(cluster.peers[3])
        try:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await Grpc(channel)("count", pb("count", collection_name, {}))
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        finally:
            await channel.close(None)
        assert (await rest("GET", "/cluster")).result["status"] == "enabled"
    finally:
        await cluster.restart_engine()
    assert (await rest("POST", count, {})).result == {"count": 0}


# -- membership changes ----------------------------------------------------------------


async def test_add_and_remove_a_peer(
    cluster: EmbeddedCluster, session: aiohttp.ClientSession, collection_name: str
) -> None:
    await make_collection(rest_of(session, cluster.peers[1]), collection_name)
    before = (await rest_of(session, cluster.peers[1])("GET", "/cluster")).result
    added = await cluster.add_peer()
    assert added.id == 4 and sorted(cluster.peers) == [1, 2, 3, 4]
    for peer in cluster.peers.values():
        status = (await rest_of(session, peer)("GET", "/cluster")).result
        assert set(status["peers"]) == {"1", "2", "3", "4"}
        assert status["raft_info"]["commit"] > before["raft_info"]["commit"]
    new = rest_of(session, added)
    assert (await new("GET", f"/collections/{collection_name}/exists")).result == {"exists": True}

    await cluster.remove_peer(added.id)
    assert sorted(cluster.peers) == [1, 2, 3]
    for peer in cluster.peers.values():
        status = (await rest_of(session, peer)("GET", "/cluster")).result
        assert set(status["peers"]) == {"1", "2", "3"}
    with pytest.raises(aiohttp.ClientError):
        await new("GET", "/collections")
    assert added.pid not in cluster.alive_pids()


async def test_a_removed_peer_lingers_outside_the_membership(
    cluster: EmbeddedCluster, session: aiohttp.ClientSession
) -> None:
    added = await cluster.add_peer()
    await cluster.remove_peer(added.id, linger=1.0)
    leaving = rest_of(session, added)
    status = (await leaving("GET", "/cluster")).result  # still serving meanwhile
    assert str(added.id) not in status["peers"] and status["raft_info"]["is_voter"] is False
    assert (await leaving("GET", "/collections")).status == 200
    for _ in range(100):  # then it stops
        if added.pid not in cluster.alive_pids():
            break
        await asyncio.sleep(0.1)
    assert added.pid not in cluster.alive_pids()


# -- the forwarding's cost -------------------------------------------------------------


async def test_forwarding_adds_little_latency(
    cluster: EmbeddedCluster, session: aiohttp.ClientSession
) -> None:
    """p50 of a small count through a peer against the same call on a single server.

    The two are timed alternately, call by call, so load from elsewhere on the
    machine weighs on both alike.
    """
    async with EmbeddedProcess(api_key=KEY, port=0, grpc_port=0) as single:
        peer = cluster.peers[1]
        rest_calls = [await _rest_count(session, url) for url in (single.rest_url, peer.rest_url)]
        rest_p50 = await _p50s(rest_calls)
        channels = [grpc_channel(_Target(url)) for url in (single.grpc_url, peer.grpc_url)]
        try:
            grpc_calls = [
                await _grpc_count(session, ch, url)
                for ch, url in zip(channels, (single.rest_url, peer.rest_url), strict=True)
            ]
            grpc_p50 = await _p50s(grpc_calls)
        finally:
            for channel in channels:
                await channel.close(None)
    added_rest, added_grpc = rest_p50[1] - rest_p50[0], grpc_p50[1] - grpc_p50[0]
    print(
        f"\nforwarding p50 (ms): REST single {rest_p50[0] * 1000:.3f} peer {rest_p50[1] * 1000:.3f}"
        f" (+{added_rest * 1000:.3f}); gRPC single {grpc_p50[0] * 1000:.3f}"
        f" peer {grpc_p50[1] * 1000:.3f} (+{added_grpc * 1000:.3f})"
    )
    assert added_rest < 0.005 and added_grpc < 0.005


Call = Callable[[], Awaitable[Any]]


async def _rest_count(session: aiohttp.ClientSession, rest_url: str) -> Call:
    rest = Rest(session, rest_url)
    name = f"lat_{uuid.uuid4().hex[:8]}"
    await make_collection(rest, name)
    return functools.partial(rest, "POST", f"/collections/{name}/points/count", {})


async def _grpc_count(
    session: aiohttp.ClientSession, channel: grpc.aio.Channel, rest_url: str
) -> Call:
    name = f"lat_{uuid.uuid4().hex[:8]}"
    await make_collection(Rest(session, rest_url), name)
    return functools.partial(Grpc(channel), "count", pb("count", name, {}))


class _Target:
    def __init__(self, grpc_url: str) -> None:
        self.grpc_url = grpc_url


async def _p50s(calls: list[Call], n: int = 200) -> list[float]:
    samples: list[list[float]] = [[] for _ in calls]
    for i in range(n + 30):
        for call, times in zip(calls, samples, strict=True):
            started = time.perf_counter()
            await call()
            if i >= 30:  # the first calls warm connections up
                times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in samples]


async def test_commands_that_make_no_sense_are_refused(cluster: EmbeddedCluster) -> None:
    with pytest.raises(ControlError, match="is running"):
        await cluster.restart(1)
    with pytest.raises(ControlError, match="not a member"):
        await cluster.kill(99)
    with pytest.raises(ControlError, match="not a member"):
        await cluster.remove_peer(99)
    with pytest.raises(ControlError, match="engine is running"):
        await cluster.restart_engine()


async def test_the_cluster_command_talks_to_the_supervisor(cluster: EmbeddedCluster) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "qdpool",
        "cluster",
        "status",
        "--cluster-dir",
        str(cluster.directory),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=EmbeddedProcess.environment(),
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err
    status = orjson.loads(out)
    assert [p["id"] for p in status["peers"]] == sorted(cluster.peers)
    assert status["engine_pid"] == cluster.engine_pid
    assert [p["rest_url"] for p in status["peers"]] == [p.rest_url for p in cluster.peers.values()]


# -- lifecycle (last: it closes the module's cluster) -------------------------------------


async def test_close_leaves_no_process(cluster: EmbeddedCluster) -> None:
    await cluster.refresh()
    directory, supervisor = cluster.directory, cluster.supervisor_pid
    members = {p.pid for p in cluster.peers.values()} | {cluster.engine_pid, supervisor}
    assert members <= cluster.alive_pids()  # which also holds the fork server
    assert len(cluster.alive_pids()) > len(members)
    await cluster.close()
    assert cluster.alive_pids() == set()
    assert not directory.exists()


# -- the membership model ----------------------------------------------------------------


def _membership(n: int) -> Membership:
    m = Membership("127.0.0.1")
    for i in range(1, n + 1):
        m = m.with_peer(PeerAddress(i, 7000 + i, 8000 + i, 9000 + i))
    return m.elected()


def test_the_leader_is_reelected_in_a_new_term_when_it_dies() -> None:
    m = _membership(3)
    assert (m.leader, m.term, m.commit) == (1, 1, 3)
    m = m.with_liveness(1, alive=False)
    assert (m.leader, m.term) == (2, 2)
    m = m.with_liveness(1, alive=True)
    assert (m.leader, m.term) == (2, 2)  # a peer that comes back does not take over
    m = m.without_peer(2)
    assert (m.leader, m.term, m.commit) == (1, 3, 4)
    assert m.status(1)["raft_info"]["role"] == "Leader"
    assert m.status(3)["raft_info"]["role"] == "Follower"


def test_a_joining_peer_knows_its_ports_but_is_not_reported() -> None:
    m = _membership(2).with_joining(PeerAddress(3, 1, 2, 3))
    assert m.peer(3) is not None and not m.is_member(3)
    assert set(m.status(1)["peers"]) == {"1", "2"}
    assert m.next_peer_id == 4
    assert Membership.from_json(m.to_json()) == m


def test_a_restarted_cluster_keeps_its_ids_ports_and_term() -> None:
    def new(peer_id: int) -> PeerAddress:
        return PeerAddress(peer_id, 100 + peer_id, 200 + peer_id, 300 + peer_id)

    stored = _membership(3).without_peer(2).with_liveness(1, alive=False)
    again = initial_membership(stored, "127.0.0.1", 2, new)
    assert again.peers == stored.peers and again.down == frozenset()
    assert (again.leader, again.term) == (stored.leader, stored.term)
    grown = initial_membership(stored, "127.0.0.1", 3, new)
    assert [p.id for p in grown.peers] == [1, 3, 4] and grown.peer(4) == new(4)
    fresh = initial_membership(None, "127.0.0.1", 2, new)
    assert [p.id for p in fresh.peers] == [1, 2] and (fresh.leader, fresh.term) == (1, 1)


async def test_a_start_on_a_picked_base_is_tried_again_on_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    picks = iter(range(20_000, 30_000, 100))
    monkeypatch.setattr(cluster_module, "free_base_port", lambda peers, host: next(picks))
    cluster = EmbeddedCluster(peers=2)
    bases: list[int] = []

    async def start_once_of(target: EmbeddedCluster) -> None:
        bases.append(target.base_ports()[0])
        if len(bases) < 3:
            raise RuntimeError("qdpool serve --peers did not start: ''")

    monkeypatch.setattr(cluster, "_start_once", lambda: start_once_of(cluster))
    await cluster.start()
    assert bases == [20_000, 20_100, 20_200]  # a new base for each attempt
    given = EmbeddedCluster(peers=2, base_port=free_base_port(2))  # the real one
    monkeypatch.setattr(given, "_start_once", lambda: start_once_of(given))
    bases.clear()
    with pytest.raises(RuntimeError):
        await given.start()
    assert len(bases) == 1  # a base the caller chose is not replaced


# -- the link between peers and the engine, in this process ------------------------------


ECHO, MISSING, FILE, BUG, HANG = (
    ops.COUNT,
    ops.GET_COLLECTION,
    ops.DOWNLOAD_SNAPSHOT,
    ops.SCROLL,
    ops.FACET,
)


class _FakeEngine:
    """Answers each of a few operations differently, so every kind of answer crosses the link."""

    def __init__(self) -> None:
        self.hold = asyncio.Event()

    async def run(
        self, operation: Operation[Any], collection: str | None, body: Any, params: dict[str, str]
    ) -> Any:
        if operation is ECHO:
            return {"collection": collection, "body": body, "params": params}
        if operation is MISSING:
            raise EngineError.collection_not_found(collection or "")
        if operation is FILE:
            return Path("/tmp/some.snapshot")
        if operation is HANG:
            await self.hold.wait()
        raise ValueError("a bug")


async def test_the_link_carries_results_errors_and_paths() -> None:
    directory = Path(tempfile.mkdtemp(prefix="qdpool-link-"))
    listener = EngineListener(cast(Engine, _FakeEngine()), directory / "engine.sock")
    link = EngineLink(directory / "engine.sock", connect_timeout=1.0)
    try:
        with pytest.raises(EngineError) as caught:
            await link.run(ECHO)
        assert caught.value.kind is ErrorKind.UNAVAILABLE  # no engine yet
        await listener.start()
        body = {"ids": [1, 2**63 + 5], "f": 1.0, "u": "ü"}
        echoed = await link.run(ECHO, "c", body, {"wait": "true"})
        assert echoed == {"collection": "c", "body": body, "params": {"wait": "true"}}
        with pytest.raises(EngineError) as caught:
            await link.run(MISSING, "x")
        assert (caught.value.kind, caught.value.message) == (
            ErrorKind.NOT_FOUND,
            "Not found: Collection `x` doesn't exist!",
        )
        assert await link.run(FILE) == Path("/tmp/some.snapshot")
        with pytest.raises(EngineError) as caught:
            await link.run(BUG)
        assert caught.value.kind is ErrorKind.INTERNAL
        in_flight = asyncio.ensure_future(link.run(HANG))
        await asyncio.sleep(0.05)
        await listener.close(grace=0.1)  # waits for calls in progress, then drops the link
        with pytest.raises(EngineError) as caught:
            await in_flight
        assert caught.value.kind is ErrorKind.UNAVAILABLE
    finally:
        await link.close()
        await listener.close()
        shutil.rmtree(directory, ignore_errors=True)
