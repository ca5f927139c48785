"""Which of qdrant-client's operations ``qdpool.Client`` covers, found by introspection.

``python tools/coverage_vs_qdrant_client.py`` lists the public methods of qdrant-client's
``AsyncQdrantClient`` that ``qdpool.Client`` has by the same name, those it has under
another name (``EQUIVALENTS``), and those it lacks; then qdpool's methods qdrant-client
lacks. The reasons for what is lacking belong to the issue's closing note, not here: this
only keeps the lists honest as both clients change.
"""

from __future__ import annotations

import inspect
import warnings

EQUIVALENTS = {"get_collections": "list_collections", "info": "health"}
"""qdrant-client's name -> qdpool's, where qdpool names the same remote call otherwise."""


def public_methods(cls: type) -> set[str]:
    return {n for n, _ in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")}


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from qdrant_client import AsyncQdrantClient

        import qdpool

    theirs, ours = public_methods(AsyncQdrantClient), public_methods(qdpool.Client)
    same = sorted(theirs & ours)
    renamed = sorted(n for n in theirs - ours if EQUIVALENTS.get(n) in ours)
    missing = sorted(theirs - ours - set(renamed))
    print(f"qdrant-client AsyncQdrantClient: {len(theirs)} public methods")
    print(f"covered by name ({len(same)}): {', '.join(same)}")
    print(f"covered under another name ({len(renamed)}): ", end="")
    print(", ".join(f"{n} -> {EQUIVALENTS[n]}" for n in renamed))
    print(f"not covered ({len(missing)}): {', '.join(missing)}")
    extra = sorted(ours - theirs - set(EQUIVALENTS.values()))
    print(f"qdpool only ({len(extra)}): {', '.join(extra)}")


if __name__ == "__main__":
    main()
