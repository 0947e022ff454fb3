"""The search engine behind searchnews. This package is the only place that imports whoosh."""

from __future__ import annotations

from .base import (
    COMMIT_EVERY,
    FACETS,
    SORTS,
    Document,
    Engine,
    EngineWriter,
    FileState,
    SearchRequest,
    SegmentFactory,
)
from .documents import document_id
from .whoosh_engine import WhooshEngine


def open_engine(path: str, *, create: bool = False) -> Engine:
    """Open (or with `create`, make) the index in `path`."""
    return WhooshEngine.open(path, create=create)


__all__ = [
    "COMMIT_EVERY",
    "FACETS",
    "SORTS",
    "Document",
    "Engine",
    "EngineWriter",
    "FileState",
    "SearchRequest",
    "SegmentFactory",
    "document_id",
    "open_engine",
]
