"""The catalog's SQLite schema, how an older catalog is brought up to it, and the connections
and write transactions the catalog uses."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .errors import SearchnewsError

SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    offset INTEGER NOT NULL DEFAULT -1,   -- -1 for a whole file
    size INTEGER,
    mtime_ns INTEGER,
    content_hash TEXT,
    status TEXT NOT NULL,                 -- indexed, failed
    reason TEXT,
    record_id TEXT,                       -- WARC-Record-ID of a record
    captured TEXT,                        -- WARC-Date of a record
    read_to INTEGER,                      -- how far a WARC file has been read and committed
    url TEXT,                             -- WARC-Target-URI of a record
    text_digest TEXT,                     -- of a record's text (see captures)
    UNIQUE (path, offset)
);
CREATE INDEX sources_by_url ON sources (url) WHERE url IS NOT NULL;
CREATE TABLE articles (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source INTEGER NOT NULL UNIQUE REFERENCES sources (id),
    headline TEXT NOT NULL,
    url TEXT,
    site_name TEXT,
    published TEXT,
    copy_group INTEGER NOT NULL,          -- the key of the story's first article
    sketch TEXT NOT NULL,                 -- JSON list of the body's sketch values
    data BLOB NOT NULL                    -- the whole article, zlib-compressed JSON
);
CREATE INDEX articles_by_group ON articles (copy_group);
CREATE TABLE sketch_values (
    value INTEGER NOT NULL, key INTEGER NOT NULL, PRIMARY KEY (value, key)
) WITHOUT ROWID;
CREATE INDEX sketch_values_by_key ON sketch_values (key);
CREATE TABLE labels (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (kind, name)
);
CREATE TABLE pending (key INTEGER PRIMARY KEY, op TEXT NOT NULL);  -- upsert, delete
CREATE TABLE retired (
    key INTEGER PRIMARY KEY, id TEXT NOT NULL, path TEXT NOT NULL,
    copy_group INTEGER NOT NULL, generation INTEGER NOT NULL, data BLOB NOT NULL,
    source TEXT NOT NULL                  -- JSON: where the article came from
);
CREATE TABLE versions (                   -- earlier texts of a URL captured again (see captures)
    source INTEGER PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
    id TEXT NOT NULL UNIQUE, url TEXT NOT NULL, captured TEXT, data BLOB NOT NULL
);
CREATE INDEX versions_by_url ON versions (url);
"""
# Each schema version's changes from the one before, applied when an older catalog is opened.
MIGRATIONS = {
    2: SCHEMA[SCHEMA.index("CREATE TABLE retired") : SCHEMA.index("CREATE TABLE versions")]
    + "ALTER TABLE sources ADD COLUMN record_id TEXT;"
    + "ALTER TABLE sources ADD COLUMN captured TEXT;"
    + "ALTER TABLE sources ADD COLUMN read_to INTEGER;",
    3: "ALTER TABLE sources ADD COLUMN url TEXT;"
    + "ALTER TABLE sources ADD COLUMN text_digest TEXT;"
    + "CREATE INDEX sources_by_url ON sources (url) WHERE url IS NOT NULL;"
    + SCHEMA[SCHEMA.index("CREATE TABLE versions") :],
}


def upgrade(db: sqlite3.Connection, folder: str) -> None:
    """Make an empty catalog, or bring an older one up to SCHEMA_VERSION (recorded in
    `user_version`), in one write transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise SearchnewsError(
            f"The catalog in {folder!r} has schema version {version}, which this "
            f"searchnews does not read (it reads {SCHEMA_VERSION} and older): upgrade "
            "searchnews, or rebuild the index with `searchnews index CORPUS --rebuild "
            "--reextract`."
        )
    with Transaction(db, lambda: None):
        version = db.execute("PRAGMA user_version").fetchone()[0]
        changes = [SCHEMA] if version == 0 else [
            MIGRATIONS[number] for number in range(version + 1, SCHEMA_VERSION + 1)
        ]  # fmt: skip
        for script in changes:
            for statement in script.split(";"):
                if statement.strip():
                    db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class Connection:
    """One thread's connection; it closes with the last reference to it (its thread's end)."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(
            path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.execute("PRAGMA foreign_keys=ON")

    def __del__(self) -> None:
        self.connection.close()


class Transaction:
    """A write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on error."""

    def __init__(self, db: sqlite3.Connection, on_rollback: Callable[[], None]) -> None:
        self._db = db
        self._on_rollback = on_rollback

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, kind, _value, _traceback) -> None:
        if kind is None:
            try:
                self._db.execute("COMMIT")
                return
            except sqlite3.Error:
                self._undo()
                raise
        self._undo()

    def _undo(self) -> None:
        # SQLite may have rolled back by itself (an I/O error, a full disk): what this
        # transaction made is forgotten either way.
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        finally:
            self._on_rollback()
