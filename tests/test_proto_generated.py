"""The committed ``qdpool/_proto`` modules are what ``make proto`` would produce now."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "qdpool" / "_proto"


def generated(root: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in sorted((*root.glob("*_pb2.py"), *root.glob("*_pb2.pyi")))
    }


def test_committed_proto_modules_are_fresh(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "proto" / "generate.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    fresh = generated(tmp_path / "qdpool" / "_proto")
    committed = generated(COMMITTED)
    assert fresh, "generate.py wrote nothing"
    assert sorted(committed) == sorted(fresh), "run `make proto`: module set differs"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"run `make proto`: stale {stale}"
    protos = sorted(p.stem for p in (REPO / "proto" / "qdpool" / "_proto").glob("*.proto"))
    assert sorted({name.split("_pb2")[0] for name in fresh}) == protos
    assert (COMMITTED / "__init__.py").exists()
