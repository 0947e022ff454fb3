"""Segments built in the extraction workers and adopted by the one writer that commits.

Whoosh turns documents into a segment in steps: analysed terms go into a pool, the pool is sorted
and written out as postings, and the files are assembled into one. With every document written by
the main process, that work (half the CPU time of a run) used one core while the workers waited
for it. Here a batch becomes a finished segment file in a worker, in a staging folder of its own
inside the index folder; the writer moves the file into the index and lists it in the table of
contents on commit, so a commit stays all or nothing and a killed run leaves only staging files,
which the next writer removes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.writing import SegmentWriter

from .base import Document
from .codec import WriterCodec
from .documents import fields_of

INDEX_NAME = "searchnews"
STAGING = f"{INDEX_NAME}.staging"  # in the index folder, so that a segment moves by rename


@dataclass
class StagedSegment:
    """A finished segment file waiting in `folder` to be moved into the index."""

    folder: str
    segment: W3Segment

    @property
    def filename(self) -> str:
        return self.segment.make_filename(W3Segment.COMPOUND_EXT)


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
    """Writes documents into a new staged segment; picklable, to run in a worker process."""

    index_path: str

    def __call__(self, documents: list[Document]) -> StagedSegment:
        schema = whoosh_index.open_dir(self.index_path, indexname=INDEX_NAME).schema
        staging = os.path.join(self.index_path, STAGING)
        os.makedirs(staging, exist_ok=True)
        folder = tempfile.mkdtemp(dir=staging)
        try:
            writer = SegmentWriter(_StagingIndex(folder, schema), _lk=False, codec=WriterCodec())
            for document in documents:
                writer.add_document(**fields_of(document))
            segment = writer._finalize_segment()
            writer._finish()
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return StagedSegment(folder, segment)


def adopt(staged: StagedSegment, index_path: str) -> W3Segment:
    """Move a staged segment's file into the index folder; it counts once a TOC lists it."""
    os.replace(
        os.path.join(staged.folder, staged.filename), os.path.join(index_path, staged.filename)
    )
    shutil.rmtree(staged.folder, ignore_errors=True)
    return staged.segment


def clear_staging(index_path: str) -> None:
    """Remove what killed runs left in the staging folder (call with the write lock held)."""
    shutil.rmtree(os.path.join(index_path, STAGING), ignore_errors=True)
