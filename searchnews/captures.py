"""Captures of one URL in WARC archives.

A crawler captures a page again and again. The same text captured again is one article with
several captures; when the text changed, the latest capture is the article and the earlier
versions are kept, reachable from it. Captures are known by the record's WARC-Target-URI and a
digest of the text, both kept on the record's source row; earlier versions are kept in the
`versions` table with the source they came from, so that they go when their record goes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .catalog import (
    Catalog,
    SourceState,
    StoredArticle,
    joined_sources,
    pack_article,
    unpack_article,
)
from .models import Article


def text_digest(article: Article) -> str:
    """What tells two captures' texts apart: the headline and body, spacing aside."""
    text = " ".join(f"{article.headline}\n{article.body}".split())
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CurrentCapture:
    """The article that stands for a URL now: its key, capture date and text digest."""

    key: int
    captured: str | None
    digest: str | None


def current_capture(catalog: Catalog, url: str) -> CurrentCapture | None:
    """The indexed article read from a capture of `url`, if any."""
    row = catalog.db.execute(
        "SELECT a.key, s.captured, s.text_digest FROM sources s JOIN articles a "
        "ON a.source = s.id WHERE s.url = ? ORDER BY s.captured DESC LIMIT 1",
        (url,),
    ).fetchone()
    return CurrentCapture(int(row[0]), row[1], row[2]) if row else None


def is_earlier(state: SourceState, current: CurrentCapture) -> bool:
    """Whether a capture was made before the one that stands for its URL."""
    return (state.captured or "") < (current.captured or "")


def keep_article_as_version(catalog: Catalog, key: int) -> None:
    """Keep an article as an earlier version of its URL, before a later capture replaces it."""
    catalog.db.execute(
        "INSERT OR REPLACE INTO versions (source, id, url, captured, data) "
        "SELECT a.source, a.id, s.url, s.captured, a.data FROM articles a "
        "JOIN sources s ON s.id = a.source WHERE a.key = ?",
        (key,),
    )


def keep_version(
    catalog: Catalog, source: int, doc_id: str, state: SourceState, article: Article
) -> None:
    """Keep a capture made before the one that stands for its URL as an earlier version."""
    catalog.db.execute(
        "INSERT OR REPLACE INTO versions (source, id, url, captured, data) VALUES (?, ?, ?, ?, ?)",
        (source, doc_id, state.url, state.captured, pack_article(article)),
    )


def forget_version(catalog: Catalog, source: int) -> None:
    """A capture is no longer kept as an earlier version (it stands for its URL now)."""
    catalog.db.execute("DELETE FROM versions WHERE source = ?", (source,))


def versions(catalog: Catalog, url: str) -> list[dict]:
    """Every version of a URL's text, oldest first: id and capture date; the last is current."""
    rows = catalog.db.execute(
        "SELECT v.id, v.captured FROM versions v WHERE v.url = ? UNION ALL "
        "SELECT a.id, s.captured FROM articles a JOIN sources s ON s.id = a.source "
        "WHERE s.url = ? ORDER BY 2, 1",
        (url, url),
    )
    return [{"id": doc_id, "captured": captured} for doc_id, captured in rows]


def capture_dates(catalog: Catalog, url: str, digest: str) -> list[str]:
    """When a URL was captured with this text, oldest first."""
    rows = catalog.db.execute(
        "SELECT captured FROM sources WHERE url = ? AND text_digest = ? AND status = 'indexed' "
        "ORDER BY captured",
        (url, digest),
    )
    return [captured for (captured,) in rows if captured]


def _version(catalog: Catalog, doc_id: str) -> tuple[bytes, SourceState] | None:
    row = catalog.db.execute(
        f"SELECT v.data, {joined_sources()} FROM versions v "
        "JOIN sources s ON s.id = v.source WHERE v.id = ?",
        (doc_id,),
    ).fetchone()
    return (row[0], SourceState(*row[1:])) if row else None


def stored_version(catalog: Catalog, doc_id: str) -> StoredArticle | None:
    """An earlier version of a URL's text by its id, with where it came from."""
    found = _version(catalog, doc_id)
    if found is None:
        return None
    data, state = found
    return StoredArticle(-1, doc_id, state.path, -1, unpack_article(data), state.provenance())


def version_source(catalog: Catalog, doc_id: str) -> SourceState | None:
    """The source an earlier version of a URL's text was read from."""
    found = _version(catalog, doc_id)
    return found[1] if found else None


def capture_of(catalog: Catalog, key: int) -> tuple[str, str | None] | None:
    """The captured URL and text digest of an article (None for a loose file)."""
    row = catalog.db.execute(
        "SELECT s.url, s.text_digest FROM articles a JOIN sources s ON s.id = a.source "
        "WHERE a.key = ?",
        (key,),
    ).fetchone()
    return (row[0], row[1]) if row and row[0] else None


def take_latest_version(catalog: Catalog, url: str) -> tuple[int, str, Article] | None:
    """The latest earlier version of a URL, taken out of the versions to stand for the URL
    again (its current capture is gone): (source, id, article)."""
    row = catalog.db.execute(
        "SELECT source, id, data FROM versions WHERE url = ? ORDER BY captured DESC, id LIMIT 1",
        (url,),
    ).fetchone()
    if row is None:
        return None
    forget_version(catalog, int(row[0]))
    return int(row[0]), row[1], unpack_article(row[2])


def move_to_another_capture(
    catalog: Catalog, key: int, capture: tuple[str, str | None], leaving: str, offset: int | None
) -> bool:
    """Let an article (of `capture`, its URL and digest) whose record goes (a record at
    `offset` of file `leaving`, or every record of it when `offset` is None) stand on another
    capture of the same text; whether one was found."""
    url, digest = capture
    other = catalog.db.execute(
        "SELECT s.id FROM sources s WHERE s.url = ? AND s.text_digest = ? "
        "AND s.status = 'indexed' AND NOT (s.path = ? AND (? IS NULL OR s.offset = ?)) "
        "AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.source = s.id) "
        "AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.source = s.id) "
        "ORDER BY s.captured LIMIT 1",
        (url, digest, leaving, offset, offset),
    ).fetchone()
    if other is None:
        return False
    catalog.db.execute("UPDATE articles SET source = ? WHERE key = ?", (other[0], key))
    return True
