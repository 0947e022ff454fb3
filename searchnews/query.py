"""User query text -> a query tree the engine can run.

The language: words are ANDed; `OR`, `NOT` or a leading `-` and parentheses combine them;
`"exact phrase"` and `"phrase"~N` (words at most N positions apart); `word*` for a prefix;
`field:value` for one field; `date:` and `mentions:` with a date, a range or a comparison. The
tree is engine-neutral so that other engines can run it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import comb

from . import analysis
from .dates import period
from .errors import QueryError

# The most in-order placements of a sloppy phrase's words that engines list one by one.
MAX_PHRASE_PLACEMENTS = 128

FIELDS = {
    "headline": "headline",
    "heading": "headings",
    "body": "body",
    "author": "authors",
    "site": "site",
    "section": "section",
    "tag": "tags",
    "person": "people",
    "org": "orgs",
    "place": "places",
    "entity": "entities",
}
DATE_FIELDS = {"date": "published", "mentions": "mentions"}
_FIELD_HINT = ", ".join(f"{name}:" for name in (*FIELDS, *DATE_FIELDS))
_DATE_HINT = (
    "write date:2024, date:2024-07, date:2024-07-04, date:[2024-07-01 TO 2024-07-31], "
    'date:>2024-06-01 or date:"last week"'
)
MAX_QUERY_LENGTH = 2000
MAX_DEPTH = 32  # nested parentheses; deeper queries are refused before they are parsed


@dataclass(frozen=True)
class Term:
    """A word (or, with `prefix`, the start of words) in one field or in the text fields."""

    text: str
    field: str | None = None
    prefix: bool = False
    alias_of: str | None = None


@dataclass(frozen=True)
class Phrase:
    """Words in order; `slop` is how many positions apart they may stand (0: exact)."""

    text: str
    field: str | None = None
    slop: int = 0
    alias_of: str | None = None


@dataclass(frozen=True)
class DateRange:
    """Articles dated (`published`) or mentioning a date (`mentions`) between two moments.

    Either end may be None (open); `text` is what the user wrote, for explanations.
    """

    field: str
    start: datetime | None
    end: datetime | None
    text: str = ""


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


@dataclass(frozen=True)
class MatchAll:
    """Every article (a query of only filters, or of nothing)."""


Query = Term | Phrase | DateRange | And | Or | Not | MatchAll

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) |
        (?P<minus>-(?=[^\s)]))? (?:(?P<field>[A-Za-z_]+):(?P<compare>[<>]=?)?)?
        (?: "(?P<phrase>[^"]*)"(?:~(?P<slop>\d+))? | (?P<range>\[[^\]]*\]) | (?P<bracket>\[)
          | (?P<quote>") | (?P<word>[^\s()"\[]+) )
    )""",
    re.VERBOSE,
)


@dataclass
class _Token:
    kind: str  # open, close, or, not, leaf
    node: object = None
    negated: bool = False


def _date_leaf(field: str, match: re.Match, query: str, as_of: datetime | None) -> DateRange:
    """date:/mentions: values -> a DateRange (YYYY[-MM[-DD]], [A TO B], >A, "last week")."""
    name = match.group("field")
    compare = match.group("compare")
    if match.group("range") is not None:
        if compare:
            raise QueryError(f"Use either a comparison or a range after {name}:, not both.")
        inside = match.group("range")[1:-1].strip()
        parts = re.split(r"\s+TO\s+", inside, flags=re.IGNORECASE)
        if len(parts) != 2:
            raise QueryError(f"Cannot read the range [{inside}] in {query!r}: {_DATE_HINT}.")
        first, last = (part.strip().strip('"') for part in parts)
        start = None if first in ("*", "") else period(first, as_of=as_of)[0]
        end = None if last in ("*", "") else period(last, as_of=as_of)[1]
        if start and end and start > end:
            raise QueryError(f"The range [{inside}] is inverted: put the earlier date first.")
        return DateRange(field, start, end, f"[{inside}]")
    value = match.group("phrase") if match.group("phrase") is not None else match.group("word")
    if not value or not value.strip():
        raise QueryError(f"{name}: needs a date in {query!r}: {_DATE_HINT}.")
    first, last = period(value, as_of=as_of)
    text = f"{compare or ''}{value}"
    if compare == ">":
        return DateRange(field, last + timedelta(microseconds=1), None, text)
    if compare == ">=":
        return DateRange(field, first, None, text)
    if compare == "<":
        return DateRange(field, None, first - timedelta(microseconds=1), text)
    if compare == "<=":
        return DateRange(field, None, last, text)
    return DateRange(field, first, last, text)


def _leaf(match: re.Match, query: str, as_of: datetime | None = None) -> _Token:
    field_name = match.group("field")
    field = None
    if match.group("bracket") is not None:
        raise QueryError(f"Unbalanced bracket in {query!r}: close the range with ].")
    if field_name is not None:
        date_field = DATE_FIELDS.get(field_name.lower())
        if date_field is not None:
            node = _date_leaf(date_field, match, query, as_of)
            return _Token("leaf", node, negated=match.group("minus") is not None)
        field = FIELDS.get(field_name.lower())
        if field is None:
            raise QueryError(
                f"Unknown field '{field_name}:' in {query!r}; the fields are {_FIELD_HINT}."
            )
    word = match.group("word") or ""
    if field_name is None and word.endswith(":") and word[:-1].lower() in (*FIELDS, *DATE_FIELDS):
        example = "2024" if word[:-1].lower() in DATE_FIELDS else "kyiv"
        kind = "a date" if word[:-1].lower() in DATE_FIELDS else "a value"
        raise QueryError(f"{word} needs {kind} in {query!r}, as in {word}{example}.")
    if match.group("compare") or match.group("range") is not None:
        raise QueryError(
            f"Ranges and comparisons work with date: and mentions: only, in {query!r}."
        )
    if match.group("quote") is not None:
        raise QueryError(f'Unbalanced quote in {query!r}: close the phrase with a second ".')
    if match.group("phrase") is not None:
        text = match.group("phrase").strip()
        if not text:
            raise QueryError(f'Empty phrase "" in {query!r}: put words between the quotes.')
        slop = int(match.group("slop") or 0)
        if slop > 100:
            raise QueryError(f"Proximity ~{slop} is too large: use a number up to 100.")
        count = len(analysis.words(text))
        if count > 2 and comb(count - 1 + slop, count - 1) > MAX_PHRASE_PLACEMENTS:
            raise QueryError(
                f'The phrase "{text}"~{slop} at position {match.start("phrase")} of {query!r} has'
                f" too many ways to place its {count} words: use fewer words or a smaller ~N."
            )
        node = Phrase(text, field, slop)
    else:
        word = match.group("word")
        if word.endswith("*") and len(word.rstrip("*")) >= 2:
            node = Term(word.rstrip("*"), field, prefix=True)
        elif word.strip("*") == "":
            raise QueryError(f"'{word}' alone is not a search: put at least two letters before *.")
        elif word.endswith("*"):
            raise QueryError(f"'{word}' is too short a prefix: put at least two letters before *.")
        else:
            node = Term(word, field)
    return _Token("leaf", node, negated=match.group("minus") is not None)


def _tokenise(query: str, as_of: datetime | None) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(query):
        if query[position:].strip() == "":
            break
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            raise QueryError(f"Cannot read {query[position:].strip()!r} in the query {query!r}.")
        position = match.end()
        if match.group("open"):
            tokens.append(_Token("open"))
        elif match.group("close"):
            tokens.append(_Token("close"))
        elif (
            match.group("word") in ("OR", "AND", "NOT")
            and not match.group("field")
            and not match.group("minus")
        ):
            tokens.append(_Token(match.group("word").lower()))
        else:
            tokens.append(_leaf(match, query, as_of))
    return tokens


class _Parser:
    """Recursive descent over the tokens: OR binds loosest, then implicit AND, then NOT."""

    def __init__(self, tokens: list[_Token], query: str) -> None:
        self.tokens = tokens
        self.position = 0
        self.query = query

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self):
        node = self.parse_or()
        if self.peek() is not None:
            raise QueryError(f"Unbalanced parenthesis in {self.query!r}: a ')' has no '('.")
        return node

    def parse_or(self):
        items = [self.parse_and()]
        while self.peek() is not None and self.peek().kind == "or":
            self.take()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self):
        items = []
        while True:
            token = self.peek()
            if token is None or token.kind in ("close", "or"):
                break
            if token.kind == "and":
                self.take()
                continue
            items.append(self.parse_unary())
        if not items:
            where = "at the end" if self.peek() is None else "before ')' or OR"
            raise QueryError(f"Missing words {where} in {self.query!r}.")
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self):
        token = self.peek()
        if token.kind == "not":
            self.take()
            if self.peek() is None or self.peek().kind in ("close", "or"):
                raise QueryError(f"NOT needs something to exclude in {self.query!r}.")
            return Not(self.parse_unary())
        if token.kind == "open":
            self.take()
            node = self.parse_or()
            if self.peek() is None or self.peek().kind != "close":
                raise QueryError(
                    f"Unbalanced parenthesis in {self.query!r}: a '(' is never closed."
                )
            self.take()
            return node
        if token.kind == "close":
            raise QueryError(f"Unbalanced parenthesis in {self.query!r}: a ')' has no '('.")
        self.take()
        return Not(token.node) if token.negated else token.node


def _check_depth(text: str) -> None:
    """Refuse parentheses nested deeper than MAX_DEPTH (outside quotes), naming the depth."""
    depth, deepest, quoted, where = 0, 0, False, 0
    for position, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
            if depth > MAX_DEPTH:
                where = where if deepest else position
                deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    if deepest:
        raise QueryError(
            f"Parentheses are nested {deepest} deep in the query (at most {MAX_DEPTH}); "
            f"the first one too deep is at character {where + 1}."
        )


def parse_query(text: str | None, *, as_of: datetime | None = None) -> Query:
    """Parse a user's query; an empty query matches every article.

    Relative dates (`date:"last week"`) are read relative to `as_of` (default: now). Raises
    QueryError with a message that says what is wrong and how to write it.
    """
    if text is None or not text.strip():
        return MatchAll()
    _check_depth(text)
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"The query is too long ({len(text)} characters; at most {MAX_QUERY_LENGTH})."
        )
    return _Parser(_tokenise(text, as_of), text).parse()


def positive_leaves(node: Query) -> list[Term | Phrase]:
    """Terms and phrases a matching article contains (not those under NOT): what to highlight."""
    if isinstance(node, Term | Phrase):
        return [node]
    if isinstance(node, And | Or):
        return [leaf for item in node.items for leaf in positive_leaves(item)]
    return []


_FIELD_NAMES = {field: name for name, field in FIELDS.items()}
_DEFAULT_FIELDS = "headline, headings or body"


def _day_text(value: datetime | None, end: bool) -> str:
    if value is None:
        return "…"
    if value.time() in (datetime.min.time(), datetime.max.time()) or (
        end and value.time() >= datetime.max.time().replace(microsecond=0)
    ):
        return value.date().isoformat()
    return value.isoformat(timespec="minutes")


def explain(node: Query, depth: int = 0) -> str:
    """A readable account of how a parsed query is understood, one line per part."""
    pad = "  " * depth
    if isinstance(node, MatchAll):
        return f"{pad}every article"
    if isinstance(node, Term | Phrase) and node.alias_of:
        where = _FIELD_NAMES.get(node.field, node.field) if node.field else _DEFAULT_FIELDS
        return f"{pad}{node.text!r} in {where} (another spelling of {node.alias_of!r})"
    if isinstance(node, Term):
        where = _FIELD_NAMES.get(node.field, node.field) if node.field else _DEFAULT_FIELDS
        what = f"words starting with {node.text!r}" if node.prefix else f"word {node.text!r}"
        return f"{pad}{what} in {where}"
    if isinstance(node, Phrase):
        where = _FIELD_NAMES.get(node.field, node.field) if node.field else _DEFAULT_FIELDS
        how = "exact phrase" if node.slop == 0 else f"words at most {node.slop} apart, in order:"
        return f"{pad}{how} {node.text!r} in {where}"
    if isinstance(node, DateRange):
        what = "published" if node.field == "published" else "mentions a date"
        span = f"{_day_text(node.start, False)} to {_day_text(node.end, True)}"
        return f"{pad}{what} from {span} (you wrote {node.text!r})"
    if isinstance(node, Not):
        return f"{pad}NOT:\n{explain(node.item, depth + 1)}"
    label = "ALL of:" if isinstance(node, And) else "ANY of:"
    return "\n".join([f"{pad}{label}", *(explain(item, depth + 1) for item in node.items)])
