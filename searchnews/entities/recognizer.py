"""Rules over capitalised spans, with gazetteers: text -> people, organisations and places.

1. Runs of capitalised words (with connectors such as "of" or "von der") are the candidates;
   title words split them ("Russian President | Vladimir Putin") and say a person follows.
2. Each candidate is looked up in the alias table and the gazetteers; else its shape decides:
   a last word like "Council" or "Bank" makes an organisation, an acronym an organisation, a
   cue word before it or a known first name a person.
3. Within one text a short mention links to an earlier full one ("Putin" after "Vladimir Putin").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .gazetteer import Known, base_gazetteer, fold_name
from .words import (
    COMMON_ENGLISH,
    COMMON_WORDS,
    DEMONYMS,
    FIRST_NAMES,
    NAME_CONNECTORS,
    NOT_ENTITIES,
    ORG_STARTS,
    ORG_WORDS,
    PERSON_CONNECTORS,
    PERSON_CUES,
    TITLE_WORDS,
)

_UPPER = "A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁЄІЇҐ"
# A capitalised word; a hyphen continues it only into another capital ("Interfax-Ukraine", not
# "Moscow-backed"); dots only as in abbreviations ("U.K.").
_WORD = rf"[{_UPPER}](?:[\w'’&]|\.(?=\w))*(?:-[{_UPPER}](?:[\w'’&]|\.(?=\w))*)*\.?"
_CONNECTOR = "|".join(sorted(NAME_CONNECTORS - {"and", "&"}, key=len, reverse=True))
_SPAN = re.compile(
    rf"(?<![\w'’-])(?:{_WORD})(?:(?:[ \t]+(?:(?:{_CONNECTOR})[ \t]+)*)(?:{_WORD}))*",
)
_ANGLE_NAME = re.compile(r"<([A-Z][^<>\n]{1,60})>")
_SPEECH_AFTER = re.compile(
    r"^,?\s+(?:said|says|told|added|wrote|announced|asked|warned|explained)\b"
)
_ACRONYM = re.compile(r"^[A-Z][A-Z&]{1,5}$")
_POSSESSIVE = re.compile(r"['’]s?$")
_ABBREVIATION = re.compile(r"(?:[A-Z]\.){2,}$|[A-Z]\.[A-Z]\.?$")


@dataclass(frozen=True)
class Entity:
    """A person, organisation or place named in a text, at text[start:end].

    `name` is the canonical name the mention stands for ("Vladimir Putin" for "Putin").
    """

    text: str
    kind: str
    start: int
    end: int
    name: str


def _tokens(span: str, offset: int):
    """(word, start, end) of the words of a span."""
    return [(m.group(), offset + m.start(), offset + m.end()) for m in re.finditer(r"\S+", span)]


def _trim_possessive(word: str) -> str:
    return _POSSESSIVE.sub("", word) if len(word) > 2 else word


class Recognizer:
    """Finds entities; one instance holds the gazetteer and serves any number of texts."""

    def __init__(self, extra: dict[str, Known] | None = None) -> None:
        self.known = dict(base_gazetteer(COMMON_WORDS))
        if extra:
            self.known.update(extra)

    def __call__(self, text: str) -> list[Entity]:
        candidates = self._candidates(text)
        found: list[Entity] = []
        people: dict[str, str] = {}  # folded surname or full name -> canonical full name
        pending: list[tuple[str, int, int, bool]] = []
        for words, start, end, cued in candidates:
            entity = self._classify(text, words, start, end, cued, people)
            if entity is not None:
                found.append(entity)
                if entity.kind == "person":
                    self._remember(entity, people)
            else:
                pending.append((words, start, end, cued))
        # Second pass: short mentions that come before the full name, or after it.
        for words, start, end, _cued in pending:
            key = fold_name(words)
            if key in people:
                found.append(Entity(words, "person", start, end, people[key]))
        found.sort(key=lambda entity: entity.start)
        return found

    @staticmethod
    def _remember(entity: Entity, people: dict[str, str]) -> None:
        parts = entity.name.split()
        people[fold_name(entity.name)] = entity.name
        if len(parts) >= 2:
            people.setdefault(fold_name(parts[-1]), entity.name)

    def _candidates(self, text: str):
        """(words, start, end, cued) for runs of capitalised words, split at title words."""
        for match in _ANGLE_NAME.finditer(text):
            yield match.group(1), match.start(1), match.end(1), "angle"
        for match in _SPAN.finditer(text):
            if text[max(0, match.start() - 1) : match.start()] == "<":
                continue
            tokens = _tokens(match.group(), match.start())
            cued = self._cue_before(text, match.start())
            current: list[tuple[str, int, int]] = []
            for word, start, end in tokens:
                bare = _trim_possessive(word).lower().strip(".")
                common = bare in COMMON_WORDS and (bare not in NAME_CONNECTORS or not current)
                if bare in TITLE_WORDS or common:
                    if current:
                        yield from self._segments(text, current, cued)
                    current = []
                    cued = bare in TITLE_WORDS or bare in PERSON_CUES
                    continue
                current.append((word, start, end))
                sentence_end = word.endswith(".") and not _ABBREVIATION.search(word)
                if sentence_end or word[-2:] in ("'s", "’s"):
                    # A full stop ends a sentence; a possessive ends a name ("Orbán's Fidesz").
                    yield from self._segments(text, current, cued)
                    current, cued = [], False
            if current:
                yield from self._segments(text, current, cued)

    def _segments(self, text: str, tokens, cued: bool):
        """Split a run where a known name ends before it does ("Bank of England Robin Leigh-
        Pemberton" -> "Bank of England" | "Robin Leigh-Pemberton")."""
        while len(tokens) >= 3:
            whole = fold_name(" ".join(w for w, _s, _e in tokens))
            if whole in self.known or tokens[-1][0].lower().strip(".") in ORG_WORDS:
                break
            cut = next(
                (
                    size
                    for size in range(len(tokens) - 1, 0, -1)
                    if fold_name(" ".join(w for w, _s, _e in tokens[:size])) in self.known
                    and tokens[size][0].lower() not in NAME_CONNECTORS
                ),
                None,
            )
            if cut is None:
                break
            yield self._joined(text, tokens[:cut], cued)
            tokens, cued = tokens[cut:], False
        yield self._joined(text, tokens, cued)

    @staticmethod
    def _joined(text: str, tokens, cued: bool):
        while tokens and tokens[-1][0].lower() in NAME_CONNECTORS:
            tokens = tokens[:-1]
        # "Russian Security Council" keeps its adjective; "Russian army" or "Russian Vladimir"
        # does not.
        while (
            len(tokens) > 1
            and tokens[0][0].lower() in DEMONYMS
            and tokens[-1][0].lower().strip(".") not in ORG_WORDS
        ):
            tokens = tokens[1:]
        if len(tokens) == 1 and tokens[0][0].lower() in DEMONYMS:
            tokens = []
        if not tokens:
            return "", 0, 0, cued
        start, end = tokens[0][1], tokens[-1][2]
        words = text[start:end]
        if not _ABBREVIATION.search(words):
            words = words.rstrip(".,;:")
        words = _trim_possessive(words)
        return words, start, start + len(words), cued

    @staticmethod
    def _cue_before(text: str, start: int) -> bool:
        before = text[max(0, start - 40) : start].rstrip(" ,").split()
        return bool(before) and before[-1].lower().strip(",.") in PERSON_CUES

    def _classify(
        self, text: str, words: str, start: int, end: int, cued, people: dict[str, str]
    ) -> Entity | None:
        if cued == "angle":  # Reuters marks company names <like this>
            return Entity(words, "org", start, end, words) if words else None
        if not words or len(words) < 2:
            return None
        key = fold_name(words)
        parts = words.split()
        if len(parts) == 1 and key in people:
            return Entity(words, "person", start, end, people[key])
        known = self.known.get(key)
        if known is not None and not (cued and known.kind == "place" and len(parts) >= 2):
            name = people.get(key, known.name) if known.kind == "person" else known.name
            return Entity(words, known.kind, start, end, name)
        last = parts[-1].lower().strip(".")
        first = parts[0].lower()
        if (last in ORG_WORDS and len(parts) >= 2) or (first in ORG_STARTS and len(parts) >= 3):
            return Entity(words, "org", start, end, words)
        if len(parts) == 1 and _ACRONYM.match(words) and words.lower() not in NOT_ENTITIES:
            return Entity(words, "org", start, end, words)
        if key in people:
            return Entity(words, "person", start, end, people[key])
        name_like = (
            all(part[0].isupper() or part.lower() in PERSON_CONNECTORS for part in parts)
            and 2 <= len(parts) <= 4
        )
        if name_like and (
            cued or first in FIRST_NAMES or _SPEECH_AFTER.match(text[end : end + 20])
        ):
            return Entity(words, "person", start, end, words)
        if (
            len(parts) == 1
            and words.lower() not in NOT_ENTITIES
            and (cued or _SPEECH_AFTER.match(text[end : end + 20]))
        ):
            return Entity(words, "person", start, end, words)
        if (
            name_like
            and len(parts) <= 3
            and not any(
                fold_name(part) in self.known
                or part.lower() in NOT_ENTITIES
                or (part.lower() in COMMON_ENGLISH and part.lower() not in FIRST_NAMES)
                or not part[0].isalpha()
                for part in parts
            )
        ):
            # Two or three capitalised words that name no known place or body: most often a
            # person in news text.
            return Entity(words, "person", start, end, words)
        return None
