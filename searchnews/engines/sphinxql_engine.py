"""The search engine on a SphinxQL cluster (Sphinx 2.2 searchd here, Manticore in production),
spoken to over the MySQL protocol with pymysql.

How the contract maps onto the cluster (laid out by `sphinxql_cluster`):

* the engine's folder holds only `engine.json`: the coordinator's address, the shards' SphinxQL
  addresses (read from the coordinator's `searchnews_shards` index when the engine is made) and
  the engine's namespace. One cluster holds many searchnews indexes (and an index being
  rebuilt beside the one it replaces): every document carries its namespace in the `ns`
  attribute and has the Sphinx id `namespace << 40 | key`, so id order is key order;
* writes go straight to the shard chosen by a stable hash of the key; `upsert` and `delete`
  stage in memory and `commit` sends each shard its changes as one transaction, durable when
  it returns (`binlog_flush = 1`: the server fsyncs its binlog at every commit). A commit over
  several shards is not atomic, so readers see commits by generation (`sphinxql_writes`): a
  commit is visible once every shard has it, and `refresh` pins the last such commit. Writes
  are idempotent by key; a commit stopped half-way is applied again from the catalog's pending
  list on the next run;
* reads go through the coordinator's distributed index, which fans out to every shard. Totals
  are `total_found`, exact; relevance is Sphinx's ranking from each document alone, with ties
  by the smaller key (`ORDER BY WEIGHT() DESC, id ASC`);
* texts arrive analysed (the analysis chain's tokens), are not stored by Sphinx 2.2 (the
  catalog is the document store), and the charset accepts every character a token can hold;
* `doc_frequency` counts matching documents (exact over all shards); `terms` cannot be
  answered (Sphinx lists no vocabulary by prefix) and raises QueryError.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import pymysql

from ..errors import EngineError, IndexBusyError, QueryError
from .base import (
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
from .sphinxql_cluster import COMMITS_INDEX, DIST_INDEX, SHARD_INDEX, SHARDS_INDEX, attribute
from .sphinxql_query import COND_ALIAS, Compiled, Domain, compile_query, presence, sql_string
from .sphinxql_writes import (
    COLUMNS,
    KEY_BITS,
    Changes,
    close_quietly,
    commit_shard,
    commit_state,
    connect,
    drop_namespace,
    parse_address,
    set_commit_state,
    shard_of,
    sync_write,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

ENGINE_FILE = "engine.json"
DEFAULT_ADDRESS = "127.0.0.1:9306"
ADDRESS_VARIABLE = "SEARCHNEWS_SPHINXQL"
MAX_NAMESPACE = 2**23 - 1
MAX_MATCHES = 1000
DEEPEST = 1_000_000
IDLE_CONNECTIONS = 16
# Groups asked for at first: Sphinx sets aside room for max_matches rows per query (100,000
# cost 30 ms a query), so a facet starts small and asks again for ten times as many when full.
FACET_GROUPS = 1000
# How long a deleted document stays for readers still on an older commit.
PURGE_GRACE = 60.0
MOST_GROUPS = 10_000_000
SCAN_CHUNK = 10_000
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


def text_mode(server: str) -> str:
    """Where texts come from with this server (its version string), in words."""
    if "manticore" in server.lower():
        return (
            f"Manticore {server}: it could store texts (its docstore), but searchnews reads them"
            " from the catalog's document store, as on every engine"
        )
    return f"Sphinx {server}: real-time indexes store no text; texts come from the catalog"


def default_address() -> str:
    """The coordinator `--engine sphinxql` means without an address."""
    return os.environ.get(ADDRESS_VARIABLE) or DEFAULT_ADDRESS


class SphinxQLEngine(Engine):
    """A searchnews index in one namespace of a SphinxQL cluster."""

    name = "sphinxql"

    def __init__(
        self,
        folder: str,
        coordinator: str,
        shards: list[str],
        namespace: int,
        agents: list[str] | None = None,
    ) -> None:
        self.folder = folder
        self.coordinator = coordinator
        self.shards = shards
        self.namespace = namespace
        # The address the coordinator's agent line names for each shard (its own protocol).
        self.agents = agents or []
        self._local = threading.local()  # each thread's pinned commit
        # Connections to the coordinator, lent to one query at a time: a web server's threads
        # come and go with its requests.
        self._idle: list[pymysql.Connection] = []
        self._idle_lock = threading.Lock()
        # The writer's connections: shard number -> connection, None -> the coordinator.
        self._writers: dict[int | None, pymysql.Connection] = {}
        self._staged: dict[int, EngineDocument | None] = {}
        self._done_at: list[tuple[float, int]] = []  # (monotonic time, commit done then)
        self._closed = False
        self._facet_groups: dict[str, int] = {}  # per field: how many groups its counts needed

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
        connection = connect(coordinator)
        try:
            server = str(connection.get_server_info())
            log.info("sphinxql engine on %s: %s", coordinator, text_mode(server))
            shards, agents = cls._discover(connection, coordinator)
            namespace = cls._free_namespace(connection)
            set_commit_state(connection, namespace, 0, 0)
        except pymysql.MySQLError as exc:
            raise EngineError(f"The coordinator at {coordinator} failed: {exc.args[-1]}") from exc
        finally:
            close_quietly(connection)
        os.makedirs(folder, exist_ok=True)
        settings = {
            "coordinator": coordinator,
            "shards": shards,
            "agents": agents,
            "namespace": namespace,
            "server": server,
        }
        sync_write(os.path.join(folder, ENGINE_FILE), json.dumps(settings, indent=1) + "\n")
        return cls(folder, coordinator, shards, namespace, agents)

    @staticmethod
    def _discover(connection: pymysql.Connection, coordinator: str) -> tuple[list[str], list[str]]:
        """The shards' SphinxQL addresses and agent addresses, as the coordinator lists them."""
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, address, agent FROM {SHARDS_INDEX} ORDER BY id ASC LIMIT 1000"
                )
                rows = cursor.fetchall()
        except pymysql.MySQLError as exc:
            raise EngineError(
                f"The SphinxQL server at {coordinator} lists no searchnews shards"
                f" ({exc.args[-1]}): is it a coordinator made by `searchnews cluster up`?"
            ) from exc
        shards = [str(row[1]) for row in rows]
        if not shards:
            raise EngineError(f"The coordinator at {coordinator} lists no shards.")
        for shard in shards:
            _check_shard(shard)
        return shards, [str(row[2]) for row in rows]

    @staticmethod
    def _free_namespace(connection: pymysql.Connection) -> int:
        with connection.cursor() as cursor:
            for _attempt in range(20):
                namespace = random.randint(1, MAX_NAMESPACE)
                cursor.execute(f"SELECT id FROM {DIST_INDEX} WHERE ns = {namespace} LIMIT 1")
                if cursor.fetchall() or commit_state(connection, namespace) != (0, 0):
                    continue
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
            agents = settings.get("agents", [])
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
            and isinstance(agents, list)
            and all(isinstance(agent, str) for agent in agents)
        )
        if not valid:
            raise EngineError(f"{path} does not describe a sphinxql index: rebuild the index.")
        for address in (coordinator, *shards):
            parse_address(address)
        return cls(folder, coordinator, list(shards), namespace, list(agents))

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
        """Apply the staged changes on every shard as one new commit (see sphinxql_writes):
        durable on each shard when this returns, and seen by readers only once all have it."""
        staged, self._staged = self._staged, {}
        if not staged:
            return
        by_shard: dict[int, Changes] = {}
        for key, document in staged.items():
            by_shard.setdefault(shard_of(key, len(self.shards)), []).append((key, document))

        def begin(control: pymysql.Connection) -> tuple[int, int]:
            started, done = commit_state(control, self.namespace)
            generation = max(started, done) + 1
            set_commit_state(control, self.namespace, generation, done)
            return generation, done

        try:
            generation, done = self._write(None, begin)
            if not self._done_at:
                self._done_at.append((time.monotonic(), done))
            purge_through = self._purge_horizon()
        except pymysql.MySQLError as exc:
            raise EngineError(
                f"Could not commit through the coordinator at {self.coordinator}"
                f" ({exc.args[-1]}): nothing committed is lost; run the same command again."
            ) from exc
        for number, changes in sorted(by_shard.items()):
            try:
                self._write(
                    number,
                    lambda shard, changes=changes: commit_shard(
                        shard, self.namespace, changes, generation, purge_through
                    ),
                )
            except pymysql.MySQLError as exc:
                raise EngineError(
                    f"Could not commit to shard {number + 1} at {self.shards[number]}"
                    f" ({exc.args[-1]}): nothing committed is lost; run the same command again"
                    " once it is back."
                ) from exc
        try:
            self._write(
                None,
                lambda control: set_commit_state(control, self.namespace, generation, generation),
            )
        except pymysql.MySQLError as exc:
            raise EngineError(
                f"Could not finish a commit at the coordinator {self.coordinator}"
                f" ({exc.args[-1]}): run the same command again."
            ) from exc
        self._done_at.append((time.monotonic(), generation))

    def _purge_horizon(self) -> int:
        """The last commit done at least PURGE_GRACE seconds ago, as far as this writer saw:
        documents deleted up to it can go for good, since a reader pins a commit for one
        search. (A commit done before this writer started counts from when it first looked.)"""
        cutoff = time.monotonic() - PURGE_GRACE
        old = [generation for at, generation in self._done_at if at <= cutoff]
        if not old:
            return 0
        self._done_at = [(cutoff, old[-1])] + [(at, g) for at, g in self._done_at if at > cutoff]
        return old[-1]

    def _write(self, number: int | None, step: Callable[[pymysql.Connection], T]) -> T:
        """`step` on the writer's connection to shard `number` (None: the coordinator). A
        connection lost on the way gets one more try on a new one: every step of a commit can
        be repeated and ends the same."""
        address = self.coordinator if number is None else self.shards[number]
        for attempt in (1, 2):
            connection = self._writers.get(number) or connect(address)
            self._writers[number] = connection
            try:
                return step(connection)
            except pymysql.OperationalError:
                close_quietly(self._writers.pop(number, None))
                if attempt == 2:
                    raise
            except pymysql.MySQLError:
                close_quietly(self._writers.pop(number, None))
                raise
        raise AssertionError("unreachable")

    def rollback(self) -> None:
        """Drop staged changes (nothing reaches a shard before `commit`)."""
        self._staged = {}

    # -- reading --

    def refresh(self) -> None:
        """Pin, for this thread, the last commit every shard has applied."""
        rows, _meta = self._query(
            f"SELECT started, done FROM {COMMITS_INDEX} WHERE id = {self.namespace}"
        )
        if not rows:
            # Its commit record goes when the index is dropped, after a rebuild switched the
            # folder to another engine index: the caller reopens and tries again.
            raise IndexBusyError(f"The index in {self.folder} was replaced; try again.")
        self._local.done = int(rows[0][1])

    def _done(self) -> int:
        done = getattr(self._local, "done", None)
        if done is None:
            self.refresh()
            done = self._local.done
        return done

    def _visible(self) -> list[str]:
        """The filters of the documents of this index in the pinned commit."""
        done = self._done()
        return [f"ns = {self.namespace}", f"gen <= {done}", f"gone > {done}"]

    def _borrow(self) -> pymysql.Connection:
        self._check_open()
        with self._idle_lock:
            if self._idle:
                return self._idle.pop()
        return connect(self.coordinator)

    def _give_back(self, connection: pymysql.Connection) -> None:
        with self._idle_lock:
            if not self._closed and len(self._idle) < IDLE_CONNECTIONS:
                self._idle.append(connection)
                return
        close_quietly(connection)

    def _query(
        self, sql: str, missing: list[str] | None = None
    ) -> tuple[list[tuple], dict[str, str]]:
        """Rows of one SELECT on the coordinator and its SHOW META. Shards that did not answer
        are added to `missing`, or, without it, raise EngineError: a count must be whole."""
        return self._batch([sql], missing)[0]

    def _batch(
        self, statements: list[str], missing: list[str] | None = None
    ) -> list[tuple[list[tuple], dict[str, str]]]:
        """`_query` for several SELECTs sent together: their answers in order."""
        text = "; ".join(f"{statement}; SHOW META" for statement in statements)
        for attempt in (1, 2):
            connection = self._borrow()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(text)
                    results = []
                    for _statement in statements:
                        rows = list(cursor.fetchall())
                        cursor.nextset()
                        results.append((rows, {str(k): str(v) for k, v in cursor.fetchall()}))
                        cursor.nextset()
                self._give_back(connection)
                break
            except pymysql.OperationalError as exc:
                # A connection the server closed (idle too long, or restarted): once more.
                close_quietly(connection)
                if attempt == 2:
                    raise EngineError(
                        f"The SphinxQL coordinator at {self.coordinator} failed ({exc.args[-1]})."
                    ) from exc
            except pymysql.MySQLError as exc:
                close_quietly(connection)  # answers of the rest of the batch may be pending
                raise EngineError(
                    f"The SphinxQL coordinator at {self.coordinator} refused a search"
                    f" ({exc.args[-1]})."
                ) from exc
        for _rows, found in results:
            absent = self._absent_shards(found.get("warning", ""))
            if absent and missing is None:
                raise EngineError(f"Not every shard answered: {'; '.join(absent)}.")
            if missing is not None:
                missing += [reason for reason in absent if reason not in missing]
        return results

    def _absent_shards(self, warning: str) -> list[str]:
        """Each shard a coordinator's warning says did not answer, named, with the reason."""
        reasons = []
        for agent, reason in _AGENT_WARNING.findall(warning):
            if agent in self.agents:
                number = self.agents.index(agent)
                name = f"shard {number + 1} ({self.shards[number]})"
            else:
                name = f"the shard at {agent}"
            reasons.append(f"{name} did not answer: {reason.strip()}")
        if warning and not reasons:
            reasons.append(f"the coordinator warned: {warning}")
        return reasons

    def _domain(self, missing: list[str]) -> Domain:
        spans: dict[str, tuple[int, int] | None] = {}
        visible = " AND ".join(self._visible())

        def domain(name: str) -> tuple[int, int] | None:
            if name not in spans:
                statements = [
                    f"SELECT id, {function}({name}) AS v FROM {DIST_INDEX} WHERE {visible}"
                    f" AND v > 0 ORDER BY v {order} LIMIT 1"
                    for function, order in (("LEAST", "ASC"), ("GREATEST", "DESC"))
                ]
                found = [
                    int(row[1]) for rows, _ in self._batch(statements, missing) for row in rows
                ]
                spans[name] = (found[0], found[1]) if len(found) == 2 else None
            return spans[name]

        return domain

    def _compile(self, node: Node, missing: list[str] | None = None) -> Compiled:
        try:
            return compile_query(node, self._domain(missing if missing is not None else []))
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
        combined = ([compiled.condition] if compiled.condition else []) + list(conditions)
        condition = " AND ".join(f"({c})" for c in combined)
        selected = list(columns) + ([f"{condition} AS {COND_ALIAS}"] if condition else [])
        where = [f"MATCH({sql_string(compiled.match)})"] if compiled.match else []
        where += [*self._visible(), *compiled.filters, *filters]
        if condition:
            where.append(f"{COND_ALIAS} = 1")
        return f"SELECT {', '.join(selected)} FROM {DIST_INDEX} WHERE {' AND '.join(where)} {tail}"

    def search(self, request: SearchRequest) -> SearchPage:
        """One page of matches as of the last `refresh`."""
        if request.sort not in SORTS:
            raise ValueError(f"unknown sort {request.sort!r}: use one of {', '.join(SORTS)}")
        if request.offset < 0 or request.limit < 0:
            raise ValueError("offset and limit must not be negative")
        missing: list[str] = []  # shards that did not answer, with the reasons
        compiled = self._compile(request.query, missing)
        if compiled.empty:
            return SearchPage([], 0, {field: [] for field, _limit in request.facets})
        wanted = request.offset + max(request.limit, 1)
        if wanted > DEEPEST:
            # Sphinx sorts offset + limit matches per shard in memory to serve a page.
            raise QueryError(
                f"The sphinxql engine pages at most {DEEPEST:,} matches deep: narrow the search,"
                " or read every match with an export (scan), which pages by id."
            )
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
        statements = [self._sql(compiled, ["id", "WEIGHT() AS w"], tail)]
        counted = [(field, limit) for field, limit in request.facets if limit is None or limit > 0]
        asked = [self._groups(field) for field, _limit in counted]  # others may grow it meanwhile
        for (field, limit), groups in zip(counted, asked, strict=True):
            statements.append(self._facet_sql(compiled, field, groups, limit))
        (rows, meta), *counts = self._batch(statements, missing)
        total = int(meta.get("total_found", 0))
        mask = (1 << KEY_BITS) - 1
        hits = []
        if request.limit:
            relevance = request.sort == "relevance"
            hits = [(int(row[0]) & mask, float(row[1]) if relevance else 0.0) for row in rows]
        facets = {field: [] for field, _limit in request.facets}
        for (field, limit), size, (groups, found) in zip(counted, asked, counts, strict=True):
            if _full(found, size):
                groups = self._all_groups(compiled, field, size, limit, missing)
            facets[field] = [(int(row[0]), int(row[1])) for row in groups]
        return SearchPage(hits, total, facets, missing)

    def _groups(self, field: str) -> int:
        """How many groups a count of `field` asks every shard for first."""
        if field not in NUMBER_FIELDS:
            raise ValueError(f"{field!r} is not an integer field")
        return self._facet_groups.get(field, FACET_GROUPS)

    def _facet_sql(self, compiled: Compiled, field: str, groups: int, limit: int | None) -> str:
        """The counts of `field`, most first (`limit` of them): each shard keeps up to `groups`
        groups, and the coordinator merges them all before it cuts."""
        extra = [presence(field)] if field in SINGLE_NUMBER_FIELDS else []
        tail = (
            f"GROUP BY {attribute(field)} ORDER BY c DESC, g ASC"
            f" LIMIT 0, {groups if limit is None else min(limit, groups)}"
            f" OPTION max_matches={groups}"
        )
        return self._sql(compiled, ["GROUPBY() AS g", "COUNT(*) AS c"], tail, extra)

    def _all_groups(
        self, compiled: Compiled, field: str, groups: int, limit: int | None, missing: list[str]
    ) -> list[tuple]:
        """The counts of `field` when an answer with room for `groups` was full, asking for ten
        times more until the groups found are fewer than the room: no shard then left one out,
        so the merged counts are exact."""
        while True:
            if groups >= MOST_GROUPS:
                raise EngineError(f"Too many values of {field} to count exactly.")
            groups *= 10
            rows, found = self._query(self._facet_sql(compiled, field, groups, limit), missing)
            if not _full(found, groups):
                self._facet_groups[field] = groups  # where the next count of this field starts
                return rows

    def scan(self, query: Node) -> Iterator[int]:
        """Every matching key, in key order here, without scoring."""
        compiled = self._compile(query)
        if compiled.empty:
            return
        mask, last = (1 << KEY_BITS) - 1, 0
        top = ((self.namespace + 1) << KEY_BITS) - 1
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
        where += self._visible()
        _rows, meta = self._query(
            f"SELECT id FROM {DIST_INDEX} WHERE {' AND '.join(where)} LIMIT 0, 1"
        )
        return int(meta.get("total_found", 0))

    def count(self) -> int:
        """How many documents the index holds as of the last `refresh`."""
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

    def drop(self) -> None:
        """Delete this index's commit record, then every document of it from the cluster."""

        def forget(control: pymysql.Connection) -> None:
            with control.cursor() as cursor:
                cursor.execute(f"DELETE FROM {COMMITS_INDEX} WHERE id = {self.namespace}")

        try:
            # The record first: a reader that refreshes from now on is told the index was
            # replaced, instead of reading it half deleted.
            self._write(None, forget)
            for number in range(len(self.shards)):
                self._write(number, lambda shard: drop_namespace(shard, self.namespace))
        except pymysql.MySQLError as exc:
            raise EngineError(f"Could not delete the index from its cluster: {exc}") from exc

    def _check_open(self) -> None:
        if self._closed:
            raise EngineError(f"The search index in {self.folder} is closed.")

    def close(self) -> None:
        """Drop staged changes and close every connection."""
        self._staged = {}
        for number in list(self._writers):
            close_quietly(self._writers.pop(number))
        with self._idle_lock:
            idle, self._idle = self._idle, []
            self._closed = True
        for connection in idle:
            close_quietly(connection)


_AGENT_WARNING = re.compile(r"agent ([^\s:]+:\d+): ([^;]*)")


def _check_shard(address: str) -> None:
    """Refuse a shard whose index lacks the attributes this version writes."""
    connection = connect(address)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DESCRIBE {SHARD_INDEX}")
            columns = {str(row[0]) for row in cursor.fetchall()}
    except pymysql.MySQLError as exc:
        raise EngineError(f"The shard at {address} has no {SHARD_INDEX} index ({exc}).") from exc
    finally:
        close_quietly(connection)
    missing = sorted(set(COLUMNS) - columns)
    if missing:
        raise EngineError(
            f"The shard at {address} was made by another version of searchnews (it lacks"
            f" {', '.join(missing)}): make a new cluster (`searchnews cluster up` in a new"
            " folder) and rebuild the index into it."
        )


def _full(meta: dict[str, str], groups: int) -> bool:
    """Whether a count with room for `groups` groups per shard may have left some out. For a
    GROUP BY, `total_found` is the groups found before the LIMIT (at least that many when a
    shard ran out of room), on Sphinx 2.2 and Manticore alike; `total` is not: Manticore
    counts the rows it sent."""
    return int(meta.get("total_found", 0)) >= groups


ENGINE = SphinxQLEngine
