"""Aliases on the wire: the atomic list of alias actions, and the alias listings.

``ChangeAliases`` goes through ``collections_config``'s converter (its REST shape is
``{"actions": [{"create_alias": {...}}, {"rename_alias": {...}}, {"delete_alias": {...}}]}``,
the proto's field names exactly), so every action field travels both ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from qdpool._proto import collections_pb2 as _col
from qdpool.call import Call
from qdpool.errors import InvalidInput
from qdpool.models import AliasDescription
from qdpool.wire.collections_config import from_json, to_json
from qdpool.wire.requests import _body_of, refuse_unhandled

if TYPE_CHECKING:
    from qdpool.operations.spec import RestRequest


def encode_update_aliases(call: Call) -> Any:
    """``POST /collections/aliases`` body -> ``ChangeAliases``."""
    body = _body_of(call)
    if body.get("timeout") is not None:
        raise InvalidInput("timeout", "is not part of the request body")
    out = _col.ChangeAliases()
    from_json(out, body)
    return out


def check_update_aliases_body(body: Mapping[str, Any]) -> None:
    """Validate alias actions exactly as the gRPC encoder reads them."""
    from_json(_col.ChangeAliases(), body)


def update_aliases_to_rest(message: Any) -> RestRequest:
    """``ChangeAliases`` -> the REST body (and ``timeout`` as a parameter)."""
    refuse_unhandled(message, frozenset(("actions", "timeout")))
    body = to_json(message, strict=True)
    body.pop("timeout", None)
    body.setdefault("actions", [])
    params = {"timeout": str(message.timeout)} if message.HasField("timeout") else {}
    return None, body, params


def aliases_from_json(result: Any) -> list[AliasDescription]:
    """REST: ``{"aliases": [{"alias_name", "collection_name"}]}`` -> descriptions."""
    return [AliasDescription(a["alias_name"], a["collection_name"]) for a in result["aliases"]]


def decode_aliases(message: Any) -> list[AliasDescription]:
    """gRPC: ``ListAliasesResponse`` -> descriptions."""
    return [AliasDescription(a.alias_name, a.collection_name) for a in message.aliases]


def respond_aliases(out: Any, result: Any) -> None:
    """Server: the REST listing -> ``ListAliasesResponse``."""
    add = out.aliases.add
    for alias in result["aliases"]:
        add(alias_name=alias["alias_name"], collection_name=alias["collection_name"])
