"""Each figure of the dashboard against an independent count: every object loaded and
looked at in Python (tests/reporting/reference.py), never the same query. And each
figure's files (its drill-down) are exactly the files that count makes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from beneficiaries.models import Beneficiary
from cainamur.models import User
from parcours import rules
from reporting import periods
from reporting.indicators import (
    AXIS_LABELS,
    EXEMPTION_LABELS,
    Dashboard,
    Drill,
    dashboard,
    drill_files,
)
from reporting.scope import Filters, Scope
from tests.factories import obliged_file
from tests.reporting import reference
from tests.reporting.conftest import World

TODAY = date(2026, 12, 1)
YEAR = periods.year(2026)


def scope_of(user: User | None = None, period: periods.Period = YEAR, **filters: Any) -> Scope:
    offices = None if user is None or user.sees_all_offices else frozenset(user.office_ids)
    return Scope(period=period, today=TODAY, offices=offices, filters=Filters(**filters))


def figures(board: Dashboard) -> dict[str, Any]:
    """Each figure of the page by its drill-down key (``indicator:value``), first cell."""
    found: dict[str, Any] = {}
    for table in board.all_tables():
        for row in table.rows:
            for cell in row.cells:
                drill = cell.drill
                if drill is None or drill.period or drill.commune or drill.arrondissement:
                    continue
                key = f"{drill.indicator}:{drill.value}" if drill.value else drill.indicator
                found.setdefault(key, cell.value)
    return found


def files_of(scope: Scope, key: str) -> set[int]:
    indicator, _sep, value = key.partition(":")
    return set(drill_files(scope, Drill(indicator, value)).values_list("pk", flat=True))


def ids(world: World, *names: str) -> set[int]:
    return {world.files[name].pk for name in names}


def test_the_world_is_what_the_year_looks_like(world: World) -> None:
    """The reference count itself, read against what the fixture did: who came in 2026."""
    scope = scope_of()
    counted = reference.files_figures(scope)
    assert counted["received"] == ids(
        world,
        "done",
        "running",
        "abandoned",
        "transferred",
        "volunteer",
        "came_late",
        "walk_in",
        "dinant",
        "revoked",
    )
    assert world.files["old"].pk not in counted["opened"]
    assert counted["presentation:missed"] >= ids(world, "late", "came_late")
    assert counted["presentation:upcoming"] == ids(world, "due_soon")
    deadlines = reference.attestation_deadlines(scope)
    assert deadlines["attestation_deadline:met"] == ids(world, "deadline_met")
    assert deadlines["attestation_deadline:missed"] == ids(
        world, "deadline_missed", "deadline_extended"
    )


@pytest.mark.parametrize("who", ["coordinator", "caseworker", "outsider"])
def test_every_figure_matches_the_count_made_object_by_object(
    world: World, who: str, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(who)
    scope = scope_of(user)
    board = dashboard(scope)
    shown = figures(board)
    expected: dict[str, set[int]] = {}
    expected.update(reference.files_figures(scope))
    expected.update(reference.obligation(scope))
    counted_paths = reference.paths(scope)
    expected.update({k: v for k, v in counted_paths.items() if isinstance(v, set)})
    expected.update(reference.attestation_deadlines(scope))
    waits = reference.waits(scope)
    expected.update({k: v for k, v in waits.items() if isinstance(v, set)})
    meetings = reference.appointments(scope)
    expected.update({k: v for k, v in meetings.items() if isinstance(v, set)})

    # Figures that count files: the number shown, and the files behind it.
    file_counts = [
        "received",
        "opened",
        *(f"presentation:{o}" for o in ("met", "missed", "upcoming")),
        *(f"attestation_deadline:{o}" for o in ("met", "missed", "upcoming")),
        *(f"obligation:{s}" for s in (*rules.ASSESSMENT_STATUSES, "unassessed")),
        *(f"exemption:{reason}" for reason in EXEMPTION_LABELS),
        "welcome_completed",
        "conventions:first",
        "conventions:amendment",
        "suspended",
        *(f"paths_ended:{s}" for s in ("abandoned", "transferred", "exempted")),
        *(f"paths_opened:{k}" for k in ("obliged", "voluntary")),
        "attestations:obliged",
        "attestations:voluntary",
        "attestations:revoked",
    ]
    for key in file_counts:
        wanted = expected.get(key, set())
        assert shown[key] == len(wanted), (who, key, shown[key], wanted)
        assert files_of(scope, key) == wanted, (who, key)

    # Figures that count events: the number of events, and the files they concern.
    assert shown["paths_opened"] == counted_paths.get("count:paths_opened", 0)
    for recipient in ("commune", "cpas"):
        key = f"copies:{recipient}"
        assert shown[key] == counted_paths.get(f"count:{key}", 0), key
        assert files_of(scope, key) == expected.get(key, set()), key
    assert files_of(scope, "copies:pending") == expected.get("copies:pending", set())
    for kind in AXIS_LABELS:
        if kind == "social":
            continue
        assert shown.get(f"axes_completed:{kind}", 0) == counted_paths["axes_count"].get(kind, 0)
        assert files_of(scope, f"axes_completed:{kind}") == expected.get(
            f"axes_completed:{kind}", set()
        )
    counts = meetings["counts"]
    for outcome in ("held", "no_show", "missed", "cancelled"):
        assert shown[f"appointments:{outcome}"] == counts.get(outcome, 0), outcome
        assert files_of(scope, f"appointments:{outcome}") == expected.get(
            f"appointments:{outcome}", set()
        )
    for key, number in counts.items():
        if key.startswith("interpreter:"):
            assert shown[key] == number, key
            assert files_of(scope, key) == expected[key]

    # Hours per axis and operator: sums of the ledger, and the people they concern.
    hours_rows = next(t for t in board.all_tables() if t.key == "heures").rows
    sums = counted_paths["hours_sum"]
    for row in hours_rows:
        hours, people = row.cells[0], row.cells[1]
        if hours.drill is None:
            continue
        value = hours.drill.value
        kind, _bar, operator = value.partition("|")
        expected_hours = (
            sums.get((kind, operator), Decimal(0))
            if "|" in value
            else sum((h for (k, _o), h in sums.items() if k == kind), Decimal(0))
        )
        assert hours.value == expected_hours, value
        assert people.value == len(expected.get(f"hours:{value}", set())), value
        assert files_of(scope, f"hours:{value}") == expected.get(f"hours:{value}", set())

    # Waiting lists: people, and days (to the minute: « now » moves while counting).
    waiting_rows = next(t for t in board.all_tables() if t.key == "attente").rows
    for row in waiting_rows:
        people, days = row.cells
        value = people.drill.value if people.drill else ""
        assert people.value == len(expected[f"waiting:{value}"]), value
        assert files_of(scope, f"waiting:{value}") == expected[f"waiting:{value}"]
        axis, _bar, operator = value.partition("|")
        waited = sum(
            d
            for (a, o), d in waits["days"].items()
            if a == axis and (not operator or o == operator)
        )
        assert days.value == round(waited), value

    # Walk-ins and call-backs, counted by office.
    desk = reference.desk(scope)
    for key, number in desk["counts"].items():
        assert shown.get(key, 0) == number, key
    for key in ("permanence:cv", "permanence:left", "callbacks:received", "callbacks:done"):
        assert shown.get(key, 0) == desk["counts"].get(key, 0), key

    # The funnel: the cohort received in the period, and how far each went.
    cohort = expected["received"]
    assert shown["funnel:received"] == len(cohort)
    assert files_of(scope, "funnel:attestation") == {
        pk
        for pk in cohort
        if Beneficiary.objects.get(pk=pk).attestations.filter(replaces__isnull=True).exists()
    }


def test_a_caseworker_never_counts_nor_lists_another_office(
    world: World, caseworker: User, coordinator: User
) -> None:
    dinant_file = world.files["dinant"].pk
    mine, everyone = scope_of(caseworker), scope_of(coordinator)
    assert figures(dashboard(mine))["received"] == figures(dashboard(everyone))["received"] - 1
    for key in ("received", "opened", "paths_opened", "obligation:obliged", "funnel:path"):
        assert dinant_file in files_of(everyone, key), key
        assert dinant_file not in files_of(mine, key), key
    # Choosing Dinant as the office does not widen a Namur caseworker's scope.
    dinant_office = world.files["dinant"].office_id
    closed = scope_of(caseworker, office=dinant_office)
    assert figures(dashboard(closed))["received"] == 0
    assert files_of(closed, "received") == set()
    # Call-backs of Dinant are not counted for Namur.
    assert reference.desk(mine)["counts"]["callbacks:received"] == 2
    assert figures(dashboard(mine))["callbacks:received"] == 2


@pytest.mark.parametrize(
    "filters",
    [
        {"sex": "F"},
        {"nationality": "near_east"},
        {"nationality": "eu"},
        {"age_band": "36-45"},
        {"age_band": "65+"},
        {"regime": "2018"},
        {"regime": "voluntary"},
        {"arrondissement": "Namur"},
        {"arrondissement": "Dinant"},
    ],
)
def test_each_filter_against_the_files_it_keeps(
    world: World, coordinator: User, filters: dict[str, Any]
) -> None:
    scope = scope_of(coordinator, **filters)
    shown = figures(dashboard(scope))
    counted = reference.files_figures(scope)
    for key in ("received", "opened", "presentation:met", "presentation:missed"):
        assert shown[key] == len(counted.get(key, set())), (filters, key)
        assert files_of(scope, key) == counted.get(key, set()), (filters, key)
    desk = reference.desk(scope)["counts"]
    assert shown["callbacks:received"] == desk.get("callbacks:received", 0)


def test_the_commune_caseworker_and_office_filters(world: World, coordinator: User) -> None:
    done = world.files["done"]
    for filters in (
        {"commune": done.commune_id},
        {"caseworker": done.caseworker_id},
        {"office": world.files["dinant"].office_id},
    ):
        scope = scope_of(coordinator, **filters)
        counted = reference.files_figures(scope)
        assert files_of(scope, "received") == counted["received"], filters
        assert figures(dashboard(scope))["received"] == len(counted["received"])
    assert files_of(scope_of(coordinator, caseworker=done.caseworker_id), "received") >= {done.pk}


@pytest.mark.parametrize(
    "period",
    [
        periods.quarter(2026, 1),
        periods.quarter(2026, 2),
        periods.month(2026, 3),
        periods.year(2025),
        periods.Period(date(2025, 10, 1), date(2026, 3, 31)),
    ],
)
def test_other_periods(world: World, coordinator: User, period: periods.Period) -> None:
    scope = scope_of(coordinator, period)
    shown = figures(dashboard(scope))
    counted = reference.files_figures(scope)
    counted.update(reference.obligation(scope))
    counted.update(reference.paths(scope))
    for key in ("received", "opened", "obligation:unassessed", "conventions:first"):
        assert shown.get(key, 0) == len(counted.get(key, set())), (period, key)
        assert files_of(scope, key) == counted.get(key, set()), (period, key)
    if period.contains(date(2025, 11, 3)):
        assert world.files["old"].pk in files_of(scope, "received")


def test_the_monthly_series_adds_up_to_the_year(world: World, coordinator: User) -> None:
    board = dashboard(scope_of(coordinator))
    shown = figures(board)
    rows = board.series.rows
    assert [row.label for row in rows][:3] == ["janv.", "févr.", "mars"]
    assert sum(row.cells[0].value or 0 for row in rows) == shown["received"]
    assert sum(row.cells[1].value or 0 for row in rows) == shown["opened"]
    march = rows[2].cells[0]
    assert march.drill is not None and march.drill.period == periods.Period(
        date(2026, 3, 1), date(2026, 3, 31), periods.PeriodKind.MONTH
    )
    counted = reference.files_figures(scope_of(coordinator, march.drill.period))
    assert march.value == len(counted["received"])


def test_the_communes_add_up_and_list_every_commune(world: World, coordinator: User) -> None:
    board = dashboard(scope_of(coordinator))
    communes = [row for row in board.communes.rows if not row.total]
    assert len(communes) == 38
    assert sum(row.cells[0].value or 0 for row in communes) == figures(board)["received"]
    values = [row.cells[0].value for row in communes]
    assert values == sorted(values, reverse=True)


def test_the_dashboard_takes_the_same_few_queries_whatever_the_data(
    coordinator: User, db: None
) -> None:
    scope = scope_of(coordinator)
    with CaptureQueriesContext(connection) as empty:
        dashboard(scope)
    for _n in range(5):
        obliged_file(coordinator)
    with CaptureQueriesContext(connection) as full:
        dashboard(scope)
    assert len(full) == len(empty) <= 30, [q["sql"][:80] for q in full.captured_queries]


def test_the_year_as_a_coordinator_reads_it(world: World, coordinator: User) -> None:
    """What the fixture did, read on the dashboard (no figure of this test is zero by
    accident: each was made on purpose)."""
    board = dashboard(scope_of(coordinator))
    shown = figures(board)
    assert shown["received"] == 9
    assert shown["copies:commune"] >= 1 and shown["copies:cpas"] == 1
    assert shown["attestations:obliged"] == 3 and shown["attestations:voluntary"] == 1
    assert shown["attestations:revoked"] == 1
    assert shown["interpreter:ar"] == 1 and shown["interpreter:ps"] == 1
    assert shown["suspended"] == 1
    assert shown["paths_ended:abandoned"] == 1 and shown["paths_ended:transferred"] == 1
    assert shown["exemption:65_or_over"] >= 1 and shown["exemption:temporary_protection"] >= 1
    assert shown["obligation:incomplete"] >= 1
    assert shown["appointments:cancelled"] == 1 and shown["appointments:no_show"] == 2
    assert shown["permanence:cv"] == 1 and shown["permanence:job_search"] == 1
    assert shown["permanence:left"] == 1
    assert shown["callbacks:received"] == 3 and shown["callbacks:done"] == 2
    assert shown["attestation_deadline:met"] == 1 and shown["attestation_deadline:missed"] == 2
    hours_table = next(t for t in board.all_tables() if t.key == "heures")
    hours = {row.label: row.cells[0].value for row in hours_table.rows}
    assert hours["Lire et Écrire Namur"] == Decimal("48.00")  # 50 h, then a 2 h correction
    waiting = next(t for t in board.all_tables() if t.key == "attente").rows
    assert waiting[0].cells[0].value == 1
    assert waiting[0].cells[1].value >= (TODAY - date(2026, 10, 1)).days - 1
