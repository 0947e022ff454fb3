"""What a page says about itself: JSON-LD, OpenGraph and other meta tags, <time>, <html lang>."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from lxml import html as lxml_html

from ..dates import parse_timestamp
from .fields import split_names
from .textdates import first_date_in

_ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "blogposting",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "socialmediaposting",
    "liveblogposting",
    "scholarlyarticle",
    "techarticle",
    "report",
    "posting",
}
_ORGANISATION_TYPES = {"organization", "newsmediaorganization", "corporation"}
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "article.created",
    "article_date_original",
    "bt:pubdate",
    "date_published",
    "datecreated",
    "dc.created",
    "dc.date.created",
    "originalpublicationdate",
    "publication_date",
    "rnews:datepublished",
    "pub_date",
    "ga-publish-date",
    "release_date",
    "content_create_date",
    "datetime",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.issued",
    "dcterms.created",
    "citation_publication_date",
    "citation_date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "published_time",
    "og:published_time",
    "original-publish-date",
    "cxenseparse:recs:publishtime",
    "analyticsattributes.publishdate",
    "displaydate",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "article:modified",
    "datemodified",
    "last-modified",
    "lastmod",
    "dcterms.modified",
    "dc.date.modified",
    "modified_time",
    "og:article:modified_time",
    "article.updated",
)


@dataclass
class DateCandidate:
    """A date the page states, and where it was found (`jsonld`, `meta` or `time`)."""

    value: object  # datetime
    source: str


@dataclass
class PageMetadata:
    """Everything the page declares about the article, before any guessing."""

    headline: str | None = None
    og_title: str | None = None
    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    url: str | None = None
    language: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    article_body: str | None = None
    published: list[DateCandidate] = field(default_factory=list)
    modified: list[DateCandidate] = field(default_factory=list)


def _text(value) -> str | None:
    if isinstance(value, str):
        cleaned = " ".join(value.split())
        return cleaned or None
    return None


def _types(node: dict) -> set[str]:
    raw = node.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {name.lower().rsplit("/", 1)[-1] for name in names if isinstance(name, str)}


def _json_nodes(data) -> list[dict]:
    """Flatten JSON-LD (lists, @graph) into a list of typed objects."""
    found: list[dict] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            found.append(item)
            if "@graph" in item:
                stack.append(item["@graph"])
    return found


def _names(value, *, people_only: bool = False) -> list[str]:
    """Author or publisher values (strings, objects, lists of either) -> names.

    With `people_only`, organisations (an agency named as author) are left out.
    """
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if people_only and isinstance(item, dict) and _types(item) & _ORGANISATION_TYPES:
            continue
        name = _text(item.get("name")) if isinstance(item, dict) else _text(item)
        if name and not name.startswith(("http://", "https://")):
            names.append(name)
    return names


def _declared_date(value):
    """A machine-readable timestamp, or failing that a date written out ("Apr 08, 2020")."""
    text = _text(value)
    if not text:
        return None
    return parse_timestamp(text) or first_date_in(text)


def _load_json_ld(tree) -> list[dict]:
    nodes: list[dict] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        raw = re.sub(r"^\s*(?://)?\s*<!\[CDATA\[|(?://)?\s*\]\]>\s*$", "", raw)
        try:
            nodes.extend(_json_nodes(json.loads(raw)))
        except (ValueError, RecursionError):
            continue
    return nodes


def _read_json_ld(nodes: list[dict], meta: PageMetadata) -> None:
    articles = [node for node in nodes if _types(node) & _ARTICLE_TYPES]
    pages = [node for node in nodes if "webpage" in _types(node)]
    for node in articles[:1]:
        meta.headline = _text(node.get("headline")) or _text(node.get("name"))
        meta.description = meta.description or _text(node.get("description"))
        meta.authors = _names(node.get("author"), people_only=True)
        publisher = _names(node.get("publisher"))
        if publisher:
            meta.site_name = publisher[0]
        section = node.get("articleSection")
        meta.section = _text(section[0] if isinstance(section, list) and section else section)
        keywords = node.get("keywords")
        if isinstance(keywords, str):
            meta.tags = [tag.strip() for tag in keywords.split(",") if tag.strip()]
        elif isinstance(keywords, list):
            meta.tags = [tag for tag in (_text(k) for k in keywords) if tag]
        language = node.get("inLanguage")
        meta.language = _text(language) if isinstance(language, str) else meta.language
        meta.article_body = _text(node.get("articleBody")) and node["articleBody"].strip()
        url = node.get("url") or node.get("mainEntityOfPage")
        if isinstance(url, dict):
            url = url.get("@id") or url.get("url")
        meta.url = _text(url) if isinstance(url, str) and url.startswith("http") else None
    for node in articles[:1] + pages[:1]:
        for key, target in (
            ("datePublished", meta.published),
            ("dateCreated", meta.published),
            ("dateModified", meta.modified),
        ):
            value = _declared_date(node.get(key))
            if value is not None:
                target.append(DateCandidate(value, "jsonld"))


def _read_meta_tags(tree, meta: PageMetadata) -> None:
    values: dict[str, list[str]] = {}
    for tag in tree.iter("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop") or tag.get("http-equiv")
        content = tag.get("content")
        if key and content and content.strip():
            values.setdefault(key.strip().lower(), []).append(content.strip())

    def first(*keys: str) -> str | None:
        for key in keys:
            if key in values:
                return _text(values[key][0])
        return None

    meta.og_title = first("og:title", "twitter:title")
    meta.description = meta.description or first(
        "og:description", "description", "twitter:description"
    )
    meta.site_name = meta.site_name or first("og:site_name", "application-name", "twitter:site")
    meta.section = meta.section or first(
        "article:section", "section", "category", "article.section"
    )
    if not meta.tags:
        tags = values.get("article:tag") or []
        if not tags:
            joined = first("news_keywords", "keywords")
            tags = joined.split(",") if joined else []
        meta.tags = [tag.strip() for tag in tags if tag.strip()]
    if not meta.authors:
        authors = [
            a
            for a in values.get("author", []) + values.get("article:author", [])
            if not a.startswith(("http://", "https://"))
        ]
        meta.authors = [name for author in authors for name in split_names(author)]
    meta.url = meta.url or first("og:url")
    meta.language = meta.language or first(
        "content-language", "og:locale", "language", "dc.language"
    )
    for keys, target in ((_PUBLISHED_META, meta.published), (_MODIFIED_META, meta.modified)):
        for key in keys:
            for content in values.get(key, []):
                value = _declared_date(content)
                if value is not None:
                    target.append(DateCandidate(value, "meta"))


_DATE_ATTRIBUTES = (
    "datetime",
    "content",
    "title",
    "data-date-time",
    "data-published",
    "data-date",
    "data-timestamp",
)
_MARKED_DATES = (
    "//time[@datetime] | //*[@itemprop][@datetime or @content] | //abbr[@title][@class]"
    " | //*[@property][@content][not(self::meta)] | //*[@dc:date]"
    " | //*[@data-date-time or @data-published]"
)
_SCRIPT_DATE = re.compile(
    r'"(?P<key>datePublished|publishedDate|published_at|publishDate|pubDate|date_published'
    r'|firstPublished|publishedAt|dateModified|modifiedDate|updated_at)"\s*:\s*"(?P<value>[^"]{8,40})"'
)
_SCRIPT_MODIFIED_KEYS = {"dateModified", "modifiedDate", "updated_at"}


def _read_time_elements(tree, meta: PageMetadata) -> None:
    """Dates marked up in the page body: <time>, microdata, RDFa, Blogger's <abbr>, data-*."""
    for element in tree.xpath(_MARKED_DATES, namespaces={"dc": "http://purl.org/dc/elements/1.1/"}):
        prop = f"{element.get('itemprop') or ''} {element.get('property') or ''}".lower()
        classes = (element.get("class") or "").lower()
        if element.tag == "abbr" and "published" not in classes and "updated" not in classes:
            continue
        if element.get("property") and "date" not in prop:
            continue
        raw = next((element.get(name) for name in _DATE_ATTRIBUTES if element.get(name)), None)
        raw = raw or element.get("{http://purl.org/dc/elements/1.1/}date")
        value = _declared_date(raw)
        if value is None:
            continue
        if (
            "modified" in prop
            or "modified" in classes
            or (element.tag == "abbr" and "updated" in classes)
        ):
            meta.modified.append(DateCandidate(value, "time"))
        else:
            meta.published.append(DateCandidate(value, "time"))


def _read_script_data(tree, meta: PageMetadata) -> None:
    """Publication dates in the JSON state that script-driven pages embed (Next.js and kin)."""
    for script in tree.iter("script"):
        text = script.text or ""
        if "ld+json" in (script.get("type") or "") or len(text) < 20:
            continue
        for match in _SCRIPT_DATE.finditer(text):
            value = _declared_date(match.group("value"))
            if value is None:
                continue
            target = (
                meta.modified if match.group("key") in _SCRIPT_MODIFIED_KEYS else meta.published
            )
            target.append(DateCandidate(value, "meta"))
            if target is meta.published:
                return


def read_metadata(tree: lxml_html.HtmlElement) -> PageMetadata:
    """Collect the metadata a parsed page declares, most trusted sources first."""
    meta = PageMetadata()
    _read_json_ld(_load_json_ld(tree), meta)
    _read_meta_tags(tree, meta)
    _read_time_elements(tree, meta)
    _read_script_data(tree, meta)
    titles = tree.xpath("//title")
    if titles:
        meta.title = _text(titles[0].text_content())
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    if canonical and canonical[0].startswith("http"):
        meta.url = meta.url or canonical[0].strip()
    root = tree.getroottree().getroot()
    meta.language = root.get("lang") or root.get("xml:lang") or meta.language
    return meta
