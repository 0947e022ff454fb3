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

from common import DATA, env_int, table, write_result

from searchnews.entities import extract_entities

GOLD = Path(__file__).resolve().parent / "entities_gold.jsonl"
KINDS = ("person", "org", "place")
_REUTERS_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s{3,}\S)")
SPEED_ARTICLES = env_int("BENCH_ARTICLES", 500)  # BBC stories added to the corpus bodies
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
            bodies += [json.loads(line)["body"] for line in lines][:SPEED_ARTICLES]
    extract_entities(bodies[0])  # loads the gazetteer: a one-time cost, not a per-article one
    start = time.perf_counter()
    for body in bodies:
        extract_entities(body)
    return len(bodies), len(bodies) / (time.perf_counter() - start)


def markdown(result: dict) -> str:
    """The tables of an entities.json result."""
    figures = result["figures"]
    rows = []
    for group in figures["scores"]:
        for kind in (*KINDS, "all"):
            row = group["kinds"][kind]
            label = group["paragraphs"] if kind == KINDS[0] else ""
            rows.append([label, kind, row["gold"], row["precision"], row["recall"], row["f1"]])
    missing = figures["left_out"]
    speed = figures["speed"]
    return (
        f"{figures['gold_paragraphs']} gold paragraphs"
        + (f"; {missing} left out (../shared/data absent)" if missing else "")
        + "\n\n"
        + table(["paragraphs", "kind", "gold", "precision", "recall", "F1"], rows)
        + f"\n\nSpeed: {speed['per_s']:.0f} articles/s on {speed['articles']} whole articles, "
        "one process.\n"
    )


def main() -> None:
    items, missing = load_gold()
    by_source: dict[str, list] = {}
    for item in items:
        by_source.setdefault(item[0], []).append(item)
    groups = []
    for label, subset in (("all sources", items), *sorted(by_source.items())):
        counts = score(subset)
        kinds = {}
        for kind in (*KINDS, "all"):
            precision, recall, f1 = prf(*counts[kind])
            kinds[kind] = {
                "true_positives": counts[kind][0],
                "found": counts[kind][1],
                "gold": counts[kind][2],
                "precision": precision,
                "recall": recall,
                "f1": f1,
            }
        groups.append({"paragraphs": label, "kinds": kinds})
    count, rate = speed()
    figures = {
        "gold_paragraphs": len(items),
        "left_out": missing,
        "scores": groups,
        "speed": {"articles": count, "per_s": rate},
    }
    path = write_result("entities", {"speed_bbc_articles": SPEED_ARTICLES}, figures)
    print()
    print(markdown(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
