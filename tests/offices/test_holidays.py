"""Days no office opens: Belgian public holidays and the Walloon public service's own."""

from __future__ import annotations

from datetime import date

from offices.holidays import is_public_holiday


def test_public_holidays_include_the_walloon_day() -> None:
    assert is_public_holiday(date(2026, 12, 25))
    assert is_public_holiday(date(2026, 9, 27))  # Fédération Wallonie-Bruxelles
    assert is_public_holiday(date(2027, 5, 17))  # Whit Monday 2027
    assert not is_public_holiday(date(2026, 12, 1))
