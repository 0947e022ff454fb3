"""The sample crawl shipped in corpus/warc indexes beside the loose pages, as `make run` does."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS, CORPUS_WARC, ROOT

from searchnews import NewsIndex

SAMPLE = CORPUS_WARC / "northsea-courier.warc.gz"
EXPECTED = ROOT / "tests/fixtures/corpus_expected.json"


@pytest.fixture(scope="module")
def whole_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whole-corpus")
    with NewsIndex(str(folder)) as news:
        report = news.index([str(CORPUS)], jobs=2)
    with NewsIndex(str(folder)) as news:
        yield report, news


def test_the_crawl_adds_its_five_stories_and_counts_what_it_skips(whole_corpus):
    report, news = whole_corpus
    loose_pages = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert (report.added, report.failed) == (len(loose_pages) + 5, 0)
    assert report.skipped == {
        "HTTP status 404": 1,
        "metadata record": 5,
        "not HTML (image/png)": 1,
        "request record": 5,
        "revisit record": 1,
    }
    result = news.search('site:"Northsea Courier"', limit=10, collapse=False)
    assert result.total == 5
    assert {hit.path for hit in result.hits} == {str(SAMPLE)}


def test_a_story_without_a_date_is_dated_by_its_capture(whole_corpus):
    _report, news = whole_corpus
    (hit,) = news.search('"restored lamp"').hits
    assert hit.published_source == "capture"
    assert hit.published.isoformat() == "2025-11-05T09:40:00+00:00"
    assert hit.source["captured"] == hit.published.isoformat()
    assert hit.source["record_id"].startswith("<urn:uuid:")


def test_a_page_in_windows_1252_named_by_its_header_reads_right(whole_corpus):
    _report, news = whole_corpus
    (hit,) = news.search("kippers").hits
    assert "kippers \u2013 smoked herring \u2013" in news.article(hit.id).body
    assert hit.published_source != "capture"
