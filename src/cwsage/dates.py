"""The one home of dates and times: parsing every format the two APIs send, and producing Sage's.

Why a module of its own: Manage sends the same kind of value in several shapes in one payload
(``2024-03-31T00:00:00Z``, ``2011-06-20T00:00:00`` without a zone, even ``5/1/2014 5:21:58 AM`` in US
culture), while Sage 300 wants ``YYYY-MM-DDT00:00:00Z`` and would shift a date to the previous day if a
local offset slipped in. Everything here is timezone-aware; a naive value from an API is read in the
zone the caller names (UTC unless told otherwise). The clock is injectable (:class:`Clock`) so tests can
pin "today" for things like the payment-sync start date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol

_US_RE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?\s*$")


class DateParseError(ValueError):
    """A value that should be a date or time could not be read."""


def parse_datetime(value: str, assume: tzinfo = UTC) -> datetime:
    """Parse any date/time text Manage or Sage sends into an aware datetime.

    Accepts ISO 8601 with ``Z``, an offset, or no zone (then ``assume`` applies), a bare ``YYYY-MM-DD``,
    and the US form ``M/D/YYYY [h:mm[:ss] [AM|PM]]``.

    Raises:
        DateParseError: if the text is empty or in none of these forms.
    """
    text = (value or "").strip()
    if not text:
        raise DateParseError("empty date")
    match = _US_RE.match(text)
    if match:
        month, day, year, hour, minute, second, ampm = match.groups()
        h = int(hour or 0)
        if ampm:
            if not 1 <= h <= 12:
                raise DateParseError(f"{value!r}: hour {h} with {ampm}")
            h = h % 12 + (12 if ampm.upper() == "PM" else 0)
        try:
            return datetime(int(year), int(month), int(day), h, int(minute or 0), int(second or 0), tzinfo=assume)
        except ValueError as exc:
            raise DateParseError(f"{value!r} is not a valid date: {exc}") from exc
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError as exc:
        raise DateParseError(f"{value!r} is not a date this program understands") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=assume)


def parse_date(value: str) -> date:
    """The calendar date a Manage or Sage date text stands for (its own zone, no shifting)."""
    return parse_datetime(value).date()


def sage_date(value: date | datetime) -> str:
    """Sage 300's date form: ``YYYY-MM-DDT00:00:00Z`` for the calendar date of ``value``."""
    day = value.date() if isinstance(value, datetime) else value
    return f"{day.isoformat()}T00:00:00Z"


def manage_datetime(value: date | datetime) -> str:
    """Manage's request form ``YYYY-MM-DDTHH:MM:SSZ`` (UTC); a bare date means its midnight UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat()}T00:00:00Z"


def yyyymmdd(value: date) -> str:
    """Sage's optional-field and import-file date form."""
    return value.strftime("%Y%m%d")


def start_of_day(day: date, zone: tzinfo = UTC) -> datetime:
    """Midnight at the start of ``day`` in ``zone``."""
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def same_day_previous_month(day: date) -> date:
    """The guide's "past month": the same day of the previous month, clamped to that month's end."""
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


class Clock(Protocol):
    """Something that tells the time; the real one is :class:`SystemClock`."""

    def now(self) -> datetime:
        """The current aware datetime."""
        ...


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock for tests: it says ``at`` until moved with :meth:`advance`."""

    at: datetime

    def now(self) -> datetime:
        """The pinned time."""
        return self.at

    def advance(self, delta: timedelta) -> None:
        """Move the pinned time forward."""
        self.at += delta


def now() -> datetime:
    """The current aware UTC time (for code that has no injected clock)."""
    return SystemClock().now()
