"""Walking a corpus, extracting pages in parallel and bringing an index up to date."""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from .catalog import SourceState
from .documents import analysed_texts
from .duplicates import sketch
from .entities import names_by_kind, recognizer_for
from .extract import extract_article
from .extract.decode import binary_kind
from .indexfolder import IndexFolder, is_old_index, remove_old_index
from .locking import WriterLock
from .models import Article, Failure, IndexReport
from .writing import Batch, IndexWriter, NewArticle

log = logging.getLogger(__name__)

PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".txt")
COMMIT_EVERY = 1000  # articles per commit, so a long run that stops keeps most of its work
CHUNK = 16  # pages per task sent to a worker
IN_FLIGHT = 4  # chunks per worker submitted ahead of the writer
MAX_PAGE_BYTES = 16 * 1024 * 1024  # no news article is larger; bigger files are not pages

Progress = Callable[[int, int], None]


@dataclass
class _Task:
    path: str
    known_hash: str | None
    aliases: str | None = None


@dataclass
class _Outcome:
    path: str
    state: SourceState | None = None
    article: Article | None = None
    texts: dict[str, str] | None = None
    sketch: tuple[int, ...] = ()
    unchanged: bool = False
    error: str | None = None


def is_page_file(name: str) -> bool:
    """Whether a file name has one of the extensions searchnews indexes."""
    return name.lower().endswith(PAGE_SUFFIXES)


def find_page_files(roots: Iterable[str]) -> tuple[list[str], list[Failure]]:
    """Every page file under the given folders (recursively) or named directly, sorted.

    Symbolic links to folders are not followed, so a link loop cannot trap the walk.
    """
    found: set[str] = set()
    failures: list[Failure] = []
    for root in roots:
        absolute = os.path.abspath(root)
        if os.path.isfile(absolute):
            if is_page_file(absolute):
                found.add(absolute)
            else:
                failures.append(
                    Failure(
                        absolute, "not a page file: searchnews reads " + ", ".join(PAGE_SUFFIXES)
                    )
                )
        elif os.path.isdir(absolute):
            for folder, subfolders, names in os.walk(absolute, onerror=None):
                subfolders.sort()
                found.update(os.path.join(folder, n) for n in names if is_page_file(n))
        else:
            failures.append(Failure(absolute, "no such file or folder"))
    return sorted(found), failures


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB"


def unpack_page(raw: bytes, path: str) -> bytes:
    """A page file's bytes, gunzipped for .gz files, refusing pages over MAX_PAGE_BYTES.

    Raises OSError with a readable reason (corrupt gzip, too large).
    """
    if len(raw) > MAX_PAGE_BYTES:
        raise OSError(
            f"page too large ({_size(len(raw))}; searchnews reads pages up to "
            f"{_size(MAX_PAGE_BYTES)})"
        )
    if not path.lower().endswith(".gz"):
        return raw
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, MAX_PAGE_BYTES + 1)
    except zlib.error as error:
        raise OSError(f"corrupt gzip file ({error})") from error
    if len(data) > MAX_PAGE_BYTES:
        raise OSError(f"page too large once unzipped (over {_size(MAX_PAGE_BYTES)})")
    if not inflater.eof:
        raise OSError("corrupt gzip file (it ends before the compressed data does)")
    return data


def read_page_bytes(path: str) -> bytes:
    """A page file's bytes, un-gzipped for .gz files. Raises OSError with a readable reason."""
    with open(path, "rb") as handle:
        return unpack_page(handle.read(MAX_PAGE_BYTES + 1), path)


def _process(task: _Task) -> _Outcome:
    """Read, hash and (if changed) extract one file; runs in a worker process."""
    try:
        stat = os.stat(task.path)
        if stat.st_size > MAX_PAGE_BYTES:
            return _Outcome(
                task.path,
                error=f"page too large ({_size(stat.st_size)}; "
                f"searchnews reads pages up to {_size(MAX_PAGE_BYTES)})",
            )
        with open(task.path, "rb") as handle:
            raw = handle.read(MAX_PAGE_BYTES + 1)
    except OSError as error:
        return _Outcome(task.path, error=f"cannot read the file ({error.strerror or error})")
    content_hash = hashlib.sha1(raw).hexdigest()
    state = SourceState(task.path, content_hash, stat.st_size, stat.st_mtime_ns, "indexed")
    if content_hash == task.known_hash:
        return _Outcome(task.path, state, unchanged=True)
    if not raw:
        return _Outcome(task.path, error="empty file")
    try:
        data = unpack_page(raw, task.path)
        kind = binary_kind(data)
        if kind is not None:
            return _Outcome(task.path, error=f"not a page: the file holds {kind}")
        # The file's time is when the page was saved: no page can be published after that.
        article = extract_article(data, now=datetime.fromtimestamp(stat.st_mtime))
        if not article.headline and not article.body:
            return _Outcome(task.path, error="no article text found")
        add_entities(article, recognizer_for(task.aliases))
        return _Outcome(task.path, state, article, analysed_texts(article), sketch(article.body))
    except OSError as error:
        return _Outcome(task.path, error=str(error))
    except Exception as error:  # a page must never stop the run: report it and go on
        log.debug("extraction failed for %s", task.path, exc_info=True)
        return _Outcome(task.path, error=f"extraction failed ({type(error).__name__}: {error})")


def add_entities(article: Article, recognizer) -> None:
    """Fill an article's people, organisations and places from its headline and body."""
    names = names_by_kind(recognizer(f"{article.headline}\n\n{article.body}"))
    article.people, article.orgs, article.places = names["person"], names["org"], names["place"]


def _process_chunk(tasks: list[_Task]) -> list[_Outcome]:
    return [_process(task) for task in tasks]


class _Workers:
    """Runs functions in worker processes, or with one job in this process."""

    def __init__(self, jobs: int) -> None:
        self._pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None

    def submit(self, function: Callable, *args) -> Future:
        if self._pool is not None:
            return self._pool.submit(function, *args)
        future: Future = Future()
        try:
            future.set_result(function(*args))
        except Exception as error:
            future.set_exception(error)
        return future

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def _outcomes(tasks: list[_Task], workers: _Workers, jobs: int) -> Iterator[_Outcome]:
    """Outcomes in task order. At most IN_FLIGHT chunks per worker are submitted ahead: extraction
    is faster than writing, and results submitted all at once would pile up in memory.

    Pages go to the workers in chunks: with one submission per page, the pool's wake-up pipe
    filled up and blocked the writer in submit() for a good part of the run.
    """
    chunks = (tasks[start : start + CHUNK] for start in range(0, len(tasks), CHUNK))
    pending: deque = deque()
    for chunk in itertools.islice(chunks, jobs * IN_FLIGHT):
        pending.append(workers.submit(_process_chunk, chunk))
    while pending:
        done = pending.popleft().result()
        for chunk in itertools.islice(chunks, 1):
            pending.append(workers.submit(_process_chunk, chunk))
        yield from done


def update_index(
    path: str,
    roots: Iterable[str],
    *,
    jobs: int | None = None,
    prune: bool = False,
    progress: Progress | None = None,
    aliases: str | None = None,
    wait: float = 0.0,
    commit_every: int = COMMIT_EVERY,
    rebuild: bool = False,
    reextract: bool = False,
    engine: str | None = None,
) -> IndexReport:
    """Bring the index in folder `path` up to date with the page files under `roots`.

    New files are added, changed ones (by content hash) replaced, unchanged ones skipped; with
    `prune`, articles whose files are gone from under the roots are removed. A file that cannot
    be read or extracted is reported and the run goes on. `aliases` names a user's alias file
    that extends the shipped one. Another writer's lock is waited for up to `wait` seconds (the
    lock is taken before the file list is read); changes are committed every `commit_every`
    articles and at the end. `rebuild` builds a new engine index (of `engine`, default the
    current one) from the document store and switches to it when done; `reextract` reads every
    file again.
    """
    roots = list(roots)
    with WriterLock(path, wait=wait):
        if reextract and is_old_index(path):
            remove_old_index(path)
        folder = IndexFolder(path, create=True, rebuilding=rebuild)
        try:
            if rebuild and folder.has_engine():
                writer = IndexWriter(folder, folder.engine())
                writer.recover()
                writer.rebuild_engine(engine or folder.engine_name, commit_every)
                engine = None  # the index is in that engine now
            writer = IndexWriter(folder, folder.ensure_engine(engine))
            writer.recover()
            return _update(writer, roots, jobs, prune, progress, aliases, commit_every, reextract)
        finally:
            folder.close()


def _update(
    writer: IndexWriter,
    roots: list[str],
    jobs: int | None,
    prune: bool,
    progress: Progress | None,
    aliases: str | None,
    commit_every: int,
    reextract: bool,
) -> IndexReport:
    paths, failures = find_page_files(roots)
    report = IndexReport(failures=failures)
    known = writer.catalog.sources()
    tasks = []
    for path in paths:
        state = known.get(path)
        if state is not None and not reextract and _stat_matches(path, state):
            report.unchanged += 1
            continue
        known_hash = state.content_hash if state and not reextract else None
        tasks.append(_Task(path, known_hash, aliases))
    if progress:
        progress(0, len(tasks))
    jobs = jobs or os.cpu_count() or 1
    batch = Batch()
    with _Workers(jobs) as workers:
        for done, outcome in enumerate(_outcomes(tasks, workers, jobs), start=1):
            if outcome.error:
                report.failures.append(Failure(outcome.path, outcome.error))
                batch.failures.append(
                    SourceState(outcome.path, None, None, None, "failed", outcome.error)
                )
            elif outcome.unchanged:
                report.unchanged += 1
                batch.touched.append(outcome.state)
            else:
                batch.articles.append(
                    NewArticle(outcome.state, outcome.article, outcome.texts, outcome.sketch)
                )
                previous = known.get(outcome.path)
                if previous is not None and previous.status == "indexed":
                    report.updated += 1
                else:
                    report.added += 1
            if len(batch) >= commit_every:
                writer.commit(batch)
                batch = Batch()
            if progress:
                progress(done, len(tasks))
    if prune:
        batch.removed.extend(_pruned(known, paths, roots))
        report.removed = len(batch.removed)
    writer.commit(batch)
    return report


def _stat_matches(path: str, state: SourceState) -> bool:
    if state.status != "indexed":  # failed files are tried again
        return False
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return stat.st_size == state.size and stat.st_mtime_ns == state.mtime_ns


def _pruned(known: dict[str, SourceState], present: list[str], roots: list[str]) -> list[str]:
    """Indexed files under the roots that are no longer there."""
    present_set = set(present)
    prefixes = tuple(os.path.join(os.path.abspath(root), "") for root in roots)
    absolute_roots = {os.path.abspath(root) for root in roots}
    return sorted(
        path
        for path in known
        if path not in present_set and (path.startswith(prefixes) or path in absolute_roots)
    )
