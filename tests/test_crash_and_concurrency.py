"""An index survives `kill -9` of an indexing run, serves searches while another process writes,
and lets one writer in at a time."""

from __future__ import annotations

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
from searchnews.engine import open_engine

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


def index_command(pages, index_dir, *extra):
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
        *extra,
    ]


def documents(index_dir) -> set[tuple[str, str]]:
    engine = open_engine(str(index_dir))
    try:
        return {(state.path, state.content_hash) for state in engine.files().values()}
    finally:
        engine.close()


@pytest.fixture(scope="module")
def uninterrupted(pages, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("whole")
    subprocess.run(index_command(pages, index_dir), check=True, capture_output=True)
    return documents(index_dir)


def test_kill_9_at_random_moments_keeps_the_last_commit(pages, uninterrupted, tmp_path):
    index_dir = tmp_path / "ix"
    generator = random.Random(20240704)
    seen_counts = []
    for _attempt in range(4):
        run = subprocess.Popen(
            index_command(pages, index_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(generator.uniform(0.8, 4.0))
        run.send_signal(signal.SIGKILL)
        run.wait()
        if not os.path.isdir(index_dir) or not os.listdir(index_dir):
            continue  # killed before the index was first created: nothing to check yet
        with NewsIndex(str(index_dir)) as news:
            count = news.count()
            assert count % BATCH == 0 or count == PAGES  # only whole batches are ever visible
            if count:
                assert news.search("council budget").articles == count
        seen_counts.append(count)
    # The next run (no waiting: the killed run's lock died with it) completes the work.
    finished = subprocess.run(index_command(pages, index_dir), capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert documents(index_dir) == uninterrupted
    assert seen_counts == sorted(seen_counts)  # work already committed is never lost


def test_searches_work_while_another_process_writes(pages, tmp_path):
    index_dir = tmp_path / "ix"
    write_page(tmp_path / "first", "a.html", "Early story about the budget", ["The budget. " * 20])
    with NewsIndex(str(index_dir)) as news:
        news.index([str(tmp_path / "first")], jobs=1)
    run = subprocess.Popen(
        index_command(pages, index_dir),
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


def test_second_writer_waits_then_fails_clearly(tmp_path):
    write_page(tmp_path / "p", "a.html", "A story", ["Some text here. " * 20])
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(tmp_path / "p")], jobs=1)
    holder = open_engine(str(tmp_path / "ix")).writer()
    try:
        started = time.monotonic()
        with (
            pytest.raises(IndexLockedError, match=r"waited 1 s"),
            NewsIndex(str(tmp_path / "ix")) as news,
        ):
            news.index([str(tmp_path / "p")], jobs=1, wait=1)
        assert time.monotonic() - started >= 0.9
    finally:
        holder.close(commit=False)


def test_second_writer_gets_in_when_the_first_finishes(tmp_path):
    write_page(tmp_path / "p", "a.html", "A story", ["Some text here. " * 20])
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(tmp_path / "p")], jobs=1)
    holder = open_engine(str(tmp_path / "ix")).writer()
    threading.Timer(0.5, lambda: holder.close(commit=False)).start()
    write_page(tmp_path / "p", "b.html", "Another story", ["More text here. " * 20])
    with NewsIndex(str(tmp_path / "ix")) as news:
        report = news.index([str(tmp_path / "p")], jobs=1, wait=10)
        assert report.added == 1 and news.count() == 2


def test_cli_lock_message(runner, tmp_path):
    from searchnews.cli import main

    write_page(tmp_path / "p", "a.html", "A story", ["Some text here. " * 20])
    runner.invoke(main, ["index", str(tmp_path / "p"), "--index", str(tmp_path / "ix")])
    holder = open_engine(str(tmp_path / "ix")).writer()
    try:
        result = runner.invoke(
            main, ["index", str(tmp_path / "p"), "--index", str(tmp_path / "ix"), "--wait", "0.2"]
        )
    finally:
        holder.close(commit=False)
    assert result.exit_code == 1
    assert "Another process is writing to this index (waited 0.2 s)" in result.stderr
