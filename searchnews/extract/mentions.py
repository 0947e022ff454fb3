"""Dates an article's text mentions ("Thursday", "in 2023", "a week ago", "4 July 2024").

A cheap regular-expression scan finds the candidates; relative ones are resolved against the
publication date (dateparser reads the "N units ago" and "last week" kind). Each date is given at
the precision the text gives it: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from .textdates import MONTHS, TEXT_DATE, match_to_datetime, valid_day

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(?P<last>last\s+)?(?P<day>" + "|".join(_WEEKDAYS) + r")\b", re.IGNORECASE)
_NUMBER_WORDS = r"a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,3}"
_RELATIVE = re.compile(
    r"\b(?P<expr>yesterday|today|tonight|(?:last|this|next)\s+(?P<unit1>week|month|year)"
    rf"|(?:{_NUMBER_WORDS})\s+(?P<unit2>day|week|month|year)s?\s+ago)\b",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[^\W\d_]+")
_NUMERIC_DATE = re.compile(r"(?<![\w-])(?:\d{4}-\d{2}-\d{2}|\d{1,2}([./])\d{1,2}\1\d{4})(?![\w-])")
# Around a month name: "4 July 2024", "July 4, 2024", "July 2024", "July 4".
_DAY_BEFORE = re.compile(r"(?<![\w-])(?P<day>\d{1,2})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?$")
_AFTER_MONTH = re.compile(
    r"^\.?\s+(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?(?![\w-])(?:,?\s+(?P<year>(?:1[89]|20)\d{2}))?"
    r"|(?:de\s+)?(?P<year_only>(?:1[89]|20)\d{2}))(?![\w-])"
)
_YEAR_AFTER_DAY = re.compile(r"^\.?,?\s+(?:de\s+)?(?P<year>(?:1[89]|20)\d{2})(?![\w-])")
_YEAR = re.compile(
    r"\b(?:in|since|until|till|by|from|of|during|before|after|between|and|to|early|late|mid-?)"
    r"\s+(?P<year>(?:1[89]|20)\d{2})\b(?![-/.]\d)",
    re.IGNORECASE,
)
_CAPITALISED_MONTHS = {"may", "march"}  # also ordinary words: only taken when capitalised


@lru_cache(maxsize=4096)
def _relative_to(expression: str, base: date) -> date | None:
    import dateparser  # slow to import; only articles with relative dates need it

    moment = datetime.combine(base, datetime.min.time()).replace(hour=12)
    parsed = dateparser.parse(
        expression,
        languages=["en"],
        settings={"RELATIVE_BASE": moment, "PREFER_DATES_FROM": "past"},
    )
    return parsed.date() if parsed else None


def _weekday_before(base: date, weekday: int, strictly: bool) -> date:
    back = (base.weekday() - weekday) % 7
    if back == 0 and strictly:
        back = 7
    return base - timedelta(days=back)


def _year_near(month: int, day: int, base: date) -> date | None:
    """The year of a day-and-month mention: news looks back more often than ahead, so the day is
    taken from the nine months before publication or the three after."""
    for year in (base.year, base.year - 1, base.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if timedelta(days=-95) <= base - candidate <= timedelta(days=270):
            return candidate
    return None


def _precision(found: date, unit: str | None) -> str:
    if unit == "year":
        return f"{found.year:04d}"
    if unit == "month":
        return f"{found.year:04d}-{found.month:02d}"
    return found.isoformat()


def mentioned_dates(text: str, published: datetime | None = None) -> list[str]:
    """The dates `text` mentions, sorted and unique.

    Relative mentions ("Thursday", "a week ago") are resolved only when `published` is known.
    """
    found: set[str] = set()
    taken: list[tuple[int, int]] = []
    base = published.date() if published else None

    def free(span: tuple[int, int]) -> bool:
        start, end = span
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            return False
        taken.append((start, end))
        return True

    for match in _NUMERIC_DATE.finditer(text):
        full = TEXT_DATE.fullmatch(match.group())
        value = match_to_datetime(full) if full else None
        if value is not None and free(match.span()):
            found.add(value.date().isoformat())
    for match in _LETTERS.finditer(text):
        word = match.group()
        month = MONTHS.get(word.lower()) if len(word) <= 10 else None
        if month is None or not _is_month(word):
            continue
        mention = _around_month(text, match, month, base)
        if mention is not None and free(mention[1]):
            found.add(mention[0])
    for match in _YEAR.finditer(text):
        if free(match.span()):
            found.add(match.group("year"))
    if base is None:
        return sorted(found)
    for match in _WEEKDAY.finditer(text):
        if free(match.span()):
            weekday = _WEEKDAYS.index(match.group("day").lower())
            found.add(_weekday_before(base, weekday, bool(match.group("last"))).isoformat())
    for match in _RELATIVE.finditer(text):
        if not free(match.span()):
            continue
        expression = match.group("expr").lower()
        unit = match.group("unit1") or match.group("unit2")
        unit = unit.lower() if unit else None
        if expression.startswith("this ") and unit in ("year", "month"):
            resolved = base
        else:
            resolved = _relative_to(expression, base)
        if resolved is not None:
            found.add(_precision(resolved, unit if unit in ("year", "month") else None))
    return sorted(found)


def _around_month(
    text: str, match: re.Match, month: int, base: date | None
) -> tuple[str, tuple[int, int]] | None:
    """The date a month name is part of, as (mention, span), from the words around it."""
    start, end = match.span()
    before = _DAY_BEFORE.search(text[max(0, start - 12) : start])
    after_text = text[end : end + 16]
    if before:
        year = _YEAR_AFTER_DAY.match(after_text)
        day_start = start - len(before.group())
        if year:
            found = valid_day(int(year.group("year")), month, int(before.group("day")))
            return (found.date().isoformat(), (day_start, end + year.end())) if found else None
        if base is not None:
            found = _year_near(month, int(before.group("day")), base)
            return (found.isoformat(), (day_start, end)) if found else None
        return None
    after = _AFTER_MONTH.match(after_text)
    if after is None:
        return None
    if after.group("year_only"):
        return f"{after.group('year_only')}-{month:02d}", (start, end + after.end())
    if after.group("year"):
        found = valid_day(int(after.group("year")), month, int(after.group("day")))
        return (found.date().isoformat(), (start, end + after.end())) if found else None
    if base is not None:
        found = _year_near(month, int(after.group("day")), base)
        return (found.isoformat(), (start, end + after.end())) if found else None
    return None


def _is_month(word: str) -> bool:
    return word.lower() not in _CAPITALISED_MONTHS or word[0].isupper()
