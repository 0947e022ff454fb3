"""The quality gate: extracted bodies of the corpus pages against their gold bodies.

The gold bodies (`fixtures/corpus_gold_bodies.json`) hold each page's article text as a reader
sees it. A change to the extractor that drops paragraphs or lets furniture in fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchnews import extract_article
from searchnews.extract.scoring import corpus_scores, page_scores
from searchnews.pagework import read_page_bytes

ROOT = Path(__file__).resolve().parent.parent
GOLD = json.loads((ROOT / "tests/fixtures/corpus_gold_bodies.json").read_text(encoding="utf-8"))
MIN_F1 = 0.97
MIN_PAGE_SCORE = 0.9


@pytest.fixture(scope="module")
def bodies() -> dict[str, str]:
    return {
        name: extract_article(read_page_bytes(str(ROOT / "corpus" / name))).body for name in GOLD
    }


def test_corpus_f1_stays_above_the_gate(bodies):
    precision, recall, f1 = corpus_scores((GOLD[name], bodies[name]) for name in GOLD)
    assert f1 >= MIN_F1, f"F1 {f1:.3f} (precision {precision:.3f}, recall {recall:.3f})"


@pytest.mark.parametrize("name", sorted(GOLD))
def test_each_page_is_close_to_its_gold_body(bodies, name):
    precision, recall = page_scores(GOLD[name], bodies[name])
    assert precision >= MIN_PAGE_SCORE and recall >= MIN_PAGE_SCORE, (precision, recall)


def test_the_measure_tells_good_from_bad():
    gold = "The council voted to keep the library open for another ten years at least."
    assert page_scores(gold, gold) == (1.0, 1.0)
    precision, recall = page_scores(
        gold, gold + " Subscribe to our newsletter for more stories today."
    )
    assert precision < 0.7 and recall == 1.0
    assert page_scores(gold, "")[1] == 0.0
