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

from common import ROOT, table

from searchnews import NewsIndex

QUERIES = Path(__file__).resolve().parent / "relevance_queries.json"


def scores(found: set[str], relevant: set[str]) -> tuple[float, float]:
    precision = len(found & relevant) / len(found) if found else 1.0
    recall = len(found & relevant) / len(relevant) if relevant else 1.0
    return precision, recall


def main() -> None:
    judged = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    corpus = ROOT / "corpus"
    with tempfile.TemporaryDirectory() as folder, NewsIndex(folder) as news:
        news.index([str(corpus)], jobs=2)
        totals = {False: [0.0, 0.0], True: [0.0, 0.0]}
        rows = []
        for entry in judged:
            relevant = set(entry["relevant"])
            row = [entry["query"], len(relevant)]
            for variants in (False, True):
                results = news.search(entry["query"], limit=100, collapse=False, variants=variants)
                found = {str(Path(hit.path).relative_to(corpus)) for hit in results.hits}
                precision, recall = scores(found, relevant)
                totals[variants][0] += precision
                totals[variants][1] += recall
                row += [precision, recall]
            rows.append(row)
    print(
        f"{len(judged)} judged queries over the {len(list(corpus.rglob('*.*'))) - 1} corpus pages\n"
    )
    print(table(["query", "relevant", "P exact", "R exact", "P variants", "R variants"], rows))
    print()
    summary = []
    for variants, label in ((False, "exact forms"), (True, "with variants")):
        precision, recall = (value / len(judged) for value in totals[variants])
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        summary.append([label, precision, recall, f1])
    print(table(["matching", "precision", "recall", "F1"], summary))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
