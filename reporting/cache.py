"""The dashboard's figures are computed at most every few minutes per period and scope,
and shown with their time: a year of the whole centre reads every file, path, hours line
and appointment (about a second at 100,000 files), the page then answers in a few
milliseconds. « Recalculer » computes them again at once."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from cainamur.roles import GROUP_NAMES, Role
from offices.models import Office
from reporting import periods
from reporting.indicators import Dashboard, dashboard
from reporting.periods import Period
from reporting.scope import Filters, Scope

#: How long figures are shown before they are computed again.
FRESH_SECONDS = 10 * 60
#: The warming task (``reporting.tasks.warm_dashboards``) runs this often, a little more
#: often than the figures expire: the usual pages never find the cache empty.
WARM_EVERY_SECONDS = 9 * 60
_WARMING = "pilotage:warming"
_KEY = "pilotage:v1:"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Computed:
    board: Dashboard
    at: datetime


def _key(scope: Scope) -> str:
    offices = "all" if scope.offices is None else ",".join(map(str, sorted(scope.offices)))
    text = repr((scope.period, scope.today, offices, scope.filters))
    return _KEY + hashlib.sha256(text.encode()).hexdigest()


def computed_dashboard(scope: Scope, *, fresh: bool = False) -> Computed:
    """The figures of ``scope`` from the cache if computed in the last minutes (unless
    ``fresh``); computed and kept otherwise. An unreachable cache only costs the time."""
    key = _key(scope)
    if not fresh:
        try:
            hit = cache.get(key)
        except Exception:  # the cache unreachable: compute now, the page still answers
            logger.warning("Pilotage: the cache is unreachable")
            hit = None
        if isinstance(hit, Computed):
            return hit
    result = Computed(dashboard(scope), timezone.now())
    try:
        cache.set(key, result, FRESH_SECONDS)
    except Exception:
        logger.warning("Pilotage: the cache is unreachable")
    return result


def usual_periods(today: date) -> list[Period]:
    """The periods people usually look at: this year, last year, this quarter, this
    month."""
    return [
        periods.year(today.year),
        periods.year(today.year - 1),
        periods.quarter(today.year, (today.month - 1) // 3 + 1),
        periods.month(today.year, today.month),
    ]


def usual_scopes(today: date) -> list[Scope]:
    """The scopes the dashboard is usually asked for, without filters but the office: the
    whole centre and each office as a coordinator chooses it, and each set of offices a
    caseworker sees (their own dashboard), for each usual period."""
    offices = list(Office.objects.order_by("id").values_list("id", flat=True))
    caseworkers = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=GROUP_NAMES[Role.CASEWORKER])
        .distinct()
        .prefetch_related("groups", "offices")
    )
    office_sets: set[frozenset[int]] = set()
    for user in caseworkers:
        if not user.sees_all_offices:
            office_sets.add(frozenset(office.pk for office in user.offices.all()))
    found: list[Scope] = []
    for period in usual_periods(today):
        found.append(Scope(period=period, today=today))
        found.extend(
            Scope(period=period, today=today, filters=Filters(office=office)) for office in offices
        )
        found.extend(
            Scope(period=period, today=today, offices=chosen)
            for chosen in sorted(office_sets, key=sorted)
        )
    return found


def warm(today: date | None = None) -> int:
    """Compute the usual scopes' figures and keep them (as « Recalculer » does), so the
    usual pages are answered from the cache; returns how many were computed. One run at a
    time: a run still going when the next is due makes that one return at once."""
    today = today or timezone.localdate()
    try:
        if not cache.add(_WARMING, True, WARM_EVERY_SECONDS):
            return 0
    except Exception:
        logger.warning("Pilotage: the cache is unreachable, nothing to warm")
        return 0
    started = time.monotonic()
    try:
        scopes = usual_scopes(today)
        for scope in scopes:
            computed_dashboard(scope, fresh=True)
    finally:
        cache.delete(_WARMING)
    logger.info(
        "Pilotage: %d dashboards computed in %.1f s", len(scopes), time.monotonic() - started
    )
    return len(scopes)
