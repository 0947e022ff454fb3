"""Writing to an index: batches go to the catalog first and then to the engine.

The recovery rule (see `catalog`): each batch is committed to the catalog with the keys it
changes listed as pending, then applied to the engine and committed there, then the pending list
is cleared. A writer that starts with pending keys, or with an engine whose count differs from
the catalog's, brings the engine back to what the catalog holds before doing anything else.
Upserts are idempotent by key, so applying a batch twice changes nothing.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from . import captures
from .catalog import Catalog, SourceState
from .documents import analysed_texts, document_id, engine_document, record_document_id
from .duplicates import DuplicateFinder, sketch
from .engines import ENGINE_NAMES, create_engine, discard_engine_folder, split_spec
from .engines.base import AllNode, Engine, EngineDocument
from .indexfolder import FOLDER_SETTING, IndexFolder
from .models import Article

log = logging.getLogger(__name__)

SKETCH_CANDIDATES = 10  # stored bodies compared with a new one's sketch, most values shared first
REPAIR_CHUNK = 1000
_ENGINE_FOLDER = re.compile(rf"^({'|'.join(ENGINE_NAMES)})-\d+$")


@dataclass
class NewArticle:
    """An extracted article with its analysed text, ready to be stored."""

    state: SourceState
    article: Article
    texts: dict[str, str]
    sketch: tuple[int, ...]


class Batch:
    """Changes gathered between two commits."""

    def __init__(self) -> None:
        self.articles: list[NewArticle] = []
        self.failures: list[SourceState] = []
        self.touched: list[SourceState] = []  # unchanged content, new size or time
        self.removed: list[str] = []  # files gone (a WARC file with all its records)
        self.removed_records: list[tuple[str, int]] = []  # records gone from a changed WARC file
        self.files: dict[str, SourceState] = {}  # WARC files, with how far they are read

    def __len__(self) -> int:
        return len(self.articles) + len(self.removed) + len(self.removed_records)

    def __bool__(self) -> bool:
        return bool(
            self.articles
            or self.failures
            or self.touched
            or self.removed
            or self.removed_records
            or self.files
        )


_UNKNOWN = object()


def _article_id(state: SourceState) -> str:
    """An article's stable id: from the record id for a WARC record, else from the path."""
    if state.is_record and state.record_id:
        return record_document_id(state.record_id)
    return document_id(state.path)


@dataclass
class _Changes:
    """What one batch changes in the engine, gathered while the catalog is written."""

    documents: dict[int, EngineDocument] = field(default_factory=dict)
    deleted: list[int] = field(default_factory=list)
    stories: set[int] = field(default_factory=set)  # stories whose members change
    held: dict[int, int | None] = field(default_factory=dict)  # engine's copy group per key


class IndexWriter:
    """Commits batches to the catalog and the engine of one index folder, under its lock."""

    def __init__(self, folder: IndexFolder, engine: Engine) -> None:
        self.folder = folder
        self.catalog: Catalog = folder.catalog
        self.engine = engine
        self.duplicates = DuplicateFinder(
            lambda sketch: self.catalog.sketch_candidates(sketch, SKETCH_CANDIDATES)
        )

    # ---- recovery ----

    def recover(self) -> None:
        """Apply what a killed run left pending, and make the engine hold the catalog's keys."""
        remove_unused_engine_folders(self.folder)
        pending = self.catalog.pending()
        if pending:
            log.info("applying %d changes a stopped run left pending", len(pending))
            self._apply(
                [key for key, op in pending if op == "upsert"],
                [key for key, op in pending if op == "delete"],
            )
        self.engine.refresh()
        if self.engine.count() != self.catalog.article_count():
            self.reconcile()

    def reconcile(self) -> None:
        """Make the engine hold exactly the catalog's articles (after a crash or a restore)."""
        in_engine = set(self.engine.scan(AllNode()))
        in_catalog = set(self.catalog.keys())
        log.info(
            "engine and catalog differ: %d keys to add, %d to remove",
            len(in_catalog - in_engine),
            len(in_engine - in_catalog),
        )
        self._apply(sorted(in_catalog - in_engine), sorted(in_engine - in_catalog))

    def _apply(self, upserts: list[int], deletes: list[int]) -> None:
        for start in range(0, len(upserts), REPAIR_CHUNK):
            self.engine.upsert(self.stored_documents(upserts[start : start + REPAIR_CHUNK]))
            self.engine.commit()  # one chunk at a time: an engine may hold a batch in memory
        self.engine.delete(deletes)
        self.engine.commit()
        with self.catalog.transaction():
            self.catalog.clear_pending()
            self.catalog.drop_retired(self.catalog.generation() + 1)
            self.catalog.bump_generation()

    def stored_documents(self, keys: Iterable[int]) -> list[EngineDocument]:
        """Engine documents made again from the document store."""
        stored = self.catalog.get(keys, retired=False)
        sizes = self.catalog.group_sizes({item.copy_group for item in stored.values()})
        return [
            engine_document(
                key,
                item.article,
                analysed_texts(item.article),
                self.catalog.label_ids,
                item.copy_group if sizes.get(item.copy_group, 1) > 1 else None,
            )
            for key, item in stored.items()
        ]

    # ---- batches ----

    def commit(self, batch: Batch) -> set[int]:
        """Commit a batch: catalog (with the keys pending), engine, then clear pending.

        A changed article is stored under a new key and its old version retired, so that the
        engine's previous commit and the catalog keep agreeing until the engine commits.
        Returns the positions in `batch.articles` of the pages that became captures or earlier
        versions of a URL already indexed, rather than articles of their own (see `captures`).
        """
        kept: set[int] = set()
        if not batch:
            return kept
        catalog = self.catalog
        changes = _Changes()
        with catalog.transaction():
            generation = catalog.generation()
            uncovered: set[str] = set()  # URLs whose current capture goes
            for state in batch.failures:
                key = catalog.key_for_source(state.path, state.offset)
                if key is not None:  # a changed file that fails no longer shows its old text
                    self._let_go(key, state.path, state.offset, changes, uncovered)
                catalog.record_source(state)
            for state in batch.touched:
                catalog.record_source(state)
            for position, item in enumerate(batch.articles):
                old = catalog.key_for_source(item.state.path, item.state.offset)
                if old is not None:
                    self._let_go(old, item.state.path, item.state.offset, changes, uncovered)
                source = self._record_capture(item, changes)
                if source is None:
                    kept.add(position)
                    continue
                key = catalog.next_key()
                group = self.duplicates.key_for(key, item.sketch)
                if group != key:  # joins an earlier story, whose members change
                    self._touch_story(group, changes)
                catalog.put_article(
                    key, _article_id(item.state), source, item.article, group, item.sketch
                )
                changes.documents[key] = engine_document(
                    key, item.article, item.texts, catalog.label_ids, None
                )
            for path in batch.removed:
                for key in catalog.keys_from_file(path):
                    self._let_go(key, path, None, changes, uncovered)
                catalog.forget_source(path)
            for path, offset in batch.removed_records:
                key = catalog.key_for_source(path, offset)
                if key is not None:
                    self._let_go(key, path, offset, changes, uncovered)
                catalog.forget_record(path, offset)
            for url in sorted(uncovered):
                self._restore_latest_version(url, changes)
            for state in batch.files.values():
                catalog.record_source(state)
            self._mark_copies(changes)
            catalog.add_pending(changes.documents, "upsert")
            catalog.add_pending(changes.deleted, "delete")
        self.engine.upsert(changes.documents.values())
        self.engine.delete(changes.deleted)
        self.engine.commit()
        with catalog.transaction():
            catalog.clear_pending()
            catalog.drop_retired(generation)  # this batch's stay for readers of the last commit
            catalog.bump_generation()
        return kept

    def _record_capture(self, item: NewArticle, changes: _Changes) -> int | None:
        """Record an article's source; its id, or None when the page is the same text as the
        indexed capture of its URL, or an earlier version of it, rather than an article."""
        catalog = self.catalog
        state = item.state
        if not (state.is_record and state.url):
            return catalog.record_source(state)
        if state.text_digest is None:
            state = replace(state, text_digest=captures.text_digest(item.article))
        current = captures.current_capture(catalog, state.url)
        source = catalog.record_source(state)
        if current is not None and current.digest == state.text_digest:
            captures.forget_version(catalog, source)
            return None
        if current is not None and captures.is_earlier(state, current):
            captures.keep_version(catalog, source, _article_id(state), state, item.article)
            return None
        captures.forget_version(catalog, source)
        if current is not None:
            captures.keep_article_as_version(catalog, current.key)
            self._retire(current.key, changes)
        return source

    def _let_go(
        self, key: int, path: str, offset: int | None, changes: _Changes, uncovered: set[str]
    ) -> None:
        """An article's source goes (or now holds something else): the article moves to
        another capture of its text, or is retired and its URL remembered, so that an earlier
        version can stand for the URL again."""
        capture = captures.capture_of(self.catalog, key)
        if capture is not None:
            if captures.move_to_another_capture(self.catalog, key, capture, path, offset):
                return
            uncovered.add(capture[0])
        self._retire(key, changes)

    def _restore_latest_version(self, url: str, changes: _Changes) -> None:
        """Make the latest kept version of a URL its article again, when no capture of the URL
        is an article any more."""
        catalog = self.catalog
        if captures.current_capture(catalog, url) is not None:
            return
        found = captures.take_latest_version(catalog, url)
        if found is None:
            return
        source, doc_id, article = found
        key = catalog.next_key()
        body_sketch = sketch(article.body)
        group = self.duplicates.key_for(key, body_sketch)
        if group != key:
            self._touch_story(group, changes)
        catalog.put_article(key, doc_id, source, article, group, body_sketch)
        changes.documents[key] = engine_document(
            key, article, analysed_texts(article), catalog.label_ids, None
        )

    def _retire(self, key: int, changes: _Changes) -> None:
        self._leave_story(key, changes)
        self.catalog.retire_article(key)
        changes.documents.pop(key, None)  # added earlier in this batch
        changes.deleted.append(key)

    def _touch_story(self, group: int, changes: _Changes) -> None:
        """Remember, before a batch first changes a story, which copy group the engine holds
        for each of its members."""
        if group in changes.stories:
            return
        changes.stories.add(group)
        members = self.catalog.group_members(group)
        held = group if len(members) > 1 else None
        for member in members:
            changes.held.setdefault(member, held)

    def _leave_story(self, key: int, changes: _Changes) -> None:
        """Take an article out of its story before it is retired. A story is known by its
        first article's key, so when that article leaves, the others go on as the story of
        the next one."""
        group = self.catalog.groups_of([key]).get(key)
        if group is None:
            return
        self._touch_story(group, changes)
        if group != key:
            return
        others = [member for member in self.catalog.group_members(group) if member != key]
        for member in others:
            self.catalog.set_copy_group(member, others[0])
        if others:
            changes.stories.add(others[0])

    def _mark_copies(self, changes: _Changes) -> None:
        """Give every member of the changed stories its copy group (none for a story of one),
        writing again only the members whose copy group in the engine changes."""
        documents = changes.documents
        for group in changes.stories:
            members = self.catalog.group_members(group)
            shown = group if len(members) > 1 else None
            stale = [
                key
                for key in members
                if key not in documents and changes.held.get(key, _UNKNOWN) != shown
            ]
            for document in self.stored_documents(stale) if stale else ():
                documents[document.key] = document
            for key in members:
                numbers = documents[key].numbers if key in documents else None
                if numbers is None:
                    continue
                if shown is None:
                    numbers.pop("copy_group", None)
                else:
                    numbers["copy_group"] = [shown]

    def rebuild_engine(self, spec: str, batch_size: int, progress=None) -> None:
        """Build a new engine index (of the engine `spec` names) from the document store beside
        the current one and switch to it when done; searches keep using the current one
        meanwhile. The current engine's own spec, when it has one, stands for its name."""
        name = split_spec(spec)[0]
        if spec == self.folder.engine_name and hasattr(self.engine, "location"):
            spec = self.engine.location()
        subfolder = self.folder.new_engine_folder(name)
        target = create_engine(spec, os.path.join(self.folder.path, subfolder))
        try:
            keys = list(self.catalog.keys())
            for start in range(0, len(keys), batch_size):
                target.upsert(self.stored_documents(keys[start : start + batch_size]))
                target.commit()
                if progress:
                    progress(min(start + batch_size, len(keys)), len(keys))
        finally:
            target.close()
        self.folder.switch_engine(name, subfolder)
        self.engine = self.folder.engine()


def remove_unused_engine_folders(folder: IndexFolder) -> None:
    """Delete engine subfolders that a stopped rebuild left behind (under the writer lock)."""
    current = folder.catalog.setting(FOLDER_SETTING)
    for name in os.listdir(folder.path):
        path = os.path.join(folder.path, name)
        if name != current and _ENGINE_FOLDER.match(name) and os.path.isdir(path):
            discard_engine_folder(path)
