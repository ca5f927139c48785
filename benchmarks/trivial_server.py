"""A trivial Qdrant look-alike for client-bound figures: canned answers, no engine.

    python -m benchmarks.trivial_server [--api-key KEY]

It speaks just enough of Qdrant's REST and gRPC APIs for the suite (collections,
upsert, count, query, health) and answers every query with the same five hits,
so that nearly all the time and CPU of a call is the client's. This is how the
handbook's transport figures were taken ("trivial servers on loopback, in a
separate process"); ``python -m benchmarks --server trivial`` uses it. It prints
the same first line as ``qdpool serve``. Upserts are counted, not stored.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

import grpc
import orjson
from aiohttp import web
from grpc_health.v1 import health, health_pb2_grpc
from qdrant_client import grpc as pb
from qdrant_client.grpc import collections_service_pb2_grpc as collections_grpc
from qdrant_client.grpc import points_service_pb2_grpc as points_grpc
from qdrant_client.grpc import qdrant_pb2_grpc

HITS: list[dict[str, Any]] = [
    {
        "id": i,
        "version": 1,
        "score": 0.9 - i / 100,
        "payload": {"i": i, "category": "index", "price": i},
    }
    for i in range(5)
]


class State:
    def __init__(self, api_key: str | None) -> None:
        self.api_key = api_key
        self.counts: dict[str, int] = {}


def _ok(result: Any) -> web.Response:
    body = orjson.dumps({"result": result, "status": "ok", "time": 0.0})
    return web.Response(body=body, content_type="application/json")


def rest_app(state: State) -> web.Application:
    query_body = orjson.dumps({"result": {"points": HITS}, "status": "ok", "time": 0.0001})
    routes = web.RouteTableDef()

    @web.middleware
    async def auth(request: web.Request, handler: Any) -> web.StreamResponse:
        open_paths = ("/", "/readyz", "/healthz", "/livez")
        checked = state.api_key and request.path not in open_paths
        if checked and request.headers.get("api-key") != state.api_key:
            return web.Response(status=401, text="Invalid API key or JWT")
        response: web.StreamResponse = await handler(request)
        return response

    @routes.get("/")
    async def root(_: web.Request) -> web.Response:
        return web.json_response({"title": "qdrant - vector search engine", "version": "1.18.1"})

    @routes.get("/readyz")
    async def ready(_: web.Request) -> web.Response:
        return web.Response(text="all shards are ready")

    @routes.put("/collections/{name}")
    async def create(request: web.Request) -> web.Response:
        await request.read()
        state.counts[request.match_info["name"]] = 0
        return _ok(True)

    @routes.delete("/collections/{name}")
    async def delete(request: web.Request) -> web.Response:
        return _ok(state.counts.pop(request.match_info["name"], None) is not None)

    @routes.put("/collections/{name}/points")
    async def upsert(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        name = request.match_info["name"]
        added = len(body["points"]) if "points" in body else len(body["batch"]["ids"])
        state.counts[name] = state.counts.get(name, 0) + added
        return _ok({"operation_id": 1, "status": "completed"})

    @routes.post("/collections/{name}/points/count")
    async def count(request: web.Request) -> web.Response:
        await request.read()
        return _ok({"count": state.counts.get(request.match_info["name"], 0)})

    @routes.post("/collections/{name}/points/query")
    async def query(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=query_body, content_type="application/json")

    app = web.Application(middlewares=[auth], client_max_size=64 * 2**20)
    app.add_routes(routes)
    return app


def _hits_pb() -> list[Any]:
    def value(v: Any) -> Any:
        return pb.Value(string_value=v) if isinstance(v, str) else pb.Value(integer_value=v)

    return [
        pb.ScoredPoint(
            id=pb.PointId(num=h["id"]),
            score=h["score"],
            version=1,
            payload={k: value(v) for k, v in h["payload"].items()},
        )
        for h in HITS
    ]


class _Auth(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    def __init__(self, api_key: str | None) -> None:
        self._key = api_key

    async def intercept_service(self, continuation: Any, details: Any) -> Any:
        checked = self._key and not details.method.startswith("/grpc.health")
        if checked and ("api-key", self._key) not in tuple(details.invocation_metadata or ()):

            async def deny(request: Any, context: Any) -> Any:
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Invalid API key or JWT")

            return grpc.unary_unary_rpc_method_handler(deny)
        return await continuation(details)


class Points(points_grpc.PointsServicer):
    def __init__(self, state: State) -> None:
        self._state = state
        self._hits = _hits_pb()

    async def Query(self, request: Any, context: Any) -> Any:
        return pb.QueryResponse(result=self._hits, time=0.0001)

    async def Upsert(self, request: Any, context: Any) -> Any:
        name = request.collection_name
        self._state.counts[name] = self._state.counts.get(name, 0) + len(request.points)
        result = pb.UpdateResult(operation_id=1, status=pb.UpdateStatus.Completed)
        return pb.PointsOperationResponse(result=result, time=0.0)

    async def Count(self, request: Any, context: Any) -> Any:
        count = self._state.counts.get(request.collection_name, 0)
        return pb.CountResponse(result=pb.CountResult(count=count), time=0.0)


class Collections(collections_grpc.CollectionsServicer):
    def __init__(self, state: State) -> None:
        self._state = state

    async def Create(self, request: Any, context: Any) -> Any:
        self._state.counts[request.collection_name] = 0
        return pb.CollectionOperationResponse(result=True, time=0.0)

    async def Delete(self, request: Any, context: Any) -> Any:
        existed = self._state.counts.pop(request.collection_name, None) is not None
        return pb.CollectionOperationResponse(result=existed, time=0.0)


class Service(qdrant_pb2_grpc.QdrantServicer):
    async def HealthCheck(self, request: Any, context: Any) -> Any:
        return pb.HealthCheckReply(title="qdrant - vector search engine", version="1.18.1")


async def serve(host: str, api_key: str | None) -> None:
    state = State(api_key)
    runner = web.AppRunner(rest_app(state), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    rest_port = runner.addresses[0][1]
    server = grpc.aio.server(
        interceptors=[_Auth(api_key)], options=[("grpc.max_receive_message_length", -1)]
    )
    points_grpc.add_PointsServicer_to_server(Points(state), server)  # type: ignore[no-untyped-call]
    collections_grpc.add_CollectionsServicer_to_server(  # type: ignore[no-untyped-call]
        Collections(state), server
    )
    qdrant_pb2_grpc.add_QdrantServicer_to_server(Service(), server)  # type: ignore[no-untyped-call]
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)  # type: ignore[attr-defined]
    grpc_port = server.add_insecure_port(f"{host}:0")
    await server.start()
    print(
        f"qdpool serve: rest=http://{host}:{rest_port} grpc=http://{host}:{grpc_port}", flush=True
    )
    await asyncio.Event().wait()


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.trivial_server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--api-key")
    args = p.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.api_key))


if __name__ == "__main__":
    main()
