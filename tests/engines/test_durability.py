"""What a commit has synced to disk when it returns, on every engine, and the catalog's own
durability settings."""

from __future__ import annotations

import os
import sqlite3

from pagemaker import write_page

from searchnews import NewsIndex
from searchnews.engines import engine_class

from .documents import doc
from .sphinxql_support import SERVER_DURABILITY, sphinxql_cannot


def _recording_fsync(monkeypatch) -> list[str]:
    synced: list[str] = []
    real = os.fsync

    def fsync(descriptor: int) -> None:
        real(descriptor)
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_a_commit_returns_after_the_engine_folder_is_synced(
    request, tmp_path, monkeypatch, engine_name
):
    sphinxql_cannot(request, engine_name, SERVER_DURABILITY)
    folder = str(tmp_path / "engine")
    engine = engine_class(engine_name).create(folder)
    try:
        engine.upsert([doc(1, "the harbour reopened"), doc(2, "the ferry sailed")])
        synced = _recording_fsync(monkeypatch)
        engine.commit()
        assert os.path.realpath(folder) in synced  # the new files' names are durable
        engine.refresh()
        assert engine.count() == 2
    finally:
        engine.close()


def test_the_catalog_syncs_every_transaction(tmp_path, engine_name):
    write_page(tmp_path / "p", "a.html", "Harbour reopens", ["The harbour reopened. " * 20])
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(tmp_path / "p")], jobs=1, engine=engine_name)
        catalog = news._open().catalog
        assert catalog.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert catalog.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    plain = sqlite3.connect(tmp_path / "ix" / "catalog.sqlite")
    try:
        assert plain.execute("PRAGMA user_version").fetchone()[0] >= 1
        assert plain.execute("SELECT value FROM settings WHERE name = 'engine'").fetchone() == (
            engine_name,
        )
    finally:
        plain.close()
