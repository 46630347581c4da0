"""Periods: years, quarters, months and chosen dates, their labels, neighbours and slices
(pure); the checks on dates a person types."""

from __future__ import annotations

from datetime import date

from reporting import periods
from reporting.periods import Period, PeriodKind


def test_kinds_of_periods_and_their_labels() -> None:
    assert periods.year(2026) == Period(date(2026, 1, 1), date(2026, 12, 31), PeriodKind.YEAR)
    assert periods.quarter(2024, 1).end == date(2024, 3, 31)
    assert periods.quarter(2026, 4).start == date(2026, 10, 1)
    assert periods.month(2024, 2).end == date(2024, 2, 29)
    assert periods.year(2026).label == "Année 2026"
    assert periods.quarter(2026, 1).label == "1er trimestre 2026"
    assert periods.quarter(2026, 3).label == "3e trimestre 2026"
    assert periods.month(2026, 8).label == "Août 2026"
    assert Period(date(2026, 2, 3), date(2026, 3, 4)).label == "Du 03/02/2026 au 04/03/2026"


def test_neighbouring_periods() -> None:
    assert periods.quarter(2026, 1).shifted(-1) == periods.quarter(2025, 4)
    assert periods.month(2026, 12).shifted(1) == periods.month(2027, 1)
    assert periods.year(2016).shifted(-1) is None  # nothing before the obligation
    chosen = Period(date(2026, 3, 1), date(2026, 3, 10))
    assert chosen.shifted(1) == Period(date(2026, 3, 11), date(2026, 3, 20))


def test_bounds_are_brussels_midnights() -> None:
    lo, hi = periods.year(2026).bounds()
    assert lo.isoformat() == "2025-12-31T23:00:00+00:00"
    assert hi.isoformat() == "2026-12-31T23:00:00+00:00"
    lo, hi = periods.month(2026, 7).bounds()  # summer time
    assert lo.isoformat() == "2026-06-30T22:00:00+00:00"


def test_series_slices_months_or_weeks() -> None:
    months = periods.buckets(periods.year(2026))
    assert len(months) == 12 and months[0].label == "janv." and months[-1].end.day == 31
    across = periods.buckets(Period(date(2025, 11, 15), date(2026, 2, 10)))
    assert [b.label for b in across] == ["nov. 25", "déc. 25", "janv. 26", "févr. 26"]
    assert across[0].start == date(2025, 11, 15) and across[0].key == date(2025, 11, 1)
    weeks = periods.buckets(periods.month(2026, 3))  # 1 March 2026 is a Sunday
    assert weeks[0].key == date(2026, 2, 23) and weeks[0].start == date(2026, 3, 1)
    assert weeks[-1].end == date(2026, 3, 31)
    assert sum(b.end.toordinal() - b.start.toordinal() + 1 for b in weeks) == 31


def test_dates_a_person_types() -> None:
    today = date(2026, 12, 1)
    ok = periods.custom_problems(date(2026, 1, 1), date(2026, 12, 31), today=today)
    assert ok == {}  # a period may run past today: the figures up to now
    assert "du" in periods.custom_problems(None, date(2026, 1, 1), today=today)
    assert "au" in periods.custom_problems(date(2026, 2, 1), date(2026, 1, 1), today=today)
    assert "du" in periods.custom_problems(date(2026, 12, 2), date(2026, 12, 3), today=today)
    assert "au" in periods.custom_problems(date(2016, 1, 1), date(2021, 1, 2), today=today)
    assert periods.custom_problems(date(2016, 1, 1), date(2020, 12, 31), today=today) == {}
