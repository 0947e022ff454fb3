"""Inflected forms of a word that the index holds ("election" -> "elections", "elected").

Forms are found by stemming (the Snowball English stemmer, gentler than Porter's original): the
index's terms that start like the word's stem and stem to the same stem. Nothing is added to the
index for this.
"""

from __future__ import annotations

from whoosh.lang import stemmer_for_language

stem = stemmer_for_language("en")

MAX_FORMS = 12
MIN_WORD = 4  # shorter words ("us", "war") have too many unrelated look-alikes


class WordVariants:
    """Looks up the forms of words in one index reader, with a cache."""

    def __init__(self, reader) -> None:
        # Each segment's terms are read apart: merging the lexicons of many segments into one
        # sorted stream costs more than the lookups themselves.
        self._readers = [leaf for leaf, _offset in reader.leaf_readers()] or [reader]
        self._cache: dict[tuple[str, str], list[str]] = {}

    def __call__(self, field: str, word: str) -> list[str]:
        key = (field, word)
        if key not in self._cache:
            self._cache[key] = self._forms(field, word)
        return self._cache[key]

    def _forms(self, field: str, word: str) -> list[str]:
        if len(word) < MIN_WORD or not word.isalpha():
            return [word]
        root = stem(word)
        prefix = root[:-1] if len(root) > 4 else root
        terms: set[str] = set()
        for reader in self._readers:
            for term in reader.expand_prefix(field, prefix):
                terms.add(term.decode("utf-8") if isinstance(term, bytes) else term)
        forms = [word]
        for text in sorted(terms):
            if text != word and text.isalpha() and stem(text) == root:
                forms.append(text)
                if len(forms) >= MAX_FORMS:
                    break
        return forms
