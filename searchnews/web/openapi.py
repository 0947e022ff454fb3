"""The OpenAPI description of the HTTP API, served at /openapi.json."""

from __future__ import annotations

from .. import __version__

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error_responses(*codes: int) -> dict:
    return {
        str(code): {"description": "error", "content": {"application/json": {"schema": _ERROR}}}
        for code in codes
    }


def _param(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def openapi(max_limit: int, max_query: int) -> dict:
    """The API description; limits are the server's."""
    snippet_hit = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "path": {"type": "string"},
            "url": {"type": ["string", "null"]},
            "headline": {"type": "string"},
            "headline_html": {"type": "string"},
            "published": {"type": ["string", "null"]},
            "published_source": {"type": ["string", "null"]},
            "site_name": {"type": ["string", "null"]},
            "score": {"type": "number"},
            "snippets": {"type": "array", "items": {"type": "string"}},
            "duplicates": {"type": "array", "items": {"type": "object"}},
            "matched_spellings": {"type": "array", "items": {"type": "string"}},
            "source": {
                "type": ["object", "null"],
                "description": "Where the article came from: path, size and mtime_ns of a "
                "file, or file, offset, length, record_id and captured of a WARC record",
            },
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "searchnews",
            "version": __version__,
            "description": "Full-text search over a news archive.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search articles (same JSON as `searchnews search --json`)",
                    "parameters": [
                        _param(
                            "q",
                            "Query in the searchnews query language",
                            {"type": "string", "maxLength": max_query},
                        ),
                        _param(
                            "from",
                            "Published on or after (YYYY, YYYY-MM, YYYY-MM-DD, 'last week')",
                            {"type": "string", "maxLength": 100},
                        ),
                        _param(
                            "to", "Published on or before", {"type": "string", "maxLength": 100}
                        ),
                        _param(
                            "sort",
                            "Order of hits",
                            {"type": "string", "enum": ["relevance", "newest", "oldest"]},
                        ),
                        _param(
                            "page",
                            "Page number",
                            {"type": "integer", "minimum": 1, "maximum": 10000},
                        ),
                        _param(
                            "limit",
                            "Hits per page",
                            {"type": "integer", "minimum": 1, "maximum": max_limit},
                        ),
                        _param("facets", "Include facet counts", {"type": "boolean"}),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of hits",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "query": {"type": "string"},
                                            "total": {"type": "integer"},
                                            "articles": {"type": "integer"},
                                            "page": {"type": "integer"},
                                            "limit": {"type": "integer"},
                                            "hits": {"type": "array", "items": snippet_hit},
                                            "facets": {"type": ["object", "null"]},
                                            "suggestion": {"type": ["string", "null"]},
                                            "partial": {"type": "boolean"},
                                            "partial_reason": {"type": ["string", "null"]},
                                        },
                                    }
                                }
                            },
                        },
                        **_error_responses(400, 413, 503),
                    },
                }
            },
            "/api/articles/{id}": {
                "get": {
                    "summary": "One article's extracted fields",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The article: its extracted fields, `source`, and "
                            "for a WARC record `captures` (when this text of its URL was "
                            "captured) and `versions` (every text its URL had, oldest first: "
                            "id and captured; the last is the one searches find)",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "id": {"type": "string"},
                                            "source": {"type": ["object", "null"]},
                                            "captures": {
                                                "type": "array",
                                                "items": {"type": "string"},
                                            },
                                            "versions": {
                                                "type": "array",
                                                "items": {"type": "object"},
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        **_error_responses(404, 503),
                    },
                }
            },
            "/api/entities": {
                "get": {
                    "summary": "Top people, organisations and places in the matching articles",
                    "parameters": [
                        _param("q", "Query", {"type": "string", "maxLength": max_query}),
                        _param(
                            "kind",
                            "One kind only",
                            {"type": "string", "enum": ["person", "org", "place"]},
                        ),
                        _param(
                            "limit",
                            "Entities per kind",
                            {"type": "integer", "minimum": 1, "maximum": max_limit},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "Entities with article counts",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_error_responses(400, 413, 503),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["status", "message"],
                    "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
                }
            }
        },
    }
