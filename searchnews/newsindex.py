"""The Python API: one object for an index folder, to fill it and to search it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .dates import date_range
from .engine import SORTS, Engine, SearchRequest, open_engine
from .errors import QueryError
from .indexer import Progress, update_index
from .models import Article, IndexReport, SearchResults
from .query import parse_query

MAX_LIMIT = 1000


class NewsIndex:
    """A searchnews index in a folder.

    >>> with NewsIndex("index") as news:          # doctest: +SKIP
    ...     news.index(["corpus"])
    ...     results = news.search('"rearm itself"', since="2024")
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._engine: Engine | None = None

    def _open(self, *, create: bool = False) -> Engine:
        if self._engine is None:
            self._engine = open_engine(self.path, create=create)
        return self._engine

    def index(
        self,
        paths: Iterable[str],
        *,
        jobs: int | None = None,
        prune: bool = False,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> IndexReport:
        """Add new and changed page files under `paths` to the index (made if missing).

        `rebuild` starts the index over; `prune` removes documents whose files are gone.
        """
        if rebuild:
            self.close()
            self._engine = open_engine(self.path, create=True, rebuild=True)
        return update_index(
            self._open(create=True), paths, jobs=jobs, prune=prune, progress=progress
        )

    def search(
        self,
        query: str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
        limit: int = 10,
        page: int = 1,
        sort: str = "relevance",
        as_of: datetime | None = None,
    ) -> SearchResults:
        """Search the index.

        `query` uses the query language of the README (an empty query lists every article);
        `since`/`until` bound the publication date, inclusive (`2024`, `2024-07`, `2024-07-04`
        or an expression such as "last week", relative to `as_of`). Raises QueryError.
        """
        if sort not in SORTS:
            raise QueryError(f"Unknown sort {sort!r}: use one of {', '.join(SORTS)}.")
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"The limit must be between 1 and {MAX_LIMIT}.")
        if page < 1:
            raise QueryError("The page number starts at 1.")
        start, stop = date_range(since, until, as_of=as_of)
        request = SearchRequest(parse_query(query), query or "", start, stop, limit, page, sort)
        return self._open().search(request)

    def article(self, doc_id: str) -> Article | None:
        """The stored article with this id (as shown in search hits), or None."""
        return self._open().article(doc_id)

    def count(self) -> int:
        """How many articles the index holds."""
        return self._open().count()

    def close(self) -> None:
        """Release the index files."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __enter__(self) -> NewsIndex:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
