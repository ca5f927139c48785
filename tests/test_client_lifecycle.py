"""The async client's lifecycle: the loop it is bound to, the first call, the unclosed warning,
and which protocols a URL gives it."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import textwrap
import warnings

import pytest

import qdpool
from qdpool.errors import InvalidInput
from qdpool.testing import MockTransport


def _client() -> tuple[qdpool.Client, MockTransport]:
    rest = MockTransport(lambda call: 3)
    client = qdpool.connect(
        "http://127.0.0.1:6333", api_key=None, transports={"rest": rest}, protocols=("rest",)
    )
    return client, rest


def test_the_first_call_starts_the_client() -> None:
    client, rest = _client()

    async def main() -> int:
        try:
            return await client.count("docs")
        finally:
            await client.close()

    assert asyncio.run(main()) == 3
    assert rest.started and rest.verified


def test_a_client_used_from_a_second_event_loop_says_it_is_bound_to_the_first() -> None:
    client, rest = _client()
    asyncio.run(client.start())
    with pytest.raises(qdpool.LoopMismatch, match="bound to the event loop it started on"):
        asyncio.run(client.count("docs"))
    assert len(rest.calls) == 0  # refused before anything was queued or sent
    asyncio.run(client.close())  # closing is allowed from anywhere


def test_an_unclosed_started_client_warns() -> None:
    client, _ = _client()
    asyncio.run(client.start())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client
        gc.collect()
    assert any(
        issubclass(w.category, ResourceWarning) and "unclosed qdpool.Client" in str(w.message)
        for w in caught
    )


def test_a_closed_or_never_started_client_does_not_warn() -> None:
    closed, _ = _client()
    asyncio.run(closed.start())
    asyncio.run(closed.close())
    never, _ = _client()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del closed, never
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_in_debug_mode_the_warning_names_where_the_client_was_created() -> None:
    code = textwrap.dedent(
        """
        import asyncio, gc, qdpool
        from qdpool.testing import MockTransport

        def make():
            return qdpool.connect(
                "http://127.0.0.1:6333", api_key=None,
                transports={"rest": MockTransport(lambda call: 1)}, protocols=("rest",),
            )

        client = make()
        asyncio.run(client.start())
        del client
        gc.collect()
        """
    )
    result = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "always::ResourceWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "unclosed qdpool.Client" in result.stderr
    assert "created at" in result.stderr and "in make" in result.stderr


def test_grpc_is_derived_only_from_qdrants_conventional_rest_port() -> None:
    conventional = qdpool.connect("http://127.0.0.1:6333", api_key=None)
    assert conventional.protocols == ("rest", "grpc")
    other = qdpool.connect("http://127.0.0.1:37107", api_key=None)
    assert other.protocols == ("rest",)
    with pytest.raises(InvalidInput, match="pass grpc_url="):
        qdpool.connect("http://127.0.0.1:37107", api_key=None, protocol="grpc")
    with pytest.raises(InvalidInput, match="pass grpc_url="):
        qdpool.connect("http://127.0.0.1:37107", api_key=None, protocols=("rest", "grpc"))
    given = qdpool.connect(
        "http://127.0.0.1:37107", grpc_url="http://127.0.0.1:37108", api_key=None
    )
    assert given.protocols == ("rest", "grpc")
