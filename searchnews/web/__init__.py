"""The local web search page and the HTTP/JSON API, two renderings of the same library calls."""

from .app import create_app

__all__ = ["create_app"]
