"""Fixtures for the telemetry tests (helpers live in ``telemetry_support``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from telemetry_support import Otel, make_otel


@pytest.fixture
def otel() -> Iterator[Otel]:
    o = make_otel()
    yield o
    o.tracer_provider.shutdown()
    o.meter_provider.shutdown()
