"""A WARC file is read in byte ranges, one worker task each; wherever the ranges fall (inside
records, inside damage, on a payload line that looks like a record), the run ends as one
reading of the whole file would."""

from __future__ import annotations

import pytest
from warcmaker import Response, news_html, write_warc

from searchnews import NewsIndex
from searchnews.warc import tasks
from searchnews.warc.records import read_warc

# A page quoting a WARC record on lines of its own: in an uncompressed file, a reader that
# starts part way finds it as the next record.
QUOTED_RECORD = (
    "\nWARC/1.0\r\nWARC-Type: metadata\r\nWARC-Record-ID: <urn:uuid:quoted>\r\n"
    "Content-Length: 5\r\n\r\nhello\r\n\r\n"
)


def crawl(tmp_path, compress: bool):
    items = []
    for number in range(14):
        text = f"The ferry timetable {number} changed after the council vote on routes. " * 3
        if number == 6:
            text += QUOTED_RECORD * 3
        items.append(("request", f"https://news.example/{number}"))
        items.append(Response(f"https://news.example/{number}", news_html(f"Ferry {number}", text)
                              .encode()))  # fmt: skip
        items.append(("metadata", f"https://news.example/{number}"))
    path = tmp_path / ("crawl.warc.gz" if compress else "crawl.warc")
    offsets = write_warc(path, items, compress=compress)
    data = bytearray(path.read_bytes())
    damaged = offsets[3 * 9 + 1]  # the response of story 9
    data[damaged + 30 : damaged + 60] = b"\0" * 30
    path.write_bytes(bytes(data))
    return path


def indexed(path, index_dir):
    with NewsIndex(str(index_dir)) as news:
        report = news.index([str(path)], jobs=1)
        hits = news.search("ferry", limit=50, collapse=False).hits
        found = sorted((hit.url, hit.source["offset"]) for hit in hits)
    failures = sorted((failure.offset, failure.reason) for failure in report.failures)
    return found, failures, report.skipped


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
def test_any_ranges_read_the_file_as_one_reading_does(tmp_path, monkeypatch, compress):
    path = crawl(tmp_path, compress)
    monkeypatch.setattr(tasks, "RANGE_BYTES", path.stat().st_size + 1)
    whole = indexed(path, tmp_path / "whole")
    found, failures, skipped = whole
    assert len(found) == 13 and len(failures) == 1
    assert skipped == {"metadata record": 14, "request record": 14}
    for size in (97, 331, 700, 1024, 2900):
        monkeypatch.setattr(tasks, "RANGE_BYTES", size)
        assert indexed(path, tmp_path / f"ranges-{size}") == whole, size


def test_a_range_that_starts_at_a_quoted_record_is_read_again(tmp_path, monkeypatch):
    path = crawl(tmp_path, compress=False)
    data = path.read_bytes()
    quoted = data.index(b"\nWARC/1.0\r\nWARC-Type: metadata\r\nWARC-Record-ID: <urn:uuid:quoted>")
    task = tasks.RangeTask(str(path), quoted - 10, quoted + 400, synced=False)
    guessed = tasks.read_range(task)
    assert guessed.first == quoted + 1  # the quoted record, inside a page's payload
    page = next(read_warc(str(path), data.rindex(b"WARC/1.0\r\n", 0, quoted), None))
    following = page.offset + page.length  # where the record after the page's starts
    chain = tasks.RangeChain({str(path): following})
    *outcomes, end = chain.outcomes(guessed)
    assert quoted < following < quoted + 400  # so the range is read again from there
    metadata = next(read_warc(str(path), following, None))
    assert outcomes == [] and end.skipped == {"metadata record": 1}
    assert end.after == following + metadata.length
