"""The `searchnews` command line: each command parses its options, makes one library call and
prints the result."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys

import click

from .dates import date_bound
from .errors import QueryError, SearchnewsError
from .models import FacetValue, IndexReport, SearchResults, Snippet, facets_to_dict
from .newsindex import NewsIndex

DEFAULT_INDEX = "index"
DEFAULT_CORPUS = "corpus"


class QueryUsageError(click.ClickException):
    """A malformed query or date: exit code 2, like other usage errors."""

    exit_code = 2


def index_option(command):
    return click.option(
        "--index",
        "index_dir",
        default=DEFAULT_INDEX,
        show_default=True,
        type=click.Path(file_okay=False),
        help="Folder of the index.",
    )(command)


def reports_errors(command):
    """Turn library errors into one-line messages instead of tracebacks."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except QueryError as error:
            raise QueryUsageError(str(error)) from error
        except SearchnewsError as error:
            raise click.ClickException(str(error)) from error

    return wrapper


@click.group()
@click.version_option(package_name="searchnews")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, for debugging.")
def main(verbose: bool) -> None:
    """Full-text search for news archives."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@index_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for extraction [default: all cores].",
)
@click.option("--prune", is_flag=True, help="Remove documents whose files are gone.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Build the engine index again from the stored articles (searches go on meanwhile).",
)
@click.option(
    "--reextract", is_flag=True, help="Read and extract every page again (with --rebuild)."
)
@click.option(
    "--engine",
    default=None,
    metavar="whoosh|tantivy|sphinxql[://HOST:PORT]",
    help="Engine of a new index [default: whoosh]; with --rebuild, move the index to it.",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long for another run that is writing.",
)
@click.option(
    "--failures",
    "failures_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the files that failed, with the reasons, as JSON Lines.",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Commit every N documents, so an interrupted run keeps its work.",
)
@reports_errors
def index(
    paths: tuple[str, ...],
    index_dir: str,
    jobs: int | None,
    prune: bool,
    rebuild: bool,
    reextract: bool,
    engine: str | None,
    wait: float,
    failures_file: str | None,
    batch: int,
) -> None:
    """Index the news pages (.html, .htm, .xhtml, .html.gz, .txt) under PATHS [default: corpus/]."""
    bar = _ProgressBar()
    with NewsIndex(index_dir) as news:
        report = news.index(
            paths or (DEFAULT_CORPUS,),
            jobs=jobs,
            prune=prune,
            rebuild=rebuild,
            reextract=reextract,
            engine=engine,
            progress=bar.update,
            wait=wait,
            commit_every=batch,
        )
        bar.finish()
        total = news.count()
    if failures_file:
        with open(failures_file, "w", encoding="utf-8") as out:
            for failure in report.failures:
                out.write(json.dumps(failure.to_dict(), ensure_ascii=False) + "\n")
    _print_report(report, total, index_dir)


def _on_terminal() -> bool:
    return sys.stderr.isatty()


class _ProgressBar:
    """A progress bar on stderr while there is a terminal to show it on, in pages or (when
    WARC files are read) in bytes, as the indexer counts."""

    def __init__(self) -> None:
        self._bar = None
        self._done = 0
        self._shown = _on_terminal()  # asked once: the bar is updated for every record

    def update(self, done: int, total: int) -> None:
        if self._bar is None and total and self._shown:
            self._bar = click.progressbar(length=total, label="Indexing", file=sys.stderr)
            self._bar.__enter__()
        if self._bar is not None:
            self._bar.update(done - self._done)
        self._done = done

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _print_report(report: IndexReport, total: int, index_dir: str) -> None:
    click.echo(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed, {report.failed} failed; {total} articles in {index_dir}/"
    )
    if report.skipped:
        counts = ", ".join(f"{count} {reason}" for reason, count in report.skipped.items())
        click.echo(f"WARC records that are not pages, skipped: {counts}")
    if report.captures:
        click.echo(
            f"{report.captures} pages kept as captures or earlier versions of a URL already indexed"
        )
    for failure in report.failures:
        where = f" at offset {failure.offset}" if failure.offset is not None else ""
        click.echo(f"failed: {failure.path}{where}: {failure.reason}", err=True)


@main.command()
@click.argument("query", nargs=-1)
@index_option
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="Hits per page.",
)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--from",
    "since",
    metavar="DATE",
    help="Published on or after DATE (YYYY, YYYY-MM, YYYY-MM-DD, 'last week', ...).",
)
@click.option("--to", "until", metavar="DATE", help="Published on or before DATE.")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "newest", "oldest"]),
    default=None,
    help="Order of hits [default: relevance, or newest with no QUERY].",
)
@click.option(
    "--facets",
    is_flag=True,
    help="Also count matches by site, section, month and top people, orgs, places.",
)
@click.option(
    "--no-collapse",
    is_flag=True,
    help="Show every copy of a syndicated story instead of one hit per story.",
)
@click.option(
    "--exact",
    is_flag=True,
    help="Match words only in the form typed (quoting a word does this for one word).",
)
@click.option("--explain", is_flag=True, help="Show how the query was understood, then search.")
@click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    help="Read relative dates ('last week') as of DATE instead of today.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@reports_errors
def search(
    query: tuple[str, ...],
    index_dir: str,
    limit: int,
    page: int,
    since: str | None,
    until: str | None,
    sort: str | None,
    facets: bool,
    no_collapse: bool,
    exact: bool,
    explain: bool,
    as_of: str | None,
    as_json: bool,
) -> None:
    """Search the index. With no QUERY, list the articles in the date range."""
    text = " ".join(query)
    moment = date_bound(as_of, end=False) if as_of else None
    with NewsIndex(index_dir) as news:
        if explain and not as_json:
            click.echo(news.explain(text, as_of=moment) + "\n")
        results = news.search(
            text,
            since=since,
            until=until,
            limit=limit,
            page=page,
            sort=sort or ("relevance" if text.strip() else "newest"),
            facets=facets,
            collapse=not no_collapse,
            variants=not exact,
            as_of=moment,
        )
    if as_json:
        data = results.to_dict()
        if explain:
            data["explain"] = news.explain(text, as_of=moment)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print_results(results)
    if results.facets:
        _print_facets(results.facets)


@main.command()
@click.argument("article_id")
@index_option
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@reports_errors
def similar(article_id: str, index_dir: str, limit: int, as_json: bool) -> None:
    """Articles most like the one with ARTICLE_ID (an id from search results)."""
    with NewsIndex(index_dir) as news:
        results = news.similar(article_id, limit=limit)
    if as_json:
        click.echo(json.dumps(results.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_results(results)


@main.command()
@click.argument("article_id")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--source", "original", is_flag=True,
              help="Print the saved page the article came from, as it was stored.")  # fmt: skip
@reports_errors
def show(article_id: str, index_dir: str, as_json: bool, original: bool) -> None:
    """Print the article with ARTICLE_ID (an id from search results), or its saved page."""
    with NewsIndex(index_dir) as news:
        if original:
            data, charset = news.source_payload(article_id)
            click.echo(data.decode(charset if charset != "unicode" else "utf-8", "replace"))
            return
        article = news.article(article_id)
        if article is None:
            raise click.ClickException(f"No article with id {article_id!r} in {index_dir}/.")
        source = news.source(article_id)
        history = news.history(article_id)
    record = {"id": article_id, **article.to_dict(), "source": source, **history}
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    click.echo(click.style(article.headline or "(no headline)", bold=True))
    for key, value in record.items():
        if key in ("headline", "body", "source", "captures", "versions") or value in (None, "", []):
            continue
        click.echo(f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    where = source or {}
    if "file" in where:
        click.echo(f"source: {where['file']} at offset {where['offset']} "
                   f"({where['length']} bytes, record {where['record_id']}, "
                   f"captured {where['captured']})")  # fmt: skip
    elif "path" in where:
        click.echo(f"source: {where['path']}")
    if len(history["captures"]) > 1:
        click.echo(f"captured {len(history['captures'])} times: {', '.join(history['captures'])}")
    if len(history["versions"]) > 1:
        click.echo("versions:")
        for version in history["versions"]:
            marker = " (this one)" if version["id"] == article_id else ""
            click.echo(f"  {version['id']}  captured {version['captured']}{marker}")
    click.echo(f"\n{article.body}")


def _styled(snippet: Snippet) -> str:
    parts = ["…" if snippet.leading else ""]
    cursor = 0
    for span in snippet.highlights:
        parts.append(snippet.text[cursor : span.start])
        parts.append(click.style(snippet.text[span.start : span.end], fg="yellow", bold=True))
        cursor = span.end
    parts.append(snippet.text[cursor:])
    parts.append("…" if snippet.trailing else "")
    return "".join(parts)


@main.command()
@click.argument("query", nargs=-1)
@index_option
@click.option(
    "--kind",
    type=click.Choice(["person", "org", "place"]),
    default=None,
    help="Only this kind of entity [default: all three].",
)
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="Entities per kind.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@reports_errors
def entities(
    query: tuple[str, ...], index_dir: str, kind: str | None, limit: int, as_json: bool
) -> None:
    """Top people, organisations and places, with article counts, over the articles QUERY
    matches (or the whole index)."""
    text = " ".join(query)
    with NewsIndex(index_dir) as news:
        found = news.entities(text, kind=kind, limit=limit)
    if as_json:
        payload = facets_to_dict(found)
        click.echo(json.dumps({"query": text, "entities": payload}, ensure_ascii=False, indent=2))
        return
    for name, values in found.items():
        click.echo(click.style(f"{name}:", bold=True))
        for value in values:
            click.echo(f"  {value.count:5d}  {value.value}")
        if not values:
            click.echo("  (none)")


@main.command()
@index_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (loopback: only this machine can connect).",
)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@reports_errors
def serve(index_dir: str, host: str, port: int) -> None:
    """Serve the search page and the HTTP API over the index."""
    from werkzeug.serving import run_simple

    from .web import create_app

    with NewsIndex(index_dir) as news:
        count = news.count()  # a missing index fails here, with the command that builds it
    if not port_is_free(host, port):
        raise click.ClickException(
            f"Port {port} on {host} is already in use: stop what uses it, or pick another "
            f"with --port."
        )
    click.echo(
        f"Serving {count} articles from {index_dir}/ at http://{host}:{port}/ (Ctrl+C stops)"
    )
    run_simple(host, port, create_app(index_dir), threaded=True)


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _print_facets(facets: dict[str, list[FacetValue]]) -> None:
    for name, values in facets.items():
        if not values:
            continue
        click.echo(click.style(f"{name}:", bold=True))
        if name == "month":
            width = max(value.count for value in values)
            for value in values:
                bar = "█" * max(1, round(30 * value.count / width))
                click.echo(f"  {value.value}  {bar} {value.count}")
        else:
            click.echo("  " + ", ".join(f"{value.value} ({value.count})" for value in values))


def _print_results(results: SearchResults) -> None:
    for reason in results.partial:
        click.echo(f"Partial results: {reason}", err=True)
    if results.total == 0:
        click.echo("No articles found.")
        if results.suggestion:
            click.echo(f"Did you mean: {results.suggestion}")
        return
    first = (results.page - 1) * results.limit + 1
    last = first + len(results.hits) - 1
    count = f"{results.total} articles"
    if results.articles is not None and results.articles != results.total:
        count = f"{results.total} stories ({results.articles} articles with copies)"
    if results.hits:
        click.echo(f"{count}; showing {first}-{last}.\n")
    else:
        click.echo(f"{count}; page {results.page} is past the last page.")
    for number, hit in enumerate(results.hits, start=first):
        date = hit.published.date().isoformat() if hit.published else "undated"
        headline = _styled(hit.headline_match) if hit.headline_match else hit.headline
        click.echo(click.style(f"{number}. ", bold=True) + (headline or "(no headline)"))
        click.echo(f"   {date} · {hit.site_name or 'unknown site'} · {_display_path(hit.path)}")
        for snippet in hit.snippets:
            click.echo(f"   {_styled(snippet)}")
        if hit.variants:
            click.echo(f"   spelt here: {', '.join(hit.variants)}")
        if hit.duplicates:
            sites = ", ".join(copy.site_name or _display_path(copy.path) for copy in hit.duplicates)
            click.echo(f"   + {len(hit.duplicates)} more copies: {sites}")
        click.echo()


def _display_path(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one article per file.")
@reports_errors
def extract(files: tuple[str, ...], as_json: bool) -> None:
    """Print the fields extracted from news page FILES."""
    from .extract import extract_article
    from .pagework import read_page_bytes

    for path in files:
        try:
            article = extract_article(read_page_bytes(path))
        except OSError as error:
            raise click.ClickException(f"Cannot read {path}: {error}") from error
        record = {"path": path, **article.to_dict()}
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        click.echo(click.style(f"== {path}", bold=True))
        for key, value in record.items():
            if key in ("path", "body"):
                continue
            shown = ", ".join(value) if isinstance(value, list) else value
            click.echo(f"{key}: {shown if shown not in (None, '') else '-'}")
        click.echo(f"body:\n{article.body}\n")


def _add_cluster_commands() -> None:
    from .cli_cluster import cluster

    main.add_command(cluster)


_add_cluster_commands()
