"""WARC records as indexing work: the main process reads only the records' WARC headers, in
file order, and sends each response record to a worker as a task by its file and offset; the
worker reads the record itself and extracts the article of a page. Records that cannot be
pages, and damage, become outcomes in the main process and are never sent."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from ..captures import text_digest
from ..catalog import SourceState
from ..extract import extract_article
from ..extract.decode import binary_kind
from ..pagework import Outcome, finish_article
from .pages import payload_wanted, skip_reason
from .records import WarcDamage, read_record_at, read_warc

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz")


def is_warc_file(name: str) -> bool:
    """Whether a file name is a WARC file's."""
    return name.lower().endswith(WARC_SUFFIXES)


@dataclass
class RecordTask:
    """A response record of a WARC file for a worker to read and, if it is a page, extract."""

    path: str
    offset: int
    end: int
    record_id: str | None = None
    url: str | None = None
    captured: datetime | None = None
    known_hash: str | None = None
    aliases: str | None = None


def record_tasks(
    path: str, start: int, known_hashes: dict[int, str], aliases: str | None
) -> Iterator[RecordTask | Outcome]:
    """For every record of the WARC file from offset `start`, read lazily, a task (a response
    record) or its outcome (skipped, or damage), so that outcomes stay in file order."""
    for item in read_warc(path, start, None):  # WARC headers only
        end = item.offset + item.length
        if isinstance(item, WarcDamage):
            yield Outcome(path, error=item.reason, offset=item.offset, end=end)
        elif item.kind != "response":
            yield Outcome(path, skipped=skip_reason(item), offset=item.offset, end=end)
        else:
            yield RecordTask(
                path,
                item.offset,
                end,
                record_id=item.record_id,
                url=item.url,
                captured=item.captured,
                known_hash=known_hashes.get(item.offset),
                aliases=aliases,
            )


def process_record(task: RecordTask) -> Outcome:
    """Extract the article of a page record; runs in a worker process."""
    where = {"offset": task.offset, "end": task.end}
    try:
        record = read_record_at(task.path, task.offset, task.end - task.offset, payload_wanted)
    except OSError as error:  # the file changed under the run
        return Outcome(task.path, error=str(error), **where)
    reason = skip_reason(record)
    if reason is not None:
        return Outcome(task.path, skipped=reason, **where)
    content_hash = hashlib.sha1(record.payload).hexdigest()
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
        kind = binary_kind(record.payload)
        if kind is not None:
            return Outcome(task.path, error=f"not a page: the record holds {kind}", **where)
        # No page can be published after it was captured.
        now = datetime.fromtimestamp(task.captured.timestamp()) if task.captured else None
        article = extract_article(record.payload, task.url, now=now, charset=record.charset)
        if not article.headline and not article.body:
            return Outcome(task.path, error="no article text found", **where)
        if article.published is None and task.captured is not None:
            article.published = task.captured
            article.published_source = "capture"
        state = replace(state, text_digest=text_digest(article))  # here, not in the writer
        texts, body_sketch = finish_article(article, task.aliases)
        return Outcome(task.path, state, article, texts, body_sketch, **where)
    except Exception as error:  # a record must never stop the run: report it and go on
        log.debug("extraction failed for %s at %d", task.path, task.offset, exc_info=True)
        return Outcome(
            task.path, error=f"extraction failed ({type(error).__name__}: {error})", **where
        )
