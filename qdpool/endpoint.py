"""Endpoint: one Qdrant node, reachable over REST and gRPC.

An ``Endpoint`` is a frozen value (it keys breakers, limits and, later, a
balancer's per-node state), built once from the user's URLs. The scheme alone
decides TLS on both protocols: ``https`` means TLS with certificate
verification, ``http`` means plaintext. There is no separate ``https=`` switch
to get wrong, which is the official client's best-known trap.

The gRPC port is never guessed: it is Qdrant's 6334 only where that is the
convention, i.e. when the REST URL uses Qdrant's 6333 or is a Qdrant Cloud
URL. A node on other ports has no gRPC address until ``grpc_url`` gives one,
because a guessed port may reach another server altogether.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from qdpool.errors import InvalidInput

DEFAULT_REST_PORT = 6333
DEFAULT_GRPC_PORT = 6334
CLOUD_DOMAIN = ".cloud.qdrant.io"
"""Qdrant Cloud hosts, whose gRPC port is 6334 whatever the REST URL's port."""
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A Qdrant node.

    Attributes:
        host: host name or address (IPv6 without brackets).
        rest_port: the REST port (6333 by default).
        grpc_port: the gRPC port, or None when gRPC's address is unknown (see
            ``from_urls``); ``grpc_url`` and ``grpc_target`` then raise ``InvalidInput``.
        tls: whether both protocols use TLS.
        grpc_host: the gRPC host when it differs from ``host`` (rare).
        prefix: a path prefix for REST, for nodes behind a reverse proxy.
    """

    host: str
    rest_port: int = DEFAULT_REST_PORT
    grpc_port: int | None = DEFAULT_GRPC_PORT
    tls: bool = False
    grpc_host: str | None = None
    prefix: str = ""
    _hash: int = field(init=False, repr=False, compare=False)
    """The fields' hash, computed once: an endpoint is a dictionary key on every call
    (the dataclass's own ``__hash__`` builds and hashes a tuple of six fields each time)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash(self._fields()))

    def _fields(self) -> tuple[str, int, int | None, bool, str | None, str]:
        """The compared fields, in ``__init__``'s order."""
        return (self.host, self.rest_port, self.grpc_port, self.tls, self.grpc_host, self.prefix)

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[Endpoint], tuple[object, ...]]:
        # Rebuilt from its fields, so the hash is computed anew (string hashes differ between
        # processes) rather than copied.
        return (Endpoint, self._fields())

    @classmethod
    def from_urls(cls, url: str, grpc_url: str | None = None) -> Endpoint:
        """Build an endpoint from a REST URL and an optional gRPC URL.

        Without ``grpc_url`` the gRPC side is the same host on port 6334 with the
        same scheme, but only when ``url`` uses port 6333 (given or implied) or is a
        Qdrant Cloud URL; otherwise the endpoint has no gRPC address
        (``grpc_port=None``). With ``grpc_url``, its scheme must agree with the REST
        URL's: mixing TLS and plaintext for one node is almost always a mistake.
        """
        scheme, host, port, prefix = _parse(url, "url", DEFAULT_REST_PORT)
        grpc_host: str | None = None
        grpc_port: int | None = None
        if port == DEFAULT_REST_PORT or host.endswith(CLOUD_DOMAIN):
            grpc_port = DEFAULT_GRPC_PORT
        if grpc_url is not None:
            g_scheme, g_host, grpc_port, _ = _parse(grpc_url, "grpc_url", DEFAULT_GRPC_PORT)
            if g_scheme != scheme:
                raise InvalidInput(
                    "grpc_url",
                    f"scheme {g_scheme!r} differs from url's {scheme!r}; "
                    "TLS is decided by the scheme and must match",
                )
            grpc_host = g_host if g_host != host else None
        return cls(host, port, grpc_port, scheme == "https", grpc_host, prefix)

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def rest_url(self) -> str:
        """The REST base URL, without a trailing slash."""
        return f"{self.scheme}://{_bracket(self.host)}:{self.rest_port}{self.prefix}"

    @property
    def has_grpc(self) -> bool:
        """Whether gRPC's address is known (given, or Qdrant's convention)."""
        return self.grpc_port is not None

    @property
    def grpc_url(self) -> str:
        """The gRPC URL; ``InvalidInput`` when the endpoint has no gRPC address."""
        return f"{self.scheme}://{self.grpc_target}"

    @property
    def grpc_target(self) -> str:
        """The ``host:port`` target grpcio expects; ``InvalidInput`` when there is none."""
        if self.grpc_port is None:
            raise InvalidInput(
                "grpc_url",
                f"no gRPC address for {_bracket(self.host)}:{self.rest_port}: the REST port is "
                f"not Qdrant's {DEFAULT_REST_PORT}, so the gRPC port cannot be assumed; pass "
                "grpc_url= (e.g. 'http://host:6334'), or use protocols=('rest',)",
            )
        return f"{_bracket(self.grpc_host or self.host)}:{self.grpc_port}"

    @property
    def is_loopback(self) -> bool:
        """True when every byte stays on this machine (so plaintext keys are harmless)."""
        return _is_loopback(self.host) and _is_loopback(self.grpc_host or self.host)

    def __str__(self) -> str:
        grpc = "-" if self.grpc_port is None else self.grpc_port
        return f"{_bracket(self.host)}:{self.rest_port}/{grpc}"


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse(url: str, field: str, default_port: int) -> tuple[str, str, int, str]:
    if not isinstance(url, str) or not url:
        raise InvalidInput(field, "must be a non-empty URL such as 'http://localhost:6333'")
    if "://" not in url:
        raise InvalidInput(field, f"{url!r} has no scheme; write 'http://{url}' or 'https://{url}'")
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS:
        raise InvalidInput(field, f"scheme must be 'http' or 'https', not {parts.scheme!r}")
    if not parts.hostname:
        raise InvalidInput(field, f"{url!r} has no host")
    if parts.username or parts.password:
        raise InvalidInput(field, "credentials in the URL are not supported; pass api_key=")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(field, f"bad port in {url!r}") from exc
    if port is None:
        port = default_port
    return parts.scheme, parts.hostname, port, parts.path.rstrip("/")
