"""Regenerate qdpool's protobuf modules (``qdpool/_proto/*_pb2.py`` and ``.pyi``).

Usage: ``python proto/generate.py [--out DIR]`` (``make proto``). With ``--out`` the
modules are written under ``DIR/qdpool/_proto/`` instead of the source tree, which is how
the staleness test compares them. The output is deterministic: the same ``.proto`` files
and the same grpcio-tools version give byte-identical modules.

One fix-up follows protoc: Qdrant names an enum value ``None`` (``Modifier.None``), and
protoc's ``.pyi`` declares it as ``None: ...``, which is a syntax error that stops mypy.
Such keyword-named attributes are dropped from the stubs; at run time the value is
reached as ``Modifier.Value("None")`` (``Modifier.None`` cannot be written in Python).
"""

from __future__ import annotations

import argparse
import keyword
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parent
REPO_ROOT = PROTO_ROOT.parent
PACKAGE_DIR = Path("qdpool") / "_proto"
KEYWORD_ATTRIBUTE = re.compile(rf"^\s*(?:{'|'.join(keyword.kwlist)}):")


def proto_files() -> list[Path]:
    """The ``.proto`` sources, relative to ``proto/``, in a stable order."""
    return sorted(p.relative_to(PROTO_ROOT) for p in (PROTO_ROOT / PACKAGE_DIR).glob("*.proto"))


def generate(out: Path) -> list[Path]:
    """Write the generated modules under ``out / qdpool/_proto``; return their paths."""
    target = out / PACKAGE_DIR
    target.mkdir(parents=True, exist_ok=True)
    for old in (*target.glob("*_pb2.py"), *target.glob("*_pb2.pyi")):
        old.unlink()
    well_known = resources.files("grpc_tools") / "_proto"
    sources = [str(p) for p in proto_files()]
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        *sources,
    ]
    subprocess.run(command, check=True, cwd=PROTO_ROOT)
    for stub in target.glob("*_pb2.pyi"):
        drop_keyword_attributes(stub)
    return sorted((*target.glob("*_pb2.py"), *target.glob("*_pb2.pyi")))


def drop_keyword_attributes(stub: Path) -> None:
    """Remove stub lines that declare an attribute named after a Python keyword."""
    lines = stub.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not KEYWORD_ATTRIBUTE.match(line)]
    if len(kept) != len(lines):
        stub.write_text("".join(kept), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT, help="output root (default: repo)")
    args = parser.parse_args(argv)
    written = generate(args.out.resolve())
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
