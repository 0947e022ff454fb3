"""What the tests need to run the sphinxql engine: free ports, whether searchd can be had, and
the cases it cannot serve (strict expected failures, listed in docs/scale-out.md)."""

from __future__ import annotations

import shutil
import socket

import pytest

from searchnews.engines.sphinxql_cluster import INSTALL_HINT

NO_SEARCHD = f"no `searchd` on PATH: {INSTALL_HINT} (`make test` does)"

NO_GLOBAL_IDF = (
    "sphinxql ranks without term statistics (each shard has its own, so identical copies on "
    "two shards would score apart): which copy leads a story and which articles are most "
    "similar can differ from the BM25 engines"
)
NO_VOCABULARY = "sphinxql cannot list indexed words by prefix, so it makes no spelling suggestions"
SERVER_DURABILITY = (
    "sphinxql commits are made durable by the searchd servers (binlog_flush = 1 fsyncs the "
    "binlog at every commit), not by files in the engine folder"
)


def searchd_available() -> bool:
    return shutil.which("searchd") is not None


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on now (held open together, so they differ)."""
    probes = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            probes.append(probe)
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def sphinxql_cannot(request, engine_name: str, reason: str) -> None:
    """Mark the running test a strict expected failure when it runs on the sphinxql engine."""
    if engine_name == "sphinxql":
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def compared_cannot(reason: str):
    """A strict expected failure for a test comparing every engine, when sphinxql is among them."""
    return pytest.mark.xfail(searchd_available(), strict=True, reason=reason)
