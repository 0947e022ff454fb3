"""Every test in this folder runs once per engine: the conformance suite of the engine contract.

The sphinxql engine runs against a real local cluster (2 shards and a coordinator, Sphinx's
searchd), started once per session on free ports and stopped at the end; its tests skip, saying
why, only where searchd cannot be had."""

from __future__ import annotations

import os

import pytest
from conftest import CORPUS_PAGES

from searchnews import NewsIndex
from searchnews.engines import ENGINE_NAMES
from searchnews.engines import sphinxql_cluster as cluster
from searchnews.engines.sphinxql_engine import ADDRESS_VARIABLE

from .sphinxql_support import NO_SEARCHD, free_ports, searchd_available

SHARDS = 2


@pytest.fixture(scope="session")
def sphinxql_cluster(tmp_path_factory):
    """A running local cluster; `--engine sphinxql` (no address) means it for the session."""
    if not searchd_available():
        pytest.skip(NO_SEARCHD)
    folder = tmp_path_factory.mktemp("sphinxql-cluster")
    address = cluster.up(str(folder), SHARDS, ports=free_ports(2 * SHARDS + 1))
    before = os.environ.get(ADDRESS_VARIABLE)
    os.environ[ADDRESS_VARIABLE] = address.removeprefix("sphinxql://")
    try:
        yield address
    finally:
        if before is None:
            os.environ.pop(ADDRESS_VARIABLE, None)
        else:
            os.environ[ADDRESS_VARIABLE] = before
        cluster.down(str(folder))


@pytest.fixture(scope="session")
def tested_engines(request) -> tuple[str, ...]:
    """The engines to compare: all of them, less sphinxql where searchd cannot be had (the
    test `test_sphinxql_cluster_runs` then skips, saying why)."""
    if not searchd_available():
        return tuple(name for name in ENGINE_NAMES if name != "sphinxql")
    request.getfixturevalue("sphinxql_cluster")
    return ENGINE_NAMES


@pytest.fixture(scope="session", params=ENGINE_NAMES)
def engine_name(request) -> str:
    if request.param == "sphinxql":
        request.getfixturevalue("sphinxql_cluster")
    return request.param


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, engine_name):
    """An index of the whole shipped corpus in the engine under test, built once."""
    folder = tmp_path_factory.mktemp(f"corpus-{engine_name}")
    with NewsIndex(str(folder)) as news:
        report = news.index(CORPUS_PAGES, jobs=2, engine=engine_name)
        assert news.engine_name == engine_name
    assert report.failed == 0, report.failures
    return folder
