"""Search engines behind one contract (`base.Engine`). Only the engine modules import an
engine library; everything else names an engine by its name."""

from __future__ import annotations

from importlib import import_module

from ..errors import SearchnewsError
from .base import Engine

DEFAULT_ENGINE = "whoosh"
_MODULES = {"whoosh": "whoosh_engine", "tantivy": "tantivy_engine"}
ENGINE_NAMES = tuple(_MODULES)


def engine_class(name: str) -> type[Engine]:
    """The Engine subclass called `name` ("whoosh", "tantivy")."""
    module = _MODULES.get(name)
    if module is None:
        raise SearchnewsError(f"Unknown engine {name!r}: use one of {', '.join(ENGINE_NAMES)}.")
    return import_module(f"{__name__}.{module}").ENGINE


__all__ = ["DEFAULT_ENGINE", "ENGINE_NAMES", "Engine", "engine_class"]
