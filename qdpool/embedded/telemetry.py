"""``GET /telemetry``: Qdrant 1.18's ``TelemetryData`` shape for this node, measured.

``app.system`` describes what this process may really use, as Qdrant's does:
``cores`` counts the CPUs the scheduler lets this process run on
(``os.sched_getaffinity``), lowered to a cgroup v2 CPU quota when one is set
(a container limited to 1.5 CPUs reports 2); ``ram_size`` is the machine's
memory, or the cgroup's memory limit when lower, in KiB like Qdrant's;
``disk_size`` is the size of the file system holding the data directory, in
KiB; Qdrant reports ``app.system`` from ``details_level`` 1 on, and so does
this server.  Collections are counted; at ``details_level`` 1 or more each is listed
by name (``{"id": name}``), as Qdrant lists them.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

from qdpool.embedded.errors import EngineError, ErrorKind
from qdpool.embedded.version import VERSION

_CGROUP = Path("/sys/fs/cgroup")
# The CPU features Qdrant reports in ``cpu_flags`` (those its SIMD code paths use).
_REPORTED_FLAGS = ("sse", "sse2", "avx", "avx2", "fma", "f16c", "avx512f", "neon")


def telemetry(
    node_id: int,
    started: dt.datetime,
    data_dir: Path,
    collections: list[str],
    params: dict[str, str],
) -> dict[str, Any]:
    """The ``result`` of ``GET /telemetry`` (``details_level``, ``anonymize`` honoured)."""
    details = _uint_param(params, "details_level", 0)
    anonymize = _bool_param(params, "anonymize")
    listed: dict[str, Any] = {"number_of_collections": len(collections)}
    if details >= 1:
        listed["collections"] = [
            {"id": _anonymized(name) if anonymize else name} for name in collections
        ]
    app: dict[str, Any] = {"name": "qdrant", "version": VERSION}
    if details >= 1:  # as Qdrant: the running environment only from level 1 on
        app["system"] = system(data_dir)
    app["startup"] = started.isoformat().replace("+00:00", "Z")
    return {"id": str(uuid.UUID(int=node_id)), "app": app, "collections": listed}


def system(data_dir: Path) -> dict[str, Any]:
    """``RunningEnvironmentTelemetry`` for this process."""
    distribution, version = _os_release()
    return {
        "distribution": distribution,
        "distribution_version": version,
        "is_docker": Path("/.dockerenv").exists(),
        "cores": usable_cores(),
        "ram_size": ram_size_kib(),
        "disk_size": shutil.disk_usage(data_dir).total // 1024,
        "cpu_flags": ",".join(f for f in _REPORTED_FLAGS if f in _cpu_flags()),
        "cpu_endian": sys.byteorder,
    }


def usable_cores() -> int:
    """CPUs this process may run on, capped by a cgroup v2 ``cpu.max`` quota."""
    cores = len(os.sched_getaffinity(0))
    quota = _read(_CGROUP / "cpu.max")
    if quota:
        limit, _, period = quota.partition(" ")
        if limit != "max" and period:
            cores = min(cores, max(1, math.ceil(int(limit) / int(period))))
    return cores


def ram_size_kib() -> int | None:
    """Total memory in KiB, or the cgroup v2 ``memory.max`` when that is lower."""
    total = None
    meminfo = _read(Path("/proc/meminfo"))
    for line in (meminfo or "").splitlines():
        if line.startswith("MemTotal:"):
            total = int(line.split()[1])
    limit = _read(_CGROUP / "memory.max")
    if limit and limit != "max":
        cgroup_kib = int(limit) // 1024
        total = cgroup_kib if total is None else min(total, cgroup_kib)
    return total


def _cpu_flags() -> set[str]:
    for line in (_read(Path("/proc/cpuinfo")) or "").splitlines():
        if line.startswith(("flags", "Features")):
            return set(line.partition(":")[2].split())
    return set()


def _os_release() -> tuple[str | None, str | None]:
    fields: dict[str, str] = {}
    for line in (_read(Path("/etc/os-release")) or "").splitlines():
        key, _, value = line.partition("=")
        fields[key] = value.strip('"')
    return fields.get("ID"), fields.get("VERSION_ID")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _anonymized(name: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_OID, name).hex


def _uint_param(params: dict[str, str], name: str, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not value.isdigit():
        raise EngineError(
            ErrorKind.FORMAT, f"Query deserialize error: {name}: invalid digit found in string"
        )
    return int(value)


def _bool_param(params: dict[str, str], name: str) -> bool:
    value = params.get(name)
    if value in (None, "false"):
        return False
    if value == "true":
        return True
    raise EngineError(
        ErrorKind.FORMAT,
        f"Query deserialize error: {name}: provided string was not `true` or `false`",
    )
