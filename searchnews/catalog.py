"""The catalog and document store: one SQLite file that holds every extracted article, where
each came from, copy groups, the label dictionary and the index settings.

It is the one source of truth. Engines index what it holds and keep only keys and the integer
fields they filter, sort and count on; hits, snippets, article views and copies read the text
from here. SQLite runs in WAL mode with synchronous=FULL, so a committed transaction survives a
crash and readers never wait for the writer.

How the catalog and an engine stay equal (they commit separately): a batch is first committed
here with the keys it changes listed in `pending`; then the engine applies and commits them;
then `pending` is cleared. A writer that finds pending keys when it starts (a run killed between
the two commits) applies them again: upserts are idempotent by key. A writer also compares the
engine's count with the catalog's and, if they differ, makes the engine hold exactly the
catalog's keys (`reconcile` in the indexer).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from .errors import IndexNotFoundError, SearchnewsError
from .models import Article, Copy

CATALOG_FILE = "catalog.sqlite"
SCHEMA_VERSION = 1
_DATES = ("published", "modified")

_SCHEMA = """
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
    UNIQUE (path, offset)
);
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
"""


@dataclass(frozen=True)
class SourceState:
    """What the catalog remembers of a source, to tell whether it changed."""

    path: str
    content_hash: str | None
    size: int | None
    mtime_ns: int | None
    status: str
    reason: str | None = None


@dataclass
class StoredArticle:
    """An article as the catalog holds it, with its key, id, source and story."""

    key: int
    id: str
    path: str
    copy_group: int
    article: Article


def _pack(article: Article) -> bytes:
    return zlib.compress(json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8"), 3)


def _unpack(data: bytes) -> Article:
    record = json.loads(zlib.decompress(data))
    for name in _DATES:
        value = record.get(name)
        record[name] = datetime.fromisoformat(value) if value else None
    known = Article.__dataclass_fields__
    return Article(**{name: value for name, value in record.items() if name in known})


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def catalog_exists(folder: str) -> bool:
    """Whether `folder` holds a catalog."""
    return os.path.isfile(os.path.join(folder, CATALOG_FILE))


class Catalog:
    """The SQLite catalog of one index folder. Each thread gets its own connection."""

    def __init__(self, folder: str, *, create: bool = False) -> None:
        self.folder = folder
        self.path = os.path.join(folder, CATALOG_FILE)
        self.fetched = 0  # articles read with their text: a search should read at most a page
        if not os.path.isfile(self.path):
            if not create:
                raise IndexNotFoundError(
                    f"No index in {folder!r}: build one with "
                    f"`searchnews index CORPUS --index {folder}`."
                )
            os.makedirs(folder, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._labels: dict[tuple[str, str], int] = {}
        self._prepare()

    # ---- connections and schema ----

    @property
    def db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                         check_same_thread=False)  # fmt: skip
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def _prepare(self) -> None:
        db = self.db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            with self.transaction():
                if db.execute("PRAGMA user_version").fetchone()[0] == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif version != SCHEMA_VERSION:
            raise SearchnewsError(
                f"The catalog in {self.folder!r} has schema version {version}, which this "
                f"searchnews does not read (it reads {SCHEMA_VERSION}): rebuild the index with "
                "`searchnews index CORPUS --rebuild --reextract`."
            )

    def transaction(self):
        """A write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on error."""
        return _Transaction(self.db, self.forget_labels)

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    # ---- settings ----

    def setting(self, name: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return row[0] if row else default

    def set_setting(self, name: str, value: str) -> None:
        """Set a setting (inside the caller's transaction, or on its own)."""
        self.db.execute(
            "INSERT INTO settings (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def generation(self) -> int:
        """How many batches have been committed to this index: changes with every commit."""
        return int(self.setting("generation", "0"))

    def bump_generation(self) -> None:
        self.set_setting("generation", str(self.generation() + 1))

    # ---- sources ----

    def sources(self) -> dict[str, SourceState]:
        """Every whole-file source by path."""
        rows = self.db.execute(
            "SELECT path, content_hash, size, mtime_ns, status, reason FROM sources "
            "WHERE offset = -1"
        )
        return {row[0]: SourceState(*row) for row in rows}

    def record_source(self, state: SourceState) -> int:
        """Insert or update a source row; its id."""
        row = self.db.execute(
            "INSERT INTO sources (path, size, mtime_ns, content_hash, status, reason) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (path, offset) DO UPDATE SET "
            "size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "content_hash = excluded.content_hash, status = excluded.status, "
            "reason = excluded.reason RETURNING id",
            (state.path, state.size, state.mtime_ns, state.content_hash, state.status,
             state.reason),
        ).fetchone()  # fmt: skip
        return int(row[0])

    def forget_source(self, path: str) -> None:
        self.db.execute("DELETE FROM sources WHERE path = ? AND offset = -1", (path,))

    def failures(self) -> list[SourceState]:
        rows = self.db.execute(
            "SELECT path, content_hash, size, mtime_ns, status, reason FROM sources "
            "WHERE status = 'failed' ORDER BY path"
        )
        return [SourceState(*row) for row in rows]

    # ---- articles ----

    def key_for_source(self, path: str) -> int | None:
        row = self.db.execute(
            "SELECT a.key FROM articles a JOIN sources s ON s.id = a.source "
            "WHERE s.path = ? AND s.offset = -1",
            (path,),
        ).fetchone()
        return int(row[0]) if row else None

    def next_key(self) -> int:
        """A key no article has had: keys are never used again, so an engine can never take
        a new article for a removed one (inside the caller's transaction)."""
        key = int(self.setting("last_key", "0")) + 1
        self.set_setting("last_key", str(key))
        return key

    def put_article(
        self,
        key: int,
        doc_id: str,
        source: int,
        article: Article,
        copy_group: int,
        sketch: tuple[int, ...],
    ) -> None:
        """Store an article under `key`, replacing what the key held."""
        self.db.execute("DELETE FROM sketch_values WHERE key = ?", (key,))
        self.db.execute(
            "INSERT OR REPLACE INTO articles (key, id, source, headline, url, site_name, "
            "published, copy_group, sketch, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                doc_id,
                source,
                article.headline,
                article.url,
                article.site_name,
                article.published.isoformat() if article.published else None,
                copy_group,
                json.dumps(list(sketch)),
                _pack(article),
            ),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO sketch_values (value, key) VALUES (?, ?)",
            [(value, key) for value in sketch],
        )

    def clear_sketch(self, key: int) -> None:
        self.db.execute("DELETE FROM sketch_values WHERE key = ?", (key,))

    def remove_article(self, key: int) -> None:
        self.db.execute("DELETE FROM sketch_values WHERE key = ?", (key,))
        self.db.execute("DELETE FROM articles WHERE key = ?", (key,))

    def set_copy_group(self, key: int, group: int) -> None:
        self.db.execute("UPDATE articles SET copy_group = ? WHERE key = ?", (group, key))

    def article_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def keys(self) -> Iterator[int]:
        """Every article key, in order."""
        for (key,) in self.db.execute("SELECT key FROM articles ORDER BY key"):
            yield int(key)

    def key_of(self, doc_id: str) -> int | None:
        row = self.db.execute("SELECT key FROM articles WHERE id = ?", (doc_id,)).fetchone()
        return int(row[0]) if row else None

    def _rows_in(self, query: str, values: Iterable[int]) -> Iterator[tuple]:
        """The rows of `query`, whose `{marks}` is filled with the values, in chunks (SQLite
        limits how many parameters one statement takes)."""
        wanted = list(dict.fromkeys(values))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            yield from self.db.execute(query.format(marks=",".join("?" * len(chunk))), chunk)

    def get(self, keys: Iterable[int]) -> dict[int, StoredArticle]:
        """The articles with these keys (missing keys are left out), text included."""
        rows = self._rows_in(
            "SELECT a.key, a.id, s.path, a.copy_group, a.data FROM articles a "
            "JOIN sources s ON s.id = a.source WHERE a.key IN ({marks})",
            keys,
        )
        found = {
            key: StoredArticle(key, doc_id, path, group, _unpack(data))
            for key, doc_id, path, group, data in rows
        }
        self.fetched += len(found)
        return found

    def groups_of(self, keys: Iterable[int]) -> dict[int, int]:
        """The copy group of each key (without reading the texts)."""
        rows = self._rows_in("SELECT key, copy_group FROM articles WHERE key IN ({marks})", keys)
        return {int(key): int(group) for key, group in rows}

    def group_members(self, group: int) -> list[int]:
        rows = self.db.execute(
            "SELECT key FROM articles WHERE copy_group = ? ORDER BY key", (group,)
        )
        return [int(key) for (key,) in rows]

    def copies(self, group: int, limit: int) -> list[tuple[int, Copy]]:
        """(key, copy) of the articles of a story, first indexed first (without their texts)."""
        rows = self.db.execute(
            "SELECT a.key, a.id, s.path, a.url, a.headline, a.published, a.site_name "
            "FROM articles a JOIN sources s ON s.id = a.source WHERE a.copy_group = ? "
            "ORDER BY a.key LIMIT ?",
            (group, limit),
        )
        return [
            (key, Copy(doc_id, path, url, headline, _date(published), site))
            for key, doc_id, path, url, headline, published, site in rows
        ]

    def source_of(self, doc_id: str) -> str | None:
        row = self.db.execute(
            "SELECT s.path FROM articles a JOIN sources s ON s.id = a.source WHERE a.id = ?",
            (doc_id,),
        ).fetchone()
        return row[0] if row else None

    def sketch_candidates(self, sketch: tuple[int, ...], limit: int) -> list[tuple[int, tuple]]:
        """(copy group, sketch) of the stored articles sharing the most values with `sketch`."""
        if not sketch:
            return []
        marks = ",".join("?" * len(sketch))
        rows = self.db.execute(
            "SELECT a.copy_group, a.sketch FROM (SELECT key, count(*) AS shared "
            f"FROM sketch_values WHERE value IN ({marks}) GROUP BY key "
            "ORDER BY shared DESC, key LIMIT ?) c JOIN articles a ON a.key = c.key",
            (*sketch, limit),
        )
        return [(int(group), tuple(json.loads(values))) for group, values in rows]

    # ---- labels ----

    def label_ids(self, kind: str, names: Iterable[str]) -> list[int]:
        """Ids of labels (site names, sections, entity names), made when new.

        Labels are never changed or removed, so ids are remembered once read; an id made in a
        transaction that is then rolled back is forgotten with `forget_labels`.
        """
        ids = []
        for name in names:
            known = self._labels.get((kind, name))
            if known is None:
                row = self.db.execute(
                    "INSERT INTO labels (kind, name) VALUES (?, ?) ON CONFLICT (kind, name) "
                    "DO UPDATE SET name = name RETURNING id",
                    (kind, name),
                ).fetchone()
                known = self._labels[(kind, name)] = int(row[0])
            ids.append(known)
        return ids

    def forget_labels(self) -> None:
        self._labels.clear()

    def label_names(self, ids: Iterable[int]) -> dict[int, str]:
        rows = self._rows_in("SELECT id, name FROM labels WHERE id IN ({marks})", ids)
        return {int(label): name for label, name in rows}

    # ---- engine changes not yet committed by the engine ----

    def add_pending(self, keys: Iterable[int], op: str) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO pending (key, op) VALUES (?, ?)", [(k, op) for k in keys]
        )

    def pending(self) -> list[tuple[int, str]]:
        return [(int(k), op) for k, op in self.db.execute("SELECT key, op FROM pending")]

    def clear_pending(self) -> None:
        self.db.execute("DELETE FROM pending")


class _Transaction:
    def __init__(self, db: sqlite3.Connection, on_rollback) -> None:
        self._db = db
        self._on_rollback = on_rollback

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, kind, _value, _traceback) -> None:
        if kind is None:
            self._db.execute("COMMIT")
        else:
            self._db.execute("ROLLBACK")
            self._on_rollback()
