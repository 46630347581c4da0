"""The summaries the dashboard reads: the hours (``reporting.HoursSummary``) for a whole
month, quarter or year, each file's facts with the stages it has reached (the funnel,
``reporting.FileFacts``) and the appointments per day (``reporting.AppointmentDay``).
Database triggers keep them equal to their tables through every write (one row, bulk
inserts, bulk updates and deletes, past the append-only guard too, an axis's operator
changed, a path moved to another file, a file moved, assessed again or deleted), and the
nightly rebuild repairs a drift. Checked against figures made here from the ledger's
lines, the files, their assessments, paths and attestations."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pgtrigger
import psycopg2
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from appointments.models import Appointment, Seat
from attestations.models import Attestation
from beneficiaries.models import Beneficiary
from cainamur.models import User
from offices.models import Office
from parcours.models import (
    Axis,
    Convention,
    FrenchLevel,
    HoursEntry,
    ObligationAssessment,
    Parcours,
    WelcomeModule,
)
from parcours.services import axis_set_operator, obligation_assess, parcours_open
from reporting import indicators, periods, summaries, tasks
from reporting.models import AppointmentDay, FileFacts, HoursSummary
from reporting.periods import Period
from reporting.scope import Filters, Scope
from tests.factories import BeneficiaryFactory, obliged_file
from tests.reporting.conftest import World

GUARD = "parcours.HoursEntry:hours_ledger_append_only"


def _starts(day: date) -> dict[str, date]:
    return {
        "M": day.replace(day=1),
        "Q": date(day.year, 3 * ((day.month - 1) // 3) + 1, 1),
        "Y": date(day.year, 1, 1),
    }


def expected_summary() -> dict[tuple[int, str, date], tuple[str, str, int, Decimal, int]]:
    """The summary as the ledger's lines make it, added up here line by line."""
    found: dict[tuple[int, str, date], list[Any]] = {}
    for line in HoursEntry.objects.select_related("axis__parcours"):
        axis = line.axis
        for grain, start in _starts(line.on).items():
            row = found.setdefault(
                (axis.pk, grain, start),
                [axis.kind, axis.operator, axis.parcours.beneficiary_id, Decimal(0), 0],
            )
            row[3] += line.hours
            row[4] += 1
    return {key: tuple(row) for key, row in found.items()}


def stored_summary() -> dict[tuple[int, str, date], tuple[str, str, int, Decimal, int]]:
    return {
        (row.axis, row.grain, row.start): (row.kind, row.operator, row.person, row.hours, row.lines)
        for row in HoursSummary.objects.all()
    }


def ledger_hours(period: Period, files: set[int] | None = None) -> dict[str, Any]:
    """The dashboard's hours figures counted here from the ledger's lines: per axis kind
    and operator the hours and the people, per kind the people."""
    hours: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    people: dict[tuple[str, str], set[int]] = defaultdict(set)
    per_kind: dict[str, set[int]] = defaultdict(set)
    for line in HoursEntry.objects.select_related("axis__parcours"):
        person = line.axis.parcours.beneficiary_id
        if not period.start <= line.on <= period.end or (files is not None and person not in files):
            continue
        key = (line.axis.kind, line.axis.operator)
        hours[key] += line.hours
        people[key].add(person)
        per_kind[line.axis.kind].add(person)
    return {
        "hours": {key: (value, len(people[key])) for key, value in hours.items()},
        "people": {kind: len(who) for kind, who in per_kind.items()},
    }


def dashboard_hours(scope: Scope) -> dict[str, Any]:
    figures = indicators.path_figures(scope)
    return {
        "hours": {
            (row["kind"], row["operator"]): (row["hours"], row["people"])
            for row in figures["hours"]
        },
        "people": figures["hours_people"],
    }


def _axis(world: World, key: str, kind: str = "french") -> Axis:
    return world.paths[key].axes.get(kind=kind)


def test_the_summary_follows_every_write_of_the_ledger(world: World, caseworker: User) -> None:
    assert HoursSummary.objects.exists()
    assert stored_summary() == expected_summary()
    french = _axis(world, "running")

    # One line, a line in another quarter, bulk lines.
    HoursEntry.objects.create(axis=french, on=date(2026, 7, 6), hours=Decimal("3.5"))
    HoursEntry.objects.bulk_create(
        HoursEntry(axis=french, on=date(2026, 10, 5) + timedelta(days=i), hours=Decimal("2"))
        for i in range(5)
    )
    assert stored_summary() == expected_summary()

    # Past the append-only guard (as anonymisation and retention may): bulk update, delete.
    with pgtrigger.ignore(GUARD):
        HoursEntry.objects.filter(axis=french, on__gte=date(2026, 10, 1)).update(
            hours=Decimal("1.25")
        )
        assert stored_summary() == expected_summary()
        HoursEntry.objects.filter(axis=french, on=date(2026, 10, 7)).update(on=date(2025, 12, 31))
        assert stored_summary() == expected_summary()
        HoursEntry.objects.filter(axis=french, on__gte=date(2026, 7, 1)).delete()
        assert stored_summary() == expected_summary()
        HoursEntry.objects.filter(axis=french).delete()  # no line left: no row left
    assert stored_summary() == expected_summary()
    assert not HoursSummary.objects.filter(axis=french.pk).exists()


def test_the_summary_follows_the_axis_and_the_path(
    world: World, caseworker: User, coordinator: User
) -> None:
    french = _axis(world, "running")
    axis_set_operator(axis=french, operator="Alpha Namur", by=caseworker)
    assert stored_summary() == expected_summary()
    Axis.objects.filter(pk=french.pk).update(operator="")  # a bulk write
    assert stored_summary() == expected_summary()
    other: Any = BeneficiaryFactory()
    Parcours.objects.filter(pk=world.paths["running"].pk).update(beneficiary=other)
    assert stored_summary() == expected_summary()
    assert set(HoursSummary.objects.filter(axis=french.pk).values_list("person", flat=True)) == {
        other.pk
    }


def test_the_nightly_rebuild_repairs_a_drift(world: World) -> None:
    right = stored_summary()
    assert right == expected_summary()
    HoursSummary.objects.filter(grain="Y").update(hours=Decimal("999"))
    HoursSummary.objects.filter(grain="M").first().delete()  # type: ignore[union-attr]
    HoursSummary.objects.create(
        axis=0, grain="Y", start=date(2026, 1, 1), kind="french", person=0, hours=1, lines=1
    )
    assert stored_summary() != right
    tasks.rebuild_summaries()
    assert stored_summary() == right


def test_the_dashboard_hours_equal_the_ledger(
    world: World, caseworker: User, namur: Office
) -> None:
    today = timezone.localdate()
    # More lines, across months, quarters and years, on several axes and files.
    french = _axis(world, "running")
    HoursEntry.objects.create(axis=french, on=date(2026, 7, 6), hours=Decimal("3.5"))
    HoursEntry.objects.bulk_create(
        HoursEntry(axis=french, on=date(2026, 9, 28) + timedelta(days=i), hours=Decimal("2"))
        for i in range(6)
    )
    chosen = [
        periods.year(2026),
        periods.year(2025),
        periods.quarter(2026, 2),
        periods.quarter(2026, 3),
        periods.month(2026, 6),
        periods.month(2026, 10),
        Period(date(2026, 7, 1), date(2026, 9, 30)),  # dates that are a whole quarter
        Period(date(2026, 6, 5), date(2026, 10, 1)),  # dates of no month: the ledger
    ]
    in_namur = set(Beneficiary.objects.filter(office=namur).values_list("pk", flat=True))
    for period in chosen:
        assert dashboard_hours(Scope(period=period, today=today)) == ledger_hours(period)
        scope = Scope(period=period, today=today, filters=Filters(office=namur.pk))
        expected = ledger_hours(period, files=in_namur)
        assert dashboard_hours(scope) == expected
    # The checks counted something: hours this year, in Namur too.
    assert ledger_hours(periods.year(2026), files=in_namur)["hours"]


# --- Each file's facts and the stages it has reached (the funnel) ----------------------

Facts = tuple[Any, ...]


def expected_facts() -> dict[int, Facts]:
    """Each file's facts as the file, its latest assessment, its paths and attestations
    make them, looked at here one object at a time."""
    reach: dict[int, list[bool]] = defaultdict(lambda: [False] * 4)
    for path in Parcours.objects.select_related("welcome"):
        reach[path.beneficiary_id][0] = True
        module = getattr(path, "welcome", None)
        if module is not None and module.is_complete:
            reach[path.beneficiary_id][1] = True
    for person in Convention.objects.values_list("parcours__beneficiary_id", flat=True):
        reach[person][2] = True
    for attestation in Attestation.objects.all():
        if attestation.replaces_id is None:
            reach[attestation.beneficiary_id][3] = True
    reasons: dict[int, list[str]] = {}
    for assessment in ObligationAssessment.objects.order_by("id"):
        reasons[assessment.beneficiary_id] = list(assessment.reasons)
    return {
        file.pk: (
            file.office_id,
            file.commune_id,
            file.caseworker_id,
            file.sex,
            str(file.nationality),
            file.birth_date,
            file.created_at,
            file.presented_on,
            file.presentation_deadline,
            file.obligation_status,
            reasons.get(file.pk, []),
            *reach[file.pk],
        )
        for file in Beneficiary.objects.all()
    }


def stored_facts() -> dict[int, Facts]:
    return {
        row.pk: (
            row.office_id,
            row.commune_id,
            row.caseworker_id,
            row.sex,
            row.nationality,
            row.birth_date,
            row.created_at,
            row.presented_on,
            row.presentation_deadline,
            row.obligation_status,
            row.exemption_reasons,
            row.path,
            row.welcome,
            row.convention,
            row.attestation,
        )
        for row in FileFacts.objects.all()
    }


def test_the_facts_follow_every_write_of_the_stages(world: World, caseworker: User) -> None:
    assert stored_facts() == expected_facts()
    assert any(facts[-1] for facts in stored_facts().values())  # the world has attestations

    # A path opened from the screen, its welcome module completed then undone in bulk.
    newcomer = obliged_file(caseworker)
    path = parcours_open(beneficiary=newcomer, by=caseworker, on=date(2026, 11, 2))
    assert stored_facts()[newcomer.pk][-4:] == (True, False, False, False)
    modules = WelcomeModule.objects.filter(parcours=path)
    modules.update(
        social_assessment_on=date(2026, 11, 3),
        rights_duties_on=date(2026, 11, 4),
        french_level=FrenchLevel.NOT_NEEDED,
    )
    assert stored_facts()[newcomer.pk][-4:] == (True, True, False, False)
    modules.update(french_level=FrenchLevel.BELOW_A1)
    assert stored_facts() == expected_facts()

    # Conventions deleted in bulk, a path moved to another file, a path deleted.
    signed = world.paths["running"]
    Convention.objects.filter(parcours=signed).delete()
    assert stored_facts() == expected_facts()
    Parcours.objects.filter(pk=signed.pk).update(beneficiary=BeneficiaryFactory())
    assert stored_facts() == expected_facts()
    WelcomeModule.objects.filter(parcours=path).delete()
    Parcours.objects.filter(pk=path.pk).delete()
    assert stored_facts() == expected_facts()


def test_the_facts_follow_every_write_of_the_file(
    world: World, caseworker: User, namur: Office
) -> None:
    # A file registered, then moved, corrected in bulk, assessed again: exempt as a
    # minor (the reasons of its latest assessment); another one deleted.
    file = BeneficiaryFactory(
        office=namur,
        sex="F",
        first_registration_on=date(2026, 1, 12),
        permit_ordered_on=date(2026, 1, 20),
    )
    assert stored_facts() == expected_facts()
    other = Office.objects.exclude(pk=namur.pk).first()
    assert other is not None
    file.office = other
    file.caseworker = caseworker
    file.save()
    Beneficiary.objects.filter(pk=file.pk).update(
        presented_on=date(2026, 3, 2), sex="M", birth_date=date(2012, 5, 1)
    )
    assert stored_facts()[file.pk][:4] == (other.pk, file.commune_id, caseworker.pk, "M")
    file.refresh_from_db()
    obligation_assess(beneficiary=file, by=caseworker, trigger="test")
    facts = stored_facts()[file.pk]
    assert facts[9] == "exempt" and facts[10] == ["under_18"]
    assert stored_facts() == expected_facts()
    # An assessment corrected in SQL, one deleted: the latest left decides.
    ObligationAssessment.objects.filter(beneficiary=file).update(reasons=["65_or_over"])
    assert stored_facts()[file.pk][10] == ["65_or_over"]
    ObligationAssessment.objects.filter(beneficiary=file).delete()
    assert stored_facts()[file.pk][10] == []
    gone = BeneficiaryFactory()  # a file typed twice, deleted (nothing recorded on it yet)
    assert gone.pk in stored_facts()
    gone.delete()
    assert gone.pk not in stored_facts()
    assert stored_facts() == expected_facts()


def test_the_nightly_rebuild_repairs_the_facts(world: World) -> None:
    right = stored_facts()
    FileFacts.objects.filter(attestation=True).update(attestation=False, path=False)
    FileFacts.objects.filter(pk=min(right)).delete()
    FileFacts.objects.filter(pk=max(right)).update(sex="X", exemption_reasons=["medical"])
    assert stored_facts() != right
    tasks.rebuild_summaries()
    assert stored_facts() == right == expected_facts()


def test_the_funnel_counts_the_cohort_from_the_facts(world: World, namur: Office) -> None:
    today = timezone.localdate()
    attested = 0
    facts = expected_facts()
    for period in (periods.year(2026), periods.quarter(2026, 1), periods.year(2025)):
        for filters in (Filters(), Filters(office=namur.pk)):
            scope = Scope(period=period, today=today, filters=filters)
            cohort = list(indicators.received_files(scope, ""))
            expected = {"received": len(cohort)} | {
                stage: sum(1 for file in cohort if facts[file.pk][11 + i])
                for i, stage in enumerate(("path", "welcome", "convention", "attestation"))
            }
            files = indicators.file_figures(scope)
            assert indicators.funnel_figures(files) == expected
            attested += expected["attestation"]
    assert attested  # the checks counted something


# --- Appointments per day ----------------------------------------------------------------


def expected_days() -> dict[tuple[date, int, int, str, str], int]:
    """The individual appointments with a file, counted here one by one."""
    found: dict[tuple[date, int, int, str, str], int] = defaultdict(int)
    for appointment in Appointment.objects.filter(beneficiary__isnull=False).select_related(
        "beneficiary"
    ):
        day = timezone.localtime(appointment.during.lower).date()
        office = appointment.beneficiary.office_id  # type: ignore[union-attr]
        found[
            (
                day,
                office,
                appointment.type_id,
                appointment.interpreter_language,
                appointment.status,
            )
        ] += 1
    return dict(found)


def stored_days() -> dict[tuple[date, int, int, str, str], int]:
    return {
        (row.day, row.office, row.type, row.interpreter_language, row.status): row.appointments
        for row in AppointmentDay.objects.all()
    }


def test_the_appointment_counts_follow_every_write(
    world: World, caseworker: User, dinant: Office
) -> None:
    assert stored_days() and stored_days() == expected_days()
    first = Appointment.objects.filter(beneficiary__isnull=False).order_by("pk").first()
    assert first is not None
    # Bulk writes: statuses, a start moved (days later), a language, a file moved to
    # another office, an appointment deleted.
    Appointment.objects.filter(pk=first.pk).update(status=Appointment.Status.CANCELLED)
    assert stored_days() == expected_days()
    Appointment.objects.filter(beneficiary__isnull=False).update(interpreter_language="ar")
    assert stored_days() == expected_days()
    lower, upper = first.during.lower, first.during.upper
    shift = timedelta(days=400)
    Appointment.objects.filter(pk=first.pk).update(
        during=DateTimeTZRange(lower + shift, upper + shift)
    )
    assert stored_days() == expected_days()
    assert first.beneficiary_id is not None
    Beneficiary.objects.filter(pk=first.beneficiary_id).update(office=dinant)
    assert stored_days() == expected_days()
    Appointment.objects.filter(pk=first.pk).delete()
    assert stored_days() == expected_days()


def test_the_nightly_rebuild_repairs_the_appointment_counts(world: World) -> None:
    right = stored_days()
    AppointmentDay.objects.update(appointments=7)
    assert stored_days() != right
    tasks.rebuild_summaries()
    assert stored_days() == right == expected_days()


def test_the_appointment_figures_from_the_counts_equal_the_appointments(
    world: World, namur: Office, caseworker: User
) -> None:
    today = timezone.localdate()
    held = 0
    for period in (periods.year(2026), periods.month(2026, 2), periods.year(2025)):
        for scope in (
            Scope(period=period, today=today),
            Scope(period=period, today=today, filters=Filters(office=namur.pk)),
            Scope(period=period, today=today, offices=caseworker.office_ids),
        ):
            by_type = indicators.appointment_figures(scope)["by_type"]
            assert by_type == _raw_by_type(scope)
            held += sum(outcomes["held"] for outcomes in by_type.values())
    assert held  # the checks counted something


def _raw_by_type(scope: Scope) -> dict[int, dict[str, int]]:
    """Per type, each outcome, counted here from the appointments and the seats."""
    lo, hi = scope.period.bounds()
    offices = scope.office_ids
    found: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(("held", "no_show", "missed", "cancelled"), 0)
    )
    outcome_of = {
        "arrived": "held",
        "done": "held",
        "no_show": "no_show",
        "missed": "missed",
        "cancelled": "cancelled",
    }
    for appointment in Appointment.objects.filter(beneficiary__isnull=False).select_related(
        "beneficiary"
    ):
        if not lo <= appointment.during.lower < hi:
            continue
        if offices is not None and appointment.beneficiary.office_id not in offices:  # type: ignore[union-attr]
            continue
        if appointment.status in outcome_of:
            found[appointment.type_id][outcome_of[appointment.status]] += 1
        else:
            found[appointment.type_id]
    seat_outcome = {"arrived": "held", "no_show": "no_show", "cancelled": "cancelled"}
    for seat in Seat.objects.select_related("session", "beneficiary"):
        if not lo <= seat.session.during.lower < hi:
            continue
        if offices is not None and seat.beneficiary.office_id not in offices:
            continue
        found[seat.session.type_id]
        if seat.status in seat_outcome:
            found[seat.session.type_id][seat_outcome[seat.status]] += 1
    return dict(found)


@pytest.mark.django_db(transaction=True)
def test_the_nightly_rebuild_never_waits_holding_a_lock(
    reference_data: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A write under way on one of the tables (here a convention being signed): the
    rebuild takes nothing and tries again once it is committed, instead of waiting with
    other tables locked (which could deadlock with the write, and cancel it)."""
    writer = psycopg2.connect(**connection.get_connection_params())
    try:
        with writer.cursor() as cursor:
            cursor.execute("LOCK TABLE parcours_convention IN ROW EXCLUSIVE MODE")
        monkeypatch.setattr(summaries, "REBUILD_PAUSE", 0.2)
        done = threading.Timer(0.7, writer.commit)
        done.start()
        started = time.monotonic()
        with caplog.at_level(logging.INFO, logger="reporting.summaries"):
            summaries.rebuild()
        done.join()
        assert time.monotonic() - started >= 0.6  # it let the writer finish first
        assert "tables busy" in caplog.text and "summaries rebuilt" in caplog.text
    finally:
        writer.close()


@pytest.mark.django_db(transaction=True)
def test_a_module_written_while_its_path_moves_counts_for_the_new_file(
    reference_data: None, caseworker: User
) -> None:
    """One transaction moves a path to another file while another removes its completed
    welcome module: the second waits for the first, then counts the module's file as it
    is after the move (reading the path's file without waiting counted the old one)."""
    first, second = obliged_file(caseworker), obliged_file(caseworker)
    path = parcours_open(beneficiary=first, by=caseworker, on=date(2026, 11, 2))
    WelcomeModule.objects.filter(parcours=path).update(
        social_assessment_on=date(2026, 11, 3),
        rights_duties_on=date(2026, 11, 4),
        french_level=FrenchLevel.NOT_NEEDED,
    )
    assert stored_facts()[first.pk][-3] is True  # welcome
    mover = psycopg2.connect(**connection.get_connection_params())
    remover = psycopg2.connect(**connection.get_connection_params())
    try:
        with mover.cursor() as cursor:
            cursor.execute(
                "UPDATE parcours_parcours SET beneficiary_id = %s WHERE id = %s",
                [second.pk, path.pk],
            )

        def remove() -> None:
            with remover.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM parcours_welcomemodule WHERE parcours_id = %s", [path.pk]
                )
            remover.commit()

        removing = threading.Thread(target=remove)
        removing.start()
        removing.join(timeout=0.5)
        assert removing.is_alive()  # waiting for the move
        mover.commit()
        removing.join(timeout=10)
        assert not removing.is_alive()
    finally:
        mover.close()
        remover.close()
    assert stored_facts() == expected_facts()
    assert stored_facts()[second.pk][-3] is False and stored_facts()[first.pk][-4] is False
