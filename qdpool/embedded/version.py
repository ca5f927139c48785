"""What the embedded server says it is (``GET /`` and ``qdrant.Qdrant/HealthCheck``).

The version is the Qdrant release whose REST/gRPC behaviour and shapes it
follows (1.18), with semver build metadata ``+qdpool-embedded`` so that nobody
mistakes it for a real Qdrant build (build metadata does not change version
precedence, so clients compare it as 1.18.0); ``commit`` names what actually
answers.  One known difference: Qdrant Edge 0.9 evaluates ``values_count`` by
Qdrant 1.19's rules.
"""

from __future__ import annotations

from importlib import metadata

from qdpool import __version__

TITLE = "qdrant - vector search engine"
QDRANT_API_VERSION = "1.18.0"
VERSION = f"{QDRANT_API_VERSION}+qdpool-embedded"


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


COMMIT = f"qdpool-{__version__}+qdrant-edge-py-{_package_version('qdrant-edge-py')}"


def version_info() -> dict[str, str]:
    """The body of ``GET /`` (not wrapped in an envelope, as in Qdrant)."""
    return {"title": TITLE, "version": VERSION, "commit": COMMIT}
