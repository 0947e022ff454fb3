"""Property-based tests: any string as a query, any bytes as a page, never crash."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from searchnews import Article, QueryError, analysis, extract_article, snippets
from searchnews.query import Phrase, Term, parse_query

QUERY_PIECES = st.sampled_from(
    [
        '"',
        "(",
        ")",
        "[",
        "]",
        "*",
        "~",
        "-",
        ":",
        "OR",
        "AND",
        "NOT",
        "TO",
        "date:",
        "mentions:",
        "person:",
        "site:",
        "headline:",
        ">",
        "<=",
        "2024",
        "2024-07",
        "last week",
        " ",
        "kyiv",
        "Erdoğan",
        "\x00",
        "\n",
        "~3",
        "\\",
        "'",
    ]
)
QUERIES = st.one_of(st.text(max_size=120), st.lists(QUERY_PIECES, max_size=12).map("".join))


@settings(max_examples=300, deadline=None)
@given(QUERIES)
def test_any_query_parses_or_says_what_is_wrong(text):
    try:
        parse_query(text)
    except QueryError as error:
        assert str(error)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(QUERIES)
def test_any_query_searches_or_says_what_is_wrong(news, text):
    try:
        results = news.search(text, limit=3)
    except QueryError as error:
        assert str(error)
    else:
        assert results.total >= 0


PAGE_PIECES = st.sampled_from(
    [
        b"<html>",
        b"<body>",
        b"<p>",
        b"</p>",
        b"<div class='article-body'>",
        b"</div>",
        b"<h1>",
        b"</h1>",
        b"<script type='application/ld+json'>{",
        b"}</script>",
        b"<meta charset='",
        b"utf-16",
        b"'>",
        b"\xff\xfe",
        b"\xef\xbb\xbf",
        b"\x00",
        b"<time datetime='",
        b"9999-99-99",
        b"<![CDATA[",
        b"-->",
        b"<!--",
        "Київ Erdoğan".encode(),
        b"\xe9\xe8",
        b"&#0;",
        b"&amp;",
        b"<title>",
        b"</title>",
        b"Posted: March 3, 2004",
        b"<br>" * 3,
        b"<table><tr><td>",
    ]
)
PAGES = st.one_of(st.binary(max_size=2000), st.lists(PAGE_PIECES, max_size=40).map(b"".join))


@settings(max_examples=300, deadline=None)
@given(PAGES)
def test_any_bytes_give_an_article(page):
    assert isinstance(extract_article(page), Article)


@given(st.text(max_size=200))
def test_passage_tokens_are_the_index_tokens(text):
    """Passages mark what the index matched only if both cut words the same way: the text an
    engine receives splits on single spaces into exactly the passage tokens."""
    expected = [token for token, _start, _end in analysis.tokens(text)]
    indexed = analysis.exact_text(text)
    assert (indexed.split(" ") if indexed else []) == expected
    assert all(token and not token.isspace() for token in expected)
    assert len(analysis.stemmed_text(text).split(" ")) == len(expected) or not expected


PHRASE_WORDS = st.sampled_from(["the", "talks", "in", "geneva", "ended", "talk", "a", "genevan"])
PHRASE_TEXT = st.lists(
    st.tuples(PHRASE_WORDS, st.sampled_from([" ", ", ", ". ", "-", " (", "'"])), max_size=60
).map(
    lambda pairs: "".join(
        (word.capitalize() if i % 7 == 0 else word) + gap for i, (word, gap) in enumerate(pairs)
    )
)


@given(PHRASE_TEXT, st.lists(PHRASE_WORDS, min_size=2, max_size=3), st.integers(0, 2))
def test_phrases_are_found_alike_from_their_first_word(text, words, slop):
    """Plain-ASCII texts are read on only from where a phrase's first word is: the spans
    found so are those found in the whole text's words."""
    plan = snippets.MatchPlan(phrases=[(tuple(words), slop)])
    everywhere = snippets._phrase_spans(analysis.tokens(text), tuple(words), slop)
    candidates = list(snippets._candidate_words(text, plan))
    assert snippets._phrase_spans_from(text, candidates, tuple(words), slop) == everywhere


WORD_FORMS = st.sampled_from(
    ["try", "tried", "trying", "use", "using", "used", "sky", "skies", "die", "dying", "happy",
     "happiness", "happily", "talk", "talks", "talked", "city", "cities", "peace"]
)  # fmt: skip


@given(
    st.lists(st.tuples(WORD_FORMS, st.sampled_from([" ", ", ", ". "])), max_size=30),
    st.lists(WORD_FORMS, min_size=1, max_size=2),
    st.booleans(),
)
@example([("dying", " "), ("skies", ", "), ("using", ". ")], ["die", "sky"], True)
@example([("trying", " "), ("cities", " ")], ["use", "tried"], False)
def test_every_form_of_a_searched_word_is_marked(pairs, searched, with_phrase):
    """A plain word marks every form with its stem, in a text read in full or only where the
    word might be, with or without a phrase beside it."""
    text = "".join(word + gap for word, gap in pairs)
    leaves = [Term(word) for word in searched]
    if with_phrase:
        leaves.append(Phrase("peace talks"))
    plan = snippets.plan_for(leaves, "body")
    marked = snippets.find_spans(text, plan)
    words = [(start, end) for token, start, end in analysis.tokens(text) if plan.matches(token)]
    phrases = snippets._phrase_spans(analysis.tokens(text), ("peace", "talks"), 0)
    phrases = phrases if with_phrase else []
    for start, end in words + phrases:  # marked spans are merged where they touch
        assert any(a <= start and end <= b for a, b in marked), text[start:end]
