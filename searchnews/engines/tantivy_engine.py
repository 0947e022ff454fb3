"""The search engine on tantivy (the official Python bindings, 0.27).

Texts arrive analysed: text fields use tantivy's built-in "whitespace" tokenizer, which keeps
tokens as they are (no lower-casing, stemming or length limit) at consecutive positions. Integer
fields are unsigned, indexed and fast, named `n_<field>` ("site" and "section" are also text
fields). Ranges and AllNode add no score, a prefix scores its boost, terms and phrases score
by BM25. tantivy breaks ties by document address: pages are fetched deeper and ties go to the
smaller key here. A reader is a searcher of a reader with the "manual" reload policy. Deleted
documents count in tantivy's term statistics (`Searcher.doc_freq`, and `terms_with_prefix`
without a filter) until a merge drops them: `doc_frequency` counts matches instead, and `terms`
asks for counts over live documents.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from itertools import islice, takewhile

import tantivy
from tantivy import FieldType, Occur, Order, Query

from ..errors import EngineError, IndexBusyError, IndexLockedError
from .base import (
    NUMBER_FIELDS,
    SORTS,
    STEMMED_FIELDS,
    TEXT_FIELDS,
    Engine,
    EngineDocument,
    Node,
    SearchPage,
    SearchRequest,
)
from .tantivy_query import compile_node, constant_score, number_field, text_field, unscored

KEY = "key"
TOKENIZER = "whitespace"
WRITER_HEAP = 100_000_000
WRITER_THREADS = 2
# Documents (or keys) per delete-by-query in upsert and delete; keys per query in scan.
BATCH = 10_000
SCAN_CHUNK = 20_000
# Matches read in key order, at first, for the ties at the end of a page; stretches read.
TIE_STRETCH = 64
TIE_ROUNDS = 3
# The most buckets one tantivy aggregation may return (its default bucket limit).
MAX_BUCKETS = 65_000
# Terms a terms aggregation keeps per segment: all of them, so that counts are exact.
SEGMENT_SIZE = 2**31 - 1
Hits = list[tuple[int, float]]
Counts = list[tuple[int, int]]


def build_schema(stem_positions: bool = False) -> tantivy.Schema:
    """The schema of a searchnews tantivy index. Stemmed forms are only ever searched word by
    word, so they keep no positions; indexes made before kept them (`stem_positions`)."""
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field(KEY, stored=True, indexed=True, fast=True)
    for field in TEXT_FIELDS:
        option = "position" if stem_positions or field not in STEMMED_FIELDS else "freq"
        builder.add_text_field(field, tokenizer_name=TOKENIZER, index_option=option)
    for field in NUMBER_FIELDS:
        builder.add_unsigned_field(number_field(field), indexed=True, fast=True)
    return builder.build()


def _sync_folder(folder: str) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# ---- pages and counts over one searcher ----


class _View:
    """Searches over one searcher (one point in time)."""

    def __init__(self, searcher: tantivy.Searcher, schema: tantivy.Schema) -> None:
        self.searcher = searcher
        self.schema = schema

    def by_key(self, query: Query, limit: int, offset: int = 0, order=Order.Asc) -> list[int]:
        """Keys of matches in key order, unscored."""
        found = self.searcher.search(
            query, limit, count=False, order_by_field=KEY, order=order, offset=offset
        )
        return [key for key, _address in found.hits]

    def relevance_page(self, query: Query, node: Node, offset: int, limit: int) -> tuple[Hits, int]:
        wanted = offset + limit
        constant = constant_score(node)
        fetch = 1 if constant or limit == 0 else wanted + max(16, wanted // 2)
        result = self.searcher.search(query, fetch, count=True)
        hits, total = result.hits, result.count
        if limit == 0 or offset >= total:
            return [], total
        if constant:
            return [(key, hits[0][0]) for key in self.by_key(query, limit, offset)], total
        # Every match scoring above the last hit is among the hits. When the page's last score
        # goes on past them, its ties may be anywhere: the first of them by key are looked
        # for in key order, or else every match is fetched.
        if len(hits) == fetch and hits[-1][0] >= hits[wanted - 1][0]:
            boundary = hits[wanted - 1][0]
            above = [hit for hit in hits if hit[0] > boundary]
            ties = self._first_ties(query, boundary, wanted - len(above))
            if ties is not None:
                ranked = self._ranked(above) + [(key, boundary) for key in ties]
                return ranked[offset:wanted], total
            hits = self.searcher.search(query, total, count=False).hits
        boundary = hits[min(wanted, len(hits)) - 1][0]
        return self._ranked(takewhile(lambda hit: hit[0] >= boundary, hits))[offset:wanted], total

    def _ranked(self, hits: Iterable[tuple[float, object]]) -> Hits:
        """(key, score) of (score, address) hits, best first, ties by smaller key."""
        hits = list(hits)
        keys = self.searcher.fast_field_values(KEY, [address for _score, address in hits])
        ranked = [(key, score) for key, (score, _address) in zip(keys, hits, strict=True)]
        ranked.sort(key=lambda hit: (-hit[1], hit[0]))
        return ranked

    def _first_ties(self, query: Query, score: float, needed: int) -> list[int] | None:
        """The `needed` smallest keys of the matches scoring exactly `score`, read in key
        order a few growing stretches at a time (each scored on its own: a key range adds
        no score); None when they are too sparse to be found so."""
        found: list[int] = []
        offset, stretch = 0, max(TIE_STRETCH, 4 * needed)
        for _round in range(TIE_ROUNDS):
            keys = self.by_key(query, stretch, offset)
            if not keys:  # fewer ties than the first fetch held: scores did not compare equal
                return None
            span = Query.range_query(self.schema, KEY, FieldType.Unsigned, keys[0], keys[-1])
            within = Query.boolean_query([(Occur.Must, query), (Occur.Must, unscored(span))])
            hits = self.searcher.search(within, len(keys), count=False).hits
            tied = [address for hit_score, address in hits if hit_score == score]
            found += sorted(self.searcher.fast_field_values(KEY, tied))
            if len(found) >= needed:
                return found[:needed]
            offset, stretch = offset + stretch, stretch * 4
        return None

    def date_page(self, query: Query, sort: str, offset: int, limit: int) -> tuple[Hits, int]:
        field, wanted = number_field(sort), offset + limit
        order, sign = (Order.Desc, -1) if sort == "newest" else (Order.Asc, 1)
        result = self.searcher.search(
            query, max(wanted, 1), count=True, order_by_field=field, order=order
        )
        if limit == 0 or not result.hits:
            return [], result.count

        def rank(value: int | None) -> tuple[int, int]:
            # tantivy puts documents without a value last in both orders; so does this.
            return (1, 0) if value is None else (0, sign * value)

        values = [value for value, _address in result.hits]
        keys = self.searcher.fast_field_values(KEY, [address for _, address in result.hits])
        found = [(rank(value), key, value) for value, key in zip(values, keys, strict=True)]
        if len(found) == wanted:
            # The first `wanted` values are right, not which of the documents tied at the
            # last value made it: take the ties again, by smaller key.
            last, _key, value = max(found)
            found = [item for item in found if item[0] < last]
            if value is None:
                same = (Occur.MustNot, Query.exists_query(field))
            else:
                exact = Query.range_query(self.schema, field, FieldType.Unsigned, value, value)
                same = (Occur.Must, unscored(exact))
            ties = Query.boolean_query([(Occur.Must, query), same])
            found += [(last, key, value) for key in self.by_key(ties, wanted - len(found))]
        found.sort()
        return [(key, 0.0) for _rank, key, _value in found[offset:wanted]], result.count

    def facets(self, query: Query, wanted: Iterable[tuple[str, int | None]]) -> dict[str, Counts]:
        """Counts per value of several fields: one aggregation for all of them, then again,
        with more buckets, for a field whose ties at the limit may have been cut."""
        sizes = {
            field: MAX_BUCKETS if limit is None else min(MAX_BUCKETS, 2 * limit + 10)
            for field, limit in wanted
            if limit is None or limit > 0
        }
        limits = dict(wanted)
        found = {field: [] for field, limit in limits.items() if limit is not None and limit <= 0}
        while sizes:
            request = {
                field: {
                    "terms": {
                        "field": number_field(field),
                        "size": size,
                        "segment_size": SEGMENT_SIZE,
                    }
                }
                for field, size in sizes.items()
            }
            answers = self.searcher.aggregate(query, request)
            for field, size in list(sizes.items()):
                answer, limit = answers[field], limits[field]
                counts = [(int(b["key"]), int(b["doc_count"])) for b in answer["buckets"]]
                counts.sort(key=lambda item: (-item[1], item[0]))
                # Values left out count at most as much as the last one returned: when that
                # is less than the count at the limit, no tie at the limit was left out.
                complete = not answer.get("sum_other_doc_count")
                if complete or (limit is not None and counts[-1][1] < counts[limit - 1][1]):
                    found[field] = counts[:limit]
                    del sizes[field]
                elif size >= MAX_BUCKETS:
                    counts = self.all_counts(query, number_field(field))
                    counts.sort(key=lambda item: (-item[1], item[0]))
                    found[field] = counts[:limit]
                    del sizes[field]
                else:
                    sizes[field] = min(MAX_BUCKETS, size * 4)
        return found

    def all_counts(self, query: Query, field: str) -> Counts:
        """Every value's count, by histograms over ranges of values few enough for one."""
        stats = self.searcher.aggregate(query, {"s": {"stats": {"field": field}}})["s"]
        if stats["min"] is None:
            return []
        counts: Counts = []
        ranges = [(int(stats["min"]), int(stats["max"]))]
        while ranges:
            low, high = ranges.pop()
            bounds = {"min": low, "max": high}
            request = {"field": field, "interval": 1, "min_doc_count": 1, "hard_bounds": bounds}
            try:
                answer = self.searcher.aggregate(query, {"h": {"histogram": request}})["h"]
            except ValueError as exc:
                if "bucket limit" not in str(exc) or low == high:
                    raise
                ranges += [(low, (low + high) // 2), ((low + high) // 2 + 1, high)]
                continue
            counts += [(int(b["key"]), int(b["doc_count"])) for b in answer["buckets"]]
        return counts

    def scan(self, query: Query) -> Iterator[int]:
        first, last = self.by_key(query, 1), self.by_key(query, 1, order=Order.Desc)
        low, width = (first[0] if first else 1), SCAN_CHUNK
        # Keys are unique, so a range of `width` keys holds at most `width` matches; ranges
        # widen while they hold few matches and narrow when one might hold more than a chunk.
        while last and low <= last[0]:
            high = min(low + width - 1, last[0])
            keys = Query.range_query(
                self.schema, KEY, FieldType.Unsigned, low, high, use_inverted_index=True
            )
            found = self.by_key(
                Query.boolean_query([(Occur.Must, query), (Occur.Must, keys)]), SCAN_CHUNK
            )
            if len(found) >= SCAN_CHUNK and width > SCAN_CHUNK:
                width = max(SCAN_CHUNK, width // 2)
                continue
            yield from found
            low = high + 1
            if len(found) < SCAN_CHUNK // 4:
                width *= 2


# ---- the engine ----


def _chunks(items: Iterable, size: int = BATCH) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _document(document: EngineDocument) -> tantivy.Document:
    made = tantivy.Document()
    made.add_unsigned(KEY, document.key)
    for field, text in document.texts.items():
        if text:
            made.add_text(text_field(field), text)
    for field, values in document.numbers.items():
        name = number_field(field)
        # Once per distinct value, so that facets count a document once per value.
        for value in sorted(set(values)):
            made.add_unsigned(name, value)
    return made


class TantivyEngine(Engine):
    """A searchnews index in tantivy: one folder, one writer at a time, point-in-time readers."""

    name = "tantivy"

    def __init__(self, folder: str, index: tantivy.Index) -> None:
        self.folder = folder
        self.index: tantivy.Index | None = index
        self.schema = index.schema
        self.writer: tantivy.IndexWriter | None = None
        index.config_reader(reload_policy="manual")
        self._meta_stamp: tuple[int, int, int] | None = None
        self.view: _View | None = _View(index.searcher(), self.schema)

    @classmethod
    def create(cls, folder: str) -> TantivyEngine:
        """Make an empty index in `folder` (created if missing)."""
        folder = os.path.abspath(folder)
        os.makedirs(folder, exist_ok=True)
        if tantivy.Index.exists(folder):
            raise EngineError(f"{folder} already holds a search index: not replacing it.")
        try:
            index = tantivy.Index(build_schema(), path=folder, reuse=False)
        except ValueError as exc:
            raise EngineError(f"Could not make a search index in {folder}: {exc}") from exc
        _sync_folder(folder)
        _sync_folder(os.path.dirname(folder))
        return cls(folder, index)

    @classmethod
    def open(cls, folder: str) -> TantivyEngine:
        """Open the index in `folder`; raises EngineError when there is none."""
        folder = os.path.abspath(folder)
        if not os.path.isdir(folder) or not tantivy.Index.exists(folder):
            raise EngineError(f"No search index in {folder}: build one with `searchnews index`.")
        problem = None
        try:
            if not tantivy.Index.is_compatible(folder):
                problem = "was written by an incompatible version of tantivy"
            elif (index := tantivy.Index.open(folder)).schema not in (
                build_schema(),
                build_schema(stem_positions=True),
            ):
                problem = "has other fields than this version of searchnews expects"
        except ValueError as exc:
            problem = f"cannot be read ({exc})"
        if problem is not None:
            raise EngineError(
                f"The search index in {folder} {problem}: rebuild it with "
                "`searchnews index --rebuild`."
            )
        return cls(folder, index)

    def _open(self) -> tuple[tantivy.Index, _View]:
        if self.view is None or self.index is None:
            raise EngineError(f"The search index in {self.folder} is closed.")
        return self.index, self.view

    # -- writing --

    def _writer(self) -> tantivy.IndexWriter:
        if self.writer is None:
            try:
                self.writer = self._open()[0].writer(WRITER_HEAP, WRITER_THREADS)
            except ValueError as exc:
                if "LockBusy" in str(exc):
                    raise IndexLockedError(
                        f"Another process is writing to the search index in {self.folder}."
                    ) from exc
                raise EngineError(f"Cannot write to the index in {self.folder}: {exc}") from exc
        return self.writer

    def _delete_keys(self, writer: tantivy.IndexWriter, keys: list[int]) -> None:
        # delete_documents_by_term makes a signed term of a Python int, which matches nothing
        # in an unsigned field: a term set query takes the key field's type from the schema.
        writer.delete_documents_by_query(Query.term_set_query(self.schema, KEY, keys))

    def upsert(self, documents: Iterable[EngineDocument]) -> None:
        """Add documents, replacing any with the same key (staged until `commit`)."""
        for chunk in _chunks(documents):
            batch = {document.key: _document(document) for document in chunk}
            writer = self._writer()
            # A delete applies to the documents added before it, committed or not.
            self._delete_keys(writer, list(batch))
            for made in batch.values():
                writer.add_document(made)

    def delete(self, keys: Iterable[int]) -> None:
        """Remove the documents with these keys, if present (staged until `commit`)."""
        for chunk in _chunks(keys):
            self._delete_keys(self._writer(), chunk)

    def commit(self) -> None:
        """Make staged changes durable (files and folder synced) and visible on `refresh`."""
        writer, self.writer = self.writer, None
        if writer is None:
            return
        try:
            writer.commit()
            # tantivy 0.27 fsyncs each segment file as it finishes it and the folder before it
            # writes meta.json, which it writes to a temporary file, fsyncs and renames over
            # the old one, without syncing the folder after the rename (save_metas in
            # src/indexer/segment_updater.rs, atomic_write and sync_directory in
            # src/directory/mmap_directory/mod.rs): the rename is made durable here.
            _sync_folder(self.folder)
            # Dropping a writer abandons its merges, and the writer is dropped after every
            # commit to let go of tantivy's lock: wait for the merges this commit started.
            writer.wait_merging_threads()
            _sync_folder(self.folder)
        except ValueError as exc:
            raise EngineError(f"Could not commit to the index in {self.folder}: {exc}") from exc

    def rollback(self) -> None:
        """Drop staged changes."""
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.rollback()
            # Releases the writer (and tantivy's lock) now rather than when it is collected.
            writer.wait_merging_threads()

    # -- reading --

    def refresh(self) -> None:
        """Make this reader see exactly the last commit (a no-op when nothing changed)."""
        index = self._open()[0]
        # tantivy renames a new meta.json in on every commit: while it is the same file, the
        # searcher is already the last commit's (reloading costs far more than a stat).
        stamp = self._stamp()
        if stamp is not None and stamp == self._meta_stamp:
            return
        try:
            index.reload()
            searcher = index.searcher()
        except ValueError as exc:
            if self._stamp() != stamp:  # a commit's files went while they were being opened
                raise IndexBusyError(f"The index in {self.folder} is changing; try again.") from exc
            raise EngineError(
                f"The search index in {self.folder} cannot be read ({exc}): rebuild it with "
                "`searchnews index --rebuild`."
            ) from exc
        self.view = _View(searcher, self.schema)
        self._meta_stamp = stamp

    def _stamp(self) -> tuple[int, int, int] | None:
        """Which meta.json the folder holds (None when it holds none)."""
        try:
            meta = os.stat(os.path.join(self.folder, "meta.json"))
        except OSError:
            return None
        return (meta.st_ino, meta.st_mtime_ns, meta.st_size)

    def search(self, request: SearchRequest) -> SearchPage:
        """One page of matches as of the last `refresh`."""
        if request.sort not in SORTS:
            raise ValueError(f"unknown sort {request.sort!r}: use one of {', '.join(SORTS)}")
        if request.offset < 0 or request.limit < 0:
            raise ValueError("offset and limit must not be negative")
        view, query = self._open()[1], compile_node(self.schema, request.query)
        if request.sort == "relevance":
            hits, total = view.relevance_page(query, request.query, request.offset, request.limit)
        else:
            hits, total = view.date_page(query, request.sort, request.offset, request.limit)
        facets = view.facets(query, request.facets) if request.facets else {}
        return SearchPage(hits, total, facets)

    def scan(self, query: Node) -> Iterator[int]:
        """Every matching key, in no particular order, without scoring."""
        return self._open()[1].scan(compile_node(self.schema, query))

    def count(self) -> int:
        """How many documents the index holds as of the last `refresh`."""
        return self._open()[1].searcher.num_docs

    def doc_frequency(self, field: str, token: str) -> int:
        """How many documents hold `token` in the text field `field`."""
        term = Query.term_query(self.schema, text_field(field), token, index_option="basic")
        return self._open()[1].searcher.search(term, 1, count=True, order_by_field=KEY).count

    def terms(self, field: str, prefix: str, limit: int = 100) -> list[tuple[str, int]]:
        """Tokens of a text field that start with `prefix`, in token order, with their
        document frequencies."""
        searcher = self._open()[1].searcher
        if limit <= 0:
            return []
        # Most frequent first; with a filter, counts are of live documents only.
        found = searcher.terms_with_prefix(
            text_field(field), prefix, filter_query=Query.all_query()
        )
        return sorted((token, count) for token, count in found if count)[:limit]

    def close(self) -> None:
        """Release files, readers and any writer (staged changes are dropped)."""
        if self.index is None:
            return
        self.rollback()
        self.view = None
        self.index = None


ENGINE = TantivyEngine
