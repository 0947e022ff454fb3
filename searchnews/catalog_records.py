"""The records the catalog keeps: what it knows of a source, a stored article, and how an
article's fields are packed into the document store."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import datetime

from .models import Article

_DATES = ("published", "modified")


@dataclass(frozen=True)
class SourceState:
    """What the catalog remembers of a source (a file, or a record of a WARC file), to tell
    whether it changed and to say where an article came from."""

    path: str
    content_hash: str | None
    size: int | None  # a record's length in its file
    mtime_ns: int | None
    status: str
    reason: str | None = None
    offset: int = -1  # a record's offset in its WARC file; -1 for a whole file
    record_id: str | None = None
    captured: str | None = None  # ISO 8601
    read_to: int | None = None  # a WARC file: how far its records are committed
    url: str | None = None  # a record's WARC-Target-URI
    text_digest: str | None = None  # a record's text, to tell captures of a URL apart

    @property
    def is_record(self) -> bool:
        return self.offset >= 0

    def provenance(self) -> dict:
        """Where the article came from, as hit JSON shows it."""
        if self.is_record:
            return {"file": self.path, "offset": self.offset, "length": self.size,
                    "record_id": self.record_id, "captured": self.captured}  # fmt: skip
        return {"path": self.path, "size": self.size, "mtime_ns": self.mtime_ns}


SOURCE_COLUMNS = (
    "path, content_hash, size, mtime_ns, status, reason, offset, record_id, captured, read_to, "
    "url, text_digest"
)


@dataclass
class StoredArticle:
    """An article as the catalog holds it, with its key, id, source and story."""

    key: int
    id: str
    path: str
    copy_group: int
    article: Article
    source: dict | None = None  # SourceState.provenance()


def joined_sources() -> str:
    """The source columns of a query that names the sources table `s`."""
    return ", ".join(f"s.{name}" for name in SOURCE_COLUMNS.split(", "))


def pack_article(article: Article) -> bytes:
    """An article as the document store keeps it: compressed JSON."""
    return zlib.compress(json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8"), 3)


def unpack_article(data: bytes) -> Article:
    """The article of a `pack_article` record (fields it does not know are left out)."""
    record = json.loads(zlib.decompress(data))
    for name in _DATES:
        value = record.get(name)
        record[name] = datetime.fromisoformat(value) if value else None
    known = Article.__dataclass_fields__
    return Article(**{name: value for name, value in record.items() if name in known})


def date_or_none(value: str | None) -> datetime | None:
    """A stored ISO 8601 date, None for none."""
    return datetime.fromisoformat(value) if value else None
