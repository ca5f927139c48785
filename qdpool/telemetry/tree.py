"""Render finished spans as a text tree: what ``qdpool demo --trace`` prints.

>>> from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
>>> print(render_span_tree(exporter.get_finished_spans()))
query_points demo  CLIENT 2.41 ms  ERROR 503
│   db.system.name=qdrant  db.operation.name=query_points  ...
├── POST /collections/{collection}/points/query  CLIENT 0.62 ms  ERROR 503
├── · +0.70 ms qdpool.retry.backoff  qdpool.attempt=0  qdpool.delay=0.02
└── POST /collections/{collection}/points/query  CLIENT 0.55 ms

It takes any objects shaped like the SDK's ``ReadableSpan`` (``name``,
``context``, ``parent``, ``kind``, ``status``, ``attributes``, ``events``,
``start_time``, ``end_time``), so qdpool needs no SDK at run time to import it.
A span's events are listed among its children in time order, so a backoff shows
up between the two attempts it separates. Spans whose parent is not among
those given are roots; roots and children are ordered by start time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_NS_PER_MS = 1_000_000


def _fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_fmt_value(v) for v in value) + "]"
    return str(value)


def _fmt_attributes(attributes: Mapping[str, Any] | None, skip: Iterable[str] = ()) -> str:
    if not attributes:
        return ""
    skipped = set(skip)
    return "  ".join(f"{k}={_fmt_value(v)}" for k, v in attributes.items() if k not in skipped)


def _kind(span: Any) -> str:
    kind = getattr(span, "kind", None)
    return getattr(kind, "name", str(kind)) if kind is not None else ""


def _status(span: Any) -> str:
    status = getattr(span, "status", None)
    code = getattr(getattr(status, "status_code", None), "name", "UNSET")
    if code != "ERROR":
        return ""
    attributes = span.attributes or {}
    detail = attributes.get("error.type")
    return f"ERROR {detail}" if detail is not None else "ERROR"


def _duration_ms(span: Any) -> float:
    start: int = span.start_time
    end: int = span.end_time if span.end_time is not None else start
    return (end - start) / _NS_PER_MS


def render_span_tree(
    spans: Iterable[Any],
    *,
    attributes: bool = True,
    events: bool = True,
) -> str:
    """A text tree of ``spans`` (finished SDK spans), parents above their children.

    Args:
        spans: e.g. ``InMemorySpanExporter.get_finished_spans()``.
        attributes: print each span's attributes on the line under it.
        events: list span events (backoffs, hedges, waits...) among the children.
    """
    spans = sorted(spans, key=lambda s: (s.start_time, s.name))
    by_id = {s.context.span_id: s for s in spans}
    children: dict[int, list[Any]] = {}
    roots: list[Any] = []
    for span in spans:
        parent = span.parent
        if parent is not None and parent.span_id in by_id:
            children.setdefault(parent.span_id, []).append(span)
        else:
            roots.append(span)

    lines: list[str] = []

    def head(span: Any) -> str:
        parts = [span.name, f"{_kind(span)} {_duration_ms(span):.2f} ms".strip()]
        status = _status(span)
        if status:
            parts.append(status)
        return "  ".join(parts)

    def walk(span: Any, origin: int, prefix: str) -> None:
        items: list[tuple[int, int, Any]] = [
            (child.start_time, 1, child) for child in children.get(span.context.span_id, [])
        ]
        if events:
            items.extend((event.timestamp, 0, event) for event in span.events or ())
        items.sort(key=lambda item: (item[0], item[1]))
        if attributes and span.attributes:
            bar = "│   " if items else "    "
            lines.append(f"{prefix}{bar}{_fmt_attributes(span.attributes)}")
        for index, (_, is_span, item) in enumerate(items):
            last = index == len(items) - 1
            branch, extend = ("└── ", "    ") if last else ("├── ", "│   ")
            if is_span:
                lines.append(prefix + branch + head(item))
                walk(item, origin, prefix + extend)
            else:
                offset = (item.timestamp - origin) / _NS_PER_MS
                text = f"· +{offset:.2f} ms {item.name}"
                details = _fmt_attributes(item.attributes)
                lines.append(prefix + branch + (f"{text}  {details}" if details else text))

    for root in roots:
        lines.append(head(root))
        walk(root, root.start_time, "")
    return "\n".join(lines)
