"""Recognising syndicated copies: the same story's text on several sites.

Each body gets a bottom-k sketch: the K smallest CRC32 hashes of its overlapping word shingles.
Two bodies whose sketches agree on most positions share most of their text (the sketches estimate
the Jaccard similarity of the shingle sets). Copies get one duplicate key, so that search can
collapse them into one hit.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable

SKETCH_SIZE = 16
SHINGLE_WORDS = 5
SIMILARITY = 0.6  # estimated Jaccard similarity from which two bodies are copies
MIN_WORDS = 40  # shorter bodies (briefs, captions) are too alike by chance to be compared
_WORD = re.compile(r"\w+")


def sketch(text: str) -> tuple[int, ...]:
    """The bottom-k sketch of a body, or () when it is too short to compare."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return ()
    hashes = {
        zlib.crc32(" ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8"))
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }
    return tuple(sorted(hashes)[:SKETCH_SIZE])


def similarity(first: tuple[int, ...], second: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of the two bodies behind two sketches."""
    if not first or not second:
        return 0.0
    union_bottom = sorted(set(first) | set(second))[:SKETCH_SIZE]
    shared = set(first) & set(second)
    return sum(1 for value in union_bottom if value in shared) / len(union_bottom)


class DuplicateFinder:
    """Gives each body a copy group: the group of an earlier copy, or its own key.

    `lookup(sketch)` returns (group, sketch) pairs of the indexed bodies that share the most
    sketch values with it, bodies added earlier in the same transaction included.
    """

    def __init__(self, lookup: Callable[[tuple[int, ...]], Iterable[tuple[int, tuple]]]) -> None:
        self._lookup = lookup

    def key_for(self, key: int, body_sketch: tuple[int, ...]) -> int:
        """The copy group for the body of the article `key`."""
        if not body_sketch:
            return key
        best_key, best = key, SIMILARITY
        for group, other in dict.fromkeys(self._lookup(body_sketch)):
            score = similarity(body_sketch, other)
            if score >= best:
                best_key, best = group, score
        return best_key
