"""Collection snapshots: real tar files with Qdrant's naming, size and sha256 checksum.

A snapshot is ``{snapshots_path}/{collection}/{name}``, named
``{collection}-{node_id}-{YYYY-MM-DD-HH-MM-SS}.snapshot`` (Qdrant's pattern, with
this node's id in place of the peer id, UTC time), next to a
``.checksum`` file holding its sha256, as Qdrant keeps them.  The archive is a
gzip-compressed tar (the engine preallocates its segment files, so an
uncompressed archive of a nearly empty collection would be ~64 MB) holding
``collection.json`` and the flushed shard (segments and ``edge_config.json``;
the write-ahead log is left out because a flushed shard does not need it), so
extracting it and opening ``shard/`` with ``qdrant_edge.EdgeShard.load`` gives
the collection back.  It is not Qdrant's own snapshot layout: real Qdrant cannot
restore it, and this server has no recovery endpoint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tarfile
from pathlib import Path
from typing import Any

from qdpool.embedded.collection import CONFIG_FILE, SHARD_DIR, Collection

SUFFIX = ".snapshot"
CHECKSUM_SUFFIX = ".checksum"


def create_snapshot(collection: Collection, root: Path, node_id: int) -> dict[str, Any]:
    """Flush the collection and archive it; writes wait while the archive is written."""
    directory = root / collection.name
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H-%M-%S")
    name = f"{collection.name}-{node_id}-{stamp}{SUFFIX}"
    tmp = directory / f".{name}.tmp"
    with collection.write_lock:
        collection.flush_locked()
        # gzip (fast level): the engine preallocates segment files, mostly zeros.
        with tarfile.open(tmp, "w:gz", compresslevel=1) as tar:
            tar.add(collection.directory / CONFIG_FILE, arcname=CONFIG_FILE)
            tar.add(
                collection.directory / SHARD_DIR,
                arcname=SHARD_DIR,
                filter=_without_wal,
            )
    checksum = _sha256(tmp)
    (directory / (name + CHECKSUM_SUFFIX)).write_text(checksum)
    os.replace(tmp, directory / name)
    return _describe(directory / name, checksum)


def list_snapshots(root: Path, collection: str) -> list[dict[str, Any]]:
    """Every complete snapshot of a collection, oldest first."""
    directory = root / collection
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        if path.name.endswith(SUFFIX) and not path.name.startswith("."):
            checksum_file = directory / (path.name + CHECKSUM_SUFFIX)
            checksum = checksum_file.read_text().strip() if checksum_file.exists() else None
            found.append(_describe(path, checksum))
    found.sort(key=lambda d: (d["creation_time"], d["name"]))
    return found


def _describe(path: Path, checksum: str | None) -> dict[str, Any]:
    stat = path.stat()
    created = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
    return {
        "name": path.name,
        "creation_time": created.strftime("%Y-%m-%dT%H:%M:%S"),
        "size": stat.st_size,
        "checksum": checksum,
    }


def _without_wal(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    parts = Path(info.name).parts
    return None if len(parts) >= 2 and parts[1] == "wal" else info


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
