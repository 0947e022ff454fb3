"""The sphinxql engine on a local cluster beside the tantivy engine: bulk-loading the same
document store into each, and the same searches on both, in one run.

Settings (environment):
  BENCH_PAGES        size of the scale_corpus.py archive, default 100000 (1000000 for
                     docs/scale-out.md)
  BENCH_SHARDS       shards of the local cluster, default 2
  BENCH_QUERIES      queries of each kind, default 200
  BENCH_SOURCE       an index folder whose document store is loaded (its pages need not be
                     extracted again), default: index the archive with the tantivy engine first
  BENCH_CACHE        where pages, indexes and the cluster go, default .cache/bench
  BENCH_RESULTS      where scaleout.json goes, default benchmarks/results

Bulk-loading is `searchnews index --rebuild --engine E` on a copy of the source index: the
articles are read from the document store and indexed, none extracted. The cluster
(`searchnews cluster up`, one searchd per shard and a coordinator, all on this machine) is
started for the run and stopped after it. Searches run in a process of their own with the
queries and the timing of bench_scale.py.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from bench_scale import KINDS, VARIANTS, folder_mib, make_queries, run_measured, worker
from common import env_int, table, write_result
from scale_corpus import CACHE, build

from searchnews.engines import sphinxql_cluster

JOBS = 2
ENGINES = ("tantivy", "sphinxql")


def settings() -> dict:
    """The run's parameters, from the environment."""
    return {
        "pages": env_int("BENCH_PAGES", 100000),
        "shards": env_int("BENCH_SHARDS", 2),
        "queries_per_kind": env_int("BENCH_QUERIES", 200),
        "source": os.environ.get("BENCH_SOURCE") or None,
        "jobs": JOBS,
    }


def searchnews_index(*arguments: str) -> dict:
    """`searchnews index ARGUMENTS` as a process: seconds and peak MiB."""
    command = [sys.executable, "-m", "searchnews", "index", *arguments, "--jobs", str(JOBS)]
    seconds, peak, _ = run_measured(command)
    return {"seconds": round(seconds, 3), "peak_mib": round(peak, 1)}


def copy_index(source: Path, target: Path) -> None:
    """A copy of an index folder no run is writing to."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)


def article_count(index_dir: Path) -> int:
    from searchnews import NewsIndex

    with NewsIndex(str(index_dir)) as news:
        return news.count()


def free_port_run(length: int) -> int:
    """The first of `length` consecutive free loopback ports."""
    for first in range(19306, 40000, 97):
        if all(sphinxql_cluster.port_is_free(port) for port in range(first, first + length)):
            return first
    raise SystemExit("no run of free ports for the cluster")


def measure(config: dict) -> dict:
    size = config["pages"]
    work = CACHE / f"scaleout-{size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    figures: dict = {"pages": size, "shards": config["shards"], "engines": {}}
    if config["source"]:
        source = Path(config["source"]).resolve()
    else:
        folder = build(size)
        shutil.rmtree(folder / "new", ignore_errors=True)
        source = work / "extracted"
        print(f"{size:,} pages: indexing with tantivy (extraction included)", flush=True)
        first = searchnews_index(str(folder), "--index", str(source), "--engine", "tantivy")
        first["pages_per_s"] = round(size / first["seconds"], 1)
        figures["extraction"] = first
    figures["articles"] = article_count(source)
    queries_file = work / "queries.json"
    queries_file.write_text(json.dumps(make_queries(source, size, config["queries_per_kind"])))
    nothing = work / "no-pages"
    nothing.mkdir()
    cluster = work / "cluster"
    port = free_port_run(2 * config["shards"] + 1)
    address = sphinxql_cluster.up(str(cluster), config["shards"], port)
    try:
        for engine in ENGINES:
            index_dir = work / engine
            copy_index(source, index_dir)
            target = address if engine == "sphinxql" else engine
            print(f"{size:,} articles: bulk-loading into {engine}", flush=True)
            # No pages to look at: the rebuild alone is timed.
            load = searchnews_index(
                str(nothing), "--index", str(index_dir), "--rebuild", "--engine", target
            )
            articles = article_count(index_dir)
            load["articles_per_s"] = round(articles / load["seconds"], 1)
            print(f"{size:,} articles: searching with {engine}", flush=True)
            _seconds, peak, answer = worker("search", str(index_dir), str(queries_file))
            figures["engines"][engine] = {
                "articles": articles,
                "load": load,
                "index_mib": round(folder_mib(index_dir), 2),
                "cluster_mib": round(folder_mib(cluster), 2) if engine == "sphinxql" else None,
                "search_peak_mib": round(peak, 1),
                "search": answer["search"],
            }
    finally:
        sphinxql_cluster.down(str(cluster))
    return figures


def markdown(result: dict) -> str:
    figures = result["figures"]
    size, shards = figures["pages"], figures["shards"]
    engines = figures["engines"]
    out = []
    extraction = figures.get("extraction")
    if extraction:
        out.append(
            f"The document store: {size:,} pages indexed with the tantivy engine, extraction "
            f"included, at {extraction['pages_per_s']:,} pages/s ({JOBS} jobs). "
        )
    out.append(
        f"Bulk-loading its {figures['articles']:,} articles from the document store "
        f"(`searchnews index --rebuild --engine E`, no extraction); sphinxql on {shards} "
        "local shards and a coordinator, all on this machine:\n"
    )
    rows = []
    for name, record in engines.items():
        load = record["load"]
        stored = record["cluster_mib"] if record["cluster_mib"] is not None else "-"
        rows.append(
            [name, load["articles_per_s"], load["seconds"], load["peak_mib"],
             record["index_mib"], stored]
        )  # fmt: skip
    out.append(
        table(
            ["engine", "articles/s", "seconds", "peak MiB", "index folder MiB", "cluster MiB"],
            rows,
        )
    )
    out.append(
        "\nSearch, ms, "
        f"{result['parameters']['queries_per_kind']} queries of each kind, top 10 with "
        "snippets, copies collapsed (facets: counts by site, month, section and entities):\n"
    )
    names = list(engines)
    headers = ["query kind"]
    for name in names:
        headers += [f"{name} p50", "p95"]
    rows = []
    for kind in KINDS:
        for variant in VARIANTS:
            label = kind if variant == "plain" else f"{kind} + facets"
            row: list = [label]
            for name in names:
                timing = engines[name]["search"][kind][variant]
                row += [timing["p50"], timing["p95"]]
            rows.append(row)
    out.append(table(headers, rows))
    return "\n".join(out) + "\n"


def main() -> None:
    config = settings()
    figures = measure(config)
    path = write_result("scaleout", config, figures)
    print()
    print(markdown(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
