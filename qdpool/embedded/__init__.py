"""A Qdrant-compatible server on Qdrant's own engine (Qdrant Edge), for tests, demos and benchmarks.

It answers Qdrant's REST API (aiohttp) and gRPC API (grpc.aio) for everything
qdpool uses, with one ``qdrant_edge.EdgeShard`` per collection behind both, and
can inject faults for resilience tests.  It is not a production database: see
docs/embedded-server.md for what it does and does not do.
"""

from qdpool.embedded.engine import Engine
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.embedded.faults import FaultInjector, FaultRule, ReceivedRequest
from qdpool.embedded.server import EmbeddedProcess, EmbeddedQdrant

__all__ = [
    "EmbeddedProcess",
    "EmbeddedQdrant",
    "Engine",
    "EngineError",
    "ErrorKind",
    "FaultInjector",
    "FaultRule",
    "ReceivedRequest",
]
