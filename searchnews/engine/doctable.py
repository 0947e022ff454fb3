"""Per-document values of a searcher as arrays indexed by document number.

Searching scores, filters, sorts, collapses and counts with array operations over these instead
of stepping through Whoosh's matchers one document at a time, which is what made searches on
a large archive slow. Each array is read on first use and kept for the searcher's life.

Whoosh exposes no bulk access to its posting blocks and columns, so the readers below use its
codec's internals; the pinned version fixes them, and the tests compare every answer with
Whoosh's own matchers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from .schema import ENTITY_KINDS, ENTITY_SEPARATOR, FACET_COLUMNS

_LENGTH_OF_BYTE = np.array([byte_to_length(value) or 1 for value in range(256)], dtype=np.float32)


@dataclass
class Postings:
    """The documents holding a term (global numbers, ascending), its weight in each and, for
    phrases, each posting's encoded value (its positions)."""

    ids: np.ndarray
    weights: np.ndarray
    values: list
    frequency: int  # documents holding the term, including any left out of `ids`


def _weights(weights, count: int) -> np.ndarray:
    if weights is None:
        return np.ones(count, dtype=np.float32)
    if isinstance(weights, float):
        return np.full(count, weights, dtype=np.float32)
    return np.asarray(weights, dtype=np.float32)


def _blocks(matcher, wanted: np.ndarray | None):
    """(ids, weights, values) of a raw leaf matcher's postings, a block at a time; blocks that
    hold none of the `wanted` documents (if given) are skipped unread."""
    if isinstance(matcher, ListMatcher):  # a term with few postings, stored with its entry
        count = len(matcher._ids)
        values = matcher._values if matcher._values is not None else [None] * count
        yield np.asarray(matcher._ids, dtype=np.int64), _weights(matcher._weights, count), values
        return
    if not isinstance(matcher, W3LeafMatcher):  # an unknown format: one posting at a time
        ids, weights, values = [], [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            values.append(matcher.value())
            matcher.next()
        yield np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32), values
        return
    first = 0
    while matcher.is_active():
        last = matcher._maxid
        if wanted is not None and not wanted[first : last + 1].any():
            first = last + 1
            matcher._next_block()
            continue
        first = last + 1
        matcher._read_data()  # the block's ids (as gaps), weights and values, unpickled
        ids, weights, values = matcher._data
        count = matcher._blocklength
        ids = np.asarray(ids, dtype=np.int64)
        yield (
            ids if matcher._byteids else np.cumsum(ids),
            _weights(weights, count),
            values if values is not None else [None] * count,
        )
        matcher._next_block()


def _numbers(column, count: int) -> np.ndarray:
    """Every value of a numeric column as int64 (unsigned values past 2**63, which only
    placeholders reach, wrap to negatives)."""
    if not isinstance(column, NumericColumn.Reader):
        return np.fromiter(column, np.uint64, count).view(np.int64)
    stored = np.frombuffer(
        column._dbfile.get(column._basepos, column._count * column._fixedlen),
        dtype=np.dtype(column._typecode).newbyteorder(">"),
    )
    values = np.full(count, column._default, dtype=np.uint64 if column._default >= 0 else np.int64)
    values = values.view(np.int64)
    values[: len(stored)] = stored.astype(np.int64, casting="unsafe")
    return values


def stored_values(column) -> Iterable[bytes]:
    """Every value of a bytes column as stored (a compressing column's values stay compressed);
    one read of its data instead of one per document."""
    if not isinstance(column, VarBytesColumn.Reader):
        return column
    offsets, lengths = column._offsets, column._lengths
    if not len(lengths):
        return []
    end = int((np.asarray(offsets, dtype=np.int64) + np.asarray(lengths, dtype=np.int64)).max())
    data = column._dbfile.get(column._basepos, end)
    return [data[start : start + length] for start, length in zip(offsets, lengths, strict=True)]


class DocTable:
    """Arrays over the documents of one searcher (deleted documents included, marked dead)."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self.leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        self._cache: dict = {}

    def _cached(self, key, build):
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    @property
    def live(self) -> np.ndarray:
        """True for every document that is not deleted."""

        def build() -> np.ndarray:
            alive = np.ones(self.size, dtype=bool)
            for reader, offset in self.leaves:
                if not reader.has_deletions():
                    continue
                deleted = list(reader._perdoc.deleted_docs())
                if deleted:
                    alive[np.asarray(deleted, dtype=np.int64) + offset] = False
            return alive

        return self._cached("live", build)

    @property
    def dated(self) -> np.ndarray:
        """True for every document with a publication date (the others hold a placeholder)."""
        return self._cached("dated", lambda: self.numbers("dated") == self.column_value("dated", 1))

    def postings(self, field: str, text: bytes, wanted: np.ndarray | None = None) -> Postings:
        """The postings of a term, deleted documents included; with `wanted` (a boolean per
        document), postings of other documents may be left out."""
        ids: list = []
        weights: list = []
        values: list = []
        frequency = 0
        field_format = self.searcher.schema[field].format
        for reader, offset in self.leaves:
            terms = reader._terms
            try:
                info = terms.term_info(field, text)
            except TermNotFound:
                continue
            frequency += info.doc_frequency()
            matcher = terms._codec.postings_reader(terms._postfile, info, field_format)
            part = None if wanted is None else wanted[offset : offset + reader.doc_count_all()]
            for block_ids, block_weights, block_values in _blocks(matcher, part):
                ids.append(block_ids + offset)
                weights.append(block_weights)
                values.extend(block_values)
        if not ids:
            return Postings(np.empty(0, np.int64), np.empty(0, np.float32), [], frequency)
        return Postings(np.concatenate(ids), np.concatenate(weights), values, frequency)

    def positions(self, field: str, postings: Postings, docnums: np.ndarray) -> list[list[int]]:
        """The positions of a term in each of `docnums`, all of which hold it."""
        decode = self.searcher.schema[field].format.decoder("positions")
        values = postings.values
        return [decode(values[at]) for at in np.searchsorted(postings.ids, docnums).tolist()]

    def lengths(self, field: str) -> np.ndarray:
        """Each document's length in words in `field`, as Whoosh stores it (to within 6%)."""

        def build() -> np.ndarray:
            lengths = np.ones(self.size, dtype=np.float32)
            for reader, offset in self.leaves:
                column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                if column is None:
                    continue
                raw = np.frombuffer(
                    column._dbfile.get(column._basepos, column._count), dtype=np.uint8
                )
                lengths[offset : offset + len(raw)] = _LENGTH_OF_BYTE[raw]
            return lengths

        return self._cached(("lengths", field), build)

    def numbers(self, field: str) -> np.ndarray:
        """A sortable numeric column's values as stored (compare them with `column_value`)."""

        def build() -> np.ndarray:
            values = np.zeros(self.size, dtype=np.int64)
            for reader, offset in self.leaves:
                count = reader.doc_count_all()
                if reader.has_column(field):
                    column = reader.column_reader(field, translate=False)
                    values[offset : offset + count] = _numbers(column, count)
            return values

        return self._cached(("numbers", field), build)

    def column_value(self, field: str, value) -> int:
        """`value` as `numbers(field)` holds it."""
        return int(self.searcher.schema[field].to_column_value(value))

    def codes(self, field: str) -> tuple[np.ndarray, list[str]]:
        """A text column as (a code per document, the value of each code)."""

        def build() -> tuple[np.ndarray, list[str]]:
            numbering: dict[bytes, int] = {}
            codes = np.zeros(self.size, dtype=np.int32)
            for reader, offset in self.leaves:
                count = reader.doc_count_all()
                if not reader.has_column(field):
                    continue
                column = reader.column_reader(field, translate=False)
                values = stored_values(column)
                codes[offset : offset + count] = np.fromiter(
                    (numbering.setdefault(value, len(numbering)) for value in values),
                    np.int32,
                    count,
                )
            values = [value.decode("utf-8") for value in numbering]
            return codes, values

        return self._cached(("codes", field), build)

    def members(self, field: str, docnum: int) -> np.ndarray:
        """The documents (ascending, deleted ones included) sharing `docnum`'s value of a text
        column: the copies of a story, found without a pass over every document."""
        codes = self.codes(field)[0]

        def build() -> tuple[np.ndarray, np.ndarray]:
            order = np.argsort(codes, kind="stable")
            return order, codes[order]

        order, sorted_codes = self._cached(("members", field), build)
        start, end = np.searchsorted(sorted_codes, [codes[docnum], codes[docnum] + 1])
        return order[start:end]

    def entities(self, facet: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(document, name code) pairs of an entity facet, and the name of each code."""
        have_column = "entity_names" in self.searcher.schema and all(
            reader.has_column("entity_names") for reader, _offset in self.leaves
        )
        if not have_column:
            return self._cached(("entities", facet), lambda: self._entities_from_postings(facet))
        if ("entities", facet) not in self._cache:
            self._entities_from_column()
        return self._cache[("entities", facet)]

    def _entities_from_column(self) -> None:
        kinds = {letter[0]: kind for kind, letter in ENTITY_KINDS.items()}
        pairs = {kind: ([], [], {}) for kind in ENTITY_KINDS}
        for reader, offset in self.leaves:
            column = reader.column_reader("entity_names", translate=False)
            for docnum, value in enumerate(stored_values(column), offset):
                if not value:
                    continue
                for item in value.split(ENTITY_SEPARATOR):
                    documents, codes, numbering = pairs[kinds[item[0]]]
                    documents.append(docnum)
                    codes.append(numbering.setdefault(item[1:], len(numbering)))
        for kind, (documents, codes, numbering) in pairs.items():
            self._cache[("entities", kind)] = (
                np.asarray(documents, dtype=np.int64),
                np.asarray(codes, dtype=np.int32),
                [name.decode("utf-8") for name in numbering],
            )

    def _entities_from_postings(self, facet: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The same pairs for an index written before entity names had a column (slower)."""
        field = FACET_COLUMNS[facet]
        field_format = self.searcher.schema[field].format
        numbering: dict[bytes, int] = {}
        documents, codes = [], []
        for reader, offset in self.leaves:
            terms = reader._terms
            for (name_field, name), info in terms.items_from(field, b""):
                if name_field != field:
                    break
                code = numbering.setdefault(name, len(numbering))
                matcher = terms._codec.postings_reader(terms._postfile, info, field_format)
                for ids, _weights, _values in _blocks(matcher, None):
                    documents.append(ids + offset)
                    codes.append(np.full(len(ids), code, dtype=np.int32))
        names = [name.decode("utf-8") for name in numbering]
        if not names:
            return np.empty(0, np.int64), np.empty(0, np.int32), []
        return np.concatenate(documents), np.concatenate(codes), names
