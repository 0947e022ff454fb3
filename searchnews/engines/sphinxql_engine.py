"""The search engine on a SphinxQL cluster (Sphinx 2.2 searchd here, Manticore in production),
spoken to over the MySQL protocol with pymysql.

How the contract maps onto the cluster (laid out by `sphinxql_cluster`):

* the engine's folder holds only `engine.json`: the coordinator's address, the shards' SphinxQL
  addresses (read from the coordinator's `searchnews_shards` index when the engine is made) and
  the engine's namespace. One cluster holds many searchnews indexes (and an index being
  rebuilt beside the one it replaces): every document carries its namespace in the `ns`
  attribute and has the Sphinx id `namespace << 40 | key`, so id order is key order;
* writes go straight to the shard chosen by a stable hash of the key; `upsert` and `delete`
  stage in memory and `commit` sends each shard's changes as one transaction. Each shard's
  commit is durable when it returns (`binlog_flush = 1`: the binlog is fsync'd at every
  commit), but a commit over several shards is not atomic: a writer stopped between two
  shards' commits leaves some applied. Writes are idempotent by key (REPLACE, DELETE by id),
  and the catalog's pending list and reconcile on open apply them again;
* reads go through the coordinator's distributed index, which fans out to every shard. A
  search sees every shard's last commit (there is no older view to pin: `refresh` does
  nothing). Totals are `total_found`, exact; relevance is Sphinx's ranking with ties by the
  smaller key (`ORDER BY WEIGHT() DESC, id ASC`); term statistics are per shard, so the same
  document can score differently on two shards;
* texts arrive analysed (the analysis chain's tokens), are not stored by Sphinx 2.2 (the
  catalog is the document store), and the charset accepts every character a token can hold;
* `doc_frequency` counts matching documents (exact over all shards); `terms` cannot be
  answered (Sphinx lists no vocabulary by prefix) and raises QueryError.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import threading
import zlib
from collections.abc import Iterable, Iterator

import pymysql

from ..analysis import VALUE_GAP
from ..errors import EngineError, QueryError
from .base import (
    MULTI_NUMBER_FIELDS,
    NUMBER_FIELDS,
    SINGLE_NUMBER_FIELDS,
    SORTS,
    TEXT_FIELDS,
    Engine,
    EngineDocument,
    Node,
    SearchPage,
    SearchRequest,
    TermNode,
)
from .sphinxql_cluster import DIST_INDEX, EVERY_FIELD, SHARD_INDEX, SHARDS_INDEX, attribute
from .sphinxql_query import (
    COND_ALIAS,
    Compiled,
    Domain,
    compile_query,
    presence,
    presence_bit,
    sql_string,
)

ENGINE_FILE = "engine.json"
DEFAULT_ADDRESS = "127.0.0.1:9306"
ADDRESS_VARIABLE = "SEARCHNEWS_SPHINXQL"
KEY_BITS = 40
MAX_NAMESPACE = 2**23 - 1
MAX_MATCHES = 1000
FACET_GROUPS = 100_000
MOST_GROUPS = 10_000_000
SCAN_CHUNK = 10_000
DELETE_CHUNK = 1000
STATEMENT_BYTES = 4_000_000
# Sphinx keeps a separator out of the positions; the gap between values must take one.
GAP_TOKEN = "\u2016"
FIELD_WEIGHTS = {
    "headline": 30,
    "headings": 15,
    "body": 10,
    "headline_stem": 24,
    "headings_stem": 12,
    "body_stem": 8,
}
# Scores from what each document holds alone (matched words in sequence, their hits, the
# field's weight), never from per-shard term statistics (BM25's IDF): identical copies on two
# shards then score the same, so a story's copies rank alike on every engine.
RANKER = "sum((lcs*8 + hit_count)*user_weight)"
COLUMNS = (
    "id",
    "ns",
    "has",
    EVERY_FIELD,
    *TEXT_FIELDS,
    *(attribute(field) for field in NUMBER_FIELDS),
)


def parse_address(address: str) -> tuple[str, int]:
    """HOST:PORT as (host, port); EngineError when it is not one."""
    host, _, port = address.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise EngineError(f"{address!r} is not a SphinxQL address: give HOST:PORT.")
    return host, int(port)


def default_address() -> str:
    """The coordinator `--engine sphinxql` means without an address."""
    return os.environ.get(ADDRESS_VARIABLE) or DEFAULT_ADDRESS


def shard_of(key: int, shards: int) -> int:
    """The shard a key is written to: a stable hash, the same in every process and run."""
    return zlib.crc32(key.to_bytes(8, "little")) % shards


def _connect(address: str) -> pymysql.Connection:
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
        )
    except pymysql.MySQLError as exc:
        raise EngineError(
            f"Cannot reach the SphinxQL server at {address} ({exc.args[-1]}): start it (for a"
            " local cluster, `searchnews cluster up DIR`)."
        ) from exc


def _sync_write(path: str, text: str) -> None:
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


def _row(namespace: int, document: EngineDocument) -> str:
    if not 0 < document.key < 2**KEY_BITS:
        raise EngineError(f"The key {document.key} is out of the sphinxql engine's range.")
    has, values = 0, []
    for field in SINGLE_NUMBER_FIELDS:
        found = document.numbers.get(field)
        if found:
            has |= presence_bit(field)
            values.append(str(int(found[0])))
        else:
            values.append("0")
    for field in MULTI_NUMBER_FIELDS:
        values.append(
            "(" + ", ".join(str(int(v)) for v in sorted(set(document.numbers.get(field, ())))) + ")"
        )
    texts = []
    for field in TEXT_FIELDS:
        text = document.texts.get(field, "")
        texts.append(sql_string(text.replace(VALUE_GAP, GAP_TOKEN)))
    identity = [str(namespace << KEY_BITS | document.key), str(namespace), str(has), "'1'"]
    return "(" + ", ".join(identity + texts + values) + ")"


class SphinxQLEngine(Engine):
    """A searchnews index in one namespace of a SphinxQL cluster."""

    name = "sphinxql"

    def __init__(self, folder: str, coordinator: str, shards: list[str], namespace: int) -> None:
        self.folder = folder
        self.coordinator = coordinator
        self.shards = shards
        self.namespace = namespace
        self._local = threading.local()
        self._writers: dict[int, pymysql.Connection] = {}
        self._staged: dict[int, EngineDocument | None] = {}
        self._closed = False

    # -- making and opening --

    @classmethod
    def create(cls, folder: str, address: str | None = None) -> SphinxQLEngine:
        """Make an empty index in `folder` on the cluster whose coordinator is at `address`
        (default: $SEARCHNEWS_SPHINXQL, else 127.0.0.1:9306)."""
        folder = os.path.abspath(folder)
        coordinator = address or default_address()
        parse_address(coordinator)
        if os.path.exists(os.path.join(folder, ENGINE_FILE)):
            raise EngineError(f"{folder} already holds a search index: not replacing it.")
        connection = _connect(coordinator)
        try:
            shards = cls._discover(connection, coordinator)
            namespace = cls._free_namespace(connection)
        finally:
            connection.close()
        os.makedirs(folder, exist_ok=True)
        settings = {"coordinator": coordinator, "shards": shards, "namespace": namespace}
        _sync_write(os.path.join(folder, ENGINE_FILE), json.dumps(settings, indent=1) + "\n")
        return cls(folder, coordinator, shards, namespace)

    @staticmethod
    def _discover(connection: pymysql.Connection, coordinator: str) -> list[str]:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id, address FROM {SHARDS_INDEX} ORDER BY id ASC LIMIT 1000")
                rows = cursor.fetchall()
        except pymysql.MySQLError as exc:
            raise EngineError(
                f"The SphinxQL server at {coordinator} lists no searchnews shards ({exc.args[-1]}):"
                " is it a coordinator made by `searchnews cluster up`?"
            ) from exc
        shards = [str(address) for _id, address in rows]
        if not shards:
            raise EngineError(f"The coordinator at {coordinator} lists no shards.")
        for shard in shards:
            parse_address(shard)
        return shards

    @staticmethod
    def _free_namespace(connection: pymysql.Connection) -> int:
        with connection.cursor() as cursor:
            for _attempt in range(20):
                namespace = random.randint(1, MAX_NAMESPACE)
                cursor.execute(f"SELECT id FROM {DIST_INDEX} WHERE ns = {namespace} LIMIT 1")
                if not cursor.fetchall():
                    return namespace
        raise EngineError("Could not find a free namespace in the cluster.")

    @classmethod
    def open(cls, folder: str) -> SphinxQLEngine:
        """Open the index in `folder`; raises EngineError when there is none."""
        folder = os.path.abspath(folder)
        path = os.path.join(folder, ENGINE_FILE)
        try:
            with open(path, encoding="utf-8") as handle:
                settings = json.load(handle)
            coordinator = settings["coordinator"]
            shards = settings["shards"]
            namespace = settings["namespace"]
        except OSError as exc:
            raise EngineError(
                f"No search index in {folder}: build one with `searchnews index`."
            ) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise EngineError(f"{path} cannot be read: rebuild the index.") from exc
        valid = (
            isinstance(coordinator, str)
            and isinstance(shards, list)
            and shards
            and all(isinstance(shard, str) for shard in shards)
            and isinstance(namespace, int)
            and 0 < namespace <= MAX_NAMESPACE
        )
        if not valid:
            raise EngineError(f"{path} does not describe a sphinxql index: rebuild the index.")
        for address in (coordinator, *shards):
            parse_address(address)
        return cls(folder, coordinator, list(shards), namespace)

    def location(self) -> str:
        """The engine as `--engine` names it, to make another index alike."""
        return f"sphinxql://{self.coordinator}"

    # -- writing --

    def upsert(self, documents: Iterable[EngineDocument]) -> None:
        """Add documents, replacing any with the same key (staged until `commit`)."""
        self._check_open()
        for document in documents:
            self._staged[document.key] = document

    def delete(self, keys: Iterable[int]) -> None:
        """Remove the documents with these keys, if present (staged until `commit`)."""
        self._check_open()
        for key in keys:
            self._staged[key] = None

    def commit(self) -> None:
        """Send each shard its staged changes as one transaction, durable when it returns."""
        staged, self._staged = self._staged, {}
        by_shard: dict[int, list[tuple[int, EngineDocument | None]]] = {}
        for key, document in staged.items():
            by_shard.setdefault(shard_of(key, len(self.shards)), []).append((key, document))
        for number, changes in sorted(by_shard.items()):
            self._commit_shard(number, changes)

    def _commit_shard(self, number: int, changes: list[tuple[int, EngineDocument | None]]) -> None:
        address = self.shards[number]
        deleted = [self.namespace << KEY_BITS | key for key, doc in changes if doc is None]
        rows = [_row(self.namespace, doc) for _key, doc in changes if doc is not None]
        statements = []
        for start in range(0, len(deleted), DELETE_CHUNK):
            ids = ", ".join(map(str, deleted[start : start + DELETE_CHUNK]))
            statements.append(f"DELETE FROM {SHARD_INDEX} WHERE id IN ({ids})")
        head = f"REPLACE INTO {SHARD_INDEX} ({', '.join(COLUMNS)}) VALUES "
        batch: list[str] = []
        size = 0
        for row in rows:
            if batch and size + len(row) > STATEMENT_BYTES:
                statements.append(head + ", ".join(batch))
                batch, size = [], 0
            batch.append(row)
            size += len(row) + 2
        if batch:
            statements.append(head + ", ".join(batch))
        connection = self._writer(number)
        try:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN")
                for statement in statements:
                    cursor.execute(statement)
                cursor.execute("COMMIT")
        except pymysql.MySQLError as exc:
            self._drop_writer(number)
            raise EngineError(
                f"Could not commit to shard {number + 1} at {address} ({exc.args[-1]}): nothing"
                " committed is lost; run the same command again once the shard is back."
            ) from exc

    def _writer(self, number: int) -> pymysql.Connection:
        connection = self._writers.get(number)
        if connection is None:
            connection = self._writers[number] = _connect(self.shards[number])
        return connection

    def _drop_writer(self, number: int) -> None:
        connection = self._writers.pop(number, None)
        if connection is not None:
            with contextlib.suppress(pymysql.MySQLError):
                connection.close()

    def rollback(self) -> None:
        """Drop staged changes (nothing reaches a shard before `commit`)."""
        self._staged = {}

    # -- reading --

    def refresh(self) -> None:
        """Nothing to do: every search sees each shard's last commit."""
        self._check_open()

    def _reader(self) -> pymysql.Connection:
        self._check_open()
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = _connect(self.coordinator)
        return connection

    def _query(self, sql: str, meta: bool = False) -> tuple[list[tuple], dict[str, str]]:
        """Rows of one SELECT on the coordinator, with SHOW META when asked."""
        for attempt in (1, 2):
            connection = self._reader()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    rows = list(cursor.fetchall())
                    found = {}
                    if meta:
                        cursor.execute("SHOW META")
                        found = {str(k): str(v) for k, v in cursor.fetchall()}
                    return rows, found
            except pymysql.OperationalError as exc:
                self._local.connection = None
                if attempt == 2:
                    raise EngineError(
                        f"The SphinxQL coordinator at {self.coordinator} failed ({exc.args[-1]})."
                    ) from exc
            except pymysql.MySQLError as exc:
                raise EngineError(
                    f"The SphinxQL coordinator at {self.coordinator} refused a search"
                    f" ({exc.args[-1]})."
                ) from exc
        raise AssertionError("unreachable")

    def _domain(self) -> Domain:
        spans: dict[str, tuple[int, int] | None] = {}

        def domain(name: str) -> tuple[int, int] | None:
            if name not in spans:
                ns = self.namespace
                low, _ = self._query(
                    f"SELECT id, LEAST({name}) AS v FROM {DIST_INDEX} WHERE ns = {ns} AND v > 0"
                    " ORDER BY v ASC LIMIT 1"
                )
                high, _ = self._query(
                    f"SELECT id, GREATEST({name}) AS v FROM {DIST_INDEX} WHERE ns = {ns}"
                    " AND v > 0 ORDER BY v DESC LIMIT 1"
                )
                spans[name] = (int(low[0][1]), int(high[0][1])) if low and high else None
            return spans[name]

        return domain

    def _compile(self, node: Node) -> Compiled:
        try:
            return compile_query(node, self._domain())
        except ValueError as exc:
            raise QueryError(f"The sphinxql engine cannot search this: {exc}.") from exc

    def _sql(
        self,
        compiled: Compiled,
        columns: list[str],
        tail: str,
        conditions: Iterable[str] = (),
        filters: Iterable[str] = (),
    ) -> str:
        condition = " AND ".join(
            f"({c})"
            for c in ([compiled.condition] if compiled.condition else []) + list(conditions)
        )
        selected = list(columns) + ([f"{condition} AS {COND_ALIAS}"] if condition else [])
        where = [f"MATCH({sql_string(compiled.match)})"] if compiled.match else []
        where += [f"ns = {self.namespace}", *compiled.filters, *filters]
        if condition:
            where.append(f"{COND_ALIAS} = 1")
        return f"SELECT {', '.join(selected)} FROM {DIST_INDEX} WHERE {' AND '.join(where)} {tail}"

    def search(self, request: SearchRequest) -> SearchPage:
        """One page of matches (every shard's last commit)."""
        if request.sort not in SORTS:
            raise ValueError(f"unknown sort {request.sort!r}: use one of {', '.join(SORTS)}")
        if request.offset < 0 or request.limit < 0:
            raise ValueError("offset and limit must not be negative")
        compiled = self._compile(request.query)
        if compiled.empty:
            return SearchPage([], 0, {field: [] for field, _limit in request.facets})
        wanted = request.offset + request.limit
        order = {
            "relevance": "WEIGHT() DESC, id ASC",
            "newest": f"{attribute('newest')} DESC, id ASC",
            "oldest": f"{attribute('oldest')} ASC, id ASC",
        }[request.sort]
        weights = ", ".join(f"{name}={weight}" for name, weight in FIELD_WEIGHTS.items())
        tail = (
            f"ORDER BY {order} LIMIT {request.offset}, {max(request.limit, 1)}"
            f" OPTION max_matches={max(MAX_MATCHES, wanted)}, field_weights=({weights}),"
            f" ranker=expr({sql_string(RANKER)})"
        )
        rows, meta = self._query(self._sql(compiled, ["id", "WEIGHT() AS w"], tail), meta=True)
        total = int(meta.get("total_found", 0))
        mask = (1 << KEY_BITS) - 1
        hits = []
        if request.limit:
            relevance = request.sort == "relevance"
            hits = [(int(row[0]) & mask, float(row[1]) if relevance else 0.0) for row in rows]
        facets = {field: self._facet(compiled, field, limit) for field, limit in request.facets}
        return SearchPage(hits, total, facets)

    def _facet(self, compiled: Compiled, field: str, limit: int | None) -> list[tuple[int, int]]:
        if field not in NUMBER_FIELDS:
            raise ValueError(f"{field!r} is not an integer field")
        if limit is not None and limit <= 0:
            return []
        extra = [presence(field)] if field in SINGLE_NUMBER_FIELDS else []
        groups = FACET_GROUPS
        while True:
            tail = (
                f"GROUP BY {attribute(field)} ORDER BY c DESC LIMIT 0, {groups}"
                f" OPTION max_matches={groups}"
            )
            sql = self._sql(compiled, ["GROUPBY() AS g", "COUNT(*) AS c"], tail, extra)
            rows, _meta = self._query(sql)
            if len(rows) < groups:
                break
            if groups >= MOST_GROUPS:
                raise EngineError(f"Too many values of {field} to count exactly.")
            groups *= 10
        counts = sorted(
            ((int(row[0]), int(row[1])) for row in rows), key=lambda item: (-item[1], item[0])
        )
        return counts if limit is None else counts[:limit]

    def scan(self, query: Node) -> Iterator[int]:
        """Every matching key, in key order here, without scoring."""
        compiled = self._compile(query)
        if compiled.empty:
            return
        mask, last = (1 << KEY_BITS) - 1, 0
        top = (self.namespace + 1 << KEY_BITS) - 1
        while True:
            low = (self.namespace << KEY_BITS) + last + 1
            tail = f"ORDER BY id ASC LIMIT 0, {SCAN_CHUNK} OPTION max_matches={SCAN_CHUNK}"
            rows, _meta = self._query(
                self._sql(compiled, ["id"], tail, filters=[f"id BETWEEN {low} AND {top}"])
            )
            keys = [int(row[0]) & mask for row in rows]
            yield from keys
            if len(keys) < SCAN_CHUNK:
                return
            last = keys[-1]

    def _total(self, match: str | None) -> int:
        where = [f"MATCH({sql_string(match)})"] if match else []
        where.append(f"ns = {self.namespace}")
        _rows, meta = self._query(
            f"SELECT id FROM {DIST_INDEX} WHERE {' AND '.join(where)} LIMIT 0, 1", meta=True
        )
        return int(meta.get("total_found", 0))

    def count(self) -> int:
        """How many documents the index holds (every shard's last commit)."""
        return self._total(None)

    def doc_frequency(self, field: str, token: str) -> int:
        """How many documents hold `token` in `field`: matches counted over every shard."""
        if field not in TEXT_FIELDS:
            raise ValueError(f"{field!r} is not a text field")
        return self._total(self._compile(TermNode(field, token)).match)

    def terms(self, field: str, prefix: str, limit: int = 100) -> list[tuple[str, int]]:
        """Not available: Sphinx lists no vocabulary by prefix."""
        raise QueryError(
            "The sphinxql engine cannot list indexed words by prefix (Sphinx keeps no"
            " vocabulary it can list), so it makes no spelling suggestions."
        )

    def _check_open(self) -> None:
        if self._closed:
            raise EngineError(f"The search index in {self.folder} is closed.")

    def close(self) -> None:
        """Drop staged changes and close the connections of this thread and of the writer."""
        self._staged = {}
        for number in list(self._writers):
            self._drop_writer(number)
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            with contextlib.suppress(pymysql.MySQLError):
                connection.close()
            self._local.connection = None
        self._closed = True


ENGINE = SphinxQLEngine
