"""Engine documents made by hand, for the tests of each engine module."""

from __future__ import annotations

from searchnews.analysis import exact_text, stemmed_text
from searchnews.engines.base import EngineDocument


def doc(key: int, body: str = "", headline: str = "", **numbers: list[int]) -> EngineDocument:
    """A document with a body and a headline, analysed as the indexer does."""
    texts = {}
    for field, text in (("body", body), ("headline", headline)):
        if text:
            texts[field] = exact_text(text)
            texts[f"{field}_stem"] = stemmed_text(text)
    return EngineDocument(key, texts, dict(numbers))


def raw(key: int, body: str, **numbers: list[int]) -> EngineDocument:
    """A document whose body is given already analysed."""
    return EngineDocument(key, {"body": body}, dict(numbers))
