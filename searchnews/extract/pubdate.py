"""Choosing the publication and modification dates of a page, and finding dates in URLs and text.

Dates the page declares (JSON-LD, meta, <time>) are trusted back to 1800; dates guessed from the
URL or the visible text only back to 1990, since no web page we could index was written earlier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from .metadata import DateCandidate
from .textdates import TEXT_DATE, match_to_datetime, valid_day

DECLARED_FLOOR = datetime(1800, 1, 1)
GUESSED_FLOOR = datetime(1990, 1, 1)

_LABEL = re.compile(
    r"(posted|published|publication|first\s+published|date|dated|created|written|"
    r"veröffentlicht|erschienen(?:\s+am)?|datum|publié(?:\s+le)?|publicado(?:\s+el)?|"
    r"pubblicato(?:\s+il)?|опубликовано|опубліковано)"
    r"\s*(?:on|at|am|:|-)?\s*$",
    re.IGNORECASE,
)
_UPDATED_LABEL = re.compile(
    r"updated|modified|last\s+edited|aktualisiert|geändert|letzte\s+änderung|stand|"
    r"mis\s+à\s+jour|actualizado|aggiornato|обновлено|оновлено",
    re.IGNORECASE,
)
_URL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?:(?P<sep>[/_-])(?P<m>0?[1-9]|1[0-2])(?P=sep)"
    r"(?P<d>0?[1-9]|[12]\d|3[01])|(?P<m2>0[1-9]|1[0-2])(?P<d2>0[1-9]|[12]\d|3[01]))(?!\d)"
)


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None)


def plausible(value: datetime, *, floor: datetime, now: datetime | None = None) -> bool:
    """A publication date must lie between the floor and a day after now."""
    latest = (now or datetime.now(timezone.utc).replace(tzinfo=None)) + timedelta(days=1)
    return floor <= _naive(value) <= latest


def dates_in_text(text: str) -> list[tuple[datetime, int, int, bool]]:
    """Every date written in the text as (date, start, end, labelled-as-updated).

    Only full dates with a day, month and year are taken: these are what a dateline shows.
    """
    found = []
    for match in TEXT_DATE.finditer(text):
        value = match_to_datetime(match)
        if value is None:
            continue
        before = text[max(0, match.start() - 40) : match.start()]
        found.append((value, match.start(), match.end(), bool(_UPDATED_LABEL.search(before))))
    return found


def date_from_text(
    text: str, *, now: datetime | None = None, labelled_only: bool = False
) -> datetime | None:
    """The publication date in a page's visible text: a labelled date first, else the first one;
    a date labelled as an update only when the text gives no other."""
    found = [
        (value, start, updated)
        for value, start, _end, updated in dates_in_text(text)
        if plausible(value, floor=GUESSED_FLOOR, now=now)
    ]
    candidates = [(value, start) for value, start, updated in found if not updated]
    for value, start in candidates:
        if _LABEL.search(text[max(0, start - 40) : start].rstrip(" ,:-–—(")):
            return value
    if labelled_only:
        return None
    if candidates:
        return candidates[0][0]
    return found[0][0] if found else None


def date_from_url(url: str | None, *, now: datetime | None = None) -> datetime | None:
    """A date in the path of a URL (/2024/07/04/, /20240704-, /2024-07-04/); None if absent."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url)
    for match in _URL_DATE.finditer(path):
        month, day = match.group("m") or match.group("m2"), match.group("d") or match.group("d2")
        value = valid_day(int(match.group("y")), int(month), int(day))
        if value and plausible(value, floor=GUESSED_FLOOR, now=now):
            return value
    return None


def choose_declared(
    candidates: list[DateCandidate], *, now: datetime | None = None
) -> DateCandidate | None:
    """The first declared date that is plausible; candidates come most trusted first."""
    for candidate in candidates:
        if plausible(candidate.value, floor=DECLARED_FLOOR, now=now):
            return candidate
    return None


def _is_utc(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() == timedelta(0)


def _local_version(
    chosen: DateCandidate, others: list[DateCandidate], url_day: datetime | None
) -> DateCandidate:
    """The same moment as the page's own readers saw it.

    Many sites declare times in UTC while the page, its URL and its readers go by local time: an
    evening story in New York is dated the next day in UTC. When another statement of the same
    moment carries a local offset, or the URL names the neighbouring day, that local day wins.
    """
    if not _is_utc(chosen.value):
        return chosen
    moment = chosen.value
    for other in others:
        value = other.value
        if value.tzinfo is not None and not _is_utc(value):
            if abs(value - moment) <= timedelta(minutes=1) and value.date() != moment.date():
                return other
        elif (
            value.tzinfo is None
            and value.date() != moment.date()
            and abs(value - moment.replace(tzinfo=None)) < timedelta(hours=14)
        ):
            return other
    if url_day is not None and abs((url_day.date() - moment.date()).days) == 1:
        return DateCandidate(url_day, "url")
    return chosen


def choose_dates(
    published: list[DateCandidate],
    modified: list[DateCandidate],
    *,
    url: str | None,
    texts: Iterable[str],
    now: datetime | None = None,
    guess=None,
    dateline: str | None = None,
) -> tuple[DateCandidate | None, DateCandidate | None]:
    """(publication, modification) dates of a page, each with where it came from.

    Publication: declared (JSON-LD, meta, <time>), else in the URL, else in a dated element or
    the dateline (`texts`, read lazily in order); a declared modification date stands in when
    nothing else is found.
    """
    declared = choose_declared(published, now=now)
    changed = choose_declared(modified, now=now)
    url_day = date_from_url(url, now=now)
    if declared is not None and changed is not None and dateline is not None:
        shown = {value.date() for value, _start, _end, _updated in dates_in_text(dateline)}
        if (
            changed.value.date() in shown
            and declared.value.date() not in shown
            and changed.value.date() > declared.value.date()
        ):
            # The page shows only its update date: what readers see as its date is that one.
            declared = changed
    if declared is not None:
        # A URL names the day a story was filed; a declared date far from it belongs to
        # something else (a re-publication, a template's default).
        if url_day is not None and abs((url_day.date() - declared.value.date()).days) > 2:
            return DateCandidate(url_day, "url"), changed
        return _local_version(declared, published, url_day), changed
    if url_day is not None:
        return DateCandidate(url_day, "url"), changed
    texts = list(texts)
    for text in texts:
        from_text = date_from_text(text, now=now, labelled_only=True)
        if from_text is not None:
            return DateCandidate(from_text, "text"), changed
    if guess is not None:
        guessed = guess()
        if guessed is not None:
            return DateCandidate(guessed, "text"), changed
    for text in texts:
        from_text = date_from_text(text, now=now)
        if from_text is not None:
            return DateCandidate(from_text, "text"), changed
    return changed, changed
