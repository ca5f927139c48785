"""The REST door: an aiohttp.web application answering like Qdrant's HTTP API.

Routes come from the specs in ``qdpool.operations.ALL`` (method + path template), so the
operation name a request maps to is the same one the client, the fault rules
and the engine use.  Each request goes through one function, in this order:

1. log its ``traceparent``/``tracestate`` (``FaultInjector.received``);
2. fault injection (delay, then perhaps an injected error or a dropped connection);
3. the API key (health endpoints are exempt);
4. body decoding (32 MiB cap, Qdrant's ``Payload error``/``Format error`` texts);
5. the engine, whose ``result`` goes into ``{"result", "status": "ok", "time"}``.

Faults come before the key check because an unreachable or failing server
fails before it ever looks at credentials.  ``/qdpool/faults`` and
``/qdpool/requests`` are the fault-injection admin endpoints (never faulted,
guarded by the API key; see docs/embedded-server.md for their shapes).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from qdpool import operations as ops
from qdpool.embedded.auth import ApiKeys, Denial, presented_key
from qdpool.embedded.engine import Engine
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.embedded.faults import FaultInjector, FaultRule
from qdpool.embedded.rest_files import FILE_HANDLERS
from qdpool.embedded.version import version_info
from qdpool.operations.spec import Operation

MAX_BODY = 32 * 1024 * 1024
"""Qdrant's default ``max_request_size_mb``: 32 MiB."""

_JSON = "application/json"
_BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))
_HEALTH_TEXT = {
    "/healthz": "healthz check passed",
    "/livez": "healthz check passed",
    "/readyz": "all shards are ready",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(engine: Engine, faults: FaultInjector, keys: ApiKeys) -> web.Application:
    """The aiohttp application for one engine; run it with ``keepalive_timeout=5``."""
    door = _RestDoor(engine, faults, keys)
    # aiohttp refuses bodies over the cap while reading them; _read_body turns its
    # 413 into the 400 that Qdrant answers.
    app = web.Application(client_max_size=MAX_BODY)
    for op in ops.ALL:
        # Snapshot downloads and uploads move files, not JSON (rest_files).
        special = FILE_HANDLERS.get(op)
        handler = special(door, op) if special else door.operation_handler(op)
        app.router.add_route(op.rest_method, op.rest_path, handler)
    for path in _HEALTH_TEXT:
        app.router.add_get(path, door.health_handler(path))
    app.router.add_get("/qdpool/faults", door.get_faults)
    app.router.add_post("/qdpool/faults", door.add_faults)
    app.router.add_delete("/qdpool/faults", door.clear_faults)
    app.router.add_post("/qdpool/faults/reset", door.reset_faults)
    app.router.add_delete("/qdpool/faults/{rule_id}", door.remove_fault)
    app.router.add_get("/qdpool/requests", door.get_requests)
    app.router.add_delete("/qdpool/requests", door.clear_requests)
    return app


class _RestDoor:
    def __init__(self, engine: Engine, faults: FaultInjector, keys: ApiKeys) -> None:
        self.engine = engine
        self.faults = faults
        self.keys = keys

    # -- the Qdrant API ----------------------------------------------------------------

    def operation_handler(self, op: Operation[Any]) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self.serve(request, op)

        return handle

    def health_handler(self, path: str) -> Handler:
        text = _HEALTH_TEXT[path]

        async def handle(request: web.Request) -> web.StreamResponse:
            early = await self.front(request, ops.HEALTH, None)
            if early is not None:
                return early
            return web.Response(text=text)

        return handle

    async def serve(self, request: web.Request, op: Operation[Any]) -> web.StreamResponse:
        started = time.perf_counter()
        collection = request.match_info.get("collection")
        early = await self.front(request, op, collection)
        if early is not None:
            return early
        if op is ops.HEALTH:
            return _json(version_info())
        try:
            body = await self._read_body(request) if request.method in _BODY_METHODS else None
            params = dict(request.query)
            # Path parameters other than the collection (a point id, an index's field name).
            params.update((k, v) for k, v in request.match_info.items() if k != "collection")
            result = await self.engine.run(op, collection, body, params)
        except EngineError as exc:
            return _error(exc.http_status, exc.message, started)
        except ConnectionError:
            # The client went away mid-body (a reset, a chaos proxy): nobody to answer.
            return web.Response(status=499)
        return _json({"result": result, "status": "ok", "time": time.perf_counter() - started})

    async def front(
        self, request: web.Request, op: Operation[Any], collection: str | None
    ) -> web.StreamResponse | None:
        """Steps 1-3 of the module docstring; returns a response to send instead, if any."""
        headers = request.headers
        self.faults.record_request(
            "rest", op.name, headers.get("traceparent"), headers.get("tracestate"), collection
        )
        decision = self.faults.decide("rest", op.name)
        if decision.delay:
            await self.faults.sleep(decision.delay)
        rule = decision.rule
        if rule is not None:
            if rule.kind == "drop":
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=499)  # never delivered: the connection is gone
            assert rule.status is not None
            response = _error(
                rule.status, rule.error_message(decision.rule_id), time.perf_counter()
            )
            retry_after = rule.effective_retry_after
            if retry_after is not None:
                response.headers["Retry-After"] = f"{retry_after:g}"
            return response
        self.faults.record_served("rest", op.name)
        if op is ops.HEALTH:
            return None
        denial = self.keys.check(presented_key(headers.get), write=not op.read)
        return _denied(denial) if denial is not None else None

    async def _read_body(self, request: web.Request) -> Any:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            if request.content_length is not None:
                detail = (
                    f"JSON payload ({request.content_length} bytes) is larger than allowed "
                    f"(limit: {MAX_BODY} bytes)."
                )
            else:
                detail = f"JSON payload has exceeded limit ({MAX_BODY} bytes)."
            raise EngineError(ErrorKind.FORMAT, f"Payload error: {detail}") from None
        if not raw.strip():
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise EngineError.format(str(exc)) from None

    # -- fault-injection admin -----------------------------------------------------------

    async def get_faults(self, request: web.Request) -> web.StreamResponse:
        return self._admin(request, write=False) or _ok(self.faults.stats())

    async def add_faults(self, request: web.Request) -> web.StreamResponse:
        denied = self._admin(request, write=True)
        if denied:
            return denied
        try:
            body = orjson.loads(await request.read() or b"null")
            specs = body["rules"] if isinstance(body, dict) and "rules" in body else [body]
            if not isinstance(specs, list):
                raise ValueError("rules must be a list")
            rules = [FaultRule.from_json(spec) for spec in specs]
        except (orjson.JSONDecodeError, ValueError) as exc:
            return _error(422, f"Validation error in JSON body: {exc}", time.perf_counter())
        ids = [self.faults.add(rule) for rule in rules]
        return _ok({"ids": ids})

    async def clear_faults(self, request: web.Request) -> web.StreamResponse:
        denied = self._admin(request, write=True)
        if denied:
            return denied
        self.faults.clear()
        return _ok(True)

    async def reset_faults(self, request: web.Request) -> web.StreamResponse:
        denied = self._admin(request, write=True)
        if denied:
            return denied
        try:
            body = orjson.loads(await request.read() or b"{}") or {}
            seed = body.get("seed") if isinstance(body, dict) else None
            if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
                raise ValueError("seed must be an integer")
        except (orjson.JSONDecodeError, ValueError) as exc:
            return _error(422, f"Validation error in JSON body: {exc}", time.perf_counter())
        self.faults.reset(seed)
        return _ok(True)

    async def remove_fault(self, request: web.Request) -> web.StreamResponse:
        denied = self._admin(request, write=True)
        if denied:
            return denied
        try:
            rule_id = int(request.match_info["rule_id"])
        except ValueError:
            return _error(404, "Not found: no such fault rule", time.perf_counter())
        return _ok(self.faults.remove(rule_id))

    async def get_requests(self, request: web.Request) -> web.StreamResponse:
        denied = self._admin(request, write=False)
        if denied:
            return denied
        last = request.query.get("last")
        return _ok(self.faults.received_json(int(last) if last and last.isdigit() else None))

    async def clear_requests(self, request: web.Request) -> web.StreamResponse:
        denied = self._admin(request, write=True)
        if denied:
            return denied
        self.faults.received.clear()
        return _ok(True)

    def _admin(self, request: web.Request, *, write: bool) -> web.StreamResponse | None:
        denial = self.keys.check(presented_key(request.headers.get), write=write)
        return _denied(denial) if denial is not None else None


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type=_JSON)


def _ok(result: Any) -> web.Response:
    return _json({"result": result, "status": "ok", "time": 0.0})


def _error(status: int, message: str, started: float) -> web.Response:
    elapsed = max(time.perf_counter() - started, 0.0)
    return _json({"status": {"error": message}, "time": elapsed}, status)


def _denied(denial: Denial) -> web.Response:
    if denial is Denial.FORBIDDEN:
        return _error(403, denial.value, time.perf_counter())
    return web.Response(status=401, text=denial.value)
