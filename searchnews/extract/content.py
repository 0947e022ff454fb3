"""Finding the article inside a parsed page and reading it as headings and paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from .boilerplate import (
    ARTICLE_BODY_NAMES,
    FURNITURE_ROLES,
    FURNITURE_TAGS,
    JUNK_TAGS,
    is_boilerplate_heading,
    is_boilerplate_line,
    is_furniture_name,
)

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "nav",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "figure",
        "figcaption",
        "hr",
        "address",
        "center",
        "form",
        "fieldset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "body",
        "html",
        "details",
        "summary",
        "caption",
        "amp-img",
    }
)
HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_SPACES = re.compile(r"\s+")
_MIN_NAMED_BODY = 250  # characters of paragraph text a named article container must hold


@dataclass
class Block:
    """A paragraph or a heading of the article, with the share of its text inside links."""

    kind: str  # "paragraph" or "heading"
    text: str
    link_chars: int = 0

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


def _tag(element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def drop_junk(tree) -> None:
    """Remove elements that never carry article text (scripts, styles, widgets, inputs)."""
    doomed = [el for el in tree.iter() if not isinstance(el.tag, str) or _tag(el) in JUNK_TAGS]
    for element in doomed:
        _remove(element)


def _remove(element) -> None:
    """Take an element out of the tree but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _is_structural_furniture(element) -> bool:
    """Furniture by tag, ARIA role or being hidden: what the page's structure itself says."""
    if _tag(element) in FURNITURE_TAGS:
        return True
    if (element.get("role") or "").lower() in FURNITURE_ROLES:
        return True
    if (element.get("aria-hidden") or "").lower() == "true" or element.get("hidden") is not None:
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _is_furniture(element) -> bool:
    if _is_structural_furniture(element):
        return True
    if _is_named_article_body(element):
        return False
    return is_furniture_name(element.get("class") or "") or is_furniture_name(
        element.get("id") or ""
    )


def _text_length(element) -> int:
    return len(_normalise(element.text_content()))


def _paragraph_text_length(element) -> int:
    return sum(len(_normalise(p.text_content())) for p in element.iter("p"))


_ARTICLE_BODY_PATTERN = re.compile("|".join(re.escape(name) for name in ARTICLE_BODY_NAMES))


def _is_named_article_body(element) -> bool:
    if (element.get("itemprop") or "").lower() == "articlebody":
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return len(names) > 1 and _ARTICLE_BODY_PATTERN.search(names.lower()) is not None


def _named_article_containers(tree) -> list:
    return [el for el in tree.iter() if isinstance(el.tag, str) and _is_named_article_body(el)]


def _own_text_length(element) -> int:
    """Characters of text directly in an element, or in its inline (non-block) descendants."""
    total = len((element.text or "").strip())
    for child in element:
        if not isinstance(child.tag, str):
            total += len((child.tail or "").strip())
            continue
        if _tag(child) not in BLOCK_TAGS and _tag(child) != "br":
            total += len(_normalise(child.text_content()))
        total += len((child.tail or "").strip())
    return total


class _FurnitureMap:
    """Which elements of a page are furniture, or inside furniture, with answers cached.

    An element that holds half of the page's text or paragraphs is never furniture, whatever its
    class says: pages wrap everything in containers named "has-sidebar" or "with-comments".
    """

    def __init__(self, root) -> None:
        self._limit = 0.5 * max(_text_length(root), 1)
        self._paragraph_limit = 0.5 * max(_paragraph_text_length(root), 1)
        self._inside: dict = {}

    def _is_wrapper(self, element) -> bool:
        """Holds half the page's text, or half its paragraph text: the article's wrapper."""
        return (
            _text_length(element) >= self._limit
            or _paragraph_text_length(element) >= self._paragraph_limit
        )

    def inside(self, element) -> bool:
        # Walk up iteratively: pages can nest thousands of elements deep.
        chain = []
        while element is not None and _tag(element) not in ("html", "body"):
            known = self._inside.get(element)
            if known is not None:
                break
            chain.append(element)
            element = element.getparent()
        else:
            known = False
        for link in reversed(chain):
            known = known or (_is_furniture(link) and not self._is_wrapper(link))
            self._inside[link] = known
        return known


def _best_scored(root, furniture: _FurnitureMap):
    """Readability-style scoring: text-bearing blocks credit their parent and grandparent."""
    scores: dict = {}
    for element in root.iter("p", "td", "pre", "blockquote", "div", "section", "article"):
        length = _own_text_length(element)
        if length < 25 or furniture.inside(element):
            continue
        links = sum(len(_normalise(a.text_content())) for a in element.iter("a"))
        weight = length * max(0.0, 1.0 - links / max(length, 1)) + 20
        parent_like = _tag(element) in ("td", "div", "section", "article")
        target = element if parent_like else element.getparent()
        if target is None:
            continue
        scores[target] = scores.get(target, 0.0) + weight
        grandparent = target.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + weight / 2
    if not scores:
        return root
    return max(scores, key=scores.get)


def find_main_content(tree):
    """The element that holds the article body.

    A container named like an article body (itemprop=articleBody, `entry-content`, ...) wins when
    it holds enough paragraph text; then the largest <article>; otherwise the element whose
    paragraphs score best.
    """
    body = tree.find(".//body")
    root = body if body is not None else tree
    furniture = _FurnitureMap(root)
    # Class names mislead more often than structure ("modal-enabled" on the article wrapper):
    # a container named like the article body is only ruled out by a structural ancestor.
    named = [
        el
        for el in _named_article_containers(root)
        if not any(_is_structural_furniture(a) for a in el.iterancestors() if _tag(a) != "body")
    ]
    named = [(el, _paragraph_text_length(el) or _text_length(el) // 2) for el in named]
    named = [(el, size) for el, size in named if size >= _MIN_NAMED_BODY]
    if named:
        best_size = max(size for _el, size in named)
        # Outermost container that still holds (nearly) all of the best text: keeps subheads that
        # some sites place beside, not inside, the paragraph wrapper.
        for element, size in named:
            if size >= 0.9 * best_size:
                return element
    articles = [
        el
        for el in root.iter("article")
        if not furniture.inside(el) and _paragraph_text_length(el) >= _MIN_NAMED_BODY
    ]
    if articles:
        return max(articles, key=_paragraph_text_length)
    return _best_scored(root, furniture)


def strip_furniture(container) -> None:
    """Remove menus, share bars, related links and the like from inside the article container.

    An element holding most of the container's text is a wrapper, not furniture, and is kept.
    """
    limit = 0.6 * max(_text_length(container), 1)
    stack = [container]
    while stack:
        for child in list(stack.pop()):
            if not isinstance(child.tag, str):
                continue
            if _is_furniture(child) and _text_length(child) < limit:
                _remove(child)
            else:
                stack.append(child)


class _BlockWriter:
    """Walks a container in document order, cutting text into blocks at block-level tags."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._parts: list[str] = []
        self._link_chars = 0

    def flush(self) -> None:
        text = _normalise("".join(self._parts))
        if text:
            self.blocks.append(Block("paragraph", text, min(self._link_chars, len(text))))
        self._parts = []
        self._link_chars = 0

    def walk(self, root) -> None:
        """Visit the tree in document order without recursion (pages nest arbitrarily deep)."""
        stack: list[tuple] = [(root, False, False)]
        while stack:
            element, leaving, outer_link = stack.pop()
            tag = _tag(element)
            if leaving:
                if tag in BLOCK_TAGS:
                    self.flush()
                if element is not root:
                    self._add(element.tail, outer_link)
                continue
            if not tag:
                self._add(element.tail, outer_link)
                continue
            if tag in HEADING_TAGS or tag == "h1":
                self.flush()
                text = _normalise(element.text_content())
                if text:
                    kind = "heading" if len(text) <= 200 else "paragraph"
                    self.blocks.append(Block(kind if tag != "h1" else "title", text))
                if element is not root:
                    self._add(element.tail, outer_link)
                continue
            if tag in BLOCK_TAGS or tag == "br":
                self.flush()
            link = outer_link or tag == "a"
            self._add(element.text, link)
            stack.append((element, True, outer_link))
            stack.extend((child, False, link) for child in reversed(element))

    def _add(self, text: str | None, in_link: bool) -> None:
        if text:
            self._parts.append(text)
            if in_link:
                self._link_chars += len(text.strip())


def read_blocks(container) -> list[Block]:
    """The container's text as blocks, with furniture lines and link lists dropped."""
    writer = _BlockWriter()
    writer.walk(container)
    writer.flush()
    kept = []
    for block in writer.blocks:
        if block.kind == "heading" and is_boilerplate_heading(block.text):
            continue
        if block.kind == "paragraph":
            if is_boilerplate_line(block.text):
                continue
            if block.link_density > 0.5 and len(block.text) < 400:
                continue
        kept.append(block)
    return kept


def element_text(element) -> str:
    """Visible text of an element with whitespace collapsed."""
    return _normalise(etree.tostring(element, method="text", encoding="unicode", with_tail=False))
