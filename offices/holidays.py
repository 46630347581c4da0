"""Days no office opens: Belgian public holidays and the Walloon public service's own."""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays


@cache
def public_holidays(year: int) -> dict[date, str]:
    """Belgian public holidays (``holidays`` library, in French) and the Walloon public
    service's day off, 27 September (Fête de la Fédération Wallonie-Bruxelles)."""
    days = dict(holidays.country_holidays("BE", years=year, language="fr"))
    days.setdefault(date(year, 9, 27), "Fête de la Fédération Wallonie-Bruxelles")
    return days


def is_public_holiday(day: date) -> bool:
    return day in public_holidays(day.year)
