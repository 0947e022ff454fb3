"""Performance at archive scale: indexing and search on 10k and 100k synthetic pages, side by side
with SQLite FTS5 and tantivy on the same extracted documents and the same queries.

Sizes come from BENCH_SIZES (default "10000,100000"). Pages are built once into .cache/bench
(see scale_corpus.py); indexes are rebuilt every run.
"""

from __future__ import annotations

import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import table
from scale_corpus import CACHE, add_pages, build, load_stories

from searchnews import NewsIndex

QUERIES_PER_KIND = 200
_WORD = re.compile(r"[A-Za-z]{5,12}")


def run_index(folder: Path, index_dir: Path, jobs: int) -> tuple[float, float, int]:
    """(seconds, peak MiB of the largest process, count) of `searchnews index` as a process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "searchnews",
            "index",
            str(folder),
            "--index",
            str(index_dir),
            "--jobs",
            str(jobs),
        ],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    with NewsIndex(str(index_dir)) as news:
        return seconds, peak, news.count()


def folder_size(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def make_queries(seed: int = 11) -> dict[str, list[str]]:
    """200 queries of each kind, drawn from the real stories the archive is made of."""
    chooser = random.Random(seed)
    stories = [story for story in load_stories() if story["date"]]
    kinds: dict[str, list[str]] = {
        kind: []
        for kind in ("word", "two words", "phrase", "phrase + date", "entity", "date listing")
    }
    places = sorted({place for story in stories for place in story["places"]})
    while min(len(queries) for queries in kinds.values()) < QUERIES_PER_KIND:
        story = chooser.choice(stories)
        words = _WORD.findall(" ".join(story["paragraphs"]))
        if len(words) < 6:
            continue
        first = chooser.randrange(len(words) - 1)
        month = story["date"][:7]
        kinds["word"].append(words[first].lower())
        kinds["two words"].append(f"{words[first]} {chooser.choice(words)}".lower())
        kinds["phrase"].append(f'"{words[first]} {words[first + 1]}"'.lower())
        kinds["phrase + date"].append(f'"{words[first]} {words[first + 1]}" date:{month}'.lower())
        kinds["entity"].append(f"place:{chooser.choice(places)}")
        day = chooser.randrange(1, 22)
        kinds["date listing"].append(f"date:[{month}-{day:02d} TO {month}-{day + 6:02d}]")
    return {kind: queries[:QUERIES_PER_KIND] for kind, queries in kinds.items()}


def timings(function, queries) -> tuple[float, float]:
    """(median, p95) in milliseconds."""
    values = []
    for query in queries:
        started = time.perf_counter()
        function(query)
        values.append(1000 * (time.perf_counter() - started))
    values.sort()
    return statistics.median(values), values[int(0.95 * len(values)) - 1]


def extracted_documents(index_dir: Path) -> list[tuple[str, str, str, str]]:
    """(headline, body, published day, site) of every indexed article, for the peers."""
    with NewsIndex(str(index_dir)) as news:
        listing = news.search("", limit=1, collapse=False)
        total = listing.total
        documents = []
        for page in range(1, total // 1000 + 2):
            for hit in news.search("", limit=1000, page=page, collapse=False, sort="oldest").hits:
                article = news.article(hit.id)
                day = article.published.date().isoformat() if article.published else ""
                documents.append((article.headline, article.body, day, article.site_name or ""))
    return documents


def fts5(documents, queries) -> tuple[float, dict]:
    """SQLite FTS5: (documents indexed per second, {kind: (median, p95)})."""
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE t USING fts5(headline, body, day UNINDEXED, "
        "site UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
    )
    started = time.perf_counter()
    connection.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", documents)
    connection.commit()
    rate = len(documents) / (time.perf_counter() - started)

    def run(query: str) -> None:
        words, since, until = _split_dates(query)
        match = _fts_match(words) if words else None
        sql = "SELECT snippet(t, 1, '<mark>', '</mark>', '…', 16) FROM t WHERE "
        params: list = []
        if match:
            sql += "t MATCH ? "
            params.append(match)
        if since:
            sql += ("AND " if match else "") + "day BETWEEN ? AND ? "
            params += [since, until]
        sql += "ORDER BY rank LIMIT 10" if match else "ORDER BY day DESC LIMIT 10"
        connection.execute(sql, params).fetchall()

    return rate, {kind: timings(run, qs) for kind, qs in queries.items()}


def _fts_match(words: str) -> str:
    """The benchmark's query as FTS5 syntax: phrases kept, other words quoted one by one."""
    words = words.replace("place:", "")
    phrases = re.findall(r'"[^"]+"', words)
    rest = re.sub(r'"[^"]+"', " ", words).replace("-", " ").split()
    return " ".join(phrases + [f'"{word}"' for word in rest])


def tantivy_peer(documents, queries) -> tuple[float, dict]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("headline", stored=True)
    builder.add_text_field("body", stored=True)
    builder.add_text_field("day", stored=True, tokenizer_name="raw", fast=True)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer()
    started = time.perf_counter()
    for headline, body, day, _site in documents:
        writer.add_document(tantivy.Document(headline=headline, body=body, day=day))
    writer.commit()
    index.reload()
    rate = len(documents) / (time.perf_counter() - started)
    searcher = index.searcher()

    def run(query: str) -> None:
        words, since, until = _split_dates(query)
        text = _fts_match(words) if words else ""
        parts = [f"({text})"] if text else []
        if since:
            parts.append(f"day:[{since} TO {until}]")
        parsed = index.parse_query(" AND ".join(parts) or "*", ["headline", "body"])
        found = searcher.search(parsed, 10)
        if text:
            snippets = tantivy.SnippetGenerator.create(searcher, parsed, schema, "body")
            for _score, address in found.hits:
                snippets.snippet_from_doc(searcher.doc(address)).to_html()

    return rate, {kind: timings(run, qs) for kind, qs in queries.items()}


def _split_dates(query: str) -> tuple[str, str | None, str | None]:
    """Query words and a day range from the benchmark's own date forms."""
    span = re.search(r"date:\[(\S+) TO (\S+)\]", query)
    month = re.search(r"date:(\d{4}-\d{2})\b", query)
    words = re.sub(r"date:\S+( TO \S+)?", "", query).strip()
    if span:
        return words, span.group(1), span.group(2).rstrip("]")
    if month:
        return words, month.group(1) + "-01", month.group(1) + "-31"
    return words, None, None


def cold_query(index_dir: Path) -> float:
    values = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "searchnews", "search", "oil prices", "--index", str(index_dir)],
            check=True,
            capture_output=True,
        )
        values.append(time.perf_counter() - started)
    return statistics.median(values)


def measure(size: int, queries) -> None:
    folder = build(size)
    work = CACHE / f"index-{size}"
    rows = []
    for jobs in (1, 2) if size <= 20000 else (2,):
        shutil.rmtree(work, ignore_errors=True)
        seconds, peak, count = run_index(folder, work, jobs)
        rows.append(
            [f"index {size:,} pages, {jobs} job(s)", count / seconds, peak, folder_size(work)]
        )
    seconds, peak, _ = run_index(folder, work, 2)
    rows.append(["re-index unchanged", size / seconds, peak, folder_size(work)])
    added = add_pages(folder, size // 100, size)
    seconds, peak, _ = run_index(folder, work, 2)
    rows.append(
        [f"add {len(added):,} new pages (1%)", len(added) / seconds, peak, folder_size(work)]
    )
    for path in added:
        path.unlink()
    print(f"\n### {size:,} pages, {os.cpu_count()} cores\n")
    print(table(["indexing", "pages/s", "peak MiB", "index MiB"], rows))

    documents = extracted_documents(work)
    with NewsIndex(str(work)) as news:
        news.search("warm up", facets=True)
        ours = {
            kind: timings(lambda q: news.search(q, limit=10), qs) for kind, qs in queries.items()
        }
        faceted = {
            kind: timings(lambda q: news.search(q, limit=10, facets=True), qs)
            for kind, qs in queries.items()
        }
    sqlite_rate, sqlite = fts5(documents, queries)
    tantivy_rate, tantivy = tantivy_peer(documents, queries)
    rows = []
    for kind in queries:
        rows.append(
            [
                kind,
                ours[kind][0],
                ours[kind][1],
                faceted[kind][0],
                faceted[kind][1],
                sqlite[kind][0],
                tantivy[kind][0],
                f"{ours[kind][0] / max(sqlite[kind][0], 1e-3):.1f}x",
                f"{ours[kind][0] / max(tantivy[kind][0], 1e-3):.1f}x",
            ]
        )
    print(f"\nSearch, top 10 with snippets, {QUERIES_PER_KIND} queries per kind (ms):\n")
    print(
        table(
            [
                "query kind",
                "median",
                "p95",
                "+facets median",
                "+facets p95",
                "FTS5 median",
                "tantivy median",
                "ours/FTS5",
                "ours/tantivy",
            ],
            rows,
        )
    )
    print(
        f"\nPeers' indexing of the same extracted documents (no extraction): FTS5 "
        f"{sqlite_rate:,.0f} docs/s, tantivy {tantivy_rate:,.0f} docs/s."
    )
    print(f"CLI cold start for one query: {cold_query(work):.2f} s (median of 5).")


def main() -> None:
    sizes = [int(value) for value in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
    queries = make_queries()
    for size in sizes:
        measure(size, queries)


if __name__ == "__main__":
    main()
