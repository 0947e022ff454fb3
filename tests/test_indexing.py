"""Indexing: incremental updates, pruning, rebuilding, and bad files that never stop a run."""

from __future__ import annotations

import gzip
import os
import shutil

import pytest
from conftest import CORPUS
from pagemaker import news_page, write_page

from searchnews import IndexNotFoundError, NewsIndex, searching
from searchnews.catalog import Catalog
from searchnews.engines import engine_class
from searchnews.locking import WriterLock

LEAD = "The harbour authority approved the dredging plan on Monday after a long debate."
MORE = "Fishermen said the work would close the northern channel for six weeks this summer."


@pytest.fixture
def pages(tmp_path):
    folder = tmp_path / "pages"
    write_page(
        folder, "a.html", "Harbour dredging plan approved", [LEAD, MORE], published="2024-05-02"
    )
    write_page(
        folder,
        "sub/b.htm",
        "Tram line vote delayed again",
        ["The council postponed the vote.", MORE],
        published="2023-11-20",
    )
    gz = folder / "c.html.gz"
    gz.write_bytes(
        gzip.compress(
            news_page(
                "Lighthouse keeper retires",
                ["After forty years the keeper of the point light retired."],
                published="2022-01-15",
            ).encode()
        )
    )
    (folder / "d.txt").write_text(
        "HomeLocalMarket hall reopens after repairs\n\nMarket hall reopens after repairs\n\n"
        "The old market hall opened its doors again on Saturday after two years of repairs.\n\n"
        "Traders said business was brisk from the first hour.\n",
        encoding="utf-8",
    )
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    return folder


def index(folder, index_dir, **options):
    with NewsIndex(str(index_dir)) as news:
        return news.index([str(folder)], jobs=1, **options), news.count()


def test_first_run_adds_every_page_kind(pages, tmp_path):
    report, count = index(pages, tmp_path / "ix")
    assert (report.added, report.updated, report.unchanged, report.removed, report.failed) == (
        4,
        0,
        0,
        0,
        0,
    )
    assert count == 4


def test_second_run_skips_unchanged_files(pages, tmp_path):
    index(pages, tmp_path / "ix")
    report, count = index(pages, tmp_path / "ix")
    assert (report.added, report.updated, report.unchanged) == (0, 0, 4)
    assert count == 4


def test_touched_but_identical_file_is_unchanged(pages, tmp_path):
    index(pages, tmp_path / "ix")
    os.utime(pages / "a.html", ns=(1, 1))
    report, _ = index(pages, tmp_path / "ix")
    assert (report.updated, report.unchanged) == (0, 4)


def test_changed_file_is_updated_not_duplicated(pages, tmp_path):
    index(pages, tmp_path / "ix")
    write_page(
        pages,
        "a.html",
        "Harbour dredging plan scrapped",
        [LEAD.replace("approved", "rejected"), MORE],
    )
    report, count = index(pages, tmp_path / "ix")
    assert (report.added, report.updated, report.unchanged) == (0, 1, 3)
    assert count == 4
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert news.search("scrapped").total == 1
        assert news.search("approved").total == 0


def test_prune_removes_documents_of_deleted_files(pages, tmp_path):
    index(pages, tmp_path / "ix")
    (pages / "sub" / "b.htm").unlink()
    report, count = index(pages, tmp_path / "ix")
    assert (report.removed, count) == (0, 4)  # without --prune nothing is dropped
    report, count = index(pages, tmp_path / "ix", prune=True)
    assert (report.removed, count) == (1, 3)


def _engine_folder(index_dir) -> str:
    catalog = Catalog(str(index_dir))
    try:
        return catalog.setting("engine_folder")
    finally:
        catalog.close()


def test_rebuild_builds_the_engine_again_from_the_stored_articles(pages, tmp_path):
    index(pages, tmp_path / "ix")
    before = _engine_folder(tmp_path / "ix")
    (pages / "a.html").unlink()  # a rebuild does not need the pages: it reads the catalog
    report, count = index(pages, tmp_path / "ix", rebuild=True)
    assert (report.added, report.updated, report.unchanged, count) == (0, 0, 3, 4)
    after = _engine_folder(tmp_path / "ix")
    assert after != before and not (tmp_path / "ix" / before).exists()
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert news.search("dredging").total == 1


def test_rebuild_with_reextract_reads_every_page_again(pages, tmp_path):
    index(pages, tmp_path / "ix")
    report, count = index(pages, tmp_path / "ix", rebuild=True, reextract=True)
    assert (report.added, report.updated, report.unchanged, count) == (0, 4, 0, 4)


def test_an_index_folder_holds_the_catalog_the_engine_and_a_lock(pages, tmp_path):
    index(pages, tmp_path / "ix")
    (tmp_path / "ix" / "aliases.tsv").write_text("", encoding="utf-8")
    names = {name for name in os.listdir(tmp_path / "ix") if not name.startswith("catalog.sqlite")}
    assert names == {_engine_folder(tmp_path / "ix"), "lock", "aliases.tsv"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.html", b"", "empty file"),
        ("broken.html.gz", b"\x1f\x8b\x08\x00not really gzip", "corrupt gzip"),
        (
            "truncated.html.gz",
            gzip.compress(b"<html><body><p>cut</p></body></html>")[:20],
            "corrupt gzip",
        ),
        ("photo.html", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4, "a JPEG image"),
        ("random.htm", bytes(range(256)) * 8, "binary data"),
        ("blank.html", b"<html><body>   </body></html>", "no article text"),
    ],
)
def test_bad_file_is_reported_and_the_rest_indexes(pages, tmp_path, name, content, reason):
    (pages / name).write_bytes(content)
    report, count = index(pages, tmp_path / "ix")
    reasons = {os.path.basename(f.path): f.reason for f in report.failures}
    assert reason in reasons[name]
    assert "notes.pdf" not in reasons  # other file types under a folder are not pages: ignored
    assert report.added == 4 and count == 4


def test_named_file_of_another_type_is_reported(pages, tmp_path):
    with NewsIndex(str(tmp_path / "ix")) as news:
        report = news.index([str(pages / "notes.pdf"), str(pages / "missing.html")], jobs=1)
    reasons = sorted(f.reason for f in report.failures)
    assert reasons[0].startswith("no such file") and reasons[1].startswith("not a page file")


def test_parallel_run_gives_the_same_documents(pages, tmp_path):
    with NewsIndex(str(tmp_path / "one")) as one, NewsIndex(str(tmp_path / "two")) as two:
        one.index([str(pages)], jobs=1)
        two.index([str(pages)], jobs=2)
        assert one.search("dredging").total == two.search("dredging").total == 1
        assert one.count() == two.count() == 4


def test_failed_run_leaves_the_committed_index_readable(pages, tmp_path, monkeypatch):
    index(pages, tmp_path / "ix")
    write_page(pages, "new.html", "A brand new story", [LEAD])

    def explode(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine_class("whoosh"), "commit", explode)
    with pytest.raises(RuntimeError), NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(pages)], jobs=1)
    monkeypatch.undo()
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert news.count() == 4
        assert news.search("brand new").total == 0
    # The catalog kept the article; the next run gives it to the engine first.
    report, count = index(pages, tmp_path / "ix")
    assert (report.added, report.unchanged, count) == (0, 5, 5)
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert news.search('"brand new"').total == 1


def test_searching_a_missing_index_says_how_to_build_one(tmp_path):
    with (
        pytest.raises(IndexNotFoundError, match="searchnews index"),
        NewsIndex(str(tmp_path / "none")) as news,
    ):
        news.search("anything")


def test_second_writer_gets_a_clear_error(pages, tmp_path):
    from searchnews import IndexLockedError

    index(pages, tmp_path / "ix")
    with (
        WriterLock(str(tmp_path / "ix")),
        NewsIndex(str(tmp_path / "ix")) as news,
        pytest.raises(IndexLockedError, match="Another process"),
    ):
        news.index([str(pages)], jobs=1)
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert news.count() == 4


@pytest.mark.parametrize("jobs", [1, 2])
def test_updates_in_many_small_commits_keep_one_document_per_file(tmp_path, jobs):
    folder = tmp_path / "many"
    for number in range(12):
        write_page(folder, f"p{number:02d}.html", f"Ferry timetable {number}", [LEAD, MORE])
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(folder)], jobs=jobs, commit_every=1)
        for number in range(0, 12, 2):
            write_page(
                folder, f"p{number:02d}.html", f"Ferry timetable {number} revised", [MORE, LEAD]
            )
        report = news.index([str(folder)], jobs=jobs, commit_every=1)
        assert (report.added, report.updated, report.unchanged) == (0, 6, 6)
        assert news.count() == 12
        assert news.search("revised", collapse=False).total == 6
        paths = [hit.path for hit in news.search("ferry", limit=100, collapse=False).hits]
        assert sorted(paths) == sorted(str(folder / f"p{n:02d}.html") for n in range(12))


def test_copies_indexed_in_a_later_run_join_the_earlier_story(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    query = '"russian gas" transit date:2025'
    with NewsIndex(str(tmp_path / "whole")) as news:
        news.index([str(corpus)])
        copies = sorted(hit.path for hit in news.search(query, collapse=False).hits)
    assert len(copies) == 3
    aside = tmp_path / "aside"
    aside.mkdir()
    for number, path in enumerate(copies[1:]):
        os.replace(path, aside / f"{number}.html")
    with NewsIndex(str(tmp_path / "later")) as news:
        news.index([str(corpus)])
        assert news.search(query).articles == 1
        for number, path in enumerate(copies[1:]):
            os.replace(aside / f"{number}.html", path)
        report = news.index([str(corpus)])
        assert report.added == 2
        collapsed = news.search(query)
        assert collapsed.total == 1 and collapsed.articles == 3


def test_an_index_of_the_old_storage_is_recognised_and_replaced(pages, tmp_path, runner):
    from searchnews.cli import main

    old = tmp_path / "old"
    old.mkdir()
    (old / "_searchnews_3.toc").write_bytes(b"\x80\x04old table of contents")
    (old / "searchnews_abc.seg").write_bytes(b"segment")
    result = runner.invoke(main, ["search", "harbour", "--index", str(old)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "searchnews index CORPUS --index" in lines[0]
    assert "--rebuild --reextract" in lines[0]
    report, count = index(pages, old, rebuild=True, reextract=True)
    assert (report.added, count) == (4, 4)
    assert not (old / "_searchnews_3.toc").exists()


def test_a_different_engine_needs_a_rebuild(pages, tmp_path):
    from searchnews import SearchnewsError

    index(pages, tmp_path / "ix", engine="whoosh")
    with pytest.raises(SearchnewsError, match="--rebuild --engine tantivy"):
        index(pages, tmp_path / "ix", engine="tantivy")


def test_a_reextract_of_an_old_index_can_choose_the_engine(pages, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "_searchnews_3.toc").write_bytes(b"old table of contents")
    index(pages, old, rebuild=True, reextract=True, engine="tantivy")
    with NewsIndex(str(old)) as news:
        assert news.engine_name == "tantivy" and news.search("dredging").total == 1


def test_a_changed_file_that_no_longer_extracts_leaves_the_index(pages, tmp_path):
    index(pages, tmp_path / "ix")
    (pages / "a.html").write_bytes(b"<html><body>   </body></html>")
    report, count = index(pages, tmp_path / "ix")
    assert [os.path.basename(failure.path) for failure in report.failures] == ["a.html"]
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert count == 3 and news.search("dredging").total == 0


def test_an_index_of_another_analysis_version_is_rebuilt_when_asked(pages, tmp_path):
    from searchnews import SearchnewsError
    from searchnews.indexfolder import ANALYSIS_SETTING

    index(pages, tmp_path / "ix")
    catalog = Catalog(str(tmp_path / "ix"))
    with catalog.transaction():
        catalog.set_setting(ANALYSIS_SETTING, "0")
    catalog.close()
    with pytest.raises(SearchnewsError, match="--rebuild"), NewsIndex(str(tmp_path / "ix")) as news:
        news.search("dredging")
    _report, count = index(pages, tmp_path / "ix", rebuild=True)
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert count == 4 and news.search("dredging").total == 1


def test_a_catalog_of_the_first_schema_is_brought_up_to_date(pages, tmp_path):
    index(pages, tmp_path / "ix")
    catalog = Catalog(str(tmp_path / "ix"))
    catalog.db.execute("DROP TABLE retired")
    catalog.db.execute("DROP TABLE versions")
    catalog.db.execute("DROP INDEX sources_by_url")
    for column in ("record_id", "captured", "read_to", "url", "text_digest"):
        catalog.db.execute(f"ALTER TABLE sources DROP COLUMN {column}")
    catalog.db.execute("PRAGMA user_version = 1")
    catalog.close()
    write_page(pages, "a.html", "Harbour dredging plan halted", [LEAD, MORE])
    report, count = index(pages, tmp_path / "ix")
    assert (report.updated, count) == (1, 4)
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert news.search("halted").total == 1


def test_a_new_copy_of_a_story_rewrites_no_other_article(tmp_path, monkeypatch):
    folder = tmp_path / "p"
    wire = (
        "The regional water board said on Tuesday that the reservoir had fallen to its "
        "lowest level in forty years and asked every household to save water. "
    ) * 3
    sites = ["Valley Post", "Hill Times", "Dale Star", "Fen News", "Moor Echo"]
    written: list[int] = []
    whoosh = engine_class("whoosh")
    upsert = whoosh.upsert

    def counted(self, documents):
        documents = list(documents)
        written.extend(document.key for document in documents)
        return upsert(self, documents)

    monkeypatch.setattr(whoosh, "upsert", counted)
    with NewsIndex(str(tmp_path / "ix")) as news:
        for number, site in enumerate(sites):
            write_page(folder, f"{number}.html", f"Reservoir low ({site})", [wire], site=site)
            written.clear()
            news.index([str(folder)], jobs=1)
            # The first copy makes the story of two: the first article is written again.
            assert len(written) == (2 if number == 1 else 1)
        found = news.search("reservoir")
        assert (found.total, found.articles, len(found.hits[0].duplicates)) == (1, 5, 4)


def test_the_index_remembers_which_files_failed_until_they_index(pages, tmp_path):
    (pages / "empty.html").write_bytes(b"")
    index(pages, tmp_path / "ix")
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert [(os.path.basename(f.path), f.reason) for f in news.failures()] == [
            ("empty.html", "empty file")
        ]
    write_page(pages, "empty.html", "Quay reopens", ["The quay reopened on Friday. " * 5])
    index(pages, tmp_path / "ix")
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert news.failures() == [] and news.search("quay").total == 1


def test_each_hit_lists_the_first_copies_of_its_own_story(tmp_path):
    folder = tmp_path / "p"
    reservoir = (
        "The regional water board said on Tuesday that the reservoir had fallen to its "
        "lowest level in forty years and asked every household to save water. "
    ) * 3
    bridge = (
        "Engineers closed the old river bridge to lorries on Friday after finding cracks in "
        "two of its piers, and said repairs to the reservoir road would follow. "
    ) * 3
    assert searching.MAX_COPIES == 20
    for number in range(23):
        write_page(
            folder, f"r{number:02d}.html", "Reservoir low", [reservoir], site=f"Site {number:02d}"
        )
    for number in range(3):
        write_page(folder, f"b{number}.html", "Bridge shut", [bridge], site=f"Bridge {number}")
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(folder)], jobs=1)
        found = news.search("reservoir")
        hits = {hit.headline: hit for hit in found.hits}
    assert found.total == 2
    copies = [copy.site_name for copy in hits["Reservoir low"].duplicates]
    # The story's first twenty-one articles, less the one shown, first indexed first.
    assert (
        copies
        == [
            f"Site {n:02d}" for n in range(21) if f"Site {n:02d}" != hits["Reservoir low"].site_name
        ][:20]
    )
    others = {f"Bridge {n}" for n in range(3)} - {hits["Bridge shut"].site_name}
    assert sorted(copy.site_name for copy in hits["Bridge shut"].duplicates) == sorted(others)
