"""The work done on one page in a worker process: read it, tell whether it changed, extract
its article, find its entities and analyse its text for the engines."""

from __future__ import annotations

import hashlib
import logging
import os
import zlib
from dataclasses import dataclass
from datetime import datetime

from .catalog import SourceState
from .documents import analysed_texts
from .duplicates import sketch
from .entities import names_by_kind, recognizer_for
from .extract import extract_article
from .extract.decode import binary_kind
from .models import Article

log = logging.getLogger(__name__)

MAX_PAGE_BYTES = 16 * 1024 * 1024  # no news article is larger; bigger files are not pages


@dataclass
class PageTask:
    """A page file to read, with the content hash the catalog holds for it."""

    path: str
    known_hash: str | None
    aliases: str | None = None


@dataclass
class Outcome:
    """What became of one source: an article, unchanged or failed.

    `end` is, for a WARC record, where the record ends in its file: once the outcome is
    committed, the file has been read that far.
    """

    path: str
    state: SourceState | None = None
    article: Article | None = None
    texts: dict[str, str] | None = None
    sketch: tuple[int, ...] = ()
    unchanged: bool = False
    error: str | None = None
    offset: int | None = None
    end: int | None = None


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB"


def unpack_page(raw: bytes, path: str) -> bytes:
    """A page file's bytes, gunzipped for .gz files, refusing pages over MAX_PAGE_BYTES.

    Raises OSError with a readable reason (corrupt gzip, too large).
    """
    if len(raw) > MAX_PAGE_BYTES:
        raise OSError(
            f"page too large ({_size(len(raw))}; searchnews reads pages up to "
            f"{_size(MAX_PAGE_BYTES)})"
        )
    if not path.lower().endswith(".gz"):
        return raw
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, MAX_PAGE_BYTES + 1)
    except zlib.error as error:
        raise OSError(f"corrupt gzip file ({error})") from error
    if len(data) > MAX_PAGE_BYTES:
        raise OSError(f"page too large once unzipped (over {_size(MAX_PAGE_BYTES)})")
    if not inflater.eof:
        raise OSError("corrupt gzip file (it ends before the compressed data does)")
    return data


def read_page_bytes(path: str) -> bytes:
    """A page file's bytes, un-gzipped for .gz files. Raises OSError with a readable reason."""
    with open(path, "rb") as handle:
        return unpack_page(handle.read(MAX_PAGE_BYTES + 1), path)


def process_page(task: PageTask) -> Outcome:
    """Read, hash and (if changed) extract one file; runs in a worker process."""
    try:
        stat = os.stat(task.path)
        if stat.st_size > MAX_PAGE_BYTES:
            return Outcome(
                task.path,
                error=f"page too large ({_size(stat.st_size)}; "
                f"searchnews reads pages up to {_size(MAX_PAGE_BYTES)})",
            )
        with open(task.path, "rb") as handle:
            raw = handle.read(MAX_PAGE_BYTES + 1)
    except OSError as error:
        return Outcome(task.path, error=f"cannot read the file ({error.strerror or error})")
    content_hash = hashlib.sha1(raw).hexdigest()
    state = SourceState(task.path, content_hash, stat.st_size, stat.st_mtime_ns, "indexed")
    if content_hash == task.known_hash:
        return Outcome(task.path, state, unchanged=True)
    if not raw:
        return Outcome(task.path, error="empty file")
    try:
        data = unpack_page(raw, task.path)
        kind = binary_kind(data)
        if kind is not None:
            return Outcome(task.path, error=f"not a page: the file holds {kind}")
        # The file's time is when the page was saved: no page can be published after that.
        article = extract_article(data, now=datetime.fromtimestamp(stat.st_mtime))
        if not article.headline and not article.body:
            return Outcome(task.path, error="no article text found")
        texts, body_sketch = finish_article(article, task.aliases)
        return Outcome(task.path, state, article, texts, body_sketch)
    except OSError as error:
        return Outcome(task.path, error=str(error))
    except Exception as error:  # a page must never stop the run: report it and go on
        log.debug("extraction failed for %s", task.path, exc_info=True)
        return Outcome(task.path, error=f"extraction failed ({type(error).__name__}: {error})")


def add_entities(article: Article, recognizer) -> None:
    """Fill an article's people, organisations and places from its headline and body."""
    names = names_by_kind(recognizer(f"{article.headline}\n\n{article.body}"))
    article.people, article.orgs, article.places = names["person"], names["org"], names["place"]


def finish_article(article: Article, aliases: str | None) -> tuple[dict[str, str], tuple]:
    """Entities, analysed texts and body sketch of an extracted article."""
    add_entities(article, recognizer_for(aliases))
    return analysed_texts(article), sketch(article.body)
