"""Walking a corpus, extracting pages in parallel and bringing an index up to date."""

from __future__ import annotations

import itertools
import logging
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace

from .catalog import Catalog, SourceState
from .indexfolder import IndexFolder, is_old_index, remove_old_index
from .locking import WriterLock
from .models import Failure, IndexReport
from .pagework import Outcome, PageTask, process_page
from .warc.tasks import RecordTask, is_warc_file, process_record, record_tasks
from .writing import Batch, IndexWriter, NewArticle

log = logging.getLogger(__name__)

PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".txt")
COMMIT_EVERY = 1000  # articles per commit, so a long run that stops keeps most of its work
CHUNK = 16  # pages per task sent to a worker
IN_FLIGHT = 4  # chunks per worker submitted ahead of the writer

Progress = Callable[[int, int], None]


def is_page_file(name: str) -> bool:
    """Whether a file name has one of the extensions of page files."""
    return name.lower().endswith(PAGE_SUFFIXES)


def is_source_file(name: str) -> bool:
    """Whether searchnews reads a file of this name: a page file or a WARC file."""
    return is_page_file(name) or is_warc_file(name)


def find_page_files(roots: Iterable[str]) -> tuple[list[str], list[Failure]]:
    """Every page file and WARC file under the given folders (recursively) or named directly,
    sorted.

    Symbolic links to folders are not followed, so a link loop cannot trap the walk.
    """
    found: set[str] = set()
    failures: list[Failure] = []
    for root in roots:
        absolute = os.path.abspath(root)
        if os.path.isfile(absolute):
            if is_source_file(absolute):
                found.add(absolute)
            else:
                readable = ", ".join((*PAGE_SUFFIXES, ".warc", ".warc.gz"))
                failures.append(Failure(absolute, f"not a page file: searchnews reads {readable}"))
        elif os.path.isdir(absolute):
            for folder, subfolders, names in os.walk(absolute, onerror=None):
                subfolders.sort()
                found.update(os.path.join(folder, n) for n in names if is_source_file(n))
        else:
            failures.append(Failure(absolute, "no such file or folder"))
    return sorted(found), failures


def _process_chunk(tasks: list[PageTask | RecordTask]) -> list[Outcome]:
    return [
        process_record(task) if isinstance(task, RecordTask) else process_page(task)
        for task in tasks
    ]


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


def _outcomes(
    tasks: Iterable[PageTask | RecordTask], workers: _Workers, jobs: int
) -> Iterator[Outcome]:
    """Outcomes in task order. At most IN_FLIGHT chunks per worker are submitted ahead: extraction
    is faster than writing, and results submitted all at once would pile up in memory.

    Pages go to the workers in chunks: with one submission per page, the pool's wake-up pipe
    filled up and blocked the writer in submit() for a good part of the run.
    """
    remaining = iter(tasks)  # read lazily: WARC records are read as the workers need them
    chunks = iter(lambda: list(itertools.islice(remaining, CHUNK)), [])
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


@dataclass
class _WarcFile:
    """A WARC file this run reads, from `start`."""

    state: SourceState  # size and time now; read_to as far as committed
    start: int
    seen: set[int] = field(default_factory=set)  # offsets of the records read this run
    known_offsets: set[int] = field(default_factory=set)  # records indexed before this run


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
    page_tasks: list[PageTask] = []
    warcs: dict[str, _WarcFile] = {}
    for path in paths:
        state = known.get(path)
        if is_warc_file(path):
            plan = _warc_plan(path, state, reextract)
            if plan is None:
                report.unchanged += 1
            else:
                warcs[path] = plan
            continue
        if state is not None and not reextract and _stat_matches(path, state):
            report.unchanged += 1
            continue
        known_hash = state.content_hash if state and not reextract else None
        page_tasks.append(PageTask(path, known_hash, aliases))
    total = 0 if warcs else len(page_tasks)  # a WARC file's records are counted as read
    if progress:
        progress(0, total)
    tasks = itertools.chain(page_tasks, _record_tasks(writer.catalog, warcs, aliases, reextract))
    skipped: Counter[str] = Counter()
    batch = Batch()
    jobs = jobs or os.cpu_count() or 1
    with _Workers(jobs) as workers:
        for done, outcome in enumerate(_outcomes(tasks, workers, jobs), start=1):
            _take(outcome, batch, report, skipped, known, warcs)
            if len(batch) >= commit_every:
                _count_captures(report, writer.commit(batch))
                batch = Batch()
            if progress:
                progress(done, total)
    for path, plan in warcs.items():  # read to the end: the file is indexed whole
        batch.files[path] = replace(plan.state, read_to=plan.state.size)
        if plan.start == 0:
            batch.removed_records.extend(
                (path, offset)
                for offset in writer.catalog.record_offsets(path)
                if offset not in plan.seen
            )
    if prune:
        batch.removed.extend(_pruned(known, paths, roots))
        report.removed = len(batch.removed)
    _count_captures(report, writer.commit(batch))
    report.skipped = dict(sorted(skipped.items()))
    return report


def _count_captures(report: IndexReport, captures: int) -> None:
    """Pages found to be captures of a URL already indexed were counted as added (or, at an
    offset known before, updated)."""
    report.captures += captures
    from_added = min(report.added, captures)
    report.added -= from_added
    report.updated = max(0, report.updated - (captures - from_added))


def _take(
    outcome: Outcome,
    batch: Batch,
    report: IndexReport,
    skipped: Counter,
    known: dict[str, SourceState],
    warcs: dict[str, _WarcFile],
) -> None:
    """Put one outcome in the batch and count it in the report."""
    warc = warcs.get(outcome.path) if outcome.offset is not None else None
    if warc is not None:
        warc.seen.add(outcome.offset)
        batch.files[outcome.path] = replace(warc.state, read_to=outcome.end)
    if outcome.skipped:
        skipped[outcome.skipped] += 1
    elif outcome.error:
        offset = outcome.offset if outcome.offset is not None else -1
        report.failures.append(Failure(outcome.path, outcome.error, outcome.offset))
        length = outcome.end - offset if outcome.end is not None else None
        batch.failures.append(
            SourceState(outcome.path, None, length, None, "failed", outcome.error, offset)
        )
    elif outcome.unchanged:
        report.unchanged += 1
        batch.touched.append(outcome.state)
    else:
        batch.articles.append(
            NewArticle(outcome.state, outcome.article, outcome.texts, outcome.sketch)
        )
        if warc is not None:
            updated = outcome.offset in warc.known_offsets
        else:
            previous = known.get(outcome.path)
            updated = previous is not None and previous.status == "indexed"
        if updated:
            report.updated += 1
        else:
            report.added += 1


def _warc_plan(path: str, state: SourceState | None, reextract: bool) -> _WarcFile | None:
    """Where to start reading a WARC file, or None when it is indexed whole and unchanged.

    An unchanged file read part way (a run stopped in it) goes on after its last committed
    record; a changed one is read again from the start (records whose content is unchanged
    are recognised by their hash and offset)."""
    try:
        stat = os.stat(path)
    except OSError:
        return _WarcFile(SourceState(path, None, None, None, "indexed", read_to=0), 0)
    now = SourceState(path, None, stat.st_size, stat.st_mtime_ns, "indexed", read_to=0)
    if state is None or reextract:
        return _WarcFile(now, 0)
    same = (state.size, state.mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    if same and state.read_to == stat.st_size:
        return None
    start = (state.read_to or 0) if same else 0
    return _WarcFile(replace(now, read_to=start), start)


def _record_tasks(
    catalog: Catalog, warcs: dict[str, _WarcFile], aliases: str | None, reextract: bool
) -> Iterator[RecordTask]:
    for path, plan in warcs.items():
        hashes = {} if reextract else catalog.record_hashes(path)
        plan.known_offsets = set(hashes)
        yield from record_tasks(path, plan.start, hashes, aliases)


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
