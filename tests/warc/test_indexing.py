"""Indexing WARC files: records become articles with their provenance, damage costs only
itself, and reruns skip or resume."""

from __future__ import annotations

import os

import pytest
from pagemaker import write_page
from warcmaker import Response, news_html, write_warc

from searchnews import NewsIndex
from searchnews.engines import engine_class

TOPICS = ["harbour", "tramway", "library", "orchard", "glacier", "vineyard"]


def story(number: int, **options) -> Response:
    topic = TOPICS[number % len(TOPICS)]
    text = (f"The {topic} committee met on Tuesday and agreed plan {number} for the "
            f"{topic} after a long debate about costs and timing. ") * 4  # fmt: skip
    return Response(f"https://news.example/{number}", news_html(f"{topic} plan {number}", text)
                    .encode(), **options)  # fmt: skip


def index(roots, index_dir, **options):
    with NewsIndex(str(index_dir)) as news:
        return news.index([str(root) for root in roots], jobs=1, **options)


def test_records_index_with_their_provenance(tmp_path):
    offsets = write_warc(
        tmp_path / "crawl" / "a.warc.gz",
        [("request", "https://news.example/0"), story(0), ("metadata", "https://news.example/0"),
         story(1), Response("https://news.example/x.css", b"p{}", content_type="text/css")],
    )  # fmt: skip
    write_page(tmp_path / "crawl", "loose.html", "Loose page about ferries", ["Ferry. " * 20])
    report = index([tmp_path / "crawl"], tmp_path / "ix")
    assert (report.added, report.failed) == (3, 0)
    assert report.skipped == {"metadata record": 1, "not HTML (text/css)": 1, "request record": 1}
    with NewsIndex(str(tmp_path / "ix")) as news:
        (hit,) = news.search("harbour").hits
        assert hit.path == str(tmp_path / "crawl" / "a.warc.gz")
        assert hit.url == "https://news.example/0"
        assert hit.source["offset"] == offsets[1]
        assert hit.source["length"] == offsets[2] - offsets[1]
        assert hit.source["record_id"].startswith("<urn:uuid:")
        assert hit.source["captured"].startswith("2024-03-05T10:00:00")
        # No date on the page: the capture date stands in, and says so.
        assert hit.published.year == 2024 and hit.published_source == "capture"
        assert news.source(hit.id) == hit.source
        (loose,) = news.search("ferry").hits
        assert set(loose.source) == {"path", "size", "mtime_ns"}


def test_the_same_record_has_the_same_id_in_another_file(tmp_path):
    write_warc(tmp_path / "one" / "a.warc", [story(0)], compress=False)
    index([tmp_path / "one"], tmp_path / "ix1")
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "renamed.warc").write_bytes((tmp_path / "one" / "a.warc").read_bytes())
    index([tmp_path / "two"], tmp_path / "ix2")
    with NewsIndex(str(tmp_path / "ix1")) as one, NewsIndex(str(tmp_path / "ix2")) as two:
        assert one.search("harbour").hits[0].id == two.search("harbour").hits[0].id


def test_damaged_records_are_reported_with_their_offset_and_the_rest_indexes(tmp_path):
    path = tmp_path / "crawl" / "d.warc.gz"
    offsets = write_warc(path, [story(n) for n in range(5)])
    data = bytearray(path.read_bytes())
    data[offsets[2] + 40 : offsets[2] + 70] = b"\0" * 30
    path.write_bytes(bytes(data[: offsets[4] + 60]))  # and the last record cut short
    report = index([tmp_path / "crawl"], tmp_path / "ix")
    assert report.added == 3
    assert [(f.path, f.offset) for f in report.failures] == [
        (str(path), offsets[2]),
        (str(path), offsets[4]),
    ]
    with NewsIndex(str(tmp_path / "ix")) as news:
        found = {hit.url for hit in news.search("committee", limit=10, collapse=False).hits}
        assert found == {f"https://news.example/{n}" for n in (0, 1, 3)}
        assert {(f.path, f.offset) for f in news.failures()} == {
            (str(path), offsets[2]),
            (str(path), offsets[4]),
        }


@pytest.mark.parametrize(
    "headline, body, word, charset",
    [
        ("Погода в Москве", "Сегодня в Москве ожидается снег и сильный ветер. ", "снег", "cp1251"),
        ("東京の天気", "今日 東京 は 大雨 警報 が 出ました。 ", "警報", "shift_jis"),
    ],
)
def test_a_charset_named_only_by_the_http_header_is_used(tmp_path, headline, body, word, charset):
    page = news_html(headline, body * 6, charset=None).encode(charset)
    response = Response(
        "https://news.example/1", page, content_type=f"text/html; charset={charset}"
    )
    write_warc(tmp_path / "c" / "page.warc.gz", [response])
    index([tmp_path / "c"], tmp_path / "ix")
    with NewsIndex(str(tmp_path / "ix")) as news:
        hit = news.search(word).hits[0]
        assert hit.headline == headline
        assert body.strip() in news.article(hit.id).body


def test_an_unchanged_warc_file_is_skipped_and_a_changed_one_read_again(tmp_path):
    path = tmp_path / "crawl" / "a.warc.gz"
    write_warc(path, [story(n) for n in range(3)])
    index([tmp_path / "crawl"], tmp_path / "ix")
    report = index([tmp_path / "crawl"], tmp_path / "ix")
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    write_warc(path, [story(0), story(2), story(3)])  # one record gone, one new
    report = index([tmp_path / "crawl"], tmp_path / "ix")
    # New records may land at the offsets of old ones: which count as updated is not fixed.
    assert report.added + report.updated >= 1
    with NewsIndex(str(tmp_path / "ix")) as news:
        urls = {hit.url for hit in news.search("committee", limit=10, collapse=False).hits}
        assert urls == {f"https://news.example/{n}" for n in (0, 2, 3)}
        assert news.count() == 3


def test_a_run_stopped_inside_a_warc_file_resumes_and_ends_as_one_run(tmp_path, monkeypatch):
    items = [story(n) for n in range(12)]
    write_warc(tmp_path / "crawl" / "a.warc.gz", items)
    index([tmp_path / "crawl"], tmp_path / "clean")
    commits = []
    whoosh = engine_class("whoosh")
    commit = whoosh.commit

    def stop_on_the_second(self):
        commits.append(1)
        if len(commits) == 2:
            raise RuntimeError("stopped")
        commit(self)

    monkeypatch.setattr(whoosh, "commit", stop_on_the_second)
    with pytest.raises(RuntimeError):
        index([tmp_path / "crawl"], tmp_path / "ix", commit_every=3)
    monkeypatch.undo()
    read = []
    from searchnews.warc import records

    original = records.read_warc

    def counted(path, start=0, *rest):
        read.append(start)
        return original(path, start, *rest)

    monkeypatch.setattr("searchnews.warc.tasks.read_warc", counted)
    index([tmp_path / "crawl"], tmp_path / "ix")
    assert read and 0 < read[0] < (tmp_path / "crawl" / "a.warc.gz").stat().st_size
    with NewsIndex(str(tmp_path / "clean")) as clean, NewsIndex(str(tmp_path / "ix")) as resumed:

        def listing(news):
            hits = news.search("committee", limit=50, collapse=False).hits
            return sorted((hit.id, hit.url, hit.source["offset"]) for hit in hits)

        assert listing(resumed) == listing(clean) and resumed.count() == clean.count() == 12


def test_a_pruned_warc_file_takes_its_articles_with_it(tmp_path):
    write_warc(tmp_path / "crawl" / "a.warc.gz", [story(n) for n in range(3)])
    write_page(tmp_path / "crawl", "loose.html", "Loose page about ferries", ["Ferry. " * 20])
    index([tmp_path / "crawl"], tmp_path / "ix")
    (tmp_path / "crawl" / "a.warc.gz").unlink()
    report = index([tmp_path / "crawl"], tmp_path / "ix", prune=True)
    assert report.removed == 1
    with NewsIndex(str(tmp_path / "ix")) as news:
        assert news.count() == 1 and news.search("committee").total == 0


def test_the_cli_indexes_warc_files_and_names_damaged_records(tmp_path, runner):
    from searchnews.cli import main

    path = tmp_path / "crawl" / "d.warc.gz"
    offsets = write_warc(path, [story(n) for n in range(3)] + [("request", "https://x.example/")])
    data = bytearray(path.read_bytes())
    data[offsets[1] + 40 : offsets[1] + 70] = b"\0" * 30
    path.write_bytes(bytes(data))
    failures = tmp_path / "failures.jsonl"
    result = runner.invoke(main, ["index", str(tmp_path / "crawl"), "--index",
                                  str(tmp_path / "ix"), "--failures", str(failures)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "1 failed" in result.output
    assert "1 request record" in result.output
    assert f"failed: {path} at offset {offsets[1]}: a corrupt gzip member" in result.output
    import json

    (line,) = failures.read_text().splitlines()
    assert json.loads(line)["offset"] == offsets[1]


def test_show_prints_an_article_and_its_original_payload(tmp_path, runner):
    import json

    from searchnews.cli import main

    body = news_html("Погода в Москве", "Сегодня в Москве ожидается снег. " * 6, charset=None)
    cyrillic = Response("https://ru.example/1", body.encode("cp1251"),
                        content_type="text/html; charset=cp1251", encoding="gzip")  # fmt: skip
    write_warc(tmp_path / "c" / "ru.warc.gz", [story(0), cyrillic])
    index([tmp_path / "c"], tmp_path / "ix")
    with NewsIndex(str(tmp_path / "ix")) as news:
        doc_id = news.search("снег").hits[0].id
    args = ["show", doc_id, "--index", str(tmp_path / "ix")]
    shown = runner.invoke(main, args)
    assert shown.exit_code == 0 and "Погода в Москве" in shown.output
    assert "ru.warc.gz at offset" in shown.output
    data = json.loads(runner.invoke(main, [*args, "--json"]).output)
    assert data["source"]["record_id"].startswith("<urn:uuid:")
    original = runner.invoke(main, [*args, "--source"])
    assert original.exit_code == 0 and original.output.strip() == body
    missing = runner.invoke(main, ["show", "0123456789abcdef", "--index", str(tmp_path / "ix")])
    assert missing.exit_code == 1 and "No article" in missing.output


def test_the_original_payload_is_read_by_seeking_to_its_record(tmp_path, monkeypatch):
    filler = [Response(f"https://big.example/{n}", os.urandom(200_000), content_type="image/png")
              for n in range(40)]  # fmt: skip
    offsets = write_warc(tmp_path / "big" / "b.warc.gz", [*filler, story(0)])
    index([tmp_path / "big"], tmp_path / "ix")
    size = (tmp_path / "big" / "b.warc.gz").stat().st_size
    assert size - offsets[-1] < 2000 < size / 10
    read = []
    real_open = open

    class Counting:
        def __init__(self, handle):
            self.handle = handle

        def read(self, *args):
            data = self.handle.read(*args)
            read.append(len(data))
            return data

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    def counting_open(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        return Counting(handle) if str(path).endswith(".warc.gz") else handle

    with NewsIndex(str(tmp_path / "ix")) as news:
        doc_id = news.search("harbour").hits[0].id
        monkeypatch.setattr("builtins.open", counting_open)
        data = news.source_bytes(doc_id)
        monkeypatch.undo()
    assert b"harbour plan 0" in data
    assert sum(read) < size / 10


def test_the_web_page_serves_a_record_payload_as_text_in_its_charset(tmp_path):
    from searchnews.web.app import create_app

    body = news_html("Погода в Москве", "Сегодня в Москве ожидается снег. " * 6, charset=None)
    cyrillic = Response("https://ru.example/1", body.encode("cp1251"),
                        content_type="text/html; charset=windows-1251")  # fmt: skip
    write_warc(tmp_path / "c" / "ru.warc.gz", [cyrillic])
    index([tmp_path / "c"], tmp_path / "ix")
    client = create_app(str(tmp_path / "ix")).test_client()
    with NewsIndex(str(tmp_path / "ix")) as news:
        doc_id = news.search("снег").hits[0].id
    source = client.get(f"/articles/{doc_id}/source")
    assert source.status_code == 200 and source.mimetype == "text/plain"
    assert source.mimetype_params["charset"] == "cp1251"
    assert source.data.decode("cp1251") == body
    assert client.get(f"/api/articles/{doc_id}").get_json()["source"]["offset"] == 0


def test_a_warc_file_gone_before_it_is_read_is_a_failure_and_the_rest_indexes(
    tmp_path, monkeypatch
):
    write_warc(tmp_path / "crawl" / "a.warc.gz", [story(n) for n in range(3)])
    gone = str(tmp_path / "crawl" / "gone.warc.gz")
    from searchnews import indexer

    find = indexer.find_page_files

    def with_a_vanished_file(roots):
        paths, failures = find(roots)
        return [*paths, gone], failures

    monkeypatch.setattr(indexer, "find_page_files", with_a_vanished_file)
    report = index([tmp_path / "crawl"], tmp_path / "ix", progress=lambda done, total: None)
    assert report.added == 3
    assert [(f.path, f.offset) for f in report.failures] == [(gone, 0)]
    assert "cannot read the file" in report.failures[0].reason
