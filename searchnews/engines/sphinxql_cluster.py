"""A local SphinxQL cluster for the sphinxql engine: searchd configs, starting and stopping.

`up(folder, shards, port)` writes one searchd config per shard and one for the coordinator,
starts them on 127.0.0.1 and waits until each answers. Each shard serves one real-time index
(`SHARD_INDEX`) over SphinxQL for writes and over Sphinx's own protocol for the coordinator,
whose `type = distributed` index (`DIST_INDEX`) fans every read out to the shards. The
coordinator also holds `SHARDS_INDEX`, one row per shard with the SphinxQL address writes go
to and the address its agent line names (that is how an engine finds the shards from the
coordinator's address alone), and `COMMITS_INDEX`, one row per searchnews index with the last
commit every shard has applied.

The same layout on several machines (with Manticore) is described in docs/scale-out.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass

from ..engines.base import MULTI_NUMBER_FIELDS, SINGLE_NUMBER_FIELDS, TEXT_FIELDS
from ..errors import SearchnewsError

SHARD_INDEX = "searchnews_shard"
DIST_INDEX = "searchnews"
SHARDS_INDEX = "searchnews_shards"
COMMITS_INDEX = "searchnews_commits"
# A field every document holds the token "1" in, so that a query of only exclusions has a
# positive part (Sphinx refuses a query that is a bare NOT).
EVERY_FIELD = "every"
# Attributes: `ns` tells apart the searchnews indexes one cluster holds, `has` has bit i set
# when the article has a value of SINGLE_NUMBER_FIELDS[i] (Sphinx stores 0 for "none"), `gen`
# is the commit that wrote a document and `gone` the one that deleted it.
BIGINT_FIELDS = ("published", "newest", "oldest")
CLUSTER_FILE = "cluster.json"
INSTALL_HINT = "install Sphinx's searchd: `apt-get install sphinxsearch` (Debian, Ubuntu)"
START_TIMEOUT = 30.0


class ClusterError(SearchnewsError):
    """A local cluster that cannot be started, stopped or reached."""


def attribute(field: str) -> str:
    """The attribute name of an integer field (text fields already use the plain names)."""
    return f"n_{field}"


# Every token the analysis chain makes is a run of word characters: digits, ASCII letters, the
# underscore, and any letter, digit or mark above U+007F (folded, so never upper case ASCII).
CHARSET_TABLE = "0..9, a..z, _, U+80..U+2FFFF"


def _index_section(path: str) -> list[str]:
    lines = [
        f"index {SHARD_INDEX}",
        "{",
        "    type = rt",
        f"    path = {path}",
        # Texts arrive analysed: no morphology, no stop words, every token kept.
        "    morphology = none",
        "    dict = keywords",
        "    min_word_len = 1",
        "    min_prefix_len = 1",
        f"    charset_table = {CHARSET_TABLE}",
        "    rt_mem_limit = 256M",
    ]
    lines += [f"    rt_field = {name}" for name in (*TEXT_FIELDS, EVERY_FIELD)]
    lines += ["    rt_attr_uint = ns", "    rt_attr_uint = has"]
    lines += ["    rt_attr_bigint = gen", "    rt_attr_bigint = gone"]
    for field in SINGLE_NUMBER_FIELDS:
        kind = "rt_attr_bigint" if field in BIGINT_FIELDS else "rt_attr_uint"
        lines.append(f"    {kind} = {attribute(field)}")
    lines += [f"    rt_attr_multi = {attribute(field)}" for field in MULTI_NUMBER_FIELDS]
    return [*lines, "}"]


def _searchd_section(folder: str, listens: Iterable[str]) -> list[str]:
    lines = ["searchd", "{"]
    lines += [f"    listen = {listen}" for listen in listens]
    lines += [
        f"    log = {os.path.join(folder, 'searchd.log')}",
        f"    pid_file = {os.path.join(folder, 'searchd.pid')}",
        f"    binlog_path = {os.path.join(folder, 'data')}",
        # Durability: the binlog is written and fsync'd at every transaction's commit.
        "    binlog_flush = 1",
        "    workers = threads",
        "    max_packet_size = 32M",
        "    read_timeout = 10",
        "    client_timeout = 60",
        "    agent_connect_timeout = 1000",
        "    agent_query_timeout = 10000",
        "    seamless_rotate = 1",
        "    unlink_old = 1",
        "}",
    ]
    return lines


@dataclass
class Member:
    """One searchd process of a local cluster."""

    name: str
    port: int  # SphinxQL
    api_port: int | None  # Sphinx's own protocol, which the coordinator's agents speak

    def folder(self, root: str) -> str:
        return os.path.join(root, self.name)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def plan(shards: int, port: int) -> list[Member]:
    """The coordinator on `port`, then shard i on port + 2i - 1 (SphinxQL) and port + 2i."""
    if shards < 1:
        raise ClusterError("A cluster needs at least one shard.")
    members = [Member("coordinator", port, None)]
    members += [Member(f"shard-{i}", port + 2 * i - 1, port + 2 * i) for i in range(1, shards + 1)]
    return members


def config_text(root: str, member: Member, shards: list[Member]) -> str:
    """The searchd config of one member of the cluster in `root`."""
    folder = member.folder(root)
    listens = [f"127.0.0.1:{member.port}:mysql41"]
    if member.api_port is not None:
        listens.append(f"127.0.0.1:{member.api_port}")
        lines = _index_section(os.path.join(folder, "data", SHARD_INDEX))
    else:
        lines = [f"index {DIST_INDEX}", "{", "    type = distributed"]
        lines += [f"    agent = 127.0.0.1:{s.api_port}:{SHARD_INDEX}" for s in shards]
        lines += ["}", f"index {SHARDS_INDEX}", "{", "    type = rt"]
        lines += [f"    path = {os.path.join(folder, 'data', SHARDS_INDEX)}"]
        lines += ["    rt_field = name", "    rt_attr_string = address"]
        lines += ["    rt_attr_string = agent", "}"]
        lines += [f"index {COMMITS_INDEX}", "{", "    type = rt"]
        lines += [f"    path = {os.path.join(folder, 'data', COMMITS_INDEX)}"]
        lines += ["    rt_field = name", "    rt_attr_bigint = started"]
        lines += ["    rt_attr_bigint = done", "}"]
    lines += _searchd_section(folder, listens)
    return "\n".join(lines) + "\n"


def searchd_path() -> str:
    """The searchd program on PATH (ClusterError saying how to install it when missing)."""
    found = shutil.which("searchd")
    if found is None:
        raise ClusterError(f"No `searchd` on PATH: {INSTALL_HINT}.")
    return found


def _pid_of(folder: str) -> int | None:
    try:
        with open(os.path.join(folder, "searchd.pid"), encoding="ascii") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def is_running(pid: int) -> bool:
    """Whether `pid` is a live searchd process."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            program = handle.read().split(b"\0")[0]
    except OSError:
        return False
    return os.path.basename(program) == b"searchd"


def port_is_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:`port` now."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _is_searchd(pid: int, config: str) -> bool:
    """Whether `pid` is a live searchd running `config` (a pid file may outlive its process,
    and the number be taken by another)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            arguments = handle.read().split(b"\0")
    except OSError:
        return False
    return os.path.basename(arguments[0]) == b"searchd" and os.fsencode(config) in arguments


def _connect(address: str, timeout: float = 5.0):
    import pymysql

    host, port = address.rsplit(":", 1)
    return pymysql.connect(
        host=host, port=int(port), connect_timeout=timeout, read_timeout=60, autocommit=True
    )


def _wait_until_answering(member: Member, deadline: float) -> None:
    import pymysql

    while True:
        try:
            connection = _connect(member.address, timeout=1.0)
        except pymysql.MySQLError as exc:
            if time.monotonic() > deadline:
                raise ClusterError(f"searchd {member.name} did not answer: {exc}") from exc
            time.sleep(0.1)
            continue
        connection.close()
        return


def up(root: str, shards: int = 2, port: int = 9306, ports: list[int] | None = None) -> str:
    """Start a local cluster in `root` (or start it again) and return its engine address,
    `sphinxql://127.0.0.1:PORT`. `ports` may give each member's ports instead: the
    coordinator's, then each shard's SphinxQL and API ports."""
    program = searchd_path()
    root = os.path.abspath(root)
    members = plan(shards, port)
    if ports is not None:
        if len(ports) != 2 * shards + 1:
            raise ClusterError(f"{shards} shards need {2 * shards + 1} ports.")
        members[0].port = ports[0]
        for i, member in enumerate(members[1:]):
            member.port, member.api_port = ports[1 + 2 * i], ports[2 + 2 * i]
    shard_members = members[1:]
    for member in members:
        folder = member.folder(root)
        os.makedirs(os.path.join(folder, "data"), exist_ok=True)
        config = os.path.join(folder, "searchd.conf")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write(config_text(root, member, shard_members))
        pid = _pid_of(folder)
        if pid is not None and _is_searchd(pid, config):
            continue
        done = subprocess.run(
            [program, "--config", config], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ClusterError(f"searchd {member.name} did not start: {reason[0]}")
    deadline = time.monotonic() + START_TIMEOUT
    for member in members:
        _wait_until_answering(member, deadline)
    _register_shards(members[0], shard_members)
    with open(os.path.join(root, CLUSTER_FILE), "w", encoding="utf-8") as handle:
        json.dump({"coordinator": members[0].address, "members": [m.name for m in members]}, handle)
    return f"sphinxql://{members[0].address}"


def _register_shards(coordinator: Member, shards: list[Member]) -> None:
    connection = _connect(coordinator.address)
    try:
        with connection.cursor() as cursor:
            for number, shard in enumerate(shards, 1):
                cursor.execute(
                    f"REPLACE INTO {SHARDS_INDEX} (id, name, address, agent)"
                    " VALUES (%s, %s, %s, %s)",
                    (number, shard.name, shard.address, f"127.0.0.1:{shard.api_port}"),
                )
    finally:
        connection.close()


def down(root: str, timeout: float = 20.0) -> list[str]:
    """Stop the searchd processes of the cluster in `root`; returns the names stopped."""
    root = os.path.abspath(root)
    try:
        with open(os.path.join(root, CLUSTER_FILE), encoding="utf-8") as handle:
            names = json.load(handle)["members"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ClusterError(
            f"No cluster in {root}: start one with `searchnews cluster up`."
        ) from exc
    stopped = []
    for name in names:
        folder = os.path.join(root, str(name))
        config = os.path.join(folder, "searchd.conf")
        pid = _pid_of(folder)
        if pid is None or not _is_searchd(pid, config):
            continue
        os.kill(pid, signal.SIGTERM)
        stopped.append((str(name), pid, config))
    deadline = time.monotonic() + timeout
    for _name, pid, config in stopped:
        while _is_searchd(pid, config) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _is_searchd(pid, config):
            os.kill(pid, signal.SIGKILL)
    return [name for name, _pid, _config in stopped]
