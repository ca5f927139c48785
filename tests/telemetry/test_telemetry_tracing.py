"""Spans: one per logical call, one per attempt, by the v1.44 conventions; propagation."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, Decision, Sampler, SamplingResult
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, StatusCode, TraceFlags
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes
from telemetry_support import Otel, make_otel, make_rig

import qdpool
from qdpool.call import WAIT, Call, Options
from qdpool.errors import (
    CircuitOpen,
    DeadlineExceeded,
    NotFound,
    RetryBudgetExhausted,
    Unavailable,
)
from qdpool.interceptors.retry import Retry
from qdpool.operations import COUNT, LIST_COLLECTIONS, QUERY_POINTS
from qdpool.operations.raw import rest_operation
from qdpool.policies import RetryPolicy
from qdpool.telemetry import SCHEMA_URL, TracerRef
from qdpool.telemetry._shapes import classify, redact_url

REST_COUNT_ATTEMPT = "POST /collections/{collection}/points/count"


def fast_retry(observer: Any, attempts: int = 3) -> list[Any]:
    policy = RetryPolicy(max_attempts=attempts, base=0.0001, cap=0.0001, jitter="none")

    async def no_sleep(_: float) -> None:
        return None

    return [Retry(policy, observer=observer, sleep=no_sleep)]


async def test_rest_call_has_one_client_span_with_db_attributes(otel: Otel) -> None:
    rig = make_rig(otel, lambda call: 42)
    assert await rig.run(COUNT, options=Options(consistency="majority")) == 42

    call_span = otel.span("count docs")
    assert call_span.kind is SpanKind.CLIENT
    assert call_span.status.status_code is StatusCode.UNSET
    attrs = dict(call_span.attributes or {})
    assert attrs == {
        "db.system.name": "qdrant",
        "db.operation.name": "count",
        "db.collection.name": "docs",
        "server.address": "db.example",
        "server.port": 6333,
        "http.request.method": "POST",
        "url.full": "http://db.example:6333/collections/docs/points/count?consistency=majority",
    }
    assert call_span.instrumentation_scope is not None
    assert call_span.instrumentation_scope.name == "qdpool"
    assert call_span.instrumentation_scope.version == qdpool.__version__
    assert call_span.instrumentation_scope.schema_url == SCHEMA_URL


async def test_each_attempt_is_a_child_http_span(otel: Otel) -> None:
    rig = make_rig(otel, lambda call: 1)
    await rig.run(COUNT)
    call_span = otel.span("count docs")
    attempt = otel.span(REST_COUNT_ATTEMPT)
    assert attempt.kind is SpanKind.CLIENT
    assert attempt.parent is not None
    assert attempt.parent.span_id == call_span.context.span_id
    assert attempt.context.trace_id == call_span.context.trace_id
    assert dict(attempt.attributes or {}) == {
        "http.request.method": "POST",
        "server.address": "db.example",
        "server.port": 6333,
        "url.template": "/collections/{collection}/points/count",
        "url.full": "http://db.example:6333/collections/docs/points/count",
        "qdpool.attempt": 0,
    }


async def test_grpc_call_uses_rpc_attributes(otel: Otel) -> None:
    rig = make_rig(otel, lambda call: [])
    await rig.run(QUERY_POINTS, protocol="grpc")
    call_span = otel.span("query_points docs")
    attrs = dict(call_span.attributes or {})
    assert attrs["rpc.system.name"] == "grpc"
    assert attrs["rpc.method"] == "qdrant.Points/Query"
    assert attrs["server.port"] == 6334
    assert "url.full" not in attrs and "http.request.method" not in attrs
    attempt = otel.span("qdrant.Points/Query")
    assert attempt.parent is not None and attempt.parent.span_id == call_span.context.span_id
    assert dict(attempt.attributes or {}) == {
        "rpc.system.name": "grpc",
        "rpc.method": "qdrant.Points/Query",
        "server.address": "db.example",
        "server.port": 6334,
        "qdpool.attempt": 0,
        "rpc.response.status_code": "OK",
    }


async def test_span_name_is_the_operation_alone_without_a_collection(otel: Otel) -> None:
    rig = make_rig(otel, lambda call: [])
    await rig.run(LIST_COLLECTIONS, collection=None)
    span = otel.span("list_collections")
    assert "db.collection.name" not in (span.attributes or {})
    assert "GET /collections" in otel.names()


@pytest.mark.parametrize(
    ("protocol", "error", "code", "attempt_attr", "attempt_value"),
    [
        ("rest", NotFound("no such collection", protocol="rest", status=404), "404",
         "http.response.status_code", 404),
        ("grpc", NotFound("no such collection", protocol="grpc", status="NOT_FOUND"),
         "NOT_FOUND", "rpc.response.status_code", "NOT_FOUND"),
    ],
)  # fmt: skip
async def test_a_failed_call_marks_both_spans(
    otel: Otel,
    protocol: str,
    error: Exception,
    code: str,
    attempt_attr: str,
    attempt_value: Any,
) -> None:
    def fail(call: Call) -> Any:
        raise error

    rig = make_rig(otel, fail)
    with pytest.raises(NotFound):
        await rig.run(COUNT, protocol=protocol)
    call_span = otel.span("count docs")
    assert call_span.status.status_code is StatusCode.ERROR
    assert call_span.status.description is not None
    assert "no such collection" in call_span.status.description
    attrs = call_span.attributes or {}
    assert attrs["error.type"] == code
    assert attrs["db.response.status_code"] == code
    attempt = next(s for s in otel.spans() if s.name != "count docs")
    assert attempt.status.status_code is StatusCode.ERROR
    assert (attempt.attributes or {})[attempt_attr] == attempt_value
    assert (attempt.attributes or {})["error.type"] == code


async def test_success_has_no_error_attributes(otel: Otel) -> None:
    rig = make_rig(otel, lambda call: 1)
    await rig.run(COUNT)
    for span in otel.spans():
        assert "error.type" not in (span.attributes or {})
        assert "db.response.status_code" not in (span.attributes or {})


async def test_a_failure_that_a_retry_absorbed_does_not_fail_the_call_span(otel: Otel) -> None:
    answers: list[Any] = [Unavailable("shard down", protocol="rest", status=503), 7]

    def flaky(call: Call) -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    rig = make_rig(otel, flaky, lambda observer: fast_retry(observer))
    assert await rig.run(COUNT) == 7

    call_span = otel.span("count docs")
    assert call_span.status.status_code is StatusCode.UNSET
    assert "error.type" not in (call_span.attributes or {})
    attempts = sorted(
        (s for s in otel.spans() if s.name == REST_COUNT_ATTEMPT), key=lambda s: s.start_time or 0
    )
    assert len(attempts) == 2
    first, second = attempts
    assert first.status.status_code is StatusCode.ERROR
    assert (first.attributes or {})["http.response.status_code"] == 503
    assert "http.request.resend_count" not in (first.attributes or {})
    assert second.status.status_code is StatusCode.UNSET
    assert (second.attributes or {})["http.request.resend_count"] == 1
    assert (second.attributes or {})["qdpool.attempt"] == 1
    for attempt in attempts:
        assert attempt.parent is not None
        assert attempt.parent.span_id == call_span.context.span_id
    events = [(e.name, dict(e.attributes or {})) for e in call_span.events]
    assert [name for name, _ in events] == ["qdpool.attempt.failed", "qdpool.retry.backoff"]
    assert events[0][1] == {"qdpool.attempt": 0, "error.type": "503", "qdpool.will_retry": True}
    assert events[1][1]["qdpool.attempt"] == 0


async def test_every_attempt_carries_its_own_traceparent(otel: Otel) -> None:
    answers: list[Any] = [Unavailable("down", protocol="grpc", status="UNAVAILABLE"), 1]

    def flaky(call: Call) -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    rig = make_rig(otel, flaky, lambda observer: fast_retry(observer))
    await rig.run(COUNT, protocol="grpc")
    attempts = sorted(
        (s for s in otel.spans() if s.name == "qdrant.Points/Count"),
        key=lambda s: s.start_time or 0,
    )
    sent = [h["traceparent"] for h in rig.headers]
    expected = [
        f"00-{s.context.trace_id:032x}-{s.context.span_id:016x}-{s.context.trace_flags:02x}"
        for s in attempts
    ]
    assert sent == expected
    assert len(set(sent)) == 2


async def test_tracestate_of_the_caller_travels_on(otel: Otel) -> None:
    parent = SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
        trace_state=TraceState([("vendor", "opaque")]),
    )
    rig = make_rig(otel, lambda call: 1)
    token = otel_context.attach(trace.set_span_in_context(NonRecordingSpan(parent)))
    try:
        await rig.run(COUNT)
    finally:
        otel_context.detach(token)
    headers = rig.headers[0]
    assert headers["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert headers["tracestate"] == "vendor=opaque"
    call_span = otel.span("count docs")
    assert call_span.parent is not None and call_span.parent.span_id == 0xB7AD6B7169203331


class RecordingSampler(Sampler):
    """Samples everything and keeps the attributes each span started with."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Any] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        self.seen.append((name, dict(attributes or {})))
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return "RecordingSampler"


async def test_samplers_see_the_db_attributes_at_span_start() -> None:
    sampler = RecordingSampler()
    otel = make_otel(sampler)
    rig = make_rig(otel, lambda call: 1)
    await rig.run(COUNT)
    name, attrs = sampler.seen[0]
    assert name == "count docs"
    for key, value in {
        "db.system.name": "qdrant",
        "db.operation.name": "count",
        "db.collection.name": "docs",
        "server.address": "db.example",
        "server.port": 6333,
    }.items():
        assert attrs[key] == value


async def test_sampled_out_calls_export_nothing_but_still_propagate() -> None:
    otel = make_otel(ALWAYS_OFF)
    rig = make_rig(otel, lambda call: 1)
    await rig.run(COUNT)
    assert otel.spans() == []
    traceparent = rig.headers[0]["traceparent"]
    flags = int(traceparent.rsplit("-", 1)[1], 16)
    assert not flags & TraceFlags.SAMPLED  # not sampled, so the server need not record either
    assert int(traceparent.split("-")[1], 16) != 0


async def test_without_an_sdk_only_the_callers_context_is_propagated() -> None:
    rig = make_rig(None, lambda call: 1)
    await rig.run(COUNT)
    assert "traceparent" not in rig.headers[0]
    remote = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1))
    token = otel_context.attach(trace.set_span_in_context(NonRecordingSpan(remote)))
    try:
        await rig.run(COUNT)
    finally:
        otel_context.detach(token)
    assert rig.headers[1]["traceparent"] == f"00-{0xABC:032x}-{0xDEF:016x}-01"


def test_tracer_ref_sees_through_the_proxy_and_noop() -> None:
    assert TracerRef(trace.NoOpTracer()).get() is None
    proxy = trace.ProxyTracer("qdpool")
    assert TracerRef(proxy).get() is None  # no global provider in this test process
    otel = make_otel()
    real = otel.tracer_provider.get_tracer("qdpool")
    assert TracerRef(real).get() is real


async def test_a_cancelled_call_is_not_an_error(otel: Otel) -> None:
    started = asyncio.Event()

    async def slow(call: Call) -> Any:
        started.set()
        await asyncio.sleep(10)

    rig = make_rig(otel, slow)
    task = asyncio.ensure_future(rig.run(COUNT))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for span in otel.spans():
        assert span.status.status_code is StatusCode.UNSET
        assert (span.attributes or {})["qdpool.cancelled"] is True
    assert otel.points("db.client.operation.duration") == []


async def test_context_is_restored_after_the_call(otel: Otel) -> None:
    rig = make_rig(otel, lambda call: 1)
    before = trace.get_current_span()
    await rig.run(COUNT)
    assert trace.get_current_span() is before

    def fail(call: Call) -> Any:
        raise Unavailable("x", protocol="rest", status=503)

    rig = make_rig(otel, fail)
    with pytest.raises(Unavailable):
        await rig.run(COUNT)
    assert trace.get_current_span() is before


async def test_url_full_never_carries_secrets_from_a_literal_target(otel: Otel) -> None:
    rig = make_rig(otel, lambda call: 1)
    raw = rest_operation(
        "PUT", "/collections/docs/points?api-key=oops", read=False, idempotent=True
    )
    await rig.run(raw, collection=None, options=WAIT)
    url = (otel.span("PUT /collections/docs/points").attributes or {})["url.full"]
    assert url == "http://db.example:6333/collections/docs/points?api-key=REDACTED&wait=true"


def test_redact_url_removes_credentials() -> None:
    assert redact_url("http://u:p@h:6333/x") == "http://REDACTED:REDACTED@h:6333/x"
    assert redact_url("http://h:6333") == "http://h:6333"


def test_error_classification() -> None:
    assert classify(NotFound("x", protocol="rest", status=404)) == ("404", "404")
    assert classify(Unavailable("x", protocol="grpc", status="UNAVAILABLE")) == (
        "UNAVAILABLE",
        "UNAVAILABLE",
    )
    assert classify(Unavailable("refused", protocol="rest", status=None)) == (
        "qdpool.errors.Unavailable",
        None,
    )
    assert classify(CircuitOpen("h:1/2", "rest", 1.0)) == ("qdpool.errors.CircuitOpen", None)
    exhausted = RetryBudgetExhausted(DeadlineExceeded("slow", protocol="rest", status=408))
    assert classify(exhausted) == ("408", "408")
    assert classify(TimeoutError()) == ("TimeoutError", None)


def test_qdpool_needs_only_the_api_at_run_time() -> None:
    """Importing qdpool and making a traced call loads no OpenTelemetry SDK module."""
    import subprocess
    import sys

    code = (
        "import asyncio, sys\n"
        "import qdpool\n"
        "from qdpool.testing import MockTransport\n"
        "async def main():\n"
        "    client = qdpool.Client(qdpool.Endpoint('localhost'), protocols=('rest',),\n"
        "                           transports={'rest': MockTransport(lambda call: 3)})\n"
        "    async with client:\n"
        "        assert await client.count('docs') == 3\n"
        "asyncio.run(main())\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('opentelemetry.sdk'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_tracer_ref_switches_to_a_global_provider_set_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = trace.ProxyTracer("qdpool", "0", SCHEMA_URL)
    ref = TracerRef(proxy)
    assert ref.get() is None
    otel = make_otel()
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", otel.tracer_provider)  # as set_tracer_provider
    real = ref.get()
    assert real is not None and not isinstance(real, trace.NoOpTracer)
    assert ref.get() is real
    assert ref.tracer is real
