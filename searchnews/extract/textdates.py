"""Dates written out in text: "4 July 2024", "July 4, 2024", "2024-07-04", "04.07.2024"."""

from __future__ import annotations

import re
from datetime import datetime

MONTHS = {
    # English
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    # German, French, Spanish, Italian, Portuguese (the forms that differ from English)
    "januar": 1,
    "jänner": 1,
    "februar": 2,
    "märz": 3,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "oktober": 10,
    "dezember": 12,
    "janvier": 1,
    "février": 2,
    "mars": 3,
    "avril": 4,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
    "gennaio": 1,
    "febbraio": 2,
    "aprile": 4,
    "maggio": 5,
    "giugno": 6,
    "luglio": 7,
    "settembre": 9,
    "ottobre": 10,
    "dicembre": 12,
    "janeiro": 1,
    "fevereiro": 2,
    "março": 3,
    "maio": 5,
    "junho": 6,
    "julho": 7,
    "setembro": 9,
    "outubro": 10,
    "novembro": 11,
    "dezembro": 12,
    # Russian and Ukrainian, in the genitive used in dates
    "января": 1,
    "февраля": 2,
    "марта": 3,
    "апреля": 4,
    "мая": 5,
    "июня": 6,
    "июля": 7,
    "августа": 8,
    "сентября": 9,
    "октября": 10,
    "ноября": 11,
    "декабря": 12,
    "січня": 1,
    "лютого": 2,
    "березня": 3,
    "квітня": 4,
    "травня": 5,
    "червня": 6,
    "липня": 7,
    "серпня": 8,
    "вересня": 9,
    "жовтня": 10,
    "листопада": 11,
    "грудня": 12,
}
MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_MONTH_YEAR = (
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?(?P<m1>{MONTH_NAMES})\.?,?\s+"
    rf"(?:de\s+)?(?P<y1>\d{{4}})"
)
_MONTH_DAY_YEAR = (
    rf"(?P<m2>{MONTH_NAMES})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})"
)
_ISO_DAY = r"(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
_NUMERIC_DAY = r"(?P<a4>\d{1,2})(?P<sep>[./])(?P<b4>\d{1,2})(?P=sep)(?P<y4>\d{4})"
TEXT_DATE = re.compile(
    rf"(?<![\w-])(?:{_DAY_MONTH_YEAR}|{_MONTH_DAY_YEAR}|{_ISO_DAY}|{_NUMERIC_DAY})(?![\w-])",
    re.IGNORECASE,
)


def valid_day(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day)
    except ValueError:
        return None


def match_to_datetime(match: re.Match) -> datetime | None:
    groups = match.groupdict()
    if groups["y1"]:
        return valid_day(int(groups["y1"]), MONTHS[groups["m1"].lower()], int(groups["d1"]))
    if groups["y2"]:
        return valid_day(int(groups["y2"]), MONTHS[groups["m2"].lower()], int(groups["d2"]))
    if groups["y3"]:
        return valid_day(int(groups["y3"]), int(groups["m3"]), int(groups["d3"]))
    first, second, year = int(groups["a4"]), int(groups["b4"]), int(groups["y4"])
    # Day first is the rule outside the US; month first only when day first is impossible.
    if first > 12 or groups["sep"] == ".":
        return valid_day(year, second, first)
    if second > 12:
        return valid_day(year, first, second)
    return valid_day(year, second, first)


def first_date_in(text: str) -> datetime | None:
    """The first full date (day, month and year) written in a short text, or None."""
    for match in TEXT_DATE.finditer(text):
        value = match_to_datetime(match)
        if value is not None:
            return value
    return None
