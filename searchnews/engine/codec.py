"""The codec the writer uses: Whoosh's own format, written with less work per term.

The files are Whoosh 3 segments that a stock `W3Codec` reads; only how they are written changes.
"""

from __future__ import annotations

import pickle

from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3PerDocReader,
    W3PostingsWriter,
    W3Segment,
)
from whoosh.util.numeric import length_to_byte


class _PostingsWriter(W3PostingsWriter):
    """Writes posting blocks in Whoosh's layout, pickled with the current protocol.

    Whoosh pickles blocks with protocol 2, in which every posting's positions (a bytes value)
    becomes a call to re-encode a string: reading such a block back cost six times as much as
    one pickled with the current protocol, and reading blocks is most of a search's work.
    Readers unpickle either the same way.
    """

    def _write_block(self, last: bool = False) -> None:
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        databytes = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
        ids = self._ids
        # What a reader checks before deciding to read the block: posting count, last id,
        # largest weight, compression (none), shortest and longest field lengths.
        info = (
            len(ids),
            ids[-1],
            self._maxweight,
            0,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        infobytes = pickle.dumps(info, pickle.HIGHEST_PROTOCOL)
        length = len(infobytes) + len(databytes)
        postfile.write_int(-length if last else length)  # negative: the term's last block
        postfile.write(infobytes)
        postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


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

    Posting blocks are stored uncompressed (zlib was the largest single cost of writing a batch,
    and searches decode uncompressed blocks about 10% faster) and pickled with the current
    protocol, which also keeps the index about as small as compressed protocol-2 blocks made it.
    """

    def __init__(self) -> None:
        super().__init__(compression=0)

    def postings_writer(self, dbfile, byteids: bool = False) -> W3PostingsWriter:
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=0,
            inlinelimit=self._inlinelimit,
        )

    def per_document_reader(self, storage, segment) -> W3PerDocReader:
        return _PerDocReader(storage, segment)

    def new_segment(self, storage, indexname: str) -> W3Segment:
        return W3Segment(W3Codec(), indexname)
