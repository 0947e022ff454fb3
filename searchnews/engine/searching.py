"""Running searches on a Whoosh searcher and copying the results into searchnews objects."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np
from whoosh import query as wq

from ..models import Copy, FacetValue, Hit, SearchResults
from ..query import positive_leaves
from .base import FACETS, SearchRequest
from .doctable import DocTable
from .documents import naive
from .evaluation import Evaluator
from .schema import FACET_COLUMNS
from .snippets import find_spans, make_snippets, mark, plan_for
from .translate import Translator
from .variants import WordVariants

TOP_VALUES = 20
MAX_COPIES = 20


ENTITY_FACETS = ("person", "org", "place")
_LAST = np.iinfo(np.int64).max


def _sort_keys(table: DocTable, docnums: np.ndarray, scores: np.ndarray, sort: str) -> np.ndarray:
    """A key per document, smallest first; ties go to the lower document number."""
    if sort == "relevance":
        return -scores[docnums].astype(np.float64)
    published = table.numbers("published")[docnums]
    dated = table.dated[docnums]
    # Undated articles come last in both date orders.
    return np.where(dated, -published if sort == "newest" else published, _LAST)


def _first_in_order(docnums: np.ndarray, keys: np.ndarray, count: int) -> np.ndarray:
    """The `count` documents with the smallest keys, in order."""
    if count < len(docnums):
        cutoff = np.partition(keys, count - 1)[count - 1]
        chosen = keys <= cutoff
        docnums, keys = docnums[chosen], keys[chosen]
    return docnums[np.lexsort((docnums, keys))][:count]


def _page_of_hits(table: DocTable, docnums, keys, request: SearchRequest) -> list[int]:
    """The document numbers of the page's hits, one per story when collapsing.

    Copies are collapsed here rather than by Whoosh, whose collapsing hides them from the
    counts of stories and facets.
    """
    wanted = request.page * request.limit
    fetch = wanted if not request.collapse else wanted * 2 + 10
    stories = table.codes("duplicate")[0] if request.collapse else None
    while True:
        kept, seen = [], set()
        for docnum in _first_in_order(docnums, keys, fetch).tolist():
            if stories is not None:
                story = int(stories[docnum])
                if story in seen:
                    continue
                seen.add(story)
            kept.append(docnum)
            if len(kept) >= wanted:
                break
        if len(kept) >= wanted or fetch >= len(docnums):
            return kept[(request.page - 1) * request.limit :]
        fetch *= 4


def _top_values(counts: np.ndarray, names: list, limit: int) -> list[FacetValue]:
    """The `limit` most frequent values, ties in name order; empty names are not values."""
    if "" in names:
        counts[names.index("")] = 0
    named = np.flatnonzero(counts)
    if len(named) > limit:  # only the values that can make the cut are sorted by name
        cutoff = np.partition(counts[named], len(named) - limit)[len(named) - limit]
        named = named[counts[named] >= cutoff]
    found = [(names[code], int(counts[code])) for code in named.tolist()]
    found.sort(key=lambda item: (-item[1], item[0]))
    return [FacetValue(name, count) for name, count in found[:limit]]


def _facet_values(table: DocTable, mask: np.ndarray, docnums, entity_limit: int) -> dict:
    facets: dict[str, list[FacetValue]] = {}
    for name in FACETS:
        if name in ENTITY_FACETS:
            documents, codes, names = table.entities(name)
            counts = np.bincount(codes[mask[documents]], minlength=len(names))
            facets[name] = _top_values(counts, names, entity_limit)
        elif name == "month":
            field = FACET_COLUMNS[name]
            values, counts = np.unique(table.numbers(field)[docnums], return_counts=True)
            decode = table.searcher.schema[field].from_column_value
            months = sorted(
                (decode(int(value)), int(count))
                for value, count in zip(values, counts, strict=True)
            )
            facets[name] = [
                FacetValue(f"{key // 100:04d}-{key % 100:02d}", count)
                for key, count in months
                if key
            ]
        else:
            codes, names = table.codes(FACET_COLUMNS[name])
            counts = np.bincount(codes[docnums], minlength=len(names))
            facets[name] = _top_values(counts, names, TOP_VALUES)
    return facets


def _published(record: dict) -> datetime | None:
    value = record.get("published")
    return datetime.fromisoformat(value) if value else None


def _copies(table: DocTable, docnum: int, keep_id: str) -> list[Copy]:
    """The other articles of the story `docnum` belongs to."""
    copies = []
    for other in table.members("duplicate", docnum).tolist():
        if not table.live[other]:
            continue
        stored = table.searcher.stored_fields(other)
        if stored["id"] == keep_id:
            continue
        record = stored["record"]
        copies.append(
            Copy(
                stored["id"],
                stored["path"],
                record.get("url"),
                stored.get("headline", ""),
                _published(record),
                record.get("site_name"),
            )
        )
        if len(copies) >= MAX_COPIES:
            break
    return copies


def _spellings_found(stored: dict, leaves) -> list[str]:
    """The other spellings of a searched name that this article uses, as it writes them."""
    found: list[str] = []
    for leaf in leaves:
        if not getattr(leaf, "alias_of", None):
            continue
        anywhere = replace(leaf, field=None)  # entity fields hold names, the text holds words
        for field in ("headline", "body"):
            text = stored.get(field, "")
            spans = find_spans(text, plan_for([anywhere], field))
            for start, end in spans[:1]:
                if text[start:end] not in found:
                    found.append(text[start:end])
    return found


def hit_from(stored: dict, score: float, body_plan, headline_plan, snippets: int) -> Hit:
    """A Hit from a stored document, with its passages and headline marked."""
    record = stored["record"]
    return Hit(
        id=stored["id"],
        path=stored["path"],
        url=record.get("url"),
        headline=stored.get("headline", ""),
        published=_published(record),
        site_name=record.get("site_name"),
        score=score,
        snippets=make_snippets(stored.get("body", ""), body_plan, snippets),
        headline_match=mark(stored.get("headline", ""), headline_plan),
        published_source=record.get("published_source"),
    )


def run_search(
    table: DocTable, request: SearchRequest, variants: WordVariants | None = None
) -> SearchResults:
    """One page of hits for a request, with facets and the copies of each story if asked."""
    searcher = table.searcher
    if request.variants and variants is None:
        variants = WordVariants(searcher.reader())
    translator = Translator(variants if request.variants else None)
    evaluator = Evaluator(table)
    within = table.live.copy()
    if request.since or request.until:
        dates = wq.DateRange("published", naive(request.since), naive(request.until))
        within &= evaluator.evaluate(dates).mask
    found = evaluator.evaluate(translator.translate(request.query), within)
    mask = found.mask & within
    docnums = np.flatnonzero(mask)
    keys = _sort_keys(table, docnums, found.scores, request.sort)
    page_hits = _page_of_hits(table, docnums, keys, request) if len(docnums) else []
    articles = len(docnums)
    stories = articles
    if request.collapse and articles:
        stories = int(np.count_nonzero(np.bincount(table.codes("duplicate")[0][docnums])))
    leaves = positive_leaves(request.query)
    body_plan, headline_plan = plan_for(leaves, "body"), plan_for(leaves, "headline")
    for plan in (body_plan, headline_plan):
        for word, forms in translator.expanded.items():
            if word in plan.terms:
                plan.terms.update(forms)
    hits = []
    for docnum in page_hits:
        stored = searcher.stored_fields(docnum)
        score = float(found.scores[docnum]) if request.sort == "relevance" else 0.0
        hit = hit_from(stored, score, body_plan, headline_plan, request.snippets)
        hit.variants = _spellings_found(stored, leaves)
        key = stored["duplicate"]
        if request.collapse and searcher.doc_frequency("duplicate", key) > 1:
            hit.duplicates = _copies(table, docnum, stored["id"])
        hits.append(hit)
    page = SearchResults(
        request.text, stories, request.page, request.limit, hits, articles=articles
    )
    if request.facets:
        page.facets = _facet_values(table, mask, docnums, request.facet_limit)
    return page
