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

What a reader sees: an engine commit and the catalog rows its keys name always agree, even
between the two commits. An article is never changed under its key: a new version gets a new
key, and the old version moves to `retired`, where readers of the engine's previous commit still
find its text. Retired versions are dropped one batch later (or when the engine has caught up
after a stopped run), once no fresh reader can hold them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager

from .catalog_records import (
    SOURCE_COLUMNS,
    SourceState,
    StoredArticle,
    date_or_none,
    joined_sources,
    pack_article,
    unpack_article,
)
from .catalog_schema import Connection, Transaction, upgrade
from .errors import IndexNotFoundError
from .models import Article, Copy

CATALOG_FILE = "catalog.sqlite"


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
                raise IndexNotFoundError.in_folder(folder)
            os.makedirs(folder, exist_ok=True)
        self._local = threading.local()
        self._connections: weakref.WeakSet[Connection] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._labels: dict[tuple[str, str], int] = {}
        self._label_names: dict[int, str] = {}
        self._prepare()

    # ---- connections and schema ----

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection. It is closed when the thread ends (a threaded server
        makes a thread per request) or when the catalog is closed."""
        holder = getattr(self._local, "holder", None)
        if holder is None:
            holder = self._local.holder = Connection(self.path)
            with self._lock:
                self._connections.add(holder)
        return holder.connection

    def _prepare(self) -> None:
        upgrade(self.db, self.folder)

    def transaction(self):
        """A write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on error."""
        return Transaction(self.db, self.forget_labels)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see one committed state of the catalog (a read transaction); inside a
        transaction of this thread, that transaction's state."""
        db = self.db
        if db.in_transaction:
            yield
            return
        db.execute("BEGIN")
        try:
            yield
        finally:
            db.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection (when no thread uses the catalog any more)."""
        with self._lock:
            for holder in list(self._connections):
                holder.connection.close()
            self._connections = weakref.WeakSet()
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
        """Every whole file (page files and WARC files) by path."""
        rows = self.db.execute(f"SELECT {SOURCE_COLUMNS} FROM sources WHERE offset = -1")
        return {row[0]: SourceState(*row) for row in rows}

    def record_hashes(self, path: str) -> dict[int, str]:
        """The content hash of each indexed record of a WARC file, by offset."""
        rows = self.db.execute(
            "SELECT offset, content_hash FROM sources WHERE path = ? AND offset >= 0 "
            "AND status = 'indexed'",
            (path,),
        )
        return {int(offset): content_hash for offset, content_hash in rows}

    def record_offsets(self, path: str) -> list[int]:
        """The offsets of every record of a WARC file the catalog knows."""
        rows = self.db.execute(
            "SELECT offset FROM sources WHERE path = ? AND offset >= 0 ORDER BY offset", (path,)
        )
        return [int(offset) for (offset,) in rows]

    def forget_record(self, path: str, offset: int) -> None:
        """Forget a record that is no longer in its WARC file."""
        self.db.execute("DELETE FROM sources WHERE path = ? AND offset = ?", (path, offset))

    def record_source(self, state: SourceState) -> int:
        """Insert or update a source row; its id."""
        row = self.db.execute(
            f"INSERT INTO sources ({SOURCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (path, offset) DO UPDATE SET "
            "size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "content_hash = excluded.content_hash, status = excluded.status, "
            "reason = excluded.reason, record_id = excluded.record_id, "
            "captured = excluded.captured, read_to = excluded.read_to, url = excluded.url, "
            "text_digest = coalesce(excluded.text_digest, text_digest) RETURNING id",
            (state.path, state.content_hash, state.size, state.mtime_ns, state.status,
             state.reason, state.offset, state.record_id, state.captured, state.read_to,
             state.url, state.text_digest),
        ).fetchone()  # fmt: skip
        return int(row[0])

    def forget_source(self, path: str) -> None:
        """Forget a file that is no longer indexed (and, for a WARC file, its records)."""
        self.db.execute("DELETE FROM sources WHERE path = ?", (path,))

    def failures(self) -> list[SourceState]:
        """The sources that could not be indexed, with the reason, by path."""
        rows = self.db.execute(
            f"SELECT {SOURCE_COLUMNS} FROM sources WHERE status = 'failed' ORDER BY path, offset"
        )
        return [SourceState(*row) for row in rows]

    # ---- articles ----

    def key_for_source(self, path: str, offset: int = -1) -> int | None:
        """The key of the article read from this file (or this record of a WARC file)."""
        row = self.db.execute(
            "SELECT a.key FROM articles a JOIN sources s ON s.id = a.source "
            "WHERE s.path = ? AND s.offset = ?",
            (path, offset),
        ).fetchone()
        return int(row[0]) if row else None

    def keys_from_file(self, path: str) -> list[int]:
        """The keys of every article read from a file, records of a WARC file included."""
        rows = self.db.execute(
            "SELECT a.key FROM articles a JOIN sources s ON s.id = a.source WHERE s.path = ?",
            (path,),
        )
        return [int(key) for (key,) in rows]

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
                pack_article(article),
            ),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO sketch_values (value, key) VALUES (?, ?)",
            [(value, key) for value in sketch],
        )

    def clear_sketch(self, key: int) -> None:
        """Forget an article's sketch, so that no later body is taken for its copy."""
        self.db.execute("DELETE FROM sketch_values WHERE key = ?", (key,))

    def retire_article(self, key: int) -> None:
        """Take an article out of the catalog, keeping its text in `retired` for readers of
        the engine commit that still holds the key."""
        row = self.db.execute(
            f"SELECT {joined_sources()} FROM articles a JOIN sources s ON s.id = a.source "
            "WHERE a.key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return
        state = SourceState(*row)
        self.db.execute(
            "INSERT OR REPLACE INTO retired (key, id, path, copy_group, generation, data, source) "
            "SELECT key, id, ?, copy_group, ?, data, ? FROM articles WHERE key = ?",
            (state.path, self.generation(), json.dumps(state.provenance()), key),
        )
        self.db.execute("DELETE FROM sketch_values WHERE key = ?", (key,))
        self.db.execute("DELETE FROM articles WHERE key = ?", (key,))

    def drop_retired(self, before: int) -> None:
        """Drop the versions retired before generation `before`."""
        self.db.execute("DELETE FROM retired WHERE generation < ?", (before,))

    def set_copy_group(self, key: int, group: int) -> None:
        """Put an article in the story known by `group`."""
        self.db.execute("UPDATE articles SET copy_group = ? WHERE key = ?", (group, key))

    def article_count(self) -> int:
        """How many articles the index holds."""
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def keys(self) -> Iterator[int]:
        """Every article key, in order."""
        for (key,) in self.db.execute("SELECT key FROM articles ORDER BY key"):
            yield int(key)

    def key_of(self, doc_id: str) -> int | None:
        """The key of the article with this id, if it is indexed."""
        row = self.db.execute("SELECT key FROM articles WHERE id = ?", (doc_id,)).fetchone()
        return int(row[0]) if row else None

    def _rows_in(self, query: str, values: Iterable[int]) -> Iterator[tuple]:
        """The rows of `query`, whose `{marks}` is filled with the values, in chunks (SQLite
        limits how many parameters one statement takes)."""
        wanted = list(dict.fromkeys(values))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            yield from self.db.execute(query.format(marks=",".join("?" * len(chunk))), chunk)

    def get(self, keys: Iterable[int], *, retired: bool = True) -> dict[int, StoredArticle]:
        """The articles with these keys (missing keys are left out), text included. Versions
        replaced or removed since an engine commit that a reader may still hold are found
        too, unless `retired` is false (a writer reads only what the index holds now)."""
        keys = list(keys)
        found = {}
        for key, doc_id, group, data, *source in self._rows_in(
            f"SELECT a.key, a.id, a.copy_group, a.data, {joined_sources()} FROM articles a "
            "JOIN sources s ON s.id = a.source WHERE a.key IN ({marks})",
            keys,
        ):
            state = SourceState(*source)
            found[key] = StoredArticle(
                key, doc_id, state.path, group, unpack_article(data), state.provenance()
            )
        missing = [key for key in keys if key not in found]
        if retired and missing:
            for key, doc_id, path, group, data, source in self._rows_in(
                "SELECT key, id, path, copy_group, data, source FROM retired "
                "WHERE key IN ({marks})",
                missing,
            ):
                found[key] = StoredArticle(
                    key, doc_id, path, group, unpack_article(data), json.loads(source)
                )
        self.fetched += len(found)
        return found

    def groups_of(self, keys: Iterable[int]) -> dict[int, int]:
        """The copy group of each key (without reading the texts)."""
        rows = self._rows_in("SELECT key, copy_group FROM articles WHERE key IN ({marks})", keys)
        return {int(key): int(group) for key, group in rows}

    def group_members(self, group: int) -> list[int]:
        """The keys of a story's articles, first indexed first."""
        rows = self.db.execute(
            "SELECT key FROM articles WHERE copy_group = ? ORDER BY key", (group,)
        )
        return [int(key) for (key,) in rows]

    def group_sizes(self, groups: Iterable[int]) -> dict[int, int]:
        """How many articles each of these stories holds."""
        rows = self._rows_in(
            "SELECT copy_group, count(*) FROM articles WHERE copy_group IN ({marks}) "
            "GROUP BY copy_group",
            groups,
        )
        return {int(group): int(size) for group, size in rows}

    def copies_of(self, groups: Iterable[int], limit: int) -> dict[int, list[tuple[int, Copy]]]:
        """(key, copy) of the first `limit` articles of each of these stories, first indexed
        first (without their texts); a story with no article left is left out."""
        # The first keys of each story are numbered from the group's index alone; only they
        # are then read.
        rows = self._rows_in(
            "SELECT a.copy_group, a.key, a.id, s.path, a.url, a.headline, a.published, "
            "a.site_name FROM (SELECT key, row_number() OVER "
            "(PARTITION BY copy_group ORDER BY key) AS place FROM articles "
            "WHERE copy_group IN ({marks})) first JOIN articles a ON a.key = first.key "
            f"JOIN sources s ON s.id = a.source WHERE first.place <= {int(limit)} "
            "ORDER BY a.copy_group, a.key",
            groups,
        )
        found: dict[int, list[tuple[int, Copy]]] = {}
        for group, key, doc_id, path, url, headline, published, site in rows:
            copy = Copy(doc_id, path, url, headline, date_or_none(published), site)
            found.setdefault(group, []).append((key, copy))
        return found

    def source_of(self, doc_id: str) -> SourceState | None:
        """The source (a file, or a record of a WARC file) an indexed article was read from."""
        row = self.db.execute(
            f"SELECT {joined_sources()} FROM articles a JOIN sources s ON s.id = a.source "
            "WHERE a.id = ?",
            (doc_id,),
        ).fetchone()
        return SourceState(*row) if row else None

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
        """Forget the remembered label ids (after a rolled back transaction)."""
        self._labels.clear()
        self._label_names.clear()

    def label_names(self, ids: Collection[int]) -> dict[int, str]:
        """The names of these label ids (remembered once read: a committed id keeps its name)."""
        known = self._label_names
        found = {}
        for label in ids:  # read once each: a rollback in another thread may clear `known`
            name = known.get(label)
            if name is not None:
                found[label] = name
        wanted = [label for label in ids if label not in found]
        if wanted:
            rows = self._rows_in("SELECT id, name FROM labels WHERE id IN ({marks})", wanted)
            read = {int(label): name for label, name in rows}
            known.update(read)
            found.update(read)
        return found

    # ---- engine changes not yet committed by the engine ----

    def add_pending(self, keys: Iterable[int], op: str) -> None:
        """List keys whose change ("upsert" or "delete") the engine has not committed yet."""
        self.db.executemany(
            "INSERT OR REPLACE INTO pending (key, op) VALUES (?, ?)", [(k, op) for k in keys]
        )

    def pending(self) -> list[tuple[int, str]]:
        """(key, change) the engine may not have committed (a run stopped between commits)."""
        return [(int(k), op) for k, op in self.db.execute("SELECT key, op FROM pending")]

    def clear_pending(self) -> None:
        """The engine has committed every pending change."""
        self.db.execute("DELETE FROM pending")
