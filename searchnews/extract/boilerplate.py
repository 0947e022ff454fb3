"""What page furniture looks like: class and id names, roles, and lines of text.

Used by the content finder to drop menus, share bars, ads, related links, comment forms and
footers from what it keeps as the article.
"""

from __future__ import annotations

import re

# Tags that never hold article text.
JUNK_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "iframe",
        "button",
        "select",
        "textarea",
        "input",
        "label",
        "object",
        "embed",
        "canvas",
        "map",
        "dialog",
        "link",
        "meta",
    }
)
# Tags that hold page furniture when they sit inside the article container.
FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "form", "menu"})

FURNITURE_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "menu",
        "menubar",
        "toolbar",
        "dialog",
        "alert",
    }
)

# Whole class/id tokens (after splitting on '-', '_', spaces and camelCase) that mark furniture.
_FURNITURE_TOKENS = frozenset(
    {
        "ad",
        "ads",
        "adv",
        "advert",
        "adverts",
        "advertisement",
        "advertising",
        "adslot",
        "adunit",
        "sponsor",
        "sponsored",
        "nav",
        "navbar",
        "navigation",
        "menu",
        "breadcrumb",
        "breadcrumbs",
        "crumbs",
        "share",
        "sharing",
        "sharebar",
        "social",
        "socials",
        "related",
        "recommended",
        "recommendations",
        "comment",
        "comments",
        "respond",
        "reply",
        "disqus",
        "sidebar",
        "widget",
        "widgets",
        "footer",
        "newsletter",
        "subscribe",
        "subscription",
        "signup",
        "promo",
        "promotion",
        "cookie",
        "cookies",
        "consent",
        "gdpr",
        "popup",
        "modal",
        "popular",
        "trending",
        "outbrain",
        "taboola",
        "pagination",
        "pager",
        "toolbar",
        "masthead",
        "skip",
        "tags",
        "tagcloud",
        "print",
        "byline",
        "dateline",
        "author",
        "meta",
        "caption",
        "credit",
        "copyright",
        "teaser",
        "teasers",
        "seealso",
        "readmore",
        "rail",
        "paywall",
        "login",
        "sr",
        "visually",
        "offscreen",
    }
)
_FURNITURE_PHRASES = (
    "see-also",
    "read-more",
    "more-stories",
    "most-read",
    "also-read",
    "you-may-like",
    "post-tags",
    "entry-tags",
    "td-post-sharing",
    "td-post-source-tags",
    "author-box",
    "author-bio",
    "jp-relatedposts",
)
_SPLIT_NAME = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")

# Containers named like this hold the article itself (checked before any scoring).
ARTICLE_BODY_NAMES = (
    "articlebody",
    "article-body",
    "article__body",
    "article_body",
    "articletext",
    "article-text",
    "article-content",
    "article__content",
    "story-body",
    "storybody",
    "story-content",
    "story-text",
    "entry-content",
    "post-content",
    "post-body",
    "td-post-content",
    "content-body",
    "news-text",
    "newstext",
    "text-body",
    "body-text",
    "field-name-body",
    "field--name-body",
    "post-entry",
    "single-content",
)

BOILERPLATE_LINE = re.compile(
    r"""^(?:
        -?\s*advertis(?:e)?ment\s*-?
      | advertising | sponsored(?:\s+content)? | ad
      | see\s+also\b.* | read\s+(?:more|also)\b.{0,160} | also\s+read\b.{0,160}
      | related(?:\s+(?:articles?|stories|posts|news|content|coverage))?
      | more\s+(?:from|on|in|stories|news)\b.{0,80}
      | (?:share|tweet|email|print)(?:\s+(?:this|on|via)\b.{0,40})?
      | share\s+(?:this\s+)?(?:article|story|page|post)
      | leave\s+a\s+(?:reply|comment) | please\s+enter\s+your\s+(?:comment|name|email)\b.*
      | (?:most\s+(?:popular|read|viewed|shared)) | recent\s+(?:comments|posts)
      | (?:sign\s+up|subscribe)\b.{0,120} | follow\s+us\b.{0,80}
      | click\s+here\b.{0,120} | comments?(?:\s*\(\d+\))? | \d+\s+comments?
      | (?:photo|image|picture)\s*:\s*.{0,80} | skip\s+to\s+(?:main\s+)?content
      | (?:all\s+rights\s+reserved|copyright\s+©?|©).{0,160}
      | this\s+(?:site|website)\s+uses\s+cookies\b.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

BOILERPLATE_HEADING = re.compile(
    r"^(?:related\b.*|see\s+also|more\s+(?:from|on|in|stories)\b.*|most\s+(?:popular|read)\b.*"
    r"|recent\s+(?:comments|posts)|leave\s+a\s+(?:reply|comment)|comments?|share\b.*"
    r"|(?:you\s+)?(?:may|might)\s+also\s+like\b.*|recommended\b.*|trending\b.*|latest\s+news"
    r"|newsletter\b.*|sign\s+up\b.*|follow\s+us\b.*|tags?|topics?|about\s+the\s+author|advertisement)$",
    re.IGNORECASE,
)


def name_tokens(value: str) -> set[str]:
    """Class or id value -> lower-cased tokens ("td-post-sharing" -> {"td", "post", "sharing"})."""
    return {token.lower() for token in _SPLIT_NAME.split(value) if token}


def is_furniture_name(value: str) -> bool:
    """Whether a class or id value names page furniture rather than article content."""
    if not value:
        return False
    lowered = value.lower()
    if any(phrase in lowered for phrase in _FURNITURE_PHRASES):
        return True
    return bool(name_tokens(value) & _FURNITURE_TOKENS)


def is_boilerplate_line(text: str) -> bool:
    """Whether a short line of text is page furniture ("- Advertisement -", "See also ...")."""
    return len(text) <= 200 and BOILERPLATE_LINE.match(text.strip()) is not None


def is_boilerplate_heading(text: str) -> bool:
    """Whether a heading introduces furniture ("Related articles", "Leave a reply")."""
    return BOILERPLATE_HEADING.match(text.strip().rstrip(":")) is not None
