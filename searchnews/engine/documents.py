"""Articles <-> Whoosh documents: what is indexed, what is stored, and how it reads back."""

from __future__ import annotations

import hashlib
from datetime import datetime

from ..models import Article
from .base import Document
from .schema import ENTITY_KINDS, ENTITY_SEPARATOR

_RECORD_DATES = ("published", "modified")


def document_id(path: str) -> str:
    """A short stable id for the document of a source file."""
    return hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def naive(value: datetime | None) -> datetime | None:
    # Dates are searched as the wall-clock time the page shows, in its own time zone.
    return value.replace(tzinfo=None) if value is not None else None


def _mentions(mentioned: list[str]) -> dict[str, list[int]]:
    """Mentioned dates by precision, as numbers: 20240704, 202407, 2024."""
    days, months, years = [], [], []
    for value in mentioned:
        digits = int(value.replace("-", ""))
        (days if len(value) == 10 else months if len(value) == 7 else years).append(digits)
    return {"mention_day": days, "mention_month": months, "mention_year": years}


def _key_list(values: list[str]) -> str:
    return ",".join(value.replace(",", " ") for value in values)


def _entity_names(article: Article) -> bytes:
    """The column value of a document's entities: each name once, as its facet term reads."""
    items: list[bytes] = []
    for kind, names in (
        ("person", article.people),
        ("org", article.orgs),
        ("place", article.places),
    ):
        terms = dict.fromkeys(name.replace(",", " ").strip() for name in names)
        items.extend(ENTITY_KINDS[kind] + term.encode("utf-8") for term in terms if term)
    return ENTITY_SEPARATOR.join(items)


def fields_of(document: Document) -> dict:
    """The Whoosh fields of a document."""
    article = document.article
    record = article.to_dict()
    record.pop("body")
    record.update(
        path=document.file.path,
        content_hash=document.file.content_hash,
        size=document.file.size,
        mtime_ns=document.file.mtime_ns,
        sketch=list(document.sketch),
    )
    from ..extract.fields import site_from_url  # loaded by what indexes, not by every search

    doc_id = document_id(document.file.path)
    host = site_from_url(article.url) or ""
    site_key = article.site_name or host
    fields = {
        "id": doc_id,
        "path": document.file.path,
        "headline": article.headline,
        "headings": "\n".join(article.headings),
        "body": article.body,
        "authors": "\n".join(article.authors),
        "site": " ".join(filter(None, (article.site_name, host))),
        "section": article.section or "",
        "tags": "\n".join(article.tags),
        "people": "\n".join(article.people),
        "orgs": "\n".join(article.orgs),
        "places": "\n".join(article.places),
        "language": article.language or "",
        "dated": 1 if article.published else 0,
        "month": article.published.year * 100 + article.published.month if article.published else 0,
        "site_key": site_key or "",
        "section_key": article.section or "",
        "people_key": _key_list(article.people),
        "orgs_key": _key_list(article.orgs),
        "places_key": _key_list(article.places),
        "entity_names": _entity_names(article),
        "duplicate": document.duplicate_key or doc_id,
        "sketch": " ".join(str(value) for value in document.sketch),
        "record": record,
        **_mentions(article.mentioned_dates),
    }
    if article.published:
        fields["published"] = naive(article.published)
    if article.modified:
        fields["modified"] = naive(article.modified)
    return fields


def article_from(stored: dict) -> Article:
    """The Article a stored document holds."""
    record = dict(stored["record"])
    for key in _RECORD_DATES:
        value = record.get(key)
        record[key] = datetime.fromisoformat(value) if value else None
    known = set(Article.__dataclass_fields__)
    article = Article(**{key: value for key, value in record.items() if key in known})
    article.body = stored.get("body", "")
    article.headline = stored.get("headline", article.headline)
    return article
