"""Small but complete news pages for tests that need pages with known content."""

from __future__ import annotations

import html
from pathlib import Path


def news_page(
    headline: str,
    paragraphs: list[str],
    *,
    published: str | None = None,
    site: str = "The Test Courier",
    author: str | None = "Ana Lima",
    headings: dict[int, str] | None = None,
) -> str:
    """A page with a menu, a share bar, related links and a footer around the article.

    `headings` maps a paragraph index to a section heading placed before that paragraph.
    """
    body = []
    for index, paragraph in enumerate(paragraphs):
        if headings and index in headings:
            body.append(f"<h2>{html.escape(headings[index])}</h2>")
        body.append(f"<p>{html.escape(paragraph)}</p>")
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    byline = f'<div class="byline">By {html.escape(author)}</div>' if author else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(headline)} | {html.escape(site)}</title>
<meta property="og:site_name" content="{html.escape(site)}">{meta}
</head><body>
<nav class="main-menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>{html.escape(headline)}</h1>{byline}
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
<div class="article-body">{"".join(body)}</div>
<aside class="related-stories"><h3>Related stories</h3><ul>
<li><a href="/a">Harbour cranes return after a long winter</a></li>
<li><a href="/b">Council votes on the new tram line</a></li></ul></aside>
</article>
<footer class="site-footer"><p>Copyright 2024 {html.escape(site)}. All rights reserved.</p></footer>
</body></html>"""


def write_page(folder: Path, name: str, headline: str, paragraphs: list[str], **options) -> Path:
    """Write a news page into `folder` and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(news_page(headline, paragraphs, **options), encoding="utf-8")
    return path
