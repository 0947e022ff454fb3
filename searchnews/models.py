"""Plain data objects that flow between the extractor, the index and the front ends."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class Article:
    """The fields extracted from one news page."""

    headline: str = ""
    body: str = ""
    headings: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    authors: list[str] = field(default_factory=list)
    url: str | None = None
    site_name: str | None = None
    language: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    published_source: str | None = None
    modified_source: str | None = None
    mentioned_dates: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready fields; dates as ISO 8601 strings or None."""
        return {
            "headline": self.headline,
            "body": self.body,
            "headings": list(self.headings),
            "published": _iso(self.published),
            "published_source": self.published_source,
            "modified": _iso(self.modified),
            "modified_source": self.modified_source,
            "authors": list(self.authors),
            "url": self.url,
            "site_name": self.site_name,
            "language": self.language,
            "section": self.section,
            "tags": list(self.tags),
            "description": self.description,
            "mentioned_dates": list(self.mentioned_dates),
            "people": list(self.people),
            "orgs": list(self.orgs),
            "places": list(self.places),
        }


@dataclass(frozen=True)
class Highlight:
    """A matched span inside a fragment, as character offsets into the fragment text."""

    start: int
    end: int


@dataclass
class Snippet:
    """A passage of an article with the spans the query matched.

    `leading` and `trailing` say whether the passage was cut out of a longer paragraph.
    """

    text: str
    highlights: list[Highlight] = field(default_factory=list)
    leading: bool = False
    trailing: bool = False

    def to_html(self) -> str:
        """The passage HTML-escaped, each match wrapped in `<mark>`, cuts shown as `…`."""
        parts = ["…" if self.leading else ""]
        cursor = 0
        for span in self.highlights:
            parts.append(html.escape(self.text[cursor : span.start], quote=False))
            parts.append("<mark>" + html.escape(self.text[span.start : span.end], quote=False))
            parts.append("</mark>")
            cursor = span.end
        parts.append(html.escape(self.text[cursor:], quote=False))
        parts.append("…" if self.trailing else "")
        return "".join(parts)


@dataclass
class Copy:
    """Another copy of a hit's story (the same text published elsewhere)."""

    id: str
    path: str
    url: str | None
    headline: str
    published: datetime | None
    site_name: str | None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "path": self.path,
            "url": self.url,
            "headline": self.headline,
            "published": _iso(self.published),
            "site_name": self.site_name,
        }


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet and how many matching articles have it."""

    value: str
    count: int

    def to_dict(self) -> dict:
        return {"value": self.value, "count": self.count}


def facets_to_dict(facets: dict[str, list[FacetValue]]) -> dict[str, list[dict]]:
    """Facets (or entity lists) as JSON: {name: [{"value", "count"}, ...]}."""
    return {name: [value.to_dict() for value in values] for name, values in facets.items()}


@dataclass
class Hit:
    """One article in a result list."""

    id: str
    path: str
    url: str | None
    headline: str
    published: datetime | None
    site_name: str | None
    score: float
    snippets: list[Snippet] = field(default_factory=list)
    headline_match: Snippet | None = None
    published_source: str | None = None
    duplicates: list[Copy] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    source: dict | None = None  # where the article came from: a file, or a WARC record

    def to_dict(self) -> dict:
        """The JSON contract of a hit (see the README)."""
        return {
            "id": self.id,
            "path": self.path,
            "url": self.url,
            "headline": self.headline,
            "headline_html": (self.headline_match or Snippet(self.headline)).to_html(),
            "published": _iso(self.published),
            "published_source": self.published_source,
            "site_name": self.site_name,
            "score": round(self.score, 4),
            "snippets": [snippet.to_html() for snippet in self.snippets],
            "duplicates": [copy.to_dict() for copy in self.duplicates],
            "matched_spellings": list(self.variants),
            "source": self.source,
        }


@dataclass
class SearchResults:
    """One page of hits for a query.

    `total` counts hits over all pages (one per story when copies are collapsed); `articles`
    counts every matching article, copies included.
    """

    query: str
    total: int
    page: int
    limit: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] | None = None
    suggestion: str | None = None
    articles: int | None = None
    # Parts of a distributed index that did not answer, each with the reason (the hits are
    # exactly those of the parts that did).
    partial: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """How many pages of `limit` hits the whole result set fills."""
        return max(1, -(-self.total // self.limit)) if self.limit else 1

    def to_dict(self) -> dict:
        """The JSON contract of a result page (see the README)."""
        return {
            "query": self.query,
            "total": self.total,
            "articles": self.articles if self.articles is not None else self.total,
            "page": self.page,
            "limit": self.limit,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": (facets_to_dict(self.facets) if self.facets is not None else None),
            "suggestion": self.suggestion,
            "partial": bool(self.partial),
            "partial_reason": "; ".join(self.partial) if self.partial else None,
        }


@dataclass(frozen=True)
class Failure:
    """A file (or a record of a WARC file, at `offset`) that could not be indexed, and why."""

    path: str
    reason: str
    offset: int | None = None

    def to_dict(self) -> dict:
        found = {"path": self.path, "reason": self.reason}
        if self.offset is not None:
            found["offset"] = self.offset
        return found


@dataclass
class IndexReport:
    """What one indexing run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failures: list[Failure] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # WARC records that are not pages
    captures: int = 0  # pages kept as another capture, or an earlier version, of an indexed URL

    @property
    def failed(self) -> int:
        return len(self.failures)

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": self.failed,
            "failures": [failure.to_dict() for failure in self.failures],
            "skipped": self.skipped,
            "captures": self.captures,
        }
