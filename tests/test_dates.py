"""Date bounds users type, and timestamps pages declare."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from searchnews import QueryError
from searchnews.dates import date_bound, date_range, parse_timestamp

AS_OF = datetime(2024, 7, 10, 12, 0)


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2024", False, datetime(2024, 1, 1)),
        ("2024", True, datetime(2024, 12, 31, 23, 59, 59, 999999)),
        ("2024-02", True, datetime(2024, 2, 29, 23, 59, 59, 999999)),
        ("2024-07-04", False, datetime(2024, 7, 4)),
        ("1987-03-02", True, datetime(1987, 3, 2, 23, 59, 59, 999999)),
        ("yesterday", False, datetime(2024, 7, 9)),
        ("3 days ago", True, datetime(2024, 7, 7, 23, 59, 59, 999999)),
        ("4 July 2024", False, datetime(2024, 7, 4)),
    ],
)
def test_date_bounds(text, end, expected):
    assert date_bound(text, end=end, as_of=AS_OF) == expected


@pytest.mark.parametrize("text", ["not a date at all", "2024-13", "2024-02-30"])
def test_unreadable_bounds_raise_query_error(text):
    with pytest.raises(QueryError, match="Cannot read the date"):
        date_bound(text, end=False, as_of=AS_OF)


def test_inverted_range_is_refused():
    with pytest.raises(QueryError, match="inverted"):
        date_range("2024-08", "2024-07", as_of=AS_OF)


def test_open_ranges():
    assert date_range(None, "2024", as_of=AS_OF) == (
        None,
        datetime(2024, 12, 31, 23, 59, 59, 999999),
    )
    assert date_range(None, None) == (None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-07-04", datetime(2024, 7, 4)),
        ("2024-07-04T16:42:00+00:00", datetime(2024, 7, 4, 16, 42, tzinfo=timezone.utc)),
        ("2024-07-04T16:42:00Z", datetime(2024, 7, 4, 16, 42, tzinfo=timezone.utc)),
        ("2024-07-04 16:42", datetime(2024, 7, 4, 16, 42)),
        (
            "2024-07-04T16:42:00+0200",
            datetime(2024, 7, 4, 16, 42, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("19870302", datetime(1987, 3, 2)),
        ("Thu, 04 Jul 2024 16:42:00 GMT", datetime(2024, 7, 4, 16, 42, tzinfo=timezone.utc)),
        ("", None),
        ("soon", None),
        ("2024-02-30", None),
    ],
)
def test_timestamps(text, expected):
    assert parse_timestamp(text) == expected
