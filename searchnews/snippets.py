"""Passages of an article around what the query matched, with the matches marked.

Matches are found with the analysis chain the engines index with, so a highlighted word is
exactly a word the index matched (a plain word marks every form with its stem); a phrase is
marked as one span from its first word to its last. Passages never run across paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .analysis import stem, tokens, tokens_from
from .models import Highlight, Snippet
from .query import Phrase, Term

SNIPPET_WIDTH = 240
_CONTEXT_BEFORE = 70
_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass
class MatchPlan:
    """The exact forms, stems, prefixes and phrases to mark in one field."""

    terms: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)
    prefixes: tuple[str, ...] = ()
    phrases: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    pattern: re.Pattern | None = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.terms or self.stems or self.prefixes or self.phrases)

    def needles(self) -> tuple[str, ...]:
        """Strings one of which a plain-ASCII text must contain to hold a match: the words,
        prefixes, first words of phrases, and stems less their last letter (a stem's last
        letter may differ in its forms: "happi" for "happy"); none when a stem is too short
        to tell its forms by their start."""
        if any(len(word) <= 3 for word in self.stems):
            return ()  # a short stem may share no longer start with its forms: "tri", "trying"
        stems = (word[:-1] for word in self.stems)
        return (*self.terms, *self.prefixes, *(words[0] for words, _ in self.phrases), *stems)

    def matches(self, word: str) -> bool:
        """Whether a single word (an exact form) is marked."""
        return (
            word in self.terms
            or (bool(self.stems) and stem(word) in self.stems)
            or (bool(self.prefixes) and word.startswith(self.prefixes))
        )


def fold(text: str) -> list[str]:
    """The exact forms of a piece of text's words."""
    return [token for token, _start, _end in tokens(text)]


def plan_for(leaves: list[Term | Phrase], field_name: str, *, exact: bool = False) -> MatchPlan:
    """What to mark in `field_name` for the positive terms and phrases of a query; a plain
    word also marks its other forms unless `exact`."""
    plan = MatchPlan()
    prefixes = []
    for leaf in leaves:
        if leaf.field not in (None, field_name):
            continue
        words = tuple(fold(leaf.text))
        if not words:
            continue
        if isinstance(leaf, Term) and leaf.prefix:
            prefixes.append(words[0])
        elif len(words) == 1:
            plan.terms.add(words[0])
            if isinstance(leaf, Term) and not exact:
                plan.stems.add(stem(words[0]))
        else:
            plan.phrases.append((words, leaf.slop if isinstance(leaf, Phrase) else 0))
    plan.prefixes = tuple(prefixes)
    return plan


def _phrase_end(tokens, index: int, words: tuple[str, ...], slop: int) -> int | None:
    """Where the phrase starting at token `index` ends, None when it does not start there."""
    if tokens[index][0] != words[0]:
        return None
    position = index
    for word in words[1:]:
        window = tokens[position + 1 : position + 2 + slop]
        found = next((i for i, token in enumerate(window) if token[0] == word), None)
        if found is None:
            return None
        position = position + 1 + found
    return tokens[position][2]


def _phrase_spans(tokens, words: tuple[str, ...], slop: int) -> list[tuple[int, int]]:
    spans = []
    for index, (_text, start, _end) in enumerate(tokens):
        end = _phrase_end(tokens, index, words, slop)
        if end is not None:
            spans.append((start, end))
    return spans


def _phrase_spans_from(text: str, candidates, words: tuple[str, ...], slop: int):
    """The phrase's spans, reading on only from the places its first word is found."""
    reach = 1 + (len(words) - 1) * (slop + 1)  # the most words a match can take
    spans = []
    for word, start, _end in candidates:
        if word == words[0]:
            end = _phrase_end(tokens_from(text, start, reach), 0, words, slop)
            if end is not None:
                spans.append((start, end))
    return spans


def _candidate_words(text: str, plan: MatchPlan):
    """The words of a plain-ASCII text that start with one of the plan's strings, as
    (exact form, start, end): far fewer than all its words, found by one regular expression."""
    if plan.pattern is None:
        alternatives = "|".join(sorted(map(re.escape, set(plan.needles())), key=len, reverse=True))
        plan.pattern = re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE)
    for match in plan.pattern.finditer(text):
        yield match.group().lower(), match.start(), match.end()


def find_spans(text: str, plan: MatchPlan) -> list[tuple[int, int]]:
    """Character spans of the matches in `text`, sorted and without overlaps."""
    spans = []
    if not text.isascii() or not plan.needles():
        found = tokens(text)
        for words, slop in plan.phrases:
            spans.extend(_phrase_spans(found, words, slop))
    else:  # the words that might match are enough: a phrase is read on from its first word
        found = list(_candidate_words(text, plan))
        for words, slop in plan.phrases:
            spans.extend(_phrase_spans_from(text, found, words, slop))
    for word, start, end in found:
        if plan.matches(word):
            spans.append((start, end))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, plan: MatchPlan) -> Snippet:
    """The whole text with its matches marked (for headlines)."""
    return Snippet(text, [Highlight(start, end) for start, end in find_spans(text, plan)])


def _word_start(text: str, index: int) -> int:
    if index <= 0:
        return 0
    space = text.rfind(" ", 0, index)
    return 0 if space < 0 else space + 1


def _word_end(text: str, index: int) -> int:
    if index >= len(text):
        return len(text)
    space = text.find(" ", index)
    return len(text) if space < 0 else space


def _windows(paragraph: str, spans: list[tuple[int, int]]):
    """Cut a paragraph into passages of about SNIPPET_WIDTH characters around its matches."""
    if len(paragraph) <= SNIPPET_WIDTH * 1.3:
        yield 0, len(paragraph), spans
        return
    remaining = list(spans)
    while remaining:
        first = remaining[0]
        start = _word_start(paragraph, max(0, first[0] - _CONTEXT_BEFORE))
        end = _word_end(paragraph, max(start + SNIPPET_WIDTH, first[1]))
        inside = [span for span in remaining if span[1] <= end]
        remaining = remaining[len(inside) :]
        yield start, end, inside


def make_snippets(text: str, plan: MatchPlan, count: int = 3) -> list[Snippet]:
    """Up to `count` passages, best first by distinct matches, returned in reading order.

    Without any match (a query of filters only), the opening of the article is the passage.
    """
    candidates = []
    paragraphs = _PARAGRAPH.split(text)
    needles = plan.needles() if plan else ()
    # Cutting a paragraph into words costs far more than looking for a word in it: plain-ASCII
    # paragraphs holding none of the plan's strings are passed over, unless none holds any.
    hopeful = [not p.isascii() or any(n in p.lower() for n in needles) for p in paragraphs]
    if not any(hopeful):
        hopeful = [True] * len(paragraphs)
    for order, paragraph in enumerate(paragraphs):
        spans = find_spans(paragraph, plan) if plan and hopeful[order] else []
        for start, end, inside in _windows(paragraph, spans):
            if not inside:
                continue
            distinct = {paragraph[a:b].casefold() for a, b in inside}
            score = len(distinct) * 10 + len(inside)
            highlights = [Highlight(a - start, b - start) for a, b in inside]
            snippet = Snippet(paragraph[start:end], highlights, start > 0, end < len(paragraph))
            candidates.append((score, order, start, snippet))
    if not candidates:
        lead = text.split("\n\n", 1)[0].strip()
        if not lead:
            return []
        end = _word_end(lead, SNIPPET_WIDTH) if len(lead) > SNIPPET_WIDTH * 1.3 else len(lead)
        return [Snippet(lead[:end], [], False, end < len(lead))]
    best = sorted(candidates, key=lambda item: (-item[0], item[1], item[2]))[:count]
    return [item[3] for item in sorted(best, key=lambda item: (item[1], item[2]))]
