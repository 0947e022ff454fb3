"""Shared fixtures: the shipped corpus, indexes built from it in tmp folders, a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from searchnews import NewsIndex

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
# The sample's loose pages (every site folder); the WARC sample in corpus/warc has tests of its own.
CORPUS_WARC = CORPUS / "warc"
CORPUS_PAGES = sorted(
    str(path) for path in CORPUS.iterdir() if path.is_dir() and path != CORPUS_WARC
)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Path:
    """An index of the shipped corpus's loose pages, built once for the read-only tests."""
    folder = tmp_path_factory.mktemp("corpus-index")
    with NewsIndex(str(folder)) as news:
        report = news.index(CORPUS_PAGES, jobs=2)
    assert report.failed == 0, report.failures
    return folder


@pytest.fixture
def news(corpus_index) -> NewsIndex:
    with NewsIndex(str(corpus_index)) as index:
        yield index


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
