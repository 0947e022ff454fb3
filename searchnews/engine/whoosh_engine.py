"""The Whoosh engine: one index folder, a writer that commits atomically, and a searcher."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable
from contextlib import contextmanager

import numpy as np
from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.scoring import BM25F
from whoosh.writing import CLEAR, NO_MERGE, SegmentWriter

from ..errors import IndexLockedError, IndexNotFoundError
from ..models import Article, SearchResults, Snippet
from ..query import Query, Term, positive_leaves
from .base import Engine, EngineWriter, FileState, SearchRequest
from .codec import WriterCodec
from .doctable import DocTable
from .documents import article_from
from .schema import TEXT_FIELDS, build_schema
from .searching import hit_from, run_search
from .segments import (
    INDEX_NAME,
    MergeJob,
    SegmentBuilder,
    StagedSegment,
    adopt,
    clear_staging,
    plan_merge,
)
from .snippets import MatchPlan, fold, mark, plan_for
from .storage import MappedStorage
from .variants import WordVariants

log = logging.getLogger(__name__)

_QUERY_WORD = re.compile(r'(?<![:\w*"-])([^\W\d_]{3,})(?![\w:*])')
SKETCH_CANDIDATES = 10  # indexed bodies compared with a new one's sketch, most values shared first
_OPERATORS = {"OR", "AND", "NOT", "TO"}


def _missing_fields(schema) -> list:
    """The fields added since an index with this schema was made: its older documents simply
    have no value in them."""
    return [(name, field) for name, field in build_schema().items() if name not in schema]


class _SegmentWriter(SegmentWriter):
    """A Whoosh writer whose commit lists segments built elsewhere instead of the ones they
    replace."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self.adopted: list = []
        self.replaced: set[str] = set()

    def _commit_toc(self, segments) -> None:
        kept = [segment for segment in segments if segment.segment_id() not in self.replaced]
        super()._commit_toc(kept + self.adopted)


class WhooshWriter(EngineWriter):
    """Whoosh's writer holds an OS file lock, which the OS releases if the process dies: a lock
    left by a killed run is never stale. The lock is held from the first batch to the last."""

    def __init__(self, ix, wait: float = 0.0, clear: bool = False) -> None:
        self._ix = ix
        self._wait = wait
        self._clear = clear  # the first commit drops every earlier document (a rebuild)
        self._merging: set[str] = set()  # segments that a worker is merging
        self._writer = self._open()
        clear_staging(self._folder)

    @property
    def _folder(self) -> str:
        return self._ix.storage.folder

    def _commit(self) -> None:
        # Merges happen in the workers, planned by plan_merge(), not during the commit.
        self._writer.commit(mergetype=CLEAR if self._clear else NO_MERGE)
        self._clear = False

    def _open(self, lock=None):
        options = {"codec": WriterCodec(), "compound": False}
        if lock is not None:  # taken over from the writer of the batch before
            writer = _SegmentWriter(self._ix, _lk=False, **options)
            writer.writelock = lock
            return writer
        try:
            writer = _SegmentWriter(self._ix, timeout=self._wait, delay=0.25, **options)
        except LockError as error:
            waited = f" (waited {self._wait:g} s)" if self._wait else ""
            raise IndexLockedError(
                f"Another process is writing to this index{waited}: try again when it has "
                "finished, or wait for it with --wait SECONDS."
            ) from error
        for name, field in _missing_fields(writer.schema):  # the next commit records them
            writer.add_field(name, field)
        return writer

    def plan_merge(self) -> MergeJob | None:
        if self._clear:  # the old segments are about to go
            return None
        free = [s for s in self._writer.segments if s.segment_id() not in self._merging]
        job = plan_merge(free)
        if job is not None:
            self._merging.update(segment.segment_id() for segment in job.segments)
        return job

    def add_segment(self, segment: StagedSegment, *, replacing: Iterable[str] = ()) -> None:
        for path in replacing:
            self._writer.delete_by_term("path", path)
        writer = self._writer
        writer.adopted.append(adopt(segment, self._folder, writer.segments))
        if segment.merged is not None:
            ids = {old.segment_id() for old in segment.merged.segments}
            writer.replaced.update(ids)
            self._merging -= ids

    def delete(self, path: str) -> None:
        self._writer.delete_by_term("path", path)

    def commit(self) -> None:
        lock, self._writer.writelock = self._writer.writelock, None
        try:
            self._commit()
        except BaseException:
            self._writer.writelock = lock  # released when the caller closes the writer
            raise
        self._writer = self._open(lock)

    def close(self, *, commit: bool) -> None:
        if self._writer is None:
            return
        clear_staging(self._folder)  # while the lock is held: nobody else's segments are there
        try:
            if commit:
                self._commit()
            else:
                self._writer.cancel()
        finally:
            self._writer = None


class WhooshEngine(Engine):
    """An index folder in Whoosh format.

    Each thread keeps one searcher and opens a new one only when the index has changed, instead of
    opening the index's segments again for every query.
    """

    def __init__(self, ix) -> None:
        self._ix = ix
        self._local = threading.local()

    def _searcher(self):
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is not None and not searcher.up_to_date():
            local.doc_table = local.word_variants = None
            if searcher.doc_count_all():
                # Refreshing keeps the readers of unchanged segments; reopening everything after
                # each commit made a long indexing run's memory grow with every batch.
                searcher = searcher.refresh()
            else:  # Whoosh cannot refresh a reader of an empty index
                searcher.close()
                searcher = None
        if searcher is None:
            searcher = self._ix.searcher(weighting=BM25F())
            local.doc_table = local.word_variants = None
        local.searcher = searcher
        return searcher

    def _word_variants(self) -> WordVariants:
        """Word forms looked up in this thread's searcher, cached until the index changes."""
        local = self._local
        if getattr(local, "word_variants", None) is None:
            local.word_variants = WordVariants(local.searcher.reader())
        return local.word_variants

    def _doc_table(self) -> DocTable:
        """Arrays over this thread's searcher, cached until the index changes."""
        local = self._local
        if getattr(local, "doc_table", None) is None:
            local.doc_table = DocTable(local.searcher)
        return local.doc_table

    @classmethod
    def open(cls, path: str, *, create: bool = False) -> WhooshEngine:
        """Open the index in `path`; with `create`, make it if it is missing."""
        exists = os.path.isdir(path) and whoosh_index.exists_in(path, indexname=INDEX_NAME)
        if exists:
            return cls(MappedStorage(path).open_index(INDEX_NAME))
        if not create:
            raise IndexNotFoundError(
                f"No index in {path!r}: build one with `searchnews index CORPUS --index {path}`."
            )
        os.makedirs(path, exist_ok=True)
        return cls(MappedStorage(path).create_index(build_schema(), indexname=INDEX_NAME))

    def files(self) -> dict[str, FileState]:
        states = {}
        with self._ix.searcher() as searcher:
            for stored in searcher.all_stored_fields():
                record = stored["record"]
                states[stored["path"]] = FileState(
                    stored["path"], record["content_hash"], record["size"], record["mtime_ns"]
                )
        return states

    def writer(self, *, wait: float = 0.0, clear: bool = False) -> WhooshWriter:
        return WhooshWriter(self._ix, wait, clear)

    def segment_builder(self) -> SegmentBuilder:
        schema = self._ix.schema
        for name, field in _missing_fields(schema):
            schema.add(name, field)
        return SegmentBuilder(self._ix.storage.folder, schema)

    def count(self) -> int:
        # From the table of contents: Whoosh's doc_count() opens a reader on every segment, which
        # at the end of a long indexing run was the run's largest use of memory.
        return sum(segment.doc_count() for segment in self._ix._segments())

    def article(self, doc_id: str) -> Article | None:
        stored = self._searcher().document(id=doc_id)
        return article_from(stored) if stored else None

    def search(self, request: SearchRequest) -> SearchResults:
        self._searcher()
        variants = self._word_variants() if request.variants else None
        return run_search(self._doc_table(), request, variants)

    def similar(self, doc_id: str, limit: int = 10) -> SearchResults:
        searcher = self._searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return SearchResults(f"similar:{doc_id}", 0, 1, limit)
        stored = searcher.stored_fields(docnum)
        own_key = stored["duplicate"]
        text = f"{stored.get('headline', '')}\n{stored.get('body', '')}"
        found = searcher.more_like(docnum, "body", text=text, top=limit + 20, numterms=25)
        hits = []
        for hit in found:
            other = hit.fields()
            if other["duplicate"] == own_key or len(hits) >= limit:
                continue
            hits.append(hit_from(other, float(hit.score or 0.0), MatchPlan(), MatchPlan(), 1))
        return SearchResults(f"similar:{doc_id}", len(hits), 1, limit, hits)

    def source_path(self, doc_id: str) -> str | None:
        stored = self._searcher().document(id=doc_id)
        return stored["path"] if stored else None

    def highlight(self, query: Query, text: str) -> list[Snippet]:
        plan = plan_for(positive_leaves(query), "body")
        self._searcher()  # up to date before the word forms are read from it
        forms = self._word_variants()
        for leaf in positive_leaves(query):
            for word in fold(leaf.text) if isinstance(leaf, Term) and not leaf.prefix else ():
                if word in plan.terms:
                    plan.terms.update(forms("body", word))
        return [mark(paragraph, plan) for paragraph in text.split("\n\n") if paragraph.strip()]

    def suggest(self, text: str) -> str | None:
        changed = False
        searcher = self._searcher()
        corrector = searcher.corrector("body")

        def respell(match: re.Match) -> str:
            nonlocal changed
            word = match.group(1)
            folded = fold(word)
            if word in _OPERATORS or len(folded) != 1:
                return word
            if any(searcher.doc_frequency(field, folded[0]) for field in TEXT_FIELDS):
                return word
            # Candidates that share the first letter: a full scan of the lexicon is slow.
            options = corrector.suggest(folded[0], limit=1, maxdist=2, prefix=1)
            if not options:
                return word
            changed = True
            return options[0]

        respelled = _QUERY_WORD.sub(respell, text)
        return respelled if changed else None

    @contextmanager
    def sketch_lookup(self):
        """A lookup of the sketches indexed before now, on a searcher kept for the whole run.

        Documents added during the run are not its business (the caller remembers them); a
        snapshot also spares the run a searcher reopened after every commit. The candidates
        are the documents sharing the most sketch values, counted over the values' postings.
        """
        if self._ix.doc_count() == 0:
            yield lambda sketch: []
            return
        searcher = self._ix.searcher()
        table = DocTable(searcher)

        def lookup(sketch: tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
            holders = [table.postings("sketch", str(value).encode()).ids for value in sketch]
            holders = np.concatenate(holders) if holders else np.empty(0, dtype=np.int64)
            holders = holders[table.live[holders]]
            if not len(holders):
                return []
            documents, shared = np.unique(holders, return_counts=True)
            best = documents[np.argsort(-shared, kind="stable")[:SKETCH_CANDIDATES]]
            stored = [searcher.stored_fields(int(docnum)) for docnum in best]
            return [
                (fields["duplicate"], tuple(fields["record"].get("sketch", ())))
                for fields in stored
            ]

        try:
            yield lookup
        finally:
            searcher.close()

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None
        self._ix.close()
