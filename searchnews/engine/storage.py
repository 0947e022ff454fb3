"""How index files are opened: memory-mapped, without copying.

Whoosh's own memory maps work on compound segment files, and copy every part of one into memory
on opening (for 100k articles: 1.2 GB and a second before the first search). Segments are
therefore written as separate files, each mapped here; compound segments from older indexes are
read through plain file reads.
"""

from __future__ import annotations

import mmap

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class MappedFile(StructFile):
    """A file read through a memory map: reads are slices of the map, copied only as needed."""

    def get(self, position: int, length: int) -> bytes:
        return self.file[position : position + length]


class MappedStorage(FileStorage):
    """An index folder whose files are memory-mapped when opened."""

    def __init__(self, path: str) -> None:
        super().__init__(path, supports_mmap=False)

    def open_file(self, name: str, **kwargs) -> StructFile:
        with open(self._fpath(name), "rb") as handle:
            try:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                return super().open_file(name, **kwargs)
        return MappedFile(mapped, name=name, **kwargs)
