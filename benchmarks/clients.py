"""The clients under test: one small adapter each, all running the same query.

Every adapter opens its connections in ``open()`` (not timed), runs one
``query_points`` (384-d vector, ``limit`` hits, payload included: the seed's
query) per ``query()`` call and returns the number of hits, and releases
everything in ``close()``. Each is built the way its users would build it, with
that library's defaults; where a default matters (qdrant-client turning
keep-alive off for ``localhost``), both forms are listed.

Imports happen inside the factories, so a client whose library is missing or
broken fails its own row and not the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from benchmarks.server import Target


class BenchClient(Protocol):
    async def open(self) -> None: ...

    async def query(self, vector: list[float]) -> int: ...

    async def close(self) -> None: ...


Factory = Callable[[Target, str, int], BenchClient]
"""(target, collection, limit) -> an unopened client."""


@dataclass(frozen=True, slots=True)
class ClientSpec:
    """A client under test: its short name, its label in tables, its family and protocol."""

    name: str
    label: str
    family: str  # "qdpool", "raw" or "qdrant-client"
    protocol: str  # "rest" or "grpc"
    factory: Factory
    default: bool = True
    loop: str = "asyncio"  # the event loop it runs on: "asyncio" (the default loop) or "uvloop"


def _qdpool(protocol: str, rest_transport: str | None = None) -> Factory:
    """qdpool over ``protocol``; for REST, ``rest_transport`` (None: the default, http1)."""

    def build(target: Target, collection: str, limit: int) -> BenchClient:
        from benchmarks.clients_qdpool import QdpoolClient

        return QdpoolClient(target, collection, limit, protocol, rest_transport)

    return build


def _raw(kind: str) -> Factory:
    def build(target: Target, collection: str, limit: int) -> BenchClient:
        from benchmarks import clients_raw

        if kind == "httptools":
            from benchmarks.clients_floor import RawHttptools

            return RawHttptools(target, collection, limit)
        cls: Any = {
            "aiohttp": clients_raw.RawAiohttp,
            "httpx": clients_raw.RawHttpx,
            "grpc": clients_raw.RawGrpc,
        }[kind]
        client: BenchClient = cls(target, collection, limit)
        return client

    return build


def _official(protocol: str, keepalive: bool = False) -> Factory:
    def build(target: Target, collection: str, limit: int) -> BenchClient:
        from benchmarks.clients_official import OfficialClient

        return OfficialClient(target, collection, limit, protocol, keepalive)

    return build


SPECS: tuple[ClientSpec, ...] = (
    ClientSpec(
        "qdpool-rest", "qdpool REST (http1, the default)", "qdpool", "rest", _qdpool("rest")
    ),
    ClientSpec(
        "qdpool-rest-aiohttp",
        "qdpool REST (aiohttp)",
        "qdpool",
        "rest",
        _qdpool("rest", "aiohttp"),
    ),
    ClientSpec(
        "qdpool-rest-httpx", "qdpool REST (httpx)", "qdpool", "rest", _qdpool("rest", "httpx")
    ),
    ClientSpec("qdpool-grpc", "qdpool gRPC", "qdpool", "grpc", _qdpool("grpc")),
    ClientSpec("raw-aiohttp", "raw aiohttp + orjson", "raw", "rest", _raw("aiohttp")),
    ClientSpec(
        "raw-httptools", "raw Protocol + httptools (floor)", "raw", "rest", _raw("httptools")
    ),
    ClientSpec("raw-httpx", "raw httpx + orjson", "raw", "rest", _raw("httpx")),
    ClientSpec("raw-grpc", "raw grpc.aio stub", "raw", "grpc", _raw("grpc")),
    ClientSpec("qc-rest", "qdrant-client REST", "qdrant-client", "rest", _official("rest")),
    ClientSpec(
        "qc-rest-keepalive",
        "qdrant-client REST, keep-alive on",
        "qdrant-client",
        "rest",
        _official("rest", keepalive=True),
    ),
    ClientSpec("qc-grpc", "qdrant-client gRPC", "qdrant-client", "grpc", _official("grpc")),
)
CLIENTS: dict[str, ClientSpec] = {spec.name: spec for spec in SPECS}


def select(names: tuple[str, ...]) -> list[ClientSpec]:
    """The specs named (all default ones when ``names`` is empty), in table order."""
    if not names:
        return [s for s in SPECS if s.default]
    unknown = [n for n in names if n not in CLIENTS]
    if unknown:
        raise SystemExit(f"unknown client(s) {unknown}; known: {', '.join(CLIENTS)}")
    return [s for s in SPECS if s.name in names]
