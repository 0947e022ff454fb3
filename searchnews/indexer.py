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
from .warc.tasks import (
    RangeChain,
    RangeEnd,
    RangeResult,
    RangeTask,
    file_ranges,
    is_warc_file,
    read_range,
)
from .writing import Batch, IndexWriter, NewArticle

log = logging.getLogger(__name__)

PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".txt")
COMMIT_EVERY = 1000  # articles per commit, so a long run that stops keeps most of its work
CHUNK = 16  # pages per task sent to a worker
IN_FLIGHT = 4  # chunks per worker submitted ahead of the writer

Progress = Callable[[int, int], None]  # done, total: pages, or bytes with WARC files


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


def _process_chunk(tasks: list[PageTask | RangeTask]) -> list[Outcome | RangeResult]:
    return [
        read_range(task) if isinstance(task, RangeTask) else process_page(task) for task in tasks
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


def _chunks(tasks: Iterable[PageTask | RangeTask]) -> Iterator[list]:
    """Tasks in lists for the workers: up to CHUNK pages, or one range of a WARC file."""
    chunk: list = []
    for task in tasks:
        if isinstance(task, RangeTask):
            if chunk:
                yield chunk
                chunk = []
            yield [task]
            continue
        chunk.append(task)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _outcomes(
    tasks: Iterable[PageTask | RangeTask], workers: _Workers, jobs: int, chain: RangeChain
) -> Iterator[Outcome | RangeEnd]:
    """Outcomes in task order, each WARC range's followed by its end. At most IN_FLIGHT
    chunks per worker are submitted ahead: extraction is faster than writing, and results
    submitted all at once would pile up in memory.

    Pages go to the workers in chunks: with one submission per page, the pool's wake-up pipe
    filled up and blocked the writer in submit() for a good part of the run.
    """
    chunks = _chunks(tasks)  # read lazily: a WARC file's ranges are made as the workers need them
    pending: deque[Future] = deque()
    for chunk in itertools.islice(chunks, jobs * IN_FLIGHT):
        pending.append(workers.submit(_process_chunk, chunk))
    while pending:
        results = pending.popleft().result()
        for following in itertools.islice(chunks, 1):
            pending.append(workers.submit(_process_chunk, following))
        for result in results:
            if isinstance(result, RangeResult):
                yield from chain.outcomes(result)
            else:
                yield result


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
    read_to: int = 0  # where the records taken so far end
    known_hashes: dict[int, str] = field(default_factory=dict)  # records indexed before
    # Records indexed before that this run has not met again (when it reads from the start):
    # bounded by what the catalog holds of the file, however many records are read.
    unseen: set[int] = field(default_factory=set)


class _Meter:
    """Progress in pages or, when WARC files are read (how many records they hold is not
    known up front), in bytes: a WARC record counts as its length, a loose page as its size."""

    def __init__(
        self, progress: Progress | None, pages: list[PageTask], warcs: dict[str, _WarcFile]
    ) -> None:
        self.progress = progress
        self.sizes = [_file_size(task.path) for task in pages] if warcs and progress else None
        self.pages = len(pages)
        self.total = (
            sum(self.sizes) + sum((plan.state.size or 0) - plan.start for plan in warcs.values())
            if self.sizes is not None
            else len(pages)
        )
        self.done = 0
        self.taken = 0

    def start(self) -> None:
        if self.progress:
            self.progress(0, self.total)

    def advance(self, read: int) -> None:
        """Count an outcome (or a WARC range's end) that read `read` bytes of a WARC file."""
        if not self.progress:
            return
        if self.sizes is None:
            self.done += 1
        elif self.taken < self.pages:
            self.done += self.sizes[self.taken]
        else:
            self.done += read
        self.taken += 1
        self.progress(self.done, self.total)


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class _Tally:
    """A run's report, and the batch being gathered with whether each of its articles replaces
    one of the same source (so that pages found to be captures are told apart after commit)."""

    def __init__(self, report: IndexReport) -> None:
        self.report = report
        self.skipped: Counter[str] = Counter()
        self.batch = Batch()
        self.replacing: list[bool] = []  # one per article of the batch

    def commit(self, writer: IndexWriter) -> None:
        kept = writer.commit(self.batch)
        for position, replacing in enumerate(self.replacing):
            if position in kept:
                self.report.captures += 1
            elif replacing:
                self.report.updated += 1
            else:
                self.report.added += 1
        self.batch = Batch()
        self.replacing = []


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
    tally = _Tally(IndexReport(failures=failures))
    known = writer.catalog.sources()
    page_tasks: list[PageTask] = []
    warcs: dict[str, _WarcFile] = {}
    for path in paths:
        state = known.get(path)
        if is_warc_file(path):
            plan = _warc_plan(path, state, reextract)
            if plan is None:
                tally.report.unchanged += 1
            else:
                warcs[path] = plan
            continue
        if state is not None and not reextract and _stat_matches(path, state):
            tally.report.unchanged += 1
            continue
        known_hash = state.content_hash if state and not reextract else None
        page_tasks.append(PageTask(path, known_hash, aliases))
    meter = _Meter(progress, page_tasks, warcs)
    meter.start()
    tasks = itertools.chain(page_tasks, _range_tasks(writer.catalog, warcs, aliases, reextract))
    chain = RangeChain({path: plan.start for path, plan in warcs.items()})
    jobs = jobs or os.cpu_count() or 1
    with _Workers(jobs) as workers:
        for outcome in _outcomes(tasks, workers, jobs, chain):
            meter.advance(_take(outcome, tally, known, warcs))
            if len(tally.batch) >= commit_every:
                _note_progress(tally.batch, warcs)
                tally.commit(writer)
    batch = tally.batch
    for path, plan in warcs.items():  # read to the end: the file is indexed whole
        batch.files[path] = replace(plan.state, read_to=plan.state.size)
        batch.removed_records.extend((path, offset) for offset in sorted(plan.unseen))
    if prune:
        batch.removed.extend(_pruned(known, paths, roots))
        tally.report.removed = len(batch.removed)
    tally.commit(writer)
    tally.report.skipped = dict(sorted(tally.skipped.items()))
    return tally.report


def _note_progress(batch: Batch, warcs: dict[str, _WarcFile]) -> None:
    """Let the batch commit how far each WARC file has been read."""
    for path, plan in warcs.items():
        if plan.read_to > (plan.state.read_to or 0):
            plan.state = replace(plan.state, read_to=plan.read_to)
            batch.files[path] = plan.state


def _take(
    outcome: Outcome | RangeEnd,
    tally: _Tally,
    known: dict[str, SourceState],
    warcs: dict[str, _WarcFile],
) -> int:
    """Put one outcome in the batch and count it; how many bytes of a WARC file it read."""
    if isinstance(outcome, RangeEnd):
        tally.skipped.update(outcome.skipped)
        warc = warcs[outcome.path]
        read = max(outcome.after - max(warc.read_to, warc.start), 0)
        warc.read_to = max(warc.read_to, outcome.after)
        return read
    warc = warcs.get(outcome.path) if outcome.offset is not None else None
    read = 0
    if warc is not None:
        warc.unseen.discard(outcome.offset)
        read = outcome.end - max(warc.read_to, warc.start)
        warc.read_to = outcome.end
    report, batch = tally.report, tally.batch
    if outcome.error:
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
            replacing = outcome.offset in warc.known_hashes
        else:
            previous = known.get(outcome.path)
            replacing = previous is not None and previous.status == "indexed"
        tally.replacing.append(replacing)
    return read


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


def _range_tasks(
    catalog: Catalog, warcs: dict[str, _WarcFile], aliases: str | None, reextract: bool
) -> Iterator[RangeTask]:
    for path, plan in warcs.items():
        plan.known_hashes = {} if reextract else catalog.record_hashes(path)
        if plan.start == 0:  # records not met again are gone from the file
            plan.unseen = set(catalog.record_offsets(path))
        yield from file_ranges(path, plan.start, plan.state.size, plan.known_hashes, aliases)


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
