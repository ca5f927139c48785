"""The storage engine behind both protocol doors: collections of Qdrant Edge shards.

Every operation is addressed by its name from ``qdpool.call.OPERATIONS`` and
works in Qdrant's REST JSON shapes: ``execute(op, collection, body, params)``
returns the REST ``result`` or raises ``EngineError``.  The REST door passes the
decoded JSON body through; the gRPC door converts protobuf to the same shape
first, so both doors share one implementation and cannot drift apart.

Shard calls block (a 1,000-point upsert or a filtered query takes milliseconds),
so ``run`` moves them onto a small thread pool and keeps the event loop free to
accept and answer other requests meanwhile; cheap metadata calls (list, exists,
get) stay on the loop because a thread hop would cost more than the call.

On disk (``path``)::

    collections/{name}/...      one directory per collection (see collection.py)
    node_id                     this node's id, used in snapshot names
    snapshots/{name}/...        snapshots, unless snapshots_path says elsewhere

Without ``path`` everything lives in a temporary directory removed by ``close``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from qdpool.embedded import config as cfg
from qdpool.embedded import snapshots
from qdpool.embedded.collection import CONFIG_FILE, Collection
from qdpool.embedded.errors import EngineError, ErrorKind

log = logging.getLogger(__name__)

# Operations answered on the event loop: they touch only in-memory state.
_INLINE_OPS = frozenset(("list_collections", "collection_exists", "cluster_status"))
_DELETED_PREFIX = ".deleted-"

Handler = Callable[[str | None, Any, dict[str, str]], Any]


class Engine:
    """Collections by name, each one Edge shard; safe to call from several threads.

    Args:
        path: data directory; ``None`` for a temporary one removed on ``close``.
        snapshots_path: where snapshots go; default ``{path}/snapshots``.
        search_threads: the engine's search threads per shard; 1 keeps the thread
            count flat when tests create many collections (a single-segment shard
            gains nothing from more).
        workers: threads that run blocking shard calls for ``run``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        snapshots_path: str | os.PathLike[str] | None = None,
        *,
        search_threads: int | None = 1,
        workers: int = 4,
    ) -> None:
        self._temp_root: Path | None = None
        if path is None:
            self._temp_root = Path(tempfile.mkdtemp(prefix="qdpool-embedded-"))
            root = self._temp_root
        else:
            root = Path(path)
            root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.collections_dir = root / "collections"
        self.collections_dir.mkdir(exist_ok=True)
        self.snapshots_dir = Path(snapshots_path) if snapshots_path else root / "snapshots"
        self.snapshots_dir.mkdir(parents=True, exist_ok=True)
        self.node_id = _node_id(root)
        self.search_threads = search_threads
        self._lock = threading.Lock()
        self._collections: dict[str, Collection] = {}
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qdpool-shard")
        self._closed = False
        self._handlers: dict[str, Handler] = {
            "list_collections": self._list_collections,
            "get_collection": self._get_collection,
            "collection_exists": self._collection_exists,
            "create_collection": self._create_collection,
            "delete_collection": self._delete_collection,
            "upsert": lambda c, b, p: self._get(c).upsert(b, _wait(p)),
            "delete": lambda c, b, p: self._get(c).delete_points(b, _wait(p)),
            "retrieve": lambda c, b, p: self._get(c).retrieve(b),
            "count": lambda c, b, p: self._get(c).count(b),
            "query_points": lambda c, b, p: self._get(c).query(b, self._get),
            "scroll": lambda c, b, p: self._get(c).scroll(b),
            # --- data plane (embedded): points, payload, indexes, query variants
            "get_point": lambda c, b, p: self._get(c).get_point(p.get("id", "")),
            "set_payload": lambda c, b, p: self._get(c).set_payload(b, _wait(p)),
            "overwrite_payload": lambda c, b, p: self._get(c).overwrite_payload(b, _wait(p)),
            "delete_payload": lambda c, b, p: self._get(c).delete_payload(b, _wait(p)),
            "clear_payload": lambda c, b, p: self._get(c).clear_payload(b, _wait(p)),
            "update_vectors": lambda c, b, p: self._get(c).update_vectors(b, _wait(p)),
            "delete_vectors": lambda c, b, p: self._get(c).delete_vectors(b, _wait(p)),
            "batch_update_points": lambda c, b, p: self._get(c).batch_update(b, _wait(p)),
            "create_payload_index": lambda c, b, p: self._get(c).create_index(b, _wait(p)),
            "delete_payload_index": lambda c, b, p: self._get(c).delete_index(
                p.get("field_name", ""), _wait(p)
            ),
            "query_batch_points": lambda c, b, p: self._get(c).query_batch(b, self._get),
            "query_points_groups": lambda c, b, p: self._get(c).query_groups(b, self._get),
            "facet": lambda c, b, p: self._get(c).facet(b),
            "search_matrix_pairs": lambda c, b, p: self._get(c).matrix_pairs(b),
            "search_matrix_offsets": lambda c, b, p: self._get(c).matrix_offsets(b),
            # --- end data plane
            "create_snapshot": self._create_snapshot,
            "list_snapshots": self._list_snapshots,
            "cluster_status": lambda c, b, p: {"status": "disabled"},
        }
        self._load_all()

    # -- entry points ----------------------------------------------------------------

    @property
    def operations(self) -> frozenset[str]:
        """The operation names ``execute`` understands."""
        return frozenset(self._handlers)

    def execute(
        self,
        operation: str,
        collection: str | None = None,
        body: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """Run one operation synchronously; returns the REST ``result`` value."""
        handler = self._handlers.get(operation)
        if handler is None:
            raise EngineError.internal(f"unknown operation {operation!r}")
        return handler(collection, body, params or {})

    async def run(
        self,
        operation: str,
        collection: str | None = None,
        body: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """``execute`` without blocking the event loop on shard calls."""
        if operation in _INLINE_OPS:
            return self.execute(operation, collection, body, params)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, self.execute, operation, collection, body, params
        )

    def flush_all(self) -> None:
        """Persist every collection's segments (called periodically and at shutdown)."""
        with self._lock:
            collections = list(self._collections.values())
        for collection in collections:
            try:
                collection.flush()
            except EngineError as exc:
                log.warning("flush of %s failed: %s", collection.name, exc.message)

    def close(self) -> None:
        """Flush and close every shard; remove the data directory if it was temporary."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            collections = list(self._collections.values())
            self._collections.clear()
        for collection in collections:
            collection.close()
        self._executor.shutdown(wait=True)
        if self._temp_root is not None:
            shutil.rmtree(self._temp_root, ignore_errors=True)

    # -- collections -----------------------------------------------------------------

    def _get(self, name: str | None) -> Collection:
        with self._lock:
            collection = self._collections.get(name or "")
        if collection is None:
            raise EngineError.collection_not_found(name or "")
        return collection

    def _list_collections(self, _c: str | None, _b: Any, _p: dict[str, str]) -> Any:
        with self._lock:
            names = sorted(self._collections)
        return {"collections": [{"name": n} for n in names]}

    def _get_collection(self, name: str | None, _b: Any, _p: dict[str, str]) -> Any:
        return self._get(name).info()

    def _collection_exists(self, name: str | None, _b: Any, _p: dict[str, str]) -> Any:
        with self._lock:
            return {"exists": (name or "") in self._collections}

    def _create_collection(self, name: str | None, body: Any, _p: dict[str, str]) -> Any:
        name = name or ""
        cfg.validate_collection_name(name)
        config = cfg.parse_create_body(body)
        with self._lock:
            self._check_open()
            if name in self._collections:
                raise EngineError.collection_exists(name)
            directory = self.collections_dir / name
            if directory.exists():  # left over from a crash before the commit mark
                shutil.rmtree(directory)
            try:
                collection = Collection.create(name, directory, config, self.search_threads)
            except Exception as exc:
                shutil.rmtree(directory, ignore_errors=True)
                if isinstance(exc, EngineError):
                    raise
                raise EngineError.internal(f"cannot create collection `{name}`: {exc}") from exc
            self._collections[name] = collection
        return True

    def _delete_collection(self, name: str | None, _b: Any, _p: dict[str, str]) -> Any:
        name = name or ""
        with self._lock:  # held throughout, so a create of the same name waits for us
            collection = self._collections.pop(name, None)
            if collection is None:
                return False
            collection.close()
            # Rename first so a crash mid-removal never leaves a half collection behind.
            doomed = self.collections_dir / f"{_DELETED_PREFIX}{uuid.uuid4().hex}"
            os.replace(collection.directory, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        return True

    def _create_snapshot(self, name: str | None, _b: Any, _p: dict[str, str]) -> Any:
        return snapshots.create_snapshot(self._get(name), self.snapshots_dir, self.node_id)

    def _list_snapshots(self, name: str | None, _b: Any, _p: dict[str, str]) -> Any:
        collection = self._get(name)
        return snapshots.list_snapshots(self.snapshots_dir, collection.name)

    def _check_open(self) -> None:
        if self._closed:
            raise EngineError(ErrorKind.UNAVAILABLE, "Service unavailable: the server is stopping")

    def _load_all(self) -> None:
        """Open every committed collection; clear away interrupted creates and deletes."""
        for directory in sorted(self.collections_dir.iterdir()):
            if not directory.is_dir():
                continue
            if directory.name.startswith(_DELETED_PREFIX) or not (directory / CONFIG_FILE).exists():
                log.info("removing incomplete collection directory %s", directory)
                shutil.rmtree(directory, ignore_errors=True)
                continue
            collection = Collection.load(directory, self.search_threads)
            self._collections[collection.name] = collection


def _wait(params: dict[str, str]) -> bool:
    """The ``wait`` query parameter (default false, as in Qdrant)."""
    value = params.get("wait")
    if value is None or value == "false":
        return False
    if value == "true":
        return True
    raise EngineError(
        ErrorKind.FORMAT,
        f"Query deserialize error: wait: provided string was not `true` or `false`: {value}",
    )


def _node_id(root: Path) -> int:
    """A stable id for this data directory (Qdrant's peer id), used in snapshot names."""
    path = root / "node_id"
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        node_id = secrets.randbits(52)
        path.write_text(str(node_id))
        return node_id
