"""The Python API: one object for an index folder, to fill it and to search it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime

from . import captures, searching
from .aliases import AliasTable
from .dates import date_range
from .engines.base import SORTS
from .errors import ArticleNotFoundError, IndexBusyError, QueryError
from .indexer import COMMIT_EVERY
from .indexfolder import IndexFolder
from .models import Article, FacetValue, Failure, IndexReport, SearchResults, Snippet
from .query import explain, parse_query
from .searching import SearchOptions

RETRIES = 3  # searches that met a commit in progress, tried again on a fresh view

MAX_LIMIT = 1000
ALIAS_FILE = "aliases.tsv"
ENTITY_KINDS = ("person", "org", "place")


class NewsIndex:
    """A searchnews index in a folder.

    >>> with NewsIndex("index") as news:          # doctest: +SKIP
    ...     news.index(["corpus"])
    ...     results = news.search('"rearm itself"', since="2024")
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._folder: IndexFolder | None = None
        self._aliases: AliasTable | None = None
        self._opening = threading.Lock()

    @property
    def alias_file(self) -> str:
        """The user's alias table for this index: aliases.tsv in the index folder."""
        return os.path.join(self.path, ALIAS_FILE)

    @property
    def aliases(self) -> AliasTable:
        if self._aliases is None:
            self._aliases = AliasTable.load(self.alias_file)
        return self._aliases

    def _open(self) -> IndexFolder:
        with self._opening:  # the web server's threads share one NewsIndex
            if self._folder is None:
                self._folder = IndexFolder(self.path)
            return self._folder

    def _reader(self):
        """The catalog and the engine, refreshed to the last commit."""
        folder = self._open()
        if not folder.has_engine():
            return folder.catalog, None
        return folder.catalog, folder.reader()

    def _with_reader(self, work):
        """`work(catalog, engine)` on a fresh view, tried again when a commit changed the
        index under it; None while the index holds nothing."""
        for attempt in range(RETRIES):
            try:
                catalog, engine = self._reader()
                if engine is None:
                    return None
                with catalog.snapshot():
                    return work(catalog, engine)
            except IndexBusyError:
                if attempt == RETRIES - 1:
                    raise
        return None

    @property
    def engine_name(self) -> str | None:
        """The engine that holds this index ("whoosh", "tantivy"), None while it is empty."""
        return self._open().engine_name

    def index(
        self,
        paths: Iterable[str],
        *,
        jobs: int | None = None,
        prune: bool = False,
        rebuild: bool = False,
        progress: Callable[[int, int], None] | None = None,
        wait: float = 0.0,
        commit_every: int = COMMIT_EVERY,
        reextract: bool = False,
        engine: str | None = None,
    ) -> IndexReport:
        """Add new and changed page files under `paths` to the index (made if missing).

        `engine` picks the engine of a new index ("whoosh", the default, or "tantivy");
        `rebuild` builds the engine index again from the stored articles (with `engine`, moves
        the index to that engine) while searches go on, and `reextract` reads every page again;
        `prune` removes articles whose files are gone; `wait` is how long to wait for another
        process that is writing; changes become visible every `commit_every` articles.
        `progress(done, total)` is called as the work goes: in pages, or in bytes when WARC
        files are among the input (a loose page then counts as its size).
        """
        from .indexer import update_index  # extraction is loaded only by what indexes

        self.close()
        extra = self.alias_file if os.path.isfile(self.alias_file) else None
        return update_index(
            self.path,
            paths,
            jobs=jobs,
            prune=prune,
            progress=progress,
            aliases=extra,
            wait=wait,
            commit_every=commit_every,
            rebuild=rebuild,
            reextract=reextract,
            engine=engine,
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
        facets: bool = False,
        collapse: bool = True,
        variants: bool = True,
        as_of: datetime | None = None,
    ) -> SearchResults:
        """Search the index.

        `query` uses the query language of the README (an empty query lists every article);
        `since`/`until` bound the publication date, inclusive (`2024`, `2024-07`, `2024-07-04`
        or an expression such as "last week", relative to `as_of`, default now). `facets` adds
        counts by site, section, month and top entities over all matching articles; `collapse`
        shows syndicated copies of a story as one hit that lists the others; `variants` lets a
        plain word match its inflected forms (a quoted word matches only itself). When nothing
        matches, `suggestion` may hold a respelt query. Raises QueryError.
        """
        if sort not in SORTS:
            raise QueryError(f"Unknown sort {sort!r}: use one of {', '.join(SORTS)}.")
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"The limit must be between 1 and {MAX_LIMIT}.")
        if page < 1:
            raise QueryError("The page number starts at 1.")
        start, stop = date_range(since, until, as_of=as_of)
        options = SearchOptions(
            self.aliases.expand(parse_query(query, as_of=as_of)),
            query or "",
            start,
            stop,
            limit,
            page,
            sort,
            facets=facets,
            collapse=collapse,
            variants=variants,
        )

        def work(catalog, engine) -> SearchResults:
            results = searching.run_search(catalog, engine, options)
            if results.total == 0 and query and query.strip():
                results.suggestion = searching.suggest(engine, query)
            return results

        results = self._with_reader(work)
        if results is None:  # a new index that holds nothing yet
            return SearchResults(query or "", 0, page, limit, articles=0)
        return results

    def entities(
        self,
        query: str | None = None,
        *,
        kind: str | None = None,
        limit: int = 20,
        as_of: datetime | None = None,
    ) -> dict[str, list[FacetValue]]:
        """The most mentioned people, organisations and places, with how many of the
        articles matching `query` (all articles when it is empty) name each."""
        kinds = (kind,) if kind else ENTITY_KINDS
        if kind is not None and kind not in ENTITY_KINDS:
            raise QueryError(f"Unknown entity kind {kind!r}: use person, org or place.")
        options = SearchOptions(
            self.aliases.expand(parse_query(query, as_of=as_of)),
            query or "",
            limit=1,
            facets=True,
            collapse=False,
            facet_limit=limit,
        )
        found = self._with_reader(
            lambda catalog, engine: searching.run_search(catalog, engine, options)
        )
        facets = (found.facets if found is not None else None) or {}
        return {name: facets.get(name, []) for name in kinds}

    def _stored(self, doc_id: str):
        catalog = self._open().catalog
        key = catalog.key_of(doc_id)
        found = catalog.get([key]) if key is not None else {}
        if key is not None and key in found:
            return found[key]
        version = captures.stored_version(catalog, doc_id)
        if version is None:
            raise ArticleNotFoundError(f"No article with id {doc_id!r} in this index.")
        return version

    def similar(self, doc_id: str, *, limit: int = 10) -> SearchResults:
        """Articles most like the one with this id (more like this); its copies left out."""
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"The limit must be between 1 and {MAX_LIMIT}.")
        stored = self._stored(doc_id)
        catalog, engine = self._reader()
        return searching.similar(catalog, engine, stored, limit)

    def explain(self, query: str | None, *, as_of: datetime | None = None) -> str:
        """How a query is understood: its words, phrases, fields, spellings and date bounds."""
        return explain(self.aliases.expand(parse_query(query, as_of=as_of)))

    def source(self, doc_id: str) -> dict | None:
        """Where the article with this id came from (file, or WARC file, offset, length,
        record id and capture date), or None."""
        try:
            return self._stored(doc_id).source
        except ArticleNotFoundError:
            return None

    def history(self, doc_id: str) -> dict:
        """The captures of an article's URL: `captures`, when its text was captured (oldest
        first), and `versions`, every text the URL had (id and capture date, oldest first; the
        last is the article searches find). Both are empty for a loose file."""
        catalog = self._open().catalog
        with catalog.snapshot():
            state = catalog.source_of(doc_id) or captures.version_source(catalog, doc_id)
            if state is None or not state.url or not state.text_digest:
                return {"captures": [], "versions": []}
            return {
                "captures": captures.capture_dates(catalog, state.url, state.text_digest),
                "versions": captures.versions(catalog, state.url),
            }

    def article(self, doc_id: str) -> Article | None:
        """The stored article with this id (as shown in search hits), or None."""
        try:
            return self._stored(doc_id).article
        except ArticleNotFoundError:
            return None

    def source_bytes(self, doc_id: str) -> bytes:
        """The saved page an article came from: its file (un-gzipped), or the HTTP payload of
        its WARC record (read by seeking to the record)."""
        return self.source_payload(doc_id)[0]

    def source_payload(self, doc_id: str) -> tuple[bytes, str]:
        """The saved page an article came from and the charset it is written in."""
        from .extract.decode import decode_page
        from .pagework import read_page_bytes
        from .warc.records import read_record_at

        catalog = self._open().catalog
        state = catalog.source_of(doc_id) or captures.version_source(catalog, doc_id)
        if state is None:
            raise ArticleNotFoundError(f"No article with id {doc_id!r} in this index.")
        try:
            if state.is_record:
                record = read_record_at(state.path, state.offset)
                data, charset = record.payload, record.charset
            else:
                data, charset = read_page_bytes(state.path), None
        except OSError as error:
            where = f"{state.path} at offset {state.offset}" if state.is_record else state.path
            raise ArticleNotFoundError(
                f"The saved page is no longer readable at {where}: {error}"
            ) from error
        _text, encoding = decode_page(data, charset)
        return data, encoding

    def highlight(self, query: str | None, text: str) -> list[Snippet]:
        """`text` as paragraphs with what `query` matches marked (an article view's body)."""
        tree = self.aliases.expand(parse_query(query)) if query and query.strip() else None
        if tree is None:
            return [Snippet(p) for p in text.split("\n\n") if p.strip()]
        return searching.highlight(tree, text)

    def failures(self) -> list[Failure]:
        """The files (and WARC records, with their offset) of this index that could not be
        indexed when last read, with the reason (they are tried again on the next run)."""
        return [
            Failure(state.path, state.reason or "", state.offset if state.is_record else None)
            for state in self._open().catalog.failures()
        ]

    def count(self) -> int:
        """How many articles searches see: those of the engine's last commit."""
        _catalog, engine = self._reader()
        return engine.count() if engine is not None else 0

    def close(self) -> None:
        """Release the index files."""
        if self._folder is not None:
            self._folder.close()
            self._folder = None

    def __enter__(self) -> NewsIndex:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
