"""The sphinxql engine's own behaviour, on real searchd processes: where documents go, what
readers see of a commit, what it refuses, the local cluster commands, and a shard going down."""

from __future__ import annotations

import json
import os
import signal
import time

import pymysql
import pytest
from pagemaker import write_page

from searchnews import NewsIndex, QueryError
from searchnews.analysis import exact_text, values_text
from searchnews.cli import main
from searchnews.engines import engine_class, sphinxql_engine, split_spec
from searchnews.engines import sphinxql_cluster as cluster
from searchnews.engines.base import (
    BoolNode,
    EngineDocument,
    PhraseNode,
    PrefixNode,
    RangeNode,
    SearchRequest,
    TermNode,
)
from searchnews.engines.sphinxql_engine import SphinxQLEngine
from searchnews.engines.sphinxql_writes import KEY_BITS, connect, shard_of
from searchnews.errors import EngineError, IndexBusyError, SearchnewsError
from searchnews.web import create_app

from .documents import doc, raw
from .sphinxql_support import NO_SEARCHD, free_ports, searchd_available

pytestmark = pytest.mark.skipif(not searchd_available(), reason=NO_SEARCHD)


@pytest.fixture
def engine(tmp_path, sphinxql_cluster):
    made = SphinxQLEngine.create(str(tmp_path / "engine"))
    yield made
    made.close()


def keys(engine, node) -> list[int]:
    engine.refresh()
    return sorted(key for key, _score in engine.search(SearchRequest(node, limit=100)).hits)


def shard_keys(engine, number: int) -> set[int]:
    connection = connect(engine.shards[number])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {cluster.SHARD_INDEX} WHERE ns = {engine.namespace} LIMIT 1000"
            )
            return {int(row[0]) & ((1 << KEY_BITS) - 1) for row in cursor.fetchall()}
    finally:
        connection.close()


def test_the_engine_is_named_by_its_name_or_its_address():
    assert engine_class("sphinxql") is SphinxQLEngine
    assert split_spec("sphinxql://10.0.0.5:9306") == ("sphinxql", "10.0.0.5:9306")
    assert split_spec("tantivy") == ("tantivy", None)
    with pytest.raises(SearchnewsError, match="sphinxql://HOST:PORT"):
        split_spec("whoosh://10.0.0.5:9306")


def test_each_document_is_on_the_shard_its_key_hashes_to(engine):
    engine.upsert([doc(key, f"harbour report {key}") for key in range(1, 41)])
    engine.commit()
    engine.refresh()
    assert engine.count() == 40
    for number in range(len(engine.shards)):
        expected = {key for key in range(1, 41) if shard_of(key, len(engine.shards)) == number}
        assert expected and shard_keys(engine, number) == expected


def test_two_indexes_on_one_cluster_do_not_see_each_other(engine, tmp_path):
    other = SphinxQLEngine.create(str(tmp_path / "other"))
    try:
        engine.upsert([doc(1, "harbour")])
        other.upsert([doc(1, "ferry"), doc(2, "harbour")])
        engine.commit()
        other.commit()
        assert keys(engine, TermNode("body", "harbour")) == [1]
        assert keys(other, TermNode("body", "harbour")) == [2]
        assert other.namespace != engine.namespace
    finally:
        other.close()
    reopened = SphinxQLEngine.open(engine.folder)
    assert (reopened.shards, reopened.namespace) == (engine.shards, engine.namespace)
    reopened.close()


def test_the_server_and_where_texts_come_from_are_recorded(engine):
    with open(os.path.join(engine.folder, "engine.json"), encoding="utf-8") as handle:
        server = json.load(handle)["server"]
    assert server.startswith("2.2.")  # Debian's Sphinx
    assert "store no text" in sphinxql_engine.text_mode(server)
    assert "docstore" in sphinxql_engine.text_mode("6.2.12 Manticore")


def test_a_commit_stopped_between_shards_stays_invisible_until_the_next(engine, monkeypatch):
    engine.upsert([doc(key, "harbour") for key in range(1, 21)])
    engine.commit()
    real, calls = sphinxql_engine.commit_shard, []

    def second_shard_fails(connection, *args):
        calls.append(1)
        if len(calls) >= 2:  # the second shard, and the second try at it
            raise pymysql.OperationalError(2013, "Lost connection")
        return real(connection, *args)

    monkeypatch.setattr(sphinxql_engine, "commit_shard", second_shard_fails)
    engine.upsert([doc(key, "ferry") for key in range(21, 41)])
    engine.delete(range(1, 11))
    with pytest.raises(EngineError, match="run the same command again"):
        engine.commit()
    # One shard has the commit: readers still see exactly the one before.
    assert keys(engine, TermNode("body", "harbour")) == list(range(1, 21))
    assert keys(engine, TermNode("body", "ferry")) == []
    monkeypatch.setattr(sphinxql_engine, "commit_shard", real)
    engine.upsert([doc(key, "ferry") for key in range(21, 41)])
    engine.delete(range(1, 11))
    engine.commit()
    assert keys(engine, TermNode("body", "harbour")) == list(range(11, 21))
    assert keys(engine, TermNode("body", "ferry")) == list(range(21, 41))


def test_a_connection_lost_once_during_a_commit_is_made_again(engine, monkeypatch):
    engine.upsert([doc(key, "harbour") for key in range(1, 21)])
    engine.commit()
    real, calls = sphinxql_engine.commit_shard, []

    def lost_after_applying_once(connection, *args):
        calls.append(1)
        real(connection, *args)
        if len(calls) == 1:
            raise pymysql.OperationalError(2013, "Lost connection")

    monkeypatch.setattr(sphinxql_engine, "commit_shard", lost_after_applying_once)
    engine.upsert([doc(key, "ferry") for key in range(21, 41)])
    engine.delete(range(1, 11))
    engine.commit()
    assert len(calls) == len(engine.shards) + 1
    assert keys(engine, TermNode("body", "harbour")) == list(range(11, 21))
    assert keys(engine, TermNode("body", "ferry")) == list(range(21, 41))


def test_a_rebuild_moves_an_index_onto_the_cluster_and_drops_what_it_replaces(
    tmp_path, sphinxql_cluster
):
    for number in range(6):
        write_page(tmp_path / "p", f"{number}.html", f"Harbour story {number}",
                   [f"The harbour board met for the {number} time. " * 8])  # fmt: skip
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(tmp_path / "p")], jobs=1, engine="whoosh")
        before = sorted(hit.id for hit in news.search("harbour", limit=50).hits)
        news.index([str(tmp_path / "p")], jobs=1, rebuild=True, engine=sphinxql_cluster)
        assert news.engine_name == "sphinxql"
        assert sorted(hit.id for hit in news.search("harbour", limit=50).hits) == before
        first = SphinxQLEngine.open(str(tmp_path / "ix" / "sphinxql-1"))
        news.index([str(tmp_path / "p")], jobs=1, rebuild=True)  # onto the same cluster
        assert sorted(hit.id for hit in news.search("harbour", limit=50).hits) == before
        assert not (tmp_path / "ix" / "sphinxql-1").exists()
        assert all(not shard_keys(first, number) for number in range(len(first.shards)))
        with pytest.raises(IndexBusyError):
            first.refresh()
        first.close()


def test_phrases_keep_their_order_and_never_span_two_values(engine):
    names = values_text(["Vladimir Putin", "Olaf Scholz"])
    engine.upsert(
        [
            raw(1, "b a"),
            raw(2, "a x b"),
            raw(3, "a x y z b"),
            EngineDocument(4, {"people": names}),
        ]
    )
    engine.commit()
    assert keys(engine, PhraseNode("body", ("a", "b"), slop=2)) == [2]
    assert keys(engine, PhraseNode("body", ("a", "b"), slop=3)) == [2, 3]
    assert keys(engine, PhraseNode("people", ("putin", "olaf"))) == []
    assert keys(engine, PhraseNode("people", ("olaf", "scholz"))) == [4]


def test_every_token_the_analysis_makes_is_searchable(engine):
    text = "Київ Zürich 東京 Straße snake_case Ελλάδα 2024"
    engine.upsert([doc(1, text), doc(2, "nothing else")])
    engine.commit()
    for token in exact_text(text).split():
        assert keys(engine, TermNode("body", token)) == [1], token


def test_words_longer_than_sphinx_keeps_stay_apart(engine):
    first, second = "x" * 50 + "alpha", "x" * 50 + "beta"
    engine.upsert([raw(1, f"{first} harbour"), raw(2, second)])
    engine.commit()
    assert keys(engine, TermNode("body", first)) == [1]
    assert keys(engine, TermNode("body", second)) == [2]
    assert keys(engine, PhraseNode("body", (first, "harbour"))) == [1]
    assert keys(engine, PrefixNode("body", "x" * 20)) == [1, 2]
    with pytest.raises(QueryError, match="prefix of at most"):
        engine.search(SearchRequest(PrefixNode("body", "x" * 30)))


def test_what_sphinx_cannot_answer_is_refused_with_the_reason(engine):
    engine.upsert([doc(1, "harbour", published=[20240101120000])])
    engine.commit()
    mixed = BoolNode(should=(TermNode("body", "harbour"), RangeNode("published", 1, None)))
    with pytest.raises(QueryError, match="cannot join words with dates"):
        engine.search(SearchRequest(mixed))
    with pytest.raises(QueryError, match="cannot list indexed words"):
        engine.terms("body", "h")
    assert engine.doc_frequency("body", "harbour") == 1
    assert (
        engine.search(SearchRequest(TermNode("body", "harbour"), offset=5000, limit=0)).total == 1
    )
    with pytest.raises(QueryError, match="pages at most"):
        engine.search(SearchRequest(TermNode("body", "harbour"), offset=2_000_000))


def test_searches_that_or_dates_and_words_are_refused_by_the_query_layer(
    tmp_path, sphinxql_cluster
):
    write_page(tmp_path / "p", "a.html", "Harbour reopens", ["The harbour reopened. " * 20])
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(tmp_path / "p")], jobs=1, engine="sphinxql")
        with pytest.raises(QueryError, match="cannot join"):
            news.search("harbour OR date:2024")
        assert news.search("harbour date:2024").total in (0, 1)


def test_every_shard_syncs_each_commit():
    members = cluster.plan(2, 9306)
    for member in members:
        text = cluster.config_text("/srv/cluster", member, members[1:])
        assert "binlog_flush = 1" in text
    assert "agent = 127.0.0.1:9310:searchnews_shard" in cluster.config_text(
        "/srv/cluster", members[0], members[1:]
    )


def test_cluster_down_signals_only_its_own_searchd(tmp_path):
    (tmp_path / "shard-1").mkdir()
    (tmp_path / "shard-1" / "searchd.pid").write_text(str(os.getpid()))
    (tmp_path / cluster.CLUSTER_FILE).write_text('{"members": ["shard-1"]}')
    assert cluster.down(str(tmp_path)) == []  # the pid names this test, not a searchd


def test_cluster_up_says_how_to_install_searchd_when_it_is_missing(tmp_path, runner, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = runner.invoke(main, ["cluster", "up", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert "apt-get install sphinxsearch" in result.output


def _free_run(length: int) -> int:
    """A port starting `length` consecutive free ports."""
    for _ in range(50):
        start = free_ports(1)[0]
        if start + length < 65536 and all(cluster.port_is_free(start + i) for i in range(length)):
            return start
    raise AssertionError("no free run of ports")


def test_a_local_cluster_from_the_command_line_and_a_shard_going_down(tmp_path, runner):
    port = _free_run(5)
    folder = tmp_path / "cluster"
    started = runner.invoke(main, ["cluster", "up", str(folder), "--shards", "2", "--port", port])
    assert started.exit_code == 0, started.output
    address = started.output.strip().splitlines()[-1]
    assert address == f"sphinxql://127.0.0.1:{port}"
    try:
        for number in range(12):
            write_page(tmp_path / "p", f"{number}.html", f"Harbour story {number}",
                       [f"The harbour board met for the {number} time. " * 8],
                       published=f"2024-03-{number + 1:02d}")  # fmt: skip
        index_dir = str(tmp_path / "ix")
        with NewsIndex(index_dir) as news:
            news.index([str(tmp_path / "p")], jobs=1, engine=address)
            whole = news.search("harbour", limit=50, collapse=False)
            assert (whole.total, whole.partial) == (12, [])
        engine = SphinxQLEngine.open(os.path.join(index_dir, "sphinxql-1"))
        live = shard_keys(engine, 0)
        engine.close()
        pid = int((folder / "shard-2" / "searchd.pid").read_text())
        os.kill(pid, signal.SIGTERM)
        while cluster.is_running(pid):
            time.sleep(0.05)
        with NewsIndex(index_dir) as news:
            found = news.search("harbour", limit=50, collapse=False)
            assert found.partial and "shard 2" in found.partial[0]
            assert found.to_dict()["partial"] is True
            catalog = news._open().catalog
            assert {catalog.key_of(hit.id) for hit in found.hits} == live
        shown = runner.invoke(main, ["search", "harbour", "--index", index_dir])
        assert shown.exit_code == 0 and "Partial results: shard 2" in shown.output
        page = create_app(index_dir).test_client().get("/?q=harbour")
        assert page.status_code == 200 and b"Partial results: shard 2" in page.data
        write_page(tmp_path / "p", "new.html", "Harbour news", ["The harbour opened. " * 8])
        failed = runner.invoke(main, ["index", str(tmp_path / "p"), "--index", index_dir])
        assert failed.exit_code == 1 and "shard" in failed.output
        assert runner.invoke(main, ["cluster", "up", str(folder), "--port", port]).exit_code == 0
        rerun = runner.invoke(main, ["index", str(tmp_path / "p"), "--index", index_dir])
        assert rerun.exit_code == 0, rerun.output
        with NewsIndex(index_dir) as news:
            found = news.search("harbour", limit=50, collapse=False)
            assert (found.total, found.partial) == (13, [])
    finally:
        stopped = runner.invoke(main, ["cluster", "down", str(folder)])
    assert stopped.exit_code == 0 and "shard-2" in stopped.output
    assert not any(
        cluster.is_running(int((folder / name / "searchd.pid").read_text()))
        for name in ("coordinator", "shard-1", "shard-2")
        if (folder / name / "searchd.pid").exists()
    )


def test_a_count_cut_to_its_top_values_is_exact_when_a_shard_ran_out_of_room(engine, monkeypatch):
    """Shard A holds sites 1 and 2 three times each and site 9 once; shard B holds site 9 five
    times. With room for two groups per shard, A drops site 9: its count must be 6, not 5."""
    monkeypatch.setattr(sphinxql_engine, "FACET_GROUPS", 2)
    keys_on = {0: [], 1: []}
    key = 0
    while len(keys_on[0]) < 7 or len(keys_on[1]) < 5:
        key += 1
        keys_on[shard_of(key, len(engine.shards))].append(key)
    sites_a = [1, 1, 1, 2, 2, 2, 9]
    documents = [
        doc(k, "harbour", site=[site]) for k, site in zip(keys_on[0][:7], sites_a, strict=True)
    ]
    documents += [doc(k, "harbour", site=[9]) for k in keys_on[1][:5]]
    engine.upsert(documents)
    engine.commit()
    engine.refresh()
    request = SearchRequest(TermNode("body", "harbour"), facets=(("site", 1),))
    assert engine.search(request).facets["site"] == [(9, 6)]


def test_a_deleted_document_stays_for_a_reader_on_an_older_commit(engine, monkeypatch):
    engine.upsert([doc(key, "harbour") for key in range(1, 5)])
    engine.commit()
    engine.refresh()  # this reader stays on the first commit
    other = SphinxQLEngine.open(engine.folder)
    try:
        other.delete([1, 2])
        other.commit()
        other.upsert([doc(9, "ferry")])
        other.commit()  # within the grace: the deleted two are kept for older readers
        assert keys(other, TermNode("body", "harbour")) == [3, 4]
        page = engine.search(SearchRequest(TermNode("body", "harbour"), limit=10))
        assert sorted(key for key, _score in page.hits) == [1, 2, 3, 4]
        monkeypatch.setattr(sphinxql_engine, "PURGE_GRACE", 0.0)
        other.upsert([doc(key, "ferry") for key in range(10, 30)])  # on every shard
        other.commit()  # past the grace: gone for good
        assert all(key not in shard_keys(other, n) for n in (0, 1) for key in (1, 2))
    finally:
        other.close()


def test_counts_with_more_values_than_first_asked_for_are_exact(engine, monkeypatch):
    monkeypatch.setattr(sphinxql_engine, "FACET_GROUPS", 2)
    engine.upsert([doc(key, "harbour", site=[key % 7 + 1], day=[20240101]) for key in range(1, 30)])
    engine.commit()
    engine.refresh()
    request = SearchRequest(TermNode("body", "harbour"), facets=(("site", None), ("day", None)))
    expected = sorted(((site, 5 if site == 2 else 4) for site in range(1, 8)), key=lambda c: -c[1])
    for _ in range(2):  # the second count starts from the size the first needed
        page = engine.search(request)
        assert sorted(page.facets["site"], key=lambda c: (-c[1], c[0])) == expected
        assert page.facets["day"] == [(20240101, 29)]


def test_tokens_with_characters_sphinx_splits_at_are_found_whole(engine):
    # Folding makes these of mathematical bold letters and of "⑴": Sphinx's charset would cut
    # them into "ello" and "1".
    engine.upsert([raw(1, "Hello world"), raw(2, "ello (1) world"), raw(3, "1 ello")])
    engine.commit()
    assert keys(engine, TermNode("body", "Hello")) == [1]
    assert keys(engine, TermNode("body", "ello")) == [2, 3]
    assert keys(engine, TermNode("body", "(1)")) == [2]
    assert keys(engine, TermNode("body", "1")) == [3]
    assert keys(engine, PhraseNode("body", ("ello", "(1)", "world"))) == [2]
