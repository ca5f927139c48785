"""The storage engine behind both protocol doors: collections of Qdrant Edge shards.

Every operation is addressed by its spec from ``qdpool.operations`` and
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
    aliases.json                the alias table (see aliases.py)
    node_id                     this node's id, used in snapshot names
    snapshots/{name}/...        snapshots, unless snapshots_path says elsewhere
    snapshots/full-snapshot-*   full-storage snapshots

An alias resolves wherever a collection name does (``_get``), except where
Qdrant does not resolve it either: creating a collection (the name clashes) and
deleting one (only a real name is deleted; its aliases go with it).

Without ``path`` everything lives in a temporary directory removed by ``close``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from qdpool import operations as ops
from qdpool.embedded import config as cfg
from qdpool.embedded import config_update, snapshots, strict_mode, telemetry
from qdpool.embedded.aliases import Aliases, alias_clash
from qdpool.embedded.collection import CONFIG_FILE, COUNTER_FILE, SHARD_DIR, Collection
from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.operations.spec import Operation

log = logging.getLogger(__name__)

# Operations answered on the event loop: they touch only in-memory state.
_INLINE_OPS = frozenset(
    (
        ops.LIST_COLLECTIONS,
        ops.COLLECTION_EXISTS,
        ops.CLUSTER_STATUS,
        ops.GET_ALIASES,
        ops.GET_COLLECTION_ALIASES,
    )
)
_DELETED_PREFIX = ".deleted-"
# A collection being replaced by a snapshot recovery: kept until the recovered one is in place.
_REPLACED_PREFIX = ".replaced-"

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
        self.started_at = dt.datetime.now(dt.UTC)
        self.aliases = Aliases(root)
        self._lock = threading.Lock()
        self._collections: dict[str, Collection] = {}
        self._flushed_at: dict[str, float] = {}
        self._replacements = 0  # collections swapped for new objects (see execute)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qdpool-shard")
        self._closed = False
        self._handlers: dict[Operation[Any], Handler] = {
            ops.LIST_COLLECTIONS: self._list_collections,
            ops.GET_COLLECTION: self._get_collection,
            ops.COLLECTION_EXISTS: self._collection_exists,
            ops.CREATE_COLLECTION: self._create_collection,
            ops.DELETE_COLLECTION: self._delete_collection,
            ops.UPSERT: lambda c, b, p: self._get(c).upsert(b, _wait(p)),
            ops.DELETE_POINTS: lambda c, b, p: self._get(c).delete_points(b, _wait(p)),
            ops.RETRIEVE: lambda c, b, p: self._get(c).retrieve(b),
            ops.COUNT: lambda c, b, p: self._get(c).count(b),
            ops.QUERY_POINTS: lambda c, b, p: self._get(c).query(b, self._get),
            ops.SCROLL: lambda c, b, p: self._get(c).scroll(b),
            # --- data plane (embedded): points, payload, indexes, query variants
            ops.GET_POINT: lambda c, b, p: self._get(c).get_point(p.get("id", "")),
            ops.SET_PAYLOAD: lambda c, b, p: self._get(c).set_payload(b, _wait(p)),
            ops.OVERWRITE_PAYLOAD: lambda c, b, p: self._get(c).overwrite_payload(b, _wait(p)),
            ops.DELETE_PAYLOAD: lambda c, b, p: self._get(c).delete_payload(b, _wait(p)),
            ops.CLEAR_PAYLOAD: lambda c, b, p: self._get(c).clear_payload(b, _wait(p)),
            ops.UPDATE_VECTORS: lambda c, b, p: self._get(c).update_vectors(b, _wait(p)),
            ops.DELETE_VECTORS: lambda c, b, p: self._get(c).delete_vectors(b, _wait(p)),
            ops.BATCH_UPDATE_POINTS: lambda c, b, p: self._get(c).batch_update(b, _wait(p)),
            ops.CREATE_PAYLOAD_INDEX: lambda c, b, p: self._get(c).create_index(b, _wait(p)),
            ops.DELETE_PAYLOAD_INDEX: lambda c, b, p: self._get(c).delete_index(
                p.get("field_name", ""), _wait(p)
            ),
            ops.QUERY_BATCH_POINTS: lambda c, b, p: self._get(c).query_batch(b, self._get),
            ops.QUERY_POINTS_GROUPS: lambda c, b, p: self._get(c).query_groups(b, self._get),
            ops.FACET: lambda c, b, p: self._get(c).facet(b),
            ops.SEARCH_MATRIX_PAIRS: lambda c, b, p: self._get(c).matrix_pairs(b),
            ops.SEARCH_MATRIX_OFFSETS: lambda c, b, p: self._get(c).matrix_offsets(b),
            # --- end data plane
            ops.CREATE_SNAPSHOT: self._create_snapshot,
            ops.LIST_SNAPSHOTS: self._list_snapshots,
            ops.CLUSTER_STATUS: lambda c, b, p: {"status": "disabled"},
            # --- collections data plane: configuration, aliases, snapshots, telemetry
            ops.UPDATE_COLLECTION: self._update_collection,
            ops.UPDATE_COLLECTION_ALIASES: self._update_aliases,
            ops.GET_ALIASES: lambda c, b, p: self.aliases.describe(),
            ops.GET_COLLECTION_ALIASES: lambda c, b, p: self.aliases.describe(self._get(c).name),
            ops.COLLECTION_CLUSTER_INFO: self._cluster_info,
            ops.DELETE_SNAPSHOT: self._delete_snapshot,
            ops.DOWNLOAD_SNAPSHOT: self._download_snapshot,
            ops.RECOVER_SNAPSHOT: self._recover_snapshot,
            ops.UPLOAD_SNAPSHOT: self._upload_snapshot,
            ops.CREATE_FULL_SNAPSHOT: self._create_full_snapshot,
            ops.LIST_FULL_SNAPSHOTS: lambda c, b, p: snapshots.list_full_snapshots(
                self.snapshots_dir
            ),
            ops.DELETE_FULL_SNAPSHOT: lambda c, b, p: snapshots.delete_snapshot(
                self.snapshots_dir, _snapshot_name(p)
            ),
            ops.DOWNLOAD_FULL_SNAPSHOT: lambda c, b, p: str(
                snapshots.snapshot_path(self.snapshots_dir, _snapshot_name(p))
            ),
            ops.TELEMETRY: self._telemetry,
            # Custom sharding: no collection here has it (refused at creation), so no key
            # can be made or removed, and every collection lists none (Qdrant's null).
            ops.CREATE_SHARD_KEY: self._change_shard_keys,
            ops.DELETE_SHARD_KEY: self._change_shard_keys,
            ops.LIST_SHARD_KEYS: self._list_shard_keys,
        }
        self._load_all()

    # -- entry points ----------------------------------------------------------------

    @property
    def operations(self) -> frozenset[Operation[Any]]:
        """The operations ``execute`` understands."""
        return frozenset(self._handlers)

    def execute(
        self,
        operation: Operation[Any],
        collection: str | None = None,
        body: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """Run one operation synchronously; returns the REST ``result`` value.

        A collection replaced while the call ran (an update reopening its shard, a
        snapshot recovery) makes the old object answer "doesn't exist"; the call is then
        run once more on the new one.  That is safe for writes too: a closed collection
        refuses a write before applying any of it.
        """
        handler = self._handlers.get(operation)
        if handler is None:
            raise EngineError.internal(f"unknown operation {operation.name!r}")
        params = params or {}
        _check_replica_options(operation, params)
        if operation in strict_mode.CHECKED and collection is not None:
            self._check_strict_mode(operation, collection, body, params)
        generation = self._replacements
        try:
            return handler(collection, body, params)
        except EngineError as exc:
            if exc.kind is not ErrorKind.NOT_FOUND or self._replacements == generation:
                raise
        return handler(collection, body, params)

    def _check_strict_mode(
        self, operation: Operation[Any], name: str, body: Any, params: dict[str, str]
    ) -> None:
        """Refuse what the collection's enabled strict mode forbids (strict_mode.py)."""
        with self._lock:
            collection = self._collections.get(self.aliases.resolve(name))
        if collection is None:
            return  # the handler reports the missing collection
        strict = collection.config.get("strict_mode_config") or {}
        if strict.get("enabled"):
            strict_mode.check(
                operation, strict, body, params, lambda: collection.info()["payload_schema"]
            )

    async def run(
        self,
        operation: Operation[Any],
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
        now = time.monotonic()
        for collection in collections:
            interval = collection.config["optimizer_config"].get("flush_interval_sec") or 0
            if now - self._flushed_at.get(collection.name, float("-inf")) < interval:
                continue
            self._flushed_at[collection.name] = now
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
        """The collection ``name`` (or the alias ``name``) designates."""
        with self._lock:
            collection = self._collections.get(self.aliases.resolve(name or ""))
        if collection is None:
            raise EngineError.collection_not_found(name or "")
        return collection

    def _list_collections(self, _c: str | None, _b: Any, _p: dict[str, str]) -> Any:
        with self._lock:
            names = sorted(self._collections)
        return {"collections": [{"name": n} for n in names]}

    def _get_collection(self, name: str | None, _b: Any, _p: dict[str, str]) -> Any:
        info = self._get(name).info()
        # Qdrant 1.18's CollectionInfo: no creation time; updates are applied before
        # their answer, so the update queue is always empty.
        info.pop("created_at", None)
        info["update_queue"] = {"length": 0}
        return info

    def _collection_exists(self, name: str | None, _b: Any, _p: dict[str, str]) -> Any:
        with self._lock:
            return {"exists": self.aliases.resolve(name or "") in self._collections}

    def _create_collection(self, name: str | None, body: Any, _p: dict[str, str]) -> Any:
        name = name or ""
        cfg.validate_collection_name(name)
        config = cfg.parse_create_body(body)
        with self._lock:
            self._check_open()
            if name in self._collections:
                raise EngineError.collection_exists(name)
            if self.aliases.is_alias(name):
                raise alias_clash(name)
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
            self.aliases.remove_collection(name)
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

    def _delete_snapshot(self, name: str | None, _b: Any, params: dict[str, str]) -> Any:
        collection = self._get(name)
        return snapshots.delete_snapshot(
            self.snapshots_dir / collection.name, _snapshot_name(params)
        )

    def _download_snapshot(self, name: str | None, _b: Any, params: dict[str, str]) -> str:
        """The snapshot file's path, for the REST door to stream (not a result to send)."""
        collection = self._get(name)
        directory = self.snapshots_dir / collection.name
        return str(snapshots.snapshot_path(directory, _snapshot_name(params)))

    def _create_full_snapshot(self, _c: str | None, _b: Any, _p: dict[str, str]) -> Any:
        with self._lock:
            collections = sorted(self._collections.values(), key=lambda c: c.name)
        return snapshots.create_full_snapshot(
            collections, self.root / "aliases.json", self.snapshots_dir
        )

    def _recover_snapshot(self, name: str | None, body: Any, params: dict[str, str]) -> Any:
        """``PUT /collections/{c}/snapshots/recover``: replace (or create) ``c`` from a snapshot."""
        request = _parse_recover(body)
        archive, downloaded = snapshots.fetch(
            request["location"], request.get("api_key"), self.snapshots_dir
        )
        try:
            snapshots.verify_checksum(archive, request.get("checksum"))
            self._restore(name or "", archive)
        finally:
            if downloaded:
                archive.unlink(missing_ok=True)
        return True

    def _upload_snapshot(self, name: str | None, body: Any, params: dict[str, str]) -> Any:
        """``POST /collections/{c}/snapshots/upload``: ``body`` is ``{"path"}`` of the saved upload.

        The REST door stores the uploaded file first and removes it after this returns.
        """
        _priority(params.get("priority"))
        archive = Path(body["path"])
        snapshots.verify_checksum(archive, params.get("checksum"))
        self._restore(name or "", archive)
        return True

    def _restore(self, name: str, archive: Path) -> None:
        """Unpack ``archive`` beside the collections, then swap it in under the lock.

        The staging directory carries the deleted-prefix until it is renamed into
        place, so a crash mid-recovery leaves nothing that the next start would load.
        """
        cfg.validate_collection_name(name)
        staging = self.collections_dir / f"{_DELETED_PREFIX}restore-{uuid.uuid4().hex}"
        doomed: Path | None = None
        try:
            meta = snapshots.extract_collection(archive, staging)
            with self._lock:
                self._check_open()
                target = self.aliases.resolve(name)
                meta["name"] = target
                config_update.write_config(staging, meta)
                old = self._collections.pop(target, None)
                if old is not None:
                    self._replacements += 1  # before close: a call failing on it retries
                    old.close()
                    # Operation ids keep increasing across the recovery.
                    counter = old.directory / COUNTER_FILE
                    if counter.exists():
                        shutil.copyfile(counter, staging / COUNTER_FILE)
                    doomed = self.collections_dir / f"{_REPLACED_PREFIX}{uuid.uuid4().hex}"
                    os.replace(old.directory, doomed)
                final = self.collections_dir / target
                os.replace(staging, final)
                _fsync_dir(self.collections_dir)
                try:
                    self._collections[target] = Collection.load(final, self.search_threads)
                except Exception as exc:
                    # Put the old collection back; the snapshot goes with the staging dir.
                    os.replace(final, staging)
                    if doomed is not None:
                        os.replace(doomed, final)
                        doomed = None
                        self._collections[target] = Collection.load(final, self.search_threads)
                    raise EngineError.wrong_input(
                        f"cannot open the snapshot's shard: {str(exc).splitlines()[0]}"
                    ) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if doomed is not None:
                shutil.rmtree(doomed, ignore_errors=True)

    def _update_collection(self, name: str | None, body: Any, _p: dict[str, str]) -> Any:
        """``PATCH /collections/{c}``: store the new config and reopen the shard with it.

        Qdrant Edge checks on reopening whether the shard can take the new
        configuration; if not, the old one is written back and reopened, and the
        request fails with the engine's reason.
        """
        with self._lock:
            self._check_open()
            collection = self._collections.get(self.aliases.resolve(name or ""))
            if collection is None:
                raise EngineError.collection_not_found(name or "")
            new_config = config_update.apply_update(collection.config, body)
            if new_config == collection.config:
                return True
            directory = collection.directory
            old_meta = config_update.read_meta(directory)
            self._replacements += 1  # before close: a call failing on the old one retries
            collection.close()
            edge_file = directory / SHARD_DIR / config_update.EDGE_CONFIG_FILE
            edge_before = edge_file.read_bytes() if edge_file.exists() else None
            config_update.write_config(directory, {**old_meta, "config": new_config})
            try:
                removed = config_update.removed_quantization(collection.config, new_config)
                if any(removed):
                    config_update.clear_edge_quantization(directory / SHARD_DIR, *removed)
                self._collections[collection.name] = Collection.load(directory, self.search_threads)
            except Exception as exc:
                config_update.write_config(directory, old_meta)
                if edge_before is not None:
                    edge_file.write_bytes(edge_before)
                self._collections[collection.name] = Collection.load(directory, self.search_threads)
                raise EngineError.wrong_input(
                    f"cannot apply the update: {str(exc).splitlines()[0]}"
                ) from None
        return True

    def _update_aliases(self, _c: str | None, body: Any, _p: dict[str, str]) -> Any:
        with self._lock:  # no collection appears or disappears while the actions apply
            return self.aliases.apply(body, lambda n: n in self._collections)

    def _change_shard_keys(self, name: str | None, _b: Any, _p: dict[str, str]) -> Any:
        """Shard keys exist only in collections with custom sharding, which this server
        refuses to create (one Qdrant Edge shard per collection)."""
        self._get(name)
        raise EngineError.unsupported("custom sharding (shard keys)")

    def _list_shard_keys(self, name: str | None, _b: Any, _p: dict[str, str]) -> Any:
        """No custom sharding, so Qdrant's ``null``: shard keys are "only available when
        sharding method is custom"."""
        self._get(name)
        return {"shard_keys": None}

    def _cluster_info(self, name: str | None, _b: Any, _p: dict[str, str]) -> Any:
        """``GET /collections/{c}/cluster`` for one node holding the collection's one shard."""
        collection = self._get(name)
        return {
            "peer_id": self.node_id,
            "shard_count": 1,
            "local_shards": [
                {
                    "shard_id": 0,
                    "points_count": collection.info()["points_count"],
                    "state": "Active",
                }
            ],
            "remote_shards": [],
            "shard_transfers": [],
        }

    def _telemetry(self, _c: str | None, _b: Any, params: dict[str, str]) -> Any:
        with self._lock:
            names = sorted(self._collections)
        return telemetry.telemetry(self.node_id, self.started_at, self.root, names, params)

    def _check_open(self) -> None:
        if self._closed:
            raise EngineError(ErrorKind.UNAVAILABLE, "Service unavailable: the server is stopping")

    def _load_all(self) -> None:
        """Open every committed collection; clear away interrupted creates and deletes.

        A collection set aside by a recovery that did not finish (``.replaced-``) is put
        back if its recovered successor never arrived, and dropped otherwise.
        """
        for directory in sorted(self.collections_dir.iterdir()):
            if directory.name.startswith(_REPLACED_PREFIX):
                _settle_replaced(directory, self.collections_dir)
        for directory in sorted(self.collections_dir.iterdir()):
            if not directory.is_dir():
                continue
            if directory.name.startswith(_DELETED_PREFIX) or not (directory / CONFIG_FILE).exists():
                log.info("removing incomplete collection directory %s", directory)
                shutil.rmtree(directory, ignore_errors=True)
                continue
            collection = Collection.load(directory, self.search_threads)
            self._collections[collection.name] = collection


def _settle_replaced(directory: Path, collections_dir: Path) -> None:
    try:
        name = config_update.read_meta(directory)["name"]
    except (OSError, ValueError, KeyError):
        shutil.rmtree(directory, ignore_errors=True)
        return
    final = collections_dir / name
    if (final / CONFIG_FILE).exists():
        shutil.rmtree(directory, ignore_errors=True)
        return
    log.info("restoring %s, replaced by a recovery that did not finish", name)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(directory, final)


def _fsync_dir(directory: Path) -> None:
    """Make renames inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


def _check_replica_options(operation: Operation[Any], params: dict[str, str]) -> None:
    """Honour ``consistency`` (reads) and ``ordering`` (writes) as a single node does.

    This engine holds one replica of every shard, so every read consistency (a number of
    replicas, majority, quorum, all) and every write ordering (weak, medium, strong) is
    met by the one answer it gives, as on a single Qdrant node: the options are accepted
    and change nothing. A value Qdrant could not parse is refused as Qdrant refuses it.
    """
    if "consistency" in operation.options:
        value = params.get("consistency")
        named = value in ("majority", "quorum", "all")
        if value is not None and not named and not value.isdigit():
            raise EngineError(
                ErrorKind.FORMAT,
                f"Query deserialize error: consistency: expected a number of replicas "
                f"or one of `majority`, `quorum`, `all`: {value}",
            )
    if "ordering" in operation.options:
        value = params.get("ordering")
        if value is not None and value not in ("weak", "medium", "strong"):
            raise EngineError(
                ErrorKind.FORMAT,
                f"Query deserialize error: unknown variant `{value}`, expected one of "
                "`weak`, `medium`, `strong`",
            )


def _snapshot_name(params: dict[str, str]) -> str:
    """The ``{snapshot_name}`` path parameter (the REST door passes path parts in params)."""
    name = params.get("snapshot_name")
    if not name:
        raise EngineError.format("missing path parameter `snapshot_name`")
    return name


_RECOVER_FIELDS = frozenset(("location", "priority", "checksum", "api_key"))


def _parse_recover(body: Any) -> dict[str, Any]:
    """A ``SnapshotRecover`` body: ``location`` (required), ``priority``, ``checksum``, key."""
    if not isinstance(body, dict):
        raise EngineError.format("missing field `location`")
    for key, value in body.items():
        if key not in _RECOVER_FIELDS:
            raise EngineError.format(
                f"unknown field `{key}`, expected one of `location`, `priority`, `checksum`, "
                "`api_key`"
            )
        if value is not None and not isinstance(value, str):
            raise EngineError.format(f"{key}: invalid type, expected a string")
    if not body.get("location"):
        raise EngineError.format("missing field `location`")
    _priority(body.get("priority"))
    return {k: v for k, v in body.items() if v is not None}


def _priority(value: str | None) -> None:
    """Every priority means the same on one node: the snapshot's data replaces the local data."""
    if value not in (None, "no_sync", "snapshot", "replica"):
        raise EngineError.format(
            f"priority: unknown variant `{value}`, expected one of `no_sync`, `snapshot`, `replica`"
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
