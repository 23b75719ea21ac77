"""Dates: every Manage date form from DESIGN §4, Sage's form, aware datetimes (property-based)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cwsage import dates

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
times = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-31T00:00:00Z", datetime(2024, 3, 31, tzinfo=UTC)),
        ("2011-06-20T00:00:00", datetime(2011, 6, 20, tzinfo=UTC)),
        ("5/1/2014 5:21:58 AM", datetime(2014, 5, 1, 5, 21, 58, tzinfo=UTC)),
        ("5/1/2014 5:21:58 PM", datetime(2014, 5, 1, 17, 21, 58, tzinfo=UTC)),
        ("12/31/2020 12:00:00 AM", datetime(2020, 12, 31, 0, 0, tzinfo=UTC)),
        ("12/31/2020 12:00:00 PM", datetime(2020, 12, 31, 12, 0, tzinfo=UTC)),
        ("1/2/2020", datetime(2020, 1, 2, tzinfo=UTC)),
        ("2024-02-29", datetime(2024, 2, 29, tzinfo=UTC)),
        ("2024-03-31T10:00:00+02:00", datetime(2024, 3, 31, 8, 0, tzinfo=UTC)),
    ],
)
def test_manage_formats(text: str, expected: datetime) -> None:
    parsed = dates.parse_datetime(text)
    assert parsed.tzinfo is not None
    assert parsed == expected


@pytest.mark.parametrize(
    "bad", ["", "  ", "31/31/2020", "2024-13-01", "yesterday", "13/1/2020 1:00 PM", "1/1/2020 13:00 PM"]
)
def test_bad_dates_raise(bad: str) -> None:
    with pytest.raises(dates.DateParseError):
        dates.parse_datetime(bad)


@given(times)
def test_iso_z_round_trip(value: datetime) -> None:
    text = value.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert dates.parse_datetime(text) == value.replace(tzinfo=UTC)


@given(times)
def test_naive_iso_is_read_in_the_assumed_zone(value: datetime) -> None:
    zone = timezone(timedelta(hours=-5))
    parsed = dates.parse_datetime(value.isoformat(), assume=zone)
    assert parsed == value.replace(tzinfo=zone)


@given(times)
def test_us_form_round_trip(value: datetime) -> None:
    hour12 = value.hour % 12 or 12
    ampm = "AM" if value.hour < 12 else "PM"
    text = f"{value.month}/{value.day}/{value.year} {hour12}:{value.minute:02d}:{value.second:02d} {ampm}"
    assert dates.parse_datetime(text) == value.replace(tzinfo=UTC)


@given(days)
def test_sage_date_format_and_round_trip(day: date) -> None:
    text = dates.sage_date(day)
    assert text == f"{day.isoformat()}T00:00:00Z"
    assert dates.parse_date(text) == day


@given(times, st.integers(min_value=-12, max_value=14))
def test_sage_date_keeps_the_calendar_day_of_an_aware_datetime(value: datetime, offset: int) -> None:
    aware = value.replace(tzinfo=timezone(timedelta(hours=offset)))
    assert dates.sage_date(aware) == f"{aware.date().isoformat()}T00:00:00Z"


def test_manage_datetime_is_utc_z() -> None:
    aware = datetime(2024, 1, 1, 3, 0, tzinfo=timezone(timedelta(hours=5)))
    assert dates.manage_datetime(aware) == "2023-12-31T22:00:00Z"
    assert dates.manage_datetime(date(2024, 1, 2)) == "2024-01-02T00:00:00Z"


@given(days)
def test_same_day_previous_month_is_clamped(day: date) -> None:
    prev = dates.same_day_previous_month(day)
    assert (prev.year, prev.month) == ((day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1))
    assert prev.day <= day.day


def test_yyyymmdd_and_clocks() -> None:
    assert dates.yyyymmdd(date(2024, 3, 5)) == "20240305"
    clock = dates.FixedClock(datetime(2024, 1, 1, tzinfo=UTC))
    clock.advance(timedelta(days=1))
    assert clock.now() == datetime(2024, 1, 2, tzinfo=UTC)
    assert dates.now().tzinfo is not None
    assert dates.start_of_day(date(2024, 1, 1)) == datetime(2024, 1, 1, tzinfo=UTC)
