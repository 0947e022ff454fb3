"""Reading a WARC file record by record, going on past damage.

Records are parsed by FastWARC. A WARC library stops at the first corrupt gzip member or at a
record it cannot parse, so on damage this module finds the next intact record itself: the next
gzip member whose data begins a WARC record (for `.warc.gz`), or the next `WARC/1.` line (for
`.warc`), and starts reading again there. Every record comes with its offset and length in the
file; a damaged stretch comes as a `WarcDamage` with its offset, length and reason.

A record whose block digest does not match its content (a length that lies, a member cut
short) is damage too, and reading goes on from just after its start, so that a record it
swallowed is found again.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from fastwarc.warc import ArchiveIterator

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_START = b"WARC/1."
SCAN_CHUNK = 1 << 20
MAX_PAYLOAD = 16 * 1024 * 1024  # no news page is larger; a bigger payload is not read


@dataclass(slots=True)
class WarcRecord:
    """One intact record: where it is, what it says of itself, and its HTTP payload when it
    is a response (the body, transfer and content encodings undone). The reader fills it in
    as it learns more (the length at the next record); it is not changed once yielded."""

    path: str
    offset: int
    length: int
    kind: str
    record_id: str | None
    url: str | None
    captured: datetime | None
    status: int | None = None
    content_type: str | None = None
    charset: str | None = None
    payload: bytes = b""
    payload_complete: bool = True


@dataclass(frozen=True)
class WarcDamage:
    """A stretch of a WARC file that holds no intact record."""

    path: str
    offset: int
    length: int
    reason: str


def is_gzip(path: str) -> bool:
    """Whether the file starts as a gzip stream does."""
    with open(path, "rb") as file:
        return file.read(3) == GZIP_MAGIC


PayloadWanted = Callable[[int | None, str | None], bool]


def _every_payload(_status: int | None, _content_type: str | None) -> bool:
    return True


def read_warc(
    path: str, start: int = 0, wanted: PayloadWanted | None = _every_payload
) -> Iterator[WarcRecord | WarcDamage]:
    """Every record of the WARC file at `path` from offset `start`, and every damaged
    stretch, in file order. The HTTP headers and payload of a response are read when
    `wanted(status, content_type)` says so; with `wanted` None only the WARC headers are
    (a response then has no status, type or payload). Memory stays flat: one record's payload
    at a time."""
    size = os.path.getsize(path)
    gz = is_gzip(path)
    with open(path, "rb") as file:
        position = start
        while position < size:
            position = yield from _read_from(file, path, position, size, gz, wanted)


def first_record(path: str, start: int) -> int:
    """The offset of the first intact-looking record at or after `start`, or the file's size
    when there is none: where to start reading a file part way, at no known record."""
    size = os.path.getsize(path)
    with open(path, "rb") as file:
        return _next_record(file, start, size, is_gzip(path))


def _read_from(
    file: BinaryIO, path: str, position: int, size: int, gz: bool, wanted: PayloadWanted | None
) -> Iterator[WarcRecord | WarcDamage]:
    """Records from `position` until the end or the first damage; the offset to go on from."""
    file.seek(position)
    previous: WarcRecord | None = None  # known intact; its length is known at the next record
    current: int | None = None  # the offset of the record being read
    try:
        for record in ArchiveIterator(file, parse_http=False):
            current = record.stream_pos
            if previous is not None:
                previous.length = current - previous.offset
                yield previous
                previous = None
            problem = _problem(record)
            if problem is not None:
                restart = _next_record(file, current + 1, size, gz)
                yield WarcDamage(path, current, restart - current, problem)
                return restart
            previous = _record(record, path, wanted)
            current = None
    except OSError as error:
        if current is not None:
            damaged = current
        elif previous is not None:
            damaged = _record_end(file, previous.offset, size, gz)
            previous.length = damaged - previous.offset
            yield previous
        else:
            damaged = position
        restart = _next_record(file, damaged + 1, size, gz)
        yield WarcDamage(path, damaged, restart - damaged, _reason(error))
        return restart
    if previous is not None:
        # A gzip member cut short at the very end reads as the end of the file to the library.
        end = _record_end(file, previous.offset, size, gz) if gz else size
        previous.length = end - previous.offset
        yield previous
        if end < size:
            yield WarcDamage(path, end, size - end, "a record cut short at the end of the file")
    return size


def _problem(record) -> str | None:
    """Why a record the library returned is not intact, or None."""
    headers = record.headers
    if headers is None or not record.record_id or "WARC-Type" not in headers:
        return "a record cut short (no WARC headers)"
    declared = (headers.get("Content-Length") or "").strip()
    if not declared.isdigit():
        return "a record without a valid Content-Length"
    checkable = int(declared) <= MAX_PAYLOAD  # a bigger record is never read, so not checked
    if checkable and "WARC-Block-Digest" in headers and not record.verify_block_digest():
        return "a record whose content does not match its length and digest"
    return None


def _record(record, path: str, wanted: PayloadWanted | None) -> WarcRecord:
    headers = record.headers
    kind = str(record.record_type)  # "response", "revisit", ...
    found = WarcRecord(
        path=path,
        offset=record.stream_pos,
        length=0,
        kind=kind,
        record_id=record.record_id,
        url=_target_url(headers.get("WARC-Target-URI")),
        captured=record.record_date,
    )
    if kind != "response" or wanted is None:
        return found
    record.parse_http(auto_decode="all")
    http = record.http_headers
    found.status = http.status_code if http is not None else None
    found.content_type = record.http_content_type
    found.charset = record.http_charset
    if not wanted(found.status, found.content_type):
        return found
    payload = record.reader.read(MAX_PAYLOAD + 1)
    found.payload = payload[:MAX_PAYLOAD]
    found.payload_complete = len(payload) <= MAX_PAYLOAD
    return found


def _target_url(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip().strip("<>") or None  # WARC/1.0 writers sometimes add angle brackets


def _reason(error: OSError) -> str:
    text = str(error).strip() or type(error).__name__
    if "gzip" in text.lower() or "decompress" in text.lower():
        return f"a corrupt gzip member ({text})"
    return f"an unreadable record ({text})"


def _record_end(file: BinaryIO, offset: int, size: int, gz: bool) -> int:
    """Where the intact record at `offset` ends: the end of its gzip member, or the start of
    the next record in an uncompressed file."""
    if not gz:
        return _next_record(file, offset + 1, size, gz)
    file.seek(offset)
    inflater = zlib.decompressobj(wbits=31)
    consumed = 0
    while not inflater.eof:
        chunk = file.read(SCAN_CHUNK)
        if not chunk:
            return size
        try:
            inflater.decompress(chunk, 1 << 16)
            while inflater.unconsumed_tail and not inflater.eof:
                inflater.decompress(inflater.unconsumed_tail, 1 << 16)
        except zlib.error:
            return offset + consumed
        consumed += len(chunk)
    return offset + consumed - len(inflater.unused_data)


def _next_record(file: BinaryIO, start: int, size: int, gz: bool) -> int:
    """The offset of the first intact-looking record at or after `start`, or `size`."""
    marker = GZIP_MAGIC if gz else WARC_START
    position = start
    while position < size:
        file.seek(position)
        chunk = file.read(SCAN_CHUNK + len(marker))
        found = chunk.find(marker)
        while found != -1:
            candidate = position + found
            if _starts_record(file, candidate, gz):
                return candidate
            found = chunk.find(marker, found + 1)
        position += SCAN_CHUNK
    return size


def _starts_record(file: BinaryIO, offset: int, gz: bool) -> bool:
    file.seek(offset)
    if not gz:
        if offset == 0:
            return True
        file.seek(offset - 1)
        return file.read(1) == b"\n"
    head = file.read(4096)
    try:
        return zlib.decompressobj(wbits=31).decompress(head, 16).startswith(WARC_START)
    except zlib.error:
        return False


def read_record_at(
    path: str, offset: int, length: int | None = None, wanted: PayloadWanted = _every_payload
) -> WarcRecord:
    """The record at `offset` of a WARC file, read by seeking there, with its payload when
    `wanted` says so (see `read_warc`); `length` is the record's length when known (else it
    is left 0). Only this record is read. Raises OSError when no intact record starts there."""
    with open(path, "rb") as file:
        file.seek(offset)
        try:
            record = next(iter(ArchiveIterator(file, parse_http=False)), None)
            problem = "no record starts there" if record is None else _problem(record)
            if record is not None and record.stream_pos != offset:
                problem = "no record starts there"
            if problem is None:
                found = _record(record, path, wanted)
        except OSError as error:
            problem = _reason(error)
    if problem is not None:
        raise OSError(f"the record at offset {offset} cannot be read: {problem}")
    found.length = length or 0
    return found
