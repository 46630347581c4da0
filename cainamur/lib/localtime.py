"""Wall-clock time in Brussels.

Windows are built from local hours and the arithmetic runs in UTC, so the weeks when
daylight-saving time starts or ends need no special case.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
Interval = tuple[datetime, datetime]


def local(day: date, at: time) -> datetime:
    """A wall-clock time in Brussels, as UTC."""
    return datetime.combine(day, at, tzinfo=BRUSSELS).astimezone(UTC)


def day_bounds(first: date, days: int = 1) -> Interval:
    """From midnight of ``first`` to midnight ``days`` later, in Brussels (23 or 25 hours
    on the days the clocks change), as UTC."""
    return local(first, time(0)), local(first + timedelta(days=days), time(0))


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
