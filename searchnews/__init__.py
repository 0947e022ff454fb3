"""searchnews: full-text search for news archives."""

from .errors import (
    ArticleNotFoundError,
    IndexLockedError,
    IndexNotFoundError,
    QueryError,
    SearchnewsError,
)
from .extract import extract_article
from .models import Article, Failure, Hit, IndexReport, SearchResults, Snippet
from .newsindex import NewsIndex

__all__ = [
    "Article",
    "ArticleNotFoundError",
    "Failure",
    "Hit",
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
