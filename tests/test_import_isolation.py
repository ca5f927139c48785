"""What importing qdpool costs, and what the embedded server does not drag in.

Each check runs in a fresh interpreter, since this test process has long since
imported everything. The embedded server is a separate product from the client: a
process that only serves (``python -m qdpool serve``, a test fixture) must not load
the client, its HTTP libraries, the interceptors or telemetry. ``import qdpool``
itself is a table of lazy names, so a program that imports it and uses nothing yet
pays for almost nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

CLIENT_SIDE = ("qdpool.client", "httpx", "qdpool.interceptors", "qdpool.telemetry")
HEAVY = ("grpc", "aiohttp", "httpx", "google.protobuf", "numpy", "opentelemetry", "orjson")


def _run(code: str) -> dict[str, object]:
    """Run ``code`` in a new interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _loaded(names: tuple[str, ...], modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


def test_embedded_server_loads_no_client_side_module() -> None:
    answer = _run(
        """
        import json, sys
        import qdpool.embedded
        from qdpool.embedded import EmbeddedQdrant
        print(json.dumps({"modules": sorted(sys.modules)}))
        """
    )
    modules = answer["modules"]
    assert isinstance(modules, list)
    assert "qdpool.embedded.server" in modules  # the import really happened
    assert _loaded(CLIENT_SIDE, modules) == []


def test_import_qdpool_loads_nothing_heavy_until_a_name_is_used() -> None:
    answer = _run(
        """
        import json, sys, time
        before = set(sys.modules)
        t0 = time.perf_counter()
        import qdpool
        seconds = time.perf_counter() - t0
        cheap = sorted(set(sys.modules) - before)
        t0 = time.perf_counter()
        qdpool.Client  # first use of a name: now the client comes in
        client_seconds = time.perf_counter() - t0
        used = sorted(sys.modules)
        print(json.dumps({"seconds": seconds, "client_seconds": client_seconds,
                          "cheap": cheap, "used": used}))
        """
    )
    cheap, used = answer["cheap"], answer["used"]
    seconds, client_seconds = answer["seconds"], answer["client_seconds"]
    assert isinstance(cheap, list) and isinstance(used, list)
    assert isinstance(seconds, float) and isinstance(client_seconds, float)
    assert [m for m in cheap if m.startswith("qdpool.")] == []
    assert _loaded(HEAVY, cheap) == []
    # Measured on 2 busy cores: 30-60 ms for `import qdpool` (mostly `typing` and the
    # editable install's finder), 1-3 s for the client's first use. Loose bounds, so a
    # slow machine passes and an eager import of the client, grpc or protobuf fails.
    assert seconds < 0.5, f"import qdpool took {seconds * 1000:.0f} ms"
    assert seconds < client_seconds / 5, (seconds, client_seconds)
    assert "qdpool.client" in used  # the lazy name works and is what pulls the client in


@pytest.mark.parametrize("name", ["InvalidInput", "FallbackPolicy", "ScoredPoint"])
def test_light_names_do_not_pull_in_the_client(name: str) -> None:
    """Errors, policies and models are usable without building a client (or its transports)."""
    answer = _run(
        f"""
        import json, sys
        import qdpool
        qdpool.{name}
        print(json.dumps({{"modules": sorted(sys.modules)}}))
        """
    )
    modules = answer["modules"]
    assert isinstance(modules, list)
    assert _loaded(("qdpool.client", "httpx", "aiohttp", "grpc"), modules) == []
