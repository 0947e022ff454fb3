"""Segments built in the extraction workers and adopted by the one writer that commits.

Whoosh turns documents into a segment in steps: analysed terms go into a pool, the pool is sorted
and written out as postings and columns. With every document written by
the main process, that work (half the CPU time of a run) used one core while the workers waited
for it. Here a batch becomes a finished segment in a worker, in a staging folder of its own
inside the index folder; the writer moves its files into the index and lists it in the table of
contents on commit, so a commit stays all or nothing and a killed run leaves only staging files,
which the next writer removes. Merges of committed segments are built the same way, by copying
posting blocks (see merging.py), and replace their segments when committed."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass

from whoosh.codec.whoosh3 import W3Segment
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.writing import SegmentWriter

from .base import Document
from .codec import WriterCodec
from .documents import fields_of
from .merging import Source, merge_segments
from .storage import MappedStorage

INDEX_NAME = "searchnews"
MERGE_FACTOR = 6  # segments of one size merged at once (see plan_merge)
STAGING = f"{INDEX_NAME}.staging"  # in the index folder, so that a segment moves by rename


@dataclass(frozen=True)
class MergeJob:
    """Committed segments to write into a batch's new segment, with the documents each had
    deleted when the merge was planned (deletions made later are carried over on adoption)."""

    segments: tuple[W3Segment, ...]
    deleted: tuple[frozenset[int], ...]

    @classmethod
    def of(cls, segments: list[W3Segment]) -> MergeJob:
        return cls(tuple(segments), tuple(frozenset(s.deleted_docs()) for s in segments))


def plan_merge(segments: list[W3Segment]) -> MergeJob | None:
    """The segments to merge next, or None.

    Segments fall into levels by size, each MERGE_FACTOR times the one below (counting live
    documents); when a level holds MERGE_FACTOR segments, its smallest MERGE_FACTOR are merged
    into one of the next level. So a document is rewritten once per level it climbs, and an
    index keeps at most MERGE_FACTOR - 1 segments per level: at 100,000 documents written in
    batches of 1,000, 10 segments, each document written 1.7 times on average.
    """
    levels: dict[int, list[W3Segment]] = {}
    for segment in segments:
        levels.setdefault(_level(segment.doc_count()), []).append(segment)
    for level in sorted(levels):
        if len(levels[level]) >= MERGE_FACTOR:
            smallest = sorted(levels[level], key=lambda segment: segment.doc_count())
            chosen = {id(segment) for segment in smallest[:MERGE_FACTOR]}
            # In index order, so that the merged documents keep the order they were added in.
            return MergeJob.of([segment for segment in segments if id(segment) in chosen])
    return None


def _level(documents: int) -> int:
    level = 0
    while documents >= MERGE_FACTOR:
        documents //= MERGE_FACTOR
        level += 1
    return level


@dataclass
class StagedSegment:
    """A finished segment waiting in `folder` to be moved into the index: a batch of new
    documents, or the live documents of the segments `merged` (which it replaces)."""

    folder: str
    segment: W3Segment
    merged: MergeJob | None = None


class _StagingIndex:
    """The little of an index that a SegmentWriter reads: storage, name and an empty TOC."""

    def __init__(self, folder: str, schema) -> None:
        self.storage = FileStorage(folder)
        self.indexname = INDEX_NAME
        self._toc = TOC(schema, [], 0)

    def _read_toc(self) -> TOC:
        return self._toc


@dataclass(frozen=True)
class SegmentBuilder:
    """Writes documents into a new staged segment; picklable, to run in a worker process.

    It carries the index's schema rather than reading the table of contents, which the writer
    replaces (and deletes) at every commit.
    """

    index_path: str
    schema: Schema

    def __call__(self, documents: list[Document]) -> StagedSegment:
        """A new segment holding `documents`."""
        folder = self._new_folder()
        try:
            writer = SegmentWriter(
                _StagingIndex(folder, self.schema), _lk=False, codec=WriterCodec(), compound=False
            )
            for document in documents:
                writer.add_document(**fields_of(document))
            segment = writer._finalize_segment()
            writer._finish()
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return StagedSegment(folder, segment)

    def merge(self, job: MergeJob) -> StagedSegment:
        """A new segment holding the live documents of the segments in `job`, in order."""
        folder = self._new_folder()
        index = MappedStorage(self.index_path)
        sources = [
            Source(index, old, deleted)
            for old, deleted in zip(job.segments, job.deleted, strict=True)
        ]
        try:
            segment = merge_segments(FileStorage(folder), INDEX_NAME, self.schema, sources)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return StagedSegment(folder, segment, job)

    def _new_folder(self) -> str:
        staging = os.path.join(self.index_path, STAGING)
        os.makedirs(staging, exist_ok=True)
        return tempfile.mkdtemp(dir=staging)


def adopt(staged: StagedSegment, index_path: str, current: list[W3Segment]) -> W3Segment:
    """Move a staged segment's files into the index folder; it counts once a TOC lists it.

    Documents deleted from the merged segments since the merge was planned (`current` holds
    them as they are now) are deleted in the new segment too.
    """
    for name in os.listdir(staged.folder):  # the segment's files, kept apart to be mapped
        os.replace(os.path.join(staged.folder, name), os.path.join(index_path, name))
    shutil.rmtree(staged.folder, ignore_errors=True)
    segment, merge = staged.segment, staged.merged
    if merge is not None:
        now = {old.segment_id(): old for old in current}
        base = 0
        for old, deleted in zip(merge.segments, merge.deleted, strict=True):
            live = [docnum for docnum in range(old.doc_count_all()) if docnum not in deleted]
            since = set(now[old.segment_id()].deleted_docs()) - deleted
            for rank, docnum in enumerate(live):
                if docnum in since:
                    segment.delete_document(base + rank)
            base += len(live)
    return segment


def clear_staging(index_path: str) -> None:
    """Remove what killed runs left in the staging folder (call with the write lock held)."""
    shutil.rmtree(os.path.join(index_path, STAGING), ignore_errors=True)
