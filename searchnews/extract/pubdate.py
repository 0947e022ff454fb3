"""Choosing the publication and modification dates of a page, and finding dates in URLs and text.

Dates the page declares (JSON-LD, meta, <time>) are trusted back to 1800; dates guessed from the
URL or the visible text only back to 1990, since no web page we could index was written earlier.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .metadata import DateCandidate
from .textdates import TEXT_DATE, match_to_datetime, valid_day

DECLARED_FLOOR = datetime(1800, 1, 1)
GUESSED_FLOOR = datetime(1990, 1, 1)

_LABEL = re.compile(
    r"(posted|published|publication|first\s+published|date|dated|created|on|updated|"
    r"last\s+updated|modified|veröffentlicht|publié|publicado|опубликовано|опубліковано)"
    r"\s*(?:on|at|:|-)?\s*$",
    re.IGNORECASE,
)
_UPDATED_LABEL = re.compile(r"updated|modified|aktualisiert|mis à jour", re.IGNORECASE)
_URL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[/_-]?)(?P<m>0[1-9]|1[0-2])(?P=sep)(?P<d>0[1-9]|[12]\d|3[01])?(?!\d)"
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


def date_from_text(text: str, *, now: datetime | None = None) -> datetime | None:
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
    if candidates:
        return candidates[0][0]
    return found[0][0] if found else None


def date_from_url(url: str | None, *, now: datetime | None = None) -> datetime | None:
    """A date in the path of a URL (/2024/07/04/, /20240704-, /2024-07-04/); None if absent."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url)
    for match in _URL_DATE.finditer(path):
        if not match.group("d"):
            continue
        value = valid_day(int(match.group("y")), int(match.group("m")), int(match.group("d")))
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
