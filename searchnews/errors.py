"""The exceptions searchnews raises: one base class, one subclass per kind of failure."""

from __future__ import annotations


class SearchnewsError(Exception):
    """Base class of every error searchnews raises on purpose.

    The message is written for the person using the tool: it says what is wrong and what to do.
    `status` is the HTTP status the web front end answers with.
    """

    status = 500


class QueryError(SearchnewsError):
    """A query, or a date bound, that cannot be understood."""

    status = 400


class IndexNotFoundError(SearchnewsError):
    """The index folder holds no searchnews index."""

    status = 503

    @classmethod
    def in_folder(cls, folder: str) -> IndexNotFoundError:
        """The error for a folder that holds no index, saying how to build one."""
        return cls(
            f"No index in {folder!r}: build one with `searchnews index CORPUS --index {folder}`."
        )


class OldIndexError(SearchnewsError):
    """The folder holds an index made by an earlier searchnews storage."""

    status = 503


class IndexLockedError(SearchnewsError):
    """Another process is writing to the index."""

    status = 409


class ArticleNotFoundError(SearchnewsError):
    """No article with the given id in the index."""

    status = 404


class EngineError(SearchnewsError):
    """The search engine's files are missing, unreadable or refused (for instance a pickle in
    them names a class that no index holds)."""

    status = 503


class IndexBusyError(SearchnewsError):
    """A search met the index in the middle of a change; trying again will succeed."""

    status = 503
