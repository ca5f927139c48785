"""Real export: the demo walkthrough's spans and metrics, over OTLP/gRPC, into a receiver.

The receiver is an OTLP/gRPC collector served with grpcio from
opentelemetry-proto's service definitions (TraceService and MetricsService
``Export``); the client side is the stock OTLP exporter with a batch span
processor and a periodic metric reader, as a service would configure them.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
import pytest_asyncio
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

import qdpool
from qdpool.demo import make_points, walkthrough
from qdpool.embedded import EmbeddedQdrant, FaultRule
from qdpool.policies import RetryPolicy
from qdpool.telemetry import SCHEMA_URL

KEY = "otlp-secret-key-3c1d7b9a2e"
BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0]


class Collector:
    """An in-process OTLP/gRPC receiver that keeps every export request it is sent."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.traces: list[trace_service_pb2.ExportTraceServiceRequest] = []
        self.metrics: list[metrics_service_pb2.ExportMetricsServiceRequest] = []
        self.raw: list[bytes] = []
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        collector = self

        class Traces(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:
                with collector.lock:
                    collector.traces.append(request)
                    collector.raw.append(request.SerializeToString())
                return trace_service_pb2.ExportTraceServiceResponse()

        class Metrics(metrics_service_pb2_grpc.MetricsServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:
                with collector.lock:
                    collector.metrics.append(request)
                    collector.raw.append(request.SerializeToString())
                return metrics_service_pb2.ExportMetricsServiceResponse()

        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Traces(), self.server)
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(Metrics(), self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def spans(self) -> list[tuple[Any, Any, Span]]:
        """(resource, scope, span) of every span received."""
        out = []
        for request in self.traces:
            for resource_spans in request.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        out.append((resource_spans, scope_spans, span))
        return out

    def metric_list(self) -> list[tuple[Any, Any]]:
        """(scope_metrics, metric) of every metric received."""
        out = []
        for request in self.metrics:
            for resource_metrics in request.resource_metrics:
                for scope_metrics in resource_metrics.scope_metrics:
                    for metric in scope_metrics.metrics:
                        out.append((scope_metrics, metric))
        return out

    def stop(self) -> None:
        self.server.stop(grace=None)


def value(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


def attrs(kvs: Any) -> dict[str, Any]:
    return {kv.key: value(kv.value) for kv in kvs if isinstance(kv, KeyValue)}


@pytest.fixture(scope="module")
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def exported(collector: Collector) -> AsyncIterator[Collector]:
    """Runs the demo walkthrough on both protocols, exports over OTLP, returns the receiver."""
    resource = Resource.create({"service.name": "qdpool-demo"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=collector.endpoint, insecure=True))
    )
    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=collector.endpoint, insecure=True),
        export_interval_millis=3_600_000,
    )
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    points = make_points(300)
    async with EmbeddedQdrant(api_key=KEY) as server:
        server.faults.add(FaultRule.error(503, operation="count", protocol="grpc", count=1))
        async with qdpool.connect(
            server.rest_url,
            grpc_url=server.grpc_url,
            api_key=KEY,
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            retry=RetryPolicy(max_attempts=3, base=0.001, cap=0.005),
        ) as client:
            tracer = tracer_provider.get_tracer("qdpool-demo")
            with tracer.start_as_current_span("demo walkthrough"):
                for protocol in ("rest", "grpc"):
                    await walkthrough(client, protocol, points)
            meter_provider.force_flush()  # while the client's pools are still open
    assert tracer_provider.force_flush()
    tracer_provider.shutdown()
    meter_provider.shutdown()
    yield collector


def test_spans_arrive_with_names_scope_and_resource(exported: Collector) -> None:
    received = exported.spans()
    names = {span.name for _, _, span in received}
    for protocol in ("rest", "grpc"):
        name = f"qdpool_demo_{protocol}"
        for operation in (
            "delete_collection",
            "create_collection",
            "get_collection",
            "upsert",
            "retrieve",
            "count",
            "delete",
            "query_points",
            "scroll",
            "create_snapshot",
            "list_snapshots",
        ):
            assert f"{operation} {name}" in names, f"{operation} {name}"
    assert {"list_collections", "cluster_status", "demo walkthrough"} <= names
    assert "POST /collections/{collection}/points/query" in names
    assert "qdrant.Points/Query" in names

    for resource_spans, scope_spans, span in received:
        assert attrs(resource_spans.resource.attributes)["service.name"] == "qdpool-demo"
        if span.name == "demo walkthrough":
            continue
        assert scope_spans.scope.name == "qdpool"
        assert scope_spans.scope.version == qdpool.__version__
        assert scope_spans.schema_url == SCHEMA_URL
        assert span.kind == Span.SPAN_KIND_CLIENT


def test_span_attributes_follow_the_conventions(exported: Collector) -> None:
    by_name = {span.name: span for _, _, span in exported.spans()}
    grpc_query = attrs(by_name["query_points qdpool_demo_grpc"].attributes)
    assert grpc_query["db.system.name"] == "qdrant"
    assert grpc_query["db.operation.name"] == "query_points"
    assert grpc_query["db.collection.name"] == "qdpool_demo_grpc"
    assert grpc_query["server.address"] == "127.0.0.1"
    assert grpc_query["rpc.system.name"] == "grpc"
    assert grpc_query["rpc.method"] == "qdrant.Points/Query"
    rest_upsert = attrs(by_name["upsert qdpool_demo_rest"].attributes)
    assert rest_upsert["http.request.method"] == "PUT"
    assert rest_upsert["url.full"].endswith("/collections/qdpool_demo_rest/points?wait=true")
    attempt = attrs(by_name["qdrant.Points/Query"].attributes)
    assert attempt["rpc.response.status_code"] == "OK"
    rest_attempt = attrs(by_name["POST /collections/{collection}/points/query"].attributes)
    assert rest_attempt["url.template"] == "/collections/{collection}/points/query"


def test_parent_links_form_one_trace(exported: Collector) -> None:
    spans = [span for _, _, span in exported.spans()]
    [root] = [s for s in spans if s.name == "demo walkthrough"]
    by_id = {s.span_id: s for s in spans}
    assert all(s.trace_id == root.trace_id for s in spans)
    logical = [s for s in spans if s.parent_span_id == root.span_id]
    attempts = [s for s in spans if s is not root and s.parent_span_id != root.span_id]
    assert len(logical) > 20
    assert len(attempts) >= len(logical)
    for attempt in attempts:
        parent = by_id[attempt.parent_span_id]
        assert parent.parent_span_id == root.span_id  # an attempt hangs under its logical call
    # the gRPC count that the injected 503 failed once: two attempts, the call itself fine
    counts = [s for s in logical if s.name == "count qdpool_demo_grpc"]
    retried = [
        c for c in counts if len([a for a in attempts if a.parent_span_id == c.span_id]) == 2
    ]
    assert len(retried) == 1
    assert retried[0].status.code != Status.STATUS_CODE_ERROR
    assert [e.name for e in retried[0].events] == ["qdpool.attempt.failed", "qdpool.retry.backoff"]


def test_metric_points_arrive(exported: Collector) -> None:
    metrics = {metric.name: (scope, metric) for scope, metric in exported.metric_list()}
    scope, duration = metrics["db.client.operation.duration"]
    assert scope.scope.name == "qdpool"
    assert scope.schema_url == SCHEMA_URL
    assert duration.unit == "s"
    points = duration.histogram.data_points
    assert list(points[0].explicit_bounds) == BUCKETS
    by_op = {
        (attrs(p.attributes)["db.operation.name"], attrs(p.attributes)["qdpool.protocol"]): p
        for p in points
        if "error.type" not in attrs(p.attributes)
    }
    assert by_op[("query_points", "grpc")].count == 1
    assert by_op[("upsert", "rest")].count == 1
    assert by_op[("count", "grpc")].count == 2

    _, connections = metrics["db.client.connection.count"]
    states = {
        attrs(p.attributes)["db.client.connection.state"] for p in connections.sum.data_points
    }
    assert states == {"idle", "used"}
    pools = {
        attrs(p.attributes)["db.client.connection.pool.name"] for p in connections.sum.data_points
    }
    assert any(name.endswith("/rest") for name in pools)
    assert any(name.endswith("/grpc") for name in pools)
    assert "db.client.connection.pending_requests" in metrics
    assert "db.client.connection.max" in metrics
    _, retries = metrics["qdpool.client.retries"]
    assert sum(p.as_int for p in retries.sum.data_points) == 1


def test_nothing_exported_holds_the_api_key(exported: Collector) -> None:
    assert exported.raw
    for payload in exported.raw:
        assert KEY.encode() not in payload
