"""Every page of the shipped corpus extracts to the fields written down for it by hand.

`fixtures/corpus_expected.json` holds, per file, the headline, dates, authors, site, language,
section headings, sentences the body must contain and boilerplate it must not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchnews import extract_article
from searchnews.pagework import read_page_bytes

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = json.loads((ROOT / "tests/fixtures/corpus_expected.json").read_text(encoding="utf-8"))
FILES = sorted(EXPECTED)


def _collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def extracted() -> dict:
    return {name: extract_article(read_page_bytes(str(ROOT / "corpus" / name))) for name in FILES}


def test_every_corpus_page_has_an_expectation():
    on_disk = {
        str(path.relative_to(ROOT / "corpus"))
        for path in (ROOT / "corpus").rglob("*")
        if path.is_file() and path.name != "README.md" and "warc" not in path.parts
    }
    assert on_disk == set(EXPECTED)


def test_the_corpus_covers_the_markups():
    markups = {entry["markup"] for entry in EXPECTED.values()}
    assert {"wordpress", "jsonld", "table", "amp", "gzip", "text"} <= markups
    assert markups & {"cp1251", "latin1"}
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("name", FILES)
def test_headline(extracted, name):
    assert extracted[name].headline == EXPECTED[name]["headline"]


@pytest.mark.parametrize("name", FILES)
def test_published_date(extracted, name):
    article = extracted[name]
    got = article.published.date().isoformat() if article.published else None
    assert got == EXPECTED[name]["published"]


@pytest.mark.parametrize("name", FILES)
def test_modified_date(extracted, name):
    article = extracted[name]
    expected = EXPECTED[name].get("modified")
    got = article.modified.date().isoformat() if article.modified else None
    if expected is None:
        assert got is None or got == EXPECTED[name]["published"]
    else:
        assert got == expected


@pytest.mark.parametrize("name", FILES)
def test_authors(extracted, name):
    assert extracted[name].authors == EXPECTED[name]["authors"]


@pytest.mark.parametrize("name", FILES)
def test_site_and_language(extracted, name):
    article = extracted[name]
    assert article.site_name == EXPECTED[name]["site_name"]
    assert article.language == EXPECTED[name]["language"]


@pytest.mark.parametrize("name", FILES)
def test_headings(extracted, name):
    assert extracted[name].headings == EXPECTED[name]["headings"]


@pytest.mark.parametrize("name", FILES)
def test_body_keeps_the_article(extracted, name):
    body = _collapse(extracted[name].body)
    for sentence in EXPECTED[name]["body_contains"]:
        assert _collapse(sentence) in body


@pytest.mark.parametrize("name", FILES)
def test_body_drops_the_boilerplate(extracted, name):
    body = _collapse(extracted[name].body)
    for furniture in EXPECTED[name]["body_excludes"]:
        assert _collapse(furniture) not in body
