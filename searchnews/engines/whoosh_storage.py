"""Where the Whoosh engine keeps its index: durable storage, the schema, documents as fields,
and the columns and phrases a segment is read with.

`DurableStorage` is Whoosh's FileStorage with fsync added where Whoosh's commit relies on the
order of its writes. A commit writes every segment file with `create_file` (postings, terms,
columns; then the compound `.seg` file, after which the parts are deleted with `delete_file`),
then the TOC to a temporary file, also with `create_file`, and renames it into place with
`rename_file`; finally it deletes the files of older generations with `delete_file`.
So: every file made by `create_file` is flushed and fsync'd as it is closed, `rename_file`
fsyncs the file and then the folder (the new TOC is then durable, and with it every segment
file it names, synced before), and `sync_folder` makes the deletions durable at the end of a
commit. Temporary storages (the writer's sorting runs) are not synced: no commit keeps them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from whoosh import columns
from whoosh import query as wq
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import COLUMN, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.matching import ListMatcher, NullMatcher

from ..errors import EngineError, IndexBusyError, SearchnewsError
from .base import (
    MULTI_NUMBER_FIELDS,
    SINGLE_NUMBER_FIELDS,
    STEMMED_FIELDS,
    TEXT_FIELDS,
    EngineDocument,
)

KEY = "key"
_OPEN_ATTEMPTS = 5
# What a NUMERIC column holds for a document without a value (Whoosh's default for unsigned
# 64-bit fields): never a value of ours, so facets and sorts can tell "absent" from 0.
ABSENT = 2**64 - 1


def sync_path(path: str) -> None:
    """fsync a file or folder by path."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DurableStorage(FileStorage):
    """A FileStorage whose commits are durable when Whoosh's commit returns (see module doc).

    Memory maps are off by default: Whoosh copies each mapped part of a compound segment into
    a BytesIO when it opens it, so every new searcher would copy the whole index into memory
    (seconds and hundreds of MB on a large index); plain reads go through the OS page cache.
    """

    def __init__(self, path: str, supports_mmap: bool = False, readonly: bool = False) -> None:
        super().__init__(path, supports_mmap=supports_mmap, readonly=readonly)

    def create_file(self, name: str, excl: bool = False, mode: str = "wb", **kwargs: Any):
        chained = kwargs.pop("onclose", None)

        def sync_on_close(sfile: StructFile) -> None:
            if chained is not None:
                chained(sfile)
            sfile.flush()
            os.fsync(sfile.fileno())

        return super().create_file(name, excl=excl, mode=mode, onclose=sync_on_close, **kwargs)

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        sync_path(os.path.join(self.folder, oldname))
        super().rename_file(oldname, newname, safe=safe)
        self.sync_folder()

    def sync_folder(self) -> None:
        """fsync the index folder (its list of files)."""
        sync_path(self.folder)


@contextmanager
def reading(folder: str) -> Iterator[None]:
    """Errors from Whoosh's files become EngineError (ours pass through)."""
    try:
        yield
    except SearchnewsError:
        raise
    except FileNotFoundError as exc:
        # A commit deletes the files of older generations: a view taken before it may miss one.
        raise IndexBusyError(
            f"The search index in {folder} changed during this search: try again."
        ) from exc
    except Exception as exc:
        raise EngineError(
            f"The search index in {folder} could not be read ({type(exc).__name__}: {exc}). "
            "Rebuild the index from the catalog."
        ) from exc


def retrying(folder: str, open_: Callable[[], Any]) -> Any:
    """`open_()`, tried again when a file it needs was just deleted.

    A commit deletes the files of older generations after it renames its TOC into place: a
    reader that read the older TOC can miss a file, and the next attempt reads the new TOC.
    """
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            with reading(folder):
                return open_()
        except IndexBusyError:
            time.sleep(0.01 * (attempt + 1))
    raise IndexBusyError(f"The index in {folder} is changing; try again.")


def number_field(name: str) -> str:
    """The Whoosh field of an integer field (text and integer fields share some names)."""
    return "num_" + name


def values_field(name: str) -> str:
    """The column of a many-valued integer field: its values as packed little-endian uint64."""
    return "values_" + name


def _number(*, sortable: bool = False, **kwargs: Any) -> NUMERIC:
    # One term per value (no tiers): searches read ranges from the columns, and the terms keep
    # every value matchable by Whoosh's own queries (compile_node's NumericRange).
    return NUMERIC(int, bits=64, signed=False, sortable=sortable, shift_step=0, **kwargs)


def build_schema() -> Schema:
    """The schema of a searchnews index in Whoosh.

    Texts arrive analysed (tokens joined by single spaces), so the only analysis is splitting
    at spaces. Integer fields are NUMERIC with a column (single-valued) or with a packed column
    of their values (many-valued); the key is both an exact term and a column.
    """
    schema = Schema()
    schema.add(KEY, _number(stored=True, unique=True, sortable=True))
    for name in TEXT_FIELDS:
        # Stemmed forms are only ever searched word by word, so they keep no positions.
        positions = name not in STEMMED_FIELDS
        schema.add(name, TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=positions, stored=False))
    for name in SINGLE_NUMBER_FIELDS:
        schema.add(number_field(name), _number(sortable=True))
    for name in MULTI_NUMBER_FIELDS:
        schema.add(number_field(name), _number())
        schema.add(values_field(name), COLUMN(columns.VarBytesColumn()))
    return schema


def check_schema(schema: Schema, folder: str) -> None:
    """Raise EngineError unless the index in `folder` has every field this engine uses."""
    expected = build_schema()
    differ = [
        name
        for name in expected.names()
        if name not in schema or type(schema[name]) is not type(expected[name])
    ]
    if differ:
        raise EngineError(
            f"The search index in {folder} was made by another version of searchnews "
            f"(fields {', '.join(differ)} differ). Rebuild the index."
        )


def _number_value(value: object, what: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not 0 <= value < ABSENT
    ):
        raise ValueError(f"{what}: {value!r} is not an integer from 0 to 2**64 - 2")
    return int(value)


def document_fields(doc: EngineDocument) -> dict[str, Any]:
    """The keyword arguments of Whoosh's add_document for one document (ValueError if bad)."""
    key = _number_value(doc.key, "key")
    if key == 0:
        raise ValueError("key: 0 is not a positive integer")
    fields: dict[str, Any] = {KEY: key}
    for name, text in doc.texts.items():
        if name not in TEXT_FIELDS:
            raise ValueError(f"{name!r} is not a text field")
        if not isinstance(text, str):
            raise ValueError(f"{name}: {text!r} is not a string")
        if text.strip():
            fields[name] = text
    for name, values in doc.numbers.items():
        numbers = sorted({_number_value(v, name) for v in values})
        if name in SINGLE_NUMBER_FIELDS:
            if len(numbers) > 1:
                raise ValueError(f"{name} holds one value, not {len(numbers)}")
            if numbers:
                fields[number_field(name)] = numbers[0]
        elif name in MULTI_NUMBER_FIELDS:
            if numbers:
                fields[number_field(name)] = numbers
                fields[values_field(name)] = np.asarray(numbers, dtype="<u8").tobytes()
        else:
            raise ValueError(f"{name!r} is not an integer field")
    return fields


def read_numbers(reader: Any, field: str) -> np.ndarray:
    """One segment's column of a single-valued integer field (ABSENT where none), as uint64."""
    column = reader.column_reader(field, translate=False)
    return np.fromiter(column, dtype=np.uint64, count=reader.doc_count_all())


def read_value_lists(reader: Any, field: str) -> tuple[np.ndarray, np.ndarray]:
    """One segment's many-valued column as (document of each value, value), both flat."""
    chunks = list(reader.column_reader(field, translate=False))
    lengths = np.fromiter(map(len, chunks), dtype=np.int64, count=len(chunks)) // 8
    values = np.frombuffer(b"".join(chunks), dtype="<u8").astype(np.uint64)
    return np.repeat(np.arange(len(chunks), dtype=np.int64), lengths), values


# ---- phrases ----


class SlopPhrase(wq.Phrase):
    """A Phrase whose tokens are at most `slop - 1` extra positions apart in all.

    Whoosh's slop bounds each gap between neighbouring tokens on its own (slop 1: adjacent,
    slop s: each gap at most s - 1 extra positions). The contract bounds the sum of the gaps, so
    the engine passes slop = contract slop + 1 (exact for two tokens) and, for longer
    phrases, this matcher keeps only documents with a span no wider than the sum allows.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        matcher = super().matcher(searcher, context)
        if len(self.words) < 3 or self.slop <= 1 or not matcher.is_active():
            return matcher
        widest = len(self.words) - 1 + (self.slop - 1)
        scored = context is None or context.weighting is not None
        ids: list[int] = []
        scores: list[float] = []
        while matcher.is_active():
            if any(span.end - span.start <= widest for span in matcher.spans()):
                ids.append(matcher.id())
                if scored:
                    scores.append(matcher.score())
            matcher.next()
        return ListMatcher(ids, weights=scores or None) if ids else NullMatcher()
