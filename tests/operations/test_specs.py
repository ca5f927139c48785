"""The specs in ``qdpool.operations.ALL``: consistent with each other, and the only table.

Each operation is one ``Operation`` value; these tests check what every spec must
satisfy (unique names and routes, flags that agree, gRPC messages from qdpool's own
proto package, options that fit the kind of operation) and that no module keeps a
table keyed by operation names beside them (issue 9: that is how knowledge of one
operation spread over seven files).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from qdpool import operations as ops
from qdpool.operations.spec import Operation

PACKAGE = Path(ops.__file__).resolve().parent.parent
SERVICES = {"qdrant.Collections", "qdrant.Points", "qdrant.Snapshots", "qdrant.Qdrant"}
OPTIONS = {"wait", "ordering", "consistency"}
BATCH_KINDS = {
    "upsert",
    "delete",
    "set_payload",
    "overwrite_payload",
    "delete_payload",
    "clear_payload",
    "update_vectors",
    "delete_vectors",
}
"""The keys of Qdrant's batch update JSON (``{"operations": [{"upsert": ...}]}``): its wire
format, which happens to reuse operation names, not a table of qdpool's."""


def _ids(op: Operation[Any]) -> str:
    return op.name


def test_names_routes_and_methods_are_unique() -> None:
    names = Counter(op.name for op in ops.ALL)
    assert [n for n, c in names.items() if c > 1] == []
    routes = Counter((op.rest_method, op.rest_path) for op in ops.ALL)
    assert [r for r, c in routes.items() if c > 1] == []
    methods = Counter(op.grpc_method for op in ops.ALL if op.grpc_method)
    assert [m for m, c in methods.items() if c > 1] == []
    assert frozenset(names) == ops.NAMES


@pytest.mark.parametrize("op", ops.ALL, ids=_ids)
def test_spec_is_consistent(op: Operation[Any]) -> None:
    assert ops.by_name(op.name) is op
    assert re.fullmatch(r"[a-z][a-z_]*", op.name), "qdrant-client's method names are snake_case"
    assert op.rest_method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert op.rest_path.startswith("/") and "//" not in op.rest_path
    assert op.options <= OPTIONS
    if op.read:
        assert op.idempotent, "reading twice is the same as reading once"
        assert not op.options & {"wait", "ordering"}, "a read has nothing to wait for"
        assert op.split is None
    else:
        assert "consistency" not in op.options, "read consistency is for reads"
    if op.grpc_method is not None:
        service, _, method = op.grpc_method[1:].partition("/")
        assert op.grpc_method.startswith("/") and service in SERVICES and method
        assert op.rpc_method == op.grpc_method[1:]
    else:
        assert op.rpc_method is None


@pytest.mark.parametrize("op", [op for op in ops.ALL if op.grpc is not None], ids=_ids)
def test_grpc_messages_are_qdpools_own(op: Operation[Any]) -> None:
    codec = op.grpc
    assert codec is not None
    for message in (codec.request, codec.response):
        assert message is not None
        assert message.DESCRIPTOR.full_name.startswith("qdpool.wire."), message
    if codec.request is not None and "collection_name" in codec.request.DESCRIPTOR.fields_by_name:
        assert "{collection}" in op.rest_path, "a gRPC request naming a collection has a REST twin"


def _string_keys(node: ast.Dict) -> list[str]:
    return [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]


def test_no_table_is_keyed_by_operation_names() -> None:
    """A dict literal with three or more operation names as keys is a per-operation table."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_proto" in path.parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                keyed = [k for k in _string_keys(node) if k in ops.NAMES]
                if len(keyed) >= 3 and not set(keyed) <= BATCH_KINDS:
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {keyed[:4]}")
    assert found == [], "tables keyed by operation name (put it on the spec instead):\n" + (
        "\n".join(found)
    )
