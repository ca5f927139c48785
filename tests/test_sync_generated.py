"""qdpool/sync.py's generated methods are what ``tools/gen_sync.py`` makes from ``Client`` now."""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from qdpool.client import Client
from qdpool.sync import SyncClient

REPO = Path(__file__).resolve().parent.parent


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_sync", REPO / "tools" / "gen_sync.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_sync_client_is_fresh() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "gen_sync.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 0, f"{done.stderr}\n{done.stdout}"


def test_a_stale_method_is_noticed() -> None:
    gen = generator()
    current = (REPO / "qdpool" / "sync.py").read_text()
    stale = current.replace("def count(", "def count_renamed(", 1)
    assert stale != current
    assert gen.generate(stale) == current


def test_every_public_async_method_has_a_blocking_twin_with_its_signature() -> None:
    gen = generator()
    names = [name for name, _ in gen.public_methods()]
    assert {"count", "query_points", "scroll_all", "upload_points"} <= set(names)
    for name in names:
        mine = inspect.signature(getattr(SyncClient, name))
        theirs = inspect.signature(getattr(Client, name))
        assert list(mine.parameters) == list(theirs.parameters), name
        for param in theirs.parameters.values():
            twin = mine.parameters[param.name]
            assert (twin.kind, twin.default, twin.annotation) == (
                param.kind,
                param.default,
                param.annotation,
            ), (name, param.name)
        assert getattr(SyncClient, name).__doc__, name
    assert inspect.signature(SyncClient.scroll_all).return_annotation == "Iterator[Record]"
