"""Bad files never stop a run: each is skipped with a reason (or indexed with what could be read)
and every other page indexes. Reasons are in the summary and, with --failures, in JSON Lines."""

from __future__ import annotations

import json
import os

import pytest
from pagemaker import write_page

from searchnews import NewsIndex
from searchnews.cli import main

GOOD = ["The harbour authority approved the dredging plan on Monday after a long debate. " * 3]


@pytest.fixture
def folder(tmp_path):
    pages = tmp_path / "pages"
    write_page(pages, "good-1.html", "Harbour dredging plan approved", GOOD)
    write_page(pages, "good-2.html", "Tram line vote delayed again", GOOD)
    return pages


def run_index(pages, index_dir, **options):
    with NewsIndex(str(index_dir)) as news:
        report = news.index([str(pages)], jobs=1, **options)
        return report, news.count(), news


def reasons(report) -> dict[str, str]:
    return {os.path.basename(failure.path): failure.reason for failure in report.failures}


def test_a_50_megabyte_page_is_refused(folder, tmp_path):
    (folder / "huge.html").write_bytes(b"<html><body><p>" + b"word " * 10_000_000 + b"</p>")
    report, count, _ = run_index(folder, tmp_path / "ix")
    assert reasons(report)["huge.html"].startswith("page too large (50.0 MB")
    assert count == 2


def test_a_gzip_bomb_is_refused(folder, tmp_path):
    import gzip

    (folder / "bomb.html.gz").write_bytes(gzip.compress(b"<p>" + b" " * 40_000_000))
    report, count, _ = run_index(folder, tmp_path / "ix")
    assert "too large once unzipped" in reasons(report)["bomb.html.gz"]
    assert count == 2


def test_deep_nesting_does_not_crash(folder, tmp_path):
    page = "<html><body>" + "<div>" * 10_000 + "<p>deep</p>" + "</div>" * 10_000 + "</body></html>"
    (folder / "deep.html").write_text(page)
    report, count, _ = run_index(folder, tmp_path / "ix")
    assert "deep.html" not in reasons(report) or reasons(report)["deep.html"]
    assert count >= 2


def test_undeclared_encoding_and_invalid_utf8_are_read(folder, tmp_path):
    cyrillic = "Верховная рада приняла закон о бюджете на следующий год. " * 4
    (folder / "cp1251.html").write_bytes(
        f"<html><body><h1>Бюджет принят</h1><p>{cyrillic}</p></body></html>".encode("cp1251")
    )
    (folder / "broken-utf8.html").write_bytes(
        "<html><body><h1>Caf\u00e9 owners protest</h1><p>".encode()
        + b"Prices \xff\xfe rose "
        + "sharply in the caf\u00e9s of the old town this winter. ".encode() * 4
        + b"</p>"
    )
    report, count, news = run_index(folder, tmp_path / "ix")
    assert report.failures == [] and count == 4
    assert news.search("бюджете").total == 1
    assert news.search("cafés").total == 1


def test_symlink_loops_are_not_followed(folder, tmp_path):
    (folder / "loop.html").symlink_to(folder / "loop.html")
    (folder / "sub").mkdir()
    (folder / "sub" / "back").symlink_to(folder, target_is_directory=True)
    report, count, _ = run_index(folder, tmp_path / "ix")
    assert "cannot read the file" in reasons(report)["loop.html"]
    assert count == 2


def test_a_folder_named_like_a_page_and_a_vanishing_file(folder, tmp_path):
    (folder / "dir.html").mkdir()
    write_page(folder, "vanishing.html", "Gone", GOOD)

    def delete_before_reading(done, total):
        if done == 0:
            (folder / "vanishing.html").unlink()

    report, count, _ = run_index(folder, tmp_path / "ix", progress=delete_before_reading)
    assert "No such file" in reasons(report)["vanishing.html"]
    assert count == 2


def test_failures_file_lists_every_failure(runner, folder, tmp_path):
    (folder / "empty.html").write_bytes(b"")
    (folder / "photo.html").write_bytes(b"\xff\xd8\xff\xe0" + bytes(2000))
    out = tmp_path / "failures.jsonl"
    result = runner.invoke(
        main,
        ["index", str(folder), "--index", str(tmp_path / "ix"), "-j", "1", "--failures", str(out)],
    )
    assert result.exit_code == 0 and "2 failed" in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((os.path.basename(r["path"]), r["reason"]) for r in rows) == [
        ("empty.html", "empty file"),
        ("photo.html", "not a page: the file holds a JPEG image"),
    ]
