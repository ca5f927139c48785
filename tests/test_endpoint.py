"""Endpoint parsing: the scheme alone decides TLS; gRPC is 6334 only by Qdrant's convention."""

from __future__ import annotations

import pytest

import qdpool
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


@pytest.mark.parametrize(
    ("url", "grpc_port"),
    [
        ("http://10.0.0.5:6333", 6334),  # Qdrant's conventional REST port
        ("http://localhost", 6334),  # no port means 6333
        ("https://db.example.com", 6334),
        ("https://abc-123.eu-central.aws.cloud.qdrant.io:6333", 6334),
        ("https://abc-123.eu-central.aws.cloud.qdrant.io", 6334),
        ("https://abc-123.eu-central.aws.cloud.qdrant.io:443", 6334),  # cloud: 6334 anyway
        ("http://127.0.0.1:37107", None),  # e.g. a test server: gRPC could be anywhere
        ("http://10.0.0.5:7000", None),
        ("https://db.example.com:443", None),
        ("https://qdrant.io.example.com:8443", None),
        ("https://evilcloud.qdrant.io.attacker:7000", None),
    ],
)
def test_grpc_port_is_derived_only_from_qdrants_convention(url: str, grpc_port: int | None) -> None:
    ep = Endpoint.from_urls(url)
    assert ep.grpc_port == grpc_port
    assert ep.has_grpc is (grpc_port is not None)


def test_no_grpc_address_raises_saying_to_pass_grpc_url() -> None:
    ep = Endpoint.from_urls("http://127.0.0.1:37107")
    for attribute in ("grpc_url", "grpc_target"):
        with pytest.raises(InvalidInput, match="pass grpc_url=") as caught:
            getattr(ep, attribute)
        assert caught.value.field == "grpc_url"
        assert "37107" in str(caught.value)
    assert str(ep) == "127.0.0.1:37107/-"
    assert ep.rest_url == "http://127.0.0.1:37107"


def test_grpc_url_on_any_rest_port_is_taken_as_given() -> None:
    ep = Endpoint.from_urls("http://127.0.0.1:37107", "http://127.0.0.1:37108")
    assert ep.grpc_port == 37108
    assert ep.grpc_url == "http://127.0.0.1:37108"
    assert ep.grpc_host is None


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


def test_a_client_asked_for_grpc_without_its_address_says_to_pass_grpc_url() -> None:
    with pytest.raises(InvalidInput, match="pass grpc_url=") as caught:
        qdpool.connect("http://127.0.0.1:37107", protocol="grpc", api_key=None)
    assert caught.value.field == "grpc_url"


def test_the_hash_is_the_fields_and_is_computed_anew_when_unpickled() -> None:
    import copy
    import dataclasses
    import pickle
    import subprocess
    import sys

    endpoint = Endpoint("10.0.0.1", 7000, 7001, prefix="/q")
    same = Endpoint("10.0.0.1", 7000, 7001, prefix="/q")
    assert hash(endpoint) == hash(same) and {endpoint: 1}[same] == 1
    assert hash(dataclasses.replace(endpoint, rest_port=7002)) != hash(endpoint)
    assert copy.deepcopy(endpoint) == endpoint and hash(copy.copy(endpoint)) == hash(endpoint)
    # Another process hashes strings with another seed: its copy must hash as its own do.
    code = (
        "import pickle, sys\n"
        "from qdpool.endpoint import Endpoint\n"
        "e = pickle.loads(sys.stdin.buffer.read())\n"
        "print(hash(e) == hash(Endpoint('10.0.0.1', 7000, 7001, prefix='/q')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(endpoint),
        capture_output=True,
        check=True,
        env={"PYTHONHASHSEED": "12345"},
    )
    assert out.stdout.strip() == b"True"
