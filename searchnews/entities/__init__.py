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
