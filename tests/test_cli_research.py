"""Research options of `searchnews search` and the `similar` command, on the corpus index."""

from __future__ import annotations

import json

import pytest

from searchnews.cli import main


def run(runner, corpus_index, *arguments):
    return runner.invoke(main, [*arguments, "--index", str(corpus_index)])


def test_facets_are_printed(runner, corpus_index):
    result = run(runner, corpus_index, "search", "ukraine", "--facets", "-n", "1")
    assert result.exit_code == 0
    assert "\nsite:\n" in result.output and "\nmonth:\n" in result.output
    assert "2024-07  " in result.output


def test_facets_in_json(runner, corpus_index):
    data = json.loads(run(runner, corpus_index, "search", "ukraine", "--facets", "--json").output)
    assert {"site", "section", "month", "person", "org", "place"} == set(data["facets"])


def test_explain_comes_before_the_hits(runner, corpus_index):
    result = run(
        runner,
        corpus_index,
        "search",
        'date:"last week" ceasefire',
        "--explain",
        "--as-of",
        "2024-07-08",
    )
    assert result.exit_code == 0
    assert result.output.startswith(
        "ALL of:\n  published from 2024-07-01 to 2024-07-08 (you wrote 'last week')\n"
    )
    assert "Orbán visits Kyiv" in result.output


def test_copies_are_listed_and_can_be_shown(runner, corpus_index):
    collapsed = run(runner, corpus_index, "search", '"russian gas" transit date:2025')
    assert collapsed.output.startswith("1 stories (3 articles with copies); showing 1-1.")
    assert "+ 2 more copies:" in collapsed.output
    every = run(runner, corpus_index, "search", '"russian gas" transit date:2025', "--no-collapse")
    assert every.output.startswith("3 articles; showing 1-3.")


def test_did_you_mean(runner, corpus_index):
    result = run(runner, corpus_index, "search", "zelenksy")
    assert result.output == "No articles found.\nDid you mean: zelensky\n"


def test_similar_command(runner, corpus_index):
    found = json.loads(run(runner, corpus_index, "search", '"rearm itself"', "--json").output)
    seed = found["hits"][0]["id"]
    result = run(runner, corpus_index, "similar", seed, "-n", "3", "--json")
    assert result.exit_code == 0
    hits = json.loads(result.output)["hits"]
    assert 1 <= len(hits) <= 3 and seed not in {hit["id"] for hit in hits}


def test_similar_with_an_unknown_id(runner, corpus_index):
    result = run(runner, corpus_index, "similar", "nosuchid")
    assert result.exit_code == 1
    assert "No article with id 'nosuchid'" in result.stderr


@pytest.mark.parametrize(
    ("query", "message"),
    [("date:[2024 TO 2023]", "inverted"), ("date:someday-maybe", "Cannot read the date")],
)
def test_bad_date_queries_exit_2(runner, corpus_index, query, message):
    result = run(runner, corpus_index, "search", query)
    assert result.exit_code == 2 and message in result.stderr
