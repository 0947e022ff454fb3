"""WARC records as indexing work: the main process reads the records in file order and sends
each to a worker as a task; the worker extracts the article of a page record."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from ..catalog import SourceState
from ..extract import extract_article
from ..extract.decode import binary_kind
from ..pagework import Outcome, finish_article
from .pages import payload_wanted, skip_reason
from .records import WarcDamage, read_warc

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz")


def is_warc_file(name: str) -> bool:
    """Whether a file name is a WARC file's."""
    return name.lower().endswith(WARC_SUFFIXES)


@dataclass
class RecordTask:
    """One record of a WARC file: a page to extract, or a record skipped or damaged (passed on
    so that outcomes stay in file order and the file's progress can be committed)."""

    path: str
    offset: int
    end: int
    record_id: str | None = None
    url: str | None = None
    captured: datetime | None = None
    charset: str | None = None
    payload: bytes = b""
    known_hash: str | None = None
    skipped: str | None = None
    damage: str | None = None
    aliases: str | None = None


def record_tasks(
    path: str, start: int, known_hashes: dict[int, str], aliases: str | None
) -> Iterator[RecordTask]:
    """A task for every record of the WARC file from offset `start`, read lazily."""
    for item in read_warc(path, start, payload_wanted):
        end = item.offset + item.length
        if isinstance(item, WarcDamage):
            yield RecordTask(path, item.offset, end, damage=item.reason)
            continue
        reason = skip_reason(item)
        if reason is not None:
            yield RecordTask(path, item.offset, end, skipped=reason)
            continue
        yield RecordTask(
            path,
            item.offset,
            end,
            record_id=item.record_id,
            url=item.url,
            captured=item.captured,
            charset=item.charset,
            payload=item.payload,
            known_hash=known_hashes.get(item.offset),
            aliases=aliases,
        )


def process_record(task: RecordTask) -> Outcome:
    """Extract the article of a page record; runs in a worker process."""
    where = {"offset": task.offset, "end": task.end}
    if task.damage is not None:
        return Outcome(task.path, error=task.damage, **where)
    if task.skipped is not None:
        return Outcome(task.path, skipped=task.skipped, **where)
    content_hash = hashlib.sha1(task.payload).hexdigest()
    state = SourceState(
        task.path,
        content_hash,
        task.end - task.offset,
        None,
        "indexed",
        offset=task.offset,
        record_id=task.record_id,
        captured=task.captured.isoformat() if task.captured else None,
        url=task.url,
    )
    if content_hash == task.known_hash:
        return Outcome(task.path, state, unchanged=True, **where)
    try:
        kind = binary_kind(task.payload)
        if kind is not None:
            return Outcome(task.path, error=f"not a page: the record holds {kind}", **where)
        # No page can be published after it was captured.
        now = datetime.fromtimestamp(task.captured.timestamp()) if task.captured else None
        article = extract_article(task.payload, task.url, now=now, charset=task.charset)
        if not article.headline and not article.body:
            return Outcome(task.path, error="no article text found", **where)
        if article.published is None and task.captured is not None:
            article.published = task.captured
            article.published_source = "capture"
        texts, body_sketch = finish_article(article, task.aliases)
        return Outcome(task.path, state, article, texts, body_sketch, **where)
    except Exception as error:  # a record must never stop the run: report it and go on
        log.debug("extraction failed for %s at %d", task.path, task.offset, exc_info=True)
        return Outcome(
            task.path, error=f"extraction failed ({type(error).__name__}: {error})", **where
        )
