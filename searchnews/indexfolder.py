"""An index folder: the catalog, the engine it names, the user's aliases.tsv and a lock file.

The catalog records which engine holds the index and in which subfolder. A rebuild writes a new
subfolder and then switches the catalog's setting in one transaction; readers notice the switch
on their next search and open the new engine.
"""

from __future__ import annotations

import glob
import os
import threading

from .analysis import ANALYSIS_VERSION
from .catalog import Catalog, catalog_exists
from .engines import (
    DEFAULT_ENGINE,
    Engine,
    create_engine,
    discard_engine_folder,
    engine_class,
    split_spec,
)
from .errors import IndexNotFoundError, OldIndexError, SearchnewsError

ENGINE_SETTING = "engine"
FOLDER_SETTING = "engine_folder"
ANALYSIS_SETTING = "analysis_version"
REEXTRACT_HINT = "searchnews index CORPUS --rebuild --reextract"


def is_old_index(folder: str) -> bool:
    """Whether `folder` holds an index of the storage searchnews used before its catalog."""
    return not catalog_exists(folder) and bool(glob.glob(os.path.join(folder, "_searchnews_*.toc")))


def remove_old_index(folder: str) -> None:
    """Delete the files of an old-storage index (only those), before re-extracting into it."""
    for name in os.listdir(folder):
        if (
            name.startswith("_searchnews_")
            or name.endswith((".seg", ".toc"))
            or name.endswith(("MAIN_WRITELOCK", ".lock"))
        ):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                os.remove(path)


def _old_index_error(folder: str) -> OldIndexError:
    return OldIndexError(
        f"The index in {folder!r} was made by an older searchnews and cannot be read: rebuild it "
        f"with `{REEXTRACT_HINT.replace('CORPUS', 'CORPUS --index ' + folder)}`."
    )


class IndexFolder:
    """The catalog of a folder and the engine it names, reopened when a rebuild switches it."""

    def __init__(self, path: str, *, create: bool = False, rebuilding: bool = False) -> None:
        """Open the index folder at `path` (made with `create`). An index analysed by another
        version of searchnews is refused, unless it is opened `rebuilding` it."""
        self.path = path
        if is_old_index(path):
            raise _old_index_error(path)
        if not create and not catalog_exists(path):
            raise IndexNotFoundError.in_folder(path)
        self.catalog = Catalog(path, create=create)
        self._engine: Engine | None = None
        self._engine_folder: str | None = None
        self._switching = threading.Lock()
        version = self.catalog.setting(ANALYSIS_SETTING)
        if version is not None and int(version) != ANALYSIS_VERSION and not rebuilding:
            raise SearchnewsError(
                f"The index in {path!r} was analysed by another version of searchnews "
                f"(analysis {version}, this one uses {ANALYSIS_VERSION}): run "
                f"`searchnews index --rebuild --index {path}`."
            )

    @property
    def engine_name(self) -> str | None:
        """The engine that holds this index (None before the first run)."""
        return self.catalog.setting(ENGINE_SETTING)

    def ensure_engine(self, spec: str | None) -> Engine:
        """The engine, made on the first run with the engine `spec` names (an engine name, or
        `sphinxql://HOST:PORT`; default: the default engine)."""
        current = self.engine_name
        spec = spec or None
        name = split_spec(spec)[0] if spec else None
        if current is None:
            name = name or DEFAULT_ENGINE
            folder = self.new_engine_folder(name)
            create_engine(spec or name, os.path.join(self.path, folder))
            with self.catalog.transaction():
                self.catalog.set_setting(ENGINE_SETTING, name)
                self.catalog.set_setting(FOLDER_SETTING, folder)
                self.catalog.set_setting(ANALYSIS_SETTING, str(ANALYSIS_VERSION))
        elif name is not None and name != current:
            raise SearchnewsError(
                f"This index is held by the {current} engine: to move it to {name}, run "
                f"`searchnews index --rebuild --engine {name} --index {self.path}`."
            )
        return self.engine()

    def new_engine_folder(self, name: str) -> str:
        """A subfolder name for a new engine index that nothing uses yet."""
        number = 1
        while os.path.exists(os.path.join(self.path, f"{name}-{number}")):
            number += 1
        return f"{name}-{number}"

    def engine(self) -> Engine:
        """The engine named by the catalog, opened (again, after a switch) as needed."""
        folder = self.catalog.setting(FOLDER_SETTING)
        if folder is None:
            raise IndexNotFoundError(
                f"The index in {self.path!r} is empty: add pages with "
                f"`searchnews index CORPUS --index {self.path}`."
            )
        with self._switching:
            if self._engine is None or folder != self._engine_folder:
                # The engine it replaces is not closed: another thread may still be searching
                # it; it is released when the last search that holds it lets it go.
                name = self.catalog.setting(ENGINE_SETTING) or DEFAULT_ENGINE
                self._engine = engine_class(name).open(os.path.join(self.path, folder))
                self._engine_folder = folder
            return self._engine

    def has_engine(self) -> bool:
        return self.catalog.setting(FOLDER_SETTING) is not None

    def reader(self) -> Engine:
        """The engine, refreshed to see exactly its last commit."""
        engine = self.engine()
        engine.refresh()
        return engine

    def switch_engine(self, name: str, folder: str) -> None:
        """Make the engine in `folder` the index's engine, then delete the one it replaces."""
        old = self.catalog.setting(FOLDER_SETTING)
        with self.catalog.transaction():
            self.catalog.set_setting(ENGINE_SETTING, name)
            self.catalog.set_setting(FOLDER_SETTING, folder)
            self.catalog.set_setting(ANALYSIS_SETTING, str(ANALYSIS_VERSION))
            self.catalog.bump_generation()
        self.engine()
        if old and old != folder:
            discard_engine_folder(os.path.join(self.path, old))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        self.catalog.close()
