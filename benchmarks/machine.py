"""A one-paragraph description of the machine and software a run used, for the report."""

from __future__ import annotations

import os
import platform
from importlib import metadata

PACKAGES = (
    "qdpool",
    "qdrant-client",
    "aiohttp",
    "httpx",
    "grpcio",
    "protobuf",
    "orjson",
    "opentelemetry-sdk",
)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gb() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def describe() -> dict[str, object]:
    mem = memory_gb()
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": None if mem is None else round(mem, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": versions(),
    }


def one_line(info: dict[str, object]) -> str:
    packages = info.get("packages") or {}
    assert isinstance(packages, dict)
    libs = ", ".join(f"{k} {v}" for k, v in packages.items())
    mem = info.get("memory_gb")
    memory = f", {mem} GB RAM" if mem else ""
    return f"{info['cpu']}, {info['cores']} cores{memory}; {info['os']}; {info['python']}; {libs}"
