"""Running searches on a Whoosh searcher and copying the results into searchnews objects."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from whoosh import query as wq
from whoosh import sorting

from ..models import Copy, FacetValue, Hit, SearchResults
from ..query import positive_leaves
from .base import FACETS, SearchRequest
from .documents import naive
from .schema import FACET_COLUMNS
from .snippets import find_spans, make_snippets, mark, plan_for
from .translate import Translator
from .variants import WordVariants

TOP_VALUES = 20
MAX_COPIES = 20


def _order(sort: str):
    if sort == "relevance":
        return None
    newest = sort == "newest"
    return sorting.MultiFacet(
        [
            sorting.FieldFacet("dated", reverse=True),
            sorting.FieldFacet("published", reverse=newest),
        ]
    )


ENTITY_FACETS = ("person", "org", "place")


def _group_facets() -> dict:
    """Single-valued facets Whoosh counts from its columns; entities are counted apart."""
    return {
        name: sorting.FieldFacet(FACET_COLUMNS[name], maptype=sorting.Count)
        for name in FACETS
        if name not in ENTITY_FACETS
    }


class EntityLists:
    """Each document's entity names per facet, read once per searcher and kept.

    Whoosh would rebuild these lists on every search that counts entities; for a searcher that
    serves many searches, building them once is what keeps entity facets cheap.
    """

    def __init__(self, searcher) -> None:
        reader = searcher.reader()
        self.lists: dict[str, list[list[str]]] = {}
        for name in ENTITY_FACETS:
            field = FACET_COLUMNS[name]
            per_document: list[list[str]] = [[] for _ in range(reader.doc_count_all())]
            if field in reader.indexed_field_names():
                for term in reader.lexicon(field):
                    value = term.decode("utf-8") if isinstance(term, bytes) else term
                    for docnum in reader.postings(field, term).all_ids():
                        per_document[docnum].append(value)
            self.lists[name] = per_document

    def counts(self, name: str, docnums) -> dict[str, int]:
        counted: dict[str, int] = {}
        lists = self.lists[name]
        for docnum in docnums:
            for value in lists[docnum]:
                counted[value] = counted.get(value, 0) + 1
        return counted


def _facet_values(results, entity_limit: int, entities: dict) -> dict[str, list[FacetValue]]:
    facets = {}
    for name in FACETS:
        found = entities[name] if name in ENTITY_FACETS else results.groups(name)
        counts = {key: count for key, count in found.items() if key not in (None, "", 0, b"")}
        if name == "month":
            values = [
                FacetValue(f"{key // 100:04d}-{key % 100:02d}", count)
                for key, count in sorted(counts.items())
            ]
        else:
            limit = entity_limit if name in ("person", "org", "place") else TOP_VALUES
            ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
            values = [FacetValue(str(key), count) for key, count in ranked[:limit]]
        facets[name] = values
    return facets


def _published(record: dict) -> datetime | None:
    value = record.get("published")
    return datetime.fromisoformat(value) if value else None


def _copies(searcher, key: str, keep_id: str) -> list[Copy]:
    copies = []
    for hit in searcher.search(wq.Term("duplicate", key), limit=MAX_COPIES + 1):
        stored = hit.fields()
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
    return copies[:MAX_COPIES]


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


def _page_of_hits(searcher, wquery, request: SearchRequest, options: dict):
    """(results, the page's hits), one hit per story when collapsing.

    Collapsing is done here rather than by Whoosh, whose collapsing hides copies from the
    grouping that counts stories and facets.
    """
    wanted = request.page * request.limit
    fetch = wanted if not request.collapse else wanted * 2 + 10
    while True:
        results = searcher.search(wquery, limit=fetch, **options)
        kept, seen = [], set()
        for hit in results:
            key = hit["duplicate"]
            if request.collapse and key in seen:
                continue
            seen.add(key)
            kept.append(hit)
            if len(kept) >= wanted:
                break
        if len(kept) >= wanted or results.scored_length() < fetch:
            return results, kept[(request.page - 1) * request.limit :]
        fetch *= 4


def run_search(
    searcher, request: SearchRequest, entity_lists=None, variants: WordVariants | None = None
) -> SearchResults:
    """One page of hits for a request, with facets and the copies of each story if asked."""
    if request.variants and variants is None:
        variants = WordVariants(searcher.reader())
    translator = Translator(variants if request.variants else None)
    wquery = translator.translate(request.query)
    date_filter = None
    if request.since or request.until:
        date_filter = wq.DateRange("published", naive(request.since), naive(request.until))
    order = _order(request.sort)
    groups = _group_facets() if request.facets else {}
    if request.collapse:
        groups["story"] = sorting.FieldFacet("duplicate", maptype=sorting.Count)
    options = {"filter": date_filter, "sortedby": order, "groupedby": groups or None}
    results, page_hits = _page_of_hits(searcher, wquery, request, options)
    articles = len(results)
    stories = len(results.groups("story")) if request.collapse else articles
    leaves = positive_leaves(request.query)
    body_plan, headline_plan = plan_for(leaves, "body"), plan_for(leaves, "headline")
    for plan in (body_plan, headline_plan):
        for word, forms in translator.expanded.items():
            if word in plan.terms:
                plan.terms.update(forms)
    hits = []
    for hit in page_hits:
        stored = hit.fields()
        score = float(hit.score or 0.0) if order is None else 0.0
        found = hit_from(stored, score, body_plan, headline_plan, request.snippets)
        found.variants = _spellings_found(stored, leaves)
        key = stored["duplicate"]
        if request.collapse and searcher.doc_frequency("duplicate", key) > 1:
            found.duplicates = _copies(searcher, key, stored["id"])
        hits.append(found)
    page = SearchResults(
        request.text, stories, request.page, request.limit, hits, articles=articles
    )
    if request.facets:
        matched = list(
            searcher.docs_for_query(
                wq.And([wquery, date_filter]) if date_filter is not None else wquery
            )
        )
        lists = entity_lists() if entity_lists else EntityLists(searcher)
        entities = {name: lists.counts(name, matched) for name in ENTITY_FACETS}
        page.facets = _facet_values(results, request.facet_limit, entities)
    return page
