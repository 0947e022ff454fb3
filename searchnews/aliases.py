"""Other spellings of names in queries: "Kiev" also searches "Kyiv", "Zelenskiy" "Zelensky".

The alias table (shipped in searchnews/data/aliases.tsv, extended by an aliases.tsv in the index
folder) lists the spellings of each person, organisation and place. A query word or phrase that
is one of them becomes an OR of all of them, each marked as an alias of what was typed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .entities.gazetteer import Known, fold_name, read_alias_file, shipped_aliases
from .query import And, Not, Or, Phrase, Query, Term

# Short spellings ("US", "EU", "UN") are ordinary words once case is folded ("us", "un"):
# they are only searched in the entity fields, where case-folding cannot confuse them.
MIN_TEXT_SPELLING = 4
ENTITY_FIELDS = {"people", "orgs", "places", "entities"}


class AliasTable:
    """Spellings of names, looked up by any one of them (case and diacritics ignored)."""

    def __init__(self, table: dict[str, Known]) -> None:
        self._known = table
        self._spellings: dict[Known, list[str]] = {}
        for spelling, known in table.items():
            self._spellings.setdefault(known, []).append(spelling)

    @classmethod
    def load(cls, extra: Path | str | None = None) -> AliasTable:
        """The shipped table, plus a user's file when it exists."""
        table = dict(shipped_aliases())
        if extra is not None and Path(extra).is_file():
            table.update(read_alias_file(extra))
        return cls(table)

    def spellings(self, text: str) -> list[str]:
        """Every spelling of the name `text` is one of (not `text` itself); [] when unknown.

        Spellings come folded (lower case, no diacritics), as the index compares them.
        """
        typed = fold_name(text)
        known = self._known.get(typed)
        if known is None:
            return []
        forms = {fold_name(known.name), *self._spellings[known]}
        return sorted(form for form in forms if form != typed)

    def expand(self, node: Query) -> Query:
        """The query with every known name replaced by an OR of its spellings."""
        if isinstance(node, Term | Phrase):
            if (isinstance(node, Term) and node.prefix) or node.alias_of:
                return node
            others = [
                form
                for form in self.spellings(node.text)
                if node.field in ENTITY_FIELDS or len(form) >= MIN_TEXT_SPELLING
            ]
            if not others:
                return node
            leaves = [_leaf(form, node.field, node.text) for form in others]
            return Or((node, *leaves))
        if isinstance(node, And | Or):
            return replace(node, items=tuple(self.expand(item) for item in node.items))
        if isinstance(node, Not):
            return Not(self.expand(node.item))
        return node


def _leaf(spelling: str, field: str | None, typed: str) -> Term | Phrase:
    if " " in spelling.strip() or "-" in spelling:
        return Phrase(spelling, field, 0, alias_of=typed)
    return Term(spelling, field, alias_of=typed)
