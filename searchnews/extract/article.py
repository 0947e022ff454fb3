"""One saved news page (HTML or a plain-text dump) -> an Article."""

from __future__ import annotations

from datetime import datetime

from ..models import Article
from .decode import decode_page
from .html_article import extract_html
from .mentions import mentioned_dates
from .text_dump import extract_text_dump, looks_like_html


def extract_article(
    html: bytes | str,
    url: str | None = None,
    *,
    now: datetime | None = None,
    charset: str | None = None,
) -> Article:
    """Extract headline, body, headings, dates, authors and site fields from one page.

    `html` may be bytes in any encoding (decoded by BOM, declared charset, then detection) or
    text; a plain-text dump of a scraped page is recognised and read as such. `now` is the
    moment of the crawl, after which no publication date is believed (default: the present).
    `charset` is the one the page's HTTP response named, trusted before the page's own.
    """
    text, _encoding = decode_page(html, charset)
    text = text.replace("\x00", "")
    if looks_like_html(text):
        article = extract_html(text, url, now=now)
    else:
        article = extract_text_dump(text, url, now=now)
    article.mentioned_dates = mentioned_dates(
        f"{article.headline}\n{article.body}", article.published
    )
    return article
