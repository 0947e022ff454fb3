"""`searchnews cluster up|down`: a local SphinxQL cluster for the sphinxql engine."""

from __future__ import annotations

import click

from .errors import SearchnewsError


@click.group()
def cluster() -> None:
    """Start or stop a local SphinxQL cluster (Sphinx's searchd) for `--engine sphinxql://`."""


@cluster.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--shards", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--port",
    default=9306,
    show_default=True,
    type=click.IntRange(1, 65535 - 128),
    help="The coordinator's SphinxQL port; shard i listens on PORT+2i-1 and PORT+2i.",
)
def up(folder: str, shards: int, port: int) -> None:
    """Write the configs in FOLDER, start one searchd per shard and the coordinator on
    127.0.0.1, and print the engine address (the last line)."""
    from .engines import sphinxql_cluster

    try:
        address = sphinxql_cluster.up(folder, shards, port)
    except SearchnewsError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Cluster of {shards} shards running from {folder}/; index into it with")
    click.echo(f"  searchnews index CORPUS --index DIR --engine {address}")
    click.echo(address)


@cluster.command()
@click.argument("folder", type=click.Path(file_okay=False))
def down(folder: str) -> None:
    """Stop the searchd processes of the cluster in FOLDER (only those)."""
    from .engines import sphinxql_cluster

    try:
        stopped = sphinxql_cluster.down(folder)
    except SearchnewsError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Stopped {', '.join(stopped)}." if stopped else "Nothing was running.")
