"""Connection settings: frozen, validated value objects, apart from the code that uses them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PoolConfig:
    """How many connections qdpool keeps to each endpoint, and how it keeps them alive.

    Attributes:
        grpc_channels: warm gRPC channels per endpoint, each its own TCP (HTTP/2)
            connection; calls go to the channel with the fewest in flight.
        rest_connections: the most keep-alive HTTP/1.1 connections per endpoint.
        keepalive_expiry: seconds an idle REST connection is kept. Qdrant closes idle
            connections after 5 s, so this must stay below that or a request may be
            written to a connection the server is closing.
        connect_timeout: seconds to wait for the first connections at start-up.
        grpc_keepalive_time: seconds between HTTP/2 pings on an idle gRPC channel, so a
            dead peer is noticed before a call is sent to it.
        grpc_keepalive_timeout: seconds to wait for a ping's answer.
    """

    grpc_channels: int = 2
    rest_connections: int = 64
    keepalive_expiry: float = 4.0
    connect_timeout: float = 5.0
    grpc_keepalive_time: float = 30.0
    grpc_keepalive_timeout: float = 10.0

    def __post_init__(self) -> None:
        if not 1 <= self.grpc_channels <= 64:
            raise ValueError(f"grpc_channels must be 1..64, got {self.grpc_channels}")
        if not 1 <= self.rest_connections <= 10_000:
            raise ValueError(f"rest_connections must be 1..10000, got {self.rest_connections}")
        if not 0 < self.keepalive_expiry < 5.0:
            raise ValueError(
                f"keepalive_expiry must be in (0, 5) seconds, below Qdrant's 5 s idle close; "
                f"got {self.keepalive_expiry}"
            )
        for name in ("connect_timeout", "grpc_keepalive_time", "grpc_keepalive_timeout"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"{name} must be positive, got {value}")
