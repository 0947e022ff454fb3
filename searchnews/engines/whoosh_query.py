"""Engine query trees as whoosh.query objects: what a tree matches and how it scores
(Whoosh's BM25F; ranges and match-alls score 0, prefixes their boost)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from whoosh import query as wq
from whoosh.matching import AndNotMatcher, WrappingMatcher

from .base import (
    NUMBER_FIELDS,
    TEXT_FIELDS,
    AllNode,
    BoolNode,
    Node,
    NothingNode,
    PhraseNode,
    PrefixNode,
    RangeNode,
    TermNode,
)
from .whoosh_storage import ABSENT, SlopPhrase, number_field


class _ConstantScoreMatcher(WrappingMatcher):
    """Matches like its child with one score, and never lets a parent skip on its account."""

    def __init__(self, child: Any, boost: float = 0.0) -> None:
        super().__init__(child, boost=boost)

    def replace(self, minquality: float = 0) -> Any:
        replaced = self.child.replace(0)
        return self if replaced is self.child else _ConstantScoreMatcher(replaced, self.boost)

    def supports_block_quality(self) -> bool:
        return False

    def skip_to_quality(self, minquality: float) -> int:
        return 0

    def score(self) -> float:
        return self.boost

    weight = max_quality = block_quality = score


class _ConstantScore(wq.WrappingQuery):
    """Its child's matches, each with the score `score`."""

    def __init__(self, child: wq.Query, score: float = 0.0) -> None:
        super().__init__(child)
        self.score = score

    def apply(self, fn: Callable[[wq.Query], wq.Query]) -> wq.Query:
        return _ConstantScore(fn(self.child), self.score)

    def with_boost(self, boost: float) -> wq.Query:
        return _ConstantScore(self.child, self.score * boost)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return _ConstantScoreMatcher(self.child.matcher(searcher, context), self.score)


class _AndNot(wq.AndNot):
    """Whoosh's AndNot, starting right: Whoosh's AndNotMatcher checks the excluded matcher
    only when both start on the same document, so an excluded first match whose exclusion
    starts earlier would be kept."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        kept = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        if kept.is_active() and excluded.is_active() and excluded.id() < kept.id():
            excluded.skip_to(kept.id())
        return AndNotMatcher(kept, excluded)


def text_field(field: str) -> str:
    """The schema name of a text field of the contract."""
    if field not in TEXT_FIELDS:
        raise ValueError(f"{field!r} is not a text field")
    return field


def _boosted(make: Callable[[float], wq.Query], boost: float) -> wq.Query:
    # Whoosh divides by a boost when it skips blocks: a boost of 0 or less scores 0 instead.
    return make(boost) if boost > 0 else _ConstantScore(make(1.0))


def _range(node: RangeNode) -> wq.Query:
    if node.field not in NUMBER_FIELDS:
        raise ValueError(f"{node.field!r} is not an integer field")
    # Every value lies in [0, ABSENT): open bounds are those, as in whoosh_segment.Segment.
    low = max(node.low or 0, 0)
    high = ABSENT - 1 if node.high is None else min(node.high, ABSENT - 1)
    if low > high:
        return wq.NullQuery
    return _ConstantScore(wq.NumericRange(number_field(node.field), low, high))


def _either(queries: list[wq.Query]) -> wq.Query:
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def compile_node(node: Node) -> wq.Query:
    """The whoosh.query equivalent of an engine query tree (ValueError for unknown fields)."""
    if isinstance(node, TermNode):
        field = text_field(node.field)
        return _boosted(lambda b: wq.Term(field, node.token, boost=b), node.boost)
    if isinstance(node, PrefixNode):
        field = text_field(node.field)
        return _ConstantScore(wq.Prefix(field, node.prefix), max(node.boost, 0.0))
    if isinstance(node, PhraseNode):
        field, tokens = text_field(node.field), list(node.tokens)
        if not tokens:
            return wq.NullQuery
        if len(tokens) == 1:
            return _boosted(lambda b: wq.Term(field, tokens[0], boost=b), node.boost)
        slop = max(node.slop, 0) + 1
        return _boosted(lambda b: SlopPhrase(field, tokens, slop=slop, boost=b), node.boost)
    if isinstance(node, RangeNode):
        return _range(node)
    if isinstance(node, AllNode):
        return _ConstantScore(wq.Every())
    if isinstance(node, NothingNode):
        return wq.NullQuery
    if isinstance(node, BoolNode):
        must = [compile_node(item) for item in node.must]
        should = [compile_node(item) for item in node.should]
        must_not = [compile_node(item) for item in node.must_not]
        if must:
            compiled = must[0] if len(must) == 1 else wq.And(must)
            if should:
                compiled = wq.AndMaybe(compiled, _either(should))
        elif should:
            compiled = _either(should)
        else:
            return wq.NullQuery
        return _AndNot(compiled, _either(must_not)) if must_not else compiled
    raise TypeError(f"unknown query node {node!r}")
