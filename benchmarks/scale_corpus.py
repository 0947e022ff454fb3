"""Synthetic archives for the scale benchmark, built from real news text.

Reuters-21578 (dated 1987) and the BBC News stories (undated) are rendered as saved pages in four
of the corpus's markups, each with its menus, related links and footer. Stories are reused with a
copy number to reach the size asked for, and about 2% of pages are syndicated copies (the same
body on another site). Pages go to a cache folder outside git and are built once per size.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import random
import re
from pathlib import Path

from common import DATA, ROOT, require

CACHE = Path(os.environ.get("BENCH_CACHE", ROOT / ".cache" / "bench"))
SYNDICATED_SHARE = 0.02
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s{3,}\S)")
SITES = ["Harbour Gazette", "Meridian Ledger", "Continental Review", "Danube Observer"]


def load_stories() -> list[dict]:
    """Real stories with a title and a body, as {title, paragraphs, date, places, people}."""
    folder = require(DATA / "news-text", "news-text")
    stories = []
    for name in ("reuters21578.jsonl.gz", "bbc-news-2225.jsonl.gz"):
        with gzip.open(folder / name, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                if not record.get("title") or not (record.get("body") or "").strip():
                    continue
                body = record["body"].strip().removesuffix("Reuter").strip()
                paragraphs = [" ".join(p.split()) for p in _PARAGRAPH.split(body) if p.strip()]
                if not paragraphs:
                    continue
                stories.append(
                    {
                        "title": " ".join(record["title"].split()),
                        "paragraphs": paragraphs,
                        "date": record.get("date"),
                        "places": record.get("places") or [],
                        "people": record.get("people") or [],
                    }
                )
    return stories


def _chrome(site: str, related: list[str]) -> tuple[str, str]:
    menu = "".join(
        f'<li><a href="/{s.lower()}">{s}</a></li>'
        for s in ("World", "Business", "Markets", "Sport", "Opinion")
    )
    links = "".join(
        f'<li><a href="/r/{i}">{html.escape(t)}</a></li>' for i, t in enumerate(related)
    )
    head = (
        f'<header class="site-header"><div class="logo">{site}</div><nav class="main-menu">'
        f"<ul>{menu}</ul></nav></header>"
    )
    foot = (
        f'<aside class="related-posts"><h3>Related articles</h3><ul>{links}</ul></aside>'
        f'<div class="newsletter">Sign up for our daily briefing</div>'
        f'<footer class="site-footer"><p>© 2024 {site}. All rights reserved.</p></footer>'
    )
    return head, foot


def render(story: dict, markup: int, site: str, related: list[str], copy: int) -> tuple[str, str]:
    """(file suffix, page text) for a story in one of four markups."""
    title = story["title"] + (f" ({copy})" if copy else "")
    date = story["date"]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in story["paragraphs"])
    head, foot = _chrome(site, related)
    escaped = html.escape(title)
    if markup == 0:  # WordPress-like theme with article:published_time
        meta = (
            f'<meta property="article:published_time" content="{date}T12:00:00+00:00">'
            if date
            else ""
        )
        return ".html", (
            f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escaped} - {site}"
            f"</title>{meta}<meta property='og:site_name' content='{site}'></head><body>{head}"
            f"<div class='td-post-header'><h1 class='entry-title'>{escaped}</h1></div>"
            f"<div class='td-post-content'>{body}<p>- Advertisement -</p></div>{foot}</body></html>"
        )
    if markup == 1:  # JSON-LD NewsArticle
        data = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": title,
                "datePublished": date,
                "publisher": {"@type": "Organization", "name": site},
            }
        )
        return ".html", (
            f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escaped} | {site}"
            f"</title><script type='application/ld+json'>{data}</script></head><body>{head}"
            f"<article><h1>{escaped}</h1><div class='article-body'>{body}</div></article>{foot}"
            "</body></html>"
        )
    if markup == 2:  # old table layout, date only in the text
        dateline = f"<p class='dateline'>Posted: {date}</p>" if date else ""
        return ".html", (
            f"<html><head><title>{site} :: {escaped}</title></head><body><table><tr>"
            f"<td class='menu'>{head}</td><td><font size='5'><b>{escaped}</b></font>{dateline}"
            f"{body}</td></tr></table>{foot}</body></html>"
        )
    lines = [
        f"HomeWorld{title}",
        title,
        *story["paragraphs"],
        "RELATED ARTICLES",
        *related,
        "LEAVE A REPLY",
        "Please enter your comment!",
        "Most Popular",
    ]
    return ".txt", "\n\n".join(lines)


def build(size: int, seed: int = 1987) -> Path:
    """The folder of a `size`-page archive, built on first use."""
    folder = CACHE / f"corpus-{size}"
    done = folder / ".complete"
    if done.exists():
        return folder
    stories = load_stories()
    chooser = random.Random(seed)
    originals = int(size * (1 - SYNDICATED_SHARE))
    for number in range(size):
        if number < originals:
            story_index, copy = number % len(stories), number // len(stories)
        else:  # a syndicated copy of an earlier page, on another site, in another markup
            story_index, copy = chooser.randrange(min(originals, len(stories))), 0
        story = stories[story_index]
        related = [stories[chooser.randrange(len(stories))]["title"] for _ in range(4)]
        markup = number % 4
        suffix, text = render(story, markup, SITES[(number + markup) % len(SITES)], related, copy)
        path = folder / f"{number // 1000:03d}" / f"page-{number:06d}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    done.write_text("ok")
    return folder


def add_pages(folder: Path, count: int, start: int, seed: int = 7) -> list[Path]:
    """Write `count` new pages into `folder` (for the incremental-update measurement)."""
    stories = load_stories()
    chooser = random.Random(seed)
    written = []
    for offset in range(count):
        story = stories[chooser.randrange(len(stories))]
        suffix, text = render(story, offset % 3, SITES[offset % 4], [], 900 + offset)
        path = folder / "new" / f"page-{start + offset:06d}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
