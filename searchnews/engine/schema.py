"""The Whoosh schema and the analyzer every text field and every query term goes through."""

from __future__ import annotations

import re

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

# Words are runs of letters and digits; case and diacritics are folded so that "orban" finds
# "Orbán" and "kyiv" finds "Kyiv". No stop words: exact quotes must match.
ANALYZER = RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)
_WORD = re.compile(r"\w+")


def analyzed_tokens(text: str) -> list[tuple[str, int, int]]:
    """ANALYZER's tokens of `text` with their character spans, without its per-token objects
    (several times faster, which matters when passages are cut from whole articles)."""
    return [
        (match.group().lower().translate(accent_map), match.start(), match.end())
        for match in _WORD.finditer(text)
    ]


HEADLINE_BOOST = 3.0
HEADINGS_BOOST = 1.5

# Fields searched by a word that names no field.
TEXT_FIELDS = ("headline", "headings", "body")
ENTITY_FIELDS = ("people", "orgs", "places")
# Facet name -> the column it counts.
FACET_COLUMNS = {
    "site": "site_key",
    "section": "section_key",
    "month": "month",
    "person": "people_key",
    "org": "orgs_key",
    "place": "places_key",
}


# entity_names holds (kind letter + name) items joined by ENTITY_SEPARATOR.
ENTITY_KINDS = {"person": b"p", "org": b"o", "place": b"l"}
ENTITY_SEPARATOR = b"\x1f"


def _keys() -> KEYWORD:
    return KEYWORD(commas=True, lowercase=False, scorable=False)


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        path=ID(stored=True, unique=True),
        headline=TEXT(analyzer=ANALYZER, stored=True, field_boost=HEADLINE_BOOST),
        headings=TEXT(analyzer=ANALYZER, field_boost=HEADINGS_BOOST),
        body=TEXT(analyzer=ANALYZER, stored=True),
        authors=TEXT(analyzer=ANALYZER),
        site=TEXT(analyzer=ANALYZER),
        section=TEXT(analyzer=ANALYZER),
        tags=TEXT(analyzer=ANALYZER),
        people=TEXT(analyzer=ANALYZER),
        orgs=TEXT(analyzer=ANALYZER),
        places=TEXT(analyzer=ANALYZER),
        language=ID(),
        published=DATETIME(sortable=True),
        dated=NUMERIC(sortable=True, bits=8),
        modified=DATETIME(),
        mention_day=NUMERIC(bits=32),
        mention_month=NUMERIC(bits=32),
        mention_year=NUMERIC(bits=32),
        site_key=ID(sortable=True),
        section_key=ID(sortable=True),
        month=NUMERIC(sortable=True, bits=32),
        people_key=_keys(),
        orgs_key=_keys(),
        places_key=_keys(),
        # Every entity name of a document in one column value: facets read this in one pass
        # instead of stepping through the postings of every name.
        entity_names=COLUMN(),
        duplicate=ID(stored=True, sortable=True),
        sketch=KEYWORD(commas=False, scorable=False),
        record=STORED(),
    )
