"""The Flask application: one search page, an article view, and the JSON API beside them.

Every page and its API twin call the same function; errors of every kind are turned into a
response in one place (`_error`), as JSON under /api/ and as a page elsewhere.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..errors import ArticleNotFoundError, IndexBusyError, QueryError, SearchnewsError
from ..models import facets_to_dict
from ..newsindex import NewsIndex
from ..query import MAX_QUERY_LENGTH
from .openapi import openapi
from .views import month_bars, page_numbers, quoted, safe_link, url_with

log = logging.getLogger(__name__)

MAX_LIMIT = 100
MAX_PAGE = 10000
_DOC_ID = re.compile(r"^[0-9a-f]{16}$")
_SORTS = ("relevance", "newest", "oldest")


class RequestTooLarge(SearchnewsError):
    """A query longer than the server reads."""

    status = 413


def _number(name: str, default: int, highest: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= highest:
        raise QueryError(f"{name} must be a whole number from 1 to {highest}.")
    return int(raw)


def _text(name: str, longest: int = MAX_QUERY_LENGTH) -> str:
    value = request.args.get(name, "")
    if len(value) > longest:
        raise RequestTooLarge(f"{name} is too long ({len(value)} characters; at most {longest}).")
    return value


def _search_params() -> dict:
    """The search parameters of the current request, checked."""
    sort = request.args.get("sort") or ""
    if sort and sort not in _SORTS:
        raise QueryError(f"Unknown sort {sort!r}: use one of {', '.join(_SORTS)}.")
    return {
        "q": _text("q"),
        "from": _text("from", 100),
        "to": _text("to", 100),
        "sort": sort,
        "page": _number("page", 1, MAX_PAGE),
        "limit": _number("limit", 10, MAX_LIMIT),
    }


def _article_id(doc_id: str) -> str:
    # Ids are hashes: anything else names no article (and never a file).
    if not _DOC_ID.match(doc_id):
        raise ArticleNotFoundError(f"No article with id {doc_id[:40]!r}.")
    return doc_id


def _charset_label(codec: str) -> str:
    """The name a browser knows for a Python codec name."""
    return {"unicode": "utf-8", "cp1252": "windows-1252"}.get(codec, codec.replace("_", "-"))


def create_app(index_dir: str = "index") -> Flask:
    """The web app over the index in `index_dir` (opened once, shared by all requests)."""
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    news = NewsIndex(index_dir)
    app.extensions["searchnews"] = news

    def run_search(params: dict, *, facets: bool):
        text = params["q"]
        return news.search(
            text,
            since=params["from"] or None,
            until=params["to"] or None,
            sort=params["sort"] or ("relevance" if text.strip() else "newest"),
            page=params["page"],
            limit=params["limit"],
            facets=facets,
        )

    @app.get("/")
    def search_page():
        params = _search_params()
        results, error = None, None
        try:
            results = run_search(params, facets=True)
        except QueryError as problem:
            error = str(problem)
        shown = {key: params[key] for key in ("q", "from", "to", "sort") if params[key]}

        def link(**changes):
            return url_with(url_for("search_page"), shown, **changes)

        bars = (
            month_bars(results.facets["month"], lambda m: link(**{"from": m, "to": m}))
            if results and results.facets
            else []
        )
        return render_template(
            "search.html",
            params=params,
            results=results,
            error=error,
            bars=bars,
            link=link,
            quoted=quoted,
            pages=page_numbers(params["page"], results.pages) if results else [],
        ), 400 if error else 200

    @app.get("/articles/<doc_id>")
    def article_page(doc_id: str):
        article = news.article(_article_id(doc_id))
        if article is None:
            raise ArticleNotFoundError(f"No article with id {doc_id!r}.")
        query = _text("q")
        return render_template(
            "article.html",
            article=article,
            doc_id=doc_id,
            query=query,
            paragraphs=news.highlight(query, article.body),
            original=safe_link(article.url),
            history=news.history(doc_id),
            headline=(news.highlight(query, article.headline) or [None])[0],
            quoted=quoted,
            params={"q": query, "from": "", "to": "", "sort": ""},
        )

    @app.get("/articles/<doc_id>/source")
    def article_source(doc_id: str):
        """The saved page as plain text: never rendered as HTML, so it cannot run anything."""
        article = news.article(_article_id(doc_id))
        if article is None:
            raise ArticleNotFoundError(f"No article with id {doc_id!r}.")
        data, charset = news.source_payload(doc_id)
        response = Response(data, content_type=f"text/plain; charset={_charset_label(charset)}")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "sandbox"
        return response

    @app.get("/api/search")
    def api_search():
        params = _search_params()
        facets = request.args.get("facets", "").lower() in ("1", "true", "yes")
        return jsonify(run_search(params, facets=facets).to_dict())

    @app.get("/api/articles/<doc_id>")
    def api_article(doc_id: str):
        article = news.article(_article_id(doc_id))
        if article is None:
            raise ArticleNotFoundError(f"No article with id {doc_id!r}.")
        return jsonify(
            {
                "id": doc_id,
                **article.to_dict(),
                "source": news.source(doc_id),
                **news.history(doc_id),
            }
        )

    @app.get("/api/entities")
    def api_entities():
        kind = request.args.get("kind") or None
        found = news.entities(_text("q"), kind=kind, limit=_number("limit", 20, MAX_LIMIT))
        return jsonify(
            {
                "query": request.args.get("q", ""),
                "entities": facets_to_dict(found),
            }
        )

    @app.get("/openapi.json")
    def openapi_json():
        return jsonify(openapi(MAX_LIMIT, MAX_QUERY_LENGTH))

    @app.errorhandler(Exception)
    def _error(problem: Exception):
        if isinstance(problem, SearchnewsError):
            status, message = problem.status, str(problem)
        elif isinstance(problem, HTTPException):
            status, message = problem.code or 500, problem.description or problem.name
        else:
            log.exception("unexpected error on %s", request.path)
            status, message = 500, "Something went wrong on the server; the log says what."
        # A search that met a commit in progress succeeds when asked again.
        headers = {"Retry-After": "1"} if isinstance(problem, IndexBusyError) else {}
        if request.path.startswith("/api/") or request.path == "/openapi.json":
            return jsonify({"status": status, "message": message}), status, headers
        page = render_template("error.html", status=status, message=message)
        return page, status, headers

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
            )
        return response

    return app
