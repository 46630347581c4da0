"""Reads about offices that every app shares."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from cainamur.lib.localtime import days_between
from cainamur.models import User
from offices.holidays import public_holidays
from offices.models import Closure, Office


def visible_offices(user: User) -> QuerySet[Office]:
    """The active offices a staff member works with (every one for coordinators)."""
    offices = Office.objects.filter(is_active=True)
    return offices if user.sees_all_offices else offices.filter(id__in=user.office_ids)


def closed_days(office: Office, first: date, last: date) -> dict[date, str]:
    """Public holidays and the office's (or every office's) closures in the period."""
    days: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        days.update({d: name for d, name in public_holidays(year).items() if first <= d <= last})
    closures = Closure.objects.filter(
        Q(office=office) | Q(office__isnull=True), start_on__lte=last, end_on__gte=first
    )
    for closure in closures:
        for day in days_between(max(first, closure.start_on), min(last, closure.end_on)):
            days[day] = closure.reason
    return days
