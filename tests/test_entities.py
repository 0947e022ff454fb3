"""People, organisations and places: extraction, linking, aliases, search, the entities command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pagemaker import write_page

from searchnews import NewsIndex
from searchnews.cli import main
from searchnews.entities import extract_entities

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "benchmarks" / "entities_gold.jsonl"
ORBAN_IN_KYIV = (
    "Orbán visits Kyiv for first time since the invasion, urges Zelensky to consider ceasefire"
)
SEED = "frontlinedaily/2024/07/putin-rejects-ceasefire-in-ukraine-says-kiev-can-rearm-itself.html"


def names(text: str, kind: str) -> set[str]:
    return {entity.name for entity in extract_entities(text) if entity.kind == kind}


@pytest.fixture(scope="module")
def seed_body() -> str:
    bodies = json.loads((ROOT / "tests/fixtures/corpus_gold_bodies.json").read_text("utf-8"))
    return bodies[SEED]


def test_seed_people(seed_body):
    assert names(seed_body, "person") >= {
        "Vladimir Putin",
        "Volodymyr Zelensky",
        "Viktor Orbán",
        "Recep Tayyip Erdoğan",
        "Dmitry Medvedev",
        "Nazar Voloshyn",
    }


def test_seed_organisations(seed_body):
    assert names(seed_body, "org") >= {
        "Shanghai Cooperation Organisation",
        "TASS",
        "Interfax-Ukraine",
        "Russian Security Council",
    }


def test_seed_places(seed_body):
    assert names(seed_body, "place") >= {
        "Ukraine",
        "Russia",
        "Crimea",
        "Astana",
        "Donetsk",
        "Bakhmut",
        "Kostiantynivka",
        "Toretsk",
        "Kharkiv",
        "Chasiv Yar",
    }


def test_spelling_variant_is_stored_under_the_canonical_name(seed_body):
    khasiv = [e for e in extract_entities(seed_body) if e.text == "Khasiv Yar"]
    assert khasiv and {e.name for e in khasiv} == {"Chasiv Yar"}
    assert {e.name for e in extract_entities("He flew to Kiev on Monday.")} == {"Kyiv"}


def test_short_mentions_link_to_the_full_name():
    text = (
        "Nazar Voloshyn, a spokesman, said the line held. Later Voloshyn said more troops "
        "had arrived."
    )
    mentions = [(e.text, e.name) for e in extract_entities(text) if e.kind == "person"]
    assert mentions == [("Nazar Voloshyn", "Nazar Voloshyn"), ("Voloshyn", "Nazar Voloshyn")]


def test_offsets_point_at_the_mention(seed_body):
    for entity in extract_entities(seed_body):
        assert seed_body[entity.start : entity.end] == entity.text


def test_titles_demonyms_and_sentence_starts_are_not_names():
    found = {
        (e.text, e.kind)
        for e in extract_entities(
            "Russian President Vladimir Putin spoke on Thursday. The Kremlin later said so."
        )
    }
    assert found == {("Vladimir Putin", "person"), ("Kremlin", "org")}


def gold_corpus_items():
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["source"] == "corpus":
            yield item


def test_quality_gate_on_the_corpus_paragraphs():
    true_positives = found_total = gold_total = 0
    for item in gold_corpus_items():
        gold = {(e["start"], e["end"], e["kind"]) for e in item["entities"]}
        found = {(e.start, e.end, e.kind) for e in extract_entities(item["text"])}
        true_positives += len(gold & found)
        found_total += len(found)
        gold_total += len(gold)
    precision, recall = true_positives / found_total, true_positives / gold_total
    assert 2 * precision * recall / (precision + recall) >= 0.85, (precision, recall)


# Search: entity fields, aliases and the entities command, on the corpus index.


def test_person_field_finds_full_and_short_mentions(news):
    full = {hit.id for hit in news.search('person:"Vladimir Putin"', limit=50, collapse=False).hits}
    short = {hit.id for hit in news.search("person:putin", limit=50, collapse=False).hits}
    assert full == short and len(full) >= 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('place:"Khasiv Yar"', "Putin rejects ceasefire in Ukraine, says Kiev can rearm itself"),
        ('place:"Chasiv Yar"', "Putin rejects ceasefire in Ukraine, says Kiev can rearm itself"),
        ("org:tass", "Putin rejects ceasefire in Ukraine, says Kiev can rearm itself"),
        (
            "entity:interfax-ukraine",
            "Putin rejects ceasefire in Ukraine, says Kiev can rearm itself",
        ),
        (
            "person:orban",
            ORBAN_IN_KYIV,
        ),
        (
            "person:zelenskiy",
            ORBAN_IN_KYIV,
        ),
    ],
)
def test_entity_queries(news, query, expected):
    assert expected in [hit.headline for hit in news.search(query, limit=50).hits]


def test_either_spelling_finds_both_and_says_which_matched(news):
    kiev = {hit.id for hit in news.search("kiev", limit=50, collapse=False).hits}
    kyiv = {hit.id for hit in news.search("kyiv", limit=50, collapse=False).hits}
    assert kiev == kyiv
    hits = news.search("kiev", limit=50, collapse=False).hits
    assert any("Kyiv" in hit.variants for hit in hits)
    assert any(not hit.variants for hit in hits)  # pages that write "Kiev" themselves


def test_entity_facets(news):
    facets = news.search("ceasefire", facets=True).facets
    assert "Vladimir Putin" in [value.value for value in facets["person"]]
    assert "Ukraine" in [value.value for value in facets["place"]]


def test_entities_api(news):
    top = news.entities(kind="person", limit=3)
    assert list(top) == ["person"] and len(top["person"]) == 3
    assert top["person"][0].count >= top["person"][-1].count
    everything = news.entities("ceasefire")
    assert set(everything) == {"person", "org", "place"}


def test_entities_command(runner, corpus_index):
    result = runner.invoke(
        main, ["entities", "--kind", "place", "-n", "3", "--index", str(corpus_index)]
    )
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "place:" and len(lines) == 4
    data = json.loads(
        runner.invoke(
            main, ["entities", "ceasefire", "--json", "--index", str(corpus_index)]
        ).output
    )
    assert data["query"] == "ceasefire" and set(data["entities"]) == {"person", "org", "place"}


def test_user_alias_file_in_the_index_folder(tmp_path):
    pages = tmp_path / "pages"
    write_page(
        pages,
        "a.html",
        "Port of Odesa reopens",
        ["Ships left the port of Odesa on Monday after weeks of closure. " * 3],
    )
    index_dir = tmp_path / "ix"
    index_dir.mkdir()
    (index_dir / "aliases.tsv").write_text("place\tOdesa\tPalmyra of the South\n", encoding="utf-8")
    with NewsIndex(str(index_dir)) as news:
        news.index([str(pages)], jobs=1)
        assert news.search('"Palmyra of the South"').total == 1
        assert news.search('place:"Palmyra of the South"').total == 1
