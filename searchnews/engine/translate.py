"""searchnews query trees -> Whoosh queries."""

from __future__ import annotations

import calendar
from datetime import datetime

from whoosh import query as wq

from ..query import And, DateRange, MatchAll, Not, Or, Phrase, Query, Term
from .documents import naive
from .schema import ENTITY_FIELDS, TEXT_FIELDS
from .snippets import fold


def _fields(field: str | None) -> tuple[str, ...]:
    if field is None:
        return TEXT_FIELDS
    return ENTITY_FIELDS if field == "entities" else (field,)


def _first_whole(start: datetime | None, unit: str) -> tuple[int, int] | None:
    """The first month (or year) that starts at or after `start`, as (year, month)."""
    if start is None:
        return None
    at_start = start.time() == datetime.min.time()
    if unit == "year":
        year = start.year if at_start and (start.month, start.day) == (1, 1) else start.year + 1
        return year, 1
    if at_start and start.day == 1:
        return start.year, start.month
    return (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)


def _last_whole(end: datetime | None, unit: str) -> tuple[int, int] | None:
    """The last month (or year) that ends at or before `end`, as (year, month)."""
    if end is None:
        return None
    at_end = end.time() >= datetime.max.time().replace(microsecond=0)
    if unit == "year":
        year = end.year if at_end and (end.month, end.day) == (12, 31) else end.year - 1
        return year, 12
    if at_end and end.day == calendar.monthrange(end.year, end.month)[1]:
        return end.year, end.month
    return (end.year - 1, 12) if end.month == 1 else (end.year, end.month - 1)


def _mentions(node: DateRange) -> wq.Query:
    """Articles that mention a day, a month or a year lying wholly inside the range."""
    start, end = naive(node.start), naive(node.end)
    parts = [
        wq.NumericRange(
            "mention_day",
            int(start.strftime("%Y%m%d")) if start else None,
            int(end.strftime("%Y%m%d")) if end else None,
        )
    ]
    for unit, field in (("month", "mention_month"), ("year", "mention_year")):
        first, last = _first_whole(start, unit), _last_whole(end, unit)
        if first and last and first > last:
            continue

        def number(pair, unit=unit):
            return pair[0] * 100 + pair[1] if unit == "month" else pair[0]

        parts.append(
            wq.NumericRange(field, number(first) if first else None, number(last) if last else None)
        )
    return wq.Or(parts)


def _date_range(node: DateRange) -> wq.Query:
    if node.field == "mentions":
        return _mentions(node)
    if node.start is None and node.end is None:
        return wq.Every()
    return wq.DateRange(node.field, naive(node.start), naive(node.end))


class Translator:
    """Turns query trees into Whoosh queries.

    With `variants`, a callable (field, word) -> forms of the word found in the index, a plain
    word also matches its inflected forms; the typed form counts a little more. Quoted words and
    prefixes are never expanded: quoting is how a user asks for the exact form.
    """

    VARIANT_WEIGHT = 0.8

    def __init__(self, variants=None) -> None:
        self.variants = variants
        self.expanded: dict[str, set[str]] = {}

    def one_field(self, leaf: Term | Phrase, field: str) -> wq.Query | None:
        words = fold(leaf.text)
        if not words:
            return None
        if isinstance(leaf, Term) and leaf.prefix:
            return wq.Prefix(field, words[0])
        if len(words) == 1:
            if isinstance(leaf, Term) and self.variants and field in TEXT_FIELDS:
                # The body's vocabulary stands for all the text fields: one lookup, not three.
                forms = self.variants("body", words[0])
                if len(forms) > 1:
                    self.expanded.setdefault(words[0], set()).update(forms)
                    return wq.Or(
                        [
                            wq.Term(
                                field, form, boost=1.0 if form == words[0] else self.VARIANT_WEIGHT
                            )
                            for form in forms
                        ]
                    )
            return wq.Term(field, words[0])
        # A word the analyzer splits ("Interfax-Ukraine") must match as the phrase it is.
        slop = leaf.slop if isinstance(leaf, Phrase) else 0
        return wq.Phrase(field, words, slop=slop + 1)

    def leaf(self, leaf: Term | Phrase) -> wq.Query | None:
        parts = [
            q
            for q in (self.one_field(leaf, field) for field in _fields(leaf.field))
            if q is not None
        ]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def translate(self, node: Query) -> wq.Query:
        """Translate a tree; words that fold to nothing (pure punctuation) are left out."""
        translated = self._translate(node)
        return translated if translated is not None else wq.NullQuery

    def _translate(self, node: Query) -> wq.Query | None:
        if isinstance(node, MatchAll):
            return wq.Every()
        if isinstance(node, Term | Phrase):
            return self.leaf(node)
        if isinstance(node, DateRange):
            return _date_range(node)
        if isinstance(node, Not):
            inner = self._translate(node.item)
            return wq.Not(inner) if inner is not None else None
        if isinstance(node, And | Or):
            items = [q for q in (self._translate(item) for item in node.items) if q is not None]
            if not items:
                return None
            if isinstance(node, Or):
                return items[0] if len(items) == 1 else wq.Or(items)
            if all(isinstance(item, wq.Not) for item in items):
                items.insert(0, wq.Every())
            return items[0] if len(items) == 1 else wq.And(items)
        raise TypeError(f"unknown query node {node!r}")
