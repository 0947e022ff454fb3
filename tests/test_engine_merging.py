"""Segments merged by copying posting blocks hold what the merged segments held."""

from __future__ import annotations

import random

import pytest
from pagemaker import write_page
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.index import open_dir
from whoosh.reading import MultiReader, SegmentReader

from searchnews import NewsIndex
from searchnews.engine import open_engine, segments
from searchnews.engine.merging import BLOCK_LIMIT, Source, merge_segments
from searchnews.engine.segments import INDEX_NAME, MERGE_FACTOR, plan_merge

WORDS = ["alpha"] * 8 + ["beta"] * 4 + ["gamma", "delta", "harbour", "council", "river", "Oslo"]
QUERIES = ["alpha", "beta gamma", '"alpha beta"', "harbour -river", "date:2021", "oslo", ""]


def write_corpus(folder, count: int, seed: int = 3) -> None:
    chooser = random.Random(seed)
    for number in range(count):
        paragraphs = [" ".join(chooser.choices(WORDS, k=14)) + "." for _ in range(3)]
        day = f"{chooser.randrange(2019, 2024)}-{chooser.randrange(1, 13):02d}-1{number % 10}"
        write_page(
            folder,
            f"page{number}.html",
            f"Report {number} on {WORDS[number % len(WORDS)]}",
            paragraphs,
            published=day + "T08:00:00Z",
            author=f"Writer {number % 7}",
        )


@pytest.fixture(scope="module")
def segmented(tmp_path_factory):
    """An index of several segments, some of whose documents were replaced (so deleted)."""
    corpus = tmp_path_factory.mktemp("merging")
    write_corpus(corpus, 400)
    folder = str(corpus / "index")
    with NewsIndex(folder) as news:
        news.index([str(corpus)], jobs=1, commit_every=100)
    for number in range(0, 400, 9):
        page = corpus / f"page{number}.html"
        page.write_text(page.read_text().replace("alpha", "omega", 1))
    with NewsIndex(folder) as news:
        news.index([str(corpus)], jobs=1, commit_every=100)
    return folder


def postings(reader, docmap) -> dict:
    found = {}
    for fieldname, text in reader.all_terms():
        matcher = reader.postings(fieldname, text)
        rows = []
        while matcher.is_active():
            if matcher.id() in docmap:
                rows.append((docmap[matcher.id()], matcher.weight(), matcher.value()))
            matcher.next()
        if rows:
            found[fieldname, text] = rows
    return found


def test_merged_segment_holds_the_live_documents_of_the_merged_ones(segmented, tmp_path):
    index = open_dir(segmented, indexname=INDEX_NAME)
    segments = index._segments()
    assert len(segments) >= 3 and any(segment.has_deletions() for segment in segments)
    schema = index.schema
    sources = [
        Source(index.storage, segment, frozenset(segment.deleted_docs())) for segment in segments
    ]
    merged = merge_segments(FileStorage(str(tmp_path)), INDEX_NAME, schema, sources)

    before = MultiReader([SegmentReader(index.storage, schema, segment) for segment in segments])
    after = SegmentReader(FileStorage(str(tmp_path)), schema, merged)
    live = [docnum for docnum in range(before.doc_count_all()) if not before.is_deleted(docnum)]
    docmap = {old: new for new, old in enumerate(live)}
    assert after.doc_count_all() == after.doc_count() == len(live)

    assert postings(after, {n: n for n in range(len(live))}) == postings(before, docmap)
    for fieldname, text in after.all_terms():
        expected = [docmap[d] for d in before.postings(fieldname, text).all_ids() if d in docmap]
        info = after.term_info(fieldname, text)
        assert info.doc_frequency() == len(expected)
        assert (info.min_id(), info.max_id()) == (expected[0], expected[-1])
    for old, new in docmap.items():
        assert after.stored_fields(new) == before.stored_fields(old)
        for fieldname in ("body", "headline", "authors", "sketch"):
            assert after.doc_field_length(new, fieldname) == before.doc_field_length(old, fieldname)
    for fieldname in ("published", "month", "dated", "site_key", "duplicate", "entity_names"):
        column_before = before.column_reader(fieldname)
        column_after = after.column_reader(fieldname)
        assert [column_after[new] for new in range(len(live))] == [
            column_before[old] for old in live
        ]
    for fieldname in ("body", "headline"):
        deleted_length = sum(
            before.doc_field_length(docnum, fieldname)
            for docnum in range(before.doc_count_all())
            if docnum not in docmap
        )
        assert after.field_length(fieldname) == pytest.approx(
            before.field_length(fieldname) - deleted_length, rel=0.01
        )
    assert after.codec().__class__ is W3Codec


def test_an_index_merged_while_indexing_answers_as_one_built_in_one_piece(tmp_path):
    """Small batches make the writer merge segments as it goes; the answers must be those of
    an index written as a single segment."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 360, seed=8)
    answers = []
    for name, batch in (("pieces", 15), ("whole", 1000)):
        with NewsIndex(str(tmp_path / name)) as news:
            news.index([str(corpus)], jobs=2, commit_every=batch)
            segments = news._open()._ix._segments()
            results = [news.search(text, limit=400, facets=True) for text in QUERIES]
            # Documents tie in score and then come in index order, which merging may change.
            answers.append(
                [
                    (
                        result.total,
                        sorted((hit.path, round(hit.score, 4)) for hit in result.hits),
                        result.facets,
                    )
                    for result in results
                ]
            )
            if name == "pieces":
                assert 1 < len(segments) < 360 // 15, "the writer should have merged segments"
    assert answers[0] == answers[1]


class _Sized:
    def __init__(self, documents: int, name: str) -> None:
        self.documents, self.name = documents, name

    def doc_count(self) -> int:
        return self.documents

    def deleted_docs(self) -> list[int]:
        return []


def planned(sizes: list[int]) -> list[int] | None:
    segments = [_Sized(size, f"s{number}") for number, size in enumerate(sizes)]
    job = plan_merge(segments)
    return None if job is None else sorted(segment.doc_count() for segment in job.segments)


def test_segments_of_one_size_are_merged_once_there_are_enough_of_them():
    assert MERGE_FACTOR == 6
    assert planned([1000] * 5) is None
    assert planned([1000] * 6) == [1000] * 6
    assert planned([36000, 6000, 6000, 900, 1000, 1100, 1000, 1000, 1000, 1000]) == [
        900,
        1000,
        1000,
        1000,
        1000,
        1000,
    ]
    assert planned([36000] + [6000] * 5 + [1000] * 5) is None
    assert planned([6000] * 6 + [1000] * 6) == [1000] * 6  # smaller levels first
    # Level 4 is 1,296 to 7,775 documents: with seven there, the six smallest go.
    assert planned([40000, 7000, 2000, 6500, 7700, 7500, 6100, 6200]) == [
        2000,
        6100,
        6200,
        6500,
        7000,
        7500,
    ]


def test_short_blocks_of_merged_segments_are_joined(segmented, tmp_path):
    index = open_dir(segmented, indexname=INDEX_NAME)
    segments = [segment for segment in index._segments() if not segment.has_deletions()]
    sources = [Source(index.storage, segment) for segment in segments]
    merged = merge_segments(FileStorage(str(tmp_path)), INDEX_NAME, index.schema, sources)
    reader = SegmentReader(FileStorage(str(tmp_path)), index.schema, merged)
    for fieldname, text in [("body", b"alpha"), ("body", b"oslo"), ("headline", b"report")]:
        matcher = reader.postings(fieldname, text)
        blocks = 1
        while matcher._next_block() if not matcher._lastblock else False:
            blocks += 1
        documents = reader.doc_frequency(fieldname, text)
        assert blocks <= -(-documents // BLOCK_LIMIT) + 1, (fieldname, text, blocks, documents)


def test_a_page_deleted_while_its_segment_is_merged_stays_deleted(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 60, seed=11)
    folder = str(tmp_path / "index")
    with monkeypatch.context() as patch:
        patch.setattr(segments, "MERGE_FACTOR", 100)  # six segments, none merged yet
        with NewsIndex(folder) as news:
            news.index([str(corpus)], jobs=1, commit_every=10)
    engine = open_engine(folder)
    writer = engine.writer()
    plan = writer.plan_merge()
    assert plan is not None and len(plan.segments) == 6
    merged = engine.segment_builder().merge(plan)
    gone = str((corpus / "page27.html").resolve())
    writer.delete(gone)  # after the merge was planned and built, before it is committed
    writer.add_segment(merged)
    writer.close(commit=True)
    engine.close()
    with NewsIndex(folder) as news:
        assert news.count() == 59
        assert len(news._open()._ix._segments()) == 1
        assert news.search('headline:"report 27"').total == 0
        assert news.search('headline:"report 28"').total == 1


def test_segments_written_by_older_versions_merge_too(tmp_path, monkeypatch):
    """Older indexes hold compound segments with compressed, protocol-2 posting blocks
    (Whoosh's own format); merging reads them and writes the current format."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 60, seed=12)
    folder = str(tmp_path / "index")
    stock_writer = segments.SegmentWriter

    def older_writer(*args, **options):
        return stock_writer(*args, **{**options, "codec": W3Codec(), "compound": True})

    with monkeypatch.context() as patch:
        patch.setattr(segments, "MERGE_FACTOR", 100)
        patch.setattr(segments, "SegmentWriter", older_writer)
        with NewsIndex(folder) as news:
            news.index([str(corpus)], jobs=1, commit_every=10)
    with NewsIndex(folder) as news:
        assert all(segment.is_compound() for segment in news._open()._ix._segments())
        before = [
            sorted((hit.path, round(hit.score, 4)) for hit in news.search(text, limit=100).hits)
            for text in QUERIES
        ]
    engine = open_engine(folder)
    writer = engine.writer()
    writer.add_segment(engine.segment_builder().merge(writer.plan_merge()))
    writer.close(commit=True)
    engine.close()
    with NewsIndex(folder) as news:
        merged = news._open()._ix._segments()
        assert len(merged) == 1 and not merged[0].is_compound()
        after = [
            sorted((hit.path, round(hit.score, 4)) for hit in news.search(text, limit=100).hits)
            for text in QUERIES
        ]
    assert after == before
    assert any(after)
