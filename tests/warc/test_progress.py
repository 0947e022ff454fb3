"""The progress of indexing WARC files is measured in bytes of the files read."""

from __future__ import annotations

from warcmaker import Response, news_html, write_warc

from searchnews import cli
from searchnews.cli import main


def test_the_progress_bar_counts_the_bytes_of_the_warc_files(runner, tmp_path, monkeypatch):
    pages = [
        Response(
            f"https://news.example/{n}", news_html(f"Story {n}", "Harbour vote. " * 30).encode()
        )
        for n in range(5)
    ]
    image = Response(
        "https://news.example/a.png", b"\x89PNG" + bytes(5000), content_type="image/png"
    )
    path = tmp_path / "crawl" / "a.warc.gz"
    write_warc(path, [*pages[:2], image, *pages[2:]])
    size = path.stat().st_size
    calls: list[tuple[int, int]] = []
    update = cli._ProgressBar.update

    def recorded(bar, done, total):
        calls.append((done, total))
        update(bar, done, total)

    monkeypatch.setattr(cli, "_on_terminal", lambda: True)
    monkeypatch.setattr("click._termui_impl.isatty", lambda _file: True)
    monkeypatch.setattr(cli._ProgressBar, "update", recorded)
    result = runner.invoke(
        main, ["index", str(tmp_path / "crawl"), "--index", str(tmp_path / "ix")]
    )
    assert result.exit_code == 0, result.output
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert all(total == size for _done, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert "Indexing" in result.stderr and "100%" in result.stderr
