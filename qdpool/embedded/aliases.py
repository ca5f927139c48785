"""Collection aliases: other names for a collection, switched atomically (blue/green).

Qdrant Edge has no notion of aliases, so the server keeps them: a table
alias → collection, persisted as ``{path}/aliases.json`` (written to a temporary
file, fsynced and renamed, so a crash leaves the old or the new table, never a
torn one).  ``POST /collections/aliases`` applies a list of actions to a copy of
the table and installs it only if every action succeeded: all or nothing, and
no request ever sees a half-applied list.

Qdrant's rules, kept here: an alias may not shadow a collection name (nor a
collection be created under an alias's name); creating an alias that exists
re-points it; deleting or renaming a missing alias is a 404; deleting a
collection removes its aliases.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from qdpool.embedded.errors import EngineError, ErrorKind

ALIASES_FILE = "aliases.json"


class Aliases:
    """The alias table of one engine; safe to call from several threads."""

    def __init__(self, root: Path) -> None:
        self._path = root / ALIASES_FILE
        self._lock = threading.Lock()
        self._table: dict[str, str] = {}
        if self._path.exists():
            self._table = dict(orjson.loads(self._path.read_bytes()))

    def resolve(self, name: str) -> str:
        """The collection an alias names, or ``name`` itself."""
        return self._table.get(name, name)

    def is_alias(self, name: str) -> bool:
        return name in self._table

    def describe(self, collection: str | None = None) -> dict[str, Any]:
        """``{"aliases": [{"alias_name", "collection_name"}]}``, optionally for one collection."""
        with self._lock:
            items = sorted(self._table.items())
        return {
            "aliases": [
                {"alias_name": alias, "collection_name": target}
                for alias, target in items
                if collection is None or target == collection
            ]
        }

    def apply(self, body: Any, collection_exists: Callable[[str], bool]) -> bool:
        """Apply ``{"actions": [...]}`` atomically; raises with Qdrant's error on the first failure.

        ``collection_exists`` is asked while the table is locked, so the caller should
        hold its own collection lock around the call when creates may race.
        """
        actions = _actions(body)
        with self._lock:
            table = dict(self._table)
            for kind, args in actions:
                _apply_one(table, kind, args, collection_exists)
            if table != self._table:
                self._write(table)
                self._table = table
        return True

    def remove_collection(self, collection: str) -> None:
        """Drop every alias of a deleted collection."""
        with self._lock:
            table = {a: c for a, c in self._table.items() if c != collection}
            if table != self._table:
                self._write(table)
                self._table = table

    def _write(self, table: dict[str, str]) -> None:
        tmp = self._path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(orjson.dumps(table, option=orjson.OPT_SORT_KEYS))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._path)


_ACTION_FIELDS = {
    "create_alias": ("collection_name", "alias_name"),
    "delete_alias": ("alias_name",),
    "rename_alias": ("old_alias_name", "new_alias_name"),
}


def _actions(body: Any) -> list[tuple[str, dict[str, str]]]:
    if not isinstance(body, dict) or set(body) != {"actions"}:
        raise EngineError.format("missing field `actions`")
    raw = body["actions"]
    if not isinstance(raw, list):
        raise EngineError.format("actions: invalid type, expected a sequence")
    actions = []
    for i, action in enumerate(raw):
        if (
            not isinstance(action, dict)
            or len(action) != 1
            or next(iter(action)) not in (_ACTION_FIELDS)
        ):
            raise EngineError.format(
                f"actions[{i}]: data did not match any variant of untagged enum AliasOperations"
            )
        ((kind, args),) = action.items()
        fields = _ACTION_FIELDS[kind]
        if not isinstance(args, dict):
            raise EngineError.format(f"actions[{i}].{kind}: invalid type, expected a map")
        for key, value in args.items():
            if key not in fields:
                raise EngineError.format(f"actions[{i}].{kind}: unknown field `{key}`")
            if not isinstance(value, str):
                raise EngineError.format(f"actions[{i}].{kind}.{key}: expected a string")
        for key in fields:
            if key not in args:
                raise EngineError.format(f"actions[{i}].{kind}: missing field `{key}`")
        actions.append((kind, args))
    return actions


def _apply_one(
    table: dict[str, str],
    kind: str,
    args: dict[str, str],
    collection_exists: Callable[[str], bool],
) -> None:
    if kind == "create_alias":
        alias, target = args["alias_name"], args["collection_name"]
        if not collection_exists(target):
            raise EngineError.collection_not_found(target)
        _check_free(alias, collection_exists)
        table[alias] = target
    elif kind == "delete_alias":
        if table.pop(args["alias_name"], None) is None:
            raise alias_not_found(args["alias_name"])
    else:
        old, new = args["old_alias_name"], args["new_alias_name"]
        if old not in table:
            raise alias_not_found(old)
        _check_free(new, collection_exists)
        table[new] = table.pop(old)


def _check_free(alias: str, collection_exists: Callable[[str], bool]) -> None:
    if collection_exists(alias):
        raise EngineError.wrong_input(
            f"Can't create alias with name {alias}. Collection with the same name already exists"
        )


def alias_not_found(alias: str) -> EngineError:
    return EngineError(ErrorKind.NOT_FOUND, f"Not found: Alias {alias} does not exists!")


def alias_clash(name: str) -> EngineError:
    """Creating a collection under a name an alias already has."""
    return EngineError.wrong_input(
        f"Can't create collection with name {name}. Alias with the same name already exists"
    )
