"""Bytes -> text: byte-order marks, declared charsets, detection."""

from __future__ import annotations

import pytest

from searchnews import extract_article
from searchnews.extract import decode_page

CYRILLIC = "Верховная рада приняла закон о бюджете на следующий год, сообщили в парламенте."
GERMAN = "Die Bürgermeisterin äußerte sich über die Straßenbahn in München."


def test_utf8_bom_wins():
    text, encoding = decode_page("\ufeff<p>Kyiv – Київ</p>".encode("utf-8-sig"))
    assert text == "<p>Kyiv – Київ</p>"
    assert encoding.startswith("utf")


@pytest.mark.parametrize(
    "declaration",
    [
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
        '<meta charset="windows-1251">',
    ],
)
def test_windows_1251_declared_in_meta(declaration):
    page = f"<html><head>{declaration}</head><body><p>{CYRILLIC}</p></body></html>"
    text, encoding = decode_page(page.encode("cp1251"))
    assert CYRILLIC in text
    assert encoding == "cp1251"


def test_latin1_label_reads_as_windows_1252():
    page = (
        f'<html><head><meta charset="iso-8859-1"></head><body><p>{GERMAN} “Zitat”</p></body></html>'
    )
    text, _ = decode_page(page.encode("cp1252"))
    assert f"{GERMAN} “Zitat”" in text


def test_undeclared_cyrillic_is_detected():
    page = f"<html><body><p>{CYRILLIC} {CYRILLIC}</p></body></html>"
    text, _ = decode_page(page.encode("cp1251"))
    assert CYRILLIC in text


def test_wrong_declaration_falls_back_to_utf8():
    page = '<meta charset="ascii"><p>Erdoğan met Orbán</p>'
    text, _ = decode_page(page.encode("utf-8"))
    assert "Erdoğan met Orbán" in text


def test_extracted_cyrillic_article_is_proper_text():
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        f"<title>Бюджет принят</title></head><body><h1>Бюджет принят</h1>"
        f"<div class='article-body'><p>{CYRILLIC}</p><p>{CYRILLIC}</p><p>{CYRILLIC}</p>"
        f"<p>{CYRILLIC}</p></div></body></html>"
    )
    article = extract_article(page.encode("cp1251"))
    assert article.headline == "Бюджет принят"
    assert CYRILLIC in article.body
    assert article.language == "ru"
