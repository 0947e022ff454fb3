"""User query trees (`searchnews.query`) -> the engine query tree of `engines.base`.

Written once for every engine: which fields a word searches, how a plain word finds its
inflected forms (the stemmed fields), how dates become integer ranges, and the field boosts.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from .. import analysis
from ..query import And, DateRange, MatchAll, Not, Or, Phrase, Query, Term
from .base import (
    MAIN_FIELDS,
    AllNode,
    BoolNode,
    Node,
    NothingNode,
    PhraseNode,
    PrefixNode,
    RangeNode,
    TermNode,
)

FIELD_BOOSTS = {"headline": 3.0, "headings": 1.5, "body": 1.0}
# A plain word matches its typed form and, a little lower, every form with the same stem.
STEM_WEIGHT = 0.8
ENTITY_FIELDS = ("people", "orgs", "places")


def _fields(field: str | None) -> tuple[str, ...]:
    if field is None:
        return MAIN_FIELDS
    return ENTITY_FIELDS if field == "entities" else (field,)


def local_number(moment: datetime) -> int:
    """A wall-clock moment as yyyymmddHHMMSS: dates are searched as the page shows them."""
    return int(moment.strftime("%Y%m%d%H%M%S")) if moment.year >= 1000 else 0


def _first_whole(start: datetime | None, unit: str) -> int | None:
    """The first month (yyyymm) or year that starts at or after `start`."""
    if start is None:
        return None
    at_start = start.time() == datetime.min.time()
    if unit == "year":
        whole = at_start and (start.month, start.day) == (1, 1)
        return start.year if whole else start.year + 1
    if at_start and start.day == 1:
        return start.year * 100 + start.month
    return (start.year + 1) * 100 + 1 if start.month == 12 else start.year * 100 + start.month + 1


def _last_whole(end: datetime | None, unit: str) -> int | None:
    """The last month (yyyymm) or year that ends at or before `end`."""
    if end is None:
        return None
    at_end = end.time() >= datetime.max.time().replace(microsecond=0)
    if unit == "year":
        return end.year if at_end and (end.month, end.day) == (12, 31) else end.year - 1
    if at_end and end.day == calendar.monthrange(end.year, end.month)[1]:
        return end.year * 100 + end.month
    return (end.year - 1) * 100 + 12 if end.month == 1 else end.year * 100 + end.month - 1


def _naive(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=None) if value is not None else None


def _mentions(node: DateRange) -> Node:
    """Articles that mention a day, a month or a year lying wholly inside the range."""
    start, end = _naive(node.start), _naive(node.end)
    day = RangeNode(
        "mention_day",
        int(start.strftime("%Y%m%d")) if start else None,
        int(end.strftime("%Y%m%d")) if end else None,
    )
    parts: list[Node] = [day]
    for unit, field in (("month", "mention_month"), ("year", "mention_year")):
        first, last = _first_whole(start, unit), _last_whole(end, unit)
        if first is not None and last is not None and first > last:
            continue
        parts.append(RangeNode(field, first, last))
    return BoolNode(should=tuple(parts))


def date_node(node: DateRange) -> Node:
    """A published or mentions range as integer ranges."""
    if node.field == "mentions":
        return _mentions(node)
    start, end = _naive(node.start), _naive(node.end)
    if start is None and end is None:
        return RangeNode("published", None, None)
    return RangeNode(
        "published",
        local_number(start) if start else None,
        local_number(end) if end else None,
    )


class Planner:
    """Turns one user query tree into an engine tree; `exact` turns word forms off."""

    def __init__(self, *, exact: bool = False) -> None:
        self.exact = exact

    def plan(self, node: Query) -> Node:
        planned = self._plan(node)
        return planned if planned is not None else NothingNode()

    def _leaf_in(self, leaf: Term | Phrase, field: str) -> Node | None:
        forms = analysis.words(leaf.text)
        if not forms:
            return None
        boost = FIELD_BOOSTS.get(field, 1.0)
        if isinstance(leaf, Term) and leaf.prefix:
            return PrefixNode(field, forms[0], boost)
        if len(forms) > 1:
            # A word the analysis splits ("Interfax-Ukraine") matches as the phrase it is.
            slop = leaf.slop if isinstance(leaf, Phrase) else 0
            return PhraseNode(field, tuple(forms), slop, boost)
        exact = TermNode(field, forms[0], boost)
        if isinstance(leaf, Phrase) or self.exact or field not in MAIN_FIELDS:
            return exact
        stemmed = TermNode(f"{field}_stem", analysis.stem(forms[0]), boost * STEM_WEIGHT)
        return BoolNode(should=(exact, stemmed))

    def _leaf(self, leaf: Term | Phrase) -> Node | None:
        parts = [p for p in (self._leaf_in(leaf, f) for f in _fields(leaf.field)) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else BoolNode(should=tuple(parts))

    def _plan(self, node: Query) -> Node | None:
        if isinstance(node, MatchAll):
            return AllNode()
        if isinstance(node, Term | Phrase):
            return self._leaf(node)
        if isinstance(node, DateRange):
            return date_node(node)
        if isinstance(node, Not):
            inner = self._plan(node.item)
            return BoolNode(must=(AllNode(),), must_not=(inner,)) if inner is not None else None
        if isinstance(node, And | Or):
            items = [p for p in (self._plan(item) for item in node.items) if p is not None]
            if not items:
                return None
            if len(items) == 1:
                return items[0]
            if isinstance(node, Or):
                return BoolNode(should=tuple(items))
            return _conjunction(items)
        raise TypeError(f"unknown query node {node!r}")


def _conjunction(items: list[Node]) -> Node:
    """An AND whose NOT items become exclusions instead of separate match-alls."""
    must, must_not = [], []
    for item in items:
        if (
            isinstance(item, BoolNode)
            and item.must == (AllNode(),)
            and not item.should
            and len(item.must_not) == 1
        ):
            must_not.append(item.must_not[0])
        else:
            must.append(item)
    return BoolNode(must=tuple(must) or (AllNode(),), must_not=tuple(must_not))


def with_filters(query: Node, filters: list[Node]) -> Node:
    """The query restricted to articles matching every filter (filters add no score)."""
    if not filters:
        return query
    if isinstance(query, BoolNode) and query.must and not query.should:
        return BoolNode(must=query.must + tuple(filters), must_not=query.must_not)
    return BoolNode(must=(query, *filters))
