"""Articles -> engine documents: the analysed text fields and the integer fields of one article."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime

from . import analysis
from .engines.base import EngineDocument
from .engines.plan import local_number
from .models import Article

UNDATED_LAST = 99991231235959  # the `oldest` sort key of an undated article
ENTITY_LABELS = (("person", "people"), ("org", "orgs"), ("place", "places"))

# (kind, names) -> label ids, made when new (the catalog's dictionary)
LabelIds = Callable[[str, Iterable[str]], list[int]]


def document_id(path: str) -> str:
    """A short stable id for the article of a source file."""
    return hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def record_document_id(record_id: str) -> str:
    """The stable id for the article of a WARC record: from its WARC-Record-ID, so the same
    record has the same id in whichever file or at whichever offset it is found."""
    return document_id(f"warc-record:{record_id}")


def site_label(article: Article) -> str:
    """The name an article's site is counted under: its site name, else its host."""
    from .extract.fields import site_from_url

    return article.site_name or site_from_url(article.url) or ""


def analysed_texts(article: Article) -> dict[str, str]:
    """Every text field of an article, analysed (the costly part: done in worker processes)."""
    from .extract.fields import site_from_url

    headings = "\n".join(article.headings)
    texts = {
        "headline": analysis.exact_text(article.headline),
        "headings": analysis.exact_text(headings),
        "body": analysis.exact_text(article.body),
        "headline_stem": analysis.stemmed_text(article.headline),
        "headings_stem": analysis.stemmed_text(headings),
        "body_stem": analysis.stemmed_text(article.body),
        "authors": analysis.values_text(article.authors),
        "site": analysis.values_text(
            [v for v in (article.site_name, site_from_url(article.url)) if v]
        ),
        "section": analysis.values_text([article.section] if article.section else []),
        "tags": analysis.values_text(article.tags),
        "people": analysis.values_text(article.people),
        "orgs": analysis.values_text(article.orgs),
        "places": analysis.values_text(article.places),
    }
    return {name: text for name, text in texts.items() if text}


def _naive(value: datetime | None) -> datetime | None:
    # Dates are searched as the wall-clock time the page shows, in its own time zone.
    return value.replace(tzinfo=None) if value is not None else None


def date_numbers(published: datetime | None) -> dict[str, list[int]]:
    """The date fields of an article: when published, its sort keys and its periods."""
    moment = _naive(published)
    if moment is None or moment.year < 1000:
        return {"newest": [0], "oldest": [UNDATED_LAST]}
    iso_year, iso_week, _ = moment.isocalendar()
    number = local_number(moment)
    return {
        "published": [number],
        "newest": [number],
        "oldest": [number],
        "day": [moment.year * 10000 + moment.month * 100 + moment.day],
        "week": [iso_year * 100 + iso_week],
        "month": [moment.year * 100 + moment.month],
        "year": [moment.year],
    }


def _mentions(mentioned: list[str]) -> dict[str, list[int]]:
    """Mentioned dates by precision, as numbers: 20240704, 202407, 2024."""
    found: dict[str, list[int]] = {"mention_day": [], "mention_month": [], "mention_year": []}
    for value in mentioned:
        digits = value.replace("-", "")
        if not digits.isdigit():
            continue
        name = {8: "mention_day", 6: "mention_month", 4: "mention_year"}.get(len(digits))
        if name:
            found[name].append(int(digits))
    return {name: sorted(set(values)) for name, values in found.items() if values}


def engine_document(
    key: int,
    article: Article,
    texts: dict[str, str],
    labels: LabelIds,
    copy_group: int | None,
) -> EngineDocument:
    """The engine document of an article; `copy_group` only when its story has copies."""
    numbers = date_numbers(article.published)
    numbers.update(_mentions(article.mentioned_dates))
    site = site_label(article)
    for name, value in (
        ("site", site),
        ("section", article.section),
        ("language", article.language),
    ):
        if value:
            numbers[name] = labels(name, [value])
    for kind, attribute in ENTITY_LABELS:
        names = list(dict.fromkeys(n.strip() for n in getattr(article, attribute) if n.strip()))
        if names:
            numbers[kind] = sorted(set(labels(kind, names)))
    if copy_group is not None:
        numbers["copy_group"] = [copy_group]
    return EngineDocument(key, texts, numbers)
