"""The one analysis chain every engine indexes with and every query is analysed by.

Words are runs of letters and digits. Each word has an exact form (case and diacritics folded,
so "orban" finds "Orbán" and "fussball" finds "Fußball") and a stemmed form (the Snowball English
stemmer over the exact form), so that a plain word finds its inflected forms while quoted words,
phrases, wildcards and fuzzy terms compare exact forms. No stop words: exact quotes must match.

Engines receive text already analysed: tokens joined by single spaces, one position per token.
Changing anything here changes what an index holds: bump ANALYSIS_VERSION, which the catalog
checks when an index is opened.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import islice

import Stemmer

ANALYSIS_VERSION = 1

# Stands between the values of a many-valued field ("Vladimir Putin | Olaf Scholz") so that a
# phrase cannot match across two names; no query word can be this token.
VALUE_GAP = "|"

_WORD = re.compile(r"\w+")
# Letters that do not decompose into a base letter and a combining mark.
_SPECIAL = str.maketrans({"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o",
                          "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ı": "i", "œ": "oe",
                          "Œ": "oe", "þ": "th", "ð": "d"})  # fmt: skip
_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """A word's exact form: lower case, without diacritics."""
    lowered = word.lower()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def stem(form: str) -> str:
    """The stemmed form of an exact form ("negotiations" -> "negoti")."""
    return _stemmer.stemWord(form) if form.isalpha() else form


def tokens(text: str) -> list[tuple[str, int, int]]:
    """The exact forms of `text`'s words with their character spans."""
    return [
        (fold_word(match.group()), match.start(), match.end()) for match in _WORD.finditer(text)
    ]


def tokens_from(text: str, start: int, count: int) -> list[tuple[str, int, int]]:
    """The exact forms and spans of the first `count` words of `text` from `start`, where a
    word starts."""
    matches = islice(_WORD.finditer(text, start), count)
    return [(fold_word(match.group()), match.start(), match.end()) for match in matches]


def words(text: str) -> list[str]:
    """The exact forms of `text`'s words, in order."""
    return [fold_word(match.group()) for match in _WORD.finditer(text)]


def exact_text(text: str) -> str:
    """`text` analysed for an engine: exact forms joined by spaces."""
    return " ".join(words(text))


def stemmed_text(text: str) -> str:
    """`text` analysed for an engine's stemmed field: stemmed forms joined by spaces."""
    return " ".join(stem(form) for form in words(text))


def values_text(values: list[str]) -> str:
    """Several values of one field (names, tags) analysed, with a gap between values."""
    parts = [exact_text(value) for value in values]
    return f" {VALUE_GAP} ".join(part for part in parts if part)
