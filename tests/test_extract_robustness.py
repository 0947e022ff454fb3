"""Extraction never raises: a page that cannot be parsed gives an Article with what was found."""

from __future__ import annotations

import pytest

from searchnews import Article, extract_article

DEEP = "<html><body>" + "<div>" * 10000 + "<p>deep text</p>" + "</div>" * 10000 + "</body></html>"


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"\x00\x00\x00",
        bytes(range(256)) * 20,
        b"<<<>>><<",
        "<html><body>" + "<span>" * 5000 + "x" + "</span>" * 5000 + "</body></html>",
        DEEP,
        b"<html><head><meta charset='no-such-charset'></head><body><p>text</p></body></html>",
        b'<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": [[</script>',
        b"<html><body><time datetime='9999-99-99'>soon</time></body></html>",
        "\ufeff<p>a byte-order mark and UTF-16</p>".encode("utf-16"),
        b"<?xml version='1.0' encoding='utf-8'?><html><body><p>xhtml page</p></body></html>",
    ],
)
def test_odd_pages_give_an_article(page):
    assert isinstance(extract_article(page), Article)


def test_xhtml_with_an_xml_declaration_keeps_its_text():
    page = (
        b"<?xml version='1.0' encoding='utf-8'?><html><body><article><h1>Port reopens</h1>"
        + b"<p>"
        + b"The port reopened on Monday after the storm had passed over the coast. " * 6
        + b"</p></article></body></html>"
    )
    article = extract_article(page)
    assert article.headline == "Port reopens"
    assert "The port reopened on Monday" in article.body


def test_a_charset_label_with_a_nul_byte():
    page = (
        b"<html><head><meta charset='utf\x00-8'></head><body><p>"
        + b"Text of the story goes here. " * 5
        + b"</p></body></html>"
    )
    assert "Text of the story" in extract_article(page).body
