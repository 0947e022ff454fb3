"""How a search runs on Whoosh: `Segment` evaluates a query tree on one segment of a
searcher with numpy, from what Whoosh's public reader and matcher methods return (postings and
their weights, spans, column values), to the matches and scores of the engine's compiled
whoosh.query tree. Arrays read from a segment are cached by segment id: a segment never
changes, but for its deletions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from whoosh.scoring import bm25

from .base import (
    MULTI_NUMBER_FIELDS,
    AllNode,
    BoolNode,
    Node,
    NothingNode,
    PhraseNode,
    PrefixNode,
    RangeNode,
    TermNode,
)
from .whoosh_storage import (
    ABSENT,
    SlopPhrase,
    number_field,
    read_numbers,
    read_value_lists,
    values_field,
)

EMPTY_IDS = np.zeros(0, dtype=np.int64)  # no documents


# ---- evaluation: per segment, numpy over what Whoosh's readers and matchers return ----

# Sorted local docnums and their scores (None when no score is needed).
Result = tuple[np.ndarray, np.ndarray | None]


def _empty(scored: bool) -> Result:
    return EMPTY_IDS, (np.zeros(0) if scored else None)


def _union(parts: list[Result], scored: bool) -> Result:
    """The documents of any part; scores add up."""
    parts = [part for part in parts if len(part[0])]
    if len(parts) <= 1:
        return parts[0] if parts else _empty(scored)
    span = max(int(ids[-1]) for ids, _ in parts) + 1
    if sum(len(ids) for ids, _ in parts) * 8 >= span:  # dense: marking beats sorting
        present = np.zeros(span, dtype=bool)
        sums = np.zeros(span) if scored else None
        for ids, scores in parts:  # a part's ids are unique, so += adds each once
            present[ids] = True
            if sums is not None:
                sums[ids] += scores
        unique = np.flatnonzero(present)
        return unique, (sums[unique] if sums is not None else None)
    unique, where = np.unique(np.concatenate([ids for ids, _ in parts]), return_inverse=True)
    if not scored:
        return unique, None
    scores = np.concatenate([scores for _, scores in parts])
    return unique, np.bincount(where.reshape(-1), weights=scores, minlength=len(unique))


def _intersect(a: Result, b: Result, scored: bool) -> Result:
    ids, at_a, at_b = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return ids, (a[1][at_a] + b[1][at_b] if scored else None)


def _add_where_matched(base: Result, extra: Result) -> Result:
    """`base`'s documents, with `extra`'s scores added where `extra` matches too."""
    (ids, scores), (extra_ids, extra_scores) = base, extra
    if not len(ids) or not len(extra_ids):
        return base
    at = np.minimum(np.searchsorted(extra_ids, ids), len(extra_ids) - 1)
    hit = extra_ids[at] == ids
    scores = scores.copy()
    scores[hit] += extra_scores[at[hit]]
    return ids, scores


def _without(base: Result, excluded: np.ndarray) -> Result:
    ids, scores = base
    keep = ~np.isin(ids, excluded, assume_unique=True)
    return ids[keep], (scores[keep] if scores is not None else None)


def _collect(matcher: Any, value: Callable[[], float]) -> tuple[np.ndarray, np.ndarray]:
    """A matcher's docnums, with `value()` (its score, weight...) read at each."""
    ids: list[int] = []
    values: list[float] = []
    active, docnum, step = matcher.is_active, matcher.id, matcher.next
    while active():
        ids.append(docnum())
        values.append(value())
        step()
    return np.array(ids, dtype=np.int64), np.array(values, dtype=np.float64)


class PostingsCache:
    """The postings (docnums, weights) of recently searched terms, per segment, least recently
    used dropped first beyond `budget` postings (16 bytes each): a query refined by a filter,
    or a word met again in another query, reads no posting twice. Shared by the searches of
    every thread."""

    def __init__(self, budget: int = 4_000_000) -> None:
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, entry: tuple) -> tuple[np.ndarray, np.ndarray] | None:
        with self.lock:
            found = self.entries.get(entry)
            if found is not None:
                self.entries.move_to_end(entry)
            return found

    def put(self, entry: tuple, postings: tuple[np.ndarray, np.ndarray]) -> None:
        with self.lock:
            replaced = self.entries.pop(entry, None)
            if replaced is not None:
                self.size -= len(replaced[0])
            self.entries[entry] = postings
            self.size += len(postings[0])
            while self.size > self.budget and len(self.entries) > 1:
                _, (ids, _) = self.entries.popitem(last=False)
                self.size -= len(ids)

    def keep(self, segments: dict[str, int]) -> None:
        """Drop the postings of segments no longer searched or since changed by deletions."""
        with self.lock:
            for entry in [e for e in self.entries if segments.get(e[0]) != e[1]]:
                self.size -= len(self.entries.pop(entry)[0])


class Segment:
    """One segment of a view: its searcher, docnum offset and the arrays read from it.

    Arrays are kept in `cache` by segment id (shared by the views of one engine, in every
    thread: a segment's columns never change, and its live documents only change with its
    deletion count; two threads may both read one, to the same array).
    """

    def __init__(
        self, searcher: Any, offset: int, cache: dict, postings: PostingsCache, statistics: dict
    ) -> None:
        self.searcher = searcher
        self.postings = postings
        self.statistics = statistics
        self.reader = searcher.reader()
        self.offset = offset
        segment = self.reader.segment()
        self.segment_id = segment.segment_id()
        self.deleted = segment.deleted_count()
        self.size = self.reader.doc_count_all()
        self.cache = cache

    def cached(self, kind: str, field: str, read: Callable[[], Any]) -> Any:
        entry = (self.segment_id, kind, field)
        found = self.cache.get(entry)
        if found is None:
            found = self.cache[entry] = read()
        return found

    def numbers(self, field: str) -> np.ndarray:
        return self.cached("numbers", field, lambda: read_numbers(self.reader, field))

    def value_lists(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        return self.cached("lists", field, lambda: read_value_lists(self.reader, field))

    def live(self) -> np.ndarray:
        if not self.deleted:
            return np.arange(self.size, dtype=np.int64)
        return self.cached(
            "live", str(self.deleted), lambda: np.fromiter(self.reader.all_doc_ids(), np.int64)
        )

    def lengths(self, field: str, ids: np.ndarray) -> np.ndarray:
        """BM25's field lengths, read as Whoosh's scorer reads them (default 1).

        Whoosh reads them one document at a time, so a field's lengths are read document by
        document until as many have been read as the segment holds a quarter of, and then
        all at once and kept: searches on a field pay at most a few times what reading all
        its lengths once costs, and then nothing."""
        length = self.reader.doc_field_length
        column = self.cache.get((self.segment_id, "lengths", field))
        if column is None:
            read_key = (self.segment_id, "lengths read", field)
            read = self.cache[read_key] = self.cache.get(read_key, 0) + len(ids)
            if read * 4 >= self.size:
                every = (length(docnum, field, 1) for docnum in range(self.size))
                column = self.cached("lengths", field, lambda: np.fromiter(every, np.float64))
        if column is not None:
            return column[ids]
        return np.fromiter((length(docnum, field, 1) for docnum in ids.tolist()), np.float64)

    def term(self, node: TermNode, scored: bool) -> Result:
        field, token = node.field, node.token
        entry = (self.segment_id, self.deleted, field, token)
        found = self.postings.get(entry)
        if found is None:
            if (field, token) not in self.reader:
                return _empty(scored)
            matcher = self.reader.postings(field, token)
            found = _collect(matcher, matcher.weight)
            self.postings.put(entry, found)
        ids, frequencies = found
        if not scored:
            return ids, None
        if node.boost <= 0:
            return ids, np.zeros(len(ids))
        # Whoosh's own BM25F, over all postings at once: its scorer's parameters and collection
        # statistics (read from the whole searcher, so the same in every segment) and formula.
        stats = self.statistics.get((field, token))
        if stats is None:
            scorer = self.searcher.weighting.scorer(self.searcher, field, token)
            stats = (scorer.idf, scorer.avgfl, scorer.B, scorer.K1)
            self.statistics[(field, token)] = stats
        idf, avgfl, b, k1 = stats
        scores = bm25(idf, frequencies, self.lengths(field, ids), avgfl, b, k1)
        return ids, (scores * node.boost if node.boost != 1 else scores)

    def doc_frequency(self, field: str, token: str) -> int:
        """How many live documents of this segment hold `token` in `field`."""
        if self.deleted:  # Whoosh's term statistics count deleted documents too
            return len(self.term(TermNode(field, token), False)[0])
        return self.reader.doc_frequency(field, token)

    def prefix(self, node: PrefixNode, scored: bool) -> Result:
        postings = self.reader.postings
        parts = [
            (np.fromiter(postings(node.field, token).all_ids(), np.int64), None)
            for token in self.reader.expand_prefix(node.field, node.prefix)
        ]
        ids = _union(parts, False)[0]
        return ids, (np.full(len(ids), max(node.boost, 0.0)) if scored else None)

    def range(self, node: RangeNode, scored: bool) -> Result:
        low = max(node.low, 0) if node.low is not None else 0
        high = min(node.high, ABSENT - 1) if node.high is not None else ABSENT - 1
        if low > high:
            return _empty(scored)
        low, high = np.uint64(low), np.uint64(high)
        if node.field in MULTI_NUMBER_FIELDS:
            owners, values = self.value_lists(values_field(node.field))
            ids = np.unique(owners[(values >= low) & (values <= high)])
        else:
            values = self.numbers(number_field(node.field))
            ids = np.flatnonzero((values >= low) & (values <= high)).astype(np.int64)
        if self.deleted:
            ids = np.intersect1d(ids, self.live(), assume_unique=True)
        return ids, (np.zeros(len(ids)) if scored else None)

    def phrase(self, node: PhraseNode, scored: bool) -> Result:
        tokens = list(node.tokens)
        if not tokens:
            return _empty(scored)
        if len(tokens) == 1:
            return self.term(TermNode(node.field, tokens[0], node.boost), scored)
        query = SlopPhrase(node.field, tokens, slop=max(node.slop, 0) + 1, boost=node.boost)
        if not scored or node.boost <= 0:
            matcher = query.matcher(self.searcher, self.searcher.boolean_context())
            ids = np.fromiter(matcher.all_ids(), np.int64)
            return ids, (np.zeros(len(ids)) if scored else None)
        matcher = query.matcher(self.searcher, self.searcher.context())
        return _collect(matcher, matcher.score)

    def evaluate(self, node: Node, scored: bool) -> Result:
        """The live documents of this segment matching `node`, scored as the engine's
        `compile_node` query scores them."""
        if isinstance(node, BoolNode):
            return self.boolean(node, scored)
        if isinstance(node, TermNode):
            return self.term(node, scored)
        if isinstance(node, PrefixNode):
            return self.prefix(node, scored)
        if isinstance(node, RangeNode):
            return self.range(node, scored)
        if isinstance(node, AllNode):
            live = self.live()
            return live, (np.zeros(len(live)) if scored else None)
        if isinstance(node, NothingNode):
            return _empty(scored)
        if isinstance(node, PhraseNode):
            return self.phrase(node, scored)
        raise TypeError(f"unknown query node {node!r}")

    def boolean(self, node: BoolNode, scored: bool) -> Result:
        if node.must:
            found: Result | None = None
            only_all = all(isinstance(item, AllNode) for item in node.must)
            for item in node.must:
                if isinstance(item, AllNode) and not only_all:
                    continue  # matches every live document and scores 0
                part = self.evaluate(item, scored)
                found = part if found is None else _intersect(found, part, scored)
                if not len(found[0]):
                    return _empty(scored)
            if node.should and scored:
                shoulds = _union([self.evaluate(item, scored) for item in node.should], scored)
                found = _add_where_matched(found, shoulds)
        elif node.should:
            found = _union([self.evaluate(item, scored) for item in node.should], scored)
        else:
            return _empty(scored)
        if node.must_not and len(found[0]):
            excluded = _union([self.evaluate(item, False) for item in node.must_not], False)
            found = _without(found, excluded[0])
        return found
