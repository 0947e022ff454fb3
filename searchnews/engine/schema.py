"""The Whoosh schema and the analyzer every text field and every query term goes through."""

from __future__ import annotations

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

# Words are runs of letters and digits; case and diacritics are folded so that "orban" finds
# "Orbán" and "kyiv" finds "Kyiv". No stemming and no stop words: exact quotes must match.
ANALYZER = RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)

HEADLINE_BOOST = 3.0
HEADINGS_BOOST = 1.5

# Fields searched by a word that names no field, with how much a match in each counts.
TEXT_FIELDS = ("headline", "headings", "body")


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
        language=ID(),
        published=DATETIME(sortable=True),
        dated=NUMERIC(sortable=True, bits=8),
        modified=DATETIME(),
        record=STORED(),
    )
