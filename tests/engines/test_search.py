"""Searching a small index of pages with known content: words, phrases, dates, sorting, snippets."""

from __future__ import annotations

from datetime import date

import pytest
from pagemaker import write_page

from searchnews import NewsIndex, QueryError

PAGES = [
    (
        "ceasefire.html",
        "Putin rejects ceasefire, says Kiev can rearm itself",
        "2024-07-04T16:42:00+00:00",
        [
            "Russian President Vladimir Putin said Thursday he would never declare a ceasefire.",
            "Hungarian Prime Minister Viktor Orbán had proposed talks; "
            "Recep Tayyip Erdoğan offered to mediate.",
            "Ukraine could use a ceasefire to rearm itself, Putin said.",
        ],
    ),
    (
        "grain.html",
        "Grain corridor reopens in the Black Sea",
        "2023-08-15",
        [
            "Ships loaded with grain left Odesa on Tuesday.",
            "Insurers said premiums would stay high.",
        ],
    ),
    (
        "tram.html",
        "City council approves tram line to the harbour",
        "2024-02-29",
        ["The council voted 31 to 12 for the harbour tram line.", "Work starts in the autumn."],
    ),
    (
        "archive.html",
        "Tariff talks stall in Geneva",
        "1987-03-02",
        ["Trade ministers failed to agree on tariffs for steel.", "A new round is due in April."],
    ),
    (
        "undated.html",
        "Volunteers clean the river banks",
        None,
        ["More than two hundred volunteers cleared rubbish from the river banks on Saturday."],
    ),
    (
        "xss.html",
        "Researchers show <script>alert(1)</script> in comment fields",
        "2025-01-10",
        [
            "The string <script>alert(1)</script> ran in the comment fields "
            "of the tram operator's site."
        ],
    ),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory, engine_name):
    folder = tmp_path_factory.mktemp("pages")
    for name, headline, published, paragraphs in PAGES:
        write_page(folder, name, headline, paragraphs, published=published)
    index_dir = tmp_path_factory.mktemp("index")
    with NewsIndex(str(index_dir)) as news:
        report = news.index([str(folder)], jobs=1, engine=engine_name)
        assert report.added == len(PAGES)
        yield news


def headlines(results):
    return [hit.headline for hit in results.hits]


def test_words_are_anded(index):
    assert index.search("ceasefire putin").total == 1
    assert index.search("ceasefire harbour").total == 0


def test_phrase_matches_only_the_exact_sequence(index):
    assert headlines(index.search('"rearm itself"')) == [PAGES[0][1]]
    assert index.search('"itself rearm"').total == 0


def test_case_and_diacritics_are_folded(index):
    assert index.search("ORBAN").total == 1
    assert index.search("erdogan").total == 1
    assert index.search("Erdoğan").total == 1


def test_headline_match_outranks_body_match(index):
    results = index.search("harbour")
    assert results.hits[0].headline == "City council approves tram line to the harbour"


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("2024", "2024", {"ceasefire.html", "tram.html"}),
        ("2024-07", "2024-07", {"ceasefire.html"}),
        ("2024-02-29", "2024-02-29", {"tram.html"}),
        (None, "1990", {"archive.html"}),
        ("2025", None, {"xss.html"}),
        ("1987-03", "1987-03", {"archive.html"}),
    ],
)
def test_date_filter_is_inclusive(index, since, until, expected):
    results = index.search("", since=since, until=until, limit=50)
    assert {hit.path.rsplit("/", 1)[1] for hit in results.hits} == expected


def test_date_filter_combines_with_words(index):
    assert index.search("ceasefire", since="2024-07-04", until="2024-07-04").total == 1
    assert index.search("ceasefire", since="2024-07-05").total == 0


def test_listing_without_words_sorts_by_date_and_puts_undated_last(index):
    newest = index.search("", sort="newest", limit=50)
    dates = [hit.published.date() if hit.published else None for hit in newest.hits]
    assert dates == [
        date(2025, 1, 10),
        date(2024, 7, 4),
        date(2024, 2, 29),
        date(2023, 8, 15),
        date(1987, 3, 2),
        None,
    ]
    oldest = index.search("", sort="oldest", limit=50)
    assert oldest.hits[0].headline == "Tariff talks stall in Geneva"
    assert oldest.hits[-1].published is None


def test_pagination(index):
    first = index.search("", sort="newest", limit=2, page=1)
    second = index.search("", sort="newest", limit=2, page=2)
    past = index.search("", sort="newest", limit=2, page=9)
    assert first.total == second.total == len(PAGES)
    assert set(headlines(first)).isdisjoint(headlines(second))
    assert past.hits == [] and past.total == len(PAGES)


def test_phrase_is_highlighted_as_one_span(index):
    hit = index.search('"rearm itself"').hits[0]
    assert "<mark>rearm itself</mark>" in hit.headline_match.to_html()
    assert any("<mark>rearm itself</mark>" in s.to_html() for s in hit.snippets)
    assert not any("<mark>rearm</mark>" in s.to_html() for s in hit.snippets)


def test_snippets_highlight_each_word_and_skip_negated_ones(index):
    assert index.search("putin ceasefire -orban").total == 0  # the only such page names Orbán
    hit = index.search("putin ceasefire").hits[0]
    html = " ".join(s.to_html() for s in hit.snippets)
    assert "<mark>Putin</mark>" in html and "<mark>ceasefire</mark>" in html
    assert 1 <= len(hit.snippets) <= 3


def test_snippet_text_is_escaped(index):
    hit = index.search("alert").hits[0]
    html = hit.snippets[0].to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>" not in hit.to_dict()["headline_html"]


def test_json_contract(index):
    data = index.search('"rearm itself"').to_dict()
    assert set(data) >= {"query", "total", "page", "hits"}
    hit = data["hits"][0]
    assert set(hit) >= {
        "id",
        "path",
        "url",
        "headline",
        "published",
        "site_name",
        "score",
        "snippets",
    }
    assert hit["published"] == "2024-07-04T16:42:00+00:00"
    assert hit["site_name"] == "The Test Courier"
    assert all(isinstance(snippet, str) for snippet in hit["snippets"])


def test_article_by_id(index):
    hit = index.search("grain").hits[0]
    article = index.article(hit.id)
    assert article.headline == hit.headline
    assert "Odesa" in article.body
    assert index.article("0000000000000000") is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"query": '"unclosed'}, "Unbalanced quote"),
        ({"query": "x", "since": "whenever"}, "Cannot read the date"),
        ({"query": "x", "since": "2024-08", "until": "2024-07"}, "inverted"),
        ({"query": "x", "sort": "random"}, "Unknown sort"),
        ({"query": "x", "limit": 0}, "limit"),
        ({"query": "x", "page": 0}, "page"),
    ],
)
def test_bad_requests_raise_query_error(index, options, message):
    with pytest.raises(QueryError, match=message):
        index.search(**options)
