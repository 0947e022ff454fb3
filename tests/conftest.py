"""Shared fixtures: the shipped corpus, indexes built from it in tmp folders, a CLI runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchnews import NewsIndex

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def corpus_expected() -> dict:
    return json.loads((FIXTURES / "corpus_expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Path:
    """An index of the whole shipped corpus, built once for the read-only tests."""
    folder = tmp_path_factory.mktemp("corpus-index")
    with NewsIndex(str(folder)) as news:
        report = news.index([str(CORPUS)], jobs=2)
    assert report.failed == 0, report.failures
    return folder


@pytest.fixture
def news(corpus_index) -> NewsIndex:
    with NewsIndex(str(corpus_index)) as index:
        yield index


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A private copy of a few corpus files, for tests that change files."""
    target = tmp_path / "corpus"
    target.mkdir()
    for source in sorted(CORPUS.rglob("*.html"))[:4]:
        shutil.copy(source, target / source.name)
    return target


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
