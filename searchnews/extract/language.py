"""Guessing the language of a text from its most common short words."""

from __future__ import annotations

import re

# The most frequent short words of each language, space-separated.
_STOPWORDS = {
    "en": "the of and to in is that for on with was as by he said it from at his are be",
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine",
    "fr": "de la le et les des en un une du est que pour dans qui par sur au pas",
    "es": "de la que el en y los del se las por un para con una su al es lo como",
    "it": "di e il la che in per un del della è non con le si una sono da gli",
    "pt": "de a o que e do da em um para com não uma os no se na por mais as dos",
    "nl": "de het een en van in is dat op te zijn met voor niet die aan er",
    "ru": "и в не на что с по как это он из к но за от для его о так",
    "uk": "і в на що не з у до як за та це від про його але й є",
    "pl": "i w na nie się z że do to jest jak o ale po co tak za od",
}
_WORD = re.compile(r"\w+", re.UNICODE)
_TABLES = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}


def normalise_language(code: str | None) -> str | None:
    """'en-US', 'en_GB', 'EN' -> 'en'; anything that is not a language tag -> None."""
    if not code:
        return None
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def detect_language(text: str, sample: int = 4000) -> str | None:
    """The language whose common words cover most of the text's first characters, or None."""
    words = _WORD.findall(text[:sample].lower())
    if len(words) < 8:
        return None
    scores = {lang: sum(word in table for word in words) for lang, table in _TABLES.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] >= max(3, len(words) // 20) else None
