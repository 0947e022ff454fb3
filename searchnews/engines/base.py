"""The contract between searchnews and a search engine, in searchnews' own terms.

An engine holds, for each article, its catalog key (a positive integer), its analysed text
fields and a few integer fields for filters, sorting and counting. The text itself lives in the
catalog's document store: an engine answers with keys and scores, counts and term statistics.

Queries reach an engine as a small tree of the nodes below (made from the user's query by
`searchnews.engines.plan`), so every engine compiles the same few constructs.

Lifecycle: `upsert` and `delete` stage changes; `commit` returns only when they are durable
and visible to any reader that calls `refresh`; a reader is a point-in-time view until then.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# Text fields, each holding analysed text (tokens joined by spaces). A plain word searches the
# `_stem` companions of the three main fields; quoted words, phrases, wildcards and fuzzy terms
# search the exact forms.
MAIN_FIELDS = ("headline", "headings", "body")
STEMMED_FIELDS = tuple(f"{name}_stem" for name in MAIN_FIELDS)
VALUE_FIELDS = ("authors", "site", "section", "tags", "people", "orgs", "places")
TEXT_FIELDS = MAIN_FIELDS + STEMMED_FIELDS + VALUE_FIELDS

# Integer fields (all values >= 0). Many-valued ones may hold several values per article.
#   published            local date and time as yyyymmddHHMMSS (undated articles have none)
#   newest, oldest       sort keys: published, undated articles last in both orders
#   day, week, month, year  yyyymmdd, ISO yyyyww, yyyymm, yyyy of the local date
#   mention_day/month/year  dates the text names, at the precision it names them
#   site, section, language  label ids from the catalog's dictionary
#   person, org, place   entity ids from the catalog's dictionary (many-valued)
#   copy_group           the story of an article that has copies (absent when it has none)
SINGLE_NUMBER_FIELDS = (
    "published",
    "newest",
    "oldest",
    "day",
    "week",
    "month",
    "year",
    "site",
    "section",
    "language",
    "copy_group",
)
MULTI_NUMBER_FIELDS = ("mention_day", "mention_month", "mention_year", "person", "org", "place")
NUMBER_FIELDS = SINGLE_NUMBER_FIELDS + MULTI_NUMBER_FIELDS
FACET_FIELDS = ("site", "section", "language", "person", "org", "place", "copy_group")
BUCKET_FIELDS = ("day", "week", "month", "year")
SORTS = ("relevance", "newest", "oldest")


@dataclass
class EngineDocument:
    """What an engine indexes of one article."""

    key: int
    texts: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, list[int]] = field(default_factory=dict)


# ---- the query tree an engine compiles ----


@dataclass(frozen=True)
class TermNode:
    """One analysed token in one text field."""

    field: str
    token: str
    boost: float = 1.0


@dataclass(frozen=True)
class PrefixNode:
    """Tokens starting with `prefix` in one text field."""

    field: str
    prefix: str
    boost: float = 1.0


@dataclass(frozen=True)
class PhraseNode:
    """Tokens in order, at most `slop` extra positions apart in all (0: adjacent)."""

    field: str
    tokens: tuple[str, ...]
    slop: int = 0
    boost: float = 1.0


@dataclass(frozen=True)
class RangeNode:
    """An integer field with a value between `low` and `high`, inclusive (None: open)."""

    field: str
    low: int | None
    high: int | None


@dataclass(frozen=True)
class AllNode:
    """Every article."""


@dataclass(frozen=True)
class NothingNode:
    """No article."""


@dataclass(frozen=True)
class BoolNode:
    """Articles matching every `must`, at least one `should` when there is no `must` (with a
    must, shoulds only add to the score), and no `must_not`. Scores add up."""

    must: tuple = ()
    should: tuple = ()
    must_not: tuple = ()


Node = TermNode | PrefixNode | PhraseNode | RangeNode | AllNode | NothingNode | BoolNode


@dataclass(frozen=True)
class SearchRequest:
    """One page of matches, with counts.

    `facets` names integer fields to count over all matches, each with the most values to
    return (None: all of them); bucket fields (day, week, month, year) count dates the same way.
    """

    query: Node
    sort: str = "relevance"
    offset: int = 0
    limit: int = 10
    facets: tuple[tuple[str, int | None], ...] = ()


@dataclass
class SearchPage:
    """The answer to a SearchRequest.

    `hits` are (key, score) in order (scores are 0 in date orders; ties go to the smaller key);
    `total` counts every match exactly; `facets` maps each requested field to (value, count)
    pairs, most frequent first, ties by smaller value. `partial` names, with the reason, each
    part of a distributed index that did not answer (the rest is exactly the other parts').
    """

    hits: list[tuple[int, float]]
    total: int
    facets: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    partial: list[str] = field(default_factory=list)


class Engine(ABC):
    """A search index in a folder of its own."""

    name: str = ""

    @classmethod
    @abstractmethod
    def create(cls, folder: str) -> Engine:
        """Make an empty index in `folder` (created if missing)."""

    @classmethod
    @abstractmethod
    def open(cls, folder: str) -> Engine:
        """Open the index in `folder`; raises EngineError when there is none."""

    @abstractmethod
    def upsert(self, documents: Iterable[EngineDocument]) -> None:
        """Add documents, replacing any with the same key (staged until `commit`)."""

    @abstractmethod
    def delete(self, keys: Iterable[int]) -> None:
        """Remove the documents with these keys, if present (staged until `commit`)."""

    @abstractmethod
    def commit(self) -> None:
        """Make staged changes durable (files and folder synced) and visible on `refresh`."""

    @abstractmethod
    def rollback(self) -> None:
        """Drop staged changes."""

    @abstractmethod
    def refresh(self) -> None:
        """Make this reader see exactly the last commit (a no-op when nothing changed)."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchPage:
        """One page of matches as of the last `refresh`."""

    @abstractmethod
    def scan(self, query: Node) -> Iterator[int]:
        """Every matching key, in no particular order, without scoring."""

    @abstractmethod
    def count(self) -> int:
        """How many documents the index holds as of the last `refresh`."""

    @abstractmethod
    def doc_frequency(self, field: str, token: str) -> int:
        """How many documents hold `token` in the text field `field`."""

    @abstractmethod
    def terms(self, field: str, prefix: str, limit: int = 100) -> list[tuple[str, int]]:
        """Tokens of a text field that start with `prefix`, in token order, with their
        document frequencies."""

    @abstractmethod
    def close(self) -> None:
        """Release files, readers and any writer (staged changes are dropped)."""
