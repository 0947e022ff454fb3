"""Engine query trees as SphinxQL: a full-text MATCH() expression plus attribute conditions.

Words, prefixes and phrases become Sphinx's extended query syntax; integer ranges become
conditions on attributes. SphinxQL's WHERE only ANDs filters, so conditions that are ORed or
negated are computed as one expression in the select list (`COND_ALIAS`) and filtered on.

What Sphinx cannot express is refused with a QueryError naming the construct, never answered
approximately:
- an OR, or a NOT, that joins words with dates or other filters in one clause (`kyiv OR
  date:2024`): MATCH() and the attribute conditions can only be ANDed;
- a range over a many-valued field inside an OR or a NOT when it spans more values than
  `MAX_ENUMERATED` (Sphinx's expressions test a many-valued field only by IN(), so such a range
  is spelled out value by value, over the values the index holds).
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from math import comb

from ..errors import QueryError
from ..query import MAX_PHRASE_PLACEMENTS
from .base import (
    MULTI_NUMBER_FIELDS,
    NUMBER_FIELDS,
    SINGLE_NUMBER_FIELDS,
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
from .sphinxql_cluster import EVERY_FIELD, attribute

COND_ALIAS = "matches"
# Sphinx cuts words at 42 bytes, so that two long words alike in their first 42 bytes would be
# one. A token of more than MAX_TOKEN_BYTES is indexed and searched as its first KEPT_BYTES, a
# middle dot (never part of a token) and a hash of the whole: still unique, and still found by
# a prefix of at most KEPT_BYTES bytes. A token holding a character the charset_table splits
# at (a few fold to upper-case ASCII or punctuation: mathematical bold letters, "⑴") is kept
# whole the same way, with those characters left out of the part before the dot.
MAX_TOKEN_BYTES = 40
KEPT_BYTES = 21
_SPLIT_AT = r"[^\s0-9a-z_\u0080-\U0002ffff]"
_UNSAFE = re.compile(_SPLIT_AT)
_LONG_CANDIDATE = re.compile(r"\S{11,}")
_SPECIAL_TOKEN = re.compile(rf"\S{{11,}}|\S*{_SPLIT_AT}\S*")
MAX_ENUMERATED = 20_000

# (lowest, highest) value of a many-valued field in the index, None when none holds one.
Domain = Callable[[str], "tuple[int, int] | None"]


def sphinx_token(token: str) -> str:
    """The word Sphinx indexes for a token: itself, unless it is too long for Sphinx or holds
    a character Sphinx would split it at."""
    encoded = token.encode("utf-8")
    unsafe = _UNSAFE.search(token) is not None
    if len(encoded) <= MAX_TOKEN_BYTES and not unsafe:
        return token
    kept = _UNSAFE.sub("", token).encode("utf-8")[:KEPT_BYTES].decode("utf-8", "ignore")
    return f"{kept}\u00b7{hashlib.blake2b(encoded, digest_size=8).hexdigest()}"


def sphinx_text(text: str) -> str:
    """Analysed text with every token as Sphinx indexes it."""
    # Looking for tokens Sphinx would split costs four times more: only where there is one.
    candidates = _LONG_CANDIDATE if _UNSAFE.search(text) is None else _SPECIAL_TOKEN
    return candidates.sub(lambda match: sphinx_token(match.group()), text)


def escape_token(token: str) -> str:
    """A token as a literal word of Sphinx's query syntax: the characters of that syntax are
    all ones Sphinx splits at, so `sphinx_token` has already left them out."""
    return sphinx_token(token)


def sql_string(text: str) -> str:
    """A SphinxQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def presence_bit(field: str) -> int:
    """The bit of the `has` attribute that says an article has a value of `field`."""
    return 1 << SINGLE_NUMBER_FIELDS.index(field)


def presence(field: str) -> str:
    """The condition that an article has a value of the single-valued field `field`."""
    return f"(has & {presence_bit(field)}) <> 0"


@dataclass(frozen=True)
class Condition:
    """A condition on attributes: `where`, usable as a WHERE filter when it is ANDed at the
    top (None: only as an expression), and `expression`, made when it must be combined."""

    where: str | None
    expression: Callable[[], str]


@dataclass
class Part:
    """A compiled (sub)query: the articles matching `text` (None: every article) with none of
    `excluded` (texts), meeting every condition; `empty` when nothing can match."""

    text: str | None = None
    excluded: list[str] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    empty: bool = False

    @property
    def has_text(self) -> bool:
        return self.text is not None or bool(self.excluded)

    @property
    def is_all(self) -> bool:
        return not self.empty and not self.has_text and not self.conditions

    def full_text(self) -> str:
        """The MATCH() expression (exclusions need a positive part: the field every article
        holds "1" in)."""
        positive = self.text if self.text is not None else f"@{EVERY_FIELD} 1"
        return " ".join([positive, *(f"-({item})" for item in self.excluded)])

    def expression(self) -> str:
        """The conditions as one expression (1 when there are none)."""
        if not self.conditions:
            return "1"
        return " AND ".join(f"({condition.expression()})" for condition in self.conditions)


def _text_field(name: str) -> str:
    if name not in TEXT_FIELDS:
        raise ValueError(f"{name!r} is not a text field")
    return name


def _phrase(node: PhraseNode) -> str:
    tokens = [escape_token(token) for token in node.tokens]
    count = len(tokens)
    if node.slop <= 0:
        return '"' + " ".join(tokens) + '"'
    if comb(count - 1 + node.slop, count - 1) > MAX_PHRASE_PLACEMENTS:
        raise QueryError(
            f"The phrase of {count} words ~{node.slop} in {node.field}: has too many placements"
            " of its words: use fewer words or a smaller ~N."
        )
    # Sphinx's own ~N accepts the words in any order; the contract keeps them in order, so
    # every placement in order is spelled out, "*" standing for exactly one other word.
    variants = []
    for rest in combinations(range(1, count + node.slop), count - 1):
        positions = (0, *rest)
        words = []
        for i, position in enumerate(positions):
            if i:
                words += ["*"] * (position - positions[i - 1] - 1)
            words.append(tokens[i])
        variants.append('"' + " ".join(words) + '"')
    return "(" + " | ".join(variants) + ")"


def _calendar_values(name: str, low: int, high: int) -> list[int] | None:
    """The values of a date field between low and high that are real dates (None: too many)."""
    if name.endswith("_day"):
        found = []
        for year in range(low // 10000, high // 10000 + 1):
            for month in range(1, 13):
                for day in range(1, calendar.monthrange(year, month)[1] + 1):
                    value = year * 10000 + month * 100 + day
                    if low <= value <= high:
                        found.append(value)
                if len(found) > MAX_ENUMERATED:
                    return None
        return found
    if name.endswith("_month"):
        values = [
            year * 100 + month
            for year in range(low // 100, high // 100 + 1)
            for month in range(1, 13)
            if low <= year * 100 + month <= high
        ]
        return values if len(values) <= MAX_ENUMERATED else None
    return list(range(low, high + 1)) if high - low < MAX_ENUMERATED else None


class Compiler:
    """Compiles engine query trees; `domain` gives the values a many-valued field spans."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def compile(self, node: Node) -> Part:
        if isinstance(node, TermNode):
            return Part(f"(@{_text_field(node.field)} {escape_token(node.token)})")
        if isinstance(node, PrefixNode):
            if len(node.prefix.encode("utf-8")) > KEPT_BYTES:
                raise QueryError(
                    f"The sphinxql engine finds words by a prefix of at most {KEPT_BYTES} bytes:"
                    f" shorten {node.prefix}*."
                )
            return Part(f"(@{_text_field(node.field)} {escape_token(node.prefix)}*)")
        if isinstance(node, PhraseNode):
            if len(node.tokens) <= 1:
                if not node.tokens:
                    return Part(empty=True)
                return self.compile(TermNode(node.field, node.tokens[0], node.boost))
            return Part(f"(@{_text_field(node.field)} {_phrase(node)})")
        if isinstance(node, RangeNode):
            return self._range(node)
        if isinstance(node, AllNode):
            return Part()
        if isinstance(node, NothingNode):
            return Part(empty=True)
        if isinstance(node, BoolNode):
            return self._bool(node)
        raise TypeError(f"unknown query node {node!r}")

    def _range(self, node: RangeNode) -> Part:
        if node.field not in NUMBER_FIELDS:
            raise ValueError(f"{node.field!r} is not an integer field")
        low = node.low if node.low is not None and node.low > 0 else None
        high = node.high
        if high is not None and (high < 0 or (low is not None and low > high)):
            return Part(empty=True)
        name = attribute(node.field)
        if node.field in MULTI_NUMBER_FIELDS:
            return Part(conditions=[self._multi_range(node.field, name, low, high)])
        parts = [presence(node.field)]
        if low is not None:
            parts.append(f"{name} >= {low}")
        if high is not None:
            parts.append(f"{name} <= {high}")
        text = " AND ".join(parts)
        # Sphinx stores 0 for "no value": with a positive lower bound, a filter is exact.
        where = None
        if low is not None:
            where = f"{name} BETWEEN {low} AND {high if high is not None else 2**62}"
        return Part(conditions=[Condition(where, lambda: text)])

    def _multi_range(self, field_name: str, name: str, low: int | None, high: int | None):
        bounds = f"BETWEEN {low or 0} AND {high if high is not None else 2**32 - 1}"

        def expression() -> str:
            span = self.domain(name)
            if span is None:
                return "0"
            first, last = (
                max(low or 0, span[0]),
                min(high if high is not None else span[1], span[1]),
            )
            if first > last:
                return "0"
            values = _calendar_values(field_name, first, last)
            if values is None:
                raise QueryError(
                    f"The range of {field_name} values {first} to {last} is too wide to combine"
                    " with OR or NOT in the sphinxql engine: narrow it or use it on its own."
                )
            return f"IN({name}, {', '.join(map(str, values))})" if values else "0"

        return Condition(f"{name} {bounds}", expression)

    def _bool(self, node: BoolNode) -> Part:
        if not node.must and not node.should:
            return Part(empty=True)
        result = Part()
        if node.must:
            for item in node.must:
                part = self.compile(item)
                if part.empty:
                    return Part(empty=True)
                _and_into(result, part)
            # Optional clauses beside required ones only add to the score: left out.
        else:
            alternatives = [p for p in (self.compile(item) for item in node.should) if not p.empty]
            if not alternatives:
                return Part(empty=True)
            if not any(part.is_all for part in alternatives):
                result = _or(alternatives)
        for item in node.must_not:
            part = self.compile(item)
            if part.empty:
                continue
            if part.is_all:
                return Part(empty=True)
            if part.has_text and part.conditions:
                raise QueryError(
                    "The sphinxql engine cannot exclude words and dates or filters together in"
                    " one NOT: exclude them separately."
                )
            if part.has_text:
                result.excluded.append(part.full_text())
            else:
                expression = part.expression
                result.conditions.append(Condition(None, lambda e=expression: f"NOT ({e()})"))
        return result


def _and_into(result: Part, part: Part) -> None:
    if part.text is not None:
        result.text = part.text if result.text is None else f"{result.text} {part.text}"
    result.excluded += part.excluded
    result.conditions += part.conditions


def _or(parts: list[Part]) -> Part:
    if len(parts) == 1:
        return parts[0]
    if all(part.has_text and not part.conditions for part in parts):
        return Part("(" + " | ".join(f"({part.full_text()})" for part in parts) + ")")
    if all(not part.has_text for part in parts):
        expressions = [part.expression for part in parts]
        return Part(
            conditions=[
                Condition(None, lambda: " OR ".join(f"({e()})" for e in expressions)),
            ]
        )
    raise QueryError(
        "The sphinxql engine cannot join words with dates or filters by OR: search them"
        " separately, or AND them."
    )


@dataclass
class Compiled:
    """A query as the pieces of a SphinxQL SELECT: `match` (None: no full-text part), WHERE
    filters, and an expression to select as COND_ALIAS and filter on (None: none needed)."""

    match: str | None
    filters: list[str]
    condition: str | None
    empty: bool = False


def compile_query(node: Node, domain: Domain) -> Compiled:
    """The SphinxQL pieces of an engine query tree."""
    part = Compiler(domain).compile(node)
    if part.empty:
        return Compiled(None, [], None, empty=True)
    filters = [c.where for c in part.conditions if c.where is not None]
    combined = [c for c in part.conditions if c.where is None]
    condition = Part(conditions=combined).expression() if combined else None
    return Compiled(part.full_text() if part.has_text else None, filters, condition)
