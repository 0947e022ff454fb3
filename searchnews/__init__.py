"""searchnews: full-text search for news archives."""

from .errors import (
    ArticleNotFoundError,
    EngineError,
    IndexBusyError,
    IndexLockedError,
    IndexNotFoundError,
    QueryError,
    SearchnewsError,
)
from .models import Article, Failure, Hit, IndexReport, SearchResults, Snippet
from .newsindex import NewsIndex

__all__ = [
    "Article",
    "ArticleNotFoundError",
    "EngineError",
    "Failure",
    "Hit",
    "IndexBusyError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexReport",
    "NewsIndex",
    "QueryError",
    "SearchResults",
    "SearchnewsError",
    "Snippet",
    "extract_article",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    # Extraction pulls in the HTML parsers, which a search does not need.
    if name == "extract_article":
        from .extract.article import extract_article

        return extract_article
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
