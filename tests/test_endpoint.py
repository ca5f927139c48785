"""Endpoint parsing: the scheme alone decides TLS, gRPC defaults to 6334."""

from __future__ import annotations

import pytest

from qdpool.endpoint import Endpoint
from qdpool.errors import InvalidInput


def test_grpc_defaults_to_same_host_port_6334_and_same_scheme() -> None:
    ep = Endpoint.from_urls("https://db.example.com:6333")
    assert ep.tls
    assert ep.grpc_target == "db.example.com:6334"
    assert ep.grpc_url == "https://db.example.com:6334"
    assert ep.rest_url == "https://db.example.com:6333"


def test_http_means_plaintext_whatever_else() -> None:
    ep = Endpoint.from_urls("http://10.0.0.5:7000")
    assert not ep.tls
    assert ep.rest_port == 7000
    assert ep.grpc_port == 6334


def test_port_defaults_to_qdrants_not_http_default() -> None:
    assert Endpoint.from_urls("https://cloud.example").rest_port == 6333


def test_explicit_grpc_url() -> None:
    ep = Endpoint.from_urls("http://a:1", "http://b:2")
    assert ep.grpc_target == "b:2"
    assert ep.rest_url == "http://a:1"


def test_mismatched_schemes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="grpc_url"):
        Endpoint.from_urls("https://a:1", "http://a:2")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "non-empty"),
        ("localhost:6333", "no scheme"),
        ("ftp://x:1", "scheme"),
        ("http://user:pw@x:1", "credentials"),
        ("http://x:notaport", "bad port"),
    ],
)
def test_bad_urls_name_the_problem(url: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        Endpoint.from_urls(url)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("10.1.1.1", False),
        ("example.com", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert Endpoint(host).is_loopback is loopback


def test_ipv6_is_bracketed() -> None:
    ep = Endpoint.from_urls("http://[::1]:6333")
    assert ep.rest_url == "http://[::1]:6333"
    assert ep.grpc_target == "[::1]:6334"
