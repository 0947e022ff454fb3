"""Named entities in news text: people, organisations and places, with canonical names."""

from __future__ import annotations

from functools import lru_cache

from .gazetteer import Known, fold_name, read_alias_file, shipped_aliases
from .recognizer import Entity, Recognizer

__all__ = [
    "Entity",
    "Known",
    "Recognizer",
    "extract_entities",
    "fold_name",
    "read_alias_file",
    "shipped_aliases",
]


@lru_cache(maxsize=1)
def _default() -> Recognizer:
    return Recognizer()


def extract_entities(text: str) -> list[Entity]:
    """People, organisations and places named in `text`, in order, with canonical names."""
    return _default()(text)


@lru_cache(maxsize=8)
def recognizer_for(extra_aliases: str | None) -> Recognizer:
    """A recognizer with the shipped tables plus, if given, a user's alias file."""
    if extra_aliases is None:
        return _default()
    return Recognizer(read_alias_file(extra_aliases))


def names_by_kind(entities: list[Entity]) -> dict[str, list[str]]:
    """Canonical names per kind, most mentioned first (ties in order of appearance)."""
    counts: dict[tuple[str, str], int] = {}
    for entity in entities:
        counts[(entity.kind, entity.name)] = counts.get((entity.kind, entity.name), 0) + 1
    ranked = sorted(counts, key=lambda key: -counts[key])
    return {kind: [name for k, name in ranked if k == kind] for kind in ("person", "org", "place")}
