"""The search engine on Whoosh (Whoosh-Reloaded 2.7.5), searchnews' default engine.

How the contract maps onto Whoosh:

* the schema and the durable storage are in `whoosh_storage`; every pickle Whoosh loads goes
  through `safe_pickle` (installed when this module is imported);
* `whoosh_query.compile_node` turns a query tree into whoosh.query objects: it defines what a
  tree matches and how it scores (Whoosh's BM25F; ranges and match-alls score 0, prefixes
  their boost);
* a search evaluates the tree per segment with numpy (`whoosh_segment.Segment`), from what
  Whoosh's readers and matchers return, to the same matches and scores: totals must be exact,
  so every match is visited once anyway, and numpy then counts facets and picks a page
  without a Python loop per match;
* ties go to the smaller key in every order; date orders read the `newest` / `oldest` columns;
* a reader is one commit (`_Commit`): the segments of the searcher `refresh` opened, with a
  pool of searchers on exactly those segments. A Whoosh reader reads its files through shared
  file positions, so each concurrent search takes a searcher of its own from the pool. New
  searchers are opened on the commit's segments or, by `refresh`, on the last TOC; never with
  `Searcher.refresh()` or `reader(reuse=...)`, which in 2.7.5 keep the old reader's segments;
* `refresh` pins the last commit for the calling thread: a search sees the commit its own
  thread last refreshed to, whatever other threads do meanwhile.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from whoosh import scoring
from whoosh.index import EmptyIndexError, LockError
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from ..errors import EngineError, IndexLockedError
from . import safe_pickle
from .base import (
    MULTI_NUMBER_FIELDS,
    NUMBER_FIELDS,
    SORTS,
    Engine,
    EngineDocument,
    Node,
    SearchPage,
    SearchRequest,
)
from .whoosh_query import compile_node, text_field
from .whoosh_segment import EMPTY_IDS, PostingsCache, Result, Segment
from .whoosh_storage import (
    ABSENT,
    KEY,
    DurableStorage,
    build_schema,
    check_schema,
    document_fields,
    number_field,
    reading,
    retrying,
    sync_path,
    values_field,
)

safe_pickle.install()

_RECENT = 16  # match sets kept per commit
_IDLE = 4  # searchers kept open per commit between searches


class _Commit:
    """One commit of the index: its segments, the searchers open on them, and what searches
    computed from them (shared by every searcher of the commit)."""

    def __init__(
        self, index: Any, folder: str, searcher: Any, cache: dict, postings: PostingsCache
    ) -> None:
        self.index = index
        self.folder = folder
        self.cache = cache
        self.postings = postings
        reader = searcher.reader()
        self.generation = reader.generation()
        self.segments = list(reader.segments() or [])
        self.schema = searcher.schema
        self.count = searcher.doc_count()
        self.columns: dict[str, np.ndarray] = {}
        self.coded: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]] = {}
        # Recent match sets: the next page of a query, or its facets, come from here.
        self.recent: OrderedDict[tuple[Node, bool], Result] = OrderedDict()
        self.lock = threading.Lock()
        self.retired = False
        self.idle = [_View(searcher, self)]

    def up_to_date(self) -> bool:
        """Whether this is still the index's last commit."""
        return self.generation is not None and self.index.latest_generation() == self.generation

    def _open_searcher(self) -> Any:
        """A new searcher on exactly this commit's segments."""
        readers: list[Any] = []
        try:
            for segment in self.segments:
                readers.append(
                    SegmentReader(self.index.storage, self.schema, segment, self.generation)
                )
        except BaseException:
            for reader in readers:
                reader.close()
            raise
        if not readers:
            reader = EmptyReader(self.schema)
        elif len(readers) == 1:
            reader = readers[0]
        else:
            reader = MultiReader(readers, generation=self.generation)
        return Searcher(reader, weighting=scoring.BM25F(), fromindex=self.index)

    @contextmanager
    def view(self) -> Iterator[_View]:
        """A searcher of this commit that no other search is using, for one search."""
        with self.lock:
            view = self.idle.pop() if self.idle else None
        if view is None:
            with reading(self.folder):
                view = _View(self._open_searcher(), self)
        try:
            yield view
        except BaseException:
            view.close()  # a search that failed halfway may have left its files anywhere
            raise
        with self.lock:
            keep = not self.retired and len(self.idle) < _IDLE
            if keep:
                self.idle.append(view)
        if not keep:
            view.close()

    def retire(self) -> None:
        """Close the idle searchers; those in use close when their search ends."""
        with self.lock:
            self.retired = True
            idle, self.idle = self.idle, []
        for view in idle:
            view.close()

    def recent_matches(self, entry: tuple[Node, bool]) -> Result | None:
        with self.lock:
            found = self.recent.get(entry)
            if found is not None:
                self.recent.move_to_end(entry)
            return found

    def remember(self, entry: tuple[Node, bool], found: Result) -> None:
        with self.lock:
            self.recent[entry] = found
            if len(self.recent) > _RECENT:
                self.recent.popitem(last=False)


class _View:
    """One Whoosh searcher of a commit, used by one search at a time."""

    def __init__(self, searcher: Any, commit: _Commit) -> None:
        self.searcher = searcher
        self.commit = commit
        self.size = searcher.doc_count_all()
        self.leaves = []
        statistics: dict = {}  # BM25F's per-term statistics, shared by the segments
        if self.size:
            self.leaves = [
                Segment(leaf, at, commit.cache, commit.postings, statistics)
                for leaf, at in searcher.leaf_searchers()
            ]

    def close(self) -> None:
        self.searcher.close()

    def matches(self, node: Node, scored: bool) -> Result:
        """Global docnums (sorted) of the live documents matching `node`, with scores."""
        for entry in ((node, scored), (node, True)):
            found = self.commit.recent_matches(entry)
            if found is not None:
                ids, scores = found
                return ids, (scores if scored else None)
        found = self._evaluate(node, scored)
        self.commit.remember((node, scored), found)
        return found

    def _evaluate(self, node: Node, scored: bool) -> Result:
        parts = [(leaf, leaf.evaluate(node, scored)) for leaf in self.leaves]
        ids = np.concatenate([found + leaf.offset for leaf, (found, _) in parts] or [EMPTY_IDS])
        scores = np.concatenate([s for _, (_, s) in parts] or [np.zeros(0)]) if scored else None
        return ids, scores

    def column(self, field: str) -> np.ndarray:
        """A single-valued column over every docnum (uint64, ABSENT where none)."""
        found = self.commit.columns.get(field)
        if found is None:
            parts = [leaf.numbers(field) for leaf in self.leaves]
            found = np.concatenate(parts or [np.zeros(0, np.uint64)])
            self.commit.columns[field] = found
        return found

    def _coded(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(distinct values, code of each entry, docnum of each entry or None: one per doc)."""
        found = self.commit.coded.get(name)
        if found is None:
            owners = None
            if name in MULTI_NUMBER_FIELDS:
                lists = [leaf.value_lists(values_field(name)) for leaf in self.leaves]
                owners = np.concatenate(
                    [docs + leaf.offset for leaf, (docs, _) in zip(self.leaves, lists, strict=True)]
                    or [EMPTY_IDS]
                )
                values = np.concatenate([v for _, v in lists] or [np.zeros(0, np.uint64)])
            else:
                values = self.column(number_field(name))
            distinct, codes = np.unique(values, return_inverse=True)
            found = (distinct, codes.reshape(-1), owners)
            self.commit.coded[name] = found
        return found

    def facet(self, name: str, ids: np.ndarray, limit: int | None) -> list[tuple[int, int]]:
        """Counts of `name`'s values over the documents `ids`: most first, then smaller value."""
        distinct, codes, owners = self._coded(name)
        if owners is None:
            counts = np.bincount(codes[ids], minlength=len(distinct))
        else:
            matched = np.zeros(self.size, dtype=bool)
            matched[ids] = True
            counts = np.bincount(codes[matched[owners]], minlength=len(distinct))
        if len(distinct) and distinct[-1] == ABSENT:
            counts[-1] = 0
        present = np.flatnonzero(counts)
        # Distinct values are sorted: among equal counts the smaller index is the smaller value.
        order = present[np.lexsort((present, -counts[present]))]
        if limit is not None:
            order = order[: max(limit, 0)]
        return list(zip(distinct[order].tolist(), counts[order].tolist(), strict=True))

    def page(self, ids: np.ndarray, primary: np.ndarray, offset: int, limit: int) -> tuple:
        """Positions into `ids` of one page in `primary` order (ascending), ties by smaller
        key, and the keys of that page."""
        end = offset + limit
        chosen = np.arange(len(ids))
        if end < len(ids):
            # Only the first `end` can make the page, with every tie of the last of them.
            chosen = np.flatnonzero(primary <= np.partition(primary, end - 1)[end - 1])
        keys = self.column(KEY)[ids[chosen]]
        order = np.lexsort((keys, primary[chosen]))[offset:end]
        return chosen[order], keys[order]

    def relevance_page(self, ids: np.ndarray, scores: np.ndarray, offset: int, limit: int):
        at, keys = self.page(ids, -scores, offset, limit)
        return list(zip(keys.tolist(), scores[at].tolist(), strict=True))

    def date_page(self, ids: np.ndarray, sort: str, offset: int, limit: int):
        primary = self.column(number_field(sort))[ids]
        if sort == "newest":
            # Reversed below ABSENT, which stays last: undated last in both orders.
            primary = np.where(primary == ABSENT, primary, np.uint64(ABSENT - 1) - primary)
        _, keys = self.page(ids, primary, offset, limit)
        return [(key, 0.0) for key in keys.tolist()]


# ---- the engine ----


class WhooshEngine(Engine):
    """A searchnews index in Whoosh: one folder, one writer at a time, point-in-time readers."""

    name = "whoosh"

    def __init__(self, folder: str, index: Any, storage: DurableStorage) -> None:
        self.folder = folder
        self.index = index
        self.storage = storage
        self.writer: Any = None
        # key -> add_document fields, or None for a deletion: Whoosh cannot replace or delete
        # a document added by a writer that has not committed yet, so changes wait here.
        self.staged: dict[int, dict[str, Any] | None] = {}
        self.segment_cache: dict[tuple[str, str, str], Any] = {}
        self.postings = PostingsCache()
        self.latest = self._last_commit()
        self.refreshing = threading.Lock()
        self.pinned = threading.local()  # .commit: the commit this thread last refreshed to

    @classmethod
    def create(cls, folder: str) -> WhooshEngine:
        """Make an empty index in `folder` (created if missing)."""
        folder = os.path.abspath(folder)
        os.makedirs(folder, exist_ok=True)
        sync_path(os.path.dirname(folder))
        storage = DurableStorage(folder)
        return cls(folder, storage.create_index(build_schema()), storage)

    @classmethod
    def open(cls, folder: str) -> WhooshEngine:
        """Open the index in `folder`; raises EngineError when there is none."""
        folder = os.path.abspath(folder)
        missing = EngineError(f"No search index in {folder}: build one with `searchnews index`.")
        if not os.path.isdir(folder):
            raise missing
        storage = DurableStorage(folder)
        try:
            index = retrying(folder, storage.open_index)
        except EngineError as exc:
            if isinstance(exc.__cause__, EmptyIndexError):
                raise missing from None
            raise
        with reading(folder):
            check_schema(index.schema, folder)
        return cls(folder, index, storage)

    # -- writing --

    def _writer(self) -> Any:
        if self.writer is None:
            try:
                self.writer = self.index.writer()
            except LockError:
                raise IndexLockedError(
                    f"Another process is writing to the index in {self.folder}."
                ) from None
        return self.writer

    def upsert(self, documents: Iterable[EngineDocument]) -> None:
        """Add documents, replacing any with the same key (staged until `commit`)."""
        prepared = [document_fields(doc) for doc in documents]
        self._writer()
        for fields in prepared:
            self.staged[fields[KEY]] = fields

    def delete(self, keys: Iterable[int]) -> None:
        """Remove the documents with these keys, if present (staged until `commit`)."""
        keys = [int(key) for key in keys]
        self._writer()
        for key in keys:
            if 0 < key < ABSENT:  # no other key can be in the index
                self.staged[key] = None

    def commit(self) -> None:
        """Make staged changes durable (files and folder synced) and visible on `refresh`."""
        if self.writer is None:
            return
        writer, self.writer = self.writer, None
        staged, self.staged = self.staged, {}
        try:
            for key, fields in staged.items():
                writer.delete_by_term(KEY, key)
                if fields is not None:
                    writer.add_document(**fields)
            writer.commit()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        self.storage.sync_folder()

    def rollback(self) -> None:
        """Drop staged changes."""
        writer, self.writer = self.writer, None
        self.staged = {}
        if writer is not None and not writer.is_closed:
            writer.cancel()

    # -- reading --

    def _last_commit(self) -> _Commit:
        searcher = retrying(self.folder, lambda: self.index.searcher(weighting=scoring.BM25F()))
        return _Commit(self.index, self.folder, searcher, self.segment_cache, self.postings)

    def _commit_seen(self) -> _Commit:
        return getattr(self.pinned, "commit", None) or self.latest

    def refresh(self) -> None:
        """Make this reader see exactly the last commit (a no-op when nothing changed)."""
        with self.refreshing:
            with reading(self.folder):
                current = self.latest.up_to_date()
            if not current:
                previous, self.latest = self.latest, self._last_commit()
                previous.retire()
                segments = {seg.segment_id(): seg.deleted_count() for seg in self.latest.segments}
                for entry in list(self.segment_cache):
                    segment, kind, field = entry
                    if segment not in segments or (
                        kind == "live" and field != str(segments[segment])
                    ):
                        self.segment_cache.pop(entry, None)
                self.postings.keep(segments)
            self.pinned.commit = self.latest

    def search(self, request: SearchRequest) -> SearchPage:
        """One page of matches as of the last `refresh`."""
        if request.sort not in SORTS:
            raise ValueError(f"unknown sort {request.sort!r}: use one of {', '.join(SORTS)}")
        for name, _ in request.facets:
            if name not in NUMBER_FIELDS:
                raise ValueError(f"{name!r} is not an integer field")
        compile_node(request.query)  # checks the fields before any file is read
        offset, limit = max(request.offset, 0), max(request.limit, 0)
        scored = request.sort == "relevance" and limit > 0
        with self._commit_seen().view() as view, reading(self.folder):
            ids, scores = view.matches(request.query, scored)
            facets = {name: view.facet(name, ids, most) for name, most in request.facets}
            hits: list[tuple[int, float]] = []
            if limit and offset < len(ids):
                if scored:
                    hits = view.relevance_page(ids, scores, offset, limit)
                else:
                    hits = view.date_page(ids, request.sort, offset, limit)
        return SearchPage(hits=hits, total=len(ids), facets=facets)

    def scan(self, query: Node) -> Iterator[int]:
        """Every matching key, in no particular order, without scoring."""
        compile_node(query)
        with self._commit_seen().view() as view, reading(self.folder):
            parts = [leaf.numbers(KEY)[leaf.evaluate(query, False)[0]] for leaf in view.leaves]
        return (key for part in parts for key in part.tolist())

    def count(self) -> int:
        """How many documents the index holds as of the last `refresh`."""
        return self._commit_seen().count

    def doc_frequency(self, field: str, token: str) -> int:
        """How many documents hold `token` in the text field `field`."""
        text_field(field)
        with self._commit_seen().view() as view, reading(self.folder):
            return sum(leaf.doc_frequency(field, token) for leaf in view.leaves)

    def terms(self, field: str, prefix: str, limit: int = 100) -> list[tuple[str, int]]:
        """Tokens of a text field that start with `prefix`, in token order, with their
        document frequencies."""
        text_field(field)
        found: list[tuple[str, int]] = []
        if limit <= 0:
            return found
        with self._commit_seen().view() as view, reading(self.folder):
            for raw in view.searcher.reader().expand_prefix(field, prefix):
                token = raw.decode("utf-8")
                frequency = sum(leaf.doc_frequency(field, token) for leaf in view.leaves)
                if frequency:
                    found.append((token, frequency))
                    if len(found) >= limit:
                        break
        return found

    def close(self) -> None:
        """Release files, readers and any writer (staged changes are dropped)."""
        self.rollback()
        self.latest.retire()
        self.segment_cache.clear()
        self.postings.keep({})


ENGINE = WhooshEngine
