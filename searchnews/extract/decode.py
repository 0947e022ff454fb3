"""Bytes of a saved page -> text, trying what the page says about itself before guessing."""

from __future__ import annotations

import codecs

from bs4.dammit import EncodingDetector
from charset_normalizer import from_bytes

# Browsers read these labels as windows-1252 (WHATWG Encoding Standard), and so do we:
# pages labelled latin-1 routinely carry curly quotes and euro signs from cp1252.
_READ_AS_CP1252 = {"latin_1", "iso8859_1", "ascii", "cp1252"}

_DETECTION_SAMPLE = 64 * 1024


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except (LookupError, ValueError):  # unknown names, or names with NUL bytes in them
        return None
    return "cp1252" if name.replace("-", "_") in _READ_AS_CP1252 else name


def _mislabelled_utf8(body: bytes, named: str) -> bool:
    """A server's Latin-1 or ASCII label on a page that is valid UTF-8 with non-ASCII text:
    the label is a server default, the bytes are UTF-8 (a single-byte charset decodes any
    bytes, so the label alone cannot be checked)."""
    if named not in ("cp1252", "iso8859_15"):
        return False
    return not body.isascii() and _try(body, "utf-8") is not None


def _try(data: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


_MAGIC = {
    b"\xff\xd8\xff": "a JPEG image",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive",
    b"\x1f\x8b": "gzip data",
    b"RIFF": "a RIFF media file",
    b"\x00\x00\x01\x00": "an icon",
    b"OggS": "an Ogg media file",
}
_CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 12, 13})


def binary_kind(data: bytes) -> str | None:
    """What a file that is not text looks like ("a JPEG image", "binary data"), or None for text."""
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    sample = data[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text has NUL bytes by design
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return "binary data" if sample and controls > len(sample) * 0.05 else None


def decode_page(data: bytes | str, charset: str | None = None) -> tuple[str, str]:
    """Decode a page and say which encoding was used.

    Order: byte-order mark, the `charset` its HTTP response named, strict UTF-8, the charset
    the page declares (XML declaration, meta charset or http-equiv), then statistical
    detection; windows-1252 with replacement characters is the last resort so that decoding
    never fails.
    """
    if isinstance(data, str):
        return data, "unicode"
    body, bom_encoding = EncodingDetector.strip_byte_order_mark(data)
    if bom_encoding:
        text = _try(body, bom_encoding)
        if text is not None:
            return text.lstrip("\ufeff"), _codec_name(bom_encoding) or bom_encoding
    named = _codec_name(charset) if charset else None
    if named and not _mislabelled_utf8(body, named):
        text = _try(body, named)
        if text is not None:
            return text, named
    # Text in any other encoding is almost never valid UTF-8, while pages that are UTF-8 but
    # declare a legacy charset are common: valid UTF-8 wins over the declaration.
    text = _try(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    declared = _codec_name(EncodingDetector.find_declared_encoding(body, is_html=True))
    # Once the markup reads as ASCII, a claim of UTF-16 or UTF-32 cannot be true.
    if declared and not declared.startswith(("utf_16", "utf_32", "utf_8")):
        text = _try(body, declared)
        if text is not None:
            return text, declared
    lenient = body.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    if sum(1 for char in lenient if ord(char) > 127) - broken >= 2 * broken:
        # UTF-8 with a few stray bytes (a truncated or spliced page): keep the UTF-8.
        return lenient, "utf-8"
    guess = from_bytes(body[:_DETECTION_SAMPLE]).best()
    detected = _codec_name(guess.encoding) if guess is not None else None
    text = _try(body, detected)
    if text is not None:
        return text, detected or "unknown"
    return body.decode("cp1252", errors="replace"), "cp1252"
