"""The gRPC channel pool: real separate connections, least-loaded pick, replacement, repr."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest

import qdpool
from qdpool import errors
from qdpool.call import Call
from qdpool.config import PoolConfig
from qdpool.embedded import EmbeddedQdrant
from qdpool.endpoint import Endpoint
from qdpool.operations import COUNT
from qdpool.transport.grpc import REPLACE_INTERVAL, GrpcTransport, map_rpc_error


def established_to(port: int) -> int:
    """Client-side TCP connections on this machine whose remote port is ``port``."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                lines = handle.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].split(":")[1], 16)
            if remote_port == port and fields[3] == "01":  # 01 = ESTABLISHED
                count += 1
    return count


@pytest.fixture
async def own_server() -> AsyncIterator[EmbeddedQdrant]:
    async with EmbeddedQdrant() as server:
        yield server


async def test_each_channel_is_its_own_connection(own_server: EmbeddedQdrant) -> None:
    endpoint = Endpoint.from_urls(own_server.rest_url, own_server.grpc_url)
    transport = GrpcTransport(endpoint, PoolConfig(grpc_channels=3))
    await transport.start()
    try:
        assert transport.ready == 3
        assert established_to(endpoint.grpc_port) == 3
        assert repr(transport).endswith("[Channels: 3 | In flight: 0 [0, 0, 0] | Ready: 3]>")
    finally:
        await transport.aclose()
    await asyncio.sleep(0.05)
    assert established_to(endpoint.grpc_port) == 0
    assert "closed" in repr(transport)


async def test_calls_go_to_the_least_loaded_channel(own_server: EmbeddedQdrant) -> None:
    endpoint = Endpoint.from_urls(own_server.rest_url, own_server.grpc_url)
    transport = GrpcTransport(endpoint, PoolConfig(grpc_channels=3))
    await transport.start()
    try:
        slots = transport._channels
        slots[0].in_flight, slots[1].in_flight, slots[2].in_flight = 5, 1, 3
        assert transport._pick() is slots[1]
        slots[1].in_flight = 9
        assert transport._pick() is slots[2]
    finally:
        for slot in transport._channels:
            slot.in_flight = 0
        await transport.aclose()


async def test_concurrent_calls_spread_over_channels(own_server: EmbeddedQdrant) -> None:
    async with qdpool.connect(
        own_server.rest_url,
        grpc_url=own_server.grpc_url,
        protocol="grpc",
        pool=PoolConfig(grpc_channels=2),
    ) as client:
        transport = client.transports["grpc"]
        assert isinstance(transport, GrpcTransport)
        await client.create_collection("spread", size=4)
        peaks: list[list[int]] = []

        async def probe() -> None:
            while True:
                peaks.append(transport.in_flight)
                await asyncio.sleep(0)

        watcher = asyncio.create_task(probe())
        await asyncio.gather(*(client.count("spread") for _ in range(40)))
        watcher.cancel()
        assert any(all(n > 0 for n in sample) for sample in peaks)
        assert transport.in_flight == [0, 0]


async def test_start_fails_when_no_channel_comes_up() -> None:
    transport = GrpcTransport(Endpoint("127.0.0.1", grpc_port=1), PoolConfig(connect_timeout=0.3))
    with pytest.raises(errors.Unavailable, match=r"127\.0\.0\.1:1") as exc:
        await transport.start()
    assert exc.value.sent is False


async def test_a_broken_channel_is_replaced_and_the_pool_recovers() -> None:
    server = EmbeddedQdrant()
    await server.start()
    endpoint = Endpoint.from_urls(server.rest_url, server.grpc_url)
    transport = GrpcTransport(endpoint, PoolConfig(grpc_channels=2, connect_timeout=1.0))
    await transport.start()
    await asyncio.sleep(REPLACE_INTERVAL)
    before = list(transport._channels)
    loop = asyncio.get_running_loop()
    call = Call(COUNT, "none", "grpc", {"exact": True}, None, 0.0, endpoint)
    await server.close()
    try:
        for _ in range(4):
            call.attempt_deadline = loop.time() + 1.0
            with pytest.raises(errors.ApiError):
                await transport.send(call)
        assert any(slot not in before for slot in transport._channels)
        async with EmbeddedQdrant(port=server.port, grpc_port=server.grpc_port):
            deadline = loop.time() + 5.0
            while True:
                call.attempt_deadline = loop.time() + 1.0
                try:
                    await transport.send(call)
                except errors.NotFound:
                    break  # the server answered: the pool reconnected
                except errors.Unavailable:
                    assert loop.time() < deadline, "the pool did not reconnect within 5 s"
                    await asyncio.sleep(0.05)
    finally:
        await transport.aclose()


def test_rpc_errors_map_to_the_tree() -> None:
    def rpc_error(
        code: grpc.StatusCode, details: str, trailers: tuple[tuple[str, str], ...] = ()
    ) -> grpc.aio.AioRpcError:
        return grpc.aio.AioRpcError(
            code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailers), details
        )

    assert isinstance(map_rpc_error(rpc_error(grpc.StatusCode.NOT_FOUND, "x")), errors.NotFound)
    unavailable = map_rpc_error(
        rpc_error(grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses")
    )
    assert isinstance(unavailable, errors.Unavailable) and unavailable.sent is False
    assert (
        map_rpc_error(rpc_error(grpc.StatusCode.UNAVAILABLE, "Shard temporarily unavailable")).sent
        is None
    )
    exhausted = map_rpc_error(
        rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down", (("retry-after", "3"),))
    )
    assert isinstance(exhausted, errors.ResourceExhausted) and exhausted.retry_after == 3.0
    internal = map_rpc_error(rpc_error(grpc.StatusCode.INTERNAL, "boom"))
    assert isinstance(internal, errors.ServerError) and internal.status == "INTERNAL"
