"""Whoosh queries evaluated over whole arrays: which documents match, and with what score.

Scores are Whoosh's BM25F (its weights already carry each field's boost), computed for all the
postings of a term at once. Query types this module does not know are run through Whoosh's own
matchers, so every query Whoosh can answer is answered, only more slowly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq

from .doctable import DocTable

K1 = 1.2
B = 0.75
MAX_EXPANSIONS = 2000  # terms a prefix may stand for


@dataclass
class Matches:
    """A boolean per document and a score per document (zero where it does not match)."""

    mask: np.ndarray
    scores: np.ndarray


class Evaluator:
    """Evaluates Whoosh query trees over one DocTable."""

    def __init__(self, table: DocTable) -> None:
        self.table = table
        self.searcher = table.searcher

    def _empty(self) -> Matches:
        size = self.table.size
        return Matches(np.zeros(size, dtype=bool), np.zeros(size, dtype=np.float32))

    def evaluate(self, query: wq.Query, within: np.ndarray | None = None) -> Matches:
        """The documents matching `query`. With `within` (a boolean per document), the answer
        is only right inside it: the caller intersects with it, and the work skips the rest."""
        if isinstance(query, wq.Term):
            return self._term(query, within)
        if isinstance(query, wq.Phrase):
            return self._phrase(query, within)
        if isinstance(query, wq.And):
            return self._and(query, within)
        if isinstance(query, wq.Or):
            return self._or(query, within)
        if isinstance(query, wq.Not):
            inner = self.evaluate(query.query)
            return Matches(~inner.mask, np.zeros(self.table.size, dtype=np.float32))
        if isinstance(query, wq.Every) and not query.fieldname:
            return Matches(np.ones(self.table.size, dtype=bool), self._empty().scores)
        if isinstance(query, type(wq.NullQuery)):
            return self._empty()
        if isinstance(query, wq.DateRange | wq.NumericRange) and self._has_column(query.fieldname):
            return self._range(query)
        if isinstance(query, wq.Prefix | wq.Wildcard):
            return self._expansions(query, within)
        return self._through_whoosh(query)

    def _has_column(self, field: str) -> bool:
        return field in self.searcher.schema and self.searcher.schema[field].column_type is not None

    def _term(self, query: wq.Term, within: np.ndarray | None) -> Matches:
        found = self._empty()
        self._add_term(query, within, found)
        return found

    def _add_term(self, query: wq.Term, within: np.ndarray | None, into: Matches) -> None:
        """Add a term's matches and scores to `into`, touching only its postings."""
        field = query.fieldname
        if field not in self.searcher.schema:
            return
        try:
            text = self.searcher.schema[field].to_bytes(query.text)
        except ValueError:
            return
        postings = self.table.postings(field, text, within)
        into.mask[postings.ids] = True
        into.scores[postings.ids] += query.boost * self._bm25(
            field, postings.frequency, postings.ids, postings.weights
        )

    def _bm25(self, field: str, frequency: int, ids: np.ndarray, weights: np.ndarray):
        """Whoosh's BM25F of each posting; `frequency`: how many documents hold the term."""
        if not self.searcher.schema[field].scorable:
            return weights
        idf = math.log(self.table.size / (frequency + 1)) + 1
        average = self.searcher.avg_field_length(field) or 1
        lengths = self.table.lengths(field)[ids]
        return idf * (weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / average))

    def _and(self, query: wq.And, within: np.ndarray | None) -> Matches:
        # Date ranges first and phrases last: each part reads only the posting blocks, and
        # checks only the positions, of documents that the parts before it left in.
        parts = sorted(query.subqueries, key=_cost_rank)
        mask = None if within is None else within.copy()
        scores = np.zeros(self.table.size, dtype=np.float32)
        for part in parts:
            found = self.evaluate(part, mask)
            mask = found.mask if mask is None else mask & found.mask
            scores += found.scores
        if mask is None:
            return self._empty()
        scores[~mask] = 0
        scores *= query.boost
        return Matches(mask, scores)

    def _or(self, query: wq.Or, within: np.ndarray | None) -> Matches:
        union = self._empty()
        for part in query.subqueries:
            if isinstance(part, wq.Term):  # the common case: no array of its own
                self._add_term(part, within, union)
                continue
            found = self.evaluate(part, within)
            union.mask |= found.mask
            union.scores += found.scores
        union.scores *= query.boost
        return union

    def _phrase(self, query: wq.Phrase, within: np.ndarray | None) -> Matches:
        field, words = query.fieldname, query.words
        if field not in self.searcher.schema:
            return self._empty()
        schema_field = self.searcher.schema[field]
        texts = [schema_field.to_bytes(word) for word in words]
        postings = [self.table.postings(field, text, within) for text in texts]
        candidates = np.ones(self.table.size, dtype=bool) if within is None else within.copy()
        for term in postings:
            present = np.zeros(self.table.size, dtype=bool)
            present[term.ids] = True
            candidates &= present
        found = self._empty()
        docnums = np.flatnonzero(candidates)
        if not len(docnums):
            return found
        if not schema_field.format.supports("positions"):  # words in any order, then
            found.mask = candidates
            found.scores[docnums] = query.boost
            return found
        positions = [self.table.positions(field, term, docnums) for term in postings]
        counts = {}
        for index, docnum in enumerate(docnums.tolist()):
            count = _chains([where[index] for where in positions], query.slop)
            if count:
                counts[docnum] = count
        if not counts:
            return found
        ids = np.fromiter(counts, np.int64, len(counts))
        frequency = np.fromiter(counts.values(), np.float32, len(counts))
        found.mask[ids] = True
        rarest = min(term.frequency for term in postings)
        found.scores[ids] = query.boost * self._bm25(field, rarest, ids, frequency)
        return found

    def _range(self, query) -> Matches:
        field = query.fieldname
        values = self.table.numbers(field)
        if field == "published":  # undated articles hold a placeholder in the column
            mask = self.table.dated.copy()
        else:
            mask = np.ones(self.table.size, dtype=bool)

        def stored(bound) -> int:  # a DateRange's bounds are already in the column's terms
            return (
                bound if isinstance(query, wq.DateRange) else self.table.column_value(field, bound)
            )

        if query.start is not None:
            low = stored(query.start)
            mask &= values > low if query.startexcl else values >= low
        if query.end is not None:
            high = stored(query.end)
            mask &= values < high if query.endexcl else values <= high
        return Matches(mask, np.zeros(self.table.size, dtype=np.float32))

    def _expansions(self, query, within: np.ndarray | None) -> Matches:
        """A prefix or wildcard: the sum of the scores of the words it stands for."""
        found = self._empty()
        field = query.fieldname
        if field not in self.searcher.schema:
            return found
        reader = self.searcher.reader()
        for count, text in enumerate(query._btexts(reader)):
            if count >= MAX_EXPANSIONS:
                break
            postings = self.table.postings(field, text, within)
            found.mask[postings.ids] = True
            found.scores[postings.ids] += self._bm25(
                field, postings.frequency, postings.ids, postings.weights
            )
        found.scores *= query.boost
        return found

    def _through_whoosh(self, query: wq.Query) -> Matches:
        found = self._empty()
        matcher = query.matcher(self.searcher)
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        if ids:
            where = np.asarray(ids, dtype=np.int64)
            found.mask[where] = True
            found.scores[where] = scores
        return found


def _cost_rank(query: wq.Query) -> int:
    if isinstance(query, wq.NumericRange):
        return 0
    return 2 if _contains_phrase(query) else 1


def _contains_phrase(query: wq.Query) -> bool:
    if isinstance(query, wq.Phrase):
        return True
    return any(_contains_phrase(part) for part in query.children())


def _chains(positions: list[list[int]], slop: int) -> int:
    """How many times the words occur in order, each at most `slop` positions after the last."""
    if any(not where for where in positions):
        return 0
    ends = set(positions[0])
    for where in positions[1:]:
        if slop <= 1:
            ends = {position for position in where if position - 1 in ends}
        else:
            ends = {
                position for position in where if any(1 <= position - end <= slop for end in ends)
            }
        if not ends:
            return 0
    return len(ends)
