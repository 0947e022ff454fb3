"""Publication dates, their provenance, and the dates an article's text mentions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from searchnews import extract_article
from searchnews.extract.mentions import mentioned_dates

ROOT = Path(__file__).resolve().parent.parent
SEED = (
    ROOT
    / "corpus/frontlinedaily/2024/07"
    / ("putin-rejects-ceasefire-in-ukraine-says-kiev-can-rearm-itself.html")
)
BODY = "<p>" + "The committee met again to discuss the harbour plan and the budget. " * 5 + "</p>"


def page(head: str = "", body: str = BODY, url_path: str = "/story") -> str:
    return (
        "<html><head><title>Harbour plan</title>"
        f'<link rel="canonical" href="https://example.org{url_path}">'
        f"{head}</head><body><h1>Harbour plan</h1>"
        f"<div class='article-body'>{body}</div></body></html>"
    )


@pytest.mark.parametrize(
    ("head", "body", "published", "source"),
    [
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "2021-03-04T10:00:00+01:00"}</script>',
            BODY,
            "2021-03-04",
            "jsonld",
        ),
        (
            '<meta property="article:published_time" content="2021-03-04T10:00:00Z">',
            BODY,
            "2021-03-04",
            "meta",
        ),
        ("", '<time datetime="2021-03-04">4 March 2021</time>' + BODY, "2021-03-04", "time"),
        ("", "<p>Posted: Thursday, March 4, 2021 - 10:00 GMT</p>" + BODY, "2021-03-04", "text"),
        (
            '<meta property="article:published_time" content="1987-03-02">',
            BODY,
            "1987-03-02",
            "meta",
        ),
        (
            '<meta property="article:published_time" content="1850-06-01">',
            BODY,
            "1850-06-01",
            "meta",
        ),
    ],
)
def test_publication_date_and_where_it_came_from(head, body, published, source):
    article = extract_article(page(head, body))
    assert article.published.date().isoformat() == published
    assert article.published_source == source


def test_date_in_the_url():
    article = extract_article(page(url_path="/2019/05/20/harbour-plan"))
    assert (article.published.date().isoformat(), article.published_source) == ("2019-05-20", "url")


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2099-01-01T00:00:00Z">',
        '<meta property="article:published_time" content="1712-01-01">',
    ],
)
def test_future_or_implausibly_old_declared_dates_are_refused(head):
    assert extract_article(page(head)).published is None


def test_no_date_after_the_crawl():
    head = '<meta property="article:published_time" content="2024-07-04T10:00:00Z">'
    assert extract_article(page(head), now=datetime(2024, 7, 10)).published is not None
    assert extract_article(page(head), now=datetime(2024, 6, 1)).published is None


def test_guessed_dates_have_a_later_floor_than_declared_ones():
    body = "<p>Posted: March 3, 1985</p>" + BODY
    assert extract_article(page(body=body)).published is None


def test_modified_is_kept_apart_from_published():
    head = (
        '<meta property="article:published_time" content="2023-05-28T20:00:00+03:00">'
        '<meta property="article:modified_time" content="2023-05-29T08:00:00+03:00">'
    )
    article = extract_article(page(head))
    assert article.published.date().isoformat() == "2023-05-28"
    assert article.modified.date().isoformat() == "2023-05-29"
    assert (article.published_source, article.modified_source) == ("meta", "meta")


def test_utc_time_is_read_as_the_local_day_the_url_gives():
    head = '<meta property="article:published_time" content="2023-11-09T01:09:55+00:00">'
    article = extract_article(page(head, url_path="/2023/11/08/late-story"))
    assert article.published.date().isoformat() == "2023-11-08"


def test_seed_page_mentions_are_resolved_against_its_date():
    article = extract_article(SEED.read_bytes())
    assert article.published.date().isoformat() == "2024-07-04"
    # "said Thursday" is the day itself, "in 2023" the year, "so far this year" 2024,
    # "A week ago" 2024-06-27, "more than two years ago" 2022.
    assert article.mentioned_dates == ["2022", "2023", "2024", "2024-06-27", "2024-07-04"]


BASE = datetime(2024, 7, 4, 16, 0)


@pytest.mark.parametrize(
    ("text", "with_base", "without_base"),
    [
        ("On 4 July 2024 he said", ["2024-07-04"], ["2024-07-04"]),
        ("It opened on July 4, 2024.", ["2024-07-04"], ["2024-07-04"]),
        ("prices rose in July 2024", ["2024-07"], ["2024-07"]),
        ("by July 4 the deal", ["2024-07-04"], []),
        ("on December 30 the talks", ["2023-12-30"], []),
        ("last Monday", ["2024-07-01"], []),
        ("on Thursday", ["2024-07-04"], []),
        ("yesterday", ["2024-07-03"], []),
        ("three days ago", ["2024-07-01"], []),
        ("last year", ["2023"], []),
        ("since 1987 and until 2030", ["1987", "2030"], ["1987", "2030"]),
        ("2024-07-01 and 03.02.2021", ["2021-02-03", "2024-07-01"], ["2021-02-03", "2024-07-01"]),
        ("le 5 décembre 2019", ["2019-12-05"], ["2019-12-05"]),
        ("15 марта 2023 года", ["2023-03-15"], ["2023-03-15"]),
        ("you may 5 times", [], []),
        ("190,000 volunteers", [], []),
    ],
)
def test_mentioned_dates(text, with_base, without_base):
    assert mentioned_dates(text, BASE) == with_base
    assert mentioned_dates(text) == without_base
