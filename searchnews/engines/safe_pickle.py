"""Whoosh's pickle loads, restricted to the classes a searchnews index holds.

Whoosh keeps its table of contents (the schema and the segment list), its stored fields, posting
blocks, positions and some column headers as pickles, and a pickle can name any importable
callable: an index folder someone else wrote could run code on load. `install()` makes every
place in Whoosh that unpickles go through `RestrictedUnpickler`, which admits only the classes
listed in `ALLOWED` and refuses everything else with an EngineError.

The places patched (module-level names, replaced once; `install()` is idempotent):

    whoosh.compat               load, loads,     the shared imports (and modules imported later)
                                pickle
    whoosh.filedb.structfile    load_pickle      StructFile.read_pickle: TOC segment list, posting
                                                 block headers, hash-table extras, compound-file
                                                 directory, column headers, FST values
    whoosh.codec.whoosh3        loads            posting block data, inlined postings
    whoosh.columns              loads            PickleColumn (the stored-fields column)
    whoosh.formats              loads            positions, characters and boosts of postings
    whoosh.codec.plaintext      loads            the plain-text codec's values
    whoosh.externalsort         load             the writer's sorted runs of postings
    whoosh.index                pickle           TOC.read: the pickled schema
    whoosh.filedb.fileindex     pickle           the old TOC reader
    whoosh.multiproc            pickle           job files of the multiprocess writer
    whoosh.legacy, whoosh.util.loading           RenamingUnpickler (old TOC versions)

Whoosh modules that no longer import (whoosh.filedb.misc, .pools, .filereading, whoosh.codec
.whoosh2) cannot run and are left alone; marshal loads (no code runs) are left alone too.
"""

from __future__ import annotations

import importlib
import io
import pickle
import sys
import types
from typing import Any, BinaryIO

from ..errors import EngineError

REFUSED = (
    "The search index file holds data that is not a search index ({what}), "
    "so it was not loaded. Rebuild the index from the catalog."
)

# Every global a searchnews index pickles, found by building, merging and reading indexes: the
# schema's field, format, analyser and column types, the segment list and its codec, and the
# builtins their state is made of (protocol-2 pickles name them the Python 2 way; sets are
# admitted for TOCs written with protocol 2, where a set is a call to set).
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("whoosh.fields", "Schema"),
        ("whoosh.fields", "TEXT"),
        ("whoosh.fields", "NUMERIC"),
        ("whoosh.fields", "COLUMN"),
        ("whoosh.formats", "Positions"),
        ("whoosh.formats", "Frequency"),
        ("whoosh.formats", "Existence"),
        ("whoosh.analysis.tokenizers", "RegexTokenizer"),
        ("whoosh.analysis.tokenizers", "IDTokenizer"),
        ("whoosh.columns", "NumericColumn"),
        ("whoosh.columns", "VarBytesColumn"),
        ("whoosh.codec.whoosh3", "W3Codec"),
        ("whoosh.codec.whoosh3", "W3Segment"),
        ("collections", "defaultdict"),
        ("re", "_compile"),
        ("_codecs", "encode"),
        ("builtins", "int"),
        ("builtins", "bytes"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("__builtin__", "long"),
        ("__builtin__", "bytes"),
        ("__builtin__", "set"),
        ("__builtin__", "frozenset"),
    }
)

# Globals handed out as a narrower stand-in than the real one: protocol-2 pickles of bytes call
# _codecs.encode(text, "latin1"); str.encode does that (in C: it runs for every posting read)
# and accepts nothing but a str, to be encoded by a text codec.
_STAND_INS: dict[tuple[str, str], Any] = {("_codecs", "encode"): str.encode}


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that resolves only the globals in `ALLOWED`."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED:
            return _STAND_INS.get((module, name)) or super().find_class(module, name)
        raise EngineError(REFUSED.format(what=f"it names {module}.{name}"))


class RestrictedRenamingUnpickler(RestrictedUnpickler):
    """Whoosh's RenamingUnpickler (old TOC versions), restricted the same way."""

    def __init__(self, f: BinaryIO, objmap: dict[str, str], shortcuts: dict | None = None):
        super().__init__(f)
        if shortcuts:
            objmap = {k % shortcuts: v % shortcuts for k, v in objmap.items()}
        self.objmap = objmap

    def find_class(self, module: str, name: str) -> Any:
        mapped = self.objmap.get(f"{module}.{name}", f"{module}.{name}")
        module, _, name = mapped.rpartition(".")
        return super().find_class(module, name)


def loads(data: bytes | bytearray | memoryview, /, **_: Any) -> Any:
    """pickle.loads, admitting only the classes in `ALLOWED`."""
    try:
        return RestrictedUnpickler(io.BytesIO(data)).load()
    except EngineError:
        raise
    except Exception as exc:
        raise EngineError(REFUSED.format(what="it is not a readable pickle")) from exc


def load(file: BinaryIO, /, **_: Any) -> Any:
    """pickle.load, admitting only the classes in `ALLOWED`.

    EOFError passes through: Whoosh reads its sorted runs until it meets one.
    """
    try:
        return RestrictedUnpickler(file).load()
    except (EngineError, EOFError):
        raise
    except Exception as exc:
        raise EngineError(REFUSED.format(what="it is not a readable pickle")) from exc


def _pickle_module() -> types.ModuleType:
    """A stand-in for the pickle module whose loading functions are the restricted ones."""
    module = types.ModuleType("searchnews_restricted_pickle")
    module.__dict__.update({k: v for k, v in vars(pickle).items() if not k.startswith("__")})
    module.load, module.loads, module.Unpickler = load, loads, RestrictedUnpickler
    return module


RESTRICTED_PICKLE = _pickle_module()

# (module, attribute, replacement): see the module docstring.
_SITES: tuple[tuple[str, str, Any], ...] = (
    ("whoosh.compat", "load", load),
    ("whoosh.compat", "loads", loads),
    ("whoosh.compat", "pickle", RESTRICTED_PICKLE),
    ("whoosh.filedb.structfile", "load_pickle", load),
    ("whoosh.codec.whoosh3", "loads", loads),
    ("whoosh.columns", "loads", loads),
    ("whoosh.formats", "loads", loads),
    ("whoosh.codec.plaintext", "loads", loads),
    ("whoosh.externalsort", "load", load),
    ("whoosh.index", "pickle", RESTRICTED_PICKLE),
    ("whoosh.filedb.fileindex", "pickle", RESTRICTED_PICKLE),
    ("whoosh.multiproc", "pickle", RESTRICTED_PICKLE),
    ("whoosh.legacy", "RenamingUnpickler", RestrictedRenamingUnpickler),
    ("whoosh.util.loading", "RenamingUnpickler", RestrictedRenamingUnpickler),
)


def install() -> None:
    """Point every Whoosh unpickling site at the restricted loaders (safe to call again)."""
    for module_name, attribute, replacement in _SITES:
        module = sys.modules.get(module_name) or importlib.import_module(module_name)
        if getattr(module, attribute, None) is not replacement:
            setattr(module, attribute, replacement)


def installed() -> bool:
    """Whether every site currently points at the restricted loaders."""
    return all(
        getattr(sys.modules.get(name), attribute, None) is replacement
        for name, attribute, replacement in _SITES
    )
