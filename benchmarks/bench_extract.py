"""Extraction quality and speed, side by side with trafilatura and htmldate, on the same pages.

Body: the article-extraction benchmark (181 pages with gold article bodies), scored with 4-token
shingles with counts; precision and recall are averaged over pages and F1 is taken from the two
averages. Dates: the htmldate evaluation set (999 pages with gold publication dates, same day;
a null gold date is right only when no date is returned). Speed: pages per second in one process.
"""

from __future__ import annotations

import gzip
import json
import time

from common import DATA, env_int, require, table, write_result

from searchnews import extract_article
from searchnews.extract.scoring import corpus_scores

LIMIT = env_int("BENCH_PAGES", 0)  # 0: every page; fewer for a short run


def load_body_pages() -> list[tuple[bytes, str, str]]:
    folder = require(DATA / "article-extraction-benchmark", "article-extraction-benchmark")
    gold = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    items = sorted(gold.items())[: LIMIT or None]
    return [
        (
            gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()),
            entry["url"],
            entry["articleBody"],
        )
        for key, entry in items
    ]


def load_date_pages() -> list[tuple[bytes, str | None, str | None]]:
    folder = require(DATA / "htmldate-eval", "htmldate-eval")
    expected = json.loads((folder / "expected-dates.json").read_text(encoding="utf-8"))
    metadata = json.loads((folder / "pages-metadata.json").read_text(encoding="utf-8"))
    pages = []
    for name, gold in sorted(expected.items())[: LIMIT or None]:
        urls = metadata.get(name, {}).get("urls") or [None]
        pages.append(
            (gzip.decompress((folder / "pages" / f"{name}.gz").read_bytes()), urls[0], gold)
        )
    return pages


def timed(function, items) -> tuple[list, float]:
    function(*items[0])  # warm up: imports and caches are not part of the per-page cost
    start = time.perf_counter()
    results = [function(*item) for item in items]
    return results, time.perf_counter() - start


def run_searchnews(body_pages, date_pages) -> dict:
    bodies, body_seconds = timed(lambda html, url, _g: extract_article(html, url).body, body_pages)
    dates, date_seconds = timed(
        lambda html, url, _g: _day(extract_article(html, url).published), date_pages
    )
    return _row(body_pages, bodies, body_seconds, date_pages, dates, date_seconds)


def run_peers(body_pages, date_pages) -> tuple[dict, dict]:
    import trafilatura
    from htmldate import find_date

    def trafilatura_body(html, url, _gold):
        return trafilatura.extract(html, url=url) or ""

    def htmldate_day(html, url, _gold):
        return find_date(html, url=url, original_date=True)

    bodies, body_seconds = timed(trafilatura_body, body_pages)
    traf_dates, traf_date_seconds = timed(
        lambda html, url, _g: _metadata_day(trafilatura.extract_metadata(html, default_url=url)),
        date_pages,
    )
    dates, date_seconds = timed(htmldate_day, date_pages)
    traf = _row(body_pages, bodies, body_seconds, date_pages, traf_dates, traf_date_seconds)
    hdate = _row(None, None, None, date_pages, dates, date_seconds)
    return traf, hdate


def _metadata_day(metadata) -> str | None:
    return getattr(metadata, "date", None) if metadata is not None else None


def _day(value) -> str | None:
    return value.date().isoformat() if value is not None else None


def _row(body_pages, bodies, body_seconds, date_pages, dates, date_seconds) -> dict:
    row: dict = {}
    if bodies is not None:
        precision, recall, f1 = corpus_scores(
            [(gold, got) for (_h, _u, gold), got in zip(body_pages, bodies, strict=True)]
        )
        row.update(
            precision=precision, recall=recall, f1=f1, body_pps=len(body_pages) / body_seconds
        )
    right = sum(got == gold for (_h, _u, gold), got in zip(date_pages, dates, strict=True))
    row.update(date_accuracy=right / len(date_pages), date_pps=len(date_pages) / date_seconds)
    return row


SYSTEMS = (("searchnews", "searchnews"), ("trafilatura", "trafilatura"), ("htmldate", "htmldate"))


def markdown(result: dict) -> str:
    """The tables of an extract.json result."""
    figures, machine = result["figures"], result["machine"]
    rows = []
    for key, name in SYSTEMS:
        row = figures["systems"][key]
        version = machine.get(name) if key != "searchnews" else None
        rows.append(
            [
                f"{name} {version}" if version else name,
                row.get("precision"),
                row.get("recall"),
                row.get("f1"),
                row.get("date_accuracy"),
                row.get("body_pps"),
                row.get("date_pps"),
            ]
        )
    ours, traf, hdate = (figures["systems"][key] for key, _name in SYSTEMS)
    headers = ["extractor", "precision", "recall", "F1", "date accuracy", "body pages/s"]
    return (
        f"Article bodies: {figures['body_pages']} pages; publication dates: "
        f"{figures['date_pages']} pages; one process.\n\n"
        + table([*headers, "date pages/s"], rows)
        + f"\n\nsearchnews / trafilatura: F1 {ours['f1'] / traf['f1']:.3f}x, "
        f"body speed {ours['body_pps'] / traf['body_pps']:.2f}x; "
        f"searchnews / htmldate date accuracy "
        f"{ours['date_accuracy'] / hdate['date_accuracy']:.3f}x\n"
    )


def main() -> None:
    body_pages, date_pages = load_body_pages(), load_date_pages()
    ours = run_searchnews(body_pages, date_pages)
    traf, hdate = run_peers(body_pages, date_pages)
    figures = {
        "body_pages": len(body_pages),
        "date_pages": len(date_pages),
        "systems": {"searchnews": ours, "trafilatura": traf, "htmldate": hdate},
    }
    path = write_result("extract", {"page_limit": LIMIT or None, "processes": 1}, figures)
    print()
    print(markdown(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
