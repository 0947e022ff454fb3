"""Every test in this folder runs once per engine: the conformance suite of the engine contract."""

from __future__ import annotations

import pytest
from conftest import CORPUS_PAGES

from searchnews import NewsIndex
from searchnews.engines import ENGINE_NAMES


@pytest.fixture(scope="session", params=ENGINE_NAMES)
def engine_name(request) -> str:
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
