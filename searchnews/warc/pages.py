"""Which WARC records are news pages: HTTP 200 responses with an HTML payload."""

from __future__ import annotations

import re

from .records import WarcRecord

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Types servers send for anything; the payload itself then says whether it is a page.
UNSURE_TYPES = (
    "",
    "application/octet-stream",
    "text/plain",
    "unknown/unknown",
    "application/unknown",
)
SNIFF_BYTES = 1024
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b",
                         re.IGNORECASE | re.DOTALL)  # fmt: skip


def skip_reason(record: WarcRecord) -> str | None:
    """Why a record is not a page to index (counted, not failed), or None for a page."""
    if record.kind != "response":
        return f"{record.kind} record"
    if record.status is None:
        return "response without HTTP headers"
    if record.status != 200:
        return f"HTTP status {record.status}"
    if not record.payload_complete:
        return "payload over 16 MB"
    if not is_html(record.content_type, record.payload):
        return f"not HTML ({record.content_type or 'no type'})"
    return None


def payload_wanted(status: int | None, content_type: str | None) -> bool:
    """Whether a response's payload can be a page, so is worth reading."""
    declared = (content_type or "").split(";")[0].strip().lower()
    return status == 200 and (declared in HTML_TYPES or declared in UNSURE_TYPES)


def is_html(content_type: str | None, payload: bytes) -> bool:
    """Whether a payload is an HTML page: by its declared type, or by sniffing it when the
    type says nothing."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared in HTML_TYPES:
        return True
    if declared not in UNSURE_TYPES:
        return False
    head = payload[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head))
