"""Writing WARC files for tests, with warcio, record by record."""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


@dataclass
class Response:
    """An HTTP response to store: the body as the page was, and how it travelled."""

    url: str
    body: bytes
    content_type: str | None = "text/html; charset=utf-8"
    status: str = "200 OK"
    encoding: str | None = None  # "gzip", "deflate" or "br" content-encoding
    chunked: bool = False
    date: str = "2024-03-05T10:00:00Z"
    headers: list[tuple[str, str]] = field(default_factory=list)


def _chunked(body: bytes, size: int = 100) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
             for i in range(0, len(body), size)]  # fmt: skip
    return b"".join(parts) + b"0\r\n\r\n"


def _encoded(response: Response) -> tuple[bytes, list[tuple[str, str]]]:
    body, headers = response.body, list(response.headers)
    if response.content_type is not None:
        headers.append(("Content-Type", response.content_type))
    if response.encoding == "gzip":
        body = gzip.compress(body)
    elif response.encoding == "deflate":
        body = zlib.compress(body)
    elif response.encoding == "br":
        body = brotli.compress(body)
    if response.encoding:
        headers.append(("Content-Encoding", response.encoding))
    if response.chunked:
        body = _chunked(body)
        headers.append(("Transfer-Encoding", "chunked"))
    return body, headers


def write_warc(path: Path, items: list, *, compress: bool = True) -> list[int]:
    """Write the items (Response, or ("revisit"|"request"|"metadata", url)) to a WARC file;
    the offset of each record."""
    path.parent.mkdir(parents=True, exist_ok=True)
    offsets = []
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=compress)
        for item in items:
            offsets.append(out.tell())
            if isinstance(item, Response):
                body, headers = _encoded(item)
                http = StatusAndHeaders(item.status, headers, protocol="HTTP/1.1")
                record = writer.create_warc_record(
                    item.url, "response", payload=io.BytesIO(body), http_headers=http,
                    warc_headers_dict={"WARC-Date": item.date},
                )  # fmt: skip
            elif item[0] == "revisit":
                record = writer.create_revisit_record(
                    item[1], "sha1:" + "A" * 32, item[1], "2024-03-01T10:00:00Z"
                )
            else:
                kind, url = item
                record = writer.create_warc_record(
                    url, kind, payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n" if kind == "request"
                                                  else b"via: test\r\n"),
                    warc_content_type="application/http; msgtype=request"
                    if kind == "request" else "application/warc-fields",
                )  # fmt: skip
            writer.write_record(record)
    return offsets


def news_html(headline: str, text: str, charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<!doctype html><html><head>{meta}<title>{headline}</title></head><body>"
        f"<article><h1>{headline}</h1><p>{text}</p></article></body></html>"
    )
