"""A trivial Qdrant look-alike for client-bound figures: canned answers, no engine.

    python -m benchmarks.trivial_server [--api-key KEY]

It speaks just enough of Qdrant's REST and gRPC APIs for the suite (collections,
upsert, count, query, health) and answers every query with the same five hits,
so that nearly all the time and CPU of a call is the client's. This is how the
handbook's transport figures were taken ("trivial servers on loopback, in a
separate process"); ``python -m benchmarks --server trivial`` uses it. It prints
the same first line as ``qdpool serve``. Upserts are counted, not stored.

It must cost the server less than the cheapest client costs the client, or at
100 calls in flight the server sets the pace and caps every ratio (an aiohttp
server did: ~230 µs of server CPU per query, a core at ~4,000 req/s). So the
REST door is an ``asyncio.Protocol`` fed to httptools (llhttp) with answers
encoded once, on uvloop when it is installed, in a thread of its own; gRPC
(grpc.aio, whose core runs its own threads) keeps the main thread's loop. One
process, so the suite's server CPU figure (``/proc/<pid>/stat``) covers both.
The REST door still checks the API key, routes by method and path, and parses
the bodies whose content it answers about (upserts, for the count); a query's
body is read but not parsed, as every query gets the same hits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import threading
from collections.abc import Callable
from typing import Any, cast

import grpc
import httptools
import orjson
from grpc_health.v1 import health, health_pb2_grpc
from qdrant_client import grpc as pb

HITS: list[dict[str, Any]] = [
    {
        "id": i,
        "version": 1,
        "score": 0.9 - i / 100,
        "payload": {"i": i, "category": "index", "price": i},
    }
    for i in range(5)
]
MAX_BODY = 64 * 2**20
"""Request bodies above this are refused with 413 (Qdrant's REST cap is 32 MiB)."""
OPEN_PATHS = frozenset({b"/", b"/readyz", b"/healthz", b"/livez"})
"""Paths that answer without the API key, as in Qdrant."""


class State:
    """Point counts per collection, shared by both doors (dict updates are atomic under the GIL)."""

    def __init__(self, api_key: str | None) -> None:
        self.api_key = api_key
        self.counts: dict[str, int] = {}


# ---------------------------------------------------------------- REST


def answer(status: int, body: bytes, content_type: bytes = b"application/json") -> bytes:
    """A whole HTTP/1.1 answer (status line, headers, body) as bytes."""
    reason = {200: b"OK", 401: b"Unauthorized", 404: b"Not Found", 413: b"Payload Too Large"}
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n\r\n"
        % (status, reason.get(status, b"Error"), content_type, len(body))
        + body
    )


def ok(result: Any) -> bytes:
    return answer(200, orjson.dumps({"result": result, "status": "ok", "time": 0.0}))


def error(status: int, message: str) -> bytes:
    return answer(status, orjson.dumps({"status": {"error": message}, "time": 0.0}))


QUERY_ANSWER = answer(
    200, orjson.dumps({"result": {"points": HITS}, "status": "ok", "time": 0.0001})
)
ROOT_ANSWER = answer(
    200, orjson.dumps({"title": "qdrant - vector search engine", "version": "1.18.1"})
)
READY_ANSWER = answer(200, b"all shards are ready", b"text/plain")
UNAUTHORIZED = answer(401, b"Invalid API key or JWT", b"text/plain")
UPSERTED = ok({"operation_id": 1, "status": "completed"})
TRUE, FALSE = ok(True), ok(False)

Route = Callable[[State, str, bytes], bytes]
"""(state, collection name, request body) -> the whole answer."""


def _create(state: State, name: str, body: bytes) -> bytes:
    state.counts[name] = 0
    return TRUE


def _delete(state: State, name: str, body: bytes) -> bytes:
    return TRUE if state.counts.pop(name, None) is not None else FALSE


def _upsert(state: State, name: str, body: bytes) -> bytes:
    # Points are counted by their "id" keys, not parsed: parsing 1,000 384-d points costs
    # ~2.4x what encoding them costs the client, so a parsing server capped every REST
    # ingestion figure. The suite's payloads have no "id" key or value.
    try:
        if body.startswith(b'{"points":') or body.startswith(b'{"points": '):
            added = body.count(b'"id"')
        else:
            request = orjson.loads(body)
            added = len(request["points"]) if "points" in request else len(request["batch"]["ids"])
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        return error(400, f"Format error in JSON body: {exc}")
    state.counts[name] = state.counts.get(name, 0) + added
    return UPSERTED


def _count(state: State, name: str, body: bytes) -> bytes:
    return ok({"count": state.counts.get(name, 0)})


def _query(state: State, name: str, body: bytes) -> bytes:
    return QUERY_ANSWER


COLLECTION_ROUTES: dict[tuple[bytes, bytes], Route] = {
    (b"PUT", b""): _create,
    (b"DELETE", b""): _delete,
    (b"PUT", b"/points"): _upsert,
    (b"POST", b"/points/count"): _count,
    (b"POST", b"/points/query"): _query,
}
"""(method, the path after ``/collections/{name}``) -> its handler."""
FIXED_ROUTES: dict[tuple[bytes, bytes], bytes] = {
    (b"GET", b"/"): ROOT_ANSWER,
    (b"GET", b"/readyz"): READY_ANSWER,
    (b"GET", b"/healthz"): READY_ANSWER,
    (b"GET", b"/livez"): READY_ANSWER,
}


def route(state: State, method: bytes, path: bytes, api_key: bytes | None, body: bytes) -> bytes:
    """The answer to one request."""
    if state.api_key and path not in OPEN_PATHS and api_key != state.api_key.encode():
        return UNAUTHORIZED
    fixed = FIXED_ROUTES.get((method, path))
    if fixed is not None:
        return fixed
    if path.startswith(b"/collections/"):
        name, _, rest = path[13:].partition(b"/")
        handler = COLLECTION_ROUTES.get((method, b"/" + rest if rest else b""))
        if handler is not None and name:
            return handler(state, name.decode(), body)
    return error(404, f"Not found: {method.decode()} {path.decode()}")


class RestConnection(asyncio.Protocol):
    """One client connection: requests parsed by httptools, answered in order, kept alive."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._url = b""
        self._api_key: bytes | None = None
        self._body: list[bytes] = []
        self._size = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            if self._transport is not None:
                self._transport.write(error(400, "malformed HTTP request"))
                self._transport.close()

    def on_message_begin(self) -> None:
        self._url, self._api_key, self._body, self._size = b"", None, [], 0

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) == 7 and name.lower() == b"api-key":
            self._api_key = value

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size <= MAX_BODY:
            self._body.append(body)

    def on_message_complete(self) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if self._size > MAX_BODY:
            transport.write(error(413, "Payload error: JSON payload is larger than allowed"))
            transport.close()
            return
        path = self._url.partition(b"?")[0]
        body = b"".join(self._body)
        transport.write(route(self._state, self._parser.get_method(), path, self._api_key, body))
        if not self._parser.should_keep_alive():
            transport.close()


def _rest_loop() -> asyncio.AbstractEventLoop:
    if importlib.util.find_spec("uvloop") is not None:
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def start_rest(state: State, host: str) -> int:
    """Serve REST from a daemon thread with its own loop; return the port once listening."""
    ready: list[int] = []
    started = threading.Event()

    def run() -> None:
        loop = _rest_loop()
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(
            loop.create_server(lambda: RestConnection(state), host, 0, backlog=1024)
        )
        ready.append(server.sockets[0].getsockname()[1])
        started.set()
        loop.run_forever()

    threading.Thread(target=run, name="rest-door", daemon=True).start()
    if not started.wait(30):
        raise RuntimeError("the REST door did not start")
    return ready[0]


# ---------------------------------------------------------------- gRPC


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


def _unauthenticated(key: str | None, context: grpc.aio.ServicerContext[Any, Any]) -> bool:
    if not key:
        return False
    return ("api-key", key) not in tuple(context.invocation_metadata() or ())


def grpc_handlers(state: State) -> list[grpc.GenericRpcHandler[Any, Any]]:
    """The gRPC methods the suite calls, each checking the API key itself.

    A server interceptor would run a Python coroutine more per call, and protobuf
    messages would be parsed and serialised per call: the query's request stays
    bytes (every query gets the same hits) and its answer is serialised once.
    """
    key = state.api_key
    query_answer = pb.QueryResponse(result=_hits_pb(), time=0.0001).SerializeToString()

    async def query(request: bytes, context: Any) -> bytes:
        if _unauthenticated(key, context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Invalid API key or JWT")
        return query_answer

    async def upsert(request: Any, context: Any) -> Any:
        if _unauthenticated(key, context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Invalid API key or JWT")
        name = request.collection_name
        state.counts[name] = state.counts.get(name, 0) + len(request.points)
        result = pb.UpdateResult(operation_id=1, status=pb.UpdateStatus.Completed)
        return pb.PointsOperationResponse(result=result, time=0.0)

    async def count(request: Any, context: Any) -> Any:
        if _unauthenticated(key, context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Invalid API key or JWT")
        found = state.counts.get(request.collection_name, 0)
        return pb.CountResponse(result=pb.CountResult(count=found), time=0.0)

    async def create(request: Any, context: Any) -> Any:
        if _unauthenticated(key, context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Invalid API key or JWT")
        state.counts[request.collection_name] = 0
        return pb.CollectionOperationResponse(result=True, time=0.0)

    async def delete(request: Any, context: Any) -> Any:
        if _unauthenticated(key, context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Invalid API key or JWT")
        existed = state.counts.pop(request.collection_name, None) is not None
        return pb.CollectionOperationResponse(result=existed, time=0.0)

    async def health_check(request: Any, context: Any) -> Any:
        return pb.HealthCheckReply(title="qdrant - vector search engine", version="1.18.1")

    def unary(fn: Any, request: Any, response: Any) -> grpc.RpcMethodHandler[Any, Any]:
        return grpc.unary_unary_rpc_method_handler(
            fn,
            request_deserializer=None if request is None else request.FromString,
            response_serializer=None if response is None else response.SerializeToString,
        )

    return [
        grpc.method_handlers_generic_handler(
            "qdrant.Points",
            {
                "Query": unary(query, None, None),
                "Upsert": unary(upsert, pb.UpsertPoints, pb.PointsOperationResponse),
                "Count": unary(count, pb.CountPoints, pb.CountResponse),
            },
        ),
        grpc.method_handlers_generic_handler(
            "qdrant.Collections",
            {
                "Create": unary(create, pb.CreateCollection, pb.CollectionOperationResponse),
                "Delete": unary(delete, pb.DeleteCollection, pb.CollectionOperationResponse),
            },
        ),
        grpc.method_handlers_generic_handler(
            "qdrant.Qdrant",
            {"HealthCheck": unary(health_check, pb.HealthCheckRequest, pb.HealthCheckReply)},
        ),
    ]


async def serve(host: str, api_key: str | None) -> None:
    state = State(api_key)
    rest_port = start_rest(state, host)
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", -1)])
    server.add_generic_rpc_handlers(grpc_handlers(state))
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
