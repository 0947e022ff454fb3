"""searchnews query trees -> Whoosh queries."""

from __future__ import annotations

from whoosh import query as wq

from ..query import And, MatchAll, Not, Or, Phrase, Query, Term
from .schema import TEXT_FIELDS
from .snippets import fold


def _fields(field: str | None) -> tuple[str, ...]:
    return TEXT_FIELDS if field is None else (field,)


def _one_field(leaf: Term | Phrase, field: str) -> wq.Query | None:
    words = fold(leaf.text)
    if not words:
        return None
    if isinstance(leaf, Term) and leaf.prefix:
        return wq.Prefix(field, words[0])
    if len(words) == 1:
        return wq.Term(field, words[0])
    # A word the analyzer splits ("Interfax-Ukraine") must match as the phrase it is.
    slop = leaf.slop if isinstance(leaf, Phrase) else 0
    return wq.Phrase(field, words, slop=slop + 1)


def _leaf(leaf: Term | Phrase) -> wq.Query | None:
    parts = [q for q in (_one_field(leaf, field) for field in _fields(leaf.field)) if q is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def to_whoosh(node: Query) -> wq.Query:
    """Translate a query tree; words that fold to nothing (pure punctuation) are left out."""
    translated = _translate(node)
    return translated if translated is not None else wq.NullQuery


def _translate(node: Query) -> wq.Query | None:
    if isinstance(node, MatchAll):
        return wq.Every()
    if isinstance(node, Term | Phrase):
        return _leaf(node)
    if isinstance(node, Not):
        inner = _translate(node.item)
        return wq.Not(inner) if inner is not None else None
    if isinstance(node, And | Or):
        items = [q for q in (_translate(item) for item in node.items) if q is not None]
        if not items:
            return None
        if isinstance(node, Or):
            return items[0] if len(items) == 1 else wq.Or(items)
        if all(isinstance(item, wq.Not) for item in items):
            items.insert(0, wq.Every())
        return items[0] if len(items) == 1 else wq.And(items)
    raise TypeError(f"unknown query node {node!r}")
