"""The usual dashboards computed ahead (``reporting.tasks.warm_dashboards``, run by beat):
a coordinator and a caseworker opening them get the figures at once, the same figures
« Recalculer » gives."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cainamur.models import User
from offices.models import Office
from reporting import cache, periods, tasks
from reporting.scope import Filters, Scope
from tests.reporting.conftest import World

URL = "/pilotage/"


def test_the_usual_scopes_cover_each_period_office_and_caseworker(
    world: World, caseworker: User, outsider: User, namur: Office, dinant: Office
) -> None:
    today = date(2026, 12, 1)
    scopes = cache.usual_scopes(today)
    chosen = {(scope.period, scope.offices, scope.filters) for scope in scopes}
    for period in (
        periods.year(2026),
        periods.year(2025),
        periods.quarter(2026, 4),
        periods.month(2026, 12),
    ):
        assert (period, None, Filters()) in chosen
        for office in (namur, dinant):
            assert (period, None, Filters(office=office.pk)) in chosen
        for user in (caseworker, outsider):
            assert (period, user.office_ids, Filters()) in chosen
    assert len(chosen) == len(scopes)


def test_a_warmed_dashboard_opens_without_computing(
    world: World, login_client: Any, coordinator: User, caseworker: User
) -> None:
    assert tasks.warm_dashboards() == len(cache.usual_scopes(timezone.localdate()))
    year = {"periode": "annee", "annee": str(timezone.localdate().year)}
    for user in (coordinator, caseworker):
        client = login_client(user)
        with CaptureQueriesContext(connection) as warmed:
            response = client.get(URL, year)
        assert response.status_code == 200
        computing = [q["sql"] for q in warmed.captured_queries if "GROUPING SETS" in q["sql"]]
        assert computing == [], "the figures came from the cache"
        fresh = client.get(URL, {**year, "recalculer": "1"})
        assert _figures(response.content.decode()) == _figures(fresh.content.decode())


def test_a_run_still_going_is_not_started_twice(world: World) -> None:
    from django.core.cache import cache as store

    store.add("pilotage:warming", True, 60)
    assert cache.warm(date(2026, 12, 1)) == 0
    store.delete("pilotage:warming")
    scope = Scope(period=periods.year(2026), today=date(2026, 12, 1))
    assert cache.warm(date(2026, 12, 1)) > 0
    assert cache.computed_dashboard(scope).board.headline


def _figures(text: str) -> str:
    """The page from its first figure on, without the time the figures were computed."""
    start = text.index('data-testid="computed-at"')
    text = text[:start] + text[text.index("</span>", start) :]
    text = text[text.index('data-testid="small-cell-note"') :]
    return re.sub(r"(chart|hatch)-\d+", "id", text)  # the charts' ids count those drawn
