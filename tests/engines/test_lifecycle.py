"""An index survives `kill -9` of an indexing run, serves searches while another process writes,
and lets one writer in at a time: on every engine."""

from __future__ import annotations

import gc
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from pagemaker import write_page

from searchnews import IndexLockedError, NewsIndex
from searchnews.catalog import Catalog
from searchnews.engines import engine_class
from searchnews.locking import WriterLock

PAGES = 240
BATCH = 20


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("many")
    for number in range(PAGES):
        write_page(
            folder,
            f"story-{number:04d}.html",
            f"Council story number {number}",
            [
                f"The council met for meeting {number} and voted on the budget for the "
                f"district. Item {number} passed after a short debate. " * 2
            ],
            published=f"20{10 + number % 15:02d}-0{1 + number % 9}-1{number % 10}",
        )
    return folder


def index_command(pages, index_dir, engine, *extra):
    return [
        sys.executable,
        "-m",
        "searchnews",
        "index",
        str(pages),
        "--index",
        str(index_dir),
        "--batch",
        str(BATCH),
        "--jobs",
        "1",
        "--engine",
        engine,
        *extra,
    ]


def documents(index_dir) -> tuple[set[tuple[str, str]], int, int]:
    """The sources the catalog holds, and how many articles the catalog and the engine hold."""
    catalog = Catalog(str(index_dir))
    try:
        sources = {(path, state.content_hash) for path, state in catalog.sources().items()}
    finally:
        catalog.close()
    with NewsIndex(str(index_dir)) as news:
        return sources, news.count(), news.search(collapse=False).articles


@pytest.fixture(scope="module")
def uninterrupted(pages, tmp_path_factory, engine_name):
    index_dir = tmp_path_factory.mktemp("whole")
    subprocess.run(index_command(pages, index_dir, engine_name), check=True, capture_output=True)
    return documents(index_dir)


def test_kill_9_at_random_moments_keeps_the_last_commit(
    pages, uninterrupted, tmp_path, engine_name
):
    index_dir = tmp_path / "ix"
    generator = random.Random(20240704)
    seen_counts = []
    for _attempt in range(4):
        run = subprocess.Popen(
            index_command(pages, index_dir, engine_name),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(generator.uniform(0.8, 4.0))
        run.send_signal(signal.SIGKILL)
        run.wait()
        if not os.path.isfile(index_dir / "catalog.sqlite"):
            continue  # killed before the index was first created: nothing to check yet
        with NewsIndex(str(index_dir)) as news:
            count = news.count()
            assert count % BATCH == 0 or count == PAGES  # only whole batches are ever visible
            if count:
                assert news.search("council budget").articles == count
        seen_counts.append(count)
    # The next run (no waiting: the killed run's lock died with it) completes the work.
    finished = subprocess.run(
        index_command(pages, index_dir, engine_name), capture_output=True, text=True
    )
    assert finished.returncode == 0, finished.stderr
    assert documents(index_dir) == uninterrupted
    assert uninterrupted[1:] == (PAGES, PAGES)
    assert seen_counts == sorted(seen_counts)  # work already committed is never lost


def test_searches_work_while_another_process_writes(pages, tmp_path, engine_name):
    index_dir = tmp_path / "ix"
    write_page(tmp_path / "first", "a.html", "Early story about the budget", ["The budget. " * 20])
    with NewsIndex(str(index_dir)) as news:
        news.index([str(tmp_path / "first")], jobs=1, engine=engine_name)
    run = subprocess.Popen(
        index_command(pages, index_dir, engine_name),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    answers = 0
    with NewsIndex(str(index_dir)) as news:
        while run.poll() is None:
            assert news.search("budget").articles >= 1
            answers += 1
            time.sleep(0.05)
    assert run.returncode == 0, run.stderr.read()
    assert answers > 0
    with NewsIndex(str(index_dir)) as news:
        assert news.count() == PAGES + 1


def test_second_writer_waits_then_fails_clearly(tmp_path, engine_name):
    write_page(tmp_path / "p", "a.html", "A story", ["Some text here. " * 20])
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(tmp_path / "p")], jobs=1, engine=engine_name)
    holder = WriterLock(str(tmp_path / "ix"))
    try:
        started = time.monotonic()
        with (
            pytest.raises(IndexLockedError, match=r"waited 1 s"),
            NewsIndex(str(tmp_path / "ix")) as news,
        ):
            news.index([str(tmp_path / "p")], jobs=1, wait=1)
        assert time.monotonic() - started >= 0.9
    finally:
        holder.release()


def test_second_writer_gets_in_when_the_first_finishes(tmp_path, engine_name):
    write_page(tmp_path / "p", "a.html", "A story", ["Some text here. " * 20])
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(tmp_path / "p")], jobs=1, engine=engine_name)
    holder = WriterLock(str(tmp_path / "ix"))
    threading.Timer(0.5, holder.release).start()
    write_page(tmp_path / "p", "b.html", "Another story", ["More text here. " * 20])
    with NewsIndex(str(tmp_path / "ix")) as news:
        report = news.index([str(tmp_path / "p")], jobs=1, wait=10)
        assert report.added == 1 and news.count() == 2


def test_cli_lock_message(runner, tmp_path):
    from searchnews.cli import main

    write_page(tmp_path / "p", "a.html", "A story", ["Some text here. " * 20])
    runner.invoke(main, ["index", str(tmp_path / "p"), "--index", str(tmp_path / "ix")])
    holder = WriterLock(str(tmp_path / "ix"))
    try:
        result = runner.invoke(
            main, ["index", str(tmp_path / "p"), "--index", str(tmp_path / "ix"), "--wait", "0.2"]
        )
    finally:
        holder.release()
    assert result.exit_code == 1
    assert "Another process is writing to this index (waited 0.2 s)" in result.stderr


def test_two_waiting_runs_started_together_end_as_one_run(pages, tmp_path, engine_name):
    index_dir = tmp_path / "ix"
    runs = [
        subprocess.Popen(
            index_command(pages, index_dir, engine_name, "--wait", "120"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    summaries = sorted(out.split(";")[0] for out, _err in outputs)
    assert summaries == [
        f"0 added, 0 updated, {PAGES} unchanged, 0 removed, 0 failed",
        f"{PAGES} added, 0 updated, 0 unchanged, 0 removed, 0 failed",
    ]
    _sources, catalog_count, engine_count = documents(index_dir)
    assert catalog_count == engine_count == PAGES


def test_a_long_lived_reader_sees_exactly_the_last_commit(tmp_path, engine_name):
    folder = tmp_path / "pages"
    for number in range(60):
        write_page(
            folder, f"p{number:02d}.html", f"Harbour story {number}", [f"Quay {number}. " * 30]
        )
    index_dir = str(tmp_path / "ix")
    with NewsIndex(index_dir) as writer_side:
        writer_side.index([str(folder)], jobs=1, engine=engine_name)
    with NewsIndex(index_dir) as reader:
        assert reader.count() == 60 and reader.search("harbour").articles == 60
        for number in range(20):
            os.remove(folder / f"p{number:02d}.html")
        for number in range(20, 28):
            write_page(folder, f"p{number:02d}.html", f"Rewritten story {number}", ["Ferry. " * 30])
        with NewsIndex(index_dir) as other:
            report = other.index([str(folder)], jobs=1, prune=True, commit_every=5)
        assert (report.removed, report.updated) == (20, 8)
        assert reader.count() == 40
        assert reader.search("harbour", collapse=False).articles == 32
        assert reader.search("rewritten", collapse=False).articles == 8
        assert reader.search("ferry", collapse=False).articles == 8


def _index_in_background_after_one_story(pages, tmp_path, index_dir, engine_name):
    """An index of one story, and a process started to index the pages into it."""
    first = ["The budget. " * 20]
    write_page(tmp_path / "first", "a.html", "Early budget story", first, published="2019-01-01")
    with NewsIndex(str(index_dir)) as news:
        news.index([str(tmp_path / "first")], jobs=1, engine=engine_name)
    with open(tmp_path / "index-stderr.txt", "w") as errors:
        return subprocess.Popen(
            index_command(pages, index_dir, engine_name), stdout=subprocess.DEVNULL, stderr=errors
        )


def _assert_ran_cleanly(run: subprocess.Popen, tmp_path) -> None:
    """The background run exited 0; otherwise its error output is the failure message."""
    assert run.wait() == 0, (tmp_path / "index-stderr.txt").read_text()


def test_searches_during_commits_are_answered_or_refused_clearly(pages, tmp_path, engine_name):
    """A reader that refreshes while another process commits batches gets correct counts
    (whole batches only), never an error of another kind."""
    from searchnews.errors import IndexBusyError

    index_dir = tmp_path / "ix"
    run = _index_in_background_after_one_story(pages, tmp_path, index_dir, engine_name)
    seen = []
    with NewsIndex(str(index_dir)) as news:
        while run.poll() is None:
            try:
                found = news.search("council OR budget", collapse=False, facets=True)
            except IndexBusyError:
                continue
            assert (found.articles - 1) % BATCH == 0 or found.articles == PAGES + 1
            assert sum(value.count for value in found.facets["month"]) == found.articles
            seen.append(found.articles)
    _assert_ran_cleanly(run, tmp_path)
    assert seen == sorted(seen)


@pytest.mark.parametrize("target", ["whoosh", "tantivy"])
def test_a_rebuild_switches_engines_while_searches_go_on(pages, tmp_path, engine_name, target):
    index_dir = tmp_path / "ix"
    subprocess.run(index_command(pages, index_dir, engine_name), check=True, capture_output=True)
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "searchnews", "index", str(pages), "--index", str(index_dir),
         "--rebuild", "--engine", target, "--batch", "50"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    answers = 0
    with NewsIndex(str(index_dir)) as news:
        while rebuild.poll() is None:
            assert news.search("council budget", collapse=False).articles == PAGES
            answers += 1
        assert rebuild.returncode == 0, rebuild.stderr.read()
        assert news.engine_name == target
        assert news.search("council budget", collapse=False).articles == PAGES
    assert answers > 0
    engines = [
        name for name in os.listdir(index_dir) if name.split("-")[0] in ("whoosh", "tantivy")
    ]
    assert len(engines) == 1 and engines[0].startswith(target)


def test_between_the_catalog_and_the_engine_commit_readers_see_the_last_engine_commit(
    tmp_path, engine_name, monkeypatch
):
    """A run stopped after its catalog commit leaves readers with the engine's last commit:
    the hits, their text and the totals of that commit, never a mix."""
    folder = tmp_path / "p"
    write_page(folder, "a.html", "Ferry timetable", ["The ferry leaves at noon. " * 8])
    write_page(folder, "b.html", "Bridge repairs", ["The bridge closes in June. " * 8])
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(folder)], jobs=1, engine=engine_name)
    write_page(folder, "a.html", "Ferry cancelled", ["The ferry service stops for winter. " * 8])
    os.remove(folder / "b.html")

    def stopped(*_args, **_kwargs):
        raise RuntimeError("stopped")

    monkeypatch.setattr(engine_class(engine_name), "commit", stopped)
    with pytest.raises(RuntimeError), NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(folder)], jobs=1, prune=True)
    monkeypatch.undo()
    with NewsIndex(str(tmp_path / "ix")) as news:
        found = news.search("ferry")
        assert [hit.headline for hit in found.hits] == ["Ferry timetable"]
        assert "noon" in found.hits[0].snippets[0].text
        assert [hit.headline for hit in news.search("bridge").hits] == ["Bridge repairs"]
        assert news.search("winter").total == 0
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(folder)], jobs=1, prune=True)  # the next run finishes the change
        assert [hit.headline for hit in news.search("ferry").hits] == ["Ferry cancelled"]
        assert news.search("bridge").total == 0 and news.count() == 1


def test_searches_from_many_threads_share_one_catalog(tmp_path, engine_name):
    folder = tmp_path / "p"
    for number in range(12):
        write_page(folder, f"{number}.html", f"Harbour report {number}",
                   [f"Harbour item {number} and the tide table. " * 6])  # fmt: skip
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(folder)], jobs=1, engine=engine_name)
        expected = [hit.id for hit in news.search("harbour", limit=20).hits]
        answers = []

        def search():
            answers.append([hit.id for hit in news.search("harbour", limit=20).hits])

        for _round in range(5):
            threads = [threading.Thread(target=search) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert answers == [expected] * 30
        # A thread's catalog connection closes with its thread.
        catalog = news._open().catalog
        gc.collect()
        assert len(catalog._connections) <= 2


def test_a_long_lived_reader_sees_a_commit_that_only_deletes(tmp_path, engine_name):
    folder = tmp_path / "pages"
    for number in range(30):
        write_page(folder, f"p{number:02d}.html", f"Tide table {number}", [f"Tide {number}. " * 30])
    index_dir = str(tmp_path / "ix")
    with NewsIndex(index_dir) as writer_side:
        writer_side.index([str(folder)], jobs=1, engine=engine_name, commit_every=7)
    with NewsIndex(index_dir) as reader:
        assert reader.search("tide", collapse=False).articles == 30
        for number in range(0, 30, 3):
            os.remove(folder / f"p{number:02d}.html")
        with NewsIndex(index_dir) as other:
            report = other.index([str(folder)], jobs=1, prune=True)
        assert (report.removed, report.added, report.updated) == (10, 0, 0)
        found = reader.search("tide", collapse=False, limit=30, facets=True)
        assert found.articles == reader.count() == 20 and len(found.hits) == 20
        assert sum(value.count for value in found.facets["month"]) <= 20
        assert all(int(hit.headline.split()[-1]) % 3 for hit in found.hits)


def test_threads_searching_during_commits_get_whole_current_answers(pages, tmp_path, engine_name):
    """Threads sharing one NewsIndex while another process commits batches: each answer is one
    whole commit (hits, total and facets agree), never older than the thread's last answer,
    and a search started after the last commit sees all of it."""
    from searchnews.errors import IndexBusyError

    index_dir = tmp_path / "ix"
    run = _index_in_background_after_one_story(pages, tmp_path, index_dir, engine_name)
    seen: dict[int, list[int]] = {number: [] for number in range(6)}
    failures: list[BaseException] = []

    def search(news: NewsIndex, number: int) -> None:
        try:
            while True:
                finished = run.poll() is not None
                try:
                    found = news.search(
                        "council OR budget", collapse=False, facets=True, limit=PAGES + 1
                    )
                except IndexBusyError:
                    continue
                assert (found.articles - 1) % BATCH == 0 or found.articles == PAGES + 1
                headlines = [hit.headline for hit in found.hits]
                assert len(set(headlines)) == len(headlines) == found.articles
                assert all(h.startswith(("Council story", "Early budget")) for h in headlines)
                assert sum(value.count for value in found.facets["month"]) == found.articles
                seen[number].append(found.articles)
                if finished:
                    return
        except BaseException as error:
            failures.append(error)

    with NewsIndex(str(index_dir)) as news:
        threads = [threading.Thread(target=search, args=(news, n)) for n in seen]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    _assert_ran_cleanly(run, tmp_path)
    assert not failures, failures[0]
    for counts in seen.values():
        assert counts == sorted(counts) and counts[-1] == PAGES + 1
    assert len({count for counts in seen.values() for count in counts}) > 2
