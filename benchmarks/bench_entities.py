"""Entity extraction against the hand-marked paragraphs of entities_gold.jsonl.

A found entity is right when its kind and exact span match a gold one. Paragraphs from the
project's corpus carry their text; those from ../shared/data/news-text are read from there (and
checked by hash), and left out with a message when that folder is absent. Speed is measured on
whole articles in one process.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import time
from pathlib import Path

from common import DATA, table

from searchnews.entities import extract_entities

GOLD = Path(__file__).resolve().parent / "entities_gold.jsonl"
KINDS = ("person", "org", "place")
_REUTERS_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s{3,}\S)")
NEWS_FILES = {"reuters21578": "reuters21578.jsonl.gz", "bbc": "bbc-news-2225.jsonl.gz"}


def _paragraphs(source: str, body: str) -> list[str]:
    parts = body.split("\n\n") if source == "bbc" else _REUTERS_PARAGRAPH.split(body)
    return [" ".join(part.split()) for part in parts]


def _news_records(wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    bodies = {}
    for source, name in NEWS_FILES.items():
        path = DATA / "news-text" / name
        if not path.exists():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                if (source, record["id"]) in wanted:
                    bodies[(source, record["id"])] = record["body"] or ""
    return bodies


def load_gold() -> tuple[list[tuple[str, str, list[dict]]], int]:
    """(source, paragraph text, gold entities) items, and how many were left out."""
    items = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    wanted = {(item["source"], item["id"]) for item in items if item["source"] != "corpus"}
    bodies = _news_records(wanted)
    loaded, missing = [], 0
    for item in items:
        if item["source"] == "corpus":
            loaded.append(("corpus", item["text"], item["entities"]))
            continue
        body = bodies.get((item["source"], item["id"]))
        text = _paragraphs(item["source"], body)[item["paragraph"]] if body else None
        if text is None or hashlib.sha1(text.encode("utf-8")).hexdigest() != item["sha1"]:
            missing += 1
            continue
        loaded.append((item["source"], text, item["entities"]))
    return loaded, missing


def score(items) -> dict[str, tuple[int, int, int]]:
    """(true positives, found, gold) per kind and overall."""
    counts = {kind: [0, 0, 0] for kind in (*KINDS, "all")}
    for _source, text, gold in items:
        expected = {(e["start"], e["end"], e["kind"]) for e in gold}
        found = {(e.start, e.end, e.kind) for e in extract_entities(text)}
        for kind in (*KINDS, "all"):
            exp = {e for e in expected if kind in ("all", e[2])}
            got = {e for e in found if kind in ("all", e[2])}
            counts[kind][0] += len(exp & got)
            counts[kind][1] += len(got)
            counts[kind][2] += len(exp)
    return {kind: tuple(values) for kind, values in counts.items()}


def prf(true_positives: int, found: int, gold: int) -> tuple[float, float, float]:
    precision = true_positives / found if found else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def speed() -> tuple[int, float]:
    """Articles per second on whole article bodies (the corpus, and BBC stories if present)."""
    bodies = list(
        json.loads(
            (
                Path(__file__).resolve().parent.parent / "tests/fixtures/corpus_gold_bodies.json"
            ).read_text()
        ).values()
    )
    bbc = DATA / "news-text" / NEWS_FILES["bbc"]
    if bbc.exists():
        with gzip.open(bbc, "rt", encoding="utf-8") as lines:
            bodies += [json.loads(line)["body"] for line in lines][:500]
    extract_entities(bodies[0])  # loads the gazetteer: a one-time cost, not a per-article one
    start = time.perf_counter()
    for body in bodies:
        extract_entities(body)
    return len(bodies), len(bodies) / (time.perf_counter() - start)


def main() -> None:
    items, missing = load_gold()
    by_source: dict[str, list] = {}
    for item in items:
        by_source.setdefault(item[0], []).append(item)
    print(
        f"{len(items)} gold paragraphs"
        + (f"; {missing} left out (../shared/data absent)" if missing else "")
        + "\n"
    )
    rows = []
    for label, subset in (("all sources", items), *sorted(by_source.items())):
        counts = score(subset)
        for kind in (*KINDS, "all"):
            rows.append(
                [label if kind == KINDS[0] else "", kind, counts[kind][2], *prf(*counts[kind])]
            )
    print(table(["paragraphs", "kind", "gold", "precision", "recall", "F1"], rows))
    count, rate = speed()
    print(f"\nSpeed: {rate:.0f} articles/s on {count} whole articles, one process.")


if __name__ == "__main__":
    main()
