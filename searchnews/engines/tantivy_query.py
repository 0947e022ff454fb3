"""Engine query trees as tantivy queries, and the schema names of the contract's fields."""

from __future__ import annotations

from itertools import combinations
from math import comb

import tantivy
from tantivy import FieldType, Occur, Query

from ..errors import QueryError
from ..query import MAX_PHRASE_PLACEMENTS
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

# The meta characters of tantivy's regex syntax (regex-syntax's `is_meta_character`).
_REGEX_META = frozenset("\\.+*?()|[]{}^$#&-~")


def number_field(field: str) -> str:
    """The schema name of an integer field of the contract."""
    if field not in NUMBER_FIELDS:
        raise ValueError(f"{field!r} is not an integer field")
    return f"n_{field}"


def text_field(field: str) -> str:
    """The schema name of a text field of the contract."""
    if field not in TEXT_FIELDS:
        raise ValueError(f"{field!r} is not a text field")
    return field


def _boost(query: Query, boost: float) -> Query:
    return query if boost == 1.0 else Query.boost_query(query, boost)


def unscored(query: Query) -> Query:
    """`query` matching as it does, adding no score."""
    return Query.const_score_query(query, 0.0)


def _phrase(schema: tantivy.Schema, field: str, tokens: list[str], slop: int) -> Query:
    # tantivy's own slop also accepts tokens out of order ("b a" for "a b" at slop 2), which
    # the contract does not: tokens are placed at explicit positions instead.
    if slop <= 0:
        return Query.phrase_query(schema, field, tokens)
    if len(tokens) == 2:
        # At positions 0 and k with slop s, tantivy accepts the second token 1 + gap positions
        # after the first for gap in [k - 1 - s, k - 1 + s]: two windows cover gaps 0..slop.
        windows = [(1 + slop // 2, slop // 2)] + ([(slop + 1, 0)] if slop % 2 else [])
        variants = [
            Query.phrase_query(schema, field, [(0, tokens[0]), (at, tokens[1])], slop=width)
            for at, width in windows
        ]
    elif comb(len(tokens) - 1 + slop, len(tokens) - 1) <= MAX_PHRASE_PLACEMENTS:
        # Every placement in order of the tokens after the first within the slop.
        placements = combinations(range(1, len(tokens) + slop), len(tokens) - 1)
        variants = [
            Query.phrase_query(schema, field, list(zip((0, *rest), tokens, strict=True)))
            for rest in placements
        ]
    else:
        # tantivy's own slop would also match reordered tokens: refuse rather than answer wrong.
        raise QueryError(
            f"The phrase of {len(tokens)} words ~{slop} in {field}: has too many placements"
            " of its words: use fewer words or a smaller ~N."
        )
    return variants[0] if len(variants) == 1 else Query.disjunction_max_query(variants)


def _range(schema: tantivy.Schema, node: RangeNode) -> Query:
    field = number_field(node.field)
    low = node.low if node.low is not None and node.low > 0 else None
    high = node.high
    if high is not None and (high < 0 or (low is not None and low > high)):
        return Query.empty_query()
    if low is None and high is None:
        return unscored(Query.exists_query(field))
    return unscored(Query.range_query(schema, field, FieldType.Unsigned, low, high))


def compile_node(schema: tantivy.Schema, node: Node) -> Query:
    """The tantivy Query of an engine query tree (ValueError for unknown fields)."""
    if isinstance(node, TermNode):
        term = Query.term_query(schema, text_field(node.field), node.token, index_option="freq")
        return _boost(term, node.boost)
    if isinstance(node, PrefixNode):
        escaped = "".join(f"\\{c}" if c in _REGEX_META else c for c in node.prefix)
        prefix = Query.regex_query(schema, text_field(node.field), escaped + ".*")
        return _boost(prefix, node.boost)
    if isinstance(node, PhraseNode):
        field, tokens = text_field(node.field), list(node.tokens)
        if len(tokens) <= 1:
            single = TermNode(field, tokens[0], node.boost) if tokens else NothingNode()
            return compile_node(schema, single)
        return _boost(_phrase(schema, field, tokens, node.slop), node.boost)
    if isinstance(node, RangeNode):
        return _range(schema, node)
    if isinstance(node, AllNode):
        return unscored(Query.all_query())
    if isinstance(node, NothingNode):
        return Query.empty_query()
    if isinstance(node, BoolNode):
        if not node.must and not node.should:
            return Query.empty_query()
        clauses = [(Occur.Must, compile_node(schema, item)) for item in node.must]
        clauses += [(Occur.Should, compile_node(schema, item)) for item in node.should]
        clauses += [(Occur.MustNot, compile_node(schema, item)) for item in node.must_not]
        return Query.boolean_query(clauses)
    raise TypeError(f"unknown query node {node!r}")


def _unscored_node(node: Node) -> bool:
    if isinstance(node, BoolNode):
        return all(_unscored_node(item) for item in node.must + node.should)
    return isinstance(node, RangeNode | AllNode | NothingNode)


def constant_score(node: Node) -> bool:
    """Whether every match of `node` gets the same score (False when unsure)."""
    if isinstance(node, TermNode | PhraseNode):
        return False
    if not isinstance(node, BoolNode):
        return True
    if node.must:
        return all(map(constant_score, node.must)) and all(map(_unscored_node, node.should))
    if all(map(_unscored_node, node.should)):
        return True
    return len(node.should) == 1 and constant_score(node.should[0])
