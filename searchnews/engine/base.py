"""The contract between searchnews and a search engine.

Everything outside `searchnews.engine` talks to an index through these classes, so that another
engine (a distributed one, say) can stand in for the Whoosh one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..models import Article, SearchResults, Snippet
from ..query import Query

SORTS = ("relevance", "newest", "oldest")
COMMIT_EVERY = 1000  # documents per commit, so a long run that stops keeps most of its work


@dataclass(frozen=True)
class FileState:
    """What the index remembers of a source file, to tell whether it changed."""

    path: str
    content_hash: str
    size: int
    mtime_ns: int


@dataclass
class Document:
    """An extracted article ready to be written, with the file it came from.

    `sketch` summarises the body for near-duplicate detection; copies of one story share a
    `duplicate_key`.
    """

    file: FileState
    article: Article
    sketch: tuple[int, ...] = ()
    duplicate_key: str = ""


@dataclass(frozen=True)
class SearchRequest:
    """A parsed query with its filters, sort order and page."""

    query: Query
    text: str = ""
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 10
    page: int = 1
    sort: str = "relevance"
    snippets: int = 3
    facets: bool = False
    collapse: bool = True
    variants: bool = True
    facet_limit: int = 10


class SegmentFactory(Protocol):
    """Makes segments, in any process: of new documents, or merging committed segments."""

    def __call__(self, documents: list[Document]) -> object:
        """A segment holding `documents`."""

    def merge(self, plan: object) -> object:
        """A segment holding the documents of a plan from `EngineWriter.plan_merge()`."""


FACETS = ("site", "section", "month", "person", "org", "place")


class EngineWriter(ABC):
    """A batch of changes that becomes visible to searches all at once, on commit."""

    @abstractmethod
    def add_segment(self, segment: object, *, replacing: Iterable[str] = ()) -> None:
        """Add a segment made by the engine's `segment_builder()`, replacing the documents
        that came from the paths in `replacing`; a merged segment replaces those it merged."""

    @abstractmethod
    def plan_merge(self) -> object | None:
        """Committed segments worth merging (and not being merged already), or None; the
        segment builder's `merge` turns the plan into a segment for `add_segment`."""

    @abstractmethod
    def delete(self, path: str) -> None:
        """Remove the document that came from `path`."""

    @abstractmethod
    def commit(self) -> None:
        """Make the changes so far durable and visible, and keep the writer open for more."""

    @abstractmethod
    def close(self, *, commit: bool) -> None:
        """Commit what is pending (or throw it away) and release the index."""


class Engine(ABC):
    """An index of articles on disk."""

    @abstractmethod
    def files(self) -> dict[str, FileState]:
        """Every indexed source file by path."""

    @abstractmethod
    def writer(self, *, wait: float = 0.0, clear: bool = False) -> EngineWriter:
        """Start writing, waiting up to `wait` seconds for another writer to finish; raises
        IndexLockedError when it does not. With `clear`, the first commit replaces every
        earlier document (until then searches see the old index)."""

    @abstractmethod
    def segment_builder(self) -> SegmentFactory:
        """A picklable builder of segments for `add_segment`, so that the costly part of
        writing can run in worker processes."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search and return one page of hits."""

    @abstractmethod
    def article(self, doc_id: str) -> Article | None:
        """The stored article with this id, or None."""

    @abstractmethod
    def similar(self, doc_id: str, limit: int = 10) -> SearchResults:
        """Articles most like the one with this id (its copies left out)."""

    @abstractmethod
    def source_path(self, doc_id: str) -> str | None:
        """The path of the file an article was extracted from, or None."""

    @abstractmethod
    def highlight(self, query: Query, text: str) -> list[Snippet]:
        """`text` cut into paragraphs, each with the spans the query matches marked."""

    @abstractmethod
    def suggest(self, text: str) -> str | None:
        """A respelling of the query's words that the index knows, or None."""

    @abstractmethod
    def sketch_lookup(self):
        """A context manager giving a function sketch -> [(duplicate key, sketch)] of the
        articles indexed so far that share a value with the sketch."""

    @abstractmethod
    def count(self) -> int:
        """How many articles the index holds."""

    @abstractmethod
    def close(self) -> None:
        """Release files and caches."""
