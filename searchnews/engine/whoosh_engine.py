"""The Whoosh engine: one index folder, a writer that commits atomically, and a searcher."""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import datetime

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import sorting
from whoosh.index import LockError
from whoosh.scoring import BM25F

from ..errors import IndexLockedError, IndexNotFoundError
from ..models import Article, Hit, SearchResults
from ..query import positive_leaves
from .base import Document, Engine, EngineWriter, FileState, SearchRequest
from .schema import build_schema
from .snippets import make_snippets, mark, plan_for
from .translate import to_whoosh

log = logging.getLogger(__name__)

INDEX_NAME = "searchnews"
_RECORD_DATES = ("published", "modified")


def document_id(path: str) -> str:
    """A short stable id for the document of a source file."""
    return hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _naive(value: datetime | None) -> datetime | None:
    # Dates are searched as the wall-clock time the page shows, in its own time zone.
    return value.replace(tzinfo=None) if value is not None else None


def _fields_of(document: Document) -> dict:
    article = document.article
    record = article.to_dict()
    record.pop("body")
    record.update(
        path=document.file.path,
        content_hash=document.file.content_hash,
        size=document.file.size,
        mtime_ns=document.file.mtime_ns,
    )
    fields = {
        "id": document_id(document.file.path),
        "path": document.file.path,
        "headline": article.headline,
        "headings": "\n".join(article.headings),
        "body": article.body,
        "authors": "\n".join(article.authors),
        "site": " ".join(filter(None, (article.site_name, _host(article.url)))),
        "section": article.section or "",
        "tags": "\n".join(article.tags),
        "language": article.language or "",
        "dated": 1 if article.published else 0,
        "record": record,
    }
    if article.published:
        fields["published"] = _naive(article.published)
    if article.modified:
        fields["modified"] = _naive(article.modified)
    return fields


def _host(url: str | None) -> str:
    if not url or "://" not in url:
        return ""
    return url.split("://", 1)[1].split("/", 1)[0]


def _article_from(stored: dict) -> Article:
    record = dict(stored["record"])
    for key in _RECORD_DATES:
        value = record.get(key)
        record[key] = datetime.fromisoformat(value) if value else None
    known = {name for name in Article.__dataclass_fields__}
    article = Article(**{key: value for key, value in record.items() if key in known})
    article.body = stored.get("body", "")
    article.headline = stored.get("headline", article.headline)
    return article


class WhooshWriter(EngineWriter):
    def __init__(self, ix) -> None:
        self._ix = ix
        self._writer = self._open()

    def _open(self):
        try:
            return self._ix.writer()
        except LockError as error:
            raise IndexLockedError(
                "Another process is writing to this index; wait for it to finish and try again."
            ) from error

    def put(self, document: Document) -> None:
        self._writer.update_document(**_fields_of(document))

    def delete(self, path: str) -> None:
        self._writer.delete_by_term("path", path)

    def commit(self) -> None:
        self._writer.commit()
        self._writer = self._open()

    def close(self, *, commit: bool) -> None:
        if self._writer is None:
            return
        if commit:
            self._writer.commit()
        else:
            self._writer.cancel()
        self._writer = None


class WhooshEngine(Engine):
    """An index folder in Whoosh format."""

    def __init__(self, ix) -> None:
        self._ix = ix

    @classmethod
    def open(cls, path: str, *, create: bool = False, rebuild: bool = False) -> WhooshEngine:
        """Open the index in `path`; with `create`, make it if it is missing (or, with
        `rebuild`, start it over)."""
        exists = os.path.isdir(path) and whoosh_index.exists_in(path, indexname=INDEX_NAME)
        if exists and not rebuild:
            return cls(whoosh_index.open_dir(path, indexname=INDEX_NAME))
        if not create:
            raise IndexNotFoundError(
                f"No index in {path!r}: build one with `searchnews index CORPUS --index {path}`."
            )
        os.makedirs(path, exist_ok=True)
        return cls(whoosh_index.create_in(path, build_schema(), indexname=INDEX_NAME))

    def files(self) -> dict[str, FileState]:
        states = {}
        with self._ix.searcher() as searcher:
            for stored in searcher.all_stored_fields():
                record = stored["record"]
                states[stored["path"]] = FileState(
                    stored["path"], record["content_hash"], record["size"], record["mtime_ns"]
                )
        return states

    def writer(self) -> WhooshWriter:
        return WhooshWriter(self._ix)

    def count(self) -> int:
        return self._ix.doc_count()

    def article(self, doc_id: str) -> Article | None:
        with self._ix.searcher() as searcher:
            stored = searcher.document(id=doc_id)
        return _article_from(stored) if stored else None

    def search(self, request: SearchRequest) -> SearchResults:
        wquery = to_whoosh(request.query)
        date_filter = None
        if request.since or request.until:
            date_filter = wq.DateRange("published", request.since, request.until)
        if request.sort == "newest":
            sortedby = sorting.MultiFacet(
                [
                    sorting.FieldFacet("dated", reverse=True),
                    sorting.FieldFacet("published", reverse=True),
                ]
            )
        elif request.sort == "oldest":
            sortedby = sorting.MultiFacet(
                [sorting.FieldFacet("dated", reverse=True), sorting.FieldFacet("published")]
            )
        else:
            sortedby = None
        leaves = positive_leaves(request.query)
        body_plan = plan_for(leaves, "body")
        headline_plan = plan_for(leaves, "headline")
        with self._ix.searcher(weighting=BM25F()) as searcher:
            results = searcher.search_page(
                wquery, request.page, pagelen=request.limit, filter=date_filter, sortedby=sortedby
            )
            total = results.total
            hits = []
            if (request.page - 1) * request.limit < total:
                for hit in results:
                    stored = hit.fields()
                    record = stored["record"]
                    published = record.get("published")
                    hits.append(
                        Hit(
                            id=stored["id"],
                            path=stored["path"],
                            url=record.get("url"),
                            headline=stored.get("headline", ""),
                            published=datetime.fromisoformat(published) if published else None,
                            site_name=record.get("site_name"),
                            score=float(hit.score or 0.0) if sortedby is None else 0.0,
                            snippets=make_snippets(
                                stored.get("body", ""), body_plan, request.snippets
                            ),
                            headline_match=mark(stored.get("headline", ""), headline_plan),
                            published_source=record.get("published_source"),
                        )
                    )
        return SearchResults(request.text, total, request.page, request.limit, hits)

    def close(self) -> None:
        self._ix.close()
