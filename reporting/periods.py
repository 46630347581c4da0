"""The period a figure covers: a year, a quarter, a month or dates chosen by the user.

Pure: no database, no settings. A period is two dates, both included; its bounds in time
are Brussels midnights (``bounds``), so a call logged at 23:30 on 31 December belongs to
that year whatever the server's clock.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cainamur.lib.localtime import day_bounds
from parcours.rules import add_months

#: The first year the dashboard offers: the obligation exists since 19 May 2016.
FIRST_YEAR = 2016
#: A custom period covers at most this many years.
LONGEST_YEARS = 5

MONTH_NAMES = (
    gettext_lazy("janvier"),
    gettext_lazy("février"),
    gettext_lazy("mars"),
    gettext_lazy("avril"),
    gettext_lazy("mai"),
    gettext_lazy("juin"),
    gettext_lazy("juillet"),
    gettext_lazy("août"),
    gettext_lazy("septembre"),
    gettext_lazy("octobre"),
    gettext_lazy("novembre"),
    gettext_lazy("décembre"),
)
SHORT_MONTH_NAMES = (
    gettext_lazy("janv."),
    gettext_lazy("févr."),
    gettext_lazy("mars"),
    gettext_lazy("avr."),
    gettext_lazy("mai"),
    gettext_lazy("juin"),
    gettext_lazy("juil."),
    gettext_lazy("août"),
    gettext_lazy("sept."),
    gettext_lazy("oct."),
    gettext_lazy("nov."),
    gettext_lazy("déc."),
)


class PeriodKind(StrEnum):
    YEAR = "annee"
    QUARTER = "trimestre"
    MONTH = "mois"
    CUSTOM = "dates"


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both included."""

    start: date
    end: date
    kind: PeriodKind = PeriodKind.CUSTOM

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """Brussels midnight of the first day to Brussels midnight after the last (UTC)."""
        return day_bounds(self.start, self.days)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return _("Année %(year)s") % {"year": self.start.year}
        if self.kind == PeriodKind.QUARTER:
            quarter = (self.start.month - 1) // 3 + 1
            ordinal = _("1er") if quarter == 1 else _("%(n)se") % {"n": quarter}
            return _("%(ordinal)s trimestre %(year)s") % {
                "ordinal": ordinal,
                "year": self.start.year,
            }
        if self.kind == PeriodKind.MONTH:
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}".capitalize()
        return _("Du %(start)s au %(end)s") % {
            "start": f"{self.start:%d/%m/%Y}",
            "end": f"{self.end:%d/%m/%Y}",
        }

    def shifted(self, steps: int) -> Period | None:
        """The same kind of period ``steps`` before (negative) or after; a custom period
        moves by its own length. None before the first year the dashboard offers."""
        if self.kind == PeriodKind.YEAR:
            moved = year(self.start.year + steps)
        elif self.kind == PeriodKind.QUARTER:
            index = self.start.year * 4 + (self.start.month - 1) // 3 + steps
            moved = quarter(index // 4, index % 4 + 1)
        elif self.kind == PeriodKind.MONTH:
            index = self.start.year * 12 + self.start.month - 1 + steps
            moved = month(index // 12, index % 12 + 1)
        else:
            offset = timedelta(days=self.days * steps)
            moved = Period(self.start + offset, self.end + offset)
        return moved if moved.start.year >= FIRST_YEAR else None


def year(number: int) -> Period:
    return Period(date(number, 1, 1), date(number, 12, 31), PeriodKind.YEAR)


def quarter(number: int, which: int) -> Period:
    first = 3 * (which - 1) + 1
    last = first + 2
    return Period(
        date(number, first, 1),
        date(number, last, calendar.monthrange(number, last)[1]),
        PeriodKind.QUARTER,
    )


def month(number: int, which: int) -> Period:
    return Period(
        date(number, which, 1),
        date(number, which, calendar.monthrange(number, which)[1]),
        PeriodKind.MONTH,
    )


def custom_problems(start: date | None, end: date | None, *, today: date) -> dict[str, str]:
    """What is wrong with dates a user typed for a custom period, by field (French)."""
    errors: dict[str, str] = {}
    if start is None:
        errors["du"] = _("Indiquez le premier jour de la période.")
    if end is None:
        errors["au"] = _("Indiquez le dernier jour de la période.")
    if start is None or end is None:
        return errors
    if start.year < FIRST_YEAR:
        errors["du"] = _(
            "Les chiffres commencent en %(year)s : choisissez une date ultérieure."
        ) % {"year": FIRST_YEAR}
    elif start > today:
        errors["du"] = _("La période ne peut pas commencer après aujourd'hui.")
    if end < start:
        errors["au"] = _("Le dernier jour précède le premier : vérifiez les dates.")
    elif end >= add_months(start, 12 * LONGEST_YEARS):
        errors["au"] = _("Une période couvre au plus cinq ans.")
    return errors


@dataclass(frozen=True)
class Bucket:
    """A slice of a period for a series: a month, or a week for short periods."""

    key: date  # the month's first day or the week's Monday (what the database truncates to)
    start: date
    end: date
    label: str


def buckets(period: Period) -> list[Bucket]:
    """Months (weeks from Monday when the period is under about two months), clipped to
    the period."""
    found: list[Bucket] = []
    if period.days <= 62:
        day = period.start - timedelta(days=period.start.weekday())
        while day <= period.end:
            last = day + timedelta(days=6)
            start, end = max(day, period.start), min(last, period.end)
            found.append(Bucket(day, start, end, f"{start:%d/%m}"))
            day = last + timedelta(days=1)
        return found
    day = period.start.replace(day=1)
    while day <= period.end:
        last = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        start, end = max(day, period.start), min(last, period.end)
        label = f"{SHORT_MONTH_NAMES[day.month - 1]}"
        if period.start.year != period.end.year:
            label += f" {day:%y}"
        found.append(Bucket(day, start, end, label))
        day = last + timedelta(days=1)
    return found


def weekly(period: Period) -> bool:
    return period.days <= 62
