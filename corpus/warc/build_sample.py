"""Writes northsea-courier.warc.gz, the sample crawl of the corpus: five fictional stories of an
invented outlet as a crawler stores them (request, response and metadata records, a revisit, an
image, a missing page), in the transfer and content encodings servers use.

Run from the repository root with the test dependencies installed:
    python corpus/warc/build_sample.py
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent
SITE = "https://northseacourier.example"

STORIES = [
    ("2025-11-03T07:15:00Z", "ferry/2025/11/03/winter-ferry-timetable", "2025-11-02T18:00:00+00:00",
     "Winter ferry timetable cuts the late crossing",
     ["The harbour board confirmed on Sunday that the last evening crossing to the islands will "
      "not run between December and March, after a review found that fewer than twenty "
      "passengers used it on most nights.",
      "Island councillors said the change would leave shift workers without a way home and asked "
      "the board to keep one late sailing on Fridays. The board said it would look at the "
      "figures again in the spring."]),
    ("2025-11-05T09:40:00Z", "heritage/lighthouse-lamp-lit-again", None,
     "Restored lighthouse lamp is lit again after forty years",
     ["Volunteers lit the restored lamp of the old point lighthouse on Tuesday evening, forty "
      "years after it was switched off and replaced by an automatic beacon on the breakwater.",
      "The restoration took three winters. The lamp will shine on the first Saturday of each "
      "month as a landmark; it plays no part in navigation, the harbour master said."]),
    ("2025-11-08T12:05:00Z", "culture/2025/11/08/herring-festival-record-crowd",
     "2025-11-08T11:30:00+00:00",
     "Herring festival draws a record crowd to the quay",
     ["More than twelve thousand people came to the quay for the herring festival on Saturday, "
      "the largest crowd since the festival began in 1987, the organisers said.",
      "Smokehouses ran out of kippers by mid-afternoon. The town's brass band played until the "
      "rain came in at six."]),
    ("2025-11-12T16:20:00Z", "science/2025/11/12/university-telescope-first-light",
     "2025-11-12T15:00:00+00:00",
     "University telescope on the cliffs sees first light",
     ["The university's new telescope on the north cliffs recorded its first images on Wednesday "
      "night, a cluster of young stars that astronomers had chosen as a test target.",
      "The dome was paid for by a fund raised among former students. Open evenings for schools "
      "begin in January, weather permitting."]),
    ("2025-11-20T06:55:00Z", "weather/2025/11/20/storm-closes-harbour",
     "2025-11-20T06:30:00+00:00",
     "Storm closes the harbour for a second day",
     ["Gusts of more than ninety kilometres an hour kept the harbour closed on Thursday for a "
      "second day, and the coastguard asked people to stay away from the sea wall.",
      "Fishing boats stayed tied up in the inner basin. The forecast gives calmer weather from "
      "Saturday."]),
]


def page(path: str, published: str | None, headline: str, paragraphs: list[str]) -> str:
    date_meta = (f'<meta property="article:published_time" content="{published}">'
                 if published else "")  # fmt: skip
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        "<!doctype html><html lang=\"en\"><head>"
        f"<title>{headline} | Northsea Courier</title>"
        '<meta property="og:site_name" content="Northsea Courier">'
        f'<link rel="canonical" href="{SITE}/{path}">{date_meta}</head><body>'
        '<nav><a href="/">Home</a> <a href="/ferry">Ferry</a> <a href="/weather">Weather</a></nav>'
        f"<article><h1>{headline}</h1><p class=\"byline\">By Ailsa Mackay</p>{body}</article>"
        "<footer>Northsea Courier &middot; Subscribe &middot; Contact</footer></body></html>"
    )


def chunked(data: bytes, size: int = 512) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size])
             for i in range(0, len(data), size)]  # fmt: skip
    return b"".join(parts) + b"0\r\n\r\n"


def main() -> None:
    with open(HERE / "northsea-courier.warc.gz", "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for number, (captured, path, published, headline, paragraphs) in enumerate(STORIES):
            url = f"{SITE}/{path}"
            request = StatusAndHeaders(f"GET /{path} HTTP/1.1", [("Host", SITE[8:])],
                                       is_http_request=True)  # fmt: skip
            writer.write_record(writer.create_warc_record(
                url, "request", http_headers=request, warc_headers_dict={"WARC-Date": captured}))
            html = page(path, published, headline, paragraphs)
            headers = [("Content-Type", "text/html; charset=utf-8")]
            payload = html.encode("utf-8")
            if number == 2:  # sent in windows-1252, named only by the HTTP header
                html = html.replace("kippers", "kippers \u2013 smoked herring \u2013")
                payload = html.encode("cp1252")
                headers = [("Content-Type", "text/html; charset=windows-1252")]
            if number % 2 == 1:  # gzip content encoding in chunked transfer
                payload = chunked(gzip.compress(payload))
                headers += [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]
            response = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                               http_headers=response,
                                               warc_headers_dict={"WARC-Date": captured})  # fmt: skip
            writer.write_record(record)
            metadata = writer.create_warc_record(url, "metadata",
                                                 payload=io.BytesIO(b"fetchTimeMs: 212\r\n"),
                                                 warc_content_type="application/warc-fields")  # fmt: skip
            writer.write_record(metadata)
        image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"{SITE}/logo.png", "response", payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(64)),
            http_headers=image))  # fmt: skip
        missing = StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")],
                                   protocol="HTTP/1.1")  # fmt: skip
        writer.write_record(writer.create_warc_record(
            f"{SITE}/old/page", "response", payload=io.BytesIO(b"<html>Not found</html>"),
            http_headers=missing))  # fmt: skip
        writer.write_record(writer.create_revisit_record(
            f"{SITE}/{STORIES[0][1]}", "sha1:" + "A" * 32, f"{SITE}/{STORIES[0][1]}",
            STORIES[0][0]))  # fmt: skip


if __name__ == "__main__":
    main()
