"""Every engine gives the same answers: hit sets, date orders, totals, facets, copies, snippets,
suggestions and similar articles, over the shipped corpus and over pages made for the purpose."""

from __future__ import annotations

import os
from datetime import datetime

import pytest
from conftest import CORPUS_PAGES
from pagemaker import write_page

from searchnews import NewsIndex
from searchnews.engines import ENGINE_NAMES
from searchnews.engines.base import AllNode, SearchRequest
from searchnews.indexfolder import IndexFolder

from .sphinxql_support import NO_GLOBAL_IDF, NO_SEARCHD, compared_cannot, searchd_available

AS_OF = datetime(2024, 7, 20)
QUERIES = [
    '"rearm itself"',
    '"putin said"~3',
    "putin ceasefire",
    "kyiv OR kiev",
    "ceasefire -orban",
    "ceasefire NOT orban",
    "(kyiv OR kiev) ceasefire",
    "mobili*",
    "negotiate",
    '"negotiate"',
    "headline:ceasefire",
    'heading:"expands its ranks"',
    'body:"glide bombs"',
    "author:whitfield",
    "site:frontline",
    "section:europe",
    'person:"Vladimir Putin"',
    "org:nato",
    "place:kharkiv",
    "entity:kyiv",
    "zelenskiy",
    '"Khasiv Yar"',
    "date:2024",
    "date:[2024-07-01 TO 2024-07-31]",
    "date:[* TO 2005]",
    "date:>2024-06-01",
    'date:"last week"',
    "mentions:2023",
    "mentions:[2022 TO 2023]",
    "-date:[* TO 2024-12-31]",
    '"Interfax-Ukraine"',
    pytest.param("ukraine, russia.", marks=compared_cannot(NO_GLOBAL_IDF)),
    "",
]


@pytest.fixture(scope="module")
def both(tmp_path_factory, tested_engines):
    """The corpus indexed once in each engine."""
    opened = {}
    for name in tested_engines:
        folder = tmp_path_factory.mktemp(f"both-{name}")
        news = NewsIndex(str(folder))
        news.index(CORPUS_PAGES, jobs=2, engine=name)
        opened[name] = news
    yield opened
    for news in opened.values():
        news.close()


def answer(news: NewsIndex, query: str, **options) -> dict:
    results = news.search(query, as_of=AS_OF, limit=50, **options)
    return {
        "total": results.total,
        "articles": results.articles,
        "ids": sorted(hit.id for hit in results.hits),
        "copies": sorted((hit.id, tuple(c.id for c in hit.duplicates)) for hit in results.hits),
        "facets": results.to_dict()["facets"],
        "suggestion": results.suggestion,
    }


@pytest.mark.parametrize("query", QUERIES)
def test_every_engine_finds_the_same_articles(both, query):
    answers = {name: answer(news, query, facets=True) for name, news in both.items()}
    first = answers[ENGINE_NAMES[0]]
    assert first["total"] or query in ('date:"last week"',) or first["suggestion"] is None
    for name in list(both)[1:]:
        assert answers[name] == first, name


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("query", ["", "ukraine", "date:2024", "ceasefire OR grain"])
def test_every_engine_lists_in_the_same_date_order(both, query, sort):
    orders = {}
    for name, news in both.items():
        results = news.search(query, sort=sort, limit=50, collapse=False)
        # Dates order by the wall-clock time the page shows, in its own time zone.
        orders[name] = [
            (hit.published.replace(tzinfo=None) if hit.published else None, hit.id)
            for hit in results.hits
        ]
        dates = [published for published, _id in orders[name] if published is not None]
        assert dates == sorted(dates, reverse=sort == "newest")
    first = orders[ENGINE_NAMES[0]]
    for name in list(both)[1:]:
        # Articles of the same moment may come in either order: compare the dates in order.
        assert [p for p, _ in orders[name]] == [p for p, _ in first]
        assert sorted(i for _, i in orders[name]) == sorted(i for _, i in first)


def test_every_engine_pages_the_same_way(both):
    for news in both.values():
        everything = news.search("", sort="oldest", limit=50, collapse=False)
        paged = []
        for page in range(1, 6):
            paged += news.search("", sort="oldest", limit=8, page=page, collapse=False).hits
        assert [hit.id for hit in paged] == [hit.id for hit in everything.hits][: len(paged)]
        past = news.search("", limit=10, page=99)
        assert past.hits == [] and past.total == everything.total - 2  # two copies collapse


@compared_cannot(NO_GLOBAL_IDF)
def test_every_engine_gives_the_same_snippets_and_similar_articles(both):
    snippets, similar = {}, {}
    for name, news in both.items():
        results = news.search("ceasefire putin", limit=10)
        snippets[name] = {hit.id: [s.to_html() for s in hit.snippets] for hit in results.hits}
        seed = results.hits[0].id
        similar[name] = sorted(hit.id for hit in news.similar(seed, limit=5).hits)
    first = ENGINE_NAMES[0]
    for name in list(both)[1:]:
        assert snippets[name] == snippets[first]
        assert similar[name] == similar[first]
    assert similar[first]


@pytest.mark.parametrize("bucket", ["day", "week", "month", "year"])
def test_every_engine_counts_date_buckets_the_same_way(both, bucket):
    counts = {}
    for name, news in both.items():
        folder = IndexFolder(news.path)
        try:
            page = folder.reader().search(SearchRequest(AllNode(), facets=((bucket, None),)))
        finally:
            folder.close()
        counts[name] = page.facets[bucket]
        assert sum(count for _value, count in counts[name]) == 36  # the 38 pages, 2 undated
    for name in list(both)[1:]:
        assert counts[name] == counts[ENGINE_NAMES[0]]


def test_a_search_reads_at_most_a_page_of_articles_from_the_store(news):
    catalog = news._open().catalog
    for query, options in [
        ("ukraine", {"limit": 5}),
        ("", {"limit": 3, "facets": True}),
        ("ceasefire OR grain OR gas", {"limit": 4, "page": 2}),
    ]:
        before = catalog.fetched
        results = news.search(query, **options)
        assert catalog.fetched - before == len(results.hits) <= options["limit"]


def test_phrases_match_across_punctuation_but_not_across_other_words(tmp_path, engine_name):
    write_page(
        tmp_path / "p",
        "a.html",
        "Port strike ends",
        ["The port workers' strike -- the longest in years -- ended on Friday, officials said."],
        published="2024-03-01",
    )
    write_page(
        tmp_path / "p",
        "b.html",
        "Dock news",
        ["Workers at the port went on strike on Friday after talks failed in the city."],
        published="2024-03-02",
    )
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(tmp_path / "p")], jobs=1, engine=engine_name)
        assert [h.headline for h in news.search('"workers strike"').hits] == ["Port strike ends"]
        assert [h.headline for h in news.search('"longest in years ended"').hits] == [
            "Port strike ends"
        ]
        assert news.search('"port strike"', collapse=False).total == 1  # headline of a.html
        assert news.search('"port went on strike"').total == 1
        assert news.search('"port strike"~2', collapse=False).total == 2
        assert news.search("strike").articles == 2
        assert news.search('"strikes"').total == 0 and news.search("strikes").total == 2


WIRE = (
    "The regional water board said on Tuesday that the reservoir above the valley had reached "
    "its lowest level in forty years, and that farmers downstream would receive a third less "
    "water this summer. Engineers will inspect the dam wall next month, the board said, while "
    "talks with the three towns that draw on the reservoir continue through the spring."
)


def test_stories_follow_their_copies_when_the_first_is_rewritten_or_removed(tmp_path, engine_name):
    folder = tmp_path / "p"
    for name, site, day in (("a", "Valley Post", 1), ("b", "Hill Times", 2), ("c", "Dale Star", 3)):
        write_page(folder, f"{name}.html", f"Reservoir at lowest level ({site})", [WIRE],
                   site=site, published=f"2024-04-0{day}")  # fmt: skip
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(folder)], jobs=1, engine=engine_name)
        found = news.search("reservoir")
        assert (found.total, found.articles, len(found.hits[0].duplicates)) == (1, 3, 2)
        # The first copy becomes another story: the other two stay one story.
        write_page(folder, "a.html", "Tram depot opens", ["The new tram depot opened. " * 12],
                   site="Valley Post", published="2024-04-01")  # fmt: skip
        news.index([str(folder)], jobs=1)
        found = news.search("reservoir")
        assert (found.total, found.articles, len(found.hits[0].duplicates)) == (1, 2, 1)
        assert news.search("tram depot").hits[0].duplicates == []
        # With one copy gone, the last is a story of its own.
        os.remove(folder / "b.html")
        news.index([str(folder)], jobs=1, prune=True)
        found = news.search("reservoir")
        assert (found.total, found.articles, found.hits[0].duplicates) == (1, 1, [])
        # A new page never takes over a removed one's story.
        write_page(folder, "d.html", "Reservoir at lowest level (Fen News)", [WIRE],
                   site="Fen News", published="2024-04-04")  # fmt: skip
        news.index([str(folder)], jobs=1)
        found = news.search("reservoir")
        assert (found.total, found.articles, len(found.hits[0].duplicates)) == (1, 2, 1)


def test_sphinxql_is_among_the_engines_compared(tested_engines):
    if not searchd_available():
        pytest.skip(NO_SEARCHD)
    assert "sphinxql" in tested_engines
