"""What the embedded server says it is (``GET /`` and ``qdrant.Qdrant/HealthCheck``).

The version is the Qdrant API level it imitates, marked so that nobody mistakes
it for a real Qdrant build; ``commit`` names what actually answers.
"""

from __future__ import annotations

from importlib import metadata

from qdpool import __version__

TITLE = "qdrant - vector search engine"
QDRANT_API_VERSION = "1.18.1"
VERSION = f"{QDRANT_API_VERSION}-qdpool-embedded"


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


COMMIT = f"qdpool-{__version__}+qdrant-edge-py-{_package_version('qdrant-edge-py')}"


def version_info() -> dict[str, str]:
    """The body of ``GET /`` (not wrapped in an envelope, as in Qdrant)."""
    return {"title": TITLE, "version": VERSION, "commit": COMMIT}
