"""The codec the writer uses: Whoosh's own format, written with less work per term.

The files are Whoosh 3 segments that a stock `W3Codec` reads; only how they are written changes.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PostingsWriter, W3Segment

# Blocks with fewer postings than this are stored uncompressed. Most terms of a batch have one or
# two postings (rare words, sketch values), and zlib spent more time on them than anything else
# in a commit while saving almost no space: each block records whether it is compressed.
COMPRESS_FROM = 4


class _PostingsWriter(W3PostingsWriter):
    def _write_block(self, last: bool = False) -> None:
        self._compression = self._level if len(self._ids) >= COMPRESS_FROM else 0
        super()._write_block(last)


class _PerDocReader(W3PerDocReader):
    """Remembers which length columns a segment lacks.

    The flush asks for the length of every posting; for a field without lengths (ids, numbers,
    keywords) Whoosh looked the column file up on disk again for each one.
    """

    def has_column(self, fieldname: str) -> bool:
        known = self.__dict__.setdefault("_has_column", {})
        if fieldname not in known:
            known[fieldname] = super().has_column(fieldname)
        return known[fieldname]


class WriterCodec(W3Codec):
    """Writes W3 segments; the segments name a plain `W3Codec`, so readers need nothing of ours."""

    def postings_writer(self, dbfile, byteids: bool = False) -> W3PostingsWriter:
        writer = _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )
        writer._level = self._compression
        return writer

    def per_document_reader(self, storage, segment) -> W3PerDocReader:
        return _PerDocReader(storage, segment)

    def new_segment(self, storage, indexname: str) -> W3Segment:
        return W3Segment(W3Codec(), indexname)
