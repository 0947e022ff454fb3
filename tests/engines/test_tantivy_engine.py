"""The tantivy engine on real indexes in tmp folders: tokens kept as analysed, the query tree,
replacing and deleting, exact totals and facets, orders and their ties, point-in-time readers,
durable commits, scans, term statistics and the refusal of folders that hold no index."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tantivy

from searchnews.analysis import stemmed_text
from searchnews.engines import engine_class, tantivy_engine
from searchnews.engines.base import (
    AllNode,
    BoolNode,
    NothingNode,
    PhraseNode,
    PrefixNode,
    RangeNode,
    SearchRequest,
    TermNode,
)
from searchnews.engines.tantivy_engine import ENGINE, TantivyEngine
from searchnews.errors import EngineError, IndexBusyError, IndexLockedError, QueryError

from .documents import doc, raw

ROOT = Path(__file__).resolve().parents[2]


def fill(engine: TantivyEngine, documents) -> TantivyEngine:
    engine.upsert(documents)
    engine.commit()
    engine.refresh()
    return engine


def keys(engine: TantivyEngine, node, sort: str = "relevance", offset=0, limit=1000) -> list:
    return [key for key, _score in engine.search(SearchRequest(node, sort, offset, limit)).hits]


def matching(engine: TantivyEngine, node) -> list[int]:
    return sorted(keys(engine, node))


@pytest.fixture
def engine(tmp_path):
    made = TantivyEngine.create(str(tmp_path / "index"))
    yield made
    made.close()


def test_registered_under_its_name():
    assert engine_class("tantivy") is ENGINE is TantivyEngine
    assert TantivyEngine.name == "tantivy"


def test_tokens_are_kept_as_analysed(engine):
    long = "x" * 50
    fill(engine, [raw(1, f"Mixed {long} | 123 {'y' * 300}"), raw(2, "mixed 123")])
    assert engine.doc_frequency("body", "Mixed") == 1
    assert engine.doc_frequency("body", "mixed") == 1
    assert engine.doc_frequency("body", long) == 1
    assert engine.doc_frequency("body", "y" * 300) == 1
    assert engine.doc_frequency("body", "|") == 1
    assert engine.doc_frequency("body", "123") == 2
    # Consecutive positions: the gap token sits between its neighbours.
    assert matching(engine, PhraseNode("body", (long, "|", "123"))) == [1]
    assert matching(engine, PhraseNode("body", (long, "123"))) == []
    assert matching(engine, PhraseNode("body", (long, "123"), slop=1)) == [1]


def test_terms_prefixes_ranges_and_booleans(engine):
    fill(
        engine,
        [
            doc(1, "Putin met Scholz", published=[20240105120000], person=[7, 9]),
            doc(2, "Scholz spoke", published=[20240210000000], person=[9]),
            doc(3, "Putting green", person=[7]),
            doc(4, "nothing here", published=[20230101000000]),
        ],
    )
    assert matching(engine, TermNode("body", "scholz")) == [1, 2]
    assert matching(engine, TermNode("body_stem", "spoke")) == [2]
    assert matching(engine, PrefixNode("body", "put")) == [1, 3]
    assert matching(engine, PrefixNode("body", "")) == [1, 2, 3, 4]
    assert matching(engine, PrefixNode("body", "p.t")) == []
    assert matching(engine, RangeNode("published", 20240101000000, None)) == [1, 2]
    assert matching(engine, RangeNode("published", None, 20240131235959)) == [1, 4]
    assert matching(engine, RangeNode("published", None, None)) == [1, 2, 4]
    assert matching(engine, RangeNode("published", 5, 4)) == []
    assert matching(engine, RangeNode("person", 9, 9)) == [1, 2]
    assert matching(engine, AllNode()) == [1, 2, 3, 4]
    assert matching(engine, NothingNode()) == []
    scholz, person7 = TermNode("body", "scholz"), RangeNode("person", 7, 7)
    assert matching(engine, BoolNode(must=(scholz, person7))) == [1]
    assert matching(engine, BoolNode(should=(scholz, person7))) == [1, 2, 3]
    assert matching(engine, BoolNode(must=(scholz,), should=(person7,))) == [1, 2]
    assert matching(engine, BoolNode(must=(AllNode(),), must_not=(scholz,))) == [3, 4]
    assert matching(engine, BoolNode(should=(scholz, person7), must_not=(scholz,))) == [3]
    assert matching(engine, BoolNode(must_not=(scholz,))) == []
    assert matching(engine, BoolNode()) == []
    # A filter (range) changes no score; a should adds to it.
    plain = engine.search(SearchRequest(scholz)).hits
    filtered = engine.search(SearchRequest(BoolNode(must=(scholz, RangeNode("person", 0, 99)))))
    assert filtered.hits == plain
    boosted = engine.search(SearchRequest(BoolNode(must=(scholz,), should=(person7,)))).hits
    assert boosted[0][0] > dict(plain)[1]
    doubled = engine.search(SearchRequest(TermNode("body", "scholz", 2.0))).hits
    assert [key for key, _ in doubled] == [key for key, _ in plain]
    assert [score / 2 for _, score in doubled] == pytest.approx([score for _, score in plain])
    with pytest.raises(ValueError):
        engine.search(SearchRequest(TermNode("nowhere", "x")))
    with pytest.raises(ValueError):
        engine.search(SearchRequest(RangeNode("nowhere", 1, 2)))
    with pytest.raises(ValueError):
        engine.search(SearchRequest(AllNode(), sort="shuffled"))
    with pytest.raises(ValueError):
        engine.search(SearchRequest(AllNode(), offset=-1))


def test_phrases_keep_order_within_the_slop(engine):
    bodies = ["a b", "a x b", "a x y b", "a x y z b", "b a", "b x a", "c d e", "c x d e"]
    bodies += ["c x d y e", "e d c", "d c e"]
    fill(engine, [raw(key, body) for key, body in enumerate(bodies, 1)])
    pair = ("a", "b")
    assert matching(engine, PhraseNode("body", pair)) == [1]
    assert matching(engine, PhraseNode("body", pair, slop=1)) == [1, 2]
    assert matching(engine, PhraseNode("body", pair, slop=2)) == [1, 2, 3]
    assert matching(engine, PhraseNode("body", pair, slop=3)) == [1, 2, 3, 4]
    assert matching(engine, PhraseNode("body", pair, slop=50)) == [1, 2, 3, 4]
    three = ("c", "d", "e")
    assert matching(engine, PhraseNode("body", three)) == [7]
    assert matching(engine, PhraseNode("body", three, slop=1)) == [7, 8]
    assert matching(engine, PhraseNode("body", three, slop=2)) == [7, 8, 9]
    assert matching(engine, PhraseNode("body", three, slop=12)) == [7, 8, 9]
    assert matching(engine, PhraseNode("body", ("a",), slop=3)) == [1, 2, 3, 4, 5, 6]
    assert matching(engine, PhraseNode("body", ())) == []
    # Too many placements to list: refused rather than matched out of order.
    six = tuple(f"p{n}" for n in range(1, 7))
    with pytest.raises(QueryError, match="too many placements"):
        matching(engine, PhraseNode("body", six, slop=10))


def test_upsert_replaces_and_delete_removes(engine):
    engine.upsert([doc(1, "first words"), doc(1, "second words"), doc(2, "other")])
    engine.commit()
    engine.refresh()
    assert engine.count() == 2
    assert matching(engine, TermNode("body", "second")) == [1]
    assert matching(engine, TermNode("body", "first")) == []
    fill(engine, [doc(1, "third words")])
    fill(engine, [doc(1, "third words")])
    assert engine.count() == 2
    assert matching(engine, TermNode("body", "words")) == [1]
    engine.delete([1, 99])
    engine.commit()
    engine.refresh()
    assert engine.count() == 1
    assert matching(engine, AllNode()) == [2]
    engine.upsert([doc(3, "staged")])
    engine.rollback()
    engine.commit()
    engine.refresh()
    assert matching(engine, AllNode()) == [2]


def test_totals_and_facets_are_exact(engine):
    fill(
        engine,
        [
            doc(1, "common", site=[5], person=[3, 3, 8]),
            doc(2, "common", site=[4], person=[8]),
            doc(3, "common", site=[5], person=[2]),
            doc(4, "common", site=[4]),
            doc(5, "common", site=[6], person=[2, 8]),
            doc(6, "rare", site=[1], person=[1]),
        ],
    )
    request = SearchRequest(
        TermNode("body", "common"),
        limit=2,
        facets=(("site", None), ("site", 2), ("person", None), ("person", 1), ("year", 3)),
    )
    page = engine.search(request)
    assert page.total == 5
    assert len(page.hits) == 2
    # The last request for a field wins; counts are per document and distinct value.
    assert page.facets["person"] == [(8, 3)]
    assert page.facets["site"] == [(4, 2), (5, 2)]
    assert page.facets["year"] == []
    every = engine.search(SearchRequest(AllNode(), limit=0, facets=(("site", None),)))
    assert every.hits == [] and every.total == 6
    assert every.facets["site"] == [(4, 2), (5, 2), (1, 1), (6, 1)]
    none = engine.search(SearchRequest(NothingNode(), facets=(("site", None), ("person", 0))))
    assert (none.total, none.facets) == (0, {"site": [], "person": []})
    people = engine.search(SearchRequest(AllNode(), facets=(("person", None),))).facets
    assert people["person"] == [(8, 3), (2, 2), (1, 1), (3, 1)]
    with pytest.raises(ValueError):
        engine.search(SearchRequest(AllNode(), facets=(("nowhere", 3),)))


@pytest.fixture(scope="module")
def many_values(tmp_path_factory):
    """70,000 documents, each with a value of its own in `person` (more than tantivy returns
    from one aggregation), and value 69,999 in three of them."""
    made = TantivyEngine.create(str(tmp_path_factory.mktemp("many") / "index"))
    fill(
        made,
        (raw(key, "w", person=[key, 69_999] if key < 3 else [key]) for key in range(1, 70_001)),
    )
    yield made
    made.close()


def test_facets_beyond_one_aggregation(many_values):
    facets = (("person", None), ("org", None))
    page = many_values.search(SearchRequest(AllNode(), limit=3, facets=facets))
    assert page.total == 70_000
    counts = page.facets["person"]
    assert len(counts) == 70_000
    assert counts[:3] == [(69_999, 3), (1, 1), (2, 1)]
    assert counts[-1] == (70_000, 1)
    assert page.facets["org"] == []
    top = many_values.search(SearchRequest(AllNode(), limit=0, facets=(("person", 4),)))
    assert top.facets["person"] == [(69_999, 3), (1, 1), (2, 1), (3, 1)]
    first = many_values.search(SearchRequest(AllNode(), limit=0, facets=(("person", 1),)))
    assert first.facets["person"] == [(69_999, 3)]


def test_date_orders_break_ties_by_key(engine):
    rng = random.Random(7)
    dated = {key: rng.choice([None, 20200101, 20210101, 20220101]) for key in range(1, 41)}
    order = list(dated)
    rng.shuffle(order)
    documents = [
        raw(key, "w", **({"newest": [dated[key]], "oldest": [dated[key]]} if dated[key] else {}))
        for key in order
    ]
    for start in (0, 20):
        fill(engine, documents[start : start + 20])
    newest = sorted(dated, key=lambda k: (dated[k] is None, -(dated[k] or 0), k))
    oldest = sorted(dated, key=lambda k: (dated[k] is None, dated[k] or 0, k))
    for sort, expected in (("newest", newest), ("oldest", oldest)):
        for offset in range(0, 42, 3):
            for limit in (1, 4, 9):
                page = engine.search(SearchRequest(TermNode("body", "w"), sort, offset, limit))
                assert [key for key, _ in page.hits] == expected[offset : offset + limit]
                assert {score for _, score in page.hits} <= {0.0}
                assert page.total == 40
    nothing = engine.search(SearchRequest(NothingNode(), "newest", 0, 5))
    assert (nothing.hits, nothing.total) == ([], 0)


def test_relevance_ties_go_to_the_smaller_key(engine):
    order = list(range(1, 121))
    random.Random(3).shuffle(order)
    strong = set(order[:5])
    for start in (0, 60):
        fill(
            engine,
            [raw(k, "alpha alpha" if k in strong else "alpha") for k in order[start : start + 60]],
        )
    expected = sorted(strong) + sorted(set(order) - strong)
    for node in (TermNode("body", "alpha"), BoolNode(should=(TermNode("body", "alpha"),))):
        for offset, limit in ((0, 3), (0, 10), (3, 5), (40, 20), (110, 20), (200, 5)):
            page = engine.search(SearchRequest(node, "relevance", offset, limit))
            assert [k for k, _ in page.hits] == expected[offset : offset + limit]
            assert page.total == 120
    scores = engine.search(SearchRequest(TermNode("body", "alpha"), limit=6)).hits
    assert scores[4][1] > scores[5][1]
    # Constant scores: every match ties, so the order is the key order.
    nested = BoolNode(should=(BoolNode(must=(AllNode(),)), RangeNode("newest", 1, None)))
    for node in (
        AllNode(),
        PrefixNode("body", "alp", 2.0),
        RangeNode("newest", None, None),
        nested,
    ):
        page = engine.search(SearchRequest(node, "relevance", 7, 5))
        assert [k for k, _ in page.hits] == ([8, 9, 10, 11, 12] if page.total else [])
    prefixed = engine.search(SearchRequest(PrefixNode("body", "alp", 2.0))).hits
    assert {score for _, score in prefixed} == {2.0}


@pytest.mark.parametrize("first_tie", [40, 300, 2500])
def test_ties_far_apart_in_key_order_still_go_to_the_smaller_key(engine, first_tie):
    """Ties found by reading matches in key order (near or a few stretches on), or, when they
    are sparser than that, among every match."""
    tied = set(range(first_tie, 3001, 7))
    fill(engine, [raw(k, "alpha" if k in tied else "alpha and more words") for k in range(1, 3001)])
    for offset, limit in ((0, 10), (25, 10)):
        page = engine.search(SearchRequest(TermNode("body", "alpha"), "relevance", offset, limit))
        assert [key for key, _score in page.hits] == sorted(tied)[offset : offset + limit]
        assert page.total == 3000


def test_a_reader_sees_the_last_commit_after_refresh(engine):
    fill(engine, [doc(key, "old") for key in (1, 2)])
    reader = TantivyEngine.open(engine.folder)
    try:
        engine.upsert([doc(3, "new"), doc(1, "new")])
        engine.delete([2])
        engine.refresh()
        reader.refresh()
        assert matching(reader, AllNode()) == [1, 2]
        engine.commit()
        assert matching(reader, TermNode("body", "old")) == [1, 2]
        assert reader.count() == 2
        reader.refresh()
        assert matching(reader, AllNode()) == [1, 3]
        assert matching(reader, TermNode("body", "old")) == []
        assert reader.doc_frequency("body", "new") == 2
        reader.refresh()
        assert reader.count() == 2
    finally:
        reader.close()


def test_a_refresh_that_cannot_open_the_commit_says_whether_to_retry(engine):
    """Files going while a reload opens them, because another commit came: try again. Files
    missing or damaged with no commit since: rebuild."""
    fill(engine, [doc(1, "old")])
    reader = TantivyEngine.open(engine.folder)

    class Unreadable:
        def __init__(self, commit_meanwhile: bool) -> None:
            self.commit_meanwhile = commit_meanwhile

        def reload(self):
            if self.commit_meanwhile:
                engine.upsert([doc(3, "newer")])
                engine.commit()
            raise ValueError("Path does not exist: '.../0f1e.idx'")

    opened = reader.index
    try:
        engine.upsert([doc(2, "new")])
        engine.commit()
        reader.index = Unreadable(commit_meanwhile=True)
        with pytest.raises(IndexBusyError, match="changing; try again"):
            reader.refresh()
        reader.index = Unreadable(commit_meanwhile=False)
        with pytest.raises(EngineError, match=r"cannot be read .*0f1e\.idx.*--rebuild"):
            reader.refresh()
        reader.index = opened
        reader.refresh()
        assert matching(reader, AllNode()) == [1, 2, 3]
    finally:
        reader.index = opened
        reader.close()


def test_one_writer_at_a_time(engine):
    other = TantivyEngine.open(engine.folder)
    try:
        engine.upsert([doc(1, "one")])
        with pytest.raises(IndexLockedError):
            other.upsert([doc(2, "two")])
        engine.commit()
        fill(other, [doc(2, "two")])
        engine.refresh()
        assert matching(engine, AllNode()) == [1, 2]
    finally:
        other.close()


WRITER = textwrap.dedent(
    """
    import sys, time
    from searchnews.engines.base import EngineDocument
    from searchnews.engines.tantivy_engine import TantivyEngine

    engine = TantivyEngine.open(sys.argv[1])
    engine.upsert(EngineDocument(k, {"body": "kept"}) for k in range(1, 51))
    engine.commit()
    engine.upsert(EngineDocument(k, {"body": "staged"}) for k in range(51, 5000))
    print("committed", flush=True)
    time.sleep(60)
    """
)


def test_a_commit_survives_kill_9(engine):
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, engine.folder],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout.readline().strip() == "committed"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    engine.close()
    reopened = TantivyEngine.open(engine.folder)
    try:
        assert reopened.count() == 50
        assert matching(reopened, TermNode("body", "kept")) == list(range(1, 51))
        fill(reopened, [raw(60, "later")])
        assert reopened.count() == 51
    finally:
        reopened.close()


def test_scan_returns_every_key(engine, monkeypatch):
    fill(engine, (raw(key, "even" if key % 2 == 0 else "odd") for key in range(1, 5001)))
    assert sorted(engine.scan(AllNode())) == list(range(1, 5001))
    assert sorted(engine.scan(TermNode("body", "even"))) == list(range(2, 5001, 2))
    assert list(engine.scan(NothingNode())) == []
    # Small chunks over dense and sparse keys: ranges widen, then narrow again.
    monkeypatch.setattr(tantivy_engine, "SCAN_CHUNK", 64)
    sparse = [5001 + 1000 * step for step in range(300)] + list(range(400_000, 400_500))
    fill(engine, (raw(key, "odd") for key in sparse))
    found = list(engine.scan(AllNode()))
    assert len(found) == len(set(found))
    assert sorted(found) == list(range(1, 5001)) + sparse


def test_terms_and_doc_frequency_count_live_documents(engine):
    fill(engine, [raw(1, "alpha beta"), raw(2, "alpha gamma"), raw(3, "aardvark alp")])
    fill(engine, [raw(4, "abc alpha")])
    engine.delete([3])
    engine.upsert([raw(2, "alpha delta")])
    engine.commit()
    engine.refresh()
    assert engine.doc_frequency("body", "alpha") == 3
    assert engine.doc_frequency("body", "aardvark") == 0
    assert engine.doc_frequency("body", "gamma") == 0
    assert engine.doc_frequency("body", "missing") == 0
    assert engine.terms("body", "a") == [("abc", 1), ("alpha", 3)]
    assert engine.terms("body", "a", limit=1) == [("abc", 1)]
    assert engine.terms("body", "", limit=3) == [("abc", 1), ("alpha", 3), ("beta", 1)]
    assert engine.terms("body", "zz") == []
    assert engine.terms("body", "a", limit=0) == []
    with pytest.raises(ValueError):
        engine.terms("nowhere", "a")


def test_open_refuses_folders_without_an_index(tmp_path, engine):
    with pytest.raises(EngineError):
        TantivyEngine.open(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EngineError):
        TantivyEngine.open(str(tmp_path / "empty"))
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / "meta.json").write_text("not json")
    with pytest.raises(EngineError):
        TantivyEngine.open(str(tmp_path / "garbage"))
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=True)
    (tmp_path / "foreign").mkdir()
    tantivy.Index(builder.build(), path=str(tmp_path / "foreign"))
    with pytest.raises(EngineError, match="fields"):
        TantivyEngine.open(str(tmp_path / "foreign"))
    fill(engine, [raw(1, "kept")])
    with pytest.raises(EngineError):
        TantivyEngine.create(engine.folder)
    reopened = TantivyEngine.open(engine.folder)
    assert reopened.count() == 1
    reopened.close()
    engine.close()
    with pytest.raises(EngineError):
        engine.count()


def test_an_index_whose_stemmed_forms_keep_positions_still_opens_and_searches(
    tmp_path, monkeypatch
):
    folder = str(tmp_path / "index")
    older = tantivy_engine.build_schema(stem_positions=True)
    monkeypatch.setattr(tantivy_engine, "build_schema", lambda **_options: older)
    fill(
        TantivyEngine.create(folder), [doc(1, "ferries were cancelled"), doc(2, "a ferry")]
    ).close()
    monkeypatch.undo()
    reopened = TantivyEngine.open(folder)
    try:
        assert reopened.index.schema != tantivy_engine.build_schema()
        stem = TermNode("body_stem", stemmed_text("ferries"))
        assert matching(reopened, stem) == [1, 2]
        assert matching(reopened, PhraseNode("body", ("were", "cancelled"))) == [1]
    finally:
        reopened.close()


def test_stemmed_forms_keep_no_positions(engine):
    fill(engine, [doc(1, "ferries were cancelled")])
    assert engine.index.schema == tantivy_engine.build_schema()
    assert tantivy_engine.build_schema() != tantivy_engine.build_schema(stem_positions=True)
