"""Reading a WARC file keeps memory flat: records are streamed, never gathered."""

from __future__ import annotations

import os
import resource

from warcmaker import Response, news_html, write_warc

from searchnews.warc.tasks import RangeChain, file_ranges, read_range

MIB = 1024 * 1024


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def test_rss_stays_flat_over_a_warc_of_mostly_skipped_records(tmp_path):
    # 300 records: big payloads (skipped: not HTML, or HTML over the HTTP status) among pages,
    # about 0.6 GB once decompressed; the file itself stays small (the payloads compress).
    items = []
    for number in range(300):
        if number % 10 == 0:
            text = f"Page {number} of the archive, about the harbour. " * 30
            items.append(Response(f"https://news.example/{number}",
                                  news_html(f"Page {number}", text).encode()))  # fmt: skip
        elif number % 10 == 1:
            items.append(Response(f"https://news.example/gone/{number}", b"<html>" * 300_000,
                                  status="404 Not Found"))  # fmt: skip
        else:
            items.append(Response(f"https://news.example/{number}.bin", bytes(2_000_000),
                                  content_type="application/zip"))  # fmt: skip
    path = tmp_path / "big.warc.gz"
    write_warc(path, items)
    size = os.path.getsize(path)
    samples = {}
    chain = RangeChain({str(path): 0})
    for task in file_ranges(str(path), 0, size, {}, None):
        *_outcomes, end = chain.outcomes(read_range(task))
        fraction = end.after / size
        for mark in (0.1, 1.0):
            if mark not in samples and fraction >= mark:
                samples[mark] = _rss()
    assert set(samples) == {0.1, 1.0}
    assert samples[1.0] - samples[0.1] < 50 * MIB
