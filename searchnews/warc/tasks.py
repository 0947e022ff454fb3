"""WARC files as indexing work, in byte ranges: a worker reads the records that start in its
range, in one pass, and extracts the articles of the pages among them; the main process only
puts the ranges' outcomes back in file order.

A worker whose range does not start at a known record finds the first record itself, as the
reader does after damage. That guess is checked against the range before it: the record that
follows the previous range's last one must be the first this range read. When it is not (an
uncompressed WARC whose payload holds a line that looks like a record), the range is read again
from the right offset, so every record is read once and in its own place whatever the ranges.
"""

from __future__ import annotations

import hashlib
import logging
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ..captures import text_digest
from ..catalog import SourceState
from ..extract import extract_article
from ..extract.decode import binary_kind
from ..pagework import Outcome, finish_article
from .pages import payload_wanted, skip_reason
from .records import WarcDamage, WarcRecord, first_record, read_warc

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz")
RANGE_BYTES = 256 * 1024  # of the file per task: some hundred records of a typical crawl


def is_warc_file(name: str) -> bool:
    """Whether a file name is a WARC file's."""
    return name.lower().endswith(WARC_SUFFIXES)


@dataclass
class RangeTask:
    """The records of a WARC file that start in [start, stop), for a worker to read; `synced`
    when a record is known to start at `start`. `known_hashes` holds, by offset, the payload
    hashes of the range's records indexed before."""

    path: str
    start: int
    stop: int
    synced: bool
    known_hashes: dict[int, str] = field(default_factory=dict)
    aliases: str | None = None


@dataclass
class RangeEnd:
    """A range read to its end: the records not sent on as outcomes (skipped, by reason),
    and `after`, where the next record starts (the end of the file when none does)."""

    path: str
    after: int
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class RangeResult:
    """What a worker made of a range: `first`, where the first record it read starts (`stop`
    or beyond when none starts in the range), the outcomes of its response records and
    damage in file order, and its end."""

    task: RangeTask
    first: int
    outcomes: list[Outcome]
    end: RangeEnd


def file_ranges(
    path: str, start: int, size: int | None, known_hashes: dict[int, str], aliases: str | None
) -> Iterator[RangeTask]:
    """The ranges of a WARC file from `start` (where a record starts) to `size`."""
    offsets = sorted(known_hashes)
    if size is None:  # the file could not be read: one range, to say so
        yield RangeTask(path, start, start + 1, True, {}, aliases)
        return
    for low in range(start, size, RANGE_BYTES):
        high = min(low + RANGE_BYTES, size)
        known = offsets[bisect_left(offsets, low) : bisect_left(offsets, high)]
        hashes = {offset: known_hashes[offset] for offset in known}
        yield RangeTask(path, low, high, low == start, hashes, aliases)


def read_range(task: RangeTask) -> RangeResult:
    """Read and extract the records that start in a range; runs in a worker process."""
    path = task.path
    outcomes: list[Outcome] = []
    first = task.start
    end = RangeEnd(path, first)
    try:
        if not task.synced:
            first = end.after = first_record(path, task.start)
        if first < task.stop:
            for item in read_warc(path, first, payload_wanted):
                end.after = item.offset + item.length
                if isinstance(item, WarcDamage):
                    outcomes.append(
                        Outcome(path, error=item.reason, offset=item.offset, end=end.after)
                    )
                elif (reason := skip_reason(item)) is not None:
                    end.skipped[reason] += 1  # one indexed before is removed: it is not met again
                else:
                    outcomes.append(_page_outcome(item, task))
                if end.after >= task.stop:
                    break
    except OSError as error:  # the file went or changed under the run
        outcomes.append(
            Outcome(path, error=f"cannot read the file ({error})", offset=end.after, end=task.stop)
        )
        end.after = max(end.after, task.stop)
    return RangeResult(task, first, outcomes, end)


class RangeChain:
    """Puts ranges' results in file order, checking each against the one before it and
    reading a range again when its first record was guessed wrong."""

    def __init__(self, starts: dict[str, int]) -> None:
        self._expected = dict(starts)  # per file: where the next range's first record starts

    def outcomes(self, result: RangeResult) -> Iterator[Outcome | RangeEnd]:
        """The outcomes of a range, then its end."""
        task = result.task
        expected = self._expected.get(task.path, task.start)
        if result.first != expected:  # from a record that runs past the range: reads nothing
            log.info("records of %s from %d read again from %d", task.path, task.start, expected)
            again = RangeTask(task.path, expected, task.stop, True, task.known_hashes, task.aliases)
            result = read_range(again)
        self._expected[task.path] = result.end.after
        yield from result.outcomes
        yield result.end


def _page_outcome(record: WarcRecord, task: RangeTask) -> Outcome:
    """The outcome of a response record that holds a page: its article, unless unchanged."""
    path, offset = task.path, record.offset
    where = {"offset": offset, "end": offset + record.length}
    content_hash = hashlib.sha1(record.payload).hexdigest()
    captured = record.captured
    if content_hash == task.known_hashes.get(offset):
        return Outcome(path, _state(record, content_hash, None), unchanged=True, **where)
    try:
        kind = binary_kind(record.payload)
        if kind is not None:
            return Outcome(path, error=f"not a page: the record holds {kind}", **where)
        # No page can be published after it was captured.
        now = datetime.fromtimestamp(captured.timestamp()) if captured else None
        article = extract_article(record.payload, record.url, now=now, charset=record.charset)
        if not article.headline and not article.body:
            return Outcome(path, error="no article text found", **where)
        if article.published is None and captured is not None:
            article.published = captured
            article.published_source = "capture"
        state = _state(record, content_hash, text_digest(article))  # here, not in the writer
        texts, body_sketch = finish_article(article, task.aliases)
        return Outcome(path, state, article, texts, body_sketch, **where)
    except Exception as error:  # a record must never stop the run: report it and go on
        log.debug("extraction failed for %s at %d", path, offset, exc_info=True)
        return Outcome(path, error=f"extraction failed ({type(error).__name__}: {error})", **where)


def _state(record: WarcRecord, content_hash: str, digest: str | None) -> SourceState:
    return SourceState(
        record.path,
        content_hash,
        record.length,
        None,
        "indexed",
        offset=record.offset,
        record_id=record.record_id,
        captured=record.captured.isoformat() if record.captured else None,
        url=record.url,
        text_digest=digest,
    )
