"""Searches above the engine contract, written once for every engine: paging with copies
collapsed, story counts, facets named from the catalog's dictionary, hits with passages read
from the document store, other spellings, "did you mean" and similar articles."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime

from . import analysis
from .catalog import Catalog, StoredArticle
from .engines.base import (
    MAIN_FIELDS,
    BoolNode,
    Engine,
    SearchPage,
    TermNode,
)
from .engines.base import SearchRequest as EngineRequest
from .engines.plan import Planner, date_node, with_filters
from .errors import QueryError
from .models import Copy, FacetValue, Hit, SearchResults
from .query import DateRange, Query, positive_leaves
from .snippets import MatchPlan, find_spans, make_snippets, mark, plan_for

TOP_VALUES = 20
MAX_COPIES = 20
SIMILAR_TERMS = 25
ENTITY_FACETS = ("person", "org", "place")


@dataclass(frozen=True)
class SearchOptions:
    """A parsed query with its filters, sort order, page and what to count."""

    query: Query
    text: str = ""
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 10
    page: int = 1
    sort: str = "relevance"
    snippets: int = 3
    facets: bool = False
    collapse: bool = True
    variants: bool = True
    facet_limit: int = 10


def engine_query(options: SearchOptions):
    """The engine tree for a search: the query, restricted to the date bounds."""
    node = Planner(exact=not options.variants).plan(options.query)
    if options.since or options.until:
        node = with_filters(node, [date_node(DateRange("published", options.since, options.until))])
    return node


def _facet_requests(options: SearchOptions) -> tuple[tuple[str, int | None], ...]:
    wanted: list[tuple[str, int | None]] = []
    if options.collapse:
        wanted.append(("copy_group", None))  # story counts
    if options.facets:
        wanted += [("site", TOP_VALUES), ("section", TOP_VALUES), ("month", None)]
        wanted += [(kind, options.facet_limit) for kind in ENTITY_FACETS]
    return tuple(wanted)


def _stories(page: SearchPage) -> int:
    """Matching articles with each story's copies counted once: articles without copies carry
    no copy group, so only the groups need counting."""
    groups = page.facets.get("copy_group", [])
    return page.total - sum(count for _group, count in groups) + len(groups)


def _collapsed_page(
    catalog: Catalog, engine: Engine, node, options: SearchOptions, facets
) -> tuple[SearchPage, list[tuple[int, float]]]:
    """The page's hits with one hit per story: more matches are fetched until the page fills."""
    wanted = options.page * options.limit
    fetch = wanted * 2 + 10
    first: SearchPage | None = None
    while True:
        request = EngineRequest(node, options.sort, 0, fetch, facets if first is None else ())
        page = engine.search(request)
        first = first or page
        if page is not first and page.partial:
            first.partial = list(dict.fromkeys(first.partial + page.partial))
        groups = catalog.groups_of(key for key, _score in page.hits)
        kept, seen = [], set()
        for key, score in page.hits:
            group = groups.get(key, key)
            if group in seen:
                continue
            seen.add(group)
            kept.append((key, score))
            if len(kept) >= wanted:
                break
        if len(kept) >= wanted or fetch >= page.total:
            return first, kept[(options.page - 1) * options.limit :]
        fetch *= 4


def _named(catalog: Catalog, values: list[tuple[int, int]], limit: int | None) -> list[FacetValue]:
    names = catalog.label_names([value for value, _count in values])
    named = [(names[value], count) for value, count in values if names.get(value)]
    named.sort(key=lambda item: (-item[1], item[0]))
    return [FacetValue(name, count) for name, count in named[:limit]]


def facet_values(catalog: Catalog, page: SearchPage, options: SearchOptions) -> dict:
    """The engine's counts as the facets a person reads: names, months in order."""
    facets: dict[str, list[FacetValue]] = {}
    for name, limit in (("site", TOP_VALUES), ("section", TOP_VALUES)):
        facets[name] = _named(catalog, page.facets.get(name, []), limit)
    months = sorted(page.facets.get("month", []))
    facets["month"] = [FacetValue(f"{m // 100:04d}-{m % 100:02d}", count) for m, count in months]
    for name in ENTITY_FACETS:
        facets[name] = _named(catalog, page.facets.get(name, []), options.facet_limit)
    return facets


def _copies(stories: dict, stored: StoredArticle) -> list[Copy]:
    """The other copies of an article's story, from the stories' first articles."""
    copies = stories.get(stored.copy_group, [])
    return [copy for key, copy in copies if key != stored.key][:MAX_COPIES]


def _spellings_found(stored: StoredArticle, leaves) -> list[str]:
    """The other spellings of a searched name that this article uses, as it writes them."""
    found: list[str] = []
    for leaf in leaves:
        if not getattr(leaf, "alias_of", None):
            continue
        anywhere = replace(leaf, field=None)  # entity fields hold names, the text holds words
        for text in (stored.article.headline, stored.article.body):
            for start, end in find_spans(text, plan_for([anywhere], "body", exact=True))[:1]:
                if text[start:end] not in found:
                    found.append(text[start:end])
    return found


def hit_from(
    stored: StoredArticle, score: float, body: MatchPlan, headline: MatchPlan, snippets: int
) -> Hit:
    """A Hit for a stored article, with its passages and headline marked."""
    article = stored.article
    return Hit(
        id=stored.id,
        path=stored.path,
        url=article.url,
        headline=article.headline,
        published=article.published,
        site_name=article.site_name,
        score=score,
        snippets=make_snippets(article.body, body, snippets),
        headline_match=mark(article.headline, headline),
        published_source=article.published_source,
        source=stored.source,
    )


def run_search(catalog: Catalog, engine: Engine, options: SearchOptions) -> SearchResults:
    """One page of hits for a search, with facets and the copies of each story if asked."""
    node = engine_query(options)
    facets = _facet_requests(options)
    if options.collapse:
        page, page_hits = _collapsed_page(catalog, engine, node, options, facets)
    else:
        offset = (options.page - 1) * options.limit
        page = engine.search(EngineRequest(node, options.sort, offset, options.limit, facets))
        page_hits = page.hits
    stories = _stories(page) if options.collapse else page.total
    leaves = positive_leaves(options.query)
    exact = not options.variants
    body_plan = plan_for(leaves, "body", exact=exact)
    headline_plan = plan_for(leaves, "headline", exact=exact)
    stored = catalog.get(key for key, _score in page_hits)
    stories_shown = {}
    if options.collapse:
        groups = (article.copy_group for article in stored.values())
        stories_shown = catalog.copies_of(groups, MAX_COPIES + 1)
    hits = []
    for key, score in page_hits:
        if key not in stored:  # removed since the engine's last commit
            continue
        article = stored[key]
        hit = hit_from(article, score, body_plan, headline_plan, options.snippets)
        hit.variants = _spellings_found(article, leaves)
        if options.collapse:
            hit.duplicates = _copies(stories_shown, article)
        hits.append(hit)
    results = SearchResults(
        options.text, stories, options.page, options.limit, hits, articles=page.total
    )
    results.partial = list(page.partial)
    if options.facets:
        results.facets = facet_values(catalog, page, options)
    return results


def highlight(query: Query, text: str, *, exact: bool = False):
    """`text` as paragraphs with what `query` matches marked."""
    plan = plan_for(positive_leaves(query), "body", exact=exact)
    return [mark(paragraph, plan) for paragraph in text.split("\n\n") if paragraph.strip()]


# ---- did you mean ----

_QUERY_WORD = re.compile(r'(?<![:\w*"-])([^\W\d_]{3,})(?![\w:*])')
_OPERATORS = {"OR", "AND", "NOT", "TO"}
MAX_CANDIDATES = 20000


def _distance(first: str, second: str, most: int) -> int:
    """Edit distance (with transpositions), or most + 1 once it must exceed `most`."""
    if abs(len(first) - len(second)) > most:
        return most + 1
    previous2: list[int] = []
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, b in enumerate(second, 1):
            cost = 0 if a == b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > most:
            return most + 1
        previous2, previous = previous, current
    return previous[-1]


def respell(engine: Engine, word: str) -> str | None:
    """The indexed word closest to an unknown `word` (same first letter, at most two edits),
    the most frequent of the closest; None when the word is known or nothing is close."""
    if any(engine.doc_frequency(field, word) for field in MAIN_FIELDS):
        return None
    best: tuple[int, int, str] | None = None
    try:
        candidates = engine.terms("body", word[0], MAX_CANDIDATES)
    except QueryError:  # an engine that cannot list its words makes no suggestion
        return None
    for term, frequency in candidates:
        if not term.isalpha():
            continue
        distance = _distance(word, term, 2)
        if distance <= 2 and (best is None or (distance, -frequency, term) < best):
            best = (distance, -frequency, term)
    return best[2] if best else None


def suggest(engine: Engine, text: str) -> str | None:
    """A respelling of the query's unknown words from words the index holds, or None."""
    changed = False

    def replace_word(match: re.Match) -> str:
        nonlocal changed
        word = match.group(1)
        forms = analysis.words(word)
        if word in _OPERATORS or len(forms) != 1:
            return word
        better = respell(engine, forms[0])
        if better is None:
            return word
        changed = True
        return better

    respelled = _QUERY_WORD.sub(replace_word, text)
    return respelled if changed else None


# ---- similar articles ----


def similar(catalog: Catalog, engine: Engine, stored: StoredArticle, limit: int) -> SearchResults:
    """Articles sharing the most distinctive words of `stored` (its copies left out)."""
    counts = Counter(
        word
        for word in analysis.words(f"{stored.article.headline}\n{stored.article.body}")
        if len(word) >= 4 and word.isalpha()
    )
    total = max(engine.count(), 1)
    weighted = []
    for word, count in counts.most_common(SIMILAR_TERMS * 3):
        frequency = engine.doc_frequency("body", word)
        if 1 < frequency < total * 0.5:
            weighted.append((count * math.log(total / frequency), word))
    weighted.sort(reverse=True)
    should = tuple(TermNode("body", word) for _weight, word in weighted[:SIMILAR_TERMS])
    label = f"similar:{stored.id}"
    if not should:
        return SearchResults(label, 0, 1, limit)
    page = engine.search(EngineRequest(BoolNode(should=should), "relevance", 0, limit + MAX_COPIES))
    groups = catalog.groups_of(key for key, _score in page.hits)
    keys = [(k, s) for k, s in page.hits if groups.get(k, k) != stored.copy_group][:limit]
    found = catalog.get(key for key, _score in keys)
    empty = MatchPlan()
    hits = [hit_from(found[k], s, empty, empty, 1) for k, s in keys if k in found]
    return SearchResults(label, len(hits), 1, limit, hits)
