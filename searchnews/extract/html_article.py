"""A decoded HTML page -> Article."""

from __future__ import annotations

import copy
import itertools
import logging
import re
from datetime import datetime

from lxml import etree
from lxml import html as lxml_html

from ..models import Article
from .content import drop_junk, element_text, find_main_content, read_blocks, strip_furniture
from .fields import (
    choose_headline,
    site_from_title,
    split_names,
    tidy_blocks,
    unique,
)
from .language import detect_language, normalise_language
from .metadata import PageMetadata, read_metadata
from .pubdate import GUESSED_FLOOR, choose_dates, choose_declared

log = logging.getLogger(__name__)

_TITLE_NAMES = re.compile(r"entry-title|post-title|article-title|headline")
_BYLINE_NAMES = re.compile(r"byline|author")
_DATE_NAMES = re.compile(r"date|publish|posted|time")
_NAME_WORDS = r"[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3}"
_BYLINE_IN_TEXT = re.compile(
    rf"(?:^|[ (])[Bb]y ({_NAME_WORDS}(?:(?:, | and ){_NAME_WORDS})*)", re.M
)
_DATE_CONTEXT = 1500  # characters after the headline in which a dateline is looked for
_DATE_CONTEXT_BEFORE = 300


def parse_html(text: str):
    """Parse markup leniently into an lxml tree; None when nothing can be parsed."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        return lxml_html.document_fromstring(
            text, parser=lxml_html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
        )
    except (etree.ParserError, ValueError):
        return None


class _Survey:
    """Elements whose class, id or microdata speak of a title, a byline or a date: one walk."""

    def __init__(self, tree) -> None:
        self.titles: list = []
        self.bylines: list = []
        self.dated: list = []
        comments: set = set()
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
            prop = element.get("itemprop") or ""
            if names == " " and not prop and not element.get("rel"):
                if element.getparent() in comments:
                    comments.add(element)
                continue
            if "comment" in names or element.getparent() in comments:
                comments.add(element)
                continue
            if prop == "headline" or _TITLE_NAMES.search(names):
                self.titles.append(element)
            if prop == "author" or element.get("rel") == "author" or _BYLINE_NAMES.search(names):
                self.bylines.append(element)
            if _DATE_NAMES.search(names):
                self.dated.append(element)


def _signature(element) -> tuple:
    return (element.tag, element.get("class"), element.get("itemprop"), element.get("rel"))


def _bylines(elements: list) -> list[str]:
    """Author names from byline elements: those like the first one that names anybody."""
    names: list[str] = []
    first = None
    for element in elements[:30]:
        if first is not None and _signature(element) != first:
            continue
        text = " ".join(" ".join(element.itertext()).split())
        found = split_names(text) if 0 < len(text) <= 160 else []
        if found:
            names.extend(found)
            first = _signature(element)
    return names


def _text_lines(element) -> str:
    """Visible text with a line break between text nodes, so separate elements stay apart."""
    return "\n".join(" ".join(text.split()) for text in element.itertext() if text.strip())


def _byline_in_text(text: str) -> list[str]:
    match = _BYLINE_IN_TEXT.search(text[:600])
    return split_names(match.group(1)) if match else []


def _dateline_text(page_text: str, headline: str) -> str:
    """The text around the headline, where a dateline stands (just above or below it)."""
    position = page_text.find(headline) if headline else -1
    if position < 0:
        return page_text
    start = max(0, position - _DATE_CONTEXT_BEFORE)
    return page_text[start : position + len(headline) + _DATE_CONTEXT]


def extract_html(text: str, url: str | None = None, *, now: datetime | None = None) -> Article:
    """Extract an Article from decoded HTML; a page that cannot be parsed gives an empty one."""
    tree = parse_html(text)
    if tree is None:
        return Article(url=url)
    meta = read_metadata(tree)
    h1s = [element_text(h1) for h1 in tree.iter("h1")]
    h1s = [h1 for h1 in h1s if h1]
    untouched = None if choose_declared(meta.published, now=now) else copy.deepcopy(tree)
    drop_junk(tree)
    page_url = url or meta.url
    site_name = meta.site_name
    survey = _Survey(tree)
    titled = [element_text(el) for el in survey.titles[:5]]
    headline = choose_headline(meta.headline, meta.og_title, meta.title, h1s + titled, site_name)
    site_name = site_name or site_from_title(meta.title, headline)
    body_element = tree.find("body")
    page_text = _text_lines(body_element if body_element is not None else tree)
    dateline = _dateline_text(page_text, headline)
    authors = unique(meta.authors or _bylines(survey.bylines) or _byline_in_text(dateline))
    article = Article(
        headline=headline,
        authors=authors,
        url=page_url,
        site_name=site_name,
        section=meta.section,
        tags=unique(meta.tags),
        description=meta.description,
    )
    # Before the article container is cleaned: date elements are furniture to the body.
    _set_dates(article, meta, page_url, survey.dated, dateline, now, untouched)

    container = find_main_content(tree)
    strip_furniture(container)
    blocks = tidy_blocks(read_blocks(container), headline, authors)
    paragraphs = [block.text for block in blocks]
    body = "\n\n".join(paragraphs)
    if meta.article_body and len(body) < 0.5 * len(meta.article_body):
        body = "\n\n".join(p.strip() for p in re.split(r"\n\s*\n", meta.article_body) if p.strip())
    article.body = body
    article.headings = [block.text for block in blocks if block.kind == "heading"]
    article.language = normalise_language(meta.language) or detect_language(body or page_text)
    return article


def _dated_element_texts(elements: list):
    """Short texts of elements whose class or id speaks of a date ("post-date", "published")."""
    for element in elements:
        text = element_text(element)
        if 6 <= len(text) <= 120:
            yield text


def _htmldate(tree, url, now) -> datetime | None:
    """htmldate's reading of the page, for pages that declare no date of their own."""
    from htmldate import find_date  # imports dateparser: only pages without metadata need it

    try:
        found = find_date(
            tree,
            url=url,
            original_date=True,
            extensive_search=False,
            min_date=GUESSED_FLOOR,
            max_date=now or datetime.now(),
        )
    except (RecursionError, ValueError, TypeError):
        return None
    return datetime.fromisoformat(found) if found else None


def _set_dates(
    article: Article,
    meta: PageMetadata,
    url: str | None,
    dated: list,
    text: str,
    now: datetime | None,
    untouched=None,
) -> None:
    published, modified = choose_dates(
        meta.published,
        meta.modified,
        url=url,
        texts=itertools.chain(_dated_element_texts(dated), [text]),
        now=now,
        guess=(lambda: _htmldate(untouched, url, now)) if untouched is not None else None,
        dateline=text,
    )
    if published is not None:
        article.published, article.published_source = published.value, published.source
    if modified is not None:
        article.modified, article.modified_source = modified.value, modified.source
