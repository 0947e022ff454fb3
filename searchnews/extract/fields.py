"""Choosing headline, authors and site name from what the page offers, and tidying the body."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .content import Block
from .textdates import TEXT_DATE

_TITLE_SEPARATORS = re.compile(r"\s+(?:[|–—·•»:]{1,2}|-{1,2})\s+")
_BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:posted|written|words|reported)\s+by|by|von|par|por|di|door|authors?|autor(?:in)?"
    r"|автор|от)\s*:?\s+",
    re.IGNORECASE,
)
_NAME_PARTICLES = {
    "van",
    "von",
    "de",
    "der",
    "den",
    "da",
    "di",
    "del",
    "du",
    "le",
    "la",
    "bin",
    "al",
    "el",
    "ter",
    "zu",
    "y",
    "dos",
    "das",
}
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bund\b|\bet\b|\by\b|&|\bи\b|\bі\b)\s*", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"\d|@|https?:|\bstaff\b|\bupdated\b|\bpublished\b", re.IGNORECASE)


def _folded(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def similar(first: str, second: str) -> bool:
    """Whether two titles are the same headline give or take a site name or punctuation."""
    a, b = _folded(first), _folded(second)
    if not a or not b:
        return False
    if a in b or b in a:
        return min(len(a), len(b)) >= 0.5 * max(len(a), len(b)) or len(a.split()) >= 4
    words_a, words_b = set(a.split()), set(b.split())
    return len(words_a & words_b) / len(words_a | words_b) >= 0.6


def strip_site_from_title(title: str, site_name: str | None) -> str:
    """'Headline | Site' or 'Site - Headline' -> 'Headline'."""
    parts = [part for part in _TITLE_SEPARATORS.split(title) if part.strip()]
    if len(parts) < 2:
        return title.strip()
    if site_name:
        kept = [part for part in parts if not similar(part, site_name)]
        if kept and len(kept) < len(parts):
            return " - ".join(kept).strip()
    return max(parts, key=len).strip()


def site_from_title(title: str | None, headline: str) -> str | None:
    """The site's name from a title such as 'Headline | Section | Site' or 'Site - Headline'."""
    if not title or not headline:
        return None
    parts = [part.strip() for part in _TITLE_SEPARATORS.split(title) if part.strip()]
    if len(parts) < 2:
        parts = [part.strip() for part in title.split(": ", 1)]
    if len(parts) < 2:
        return None
    if similar(parts[0], headline):
        return parts[-1]
    if similar(parts[-1], headline):
        return parts[0]
    return None


def choose_headline(
    declared: str | None,
    og_title: str | None,
    title: str | None,
    h1s: list[str],
    site_name: str | None,
) -> str:
    """The headline as shown on the page: a visible <h1> that agrees with the metadata first."""
    references = [text for text in (declared, og_title, title) if text]
    for h1 in h1s:
        if site_name and similar(h1, site_name):
            continue
        if any(similar(h1, reference) for reference in references):
            return h1
    if declared:
        return declared
    if og_title:
        return strip_site_from_title(og_title, site_name)
    for h1 in h1s:
        if len(h1.split()) >= 3 and not (site_name and similar(h1, site_name)):
            return h1
    if title:
        return strip_site_from_title(title, site_name)
    return next((h1 for h1 in h1s if not (site_name and similar(h1, site_name))), "")


def split_names(text: str) -> list[str]:
    """A byline ('By Jane Doe and John Roe') -> ['Jane Doe', 'John Roe']."""
    text = _BYLINE_PREFIX.sub("", " ".join(text.split()))
    text = re.split(r"\s[|–—-]\s|\s{2,}", text)[0]
    names = []
    for part in _NAME_SPLIT.split(text):
        part = part.strip(" .,:")
        if (
            part
            and len(part) <= 60
            and len(part.split()) <= 5
            and not _NOT_A_NAME.search(part)
            and _looks_like_a_name(part)
        ):
            names.append(part)
    return names


def _looks_like_a_name(text: str) -> bool:
    """Every word capitalised, bar particles such as 'van' or 'de': 'View my profile' is no name."""
    words = text.split()
    return all(word[0].isupper() or word.lower() in _NAME_PARTICLES for word in words) and any(
        word[0].isupper() for word in words
    )


def unique(values: list[str]) -> list[str]:
    """Values in order with later repeats (ignoring case) dropped."""
    seen, kept = set(), []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            kept.append(value)
    return kept


def site_from_url(url: str | None) -> str | None:
    """The host of a URL without 'www.', as a stand-in for a site name."""
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _is_preamble(block: Block, headline: str, authors: list[str]) -> bool:
    text = block.text
    if block.kind == "title" or (similar(text, headline) and len(text) <= len(headline) + 40):
        return True
    if len(text) <= 120 and _BYLINE_PREFIX.match(text):
        return True
    if len(text) <= 90 and TEXT_DATE.search(text):
        return True
    return any(text.casefold() == name.casefold() for name in authors)


def tidy_blocks(blocks: list[Block], headline: str, authors: list[str]) -> list[Block]:
    """Drop the headline, byline and date lines that open a body, and headings left dangling."""
    start = 0
    while start < len(blocks) and start < 6 and _is_preamble(blocks[start], headline, authors):
        start += 1
    kept = [block for block in blocks[start:] if block.kind != "title"]
    while kept and kept[-1].kind == "heading":
        kept.pop()
    return kept
