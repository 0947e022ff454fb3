"""How close extracted article bodies are to gold ones: the measure behind the quality gate and
the extraction benchmark.

Bodies are compared as bags of 4-word shingles (lower-cased, with counts); each page gives a
precision and a recall, these are averaged over pages, and F1 is taken from the two averages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

SHINGLE = 4
_WORD = re.compile(r"\w+")


def shingles(text: str) -> Counter:
    """The text's overlapping runs of SHINGLE words, counted."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def page_scores(gold: str, extracted: str) -> tuple[float, float]:
    """(precision, recall) of one extracted body against its gold body."""
    expected, found = shingles(gold), shingles(extracted)
    true_positives = sum((expected & found).values())
    found_total, expected_total = sum(found.values()), sum(expected.values())
    precision = true_positives / found_total if found_total else (1.0 if not expected else 0.0)
    recall = true_positives / expected_total if expected_total else 1.0
    return precision, recall


def corpus_scores(pairs: Iterable[tuple[str, str]]) -> tuple[float, float, float]:
    """(precision, recall, F1) over (gold, extracted) pairs, averaged per page."""
    scores = [page_scores(gold, extracted) for gold, extracted in pairs]
    if not scores:
        return 0.0, 0.0, 0.0
    precision = sum(p for p, _r in scores) / len(scores)
    recall = sum(r for _p, r in scores) / len(scores)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
