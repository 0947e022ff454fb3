"""Writing to a SphinxQL cluster: connections, document rows, and commits that readers see
whole.

A commit over several shards cannot be one transaction, so visibility is by generation. The
coordinator's `searchnews_commits` index holds, per namespace, `started` (the last commit
begun) and `done` (the last commit every shard has applied). Commit N marks itself started,
writes its documents with `gen = N` and marks deleted ones `gone = N` on every shard (each
shard in one transaction, fsync'd by the server's binlog: `binlog_flush = 1`), then sets
`done = N`. A reader pins `done` when it refreshes and reads only documents with `gen <= done <
gone`: a commit is invisible until every shard has it, and one stopped half-way stays
invisible until the next commit (which applies its changes again: writes are idempotent by
key, and the catalog re-applies what it had pending). Documents deleted by a commit done a
minute before are removed for good at the start of a later commit: a reader pins a commit for
one search, so none still needs them.

One thing is not whole: a document written again under the same key (a page that changed, or
a batch applied again after a stop) is replaced on its shard at once, so between the shard's
commit and `done` readers on the older commit miss it.
"""

from __future__ import annotations

import contextlib
import os
import zlib

import pymysql
from pymysql.constants import CLIENT

from ..analysis import VALUE_GAP
from ..errors import EngineError
from .base import (
    MULTI_NUMBER_FIELDS,
    NUMBER_FIELDS,
    SINGLE_NUMBER_FIELDS,
    TEXT_FIELDS,
    EngineDocument,
)
from .sphinxql_cluster import COMMITS_INDEX, EVERY_FIELD, SHARD_INDEX, attribute
from .sphinxql_query import presence_bit, sphinx_text, sql_string

KEY_BITS = 40
FOREVER = 2**62  # the `gone` of a live document
DELETE_CHUNK = 1000
PURGE_CHUNK = 10_000
STATEMENT_BYTES = 4_000_000
# Sphinx keeps a separator out of the positions; the gap between values must take one.
GAP_TOKEN = "\u2016"
COLUMNS = (
    "id",
    "ns",
    "has",
    "gen",
    "gone",
    EVERY_FIELD,
    *TEXT_FIELDS,
    *(attribute(field) for field in NUMBER_FIELDS),
)
Changes = list[tuple[int, EngineDocument | None]]


def parse_address(address: str) -> tuple[str, int]:
    """HOST:PORT as (host, port); EngineError when it is not one."""
    host, _, port = address.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise EngineError(f"{address!r} is not a SphinxQL address: give HOST:PORT.")
    return host, int(port)


def connect(address: str) -> pymysql.Connection:
    """A SphinxQL connection (EngineError saying what to do when the server is not there)."""
    host, port = parse_address(address)
    try:
        return pymysql.connect(
            host=host,
            port=port,
            connect_timeout=5,
            read_timeout=120,
            write_timeout=120,
            autocommit=True,
            charset="utf8",
            # Searches send a page and its facet counts as one batch: one round trip, and
            # Sphinx matches the shared full-text part once for all of them.
            client_flag=CLIENT.MULTI_STATEMENTS,
        )
    except pymysql.MySQLError as exc:
        raise EngineError(
            f"Cannot reach the SphinxQL server at {address} ({exc.args[-1]}): start it (for a"
            " local cluster, `searchnews cluster up DIR`)."
        ) from exc


def close_quietly(connection: pymysql.Connection | None) -> None:
    if connection is not None:
        with contextlib.suppress(pymysql.MySQLError):
            connection.close()


def sync_write(path: str, text: str) -> None:
    """Write a small file durably: synced, renamed in, its folder synced."""
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    descriptor = os.open(os.path.dirname(path), os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def shard_of(key: int, shards: int) -> int:
    """The shard a key is written to: a stable hash, the same in every process and run."""
    return zlib.crc32(key.to_bytes(8, "little")) % shards


def sphinx_id(namespace: int, key: int) -> int:
    """The Sphinx document id of a key: ids of one namespace sort as their keys."""
    if not 0 < key < 2**KEY_BITS:
        raise EngineError(f"The key {key} is out of the sphinxql engine's range.")
    return namespace << KEY_BITS | key


def row(namespace: int, document: EngineDocument, generation: int) -> str:
    """The VALUES tuple of a document, for COLUMNS."""
    has, values = 0, []
    for field in SINGLE_NUMBER_FIELDS:
        found = document.numbers.get(field)
        if found:
            has |= presence_bit(field)
            values.append(str(int(found[0])))
        else:
            values.append("0")
    for field in MULTI_NUMBER_FIELDS:
        numbers = sorted({int(value) for value in document.numbers.get(field, ())})
        values.append("(" + ", ".join(map(str, numbers)) + ")")
    texts = [
        sql_string(sphinx_text(document.texts.get(field, "")).replace(VALUE_GAP, GAP_TOKEN))
        for field in TEXT_FIELDS
    ]
    identity = [sphinx_id(namespace, document.key), namespace, has, generation, FOREVER]
    return "(" + ", ".join([*map(str, identity), "'1'", *texts, *values]) + ")"


def commit_state(connection: pymysql.Connection, namespace: int) -> tuple[int, int]:
    """(started, done) of a namespace ((0, 0) before its first commit)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT started, done FROM {COMMITS_INDEX} WHERE id = {namespace}")
        found = cursor.fetchall()
    return (int(found[0][0]), int(found[0][1])) if found else (0, 0)


def set_commit_state(
    connection: pymysql.Connection, namespace: int, started: int, done: int
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"REPLACE INTO {COMMITS_INDEX} (id, name, started, done) VALUES"
            f" ({namespace}, '', {started}, {done})"
        )


def _purge(cursor, namespace: int, through: int) -> None:
    """Remove for good the documents deleted by commits up to `through`."""
    if through > 0:
        _delete_where(cursor, f"ns = {namespace} AND gone <= {through}")


def _delete_where(cursor, condition: str) -> None:
    """Delete the shard's documents that meet `condition`, a chunk at a time."""
    while True:
        cursor.execute(
            f"SELECT id FROM {SHARD_INDEX} WHERE {condition}"
            f" LIMIT 0, {PURGE_CHUNK} OPTION max_matches={PURGE_CHUNK}"
        )
        ids = [str(found[0]) for found in cursor.fetchall()]
        if not ids:
            return
        cursor.execute(f"DELETE FROM {SHARD_INDEX} WHERE id IN ({', '.join(ids)})")
        if len(ids) < PURGE_CHUNK:
            return


def commit_shard(
    connection: pymysql.Connection,
    namespace: int,
    changes: Changes,
    generation: int,
    purge_through: int,
) -> None:
    """Apply one shard's changes as commit `generation`, first removing for good the documents
    deleted by commits up to `purge_through` (raises pymysql errors)."""
    deleted = [sphinx_id(namespace, key) for key, doc in changes if doc is None]
    rows = [row(namespace, doc, generation) for _key, doc in changes if doc is not None]
    head = f"REPLACE INTO {SHARD_INDEX} ({', '.join(COLUMNS)}) VALUES "
    statements, batch, size = [], [], 0
    for made in rows:
        if batch and size + len(made) > STATEMENT_BYTES:
            statements.append(head + ", ".join(batch))
            batch, size = [], 0
        batch.append(made)
        size += len(made) + 2
    if batch:
        statements.append(head + ", ".join(batch))
    with connection.cursor() as cursor:
        _purge(cursor, namespace, purge_through)
        for start in range(0, len(deleted), DELETE_CHUNK):
            ids = ", ".join(map(str, deleted[start : start + DELETE_CHUNK]))
            cursor.execute(f"UPDATE {SHARD_INDEX} SET gone = {generation} WHERE id IN ({ids})")
        cursor.execute("BEGIN")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("COMMIT")


def drop_namespace(connection: pymysql.Connection, namespace: int) -> None:
    """Delete every document of a namespace from one shard."""
    with connection.cursor() as cursor:
        _delete_where(cursor, f"ns = {namespace}")
