"""Turning a saved news page (HTML or a plain-text dump) into an Article. Pure: no I/O.

`extract_article` is imported on first use: searching needs a few helpers from this package but
not the HTML parsers, whose import would slow every command-line search.
"""

from __future__ import annotations

__all__ = ["decode_page", "extract_article"]


def __getattr__(name: str):
    if name == "extract_article":
        from .article import extract_article

        return extract_article
    if name == "decode_page":
        from .decode import decode_page

        return decode_page
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
