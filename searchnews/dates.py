"""Date strings -> datetimes: timestamps from page metadata and the date bounds users type.

Exact forms (ISO 8601, RFC 2822, YYYY, YYYY-MM) take a fast path; anything else goes to
dateparser, imported only when needed because it is slow to load.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from email.utils import parsedate_to_datetime

from .errors import QueryError
from .extract.textdates import MONTHS

_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_YEAR_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_ISO_LIKE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")
_COMPACT_DAY = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?Z?\s*$")

_MONTH_YEAR = re.compile(r"^\s*(?P<month>[^\W\d_]+)\.?\s+(?P<year>\d{4})\s*$")

DATE_HINT = "write YYYY, YYYY-MM, YYYY-MM-DD or an expression such as 'last week' or '3 days ago'"


def _valid_day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_timestamp(text: str | None) -> datetime | None:
    """Read a machine-written timestamp (ISO 8601, RFC 2822, compact YYYYMMDD) or None.

    The time zone, when given, is kept on the result; naive values stay naive.
    """
    if not text:
        return None
    value = text.strip()
    if not value or len(value) > 64:
        return None
    day = _DAY.match(value)
    if day:
        found = _valid_day(*map(int, day.groups()))
        return datetime.combine(found, time()) if found else None
    if _ISO_LIKE.match(value):
        candidate = value.replace(" ", "T", 1)
        candidate = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", candidate)
        try:
            return datetime.fromisoformat(candidate.replace("Z", "+00:00"))
        except ValueError:
            pass
    compact = _COMPACT_DAY.match(value)
    if compact:
        year, month, dayn = (int(part) for part in compact.groups()[:3])
        found = _valid_day(year, month, dayn)
        if found:
            hour, minute, second = (int(part or 0) for part in compact.groups()[3:])
            if hour < 24 and minute < 60 and second < 60:
                return datetime(found.year, found.month, found.day, hour, minute, second)
    if "," in value or re.search(r"\d{2}:\d{2}", value):
        try:
            return parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            pass
    return None


def parse_natural(text: str, *, as_of: datetime | None = None, languages=None) -> datetime | None:
    """Read a date written for people ("3 March 2004", "last week") with dateparser."""
    import dateparser  # slow to import; most runs never need it

    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if as_of is not None:
        settings["RELATIVE_BASE"] = as_of.replace(tzinfo=None)
    try:
        return dateparser.parse(text, languages=languages, settings=settings)
    except (ValueError, OverflowError, TypeError, AttributeError, KeyError):
        return None


def _day_start(found: date) -> datetime:
    return datetime.combine(found, time.min)


def _day_end(found: date) -> datetime:
    return datetime.combine(found, time.max)


def date_bound(text: str, *, end: bool, as_of: datetime | None = None) -> datetime:
    """Turn a user's date bound into the first (or, with `end`, the last) moment it covers.

    `2024` as a start is 2024-01-01 00:00, as an end 2024-12-31 23:59:59.999999; a month or a
    day likewise; any other text is read by dateparser relative to `as_of` (default: now).
    Raises QueryError when the text is not a date.
    """
    value = text.strip()
    year = _YEAR.match(value)
    if year:
        number = int(year.group(1))
        if number < 1:
            raise QueryError(f"Cannot read the date {text!r}: {DATE_HINT}.")
        return _day_end(date(number, 12, 31)) if end else _day_start(date(number, 1, 1))
    year_month = _YEAR_MONTH.match(value)
    if year_month:
        number, month = int(year_month.group(1)), int(year_month.group(2))
        if not 1 <= month <= 12 or number < 1:
            raise QueryError(f"Cannot read the date {text!r}: month must be 01 to 12.")
        last = calendar.monthrange(number, month)[1]
        return _day_end(date(number, month, last)) if end else _day_start(date(number, month, 1))
    day = _DAY.match(value)
    if day:
        found = _valid_day(*map(int, day.groups()))
        if found is None:
            raise QueryError(f"Cannot read the date {text!r}: there is no such day.")
        return _day_end(found) if end else _day_start(found)
    month_year = _MONTH_YEAR.match(value)
    if month_year and month_year.group("month").lower() in MONTHS:
        number, month = int(month_year.group("year")), MONTHS[month_year.group("month").lower()]
        last = calendar.monthrange(number, month)[1]
        return _day_end(date(number, month, last)) if end else _day_start(date(number, month, 1))
    parsed = parse_natural(value, as_of=as_of)
    if parsed is None:
        raise QueryError(f"Cannot read the date {text!r}: {DATE_HINT}.")
    return _day_end(parsed.date()) if end else _day_start(parsed.date())


def date_range(
    since: str | None, until: str | None, *, as_of: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """Both bounds of a date filter, checked to be in order. Either may be None (open)."""
    start = period(since, as_of=as_of)[0] if since else None
    stop = period(until, as_of=as_of)[1] if until else None
    if start and stop and start > stop:
        raise QueryError(
            f"The date range is inverted: {since!r} comes after {until!r}; "
            "put the earlier date first."
        )
    return start, stop


_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
}
_ROLLING = re.compile(
    r"^(?:the\s+|in\s+the\s+)?(?:last|past|previous)\s+(?:(?P<count>\d+|[a-z]+)\s+)?"
    r"(?P<unit>day|week|month|year)s?$"
)
_THIS = re.compile(r"^this\s+(?P<unit>week|month|year)$")
_SINCE = re.compile(r"^since\s+(?P<rest>.+)$")


def _months_back(moment: date, months: int) -> date:
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def period(text: str, *, as_of: datetime | None = None) -> tuple[datetime, datetime]:
    """The span of time a date expression names, as (first moment, last moment).

    `2024`, `2024-07` and `2024-07-04` are the whole year, month or day; `last week`,
    `past 3 months` are rolling windows that end today; `this month` runs from its first day to
    today; `since March 2024` from then to today; anything else dateparser reads (`yesterday`,
    `3 days ago`, `4 July 2024`, `monday`) is the one day it names. Raises QueryError.
    """
    value = " ".join(text.strip().lower().split())
    today = (as_of or datetime.now()).date()
    if _YEAR.match(value) or _YEAR_MONTH.match(value) or _DAY.match(value):
        return date_bound(value, end=False), date_bound(value, end=True)
    rolling = _ROLLING.match(value)
    if rolling:
        count_text = rolling.group("count") or "1"
        count = int(count_text) if count_text.isdigit() else _NUMBER_WORDS.get(count_text)
        if count is None:
            raise QueryError(f"Cannot read the date {text!r}: {DATE_HINT}.")
        unit = rolling.group("unit")
        if unit == "day":
            start = today - timedelta(days=count)
        elif unit == "week":
            start = today - timedelta(weeks=count)
        else:
            start = _months_back(today, count * (12 if unit == "year" else 1))
        return _day_start(start), _day_end(today)
    this = _THIS.match(value)
    if this:
        unit = this.group("unit")
        if unit == "week":
            start = today - timedelta(days=today.weekday())
        elif unit == "month":
            start = today.replace(day=1)
        else:
            start = today.replace(month=1, day=1)
        return _day_start(start), _day_end(today)
    since = _SINCE.match(value)
    if since:
        return date_bound(since.group("rest"), end=False, as_of=as_of), _day_end(today)
    return date_bound(value, end=False, as_of=as_of), date_bound(value, end=True, as_of=as_of)
