"""``Telemetry``: what one client needs for tracing, metrics and propagation, built once.

The client makes one ``Telemetry`` in its constructor and puts its two
interceptors into the chain (``call_interceptor`` outermost, ``attempt_interceptor``
just above auth), hands ``observer`` to the resilience interceptors, has its
pools watched once its transports exist, and calls ``close()`` when it closes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import TracerProvider

from qdpool.telemetry import semconv as sc
from qdpool.telemetry._shapes import Shapes, pool_name
from qdpool.telemetry.metrics import Instruments, PoolSource, PoolStats, instruments_for
from qdpool.telemetry.observer import TelemetryObserver
from qdpool.telemetry.tracing import AttemptTelemetry, CallTelemetry, TracerRef

if TYPE_CHECKING:
    from qdpool.config import PoolConfig
    from qdpool.endpoint import Endpoint


def _version() -> str:
    # Imported late: qdpool/__init__ imports the client, which imports this module.
    from qdpool import __version__

    return __version__


class Telemetry:
    """Tracing, metrics and trace propagation for one client.

    Args:
        tracer_provider: where spans go; the global provider when None.
        meter_provider: where metrics go; the global provider when None.
        propagator: how trace context is written into requests; the global
            propagator (W3C ``traceparent``/``tracestate`` and baggage by default) when None.
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        propagator: TextMapPropagator | None = None,
    ) -> None:
        version = _version()
        tracer = trace.get_tracer(
            sc.SCOPE_NAME, version, tracer_provider=tracer_provider, schema_url=sc.SCHEMA_URL
        )
        self.tracer = TracerRef(tracer)
        self.shapes = Shapes()
        self.instruments: Instruments = instruments_for(meter_provider, version)
        self.call_interceptor = CallTelemetry(self.tracer, self.instruments, self.shapes)
        self.attempt_interceptor = AttemptTelemetry(self.tracer, self.shapes, propagator)
        self.observer = TelemetryObserver(self.instruments, self.shapes)
        self._pools: list[PoolSource] = []

    def watch_pools(
        self, endpoint: Endpoint, transports: Mapping[str, Any], config: PoolConfig | None = None
    ) -> None:
        """Report the pools of ``transports`` (``{"rest": ..., "grpc": ...}``) in the gauges.

        A transport is reported if it has ``pool_stats()`` returning ``(idle, used, pending)``
        (or None when closed), or, like the gRPC transport, an ``in_flight`` list per channel.
        """
        for protocol, transport in transports.items():
            stats = pool_stats_function(transport)
            if stats is None:
                continue
            maximum: int | None = None
            if config is not None:
                maximum = config.grpc_channels if protocol == "grpc" else config.rest_connections
            source = PoolSource(pool_name(endpoint, protocol), stats, maximum)
            self._pools.append(source)
            self.instruments.watch_pool(source)

    def close(self) -> None:
        """Stop reporting this client's pools."""
        for source in self._pools:
            self.instruments.unwatch_pool(source)
        self._pools.clear()

    def __repr__(self) -> str:
        return f"<Telemetry tracer={type(self.tracer.tracer).__name__} pools={len(self._pools)}>"


def pool_stats_function(transport: Any) -> Callable[[], PoolStats | None] | None:
    """How to read ``(idle, used, pending)`` from ``transport``, or None if it cannot tell."""
    stats = getattr(transport, "pool_stats", None)
    if callable(stats):
        return stats  # type: ignore[no-any-return]
    if hasattr(transport, "in_flight"):

        def channel_stats() -> PoolStats | None:
            in_flight: list[int] = transport.in_flight
            if not in_flight:
                return None
            used = sum(1 for n in in_flight if n > 0)
            return len(in_flight) - used, used, 0

        return channel_stats
    return None
