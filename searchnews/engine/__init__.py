"""The search engine behind searchnews. This package is the only place that imports whoosh."""

from __future__ import annotations

from .base import SORTS, Document, Engine, EngineWriter, FileState, SearchRequest
from .whoosh_engine import WhooshEngine, document_id


def open_engine(path: str, *, create: bool = False, rebuild: bool = False) -> Engine:
    """Open (or with `create`, make) the index in `path`."""
    return WhooshEngine.open(path, create=create, rebuild=rebuild)


__all__ = [
    "SORTS",
    "Document",
    "Engine",
    "EngineWriter",
    "FileState",
    "SearchRequest",
    "document_id",
    "open_engine",
]
