"""A plain-text dump of a scraped page -> Article.

Such dumps keep the page's text but not its markup: the breadcrumb glued to the headline, the
headline again, paragraphs and section headings as lines, "See also" links and the footer.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..models import Article
from .boilerplate import is_boilerplate_line
from .fields import split_names
from .language import detect_language
from .pubdate import GUESSED_FLOOR, dates_in_text, plausible
from .textdates import TEXT_DATE

_FOOTER_START = re.compile(
    r"^(?:related(?:\s+(?:articles|stories|posts|news))?|leave\s+a\s+(?:reply|comment)"
    r"|most\s+(?:popular|read)|recent\s+(?:comments|posts)|you\s+may\s+also\s+like"
    r"|more\s+(?:stories|from\b.*)|comments?(?:\s*\(\d+\))?|read\s+(?:next|more)|popular\s+posts"
    r"|latest\s+news|share\s+this(?:\s+(?:article|story|page|post))?|newsletter|about\s+us"
    r"|follow\s+us|tags?:?.*|- ?advertisement ?-)$",
    re.IGNORECASE,
)
# How a site names itself at the foot of its pages: "© 2024 Name", "Name is an independent ...",
# "Name – Culture, nightlife and city life".
_SITE_IN_FOOTER = (
    re.compile(
        r"^(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*(?P<name>[^.,|]{3,50}?)"
        r"(?:[.,|]|\s+all\s+rights\b|$)",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?P<name>(?:The\s+)?[A-Z][\w’'&-]*(?:\s+[A-Z][\w’'&-]*){0,4})\s+(?:is|are)\s+(?:an?|the)\s"
    ),
    re.compile(r"^(?P<name>(?:The\s+)?[A-Z][\w’'&-]*(?:\s+[A-Z][\w’'&-]*){0,4})\s+[–—]\s+\S"),
)
_SENTENCE_END = (".", "!", "?", ":", ";", ",", "”", '"', "’", "'", ")", "…")
_URL_LINE = re.compile(r"^(?:url|source|link)\s*:\s*(https?://\S+)$", re.IGNORECASE)


_DOCUMENT_TAG = re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)
_COMMON_TAG = re.compile(
    r"</?(?:p|div|span|a|br|table|td|article|h[1-6]|style|script|meta)\b[^>]*>", re.IGNORECASE
)


def looks_like_html(text: str) -> bool:
    """Whether text is markup (a page) rather than a plain-text dump."""
    head = text[:65536]
    return _DOCUMENT_TAG.search(head) is not None or len(_COMMON_TAG.findall(head)) >= 5


def _is_heading(line: str, following: str | None) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 12
        and len(line) <= 90
        and not line.endswith(_SENTENCE_END)
        and line[0].isupper()
        and following is not None
        and len(following) > len(line)
    )


def _date_line(line: str, now: datetime | None) -> datetime | None:
    if len(line) > 60:
        return None
    for value, _start, _end, updated in dates_in_text(line):
        if not updated and plausible(value, floor=GUESSED_FLOOR, now=now):
            return value
    return None


def _site_in_footer(lines: list[str]) -> str | None:
    for line in reversed(lines[-12:]):
        for pattern in _SITE_IN_FOOTER:
            match = pattern.match(line)
            if match:
                return match.group("name").strip()
    return None


def extract_text_dump(text: str, url: str | None = None, *, now: datetime | None = None) -> Article:
    """Extract an Article from the text of a scraped page."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    article = Article(url=url)
    if not lines:
        return article
    url_match = _URL_LINE.match(lines[0])
    if url_match:
        article.url = article.url or url_match.group(1)
        lines = lines[1:]
    if len(lines) >= 2 and lines[0] != lines[1] and lines[0].endswith(lines[1]):
        article.headline, lines = lines[1], lines[2:]  # breadcrumb glued to the headline
    elif len(lines) >= 2 and lines[0] == lines[1]:
        article.headline, lines = lines[0], lines[2:]
    else:
        article.headline, lines = lines[0], lines[1:]

    # Preamble under the headline: a date line and a byline, in either order.
    for _ in range(3):
        if not lines:
            break
        found = _date_line(lines[0], now)
        if found is not None and article.published is None:
            article.published, article.published_source = found, "text"
            lines = lines[1:]
        elif re.match(r"^by\s+\S", lines[0], re.IGNORECASE) and len(lines[0]) <= 100:
            article.authors = split_names(lines[0])
            lines = lines[1:]
        else:
            break

    for index, line in enumerate(lines):
        if index > len(lines) // 3 and _FOOTER_START.match(line):
            article.site_name = _site_in_footer(lines[index:])
            lines = lines[:index]
            break
    content = [line for line in lines if not is_boilerplate_line(line)]
    paragraphs, headings = [], []
    for index, line in enumerate(content):
        following = content[index + 1] if index + 1 < len(content) else None
        if index > 0 and _is_heading(line, following) and not TEXT_DATE.fullmatch(line):
            headings.append(line)
        paragraphs.append(line)
    article.body = "\n\n".join(paragraphs)
    article.headings = headings
    article.language = detect_language(article.body)
    return article
