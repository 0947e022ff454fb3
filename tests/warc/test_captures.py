"""Captures of one URL: the same text captured again is one article with several captures;
changed text makes the latest capture the article, with the earlier versions kept."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup
from pagemaker import write_page
from warcmaker import Response, news_html, write_warc

from searchnews import NewsIndex
from searchnews.cli import main
from searchnews.web import create_app

URL = "https://news.example/harbour"
FIRST = "The harbour board met on Monday and agreed to dredge the channel before winter. " * 4
SECOND = "The harbour board met on Monday and voted against dredging the channel this year. " * 4


def capture(text: str, date: str, url: str = URL) -> Response:
    return Response(url, news_html("Harbour board decides on dredging", text).encode(), date=date)


def index(tmp_path, *roots):
    with NewsIndex(str(tmp_path / "ix")) as news:
        return news.index([str(root) for root in roots], jobs=1)


def index_captures(tmp_path, *captures: tuple[str, str]):
    """Index one WARC file per (text, capture date), named a, b, ... in that order."""
    paths = []
    for name, (text, date) in zip("abcdef", captures, strict=False):
        paths.append(tmp_path / f"{name}.warc.gz")
        write_warc(paths[-1], [capture(text, date)])
    return index(tmp_path, *paths)


def test_the_same_text_captured_again_is_one_article_with_its_captures(tmp_path):
    report = index_captures(
        tmp_path, (FIRST, "2024-03-05T10:00:00Z"), (FIRST, "2024-03-09T08:30:00Z")
    )
    assert (report.added, report.captures) == (1, 1)
    with NewsIndex(str(tmp_path / "ix")) as news:
        (hit,) = news.search("dredge", collapse=False).hits
        history = news.history(hit.id)
        assert history["captures"] == ["2024-03-05T10:00:00+00:00", "2024-03-09T08:30:00+00:00"]
        assert history["versions"] == [{"id": hit.id, "captured": "2024-03-05T10:00:00+00:00"}]
        assert news.count() == 1


def test_changed_text_makes_the_latest_capture_the_article_and_keeps_the_first(tmp_path):
    # The later capture is read first: the order of the files does not decide which is current.
    report = index_captures(
        tmp_path, (SECOND, "2024-03-09T08:30:00Z"), (FIRST, "2024-03-05T10:00:00Z")
    )
    assert (report.added, report.captures) == (1, 1)
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert news.search("agreed", collapse=False).total == 0  # the old text is not searched
        (hit,) = news.search("voted against", collapse=False).hits
        versions = news.history(hit.id)["versions"]
        assert [version["captured"] for version in versions] == [
            "2024-03-05T10:00:00+00:00",
            "2024-03-09T08:30:00+00:00",
        ]
        assert versions[-1]["id"] == hit.id
        earlier = news.article(versions[0]["id"])
        assert "agreed to dredge" in earlier.body
        assert news.source(versions[0]["id"])["file"] == str(tmp_path / "b.warc.gz")
        assert news.history(versions[0]["id"])["versions"] == versions
        assert b"agreed to dredge" in news.source_bytes(versions[0]["id"])


def test_a_later_capture_with_new_text_replaces_the_article_on_a_later_run(tmp_path):
    write_warc(tmp_path / "crawl" / "a.warc.gz", [capture(FIRST, "2024-03-05T10:00:00Z")])
    index(tmp_path, tmp_path / "crawl")
    write_warc(tmp_path / "crawl" / "b.warc.gz", [capture(SECOND, "2024-03-09T08:30:00Z")])
    report = index(tmp_path, tmp_path / "crawl")
    assert (report.added, report.captures, report.unchanged) == (1, 0, 1)
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert news.count() == 1
        (hit,) = news.search("harbour", collapse=False).hits
        assert "voted against" in news.article(hit.id).body
        assert len(news.history(hit.id)["versions"]) == 2
    # Indexed again from nothing, the same files give the same index.
    with NewsIndex(str(tmp_path / "clean")) as news:
        news.index([str(tmp_path / "crawl")], jobs=1)
        (clean,) = news.search("harbour", collapse=False).hits
        assert clean.id == hit.id


def test_a_version_goes_with_its_warc_file(tmp_path):
    write_warc(tmp_path / "crawl" / "a.warc.gz", [capture(FIRST, "2024-03-05T10:00:00Z")])
    write_warc(tmp_path / "crawl" / "b.warc.gz", [capture(SECOND, "2024-03-09T08:30:00Z")])
    index(tmp_path, tmp_path / "crawl")
    (tmp_path / "crawl" / "a.warc.gz").unlink()
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(tmp_path / "crawl")], jobs=1, prune=True)
        (hit,) = news.search("harbour", collapse=False).hits
        assert len(news.history(hit.id)["versions"]) == 1


def test_when_the_current_capture_goes_the_latest_earlier_version_is_the_article_again(tmp_path):
    for name, text, date in [
        ("a", FIRST, "2024-03-05T10:00:00Z"),
        ("b", SECOND, "2024-03-09T08:30:00Z"),
        ("c", FIRST.replace("Monday", "Friday"), "2024-03-12T07:00:00Z"),
    ]:
        write_warc(tmp_path / "crawl" / f"{name}.warc.gz", [capture(text, date)])
    index(tmp_path, tmp_path / "crawl")
    (tmp_path / "crawl" / "c.warc.gz").unlink()
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(tmp_path / "crawl")], jobs=1, prune=True)
        (hit,) = news.search("harbour", collapse=False).hits
        assert "voted against" in news.article(hit.id).body
        assert len(news.history(hit.id)["versions"]) == 2
    with NewsIndex(str(tmp_path / "clean")) as news:
        news.index([str(tmp_path / "crawl")], jobs=1)
        (clean,) = news.search("harbour", collapse=False).hits
        assert clean.id == hit.id


def test_a_loose_file_and_a_record_with_the_same_text_are_copies_of_one_story(tmp_path):
    write_warc(tmp_path / "crawl" / "a.warc.gz", [capture(FIRST, "2024-03-05T10:00:00Z")])
    write_page(tmp_path / "crawl", "saved.html", "Harbour board decides on dredging", [FIRST])
    index(tmp_path, tmp_path / "crawl")
    with NewsIndex(str(tmp_path / "ix")) as news:
        result = news.search("dredge")
        assert (result.total, result.articles) == (1, 2)
        assert len(result.hits[0].duplicates) == 1


def test_the_api_and_show_list_the_versions(tmp_path, runner):
    index_captures(tmp_path, (FIRST, "2024-03-05T10:00:00Z"), (SECOND, "2024-03-09T08:30:00Z"))
    with NewsIndex(str(tmp_path / "ix")) as news:
        (hit,) = news.search("harbour", collapse=False).hits
    client = create_app(str(tmp_path / "ix")).test_client()
    record = client.get(f"/api/articles/{hit.id}").get_json()
    assert [version["captured"][:10] for version in record["versions"]] == [
        "2024-03-05",
        "2024-03-09",
    ]
    assert record["captures"] == ["2024-03-09T08:30:00+00:00"]
    earlier = record["versions"][0]["id"]
    assert "agreed to dredge" in client.get(f"/api/articles/{earlier}").get_json()["body"]
    shown = runner.invoke(main, ["show", hit.id, "--index", str(tmp_path / "ix")])
    assert shown.exit_code == 0, shown.output
    assert f"  {earlier}  captured 2024-03-05T10:00:00+00:00\n" in shown.output
    assert f"  {hit.id}  captured 2024-03-09T08:30:00+00:00 (this one)\n" in shown.output
    as_json = runner.invoke(main, ["show", earlier, "--json", "--index", str(tmp_path / "ix")])
    assert json.loads(as_json.output)["versions"] == record["versions"]


def test_the_article_page_links_the_other_versions(tmp_path):
    index_captures(tmp_path, (FIRST, "2024-03-05T10:00:00Z"), (SECOND, "2024-03-09T08:30:00Z"))
    with NewsIndex(str(tmp_path / "ix")) as news:
        (hit,) = news.search("harbour", collapse=False).hits
        earlier = news.history(hit.id)["versions"][0]["id"]
    client = create_app(str(tmp_path / "ix")).test_client()
    page = BeautifulSoup(client.get(f"/articles/{hit.id}").data, "html.parser")
    items = page.select("ul.versions li")
    assert [item.get_text() for item in items] == [
        "2024-03-05T10:00:00+00:00",
        "2024-03-09T08:30:00+00:00 (this one)",
    ]
    assert items[0].a["href"] == f"/articles/{earlier}"


def test_an_article_moves_to_another_capture_when_its_record_now_holds_another_page(tmp_path):
    write_warc(tmp_path / "crawl" / "a.warc.gz", [capture(FIRST, "2024-03-05T10:00:00Z")])
    write_warc(tmp_path / "crawl" / "b.warc.gz", [capture(FIRST, "2024-03-09T08:30:00Z")])
    index(tmp_path, tmp_path / "crawl")
    other = capture(SECOND, "2024-03-10T09:00:00Z", url="https://news.example/ferry")
    write_warc(tmp_path / "crawl" / "a.warc.gz", [other])  # its first record is another page
    index(tmp_path, tmp_path / "crawl")
    with NewsIndex(str(tmp_path / "ix")) as news:
        (hit,) = news.search("agreed", collapse=False).hits
        assert hit.source["file"] == str(tmp_path / "crawl" / "b.warc.gz")
        assert news.search("voted", collapse=False).total == 1
        assert news.count() == 2
