"""The Whoosh engine on real indexes in tmp folders: matching, counting, sorting, the life of
readers and writers, durability of commits and the refusal of pickles that are not an index."""

from __future__ import annotations

import os
import pickle
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import whoosh.codec.whoosh3
import whoosh.columns
import whoosh.filedb.structfile
import whoosh.formats
import whoosh.index
import whoosh.query
from whoosh import scoring

from searchnews.analysis import stemmed_text
from searchnews.engines import engine_class, safe_pickle
from searchnews.engines.base import (
    AllNode,
    BoolNode,
    EngineDocument,
    NothingNode,
    PhraseNode,
    PrefixNode,
    RangeNode,
    SearchRequest,
    TermNode,
)
from searchnews.engines.whoosh_engine import ENGINE, WhooshEngine
from searchnews.engines.whoosh_query import compile_node
from searchnews.engines.whoosh_storage import DurableStorage
from searchnews.errors import EngineError, IndexLockedError

from .documents import doc, raw

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine(tmp_path):
    made = WhooshEngine.create(str(tmp_path / "index"))
    yield made
    made.close()


def load(engine: WhooshEngine, docs: list[EngineDocument]) -> WhooshEngine:
    engine.upsert(docs)
    engine.commit()
    engine.refresh()
    return engine


def find(engine: WhooshEngine, node, **request) -> list[int]:
    request.setdefault("limit", 1000)
    return [key for key, _ in engine.search(SearchRequest(node, **request)).hits]


def term(token: str, field: str = "body", boost: float = 1.0) -> TermNode:
    return TermNode(field, token, boost)


# ---- opening, analysis, query nodes ----


def test_create_open_and_registry(tmp_path):
    assert ENGINE is WhooshEngine and WhooshEngine.name == "whoosh"
    assert engine_class("whoosh") is WhooshEngine
    with pytest.raises(EngineError, match="No search index"):
        WhooshEngine.open(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EngineError, match="No search index"):
        WhooshEngine.open(str(tmp_path / "empty"))
    made = load(WhooshEngine.create(str(tmp_path / "new" / "index")), [doc(7, "hello world")])
    assert made.count() == 1
    made.close()
    reopened = WhooshEngine.open(str(tmp_path / "new" / "index"))
    assert find(reopened, term("hello")) == [7]
    reopened.close()


def test_pre_analysed_tokens_survive_with_consecutive_positions(engine):
    long = "x" * 50
    load(engine, [raw(1, f"a | {long} The x"), raw(2, "b")])
    for token in ("a", "|", long, "The", "x"):
        assert find(engine, term(token)) == [1], token
    assert find(engine, term("the")) == []  # no lower-casing
    assert find(engine, PhraseNode("body", ("a", "|", long, "The", "x"))) == [1]
    expected = [("The", 1), ("a", 1), ("b", 1), ("x", 1), (long, 1), ("|", 1)]
    assert engine.terms("body", "", 10) == expected


def test_terms_prefixes_boosts_and_unknown_fields(engine):
    load(
        engine,
        [doc(1, "negotiations failed", "talks"), doc(2, "negotiate", "peace"), doc(3, "talks")],
    )
    assert find(engine, term("negotiations")) == [1]
    assert sorted(find(engine, term(stemmed_text("negotiations"), "body_stem"))) == [1, 2]
    assert sorted(find(engine, PrefixNode("body", "negotiat"))) == [1, 2]
    assert find(engine, PrefixNode("body", "zzz")) == []
    assert set(find(engine, BoolNode(should=(term("talks"), term("talks", "headline", 9.0))))) == {
        1,
        3,
    }
    assert find(engine, BoolNode(should=(term("talks"), term("talks", "headline", 9.0))))[0] == 1
    assert find(engine, term("peace", "headline", 0.0)) == [2]
    assert find(engine, NothingNode()) == [] and sorted(find(engine, AllNode())) == [1, 2, 3]
    with pytest.raises(ValueError):
        engine.search(SearchRequest(term("x", "nope")))
    with pytest.raises(ValueError):
        engine.search(SearchRequest(RangeNode("body", 1, 2)))


def test_phrase_slop_counts_extra_positions_in_all(engine):
    texts = ["a b c", "a x b c", "a x y b c", "a x b y c", "b a c", "a b x y z c"]
    load(engine, [raw(i + 1, text) for i, text in enumerate(texts)])

    def phrase(tokens: str, slop: int) -> list[int]:
        return sorted(find(engine, PhraseNode("body", tuple(tokens.split()), slop)))

    assert phrase("a b", 0) == [1, 6]
    assert phrase("a b", 1) == [1, 2, 4, 6]
    assert phrase("a b", 2) == [1, 2, 3, 4, 6]
    assert phrase("a b c", 0) == [1]
    assert phrase("a b c", 1) == [1, 2]
    assert phrase("a b c", 2) == [1, 2, 3, 4]
    assert phrase("a b c", 3) == [1, 2, 3, 4, 6]
    assert phrase("b a", 0) == [5]  # order matters
    assert find(engine, PhraseNode("body", ("c",), 0)) == find(engine, term("c"))
    # The phrase filter keeps scores: it ranks like the terms it is made of.
    assert engine.search(SearchRequest(PhraseNode("body", ("a", "b", "c"), 2))).hits[0][1] > 0


def test_bool_nodes_follow_the_contract(engine):
    load(
        engine,
        [doc(1, "cat dog"), doc(2, "cat"), doc(3, "dog"), doc(4, "bird"), doc(5, "cat bird")],
    )
    cat, dog, bird = term("cat"), term("dog"), term("bird")
    assert sorted(find(engine, BoolNode(must=(cat, dog)))) == [1]
    assert sorted(find(engine, BoolNode(should=(cat, dog)))) == [1, 2, 3, 5]
    # With a must, shoulds only add to the score.
    with_should = engine.search(SearchRequest(BoolNode(must=(cat,), should=(dog,)))).hits
    assert sorted(key for key, _ in with_should) == [1, 2, 5] and with_should[0][0] == 1
    assert sorted(find(engine, BoolNode(must=(cat,), must_not=(bird,)))) == [1, 2]
    assert sorted(find(engine, BoolNode(must=(AllNode(),), must_not=(cat,)))) == [3, 4]
    assert find(engine, BoolNode(should=(cat,), must_not=(AllNode(),))) == []
    assert find(engine, BoolNode(must_not=(cat,))) == []
    nested = BoolNode(should=(BoolNode(must=(cat, bird)), BoolNode(must=(dog,), must_not=(cat,))))
    assert sorted(find(engine, nested)) == [3, 5]
    # A should adds its score only where it matches as a whole: 1 and 2 have cat, not bird.
    alone = dict(engine.search(SearchRequest(BoolNode(must=(cat,)))).hits)
    scored = dict(engine.search(SearchRequest(BoolNode(must=(cat,), should=(nested,)))).hits)
    assert scored[1] == alone[1] and scored[2] == alone[2] and scored[5] > alone[5]


def test_ranges_single_multi_open_and_unscored(engine):
    load(
        engine,
        [
            doc(1, "x", published=[20240105120000], person=[3, 9], site=[0]),
            doc(2, "x", published=[20240201000000], person=[9]),
            doc(3, "x y", person=[]),
            doc(4, "y", published=[20230101000000], person=[12]),
        ],
    )
    assert sorted(find(engine, RangeNode("published", 20240101000000, None))) == [1, 2]
    assert sorted(find(engine, RangeNode("published", None, 20240131235959))) == [1, 4]
    assert sorted(find(engine, RangeNode("published", None, None))) == [1, 2, 4]
    assert sorted(find(engine, RangeNode("person", 9, 9))) == [1, 2]
    assert sorted(find(engine, RangeNode("person", 4, 12))) == [1, 2, 4]
    assert sorted(find(engine, RangeNode("person", None, None))) == [1, 2, 4]
    assert find(engine, RangeNode("site", 0, 0)) == [1]
    assert find(engine, RangeNode("person", 10, 4)) == []
    assert find(engine, RangeNode("person", None, -1)) == []
    alone = dict(engine.search(SearchRequest(term("x"))).hits)
    filtered = BoolNode(must=(term("x"), RangeNode("person", 9, 9)))
    assert dict(engine.search(SearchRequest(filtered)).hits) == {1: alone[1], 2: alone[2]}
    assert {score for _, score in engine.search(SearchRequest(AllNode())).hits} == {0.0}


# ---- writing ----


def test_upsert_twice_leaves_one_document(engine):
    engine.upsert([doc(1, "first"), doc(1, "second")])
    engine.commit()
    engine.refresh()
    assert engine.count() == 1 and find(engine, term("second")) == [1]
    load(engine, [doc(1, "third")])
    load(engine, [doc(1, "third")])
    assert engine.count() == 1 and find(engine, term("third")) == [1]
    assert find(engine, term("second")) == []
    engine.upsert([doc(2, "gone")])
    engine.delete([2])
    engine.upsert([doc(3, "kept")])
    engine.commit()
    engine.refresh()
    assert sorted(engine.scan(AllNode())) == [1, 3]


def test_delete_only_commits_rollback_and_point_in_time(engine):
    load(engine, [doc(key, "word") for key in range(1, 6)])
    engine.delete([2, 4, 99, -1, 0])
    engine.commit()
    assert engine.count() == 5  # point in time until refresh
    engine.refresh()
    assert engine.count() == 3 and sorted(engine.scan(term("word"))) == [1, 3, 5]
    engine.upsert([doc(9, "word")])
    engine.delete([1])
    engine.rollback()
    engine.commit()
    engine.refresh()
    assert sorted(engine.scan(AllNode())) == [1, 3, 5]
    with pytest.raises(ValueError):
        engine.upsert([EngineDocument(0)])
    with pytest.raises(ValueError):
        engine.upsert([EngineDocument(1, numbers={"site": [1, 2]})])
    engine.rollback()


def test_one_writer_at_a_time(engine):
    other = WhooshEngine.open(engine.folder)
    engine.upsert([doc(1, "mine")])
    with pytest.raises(IndexLockedError):
        other.upsert([doc(2, "theirs")])
    engine.commit()
    other.upsert([doc(2, "theirs")])
    other.commit()
    other.close()
    engine.refresh()
    assert sorted(engine.scan(AllNode())) == [1, 2]


# ---- counting and ordering ----


def test_totals_and_facets_are_exact(engine):
    docs = [
        doc(1, "w", site=[2], person=[7, 7, 8], copy_group=[0]),
        doc(2, "w", site=[1], person=[8]),
        doc(3, "w", site=[2], person=[9]),
        doc(4, "w", site=[1], person=[7]),
        doc(5, "w", site=[3]),
        doc(6, "other", site=[3], person=[7], copy_group=[4]),
    ]
    load(engine, docs)
    facets = (("site", None), ("person", None), ("copy_group", None), ("year", None))
    page = engine.search(SearchRequest(term("w"), limit=2, facets=facets))
    assert page.total == 5 and len(page.hits) == 2
    assert page.facets["site"] == [(1, 2), (2, 2), (3, 1)]
    assert page.facets["person"] == [(7, 2), (8, 2), (9, 1)]
    assert page.facets["copy_group"] == [(0, 1)]
    assert page.facets["year"] == []
    limited = engine.search(SearchRequest(AllNode(), limit=0, facets=(("person", 1),)))
    assert limited.total == 6 and limited.hits == [] and limited.facets == {"person": [(7, 3)]}
    none = engine.search(SearchRequest(term("absent"), facets=(("site", None),)))
    assert none.total == 0 and none.facets == {"site": []}


def test_sorts_break_ties_by_smaller_key(engine):
    # Written in two segments so that docnum order differs from key order.
    load(engine, [doc(9, "same", newest=[5], oldest=[5]), doc(4, "same", newest=[7], oldest=[7])])
    load(
        engine,
        [
            doc(6, "same", newest=[5], oldest=[5]),
            doc(2, "same", newest=[7], oldest=[7]),
            doc(8, "same"),
            doc(1, "same", newest=[3], oldest=[3]),
        ],
    )
    assert find(engine, term("same"), sort="newest") == [2, 4, 6, 9, 1, 8]
    assert find(engine, term("same"), sort="oldest") == [1, 6, 9, 2, 4, 8]
    assert find(engine, term("same")) == [1, 2, 4, 6, 8, 9]
    for sort in ("relevance", "newest", "oldest"):
        whole = find(engine, term("same"), sort=sort)
        pages = [find(engine, term("same"), sort=sort, offset=o, limit=2) for o in (0, 2, 4, 6)]
        assert [key for page in pages for key in page] == whole
    page = engine.search(SearchRequest(term("same"), sort="newest", limit=2))
    assert page.hits == [(2, 0.0), (4, 0.0)] and page.total == 6
    with pytest.raises(ValueError):
        engine.search(SearchRequest(term("same"), sort="sideways"))


def test_matches_and_scores_are_whoosh_s_for_the_compiled_tree(tmp_path):
    """The numpy evaluation gives exactly what Whoosh's own searcher gives for compile_node's
    query (matches and BM25F scores), pages are slices of that order, and totals are exact."""
    rng = random.Random(5)
    words = [f"w{i}" for i in range(12)]
    made = WhooshEngine.create(str(tmp_path / "index"))
    key = 0
    for _ in range(3):
        docs = []
        for _ in range(250):
            key += 1
            length = rng.choice([3, 3, 8, 30])  # many equal lengths: many equal scores
            body = " ".join(rng.choice(words) for _ in range(length))
            people = rng.sample(range(1, 6), rng.randint(0, 2))
            when = [20240101000000 + rng.randint(0, 400) * 10**6] if key % 5 else []
            docs.append(doc(key, body, site=[rng.randint(1, 4)], person=people, published=when))
        rng.shuffle(docs)
        load(made, docs)
        made.delete(rng.sample(range(1, key + 1), 30))
        made.commit()
        made.refresh()
    w = [term(word) for word in words]
    queries = [
        w[1],
        BoolNode(should=(w[1], w[2], term("w3", boost=2.0))),
        BoolNode(must=(w[4],), should=(w[5], BoolNode(must=(w[6], w[7]))), must_not=(w[8],)),
        BoolNode(must=(w[7], RangeNode("site", 2, 3))),
        BoolNode(must=(w[2], RangeNode("published", 20240301000000, 20240630235959))),
        BoolNode(should=(w[3], w[9]), must_not=(RangeNode("published", None, None),)),
        BoolNode(should=(w[8], RangeNode("person", 2, 2))),
        BoolNode(must=(AllNode(),), must_not=(w[0], RangeNode("person", None, None))),
        BoolNode(should=(PrefixNode("body", "w1", 2.0), PhraseNode("body", ("w2", "w3"), 1))),
        PhraseNode("body", ("w4", "w5", "w6"), 2),
    ]
    ix = DurableStorage(made.folder).open_index()
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        for node in queries:
            whole = made.search(SearchRequest(node, limit=10_000))
            results = searcher.search(compile_node(node), limit=None)
            expected = {hit["key"]: hit.score for hit in results}
            assert dict(whole.hits) == pytest.approx(expected, rel=1e-12), node
            assert whole.total == len(expected) == len(list(made.scan(node)))
            ranked = sorted(whole.hits, key=lambda hit: (-hit[1], hit[0]))
            assert whole.hits == ranked
            for offset in (0, 7, 50):
                page = made.search(SearchRequest(node, offset=offset, limit=10))
                assert page.hits == ranked[offset : offset + 10], (node, offset)
    made.close()


def test_scan_terms_and_doc_frequency(engine):
    docs = [
        raw(key, f"common t{key % 7} {'rare' if key % 500 == 0 else ''}") for key in range(1, 3001)
    ]
    load(engine, docs)
    scanned = engine.scan(AllNode())
    assert not isinstance(scanned, list)
    assert sorted(scanned) == list(range(1, 3001))
    assert sorted(engine.scan(term("t3"))) == [k for k in range(1, 3001) if k % 7 == 3]
    assert engine.doc_frequency("body", "common") == 3000
    assert engine.doc_frequency("body", "missing") == 0
    assert engine.terms("body", "t", 3) == [("t0", 428), ("t1", 429), ("t2", 429)]
    assert engine.terms("body", "ra") == [("rare", 6)]
    engine.delete([500, 1000, 1500, 2000, 2500, 3000])
    engine.commit()
    engine.refresh()
    assert engine.doc_frequency("body", "rare") == 0 and engine.terms("body", "ra") == []
    assert engine.doc_frequency("body", "common") == 2994 == engine.count()
    with pytest.raises(ValueError):
        engine.terms("published", "")


# ---- readers see exactly the last commit ----


STALE_CHANGE = """
import sys
from searchnews.engines.whoosh_engine import WhooshEngine
from searchnews.engines.base import EngineDocument
writer = WhooshEngine.open(sys.argv[1])
writer.delete(range(1, 501))
writer.upsert([EngineDocument(k, {"body": f"replaced k{k}"}) for k in range(501, 701)])
writer.commit()
writer.close()
"""


@pytest.fixture(scope="module")
def base_1500(tmp_path_factory):
    folder = tmp_path_factory.mktemp("base") / "index"
    made = WhooshEngine.create(str(folder))
    for start in (1, 751):
        made.upsert([raw(k, f"original k{k}") for k in range(start, start + 750)])
        made.commit()
    made.close()
    return folder


@pytest.mark.parametrize("writer", ["same process", "subprocess"])
def test_kept_reader_sees_old_then_exactly_the_new_commit(base_1500, tmp_path, writer):
    folder = tmp_path / "index"
    shutil.copytree(base_1500, folder)
    reader = WhooshEngine.open(str(folder))
    assert reader.count() == 1500
    if writer == "same process":
        other = WhooshEngine.open(str(folder))
        other.delete(range(1, 501))
        other.upsert([raw(k, f"replaced k{k}") for k in range(501, 701)])
        other.commit()
        other.close()
    else:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        subprocess.run([sys.executable, "-c", STALE_CHANGE, str(folder)], check=True, env=env)
    assert reader.count() == 1500
    assert reader.search(SearchRequest(term("original"), limit=0)).total == 1500
    reader.refresh()
    assert reader.count() == 1000
    assert sorted(reader.scan(AllNode())) == list(range(501, 1501))
    assert reader.search(SearchRequest(term("original"), limit=0)).total == 800
    assert sorted(reader.scan(term("replaced"))) == list(range(501, 701))
    assert find(reader, term("k600")) == [600] and find(reader, term("k300")) == []
    assert reader.doc_frequency("body", "original") == 800
    assert reader.terms("body", "orig") == [("original", 800)]
    assert reader.terms("body", "k15", 3) == [("k1500", 1)]  # k150...k159 were deleted
    assert reader.terms("body", "k60", 3) == [("k600", 1), ("k601", 1), ("k602", 1)]
    reader.refresh()
    assert reader.count() == 1000
    reader.close()


# ---- durability ----


def test_commit_returns_after_every_new_file_and_the_folder_are_synced(tmp_path, monkeypatch):
    made = WhooshEngine.create(str(tmp_path / "index"))
    folder = made.folder
    load(made, [doc(1, "before")])
    events: list[tuple[str, str]] = []
    real_fsync, real_rename, real_remove = os.fsync, os.rename, os.remove

    def fsync(fd):
        events.append(("fsync", os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))))
        return real_fsync(fd)

    def rename(src, dst, *args, **kwargs):
        events.append(("rename", os.path.basename(str(dst))))
        return real_rename(src, dst, *args, **kwargs)

    def remove(path, *args, **kwargs):
        events.append(("remove", os.path.basename(str(path))))
        return real_remove(path, *args, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    monkeypatch.setattr(os, "remove", remove)
    before = set(os.listdir(folder))
    made.upsert([doc(key, f"text {key}") for key in range(2, 60)])
    made.delete([1])
    made.commit()
    monkeypatch.undo()
    created = set(os.listdir(folder)) - before - {"MAIN_WRITELOCK"}
    toc = [name for name in created if name.endswith(".toc")]
    segment_files = created - set(toc)
    assert len(toc) == 1 and segment_files
    synced = {name for kind, name in events if kind == "fsync"}
    assert segment_files <= synced
    assert os.path.basename(folder) in synced
    renamed_at = events.index(("rename", toc[0]))
    last_segment_sync = max(
        i for i, (kind, name) in enumerate(events) if kind == "fsync" and name in segment_files
    )
    assert last_segment_sync < renamed_at
    assert any(kind == "fsync" and name.startswith(toc[0]) for kind, name in events[:renamed_at])
    folder_syncs = [i for i, e in enumerate(events) if e == ("fsync", os.path.basename(folder))]
    assert any(i > renamed_at for i in folder_syncs)
    removals = [i for i, (kind, _) in enumerate(events) if kind == "remove"]
    assert removals and folder_syncs[-1] > max(removals)
    made.close()


# ---- nothing from disk runs code ----


class Evil:
    """Pickles to a call that would create `marker`."""

    def __init__(self, marker: Path, how: str = "system") -> None:
        self.marker, self.how = str(marker), how

    def __reduce__(self):
        if self.how == "system":
            return (os.system, (f"touch {self.marker}",))
        return (open, (self.marker, "w"))


def test_restricted_unpickler_admits_index_data_only(tmp_path):
    assert safe_pickle.installed()
    safe_pickle.install()
    safe_pickle.install()
    assert safe_pickle.installed() and whoosh.index.pickle is safe_pickle.RESTRICTED_PICKLE
    assert safe_pickle.loads(pickle.dumps({"a": [1, 2.0, b"x"], "b": {3}}, 2)) == {
        "a": [1, 2.0, b"x"],
        "b": {3},
    }
    for how in ("system", "open"):
        for protocol in (2, 5):
            data = pickle.dumps(Evil(tmp_path / "marker", how), protocol)
            with pytest.raises(EngineError, match="not a search index"):
                safe_pickle.loads(data)
    with pytest.raises(EngineError, match="not a search index"):
        safe_pickle.loads(b"garbage")
    assert not (tmp_path / "marker").exists()


def evil_dumps(marker: Path, real, wanted):
    def dumps(obj, *args, **kwargs):
        return pickle.dumps(Evil(marker), 2) if wanted(obj) else real(obj, *args, **kwargs)

    return dumps


def test_malicious_toc_schema_is_refused(tmp_path, monkeypatch):
    marker = tmp_path / "marker"
    shim = type(sys)("evil_pickle")
    shim.__dict__.update(vars(pickle))
    shim.dumps = evil_dumps(marker, pickle.dumps, lambda obj: type(obj).__name__ == "Schema")
    made = WhooshEngine.create(str(tmp_path / "index"))
    reader = WhooshEngine.open(made.folder)  # reads the schema from the TOC at every refresh
    monkeypatch.setattr(whoosh.index, "pickle", shim)
    made.upsert([doc(1, "x")])
    made.commit()
    monkeypatch.undo()
    with pytest.raises(EngineError, match="not a search index"):
        reader.refresh()
    with pytest.raises(EngineError, match="not a search index"):
        WhooshEngine.open(made.folder)
    reader.close()
    made.close()
    assert not marker.exists()


def is_segment_list(obj) -> bool:
    return isinstance(obj, list) and bool(obj) and type(obj[0]).__name__ == "W3Segment"


def is_compound_directory(obj) -> bool:
    return isinstance(obj, dict) and bool(obj) and all("offset" in v for v in obj.values())


@pytest.mark.parametrize("wanted", [is_segment_list, is_compound_directory])
def test_malicious_toc_segments_and_segment_directories_are_refused(tmp_path, monkeypatch, wanted):
    marker = tmp_path / "marker"
    real = whoosh.filedb.structfile.dump_pickle

    def dump(obj, file, *args):
        return real(Evil(marker, "open") if wanted(obj) else obj, file, *args)

    made = WhooshEngine.create(str(tmp_path / "index"))
    monkeypatch.setattr(whoosh.filedb.structfile, "dump_pickle", dump)
    made.upsert([doc(1, "x")])
    made.commit()
    monkeypatch.undo()
    with pytest.raises(EngineError, match="not a search index"):
        made.refresh()
    with pytest.raises(EngineError, match="not a search index"):
        WhooshEngine.open(made.folder)
    made.close()
    assert not marker.exists()


@pytest.mark.parametrize("target", ["posting block", "positions", "stored fields"])
def test_malicious_index_data_is_refused(tmp_path, monkeypatch, target):
    marker = tmp_path / "marker"
    module = {
        "posting block": whoosh.codec.whoosh3,
        "positions": whoosh.formats,
        "stored fields": whoosh.columns,
    }[target]
    wanted = {
        "posting block": lambda obj: isinstance(obj, tuple) and len(obj) == 3,
        "positions": lambda obj: isinstance(obj, list),
        "stored fields": lambda obj: isinstance(obj, dict) and "key" in obj,
    }[target]
    made = WhooshEngine.create(str(tmp_path / "index"))
    monkeypatch.setattr(module, "dumps", evil_dumps(marker, module.dumps, wanted))
    made.upsert([doc(key, "alpha beta gamma " * (key % 3 + 1)) for key in range(1, 400)])
    made.commit()
    monkeypatch.undo()
    made.refresh()
    with pytest.raises(EngineError, match="not a search index"):
        if target == "posting block":
            made.search(SearchRequest(term("alpha")))
        elif target == "positions":
            made.search(SearchRequest(PhraseNode("body", ("alpha", "beta"))))
        else:
            ix = DurableStorage(made.folder).open_index()
            with ix.searcher() as searcher:
                searcher.stored_fields(0)
    made.close()
    assert not marker.exists()


def test_compiled_queries_are_whoosh_queries(engine):
    compiled = compile_node(BoolNode(must=(term("a"),), should=(term("b"),), must_not=(term("c"),)))
    assert isinstance(compiled, whoosh.query.AndNot)
    assert compile_node(BoolNode()) is whoosh.query.NullQuery
    # Whoosh's own AndNot keeps a first match whose exclusion starts on an earlier document.
    load(engine, [doc(1, "a", published=[1]), doc(2, "b", published=[2])])
    node = BoolNode(should=(term("b"),), must_not=(RangeNode("published", None, None),))
    plain = whoosh.query.AndNot(whoosh.query.Term("body", "b"), compile_node(node.must_not[0]))
    ix = DurableStorage(engine.folder).open_index()
    with ix.searcher() as searcher:
        assert len(searcher.search(plain)) == 1
        assert len(searcher.search(compile_node(node))) == 0
    assert find(engine, node) == []
