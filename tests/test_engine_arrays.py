"""The array evaluator and tables answer as Whoosh's own matchers and postings do."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest
from conftest import CORPUS
from pagemaker import write_page
from whoosh import query as wq

from searchnews import NewsIndex
from searchnews.engine.doctable import DocTable
from searchnews.engine.evaluation import Evaluator
from searchnews.engine.translate import Translator
from searchnews.engine.variants import WordVariants
from searchnews.query import parse_query

QUERIES = [
    "ukraine",
    "election results",
    "minister OR president",
    "police -london",
    "headline:summit",
    "(bank OR banks) rates",
    "person:zelensky",
    "econom*",
    '"prime minister"',
    '"central bank" rates',
    "date:2024-07",
    "mentions:2024",
    "site:harbour",
]


def whoosh_answer(searcher, query) -> dict[int, float]:
    matcher = query.matcher(searcher)
    found = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.score()
        matcher.next()
    return found


@pytest.mark.parametrize("text", QUERIES)
def test_same_documents_and_scores_as_whoosh(news, text):
    engine = news._open()
    searcher = engine._searcher()
    translated = Translator(WordVariants(searcher.reader())).translate(parse_query(text))
    expected = whoosh_answer(searcher, translated)
    assert expected, f"{text!r} should match something in the corpus"
    found = Evaluator(DocTable(searcher)).evaluate(translated)
    matched = set(found.mask.nonzero()[0].tolist())
    assert matched == set(expected)
    if not any(isinstance(leaf, wq.Phrase | wq.Prefix) for leaf in translated.leaves()):
        # A phrase is scored by its own frequency and a prefix by the BM25F of the words it
        # stands for (Whoosh sums their raw frequencies); everything else as Whoosh does, but for
        # the constant Whoosh adds to every match of a filter (a range, a NOT): it ranks nothing.
        offsets = [score - float(found.scores[docnum]) for docnum, score in expected.items()]
        assert max(offsets) - min(offsets) == pytest.approx(0, abs=1e-3)


def test_replaced_and_deleted_articles_are_not_found(tmp_path):
    """A re-indexed page leaves its old version deleted in an older segment; a removed page is
    deleted too. Neither may come back in results, counts or facets."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    folder = str(tmp_path / "index")
    with NewsIndex(folder) as news:
        news.index([str(corpus)])
        before = news.search("", limit=1, collapse=False, facets=True)
        seed = news.search('"rearm itself"', limit=1).hits[0]
    page = corpus / seed.path.split("corpus/", 1)[1] if "corpus/" in seed.path else None
    page = page or next(corpus.rglob(seed.path.rsplit("/", 1)[-1]))
    page.write_bytes(page.read_bytes().replace(b"rearm itself", b"rearm itself quickly"))
    removed = next(path for path in sorted(corpus.rglob("*.html")) if path != page)
    removed.unlink()
    with NewsIndex(folder) as news:
        news.index([str(corpus)], prune=True)
        assert len(news.search('"rearm itself"', collapse=False).hits) == 1
        assert news.search('"rearm itself quickly"').total == 1
        after = news.search("", limit=1, collapse=False, facets=True)
        assert after.articles == before.articles - 1 == news.count()
        sites = sum(value.count for value in after.facets["site"])
        assert sites == sum(value.count for value in before.facets["site"]) - 1


def _pairs(documents, codes, names) -> list[tuple[int, str]]:
    return sorted((int(doc), names[code]) for doc, code in zip(documents, codes, strict=True))


def test_entity_facets_read_from_the_column_as_from_the_postings(news):
    table = DocTable(news._open()._searcher())
    for kind in ("person", "org", "place"):
        from_column = _pairs(*table.entities(kind))
        assert from_column == _pairs(*table._entities_from_postings(kind))
        assert len(from_column) > 20


@pytest.mark.parametrize("field", ["published", "dated", "month"])
def test_numeric_columns_read_in_one_piece_as_value_by_value(news, field):
    table = DocTable(news._open()._searcher())
    expected = []
    for reader, _offset in table.leaves:
        for value in reader.column_reader(field, translate=False):
            expected.append(value if value < 2**63 else value - 2**64)
    assert table.numbers(field).tolist() == expected
    assert len(set(expected)) >= 2


WORDS = ["alpha"] * 6 + ["beta"] * 3 + ["gamma", "delta", "harbour", "council", "river"]


@pytest.fixture(scope="module")
def large_index(tmp_path_factory):
    """700 generated articles, enough for common words to span many posting blocks."""
    chooser = random.Random(5)
    corpus = tmp_path_factory.mktemp("blocks")
    for number in range(700):
        paragraphs = [" ".join(chooser.choices(WORDS, k=12)) + "." for _ in range(3)]
        day = f"{chooser.randrange(2020, 2024)}-{chooser.randrange(1, 13):02d}-10T08:00:00Z"
        write_page(corpus, f"page{number}.html", f"Report {number}", paragraphs, published=day)
    with NewsIndex(str(corpus / "index")) as news:
        news.index([str(corpus)], jobs=2, commit_every=300)
        yield news


def test_blocks_outside_the_documents_in_play_are_skipped(large_index):
    table = DocTable(large_index._open()._searcher())
    within = np.zeros(table.size, dtype=bool)
    within[::300] = True
    everything = table.postings("body", b"alpha")
    assert everything.frequency == len(everything.ids) > 600
    assert len(table.postings("body", b"alpha", within).ids) < 400


BLOCK_QUERIES = ["alpha", "alpha beta", "gamma alpha", '"alpha beta"', "beta date:2021", "-gamma"]


@pytest.mark.parametrize("text", BLOCK_QUERIES + QUERIES)
def test_work_limited_to_some_documents_gives_the_same_answer_there(news, large_index, text):
    """Parts of an AND skip posting blocks outside the documents still in play; inside them
    the answer must not change."""
    index = large_index if text in BLOCK_QUERIES else news
    searcher = index._open()._searcher()
    translated = Translator(WordVariants(searcher.reader())).translate(parse_query(text))
    evaluator = Evaluator(DocTable(searcher))
    everywhere = evaluator.evaluate(translated)
    assert set(everywhere.mask.nonzero()[0].tolist()) == set(whoosh_answer(searcher, translated))
    for step in (3, 300):
        within = np.zeros(len(everywhere.mask), dtype=bool)
        within[::step] = True
        limited = evaluator.evaluate(translated, within)
        assert (limited.mask & within).tolist() == (everywhere.mask & within).tolist()
        inside = within & everywhere.mask
        assert np.allclose(limited.scores[inside], everywhere.scores[inside])


def test_an_index_from_before_the_entity_column_is_searched_and_updated(tmp_path, monkeypatch):
    """Older indexes lack fields added since: facets fall back to the postings, and the next
    indexing run adds the fields."""
    import searchnews.engine.whoosh_engine as whoosh_engine
    from searchnews.engine import schema, segments

    def older_schema():
        fields = schema.build_schema()
        fields.remove("entity_names")
        return fields

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    folder = str(tmp_path / "index")
    with monkeypatch.context() as patch:
        patch.setattr(whoosh_engine, "build_schema", older_schema)
        fields_of = segments.fields_of
        patch.setattr(
            segments,
            "fields_of",
            lambda document: {
                name: value for name, value in fields_of(document).items() if name != "entity_names"
            },
        )
        with NewsIndex(folder) as news:
            news.index([str(corpus / "eurowire")])
    with NewsIndex(folder) as news:
        before = news.search("", facets=True)
        assert before.facets["place"]
        news.index([str(corpus)])
        after = news.search("", facets=True)
        assert after.articles > before.articles
    with NewsIndex(folder) as news:
        assert "entity_names" in news._open()._searcher().schema
        assert news.search("", facets=True).facets == after.facets
