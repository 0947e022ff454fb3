"""Each benchmark script runs at a tiny size and writes its result file; the README tables are
made from those files. Results and caches go to temporary folders, never to benchmarks/results."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
SHARED = Path(os.environ.get("SEARCHNEWS_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
KINDS = ("word", "two words", "phrase", "phrase + date", "entity", "date listing")
TOP_KEYS = {"name", "date", "machine", "parameters", "figures"}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("results")


def run_script(name: str, results: Path, cache: Path, **settings: str) -> dict:
    """Run benchmarks/<name>.py with its results and cache in temporary folders."""
    environment = {
        **os.environ,
        "BENCH_RESULTS": str(results),
        "BENCH_CACHE": str(cache),
        "PYTHONHASHSEED": "0",
        **settings,
    }
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=str(ROOT),
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result_name = name.removeprefix("bench_")
    path = results / f"{result_name}.json"
    assert path.is_file(), done.stdout[-2000:]
    result = json.loads(path.read_text(encoding="utf-8"))
    assert set(result) >= TOP_KEYS
    assert result["name"] == result_name
    assert result["machine"]["cores"] >= 1
    assert "|" in done.stdout  # the Markdown tables are printed too
    return result


def needs(*names: str) -> None:
    for name in names:
        if not (DATA / name).exists():
            pytest.skip(f"{DATA / name} is absent")


def test_scale(results, tmp_path):
    needs("news-text")
    result = run_script(
        "bench_scale",
        results,
        tmp_path,
        BENCH_SIZES="200",
        BENCH_QUERIES="3",
        BENCH_PEER_PAGES="40",
    )
    figures = result["figures"]["sizes"]["200"]
    assert figures["pages"] == 200
    assert figures["engines"], "no engine ran"
    for record in figures["engines"].values():
        assert record["articles"] > 150
        for step in ("index", "reindex", "add"):
            assert record[step]["pages_per_s"] > 0
            assert record[step]["peak_mib"] > 0
        assert record["index_mib"] > record["engine_mib"] > 0
        for kind in KINDS:
            for variant in ("plain", "facets"):
                timing = record["search"][kind][variant]
                assert 0 < timing["p50"] <= timing["p95"]
    for peer in ("fts5", "tantivy"):
        assert set(figures["peers"][peer]["search"]) == set(KINDS)
        assert figures["peers"][peer]["docs_per_s"] > 0
    if importlib.util.find_spec("trafilatura"):
        assert figures["peers"]["trafilatura"]["pages"] == 40
    assert isinstance(figures["goals"], list)
    assert not (tmp_path / "corpus-200" / "new").exists()


def test_extract(results, tmp_path):
    needs("article-extraction-benchmark", "htmldate-eval")
    if importlib.util.find_spec("trafilatura") is None:
        pytest.skip("trafilatura is not installed (make bench-extract installs it)")
    result = run_script("bench_extract", results, tmp_path, BENCH_PAGES="5")
    figures = result["figures"]
    assert figures["body_pages"] == figures["date_pages"] == 5
    for name in ("searchnews", "trafilatura"):
        row = figures["systems"][name]
        assert set(row) >= {"precision", "recall", "f1", "body_pps", "date_pps"}
    assert "date_accuracy" in figures["systems"]["htmldate"]


def test_entities(results, tmp_path):
    result = run_script("bench_entities", results, tmp_path, BENCH_ARTICLES="10")
    figures = result["figures"]
    assert figures["gold_paragraphs"] > 0
    assert figures["scores"][0]["paragraphs"] == "all sources"
    assert {"person", "org", "place", "all"} == set(figures["scores"][0]["kinds"])
    assert figures["speed"]["per_s"] > 0


def test_stemming(results, tmp_path):
    result = run_script("bench_stemming", results, tmp_path)
    figures = result["figures"]
    assert figures["queries"]
    for key in ("exact", "variants"):
        assert {"precision", "recall", "f1"} == set(figures[key])


def test_web(results, tmp_path):
    result = run_script("bench_web", results, tmp_path, BENCH_CLIENTS="2", BENCH_SECONDS="2")
    figures = result["figures"]
    assert figures["requests"] > 0
    assert figures["errors"] == 0
    assert figures["median_ms"] <= figures["p95_ms"] <= figures["max_ms"]


def test_warc(results, tmp_path):
    needs("news-text")
    result = run_script(
        "bench_warc", results, tmp_path, BENCH_PAGES="40", BENCH_BIG_MIB="24", BENCH_REPEAT="1"
    )
    figures = result["figures"]
    reading = figures["reading"]
    assert reading["html_pages"] > 20
    assert reading["records"] == 3 * reading["html_pages"]  # request, response, metadata
    assert set(reading["readers"]) == {"FastWARC", "warcio", "searchnews read_warc"}
    for row in reading["readers"].values():
        assert row["records"] == reading["records"]
        assert row["records_per_s"] > 0 and row["mb_per_s"] > 0
    assert set(figures["indexing"]) == {"loose files", "one .warc.gz"}
    for row in figures["indexing"].values():
        assert row["pages_per_s"] > 0 and row["peak_mib"] > 0
    memory = figures["memory"]
    assert memory["file_mib"] >= 24 and memory["pages"] > 0
    assert memory["samples"] > 0
    assert 0.1 <= memory["fraction_at_10"] <= memory["fraction_at_100"] <= 1
    for key in ("main_mib_at_10", "main_mib_at_100", "total_mib_at_10", "total_mib_at_100"):
        assert memory[key] > 0
    assert (tmp_path / "warc-pages-40.warc.gz").is_file()  # cached for the next run


def test_scaleout(results, tmp_path):
    needs("news-text")
    if shutil.which("searchd") is None:
        pytest.skip("no searchd on PATH (make test installs sphinxsearch)")
    result = run_script("bench_scaleout", results, tmp_path, BENCH_PAGES="120", BENCH_QUERIES="3")
    figures = result["figures"]
    assert figures["extraction"]["pages_per_s"] > 0
    assert set(figures["engines"]) == {"tantivy", "sphinxql"}
    for record in figures["engines"].values():
        assert record["articles"] == figures["articles"] > 80
        assert record["load"]["articles_per_s"] > 0
        for kind in KINDS:
            for variant in ("plain", "facets"):
                timing = record["search"][kind][variant]
                assert 0 < timing["p50"] <= timing["p95"]
    assert figures["engines"]["sphinxql"]["cluster_mib"] > 0
    assert not list((tmp_path / "scaleout-120" / "cluster").glob("*/searchd.pid"))  # stopped


def test_readme_tables(results, tmp_path):
    names = sorted(path.stem for path in results.glob("*.json"))
    if not names:
        pytest.skip("no benchmark produced a result")
    readme = tmp_path / "README.md"
    sections = "".join(f"<!-- bench:{n} -->\nstale-table\n<!-- /bench:{n} -->\n" for n in names)
    readme.write_text(f"# Title\n\n{sections}<!-- bench:absent -->\nkept\n<!-- /bench:absent -->\n")

    def write_tables() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(BENCH / "readme_tables.py"), "--results", str(results),
             "--write", str(readme)],
            capture_output=True,
            text=True,
            timeout=60,
        )  # fmt: skip

    done = write_tables()
    assert done.returncode == 0, done.stderr
    text = readme.read_text()
    assert "stale-table" not in text
    assert "kept" in text  # a marker without a result file stays as it was
    for name in names:
        start, end = text.index(f"<!-- bench:{name} -->"), text.index(f"<!-- /bench:{name} -->")
        assert "| ---" in text[start:end] and "_Measured " in text[start:end]
    again = write_tables()
    assert again.returncode == 0
    assert readme.read_text() == text  # replacing is idempotent
