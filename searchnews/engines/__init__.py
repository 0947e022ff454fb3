"""Search engines behind one contract (`base.Engine`). Only the engine modules import an
engine library; everything else names an engine by its name.

An engine is chosen by a spec: its name ("whoosh", "tantivy", "sphinxql"), or for the sphinxql
engine also `sphinxql://HOST:PORT`, the address of its cluster's coordinator.
"""

from __future__ import annotations

import logging
import os
import shutil
from importlib import import_module

from ..errors import SearchnewsError
from .base import Engine

log = logging.getLogger(__name__)

DEFAULT_ENGINE = "whoosh"
_MODULES = {"whoosh": "whoosh_engine", "tantivy": "tantivy_engine", "sphinxql": "sphinxql_engine"}
ENGINE_NAMES = tuple(_MODULES)
# Engines that live at an address rather than only in the index folder.
ADDRESSED = ("sphinxql",)


def engine_class(name: str) -> type[Engine]:
    """The Engine subclass called `name` ("whoosh", "tantivy", "sphinxql")."""
    module = _MODULES.get(name)
    if module is None:
        raise SearchnewsError(f"Unknown engine {name!r}: use one of {', '.join(ENGINE_NAMES)}.")
    return import_module(f"{__name__}.{module}").ENGINE


def split_spec(spec: str) -> tuple[str, str | None]:
    """An engine spec as (name, address): "sphinxql://h:9306" -> ("sphinxql", "h:9306")."""
    name, separator, address = spec.partition("://")
    if not separator:
        return spec, None
    if name not in ADDRESSED or not address:
        raise SearchnewsError(
            f"Unknown engine {spec!r}: use one of {', '.join(ENGINE_NAMES)}, or"
            " sphinxql://HOST:PORT."
        )
    return name, address


def create_engine(spec: str, folder: str) -> Engine:
    """Make an empty index of the engine `spec` names in `folder`."""
    name, address = split_spec(spec)
    cls = engine_class(name)
    if name in ADDRESSED:
        return cls.create(folder, address)
    return cls.create(folder)


def discard_engine_folder(path: str) -> None:
    """Delete an engine folder no index uses any more, with what its engine keeps elsewhere (a
    sphinxql index's documents on its cluster). When that cannot be reached, the folder stays,
    so that a later run (which discards unused folders) tries again."""
    name = os.path.basename(path).rsplit("-", 1)[0]
    if name in ADDRESSED and os.path.isdir(path):
        try:
            engine = engine_class(name).open(path)
            try:
                engine.drop()
            finally:
                engine.close()
        except SearchnewsError as error:
            log.warning("Kept %s for now: %s", path, error)
            return
    shutil.rmtree(path, ignore_errors=True)


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_NAMES",
    "Engine",
    "create_engine",
    "discard_engine_folder",
    "engine_class",
    "split_spec",
]
