"""The `searchnews` command through click's CliRunner: exit codes, output, JSON."""

from __future__ import annotations

import json

import pytest
from pagemaker import write_page

from searchnews.cli import main


@pytest.fixture
def pages(tmp_path):
    folder = tmp_path / "pages"
    write_page(
        folder,
        "ceasefire.html",
        "Putin rejects ceasefire, says Kiev can rearm itself",
        [
            "Russian President Vladimir Putin said Thursday he would never declare a ceasefire.",
            "Viktor Orbán had proposed talks.",
        ],
        published="2024-07-04T16:42:00+00:00",
    )
    write_page(
        folder,
        "tram.html",
        "Council approves tram line",
        ["The council voted for the tram."],
        published="2023-02-01",
    )
    return folder


@pytest.fixture
def indexed(runner, pages, tmp_path):
    index_dir = tmp_path / "ix"
    result = runner.invoke(main, ["index", str(pages), "--index", str(index_dir), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return index_dir


def test_index_prints_a_summary(runner, pages, tmp_path):
    (pages / "empty.html").write_bytes(b"")
    result = runner.invoke(main, ["index", str(pages), "--index", str(tmp_path / "ix"), "-j", "1"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        f"2 added, 0 updated, 0 unchanged, 0 removed, 1 failed; 2 articles in {tmp_path / 'ix'}/"
    )
    assert f"failed: {pages / 'empty.html'}: empty file" in result.stderr


def test_reindex_reports_unchanged(runner, indexed, pages):
    result = runner.invoke(main, ["index", str(pages), "--index", str(indexed)])
    assert result.stdout.startswith("0 added, 0 updated, 2 unchanged, 0 removed, 0 failed")


def test_search_shows_headline_date_site_and_snippet(runner, indexed):
    result = runner.invoke(main, ["search", '"rearm itself"', "--index", str(indexed)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "1 articles; showing 1-1."
    assert lines[2] == "1. Putin rejects ceasefire, says Kiev can rearm itself"
    assert lines[3].startswith("   2024-07-04 · The Test Courier · ")
    assert "Vladimir Putin said Thursday" in lines[4]


def test_search_colours_matches_on_a_terminal(runner, indexed):
    result = runner.invoke(main, ["search", "orban", "--index", str(indexed)], color=True)
    assert "\x1b[" in result.output and "Orbán" in result.output


def test_search_json(runner, indexed):
    result = runner.invoke(main, ["search", "putin", "--json", "--index", str(indexed)])
    data = json.loads(result.output)
    assert data["query"] == "putin" and data["total"] == 1 and data["page"] == 1
    assert "Putin</mark>" in data["hits"][0]["snippets"][0]


def test_search_words_may_be_separate_arguments(runner, indexed):
    result = runner.invoke(main, ["search", "council", "tram", "--json", "--index", str(indexed)])
    assert json.loads(result.output)["total"] == 1


def test_listing_by_date_range(runner, indexed):
    result = runner.invoke(
        main, ["search", "--from", "2024", "--to", "2024", "--json", "--index", str(indexed)]
    )
    assert [hit["headline"] for hit in json.loads(result.output)["hits"]] == [
        "Putin rejects ceasefire, says Kiev can rearm itself"
    ]


def test_no_results(runner, indexed):
    result = runner.invoke(main, ["search", "zeppelin", "--index", str(indexed)])
    assert result.exit_code == 0 and result.output == "No articles found.\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (['"unclosed'], "Unbalanced quote"),
        (["(a OR b"], "Unbalanced parenthesis"),
        (["colour:red"], "Unknown field 'colour:'"),
        (["x", "--from", "someday soonish"], "Cannot read the date"),
        (["x", "--from", "2024", "--to", "2023"], "inverted"),
    ],
)
def test_malformed_query_exits_2_with_one_line(runner, indexed, arguments, message):
    result = runner.invoke(main, ["search", *arguments, "--index", str(indexed)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_index_says_how_to_build_it(runner, tmp_path):
    result = runner.invoke(main, ["search", "x", "--index", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "searchnews index" in result.stderr


def test_extract_prints_fields(runner, pages):
    result = runner.invoke(main, ["extract", str(pages / "tram.html")])
    assert result.exit_code == 0
    assert "headline: Council approves tram line" in result.output
    assert "published: 2023-02-01T00:00:00" in result.output
    assert "Share on Facebook" not in result.output


def test_extract_json_lines(runner, pages):
    result = runner.invoke(
        main, ["extract", "--json", str(pages / "tram.html"), str(pages / "ceasefire.html")]
    )
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["headline"] for r in records] == [
        "Council approves tram line",
        "Putin rejects ceasefire, says Kiev can rearm itself",
    ]
    assert set(records[0]) >= {
        "headline",
        "body",
        "headings",
        "published",
        "modified",
        "authors",
        "url",
        "site_name",
        "language",
        "section",
        "tags",
        "description",
    }
    assert records[1]["authors"] == ["Ana Lima"]


def test_serve_says_when_the_index_is_missing(runner, tmp_path):
    result = runner.invoke(main, ["serve", "--index", str(tmp_path / "none"), "--port", "1"])
    assert result.exit_code == 1
    assert "searchnews index" in result.stderr


def test_serve_says_when_the_port_is_taken(runner, indexed):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = runner.invoke(main, ["serve", "--index", str(indexed), "--port", str(port)])
    assert result.exit_code == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
