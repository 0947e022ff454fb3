"""Performance at archive scale: indexing and search with every engine on synthetic archives,
side by side with SQLite FTS5 and bare tantivy on the same extracted documents and queries, and
with trafilatura + FTS5 for indexing, all in one run.

Settings (environment):
  BENCH_SIZES        archive sizes in pages, default "10000,100000" ("1000000" allowed)
  BENCH_ENGINES      engines to measure, default "whoosh,tantivy" (only tantivy at 1,000,000
                     pages unless this is set); an engine whose module is missing is skipped
  BENCH_PEERS        default "fts5,tantivy,trafilatura"
  BENCH_QUERIES      queries of each kind, default 200
  BENCH_PEER_PAGES   pages trafilatura extracts for its pages/s (the first N), default 10000
  BENCH_CACHE        where pages and indexes go, default .cache/bench
  BENCH_RESULTS      where scale.json goes, default benchmarks/results

Pages are built once per size (scale_corpus.py); indexes are rebuilt every run. Each index run
and each system's searches run in a process of their own, so that the peak memory measured (the
largest process: main or extraction worker) is that system's alone.
"""

from __future__ import annotations

import calendar
import json
import multiprocessing
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from itertools import islice, pairwise
from pathlib import Path

from common import RESULTS, env_int, percentile, table, write_result
from scale_corpus import CACHE, add_pages, build, load_stories

HERE = Path(__file__).resolve()
KINDS = ("word", "two words", "phrase", "phrase + date", "entity", "date listing")
VARIANTS = ("plain", "facets")
ENGINES = ("whoosh", "tantivy")
PEERS = ("fts5", "tantivy", "trafilatura")
JOBS = 2
BIG = 1_000_000
CHUNK = 1000
# The medians (ms) of the storage searchnews had before its engines, at 100,000 pages.
PREVIOUS_P50_100K = {
    "word": 8.2,
    "two words": 12.3,
    "phrase": 4.5,
    "phrase + date": 3.2,
    "entity": 2.5,
    "date listing": 2.6,
}
SYSTEM_NAMES = {
    "whoosh": "searchnews whoosh",
    "tantivy": "searchnews tantivy",
    "peer:fts5": "SQLite FTS5",
    "peer:tantivy": "bare tantivy",
}
_WORD = re.compile(r"[A-Za-z]{3,12}")
_TOKEN = re.compile(r"\w+")


# ---- settings ----


def settings() -> dict:
    sizes = [int(value) for value in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
    asked = os.environ.get("BENCH_ENGINES")
    engines = [name.strip() for name in (asked or ",".join(ENGINES)).split(",") if name.strip()]
    peers = os.environ.get("BENCH_PEERS", ",".join(PEERS))
    return {
        "sizes": sizes,
        "engines": engines,
        "engines_asked": asked is not None,
        "peers": [name.strip() for name in peers.split(",") if name.strip()],
        "queries_per_kind": env_int("BENCH_QUERIES", 200),
        "peer_pages": env_int("BENCH_PEER_PAGES", 10000),
        "jobs": JOBS,
        "snippets_for": 10,
    }


def available_engines(names: list[str]) -> list[str]:
    """The engines that can run here; a note for each one that cannot."""
    from searchnews.engines import engine_class

    found = []
    for name in names:
        try:
            engine_class(name)
        except Exception as error:  # a module not written yet, or its library missing
            print(f"note: engine {name!r} skipped ({type(error).__name__}: {error})")
            continue
        found.append(name)
    return found


def module_present(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


# ---- running a measured process ----


def run_measured(command: list[str]) -> tuple[float, float, str]:
    """(seconds, peak MiB of the largest process of its tree, stdout) of a command."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout


def worker(*arguments: str) -> tuple[float, float, dict]:
    """Run this script's worker mode; (seconds, peak MiB, its JSON answer)."""
    seconds, peak, stdout = run_measured([sys.executable, str(HERE), *arguments])
    return seconds, peak, json.loads(stdout.strip().splitlines()[-1])


def run_index(folder: Path, index_dir: Path, engine: str) -> dict:
    """`searchnews index` as a process: seconds, peak MiB, articles."""
    seconds, peak, _ = run_measured(
        [
            sys.executable,
            "-m",
            "searchnews",
            "index",
            str(folder),
            "--index",
            str(index_dir),
            "--jobs",
            str(JOBS),
            "--engine",
            engine,
        ]
    )
    return {"seconds": round(seconds, 3), "peak_mib": round(peak, 1)}


def folder_mib(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def engine_folder(index_dir: Path) -> Path:
    from searchnews.catalog import Catalog

    catalog = Catalog(str(index_dir))
    try:
        return index_dir / catalog.setting("engine_folder")
    finally:
        catalog.close()


# ---- queries: the same words, phrases, places and date bounds for every system ----


def make_queries(index_dir: Path, size: int, count: int, seed: int = 11) -> dict[str, list]:
    """`count` queries of each kind, from the dated stories the archive holds; the places are
    drawn (by how often they are named) from the articles the index holds."""
    chooser = random.Random(seed)
    stories = [story for story in load_stories()[:size] if story["date"]]
    places = sample_places(index_dir, chooser)
    kinds: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    while min(len(specs) for specs in kinds.values()) < count:
        story = chooser.choice(stories)
        tokens = _TOKEN.findall(" ".join(story["paragraphs"]))
        pairs = [
            (first.lower(), second.lower())
            for first, second in pairwise(tokens)
            if _WORD.fullmatch(first) and _WORD.fullmatch(second) and len(first + second) >= 9
        ]
        words = [token.lower() for token in tokens if len(token) >= 5 and _WORD.fullmatch(token)]
        if not pairs or len(words) < 2:
            continue
        phrase = list(chooser.choice(pairs))
        published = date.fromisoformat(story["date"][:10])
        last = calendar.monthrange(published.year, published.month)[1]
        whole_month = (
            published.replace(day=1).isoformat(),
            published.replace(day=last).isoformat(),
        )
        start = published - timedelta(days=chooser.randrange(7))
        week = (start.isoformat(), (start + timedelta(days=6)).isoformat())
        word = chooser.choice(words)
        kinds["word"].append(spec(words=[word]))
        kinds["two words"].append(spec(words=[word, chooser.choice(words)]))
        kinds["phrase"].append(spec(phrase=phrase))
        kinds["phrase + date"].append(spec(phrase=phrase, dates=whole_month))
        place = [chooser.choice(places)] if places else []
        kinds["entity"].append(spec(place=place[0]) if place else spec(words=[word]))
        kinds["date listing"].append(spec(dates=week))
    return {kind: specs[:count] for kind, specs in kinds.items()}


def spec(words=(), phrase=(), place=None, dates=(None, None)) -> dict:
    return {
        "words": list(words),
        "phrase": list(phrase),
        "place": place,
        "since": dates[0],
        "until": dates[1],
    }


def sample_places(index_dir: Path, chooser: random.Random, wanted: int = 2000) -> list[str]:
    from searchnews.catalog import Catalog

    catalog = Catalog(str(index_dir))
    try:
        top = catalog.next_key()
        keys = chooser.sample(range(1, top), min(wanted, top - 1))
        names = []
        for stored in catalog.get(keys).values():
            names += [name.replace('"', "") for name in stored.article.places if name.strip()]
        return sorted(names)
    finally:
        catalog.close()


def searchnews_query(query: dict) -> tuple[str, str]:
    """(query text, sort) in searchnews' query language."""
    parts = list(query["words"])
    if query["phrase"]:
        parts.append('"' + " ".join(query["phrase"]) + '"')
    if query["place"]:
        parts.append(f'place:"{query["place"]}"')
    if query["since"]:
        parts.append(f"date:[{query['since']} TO {query['until']}]")
    listing = not (query["words"] or query["phrase"] or query["place"])
    return " ".join(parts), "newest" if listing else "relevance"


def timings(function, queries: list[dict], facets: bool) -> dict:
    """p50 and p95 in milliseconds, and the median number of matching articles."""
    values, matches = [], []
    for query in queries:
        started = time.perf_counter()
        matches.append(function(query, facets))
        values.append(1000 * (time.perf_counter() - started))
    return {
        "p50": round(statistics.median(values), 3),
        "p95": round(percentile(values, 0.95), 3),
        "matches": statistics.median(matches),
    }


def time_all(function, queries: dict[str, list]) -> dict:
    for specs in queries.values():  # warm up: first use of each code path and file
        for query in specs[:5]:
            function(query, True)
    return {
        kind: {variant: timings(function, specs, variant == "facets") for variant in VARIANTS}
        for kind, specs in queries.items()
    }


# ---- worker modes (each in its own process) ----


def search_worker(index_dir: str, queries_file: str) -> dict:
    """searchnews' own search: top 10 with passages (the default 3 a hit), copies collapsed."""
    from searchnews import NewsIndex

    queries = json.loads(Path(queries_file).read_text())
    with NewsIndex(index_dir) as news:

        def run(query: dict, facets: bool) -> int:
            text, sort = searchnews_query(query)
            return news.search(text, limit=10, sort=sort, facets=facets).articles

        return {"search": time_all(run, queries)}


def documents(index_dir: str) -> Iterator[tuple]:
    """(key, headline, body, day, month, site, places) of every stored article, read from the
    catalog in chunks so that memory stays flat."""
    from searchnews.catalog import Catalog

    catalog = Catalog(index_dir)
    try:
        keys = catalog.keys()
        while chunk := list(islice(keys, CHUNK)):
            found = catalog.get(chunk)
            for key in chunk:
                if key not in found:
                    continue
                article = found[key].article
                day = article.published.date().isoformat() if article.published else ""
                month = int(day[:7].replace("-", "")) if day else 0
                yield (
                    key,
                    article.headline,
                    article.body,
                    day,
                    month,
                    article.site_name or "",
                    " ; ".join(article.places),
                )
    finally:
        catalog.close()


FTS_SCHEMA = """
CREATE TABLE docs (id INTEGER PRIMARY KEY, day TEXT, month INTEGER, site TEXT, places TEXT,
                   headline TEXT, body TEXT);  -- short columns first: read without the body
CREATE VIRTUAL TABLE fts USING fts5(headline, body, places, content='docs', content_rowid='id',
                                    tokenize='unicode61 remove_diacritics 2');
"""


def fts_open(path: Path) -> sqlite3.Connection:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(FTS_SCHEMA)
    return connection


def fts_insert(connection: sqlite3.Connection, rows: list[tuple]) -> None:
    connection.executemany(
        "INSERT INTO docs (id, headline, body, day, month, site, places) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.executemany(
        "INSERT INTO fts (rowid, headline, body, places) VALUES (?, ?, ?, ?)",
        [(row[0], row[1], row[2], row[6]) for row in rows],
    )


def fts_finish(connection: sqlite3.Connection) -> None:
    connection.execute("CREATE INDEX docs_day ON docs (day)")
    connection.commit()
    connection.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    connection.commit()


def fts_match(query: dict) -> str | None:
    """The query as an FTS5 expression over headline and body (places for a place)."""
    parts = [f'"{word}"' for word in query["words"]]
    if query["phrase"]:
        parts.append('"' + " ".join(query["phrase"]) + '"')
    match = "{headline body} : (" + " AND ".join(parts) + ")" if parts else ""
    if query["place"]:
        place = 'places : "' + query["place"].replace('"', '""') + '"'
        match = f"{match} AND {place}" if match else place
    return match or None


def fts5_worker(index_dir: str, work: str, queries_file: str) -> dict:
    """SQLite FTS5 (external content, an index on the day): snippet() for text queries."""
    queries = json.loads(Path(queries_file).read_text())
    path = Path(work) / "peer-fts5.sqlite"
    connection = fts_open(path)
    count, spent = 0, 0.0
    stream = documents(index_dir)
    while rows := list(islice(stream, CHUNK)):
        started = time.perf_counter()
        fts_insert(connection, rows)
        spent += time.perf_counter() - started
        count += len(rows)
    started = time.perf_counter()
    fts_finish(connection)
    spent += time.perf_counter() - started
    connection.close()
    connection = sqlite3.connect(path)

    def run(query: dict, facets: bool) -> int:
        match = fts_match(query)
        dated = query["since"] is not None
        if match is None:  # a date listing: newest first, the lead of each body
            bounds = (query["since"], query["until"])
            connection.execute(
                "SELECT id, headline, substr(body, 1, 200) FROM docs WHERE day BETWEEN ? AND ? "
                "ORDER BY day DESC LIMIT 10",
                bounds,
            ).fetchall()
            if not facets:
                sql = "SELECT count(*) FROM docs WHERE day BETWEEN ? AND ?"
                return connection.execute(sql, bounds).fetchone()[0]
            groups = connection.execute(
                "SELECT site, month, count(*) FROM docs WHERE day BETWEEN ? AND ? GROUP BY 1, 2",
                bounds,
            ).fetchall()
            return _fold(groups)
        params = [match] + ([query["since"], query["until"]] if dated else [])
        # fts drives the join (CROSS JOIN): each match is looked up in docs by its rowid
        join = " CROSS JOIN docs d ON d.id = fts.rowid"
        within = " AND d.day BETWEEN ? AND ?" if dated else ""
        connection.execute(
            "SELECT fts.rowid, fts.headline, snippet(fts, 1, '<mark>', '</mark>', '…', 16) "
            f"FROM fts{join if dated else ''} WHERE fts MATCH ?{within} ORDER BY rank LIMIT 10",
            params,
        ).fetchall()
        if not facets:
            sql = f"SELECT count(*) FROM fts{join if dated else ''} WHERE fts MATCH ?{within}"
            return connection.execute(sql, params).fetchone()[0]
        groups = connection.execute(
            f"SELECT d.site, d.month, count(*) FROM fts{join} WHERE fts MATCH ?{within} "
            "GROUP BY 1, 2",
            params,
        ).fetchall()
        return _fold(groups)

    return {
        "documents": count,
        "docs_per_s": round(count / spent, 1),
        "size_mib": round(_files_mib(path), 2),
        "search": time_all(run, queries),
    }


def _files_mib(path: Path) -> float:
    return (
        sum(
            Path(f"{path}{suffix}").stat().st_size
            for suffix in ("", "-wal", "-shm")
            if Path(f"{path}{suffix}").exists()
        )
        / 2**20
    )


def _fold(groups: list[tuple]) -> int:
    """Counts by site and by month from (site, month, count) groups; the total."""
    sites: Counter = Counter()
    months: Counter = Counter()
    for site, month, number in groups:
        sites[site] += number
        months[month] += number
    sorted(months.items())  # what a page shows: the top sites, the months in order
    return sum(number for _site, number in sites.most_common())


def tantivy_worker(index_dir: str, work: str, queries_file: str) -> dict:
    """Bare tantivy: stored text, its SnippetGenerator, terms aggregations for the counts."""
    import tantivy

    queries = json.loads(Path(queries_file).read_text())
    folder = Path(work) / "peer-tantivy"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("headline", stored=True)
    builder.add_text_field("body", stored=True)
    builder.add_text_field("places")
    builder.add_integer_field("day", stored=True, indexed=True, fast=True)
    builder.add_integer_field("month", indexed=True, fast=True)
    builder.add_text_field("site", stored=True, tokenizer_name="raw", fast=True)
    schema = builder.build()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(heap_size=256 * 2**20, num_threads=JOBS)
    count, spent = 0, 0.0
    stream = documents(index_dir)
    while rows := list(islice(stream, CHUNK)):
        started = time.perf_counter()
        for _key, headline, body, day, month, site, places in rows:
            writer.add_document(
                tantivy.Document(
                    headline=headline,
                    body=body,
                    places=places,
                    day=int(day.replace("-", "")) if day else 0,
                    month=month,
                    site=site,
                )
            )
        spent += time.perf_counter() - started
        count += len(rows)
    started = time.perf_counter()
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    spent += time.perf_counter() - started
    searcher = index.searcher()
    aggregations = {
        "site": {"terms": {"field": "site", "size": 20}},
        "month": {"terms": {"field": "month", "size": 1000}},
    }

    def run(query: dict, facets: bool) -> int:
        parts = [f"+{word}" for word in query["words"]]
        if query["phrase"]:
            parts.append('+"' + " ".join(query["phrase"]) + '"')
        if query["place"]:
            parts.append(f'+places:"{query["place"]}"')
        text = bool(parts)
        if query["since"]:
            low, high = (query[name].replace("-", "") for name in ("since", "until"))
            parts.append(f"+day:[{low} TO {high}]")
        parsed = index.parse_query(" ".join(parts), ["headline", "body"])
        if text:
            found = searcher.search(parsed, 10)
            snippets = tantivy.SnippetGenerator.create(searcher, parsed, schema, "body")
            for _score, address in found.hits:
                document = searcher.doc(address)
                snippets.snippet_from_doc(document).to_html()
                document["headline"]
        else:
            found = searcher.search(parsed, 10, order_by_field="day", order=tantivy.Order.Desc)
            for _day, address in found.hits:
                document = searcher.doc(address)
                document["body"][0][:200]
        if facets:
            searcher.aggregate(parsed, aggregations)
        return found.count

    return {
        "documents": count,
        "docs_per_s": round(count / spent, 1),
        "size_mib": round(folder_mib(folder), 2),
        "search": time_all(run, queries),
    }


def _trafilatura_page(path: str):
    """(title, text, date, site) of a page as trafilatura extracts it; plain text as is."""
    import trafilatura

    raw = Path(path).read_bytes()
    if path.endswith(".txt"):
        lines = raw.decode("utf-8", "replace").split("\n\n")
        return lines[0], "\n\n".join(lines[1:]), None, None
    document = trafilatura.bare_extraction(raw, with_metadata=True)
    if document is None:
        return None
    return document.title or "", document.text or "", document.date, document.sitename


def trafilatura_worker(folder: str, work: str, limit: str) -> dict:
    """trafilatura extraction on JOBS processes, each article inserted into FTS5."""
    paths = sorted(str(path) for path in Path(folder).rglob("page-*"))[: int(limit)]
    connection = fts_open(Path(work) / "peer-trafilatura-fts5.sqlite")
    started = time.perf_counter()
    extracted = 0
    with multiprocessing.get_context("spawn").Pool(JOBS) as pool:
        results = pool.imap(_trafilatura_page, paths, chunksize=16)
        while batch := list(islice(results, CHUNK)):
            rows = []
            for number, found in enumerate(batch, start=extracted + 1):
                if found is None:
                    continue
                title, text, date, site = found
                month = int(date[:7].replace("-", "")) if date else 0
                rows.append((number, title, text, date or "", month, site or "", ""))
            fts_insert(connection, rows)
            connection.commit()
            extracted += len(batch)
    fts_finish(connection)
    seconds = time.perf_counter() - started
    connection.close()
    return {
        "pages": len(paths),
        "pages_per_s": round(len(paths) / seconds, 1),
        "seconds": round(seconds, 2),
    }


def cold_query(index_dir: Path, runs: int = 3) -> float:
    """Seconds for `searchnews search` in a new process (start-up included), median."""
    values = [
        run_measured(
            [sys.executable, "-m", "searchnews", "search", "oil prices", "--index", str(index_dir)]
        )[0]
        for _ in range(runs)
    ]
    return round(statistics.median(values), 3)


# ---- one size ----


def measure(size: int, config: dict) -> dict:
    folder = build(size)
    shutil.rmtree(folder / "new", ignore_errors=True)
    work = CACHE / f"work-{size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    engines = config["engines"]
    if size >= BIG and not config["engines_asked"]:
        engines = [name for name in engines if name == "tantivy"]
    engines = available_engines(engines)
    figures: dict = {"pages": size, "engines": {}, "peers": {}}
    queries_file = work / "queries.json"
    reference = None
    for engine in engines:
        index_dir = work / engine
        print(f"{size:,} pages: indexing with {engine}", flush=True)
        first = run_index(folder, index_dir, engine)
        from searchnews import NewsIndex

        with NewsIndex(str(index_dir)) as news:
            articles = news.count()
        first["pages_per_s"] = round(size / first["seconds"], 1)
        again = run_index(folder, index_dir, engine)
        again["pages_per_s"] = round(size / again["seconds"], 1)
        if reference is None:
            reference = index_dir
            queries = make_queries(index_dir, size, config["queries_per_kind"])
            queries_file.write_text(json.dumps(queries))
        print(f"{size:,} pages: searching with {engine}", flush=True)
        _seconds, search_peak, answer = worker("search", str(index_dir), str(queries_file))
        figures["engines"][engine] = {
            "articles": articles,
            "index": first,
            "reindex": again,
            "index_mib": round(folder_mib(index_dir), 2),
            "engine_mib": round(folder_mib(engine_folder(index_dir)), 2),
            "search_peak_mib": round(search_peak, 1),
            "cold_query_s": cold_query(index_dir),
            "search": answer["search"],
        }
    if reference is None:
        print("note: no engine ran, so the peers have no documents")
        return figures
    for peer in config["peers"]:
        module = {"fts5": "sqlite3", "tantivy": "tantivy", "trafilatura": "trafilatura"}[peer]
        if not module_present(module):
            print(f"note: peer {peer!r} skipped (no module {module})")
            continue
        print(f"{size:,} pages: peer {peer}", flush=True)
        if peer == "trafilatura":
            limit = str(min(size, config["peer_pages"]))
            _s, peak, answer = worker("trafilatura", str(folder), str(work), limit)
        else:
            _s, peak, answer = worker(peer, str(reference), str(work), str(queries_file))
        answer["peak_mib"] = round(peak, 1)
        figures["peers"][peer] = answer
    added = add_pages(folder, max(1, size // 100), size)
    for engine in engines:
        print(f"{size:,} pages: adding {len(added)} pages with {engine}", flush=True)
        more = run_index(folder, work / engine, engine)
        more.update(pages=len(added), pages_per_s=round(len(added) / more["seconds"], 1))
        figures["engines"][engine]["add"] = more
    shutil.rmtree(folder / "new", ignore_errors=True)
    figures["goals"] = goals(figures)
    return figures


def goals(figures: dict) -> list[dict]:
    """The storage issue's goals (set for 100,000 pages), each with what was measured."""
    engines, peers = figures["engines"], figures["peers"]
    rows: list[dict] = []

    def add(goal: str, measured: str, met: bool) -> None:
        rows.append({"goal": goal, "measured": measured, "met": bool(met)})

    if "tantivy" in engines:
        search = engines["tantivy"]["search"]
        worst50 = max((search[k][v]["p50"], k, v) for k in search for v in VARIANTS)
        worst95 = max((search[k][v]["p95"], k, v) for k in search for v in VARIANTS)
        add(
            "tantivy engine p50 <= 2 ms, every kind, with and without facets",
            f"worst {worst50[0]:.2f} ms ({worst50[1]}, {worst50[2]})",
            worst50[0] <= 2,
        )
        add(
            "tantivy engine p95 <= 10 ms, every kind, with and without facets",
            f"worst {worst95[0]:.2f} ms ({worst95[1]}, {worst95[2]})",
            worst95[0] <= 10,
        )
        if "fts5" in peers:
            fts = peers["fts5"]["search"]
            for kind in ("word", "entity", "date listing"):
                ratio = search[kind]["plain"]["p50"] / fts[kind]["plain"]["p50"]
                add(
                    f"tantivy engine ahead of FTS5 on {kind} (p50)", f"{ratio:.2f}x FTS5", ratio < 1
                )
            ratios = [search[k]["facets"]["p50"] / fts[k]["facets"]["p50"] for k in search]
            add(
                "tantivy engine ahead of FTS5 with facets (p50, every kind)",
                f"{max(ratios):.2f}x FTS5 at worst",
                max(ratios) < 1,
            )
            for kind in ("phrase", "phrase + date"):
                ratio = search[kind]["plain"]["p50"] / fts[kind]["plain"]["p50"]
                add(
                    f"tantivy engine within 2x of FTS5 on {kind} (p50)",
                    f"{ratio:.2f}x FTS5",
                    ratio <= 2,
                )
    if "whoosh" in engines:
        search = engines["whoosh"]["search"]
        ratios = {k: search[k]["plain"]["p50"] / PREVIOUS_P50_100K[k] for k in search}
        worst = max(ratios, key=ratios.get)
        add(
            "whoosh engine p50 within 2x of the previous storage (every kind)",
            f"{ratios[worst]:.2f}x at worst ({worst})",
            ratios[worst] <= 2,
        )
    if "trafilatura" in peers:
        rate = peers["trafilatura"]["pages_per_s"]
        for engine, record in engines.items():
            mine = record["index"]["pages_per_s"]
            add(
                f"{engine} engine indexing at least as fast as trafilatura + FTS5",
                f"{mine:,.0f} vs {rate:,.0f} pages/s",
                mine >= rate,
            )
    return rows


# ---- Markdown ----


def _systems(figures: dict) -> list[tuple[str, dict]]:
    systems = [(SYSTEM_NAMES[name], record) for name, record in figures["engines"].items()]
    for name in ("fts5", "tantivy"):
        if name in figures["peers"]:
            systems.append((SYSTEM_NAMES[f"peer:{name}"], figures["peers"][name]))
    return systems


def markdown(result: dict) -> str:
    """The tables of a scale.json result."""
    parameters, machine = result["parameters"], result["machine"]
    out = []
    for size, figures in result["figures"]["sizes"].items():
        size = int(size)
        day = (figures.get("date") or result["date"])[:10]
        cpu = machine.get("cpu") or "?"
        out.append(f"#### {size:,} pages, {machine['cores']} cores ({cpu}), measured {day}")
        out.append("")
        rows = []
        for name, record in figures["engines"].items():
            label = SYSTEM_NAMES[name]
            rows.append(
                [
                    f"{label}: index {size:,} pages",
                    record["index"]["pages_per_s"],
                    record["index"]["peak_mib"],
                    record["index_mib"],
                    record["engine_mib"],
                ]
            )
            rows.append(
                [
                    f"{label}: re-index unchanged",
                    record["reindex"]["pages_per_s"],
                    record["reindex"]["peak_mib"],
                    None,
                    None,
                ]
            )
            if "add" in record:
                rows.append(
                    [
                        f"{label}: add {record['add']['pages']:,} pages (1%)",
                        record["add"]["pages_per_s"],
                        record["add"]["peak_mib"],
                        None,
                        None,
                    ]
                )
        traf = figures["peers"].get("trafilatura")
        if traf:
            rows.append(
                [
                    f"trafilatura + FTS5: {traf['pages']:,} pages",
                    traf["pages_per_s"],
                    traf["peak_mib"],
                    None,
                    None,
                ]
            )
        for name in ("fts5", "tantivy"):
            peer = figures["peers"].get(name)
            if peer:
                rows.append(
                    [
                        f"{SYSTEM_NAMES['peer:' + name]}: extracted documents",
                        peer["docs_per_s"],
                        peer["peak_mib"],
                        None,
                        peer["size_mib"],
                    ]
                )
        out.append(
            f"Indexing, {parameters['jobs']} jobs, extraction included; the last two rows index "
            "the articles searchnews extracted (no extraction), with the peak of their indexing "
            "and search process and the size of their index:"
        )
        out.append("")
        out.append(table(["indexing", "pages/s", "peak MiB", "index MiB", "engine MiB"], rows))
        out.append("")
        systems = _systems(figures)
        headers = ["query kind"]
        for label, _record in systems:
            headers += [f"{label} p50", "p95"]
        rows = []
        for kind in KINDS:
            for variant in VARIANTS:
                row = [kind + (" + facets" if variant == "facets" else "")]
                for _label, record in systems:
                    timing = record["search"].get(kind, {}).get(variant)
                    row += [timing["p50"], timing["p95"]] if timing else [None, None]
                rows.append(row)
        out.append(
            f"Search, ms, {parameters['queries_per_kind']} queries of each kind, top 10 with "
            "snippets (facets: counts by site and month; searchnews also counts sections and "
            "entities):"
        )
        out.append("")
        out.append(table(headers, rows))
        out.append("")
        rows = [
            [kind] + [record["search"][kind]["plain"]["matches"] for _label, record in systems]
            for kind in KINDS
            if all(kind in record["search"] for _label, record in systems)
        ]
        out.append("Median matching articles per query:")
        out.append("")
        out.append(table(["query kind"] + [label for label, _record in systems], rows))
        out.append("")
        extra = [
            f"{SYSTEM_NAMES[name]}: search peak {record['search_peak_mib']:,.0f} MiB, "
            f"CLI cold query {record['cold_query_s']:.2f} s"
            for name, record in figures["engines"].items()
        ]
        if extra:
            out.append("; ".join(extra) + ".")
            out.append("")
        if figures.get("goals"):
            rows = [
                [g["goal"], g["measured"], "yes" if g["met"] else "no"] for g in figures["goals"]
            ]
            out.append(f"Goals (set for 100,000 pages), at {size:,} pages:")
            out.append("")
            out.append(table(["goal", "measured", "met"], rows))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def earlier_sizes() -> dict:
    """The sizes an earlier scale.json measured, each with its date: a run at one size (1M
    takes an hour) keeps the others."""
    path = RESULTS / "scale.json"
    if not path.exists():
        return {}
    earlier = json.loads(path.read_text())
    sizes = earlier["figures"]["sizes"]
    for figures in sizes.values():
        figures.setdefault("date", earlier["date"])
    return sizes


def main() -> None:
    config = settings()
    sizes: dict = earlier_sizes()
    for size in config["sizes"]:
        sizes[str(size)] = measure(size, config)
        sizes[str(size)]["date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    sizes = dict(sorted(sizes.items(), key=lambda item: int(item[0])))
    parameters = {key: value for key, value in config.items() if key != "engines_asked"}
    path = write_result("scale", parameters, {"sizes": sizes})
    result = json.loads(path.read_text())
    print()
    print(markdown(result))


WORKERS = {
    "search": search_worker,
    "fts5": fts5_worker,
    "tantivy": tantivy_worker,
    "trafilatura": trafilatura_worker,
}

if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(WORKERS[sys.argv[1]](*sys.argv[2:])))
    else:
        main()
