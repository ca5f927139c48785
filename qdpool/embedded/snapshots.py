"""Snapshots: real archives with Qdrant's naming, size and sha256 checksum, and recovery.

A collection snapshot is ``{snapshots_path}/{collection}/{name}``, named
``{collection}-{node_id}-{YYYY-MM-DD-HH-MM-SS}.snapshot`` (Qdrant's pattern, with
this node's id in place of the peer id, UTC time); a full-storage snapshot is
``{snapshots_path}/full-snapshot-{YYYY-MM-DD-HH-MM-SS}.snapshot``.  Each has a
``.checksum`` file with its sha256 beside it, as Qdrant keeps them.

The archive is a gzip-compressed tar (the engine preallocates its segment
files, so an uncompressed archive of a nearly empty collection would be
~64 MB).  A collection snapshot holds ``collection.json`` and the flushed shard
(segments and ``edge_config.json``; the write-ahead log is left out because a
flushed shard does not need it); a full snapshot holds
``collections/{name}/...`` the same way for every collection, plus
``aliases.json``.  Recovering (``extract_collection``) unpacks a collection
snapshot into a staging directory that the engine then swaps in.  It is not
Qdrant's own snapshot layout: a real Qdrant cannot restore these archives, nor
this server Qdrant's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tarfile
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from qdpool.embedded.collection import CONFIG_FILE, SHARD_DIR, Collection
from qdpool.embedded.errors import EngineError, ErrorKind

SUFFIX = ".snapshot"
CHECKSUM_SUFFIX = ".checksum"
FULL_PREFIX = "full-snapshot-"
DOWNLOAD_TIMEOUT = 60.0
_SAFE_NAME = re.compile(r"^[^/\\\x00]+$")


# -- creating ----------------------------------------------------------------------


def create_snapshot(collection: Collection, root: Path, node_id: int) -> dict[str, Any]:
    """Flush the collection and archive it; writes wait while the archive is written."""
    directory = root / collection.name
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{collection.name}-{node_id}-{_stamp()}{SUFFIX}"
    tmp = directory / f".{name}.tmp"
    with tarfile.open(tmp, "w:gz", compresslevel=1) as tar:
        _add_collection(tar, collection, "")
    return _commit(tmp, directory / name)


def create_full_snapshot(
    collections: list[Collection], aliases_file: Path, root: Path
) -> dict[str, Any]:
    """Archive every collection (each flushed, writes to it waiting) and the alias table."""
    name = f"{FULL_PREFIX}{_stamp()}{SUFFIX}"
    tmp = root / f".{name}.tmp"
    with tarfile.open(tmp, "w:gz", compresslevel=1) as tar:
        for collection in collections:
            try:
                _add_collection(tar, collection, f"collections/{collection.name}/")
            except EngineError as exc:
                # Deleted (or replaced) since the list was taken: its flush refused
                # before anything of it was archived.
                if exc.kind is not ErrorKind.NOT_FOUND:
                    raise
        if aliases_file.exists():
            tar.add(aliases_file, arcname=aliases_file.name)
    return _commit(tmp, root / name)


def _add_collection(tar: tarfile.TarFile, collection: Collection, prefix: str) -> None:
    with collection.write_lock:
        collection.flush_locked()
        tar.add(collection.directory / CONFIG_FILE, arcname=prefix + CONFIG_FILE)
        shard = prefix + SHARD_DIR
        tar.add(collection.directory / SHARD_DIR, arcname=shard, filter=_without_wal(shard))


def _commit(tmp: Path, final: Path) -> dict[str, Any]:
    checksum = sha256(tmp)
    (final.parent / (final.name + CHECKSUM_SUFFIX)).write_text(checksum)
    os.replace(tmp, final)
    return _describe(final, checksum)


# -- listing, finding, deleting ----------------------------------------------------


def list_snapshots(root: Path, collection: str) -> list[dict[str, Any]]:
    """Every complete snapshot of a collection, oldest first."""
    return _list(root / collection, lambda _: True)


def list_full_snapshots(root: Path) -> list[dict[str, Any]]:
    """Every complete full-storage snapshot, oldest first."""
    return _list(root, lambda path: path.is_file())


def snapshot_path(directory: Path, name: str) -> Path:
    """The file of snapshot ``name`` in ``directory``; 404 if there is none."""
    if not _SAFE_NAME.match(name) or name in (".", "..") or not name.endswith(SUFFIX):
        raise snapshot_not_found(name)
    path = directory / name
    if not path.is_file():
        raise snapshot_not_found(name)
    return path


def delete_snapshot(directory: Path, name: str) -> bool:
    """Remove a snapshot and its checksum file."""
    path = snapshot_path(directory, name)
    path.unlink()
    (directory / (name + CHECKSUM_SUFFIX)).unlink(missing_ok=True)
    return True


def snapshot_not_found(name: str) -> EngineError:
    return EngineError(ErrorKind.NOT_FOUND, f"Not found: Snapshot {name} not found")


def _list(directory: Path, keep: Callable[[Path], bool]) -> list[dict[str, Any]]:
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        if path.name.endswith(SUFFIX) and not path.name.startswith(".") and keep(path):
            checksum_file = directory / (path.name + CHECKSUM_SUFFIX)
            checksum = checksum_file.read_text().strip() if checksum_file.exists() else None
            found.append(_describe(path, checksum))
    found.sort(key=lambda d: (d["creation_time"], d["name"]))
    return found


# -- recovering ----------------------------------------------------------------------


def fetch(location: str, api_key: str | None, scratch: Path) -> tuple[Path, bool]:
    """A local path for ``location`` (a path, ``file://`` URL or ``http(s)://`` URL).

    Returns the path and whether it is a downloaded temporary the caller removes.
    """
    parsed = urllib.parse.urlsplit(location)
    if parsed.scheme in ("http", "https"):
        scratch.mkdir(parents=True, exist_ok=True)
        target = scratch / f".download-{os.getpid()}-{id(location)}{SUFFIX}"
        request = urllib.request.Request(location, headers={"api-key": api_key} if api_key else {})
        try:
            with (
                urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response,
                open(target, "wb") as out,
            ):
                shutil.copyfileobj(response, out, 1 << 20)
        except OSError as exc:
            target.unlink(missing_ok=True)
            raise EngineError.wrong_input(
                f"Failed to download snapshot from {location}: {exc}"
            ) from None
        return target, True
    if parsed.scheme == "file":
        path = Path(urllib.parse.unquote(parsed.path))
    elif parsed.scheme == "":
        path = Path(location)
    else:
        raise EngineError.wrong_input(
            f"Unsupported snapshot location scheme `{parsed.scheme}`: use file:// or http(s)://"
        )
    if not path.is_file():
        raise EngineError(ErrorKind.NOT_FOUND, f"Not found: Snapshot file {path} does not exist")
    return path, False


def verify_checksum(path: Path, expected: str | None) -> None:
    """Qdrant refuses a snapshot whose sha256 differs from the ``checksum`` it was given."""
    if expected is None:
        return
    actual = sha256(path)
    if actual != expected.lower():
        raise EngineError.wrong_input(
            f"Snapshot checksum mismatch: expected {expected}, got {actual}"
        )


def extract_collection(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack a collection snapshot into ``staging``; returns its ``collection.json``.

    Members that would land outside ``staging`` (absolute paths, ``..``, links) are
    refused, so a hostile archive cannot write anywhere else.
    """
    staging.mkdir(parents=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        detail = str(exc).splitlines()[0].rstrip(":")
        raise EngineError.wrong_input(f"Invalid snapshot: {detail}") from None
    config = staging / CONFIG_FILE
    if not config.is_file() or not (staging / SHARD_DIR).is_dir():
        raise EngineError.wrong_input("Invalid snapshot: not a qdpool embedded collection snapshot")
    meta: dict[str, Any] = orjson.loads(config.read_bytes())
    return meta


# -- helpers -------------------------------------------------------------------------


def _describe(path: Path, checksum: str | None) -> dict[str, Any]:
    stat = path.stat()
    created = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
    return {
        "name": path.name,
        "creation_time": created.strftime("%Y-%m-%dT%H:%M:%S"),
        "size": stat.st_size,
        "checksum": checksum,
    }


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H-%M-%S")


def _without_wal(shard: str) -> Callable[[tarfile.TarInfo], tarfile.TarInfo | None]:
    """A tar filter leaving out ``{shard}/wal``: a flushed shard does not need its log."""
    wal = f"{shard}/wal"

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        return None if info.name == wal or info.name.startswith(wal + "/") else info

    return keep


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
