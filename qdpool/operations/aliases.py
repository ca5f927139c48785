"""Aliases: the atomic list of alias actions (the blue/green switch), and the listings."""

from __future__ import annotations

from typing import Any

from qdpool.operations.spec import Operation
from qdpool.wire import rest

UPDATE_COLLECTION_ALIASES: Operation[Any] = Operation(
    "update_collection_aliases",
    "POST",
    "/collections/aliases",
    None,
    idempotent=False,
    read=False,
    decode_rest=rest.decode_any,
    options=frozenset(),
)

GET_ALIASES: Operation[Any] = Operation(
    "get_aliases",
    "GET",
    "/aliases",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=frozenset(),
)

GET_COLLECTION_ALIASES: Operation[Any] = Operation(
    "get_collection_aliases",
    "GET",
    "/collections/{collection}/aliases",
    None,
    idempotent=True,
    read=True,
    decode_rest=rest.decode_any,
    options=frozenset(),
)
