"""The query language parser: what each construct becomes, and the errors for malformed queries."""

from __future__ import annotations

import pytest

from searchnews import QueryError, SearchnewsError
from searchnews.query import And, MatchAll, Not, Or, Phrase, Term, parse_query, positive_leaves


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("putin", Term("putin")),
        ("rearm itself", And((Term("rearm"), Term("itself")))),
        ('"rearm itself"', Phrase("rearm itself")),
        ('"rearm itself"~2', Phrase("rearm itself", slop=2)),
        ("putin OR zelensky", Or((Term("putin"), Term("zelensky")))),
        ("putin -orban", And((Term("putin"), Not(Term("orban"))))),
        ("putin NOT orban", And((Term("putin"), Not(Term("orban"))))),
        ("putin AND orban", And((Term("putin"), Term("orban")))),
        ("(kyiv OR kiev) ceasefire", And((Or((Term("kyiv"), Term("kiev"))), Term("ceasefire")))),
        ("ceasefire*", Term("ceasefire", prefix=True)),
        ('headline:"rearm itself"', Phrase("rearm itself", field="headline")),
        ("author:Smith", Term("Smith", field="authors")),
        ("heading:ranks", Term("ranks", field="headings")),
        ("site:frontline", Term("frontline", field="site")),
        ("10:30", Term("10:30")),
        ("", MatchAll()),
        ("   ", MatchAll()),
    ],
)
def test_parses(text, expected):
    assert parse_query(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"rearm itself', "Unbalanced quote"),
        ("(kyiv OR kiev", "Unbalanced parenthesis"),
        ("kyiv)", "Unbalanced parenthesis"),
        ("colour:red", "Unknown field 'colour:'"),
        ('""', "Empty phrase"),
        ("putin OR", "Missing words"),
        ("NOT", "NOT needs something"),
        ("*", "at least two letters"),
        ("k*", "too short a prefix"),
        ('"a b"~500', "too large"),
        ("x" * 3000, "too long"),
    ],
)
def test_malformed_queries_say_what_is_wrong(text, message):
    with pytest.raises(QueryError, match=message) as caught:
        parse_query(text)
    assert isinstance(caught.value, SearchnewsError)


def test_positive_leaves_skip_negated_terms():
    leaves = positive_leaves(parse_query('putin "rearm itself" -orban'))
    assert leaves == [Term("putin"), Phrase("rearm itself")]
