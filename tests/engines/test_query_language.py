"""The query language on an index of the shipped corpus: dates, mentions, proximity, prefixes,
facets, collapsed copies, similar articles, suggestions and explanations."""

from __future__ import annotations

from datetime import datetime

import pytest

from searchnews import ArticleNotFoundError, QueryError

from .sphinxql_support import NO_VOCABULARY, sphinxql_cannot

AS_OF = datetime(2024, 7, 20)
GAS_COPIES = {
    "The Meridian Ledger",
    "Alpine Tribune",
    "Continental Newswire",
}


def sites(results):
    return sorted(hit.site_name for hit in results.hits)


def headlines(results):
    return [hit.headline for hit in results.hits]


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("date:2024-07", 4),
        ("date:[2024-07-01 TO 2024-07-05]", 2),
        ("date:2024-07-04", 1),
        ("date:>2024-07-11 date:<2024-08", 1),
        ("date:>=2024-07-11 date:<=2024-07-31", 2),
        ('date:"last week"', 1),
        ('date:"this month"', 4),
        ("date:[2003 TO 2004]", 2),
        ("date:[* TO 2005]", 2),
        ("-date:[* TO 2024-12-31]", 11),
    ],
)
def test_date_queries(news, query, count):
    assert news.search(query, as_of=AS_OF, limit=50, collapse=False).total == count


def test_date_query_combines_with_words(news):
    results = news.search("ceasefire date:2024-07", as_of=AS_OF)
    assert {hit.published.date().isoformat() for hit in results.hits} <= {
        "2024-07-02",
        "2024-07-04",
    }
    assert results.total == 2


def test_mentions_finds_dates_the_text_names(news):
    # The seed story mentions Bakhmut "captured in 2023" and is dated 2024-07-04.
    found = headlines(news.search("mentions:2023 bakhmut", as_of=AS_OF))
    assert "Putin rejects ceasefire in Ukraine, says Kiev can rearm itself" in found
    by_day = headlines(news.search("mentions:2024-07-04", as_of=AS_OF, limit=50))
    assert "Putin rejects ceasefire in Ukraine, says Kiev can rearm itself" in by_day
    assert news.search("mentions:[1700 TO 1701]").total == 0


def test_proximity_and_prefix(news):
    exact = news.search('"putin said"').total
    near = news.search('"putin said"~3').total
    assert near >= exact and near > 0
    assert news.search("ceasefir*").total == news.search("ceasefire OR ceasefires").total


def test_sloppy_phrase_with_too_many_placements_is_refused(news):
    # Six words ~10 can stand in 3003 order-preserving placements: refused, never approximated.
    query = 'ceasefire "putin said the talks would resume"~10'
    with pytest.raises(QueryError, match=r'"putin said the talks would resume"~10 at position 11'):
        news.search(query)
    assert news.search('"putin said the talks"~3').total >= 0


def test_or_not_and_parentheses(news):
    either = news.search("kiev OR kyiv", collapse=False).total
    kiev, kyiv = (
        news.search("kiev", collapse=False).total,
        news.search("kyiv", collapse=False).total,
    )
    both = news.search("kiev kyiv", collapse=False).total
    assert either == kiev + kyiv - both
    assert news.search("(kiev OR kyiv) -kiev", collapse=False).total == kyiv - both


def test_field_searches(news):
    assert news.search("headline:rearm").total == 1
    assert news.search('heading:"expands its ranks"').total == 1
    assert (
        "NATO allies promise Ukraine an ‘irreversible’ path to membership at Washington summit"
        in headlines(news.search("author:whitfield"))
    )
    assert news.search("site:frontline").total >= 3
    assert news.search("body:rearm").total == 0  # the seed's body says "arm itself"
    assert news.search('body:"arm itself"').total >= 1


def test_syndicated_copies_collapse_into_one_hit(news):
    collapsed = news.search('"russian gas" transit date:2025')
    assert collapsed.total == 1 and collapsed.articles == 3
    hit = collapsed.hits[0]
    assert {hit.site_name, *(copy.site_name for copy in hit.duplicates)} == GAS_COPIES
    everything = news.search('"russian gas" transit date:2025', collapse=False)
    assert everything.total == 3 and all(not hit.duplicates for hit in everything.hits)


def test_facets_count_all_matching_articles(news):
    results = news.search("ukraine", facets=True, limit=1)
    with_site = news.search("ukraine", collapse=False, limit=100)
    assert sum(value.count for value in results.facets["site"]) == sum(
        1 for hit in with_site.hits if hit.site_name
    )
    months = [value.value for value in results.facets["month"]]
    assert months == sorted(months)
    dated = news.search("ukraine", since="1800", collapse=False).total
    assert sum(value.count for value in results.facets["month"]) == dated
    assert set(results.facets) == {"site", "section", "month", "person", "org", "place"}
    assert news.search("ukraine").facets is None


def test_similar_articles(news):
    seed = news.search('"rearm itself"').hits[0]
    similar = news.similar(seed.id, limit=5)
    assert 0 < len(similar.hits) <= 5
    assert seed.id not in {hit.id for hit in similar.hits}
    gas = news.search('"russian gas" transit date:2025').hits[0]
    copies = {copy.id for copy in gas.duplicates}
    assert copies.isdisjoint(hit.id for hit in news.similar(gas.id).hits)
    with pytest.raises(ArticleNotFoundError):
        news.similar("0000000000000000")


def test_did_you_mean(request, news, engine_name):
    sphinxql_cannot(request, engine_name, NO_VOCABULARY)
    results = news.search("ceasfire zelenksy")
    assert results.total == 0
    assert results.suggestion == "ceasefire zelensky"
    assert news.search("ceasefire").suggestion is None


def test_explain(news):
    text = news.explain('putin "rearm itself" date:2024-07 -orban', as_of=AS_OF)
    assert "word 'putin' in headline, headings or body" in text
    assert "exact phrase 'rearm itself'" in text
    assert "published from 2024-07-01 to 2024-07-31" in text
    assert "NOT:" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date:[2024 TO 2023]", "inverted"),
        ("date:[2024", "Unbalanced bracket"),
        ("date:whenever-ish", "Cannot read the date"),
        ("tag:[a TO b]", "date: and mentions: only"),
        ("mentions:", "needs a date"),
    ],
)
def test_malformed_date_queries(news, query, message):
    with pytest.raises(QueryError, match=message):
        news.search(query)


def test_json_carries_facets_and_duplicates(news):
    data = news.search('"russian gas" transit date:2025', facets=True).to_dict()
    assert {"facets", "articles", "suggestion"} <= set(data)
    assert len(data["hits"][0]["duplicates"]) == 2
    assert set(data["hits"][0]["duplicates"][0]) == {
        "id",
        "path",
        "url",
        "headline",
        "published",
        "site_name",
    }
