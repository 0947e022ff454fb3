"""Should a plain word match its inflected forms? Precision and recall with and without.

The queries and their hand-judged relevant pages are in `relevance_queries.json` (over the
shipped corpus). Each query runs twice on one index: exact forms only, and with word variants
(the default). Precision and recall are averaged over queries.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from common import ROOT, table, write_result

from searchnews import NewsIndex

QUERIES = Path(__file__).resolve().parent / "relevance_queries.json"


def scores(found: set[str], relevant: set[str]) -> tuple[float, float]:
    precision = len(found & relevant) / len(found) if found else 1.0
    recall = len(found & relevant) / len(relevant) if relevant else 1.0
    return precision, recall


def markdown(result: dict) -> str:
    """The tables of a stemming.json result."""
    figures = result["figures"]
    rows = [
        [q["query"], q["relevant"], q["p_exact"], q["r_exact"], q["p_variants"], q["r_variants"]]
        for q in figures["queries"]
    ]
    summary = [
        [label, row["precision"], row["recall"], row["f1"]]
        for label, row in (
            ("exact forms", figures["exact"]),
            ("with variants", figures["variants"]),
        )
    ]
    return (
        f"{len(rows)} judged queries over the {figures['corpus_pages']} corpus pages\n\n"
        + table(["query", "relevant", "P exact", "R exact", "P variants", "R variants"], rows)
        + "\n\n"
        + table(["matching", "precision", "recall", "F1"], summary)
        + "\n"
    )


def main() -> None:
    judged = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    corpus = ROOT / "corpus"
    with tempfile.TemporaryDirectory() as folder, NewsIndex(folder) as news:
        news.index([str(corpus)], jobs=2)
        totals = {False: [0.0, 0.0], True: [0.0, 0.0]}
        queries = []
        for entry in judged:
            relevant = set(entry["relevant"])
            row = {"query": entry["query"], "relevant": len(relevant)}
            for variants, suffix in ((False, "exact"), (True, "variants")):
                results = news.search(entry["query"], limit=100, collapse=False, variants=variants)
                found = {str(Path(hit.path).relative_to(corpus)) for hit in results.hits}
                precision, recall = scores(found, relevant)
                totals[variants][0] += precision
                totals[variants][1] += recall
                row.update({f"p_{suffix}": precision, f"r_{suffix}": recall})
            queries.append(row)
    figures = {"corpus_pages": len(list(corpus.rglob("*.*"))) - 1, "queries": queries}
    for variants, key in ((False, "exact"), (True, "variants")):
        precision, recall = (value / len(judged) for value in totals[variants])
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        figures[key] = {"precision": precision, "recall": recall, "f1": f1}
    path = write_result("stemming", {"queries": len(judged), "limit": 100}, figures)
    print()
    print(markdown(json.loads(path.read_text())))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
