"""The SphinxQL the sphinxql engine sends for query trees (no server needed)."""

from __future__ import annotations

import pytest

from searchnews import QueryError
from searchnews.engines.base import (
    AllNode,
    BoolNode,
    NothingNode,
    PhraseNode,
    PrefixNode,
    RangeNode,
    TermNode,
)
from searchnews.engines.sphinxql_query import (
    MAX_TOKEN_BYTES,
    compile_query,
    escape_token,
    sphinx_text,
    sphinx_token,
    sql_string,
)

YEARS = {"n_mention_year": (2019, 2025), "n_mention_month": (201901, 202512)}


def compiled(node):
    return compile_query(node, YEARS.get)


def test_words_and_phrases_become_match_with_fields():
    assert compiled(TermNode("body", "harbour")).match == "(@body harbour)"
    assert compiled(PrefixNode("headline", "mobili")).match == "(@headline mobili*)"
    assert compiled(PhraseNode("body", ("rearm", "itself"))).match == '(@body "rearm itself")'


def test_a_sloppy_phrase_spells_out_every_placement_in_order():
    match = compiled(PhraseNode("body", ("a", "b"), slop=2)).match
    assert match == '(@body ("a b" | "a * b" | "a * * b"))'
    three = compiled(PhraseNode("body", ("a", "b", "c"), slop=1)).match
    assert three.count('"') == 2 * 3 and '"a * b c"' in three and '"a b * c"' in three


def test_exclusions_get_a_positive_part():
    node = BoolNode(must=(AllNode(),), must_not=(TermNode("body", "orban"),))
    assert compiled(node).match == "@every 1 -((@body orban))"


def test_ranges_are_filters_when_anded_and_expressions_when_ored():
    anded = compiled(BoolNode(must=(TermNode("body", "x"), RangeNode("published", 2024, None))))
    assert anded.filters == [f"n_published BETWEEN 2024 AND {2**62}"]
    ored = compiled(
        BoolNode(should=(RangeNode("mention_year", 2022, 2023), RangeNode("day", 1, 2)))
    )
    assert ored.filters == [] and "IN(n_mention_year, 2022, 2023)" in ored.condition
    assert "(has & " in ored.condition  # a single-valued field must hold a value


def test_many_valued_ranges_are_spelled_out_over_real_dates_and_the_values_held():
    node = BoolNode(
        should=(RangeNode("mention_month", 202311, 202402), RangeNode("mention_year", 2030, None))
    )
    assert compiled(node).condition == (
        "(((IN(n_mention_month, 202311, 202312, 202401, 202402))) OR ((0)))"
    )
    alone = BoolNode(should=(RangeNode("mention_month", 202311, 202402), NothingNode()))
    assert compiled(alone).filters == ["n_mention_month BETWEEN 202311 AND 202402"]
    outside = BoolNode(should=(RangeNode("mention_year", 1990, 2000), RangeNode("day", 1, 2)))
    assert "(0)" in compiled(outside).condition


def test_what_cannot_be_said_in_sphinxql_is_refused():
    with pytest.raises(QueryError, match="cannot join words with dates"):
        compiled(BoolNode(should=(TermNode("body", "x"), RangeNode("year", 2024, 2024))))
    with pytest.raises(QueryError, match="exclude them separately"):
        mixed = BoolNode(must=(TermNode("body", "x"), RangeNode("year", 2024, 2024)))
        compiled(BoolNode(must=(AllNode(),), must_not=(mixed,)))
    with pytest.raises(QueryError, match="too many placements"):
        compiled(PhraseNode("body", tuple("abcdefgh"), slop=20))
    assert compiled(NothingNode()).empty
    assert compiled(RangeNode("year", 2025, 2024)).empty


def test_tokens_and_strings_are_escaped():
    # A token of characters Sphinx splits at is kept whole, so no query syntax is left in it.
    assert escape_token("a-b") == sphinx_token("a-b") != sphinx_token("ab")
    assert sphinx_token("a-b").startswith("ab\u00b7") and sphinx_token("ab") == "ab"
    assert sql_string("it's \\ here") == "'it\\'s \\\\ here'"
    long = "x" * 60
    assert len(sphinx_token(long).encode()) <= MAX_TOKEN_BYTES
    assert sphinx_token(long) != sphinx_token("x" * 59 + "y")
    assert sphinx_text(f"short {long} words") == f"short {sphinx_token(long)} words"
