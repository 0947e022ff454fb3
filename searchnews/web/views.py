"""What the page shows, computed from library results: month bars, pagination, facet links."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from ..models import FacetValue

CHART_WIDTH = 720
CHART_HEIGHT = 120


@dataclass
class Bar:
    """One month of the chart: where to draw it and where it leads."""

    month: str
    count: int
    x: float
    y: float
    width: float
    height: float
    link: str


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), so gaps show as empty months."""
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    months = []
    while (year, month) <= end and len(months) < 1200:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_bars(values: list[FacetValue], link_for) -> list[Bar]:
    """Bars of matches per month; each links to that month's articles."""
    if not values:
        return []
    counts = {value.value: value.count for value in values}
    months = months_between(values[0].value, values[-1].value)
    if len(months) > 240:  # decades of archive: bars per month would be hairlines
        months = [m for m in months if m in counts]
    width = CHART_WIDTH / len(months)
    tallest = max(counts.values())
    bars = []
    for index, month in enumerate(months):
        count = counts.get(month, 0)
        height = (CHART_HEIGHT - 16) * count / tallest if count else 0
        bars.append(
            Bar(
                month,
                count,
                index * width,
                CHART_HEIGHT - height,
                max(width - 1, 1),
                height,
                link_for(month),
            )
        )
    return bars


def page_numbers(page: int, pages: int) -> list[int | None]:
    """Page links to show: first, last and the pages around the current one (None is a gap)."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def url_with(base: str, params: dict, **changes) -> str:
    """`base` with the current query parameters, some changed (None drops one)."""
    merged = {**params, **changes}
    kept = {key: value for key, value in merged.items() if value not in (None, "")}
    return f"{base}?{urlencode(kept)}" if kept else base


def safe_link(url: str | None) -> str | None:
    """Only http and https URLs become links; anything else (javascript:, data:) does not."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


def quoted(value: str) -> str:
    """A facet value as a query term: quoted, with quotes inside dropped."""
    return '"' + value.replace('"', " ").strip() + '"'
