"""Realistic volumes around the demo files, for the page benchmark (``bench.pages``).

``seed_demo --beneficiaries N`` loads the files; :func:`load` adds, in proportion to N
(the figures for 100,000 files): 200 staff members in eight offices, each caseworker and
receptionist with a desk of their own; 80,000 paths (welcome modules, conventions, axes,
evaluations), 400,000 lines of hours ledger, 1,000,000 appointments over five years
(mostly past, the next weeks filling up, a weekly group session per office with its
seats), 20,000 attestations with their copies to communes and CPAS (a few failed or
waiting for an address), the audit lines of all that, and a catalogue of partner offers.

Everything is written with COPY in a few minutes; rows go round the services on purpose
(no history event, no message sent), but they respect every constraint of the database
(one open path per file, no double booking of a person, a staff member or a room).
"""

from __future__ import annotations

import random
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import Any

import pgtrigger
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from appointments.models import Appointment, AppointmentType, Seat
from attestations.models import Attestation, AttestationCounter
from beneficiaries.models import Beneficiary, Commune
from cainamur.lib.localtime import local
from cainamur.models import AuditEvent, User
from cainamur.roles import GROUP_NAMES, Role
from demo.bulk import copy_dicts
from offices.holidays import public_holidays
from offices.models import Office, OpeningHours, Room, StaffAvailability
from operators.models import Offer, Operator
from outbox.models import Dispatch
from parcours import path_rules
from parcours.models import (
    Axis,
    AxisKind,
    Convention,
    Evaluation,
    HoursEntry,
    Parcours,
    WelcomeModule,
)
from parcours.rules import add_months
from reporting import summaries

# Per 100,000 files.
STAFF = 200
PATHS = 80_000
HOURS_LINES = 400_000
APPOINTMENTS = 1_000_000
ATTESTATIONS = 20_000
OPERATORS = 30
YEARS = 5
FUTURE_DAYS = 90
BATCH = 100_000
#: Share of the paths that are obliged people's (the rest: volunteers).
OBLIGED_SHARE = 0.8

# Share of the staff by role (the rest are administrators).
CASEWORKER_SHARE = 0.72
RECEPTION_SHARE = 0.2
COORDINATOR_SHARE = 0.06

# Statuses of the paths, oldest files first (a path needs time to reach its attestation).
PATH_STATUSES = (
    (Parcours.Status.ATTESTATION_ISSUED, 0.2375),
    (Parcours.Status.COMPLETED, 0.04),
    (Parcours.Status.ABANDONED, 0.03),
    (Parcours.Status.TRANSFERRED, 0.01),
    (Parcours.Status.IN_PROGRESS, 0.44),
    (Parcours.Status.SUSPENDED, 0.0225),
    (Parcours.Status.CONVENTION_SIGNED, 0.08),
    (Parcours.Status.WELCOME, 0.14),
)
CLOSED = {
    Parcours.Status.ATTESTATION_ISSUED,
    Parcours.Status.ABANDONED,
    Parcours.Status.TRANSFERRED,
}
SIGNED = {
    Parcours.Status.ATTESTATION_ISSUED,
    Parcours.Status.COMPLETED,
    Parcours.Status.ABANDONED,
    Parcours.Status.TRANSFERRED,
    Parcours.Status.IN_PROGRESS,
    Parcours.Status.SUSPENDED,
    Parcours.Status.CONVENTION_SIGNED,
}
DONE_AXES = {Parcours.Status.ATTESTATION_ISSUED, Parcours.Status.COMPLETED}

FIRST_NAMES = (
    "Anne", "Benoît", "Camille", "David", "Élise", "François", "Géraldine", "Hugo", "Isabelle",
    "Julien", "Karima", "Laurent", "Marie", "Nicolas", "Olivia", "Pascal", "Quentin", "Rachida",
    "Sophie", "Thomas", "Valérie", "William", "Yasmine", "Zoé",
)  # fmt: skip
LAST_NAMES = (
    "Lambert", "Dupont", "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems",
    "Claes", "Goossens", "Wouters", "De Smet", "Dubois", "Leroy", "Renard", "Lejeune",
    "Collard", "Gilson", "Hubert", "Mathieu", "Piette", "Thiry", "Wauthier", "Delvaux",
)  # fmt: skip


def load(*, rng: random.Random, out: Any = None) -> dict[str, int]:
    """Add the volumes to a database seeded by ``seed_demo``; returns the row counts."""
    files = Beneficiary.objects.count()
    scale = files / 100_000
    today = timezone.localdate()
    counts: dict[str, int] = {}

    def step(name: str, started: float) -> None:
        if out is not None:
            out.write(f"  {name}: {counts.get(name, 0)} ({time.monotonic() - started:.1f} s)\n")

    with _summaries_paused():
        _bulk_rows(rng, today, scale, counts, step)

    with transaction.atomic():
        counts["offers"] = _offers(rng)

    started = time.monotonic()
    with connection.cursor() as cursor:
        # The state autovacuum reaches after a bulk load: statistics and visibility maps
        # (index-only scans) up to date.
        cursor.execute("VACUUM ANALYZE")
    counts["vacuum_seconds"] = round(time.monotonic() - started)
    return counts


@contextmanager
def _summaries_paused() -> Iterator[None]:
    """The pilotage's summaries are not kept row by row during the load (their triggers
    disabled: a trigger per row of a COPY of 60,000 conventions into tables without
    statistics took more than ten minutes), then rebuilt in one go, as each night."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND t.tgname LIKE 'reporting%'"
        )
        triggers = cursor.fetchall()

    def switch(state: str) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for table, name in triggers:
                cursor.execute(f'ALTER TABLE "{table}" {state} TRIGGER "{name}"')

    switch("DISABLE")
    try:
        yield
    finally:
        switch("ENABLE")
    summaries.rebuild()


def _bulk_rows(
    rng: random.Random,
    today: date,
    scale: float,
    counts: dict[str, int],
    step: Callable[[str, float], None],
) -> None:
    started = time.monotonic()
    with transaction.atomic():
        _fast_commit()
        staff = _staff(max(24, round(STAFF * scale)), rng)
        counts["staff"] = User.objects.count()
    step("staff", started)

    started = time.monotonic()
    with transaction.atomic():
        _fast_commit()
        _spread_files(staff, today)
    step("files", started)

    started = time.monotonic()
    with transaction.atomic():
        _fast_commit()
        counts.update(_paths(round(PATHS * scale), round(HOURS_LINES * scale), staff, rng, today))
    step("paths", started)

    started = time.monotonic()
    with transaction.atomic():
        _fast_commit()
        counts.update(_attestations(round(ATTESTATIONS * scale), staff, rng, today))
    step("attestations", started)

    started = time.monotonic()
    with transaction.atomic():
        _fast_commit()
        counts.update(_appointments(round(APPOINTMENTS * scale), staff, rng, today))
    step("appointments", started)


def _fast_commit() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


# --- Staff --------------------------------------------------------------------------------


class Staff:
    """Who works where: caseworkers and receptionists per office (with their desk)."""

    def __init__(self) -> None:
        self.caseworkers: dict[int, list[int]] = defaultdict(list)
        self.reception: dict[int, list[int]] = defaultdict(list)
        self.desk: dict[tuple[int, int], int] = {}
        #: (staff, weekday) → the office where they hold appointments that day.
        self.where: dict[tuple[int, int], int] = {}
        self.coordinators: list[int] = []

    def everyone_at(self, office_id: int) -> list[int]:
        return self.caseworkers[office_id] + self.reception[office_id]


def _staff(total: int, rng: random.Random) -> Staff:
    offices = list(Office.objects.order_by("id"))
    weights = _office_weights()
    groups = {role: Group.objects.get(name=GROUP_NAMES[role]) for role in Role}
    existing = User.objects.count()
    wanted = max(0, total - existing)
    plan: list[tuple[Role, Office | None]] = []
    coordinators = max(1, round(COORDINATOR_SHARE * wanted))
    admins = max(1, wanted - coordinators - round((CASEWORKER_SHARE + RECEPTION_SHARE) * wanted))
    per_office = wanted - coordinators - admins
    for office in offices:
        share = round(per_office * weights[office.pk])
        caseworkers = max(1, round(share * CASEWORKER_SHARE / (CASEWORKER_SHARE + RECEPTION_SHARE)))
        plan += [(Role.CASEWORKER, office)] * caseworkers
        plan += [(Role.RECEPTION, office)] * max(1, share - caseworkers)
    plan += [(Role.COORDINATOR, None)] * coordinators + [(Role.ADMINISTRATOR, None)] * admins
    users = []
    for n, (role, home) in enumerate(plan):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        username = f"banc.{role.value[:5]}.{home.code if home else 'cai'}.{n:03d}"
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@banc.cainamur.be",
            is_staff=role == Role.ADMINISTRATOR,
        )
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="banc.").order_by("id"))
    memberships = []
    offices_of = []
    for user, (role, home) in zip(users, plan, strict=True):
        memberships.append(User.groups.through(user_id=user.pk, group_id=groups[role].pk))
        if home is not None:
            offices_of.append(User.offices.through(user_id=user.pk, office_id=home.pk))
    User.groups.through.objects.bulk_create(memberships)
    User.offices.through.objects.bulk_create(offices_of)

    staff = Staff()
    for user_id, office_id, group in User.objects.filter(
        groups__name__in=[GROUP_NAMES[Role.CASEWORKER], GROUP_NAMES[Role.RECEPTION]],
        offices__isnull=False,
    ).values_list("id", "offices", "groups__name"):
        if group == GROUP_NAMES[Role.CASEWORKER]:
            staff.caseworkers[office_id].append(user_id)
        else:
            staff.reception[office_id].append(user_id)
    staff.coordinators = list(
        User.objects.filter(groups__name=GROUP_NAMES[Role.COORDINATOR]).values_list("id", flat=True)
    )
    # Present at their office during its reception hours, and at the main office the
    # other days (the smaller offices open one day a week); a desk of their own at each.
    hours = defaultdict(list)
    for office_id, weekday, opens, closes in OpeningHours.objects.filter(
        kind=OpeningHours.Kind.RECEPTION
    ).values_list("office_id", "weekday", "opens", "closes"):
        hours[office_id].append((weekday, opens, closes))
    main = next(o for o in offices if o.is_main)
    present = defaultdict(set)
    for staff_id, weekday in StaffAvailability.objects.values_list("staff_id", "weekday"):
        present[staff_id].add(weekday)
    availabilities = []
    for office in offices:
        for user_id in staff.everyone_at(office.pk):
            plan_days = [] if present[user_id] else hours[office.pk]
            covered = present[user_id] | {day for day, _o, _c in plan_days}
            availabilities += [
                StaffAvailability(
                    staff_id=user_id, office_id=where, weekday=day, starts=opens, ends=closes
                )
                for where, rows in ((office.pk, plan_days), (main.pk, hours[main.pk]))
                for day, opens, closes in rows
                if where == office.pk or day not in covered
            ]
            present[user_id] = covered | {day for day, _o, _c in hours[main.pk]}
    StaffAvailability.objects.bulk_create(availabilities)
    for staff_id, office_id, weekday in StaffAvailability.objects.values_list(
        "staff_id", "office_id", "weekday"
    ):
        staff.where.setdefault((staff_id, weekday), office_id)
    Room.objects.bulk_create(
        Room(office_id=office_id, name=f"Poste {staff_id}", capacity=2)
        for staff_id, office_id in sorted({(s, o) for (s, _d), o in staff.where.items()})
    )
    for room_id, office_id, name in Room.objects.filter(name__startswith="Poste ").values_list(
        "id", "office_id", "name"
    ):
        staff.desk[(int(name.split()[-1]), office_id)] = room_id
    return staff


def _office_weights() -> dict[int, float]:
    counts = _files_per_office()
    total = sum(counts.values()) or 1
    return {office_id: counts.get(office_id, 0) / total for office_id in _office_ids()}


def _files_per_office() -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT office_id, count(*) FROM beneficiaries_beneficiary GROUP BY office_id"
        )
        return dict(cursor.fetchall())


def _office_ids() -> list[int]:
    return list(Office.objects.order_by("id").values_list("id", flat=True))


def _spread_files(staff: Staff, today: date) -> None:
    """Each office's files shared among its caseworkers (the demo gave each office one);
    files opened over the years, not all in the instant of the load."""
    with pgtrigger.ignore("beneficiaries.Beneficiary:update_update"), connection.cursor() as c:
        Beneficiary.objects.exists()  # marks the transaction for the ignored trigger
        c.execute("CREATE TEMP TABLE bench_caseworkers (office_id bigint, ids bigint[])")
        for office_id, ids in staff.caseworkers.items():
            c.execute("INSERT INTO bench_caseworkers VALUES (%s, %s)", [office_id, sorted(ids)])
        now = timezone.now()
        c.execute(
            """
            UPDATE beneficiaries_beneficiary AS b
               SET caseworker_id = CASE WHEN b.caseworker_id IS NULL THEN NULL
                       ELSE w.ids[1 + (b.id * 7919) %% cardinality(w.ids)] END,
                   created_at = LEAST(
                       %s,
                       COALESCE(b.first_registration_on, %s)::timestamptz
                       + ((b.id * 104729) %% 40) * interval '1 day'
                       + ((b.id * 31) %% 480) * interval '1 minute' + interval '8 hours'),
                   updated_at = %s - ((b.id * 7) %% 400) * interval '1 day'
                                   - ((b.id * 13) %% 600) * interval '1 minute'
              FROM bench_caseworkers AS w
             WHERE w.office_id = b.office_id
            """,
            [now, today, now],
        )
        c.execute("UPDATE beneficiaries_beneficiary SET updated_at = created_at "
                  "WHERE updated_at < created_at")  # fmt: skip
        c.execute("DROP TABLE bench_caseworkers")


# --- Paths --------------------------------------------------------------------------------


def _paths(
    wanted: int, hours_lines: int, staff: Staff, rng: random.Random, today: date
) -> dict[str, int]:
    taken = set(Parcours.objects.values_list("beneficiary_id", flat=True))
    candidates = [
        row
        for row in Beneficiary.objects.order_by("first_registration_on", "id").values_list(
            "id",
            "office_id",
            "caseworker_id",
            "obligation_status",
            "first_registration_on",
            "presentation_deadline",
        )
        if row[0] not in taken
    ]
    # Most obliged people follow a path (some have yet to come: « parcours à ouvrir »),
    # and a few volunteers; the oldest files furthest on.
    obliged = [r for r in candidates if r[3] == "obliged"]
    others = [r for r in candidates if r[3] != "obliged"]
    chosen = rng.sample(obliged, min(len(obliged), round(wanted * OBLIGED_SHARE)))
    chosen += rng.sample(others, max(0, min(len(others), wanted - len(chosen))))
    chosen.sort(key=lambda r: (r[4] or today, r[0]))
    deadlines = {
        b: (regime, attestation)
        for b, regime, attestation in _latest_assessments([r[0] for r in chosen])
    }
    statuses: list[str] = []
    for path_status, share in PATH_STATUSES:
        statuses += [path_status] * round(share * len(chosen))
    statuses = (statuses + [Parcours.Status.WELCOME] * len(chosen))[: len(chosen)]

    paths, plan = [], []
    for (bid, office_id, caseworker, obligation, registered, presentation), status in zip(
        chosen, statuses, strict=True
    ):
        by = caseworker or rng.choice(staff.caseworkers[office_id])
        registered = registered or today - timedelta(days=200)
        age = (today - registered).days
        opened = registered + timedelta(days=rng.randint(0, max(0, min(60, age // 4))))
        opened = min(opened, today)
        obliged = obligation == "obliged"
        regime, attestation_due = deadlines.get(bid, ("", None))
        signed = opened + timedelta(days=min(rng.randint(7, 40), max(0, (today - opened).days)))
        closed = None
        if status in CLOSED:
            closed = signed + timedelta(days=rng.randint(120, 420))
            if closed > today:  # closed lately, some time after the signature
                closed = max(signed, today - timedelta(days=rng.randint(0, 90)))
        paths.append(
            {
                "beneficiary_id": bid,
                "kind": Parcours.Kind.OBLIGED if obliged else Parcours.Kind.VOLUNTARY,
                "status": status,
                "resume_status": Parcours.Status.IN_PROGRESS
                if status == Parcours.Status.SUSPENDED
                else "",
                "opened_on": opened,
                "opened_by_id": by,
                "closed_on": closed,
                "regime": regime if obliged else "",
                "presentation_deadline": presentation if obliged else None,
                "attestation_deadline": attestation_due if obliged else None,
            }
        )
        plan.append((bid, by, status, opened, signed, closed))
    copy_dicts(Parcours, paths)
    ids = dict(
        Parcours.objects.filter(beneficiary_id__in=[p[0] for p in plan]).values_list(
            "beneficiary_id", "id"
        )
    )
    # The person came: their first contact is the path's opening (as in seed_demo).
    with pgtrigger.ignore("beneficiaries.Beneficiary:update_update"), connection.cursor() as c:
        Beneficiary.objects.exists()
        c.execute(
            """
            UPDATE beneficiaries_beneficiary AS b
               SET presented_on = LEAST(p.opened_on,
                                        COALESCE(b.presentation_deadline, p.opened_on))
              FROM parcours_parcours AS p
             WHERE p.beneficiary_id = b.id AND b.presented_on IS NULL
            """
        )

    welcomes: list[dict[str, Any]] = []
    conventions: list[dict[str, Any]] = []
    axes_rows: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    path_type = ContentType.objects.get_for_model(Parcours).pk
    for bid, by, status, opened, signed, closed in plan:
        pid = ids[bid]
        done_welcome = status in SIGNED or rng.random() < 0.4
        french_level = rng.choice(["below_a1", "a1", "a1", "a2_plus"])
        orientation = rng.random() < 0.35
        welcomes.append(
            {
                "parcours_id": pid,
                "social_assessment_on": signed if done_welcome else None,
                "rights_duties_on": signed if done_welcome else None,
                "french_test_on": signed if done_welcome else None,
                "french_level": french_level if done_welcome else "",
                "wants_orientation": orientation,
                "needs": "",
                "notes": "",
            }
        )
        audit.append(_event(by, "parcours.open", "Parcours ouvert", bid, path_type, pid, opened))
        if status not in SIGNED:
            continue
        french = french_level != "a2_plus"
        conventions.append(
            {
                "parcours_id": pid,
                "version": 1,
                "start_on": signed,
                "signed_on": signed,
                "signed_by_id": by,
                "french_required": french,
                "orientation_required": orientation,
                "snapshot": {},
                "pdf_status": "ready",
            }
        )
        audit.append(
            _event(by, "parcours.convention_sign", "Convention v1 signée", bid, path_type, pid,
                   signed)
        )  # fmt: skip
        for kind, required, hours in (
            (AxisKind.CITIZENSHIP, True, path_rules.CITIZENSHIP_HOURS),
            (AxisKind.FRENCH, french, path_rules.FRENCH_HOURS),
            (AxisKind.ORIENTATION, orientation, path_rules.ORIENTATION_HOURS),
        ):
            if not required:
                axis_status = Axis.Status.NOT_REQUIRED
            elif status in DONE_AXES or (
                status == Parcours.Status.TRANSFERRED and kind != AxisKind.FRENCH
            ):
                axis_status = Axis.Status.COMPLETED
            elif status == Parcours.Status.CONVENTION_SIGNED:
                axis_status = Axis.Status.NOT_STARTED
            else:
                axis_status = Axis.Status.IN_PROGRESS
            started = signed + timedelta(days=rng.randint(5, 30)) if axis_status in (
                Axis.Status.COMPLETED, Axis.Status.IN_PROGRESS
            ) else None  # fmt: skip
            if started is not None:
                started = min(started, today)
            axes_rows.append(
                {
                    "parcours_id": pid,
                    "kind": kind,
                    "required_hours": hours,
                    "status": axis_status,
                    "operator": "",
                    "started_on": started,
                    "completed_on": min(today, closed or today)
                    if axis_status == Axis.Status.COMPLETED
                    else None,
                }
            )
        if status not in CLOSED:
            due = add_months(signed, path_rules.EVALUATION_MONTHS)
            while due < today - timedelta(days=20):
                evaluations.append(
                    {"parcours_id": pid, "due_on": due, "held_on": due - timedelta(days=7),
                     "attended": True, "recorded_by_id": by, "absences": "",
                     "programme_changes": "", "notes": ""}
                )  # fmt: skip
                due = add_months(due, path_rules.EVALUATION_MONTHS)
            evaluations.append(
                {"parcours_id": pid, "due_on": due, "absences": "", "programme_changes": "",
                 "notes": ""}
            )  # fmt: skip
    copy_dicts(WelcomeModule, welcomes)
    copy_dicts(Convention, conventions)
    copy_dicts(Axis, axes_rows)
    copy_dicts(Evaluation, evaluations)

    # The hours ledger: operators report month after month until the axis is done.
    axes: list[tuple[Any, ...]] = list(
        Axis.objects.filter(status__in=[Axis.Status.IN_PROGRESS, Axis.Status.COMPLETED])
        .exclude(started_on=None)
        .values_list(
            "id", "kind", "required_hours", "status", "started_on", "parcours__beneficiary_id",
            "parcours__opened_by_id", "parcours_id",
        )
    )  # fmt: skip
    weight = {AxisKind.CITIZENSHIP: 5, AxisKind.FRENCH: 14, AxisKind.ORIENTATION: 1}
    total_weight = sum(weight[a[1]] for a in axes) or 1
    per_weight = hours_lines / total_weight
    hours_rows = []
    for axis_id, kind, required, axis_status, started, bid, by, pid in axes:
        lines = max(1, round(weight[kind] * per_weight * rng.uniform(0.6, 1.4)))
        share = required if axis_status == Axis.Status.COMPLETED else required * Decimal(
            rng.randint(10, 90)
        ) / 100  # fmt: skip
        each = (share / lines).quantize(Decimal("0.01"))
        if each <= 0:
            continue
        span = max(1, (today - started).days)
        for n in range(lines):
            on = started + timedelta(days=min(span, n * 30 * span // max(1, lines * 30)))
            hours_rows.append(
                {
                    "axis_id": axis_id,
                    "on": on,
                    "hours": each,
                    "source": HoursEntry.Source.OPERATOR if n % 3 else HoursEntry.Source.CASEWORKER,
                    "note": "",
                    "recorded_by_id": None if n % 3 else by,
                }
            )
        audit.append(
            _event(by, "parcours.hours_record", "Heures enregistrées", bid, path_type, pid,
                   started)
        )  # fmt: skip
    for chunk in _chunks(hours_rows):
        copy_dicts(HoursEntry, chunk)
    for chunk in _chunks(audit):
        copy_dicts(AuditEvent, chunk)
    return {
        "paths": len(plan),
        "conventions": len(conventions),
        "axes": len(axes_rows),
        "evaluations": len(evaluations),
        "hours_lines": len(hours_rows),
        "audit_events": len(audit),
    }


def _latest_assessments(ids: list[int]) -> list[tuple[int, str, date | None]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (beneficiary_id) beneficiary_id, regime, attestation_deadline
              FROM parcours_obligationassessment
             WHERE beneficiary_id = ANY(%s)
             ORDER BY beneficiary_id, assessed_at DESC
            """,
            [ids],
        )
        return list(cursor.fetchall())


def _event(
    by: int | None, action: str, summary: str, bid: int, type_id: int, pk: int, on: date
) -> dict[str, Any]:
    return {
        "at": datetime.combine(on, clock(10), tzinfo=UTC),
        "actor_id": by,
        "action": action,
        "summary": summary,
        "beneficiary_id": bid,
        "object_type_id": type_id,
        "object_id": pk,
        "data": {},
    }


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


# --- Attestations -------------------------------------------------------------------------


def _attestations(wanted: int, staff: Staff, rng: random.Random, today: date) -> dict[str, int]:
    issued = list(
        Parcours.objects.filter(status=Parcours.Status.ATTESTATION_ISSUED, attestations=None)
        .order_by("closed_on", "id")
        .values_list(
            "id", "beneficiary_id", "kind", "closed_on", "opened_by_id",
            "beneficiary__first_names", "beneficiary__last_name",
            "beneficiary__commune_id", "beneficiary__cpas_id", "beneficiary__cpas_support",
        )
    )  # fmt: skip
    completed = list(
        Parcours.objects.filter(status=Parcours.Status.COMPLETED, attestations=None)
        .order_by("id")
        .values_list(
            "id", "beneficiary_id", "kind", "opened_on", "opened_by_id",
            "beneficiary__first_names", "beneficiary__last_name",
            "beneficiary__commune_id", "beneficiary__cpas_id", "beneficiary__cpas_support",
        )
    )  # fmt: skip
    # Valid ones for the issued paths; a few were re-issued (an older superseded one), a few
    # revoked (their path back to « terminé »).
    superseded = max(0, min(len(issued), round(0.04 * wanted)))
    revoked = max(0, min(len(completed), round(0.01 * wanted)))
    sequences: dict[int, int] = defaultdict(int)
    sequences.update(AttestationCounter.objects.values_list("year", "last"))
    rows: list[dict[str, Any]] = []

    def attestation(path: tuple[Any, ...], on: date, status: str, **extra: Any) -> None:
        pid, bid, kind, _closed, by, first, last, *_rest = path
        sequences[on.year] += 1
        number = f"CAI-ATT-{on.year}-{sequences[on.year]:05d}"
        rows.append(
            {
                "number": number,
                "year": on.year,
                "sequence": sequences[on.year],
                "verification_code": secrets.token_hex(6),
                "parcours_id": pid,
                "beneficiary_id": bid,
                "kind": kind,
                "issued_on": on,
                "issued_at": datetime.combine(on, clock(11), tzinfo=UTC),
                "issued_by_id": by,
                "snapshot": {
                    "number": number,
                    "initials": f"{first[:1]}. {last[:1]}.",
                    "full_name": f"{last.upper()} {first}",
                    "issued_on": f"{on:%d/%m/%Y}",
                },
                "status": status,
                "pdf_status": "ready",
                "pdf_sha256": "0" * 64,
                "pdf": f"attestations/{on.year}/{number}.pdf",
                **extra,
            }
        )

    # Oldest first, so that numbers follow the issue dates within a year.
    planned: list[tuple[date, tuple[Any, ...], str]] = []
    for n, path in enumerate(issued):
        on = path[3] or today
        if n < superseded:
            planned.append((on - timedelta(days=rng.randint(10, 60)), path, "superseded"))
        planned.append((on, path, "valid"))
    for path in completed[:revoked]:
        planned.append((min(today, path[3] + timedelta(days=300)), path, "revoked"))
    planned.sort(key=lambda item: (item[0], item[1][0]))
    for on, path, status in planned:
        extra: dict[str, Any] = {}
        if status == "revoked":
            extra = {
                "revoked_at": datetime.combine(on, clock(15), tzinfo=UTC),
                "revoked_by_id": rng.choice(staff.coordinators),
                "revocation_reason": "Erreur sur les heures",
            }
        attestation(path, on, status, **extra)
    # The superseded ones first: the valid one that replaced each names it.
    older = {r["parcours_id"]: r["number"] for r in rows if r["status"] == "superseded"}
    copy_dicts(Attestation, [r for r in rows if r["status"] != "valid"])
    numbers = dict(
        Attestation.objects.filter(number__in=list(older.values())).values_list("number", "id")
    )
    valid = [r for r in rows if r["status"] == "valid"]
    for row in valid:
        if row["parcours_id"] in older:
            row["replaces_id"] = numbers[older[row["parcours_id"]]]
            row["reissue_reason"] = "Correction du nom"
    copy_dicts(Attestation, valid)
    with connection.cursor() as cursor:
        for year, last in sequences.items():
            cursor.execute(
                "INSERT INTO attestations_attestationcounter (year, last) VALUES (%s, %s) "
                "ON CONFLICT (year) DO UPDATE SET last = GREATEST(EXCLUDED.last, "
                "attestations_attestationcounter.last)",
                [year, last],
            )

    # Copies of obliged people's attestations: the commune, and the CPAS that helps them.
    without_address = set(Commune.objects.filter(population_email="").values_list("id", flat=True))
    emails = dict(Commune.objects.values_list("id", "population_email"))
    dispatches = []
    for att_id, kind, issued_on, commune, cpas, cpas_support in Attestation.objects.filter(
        number__in=[r["number"] for r in rows]
    ).values_list(
        "id", "kind", "issued_on", "beneficiary__commune_id", "beneficiary__cpas_id",
        "beneficiary__cpas_support",
    ):  # fmt: skip
        if kind != Parcours.Kind.OBLIGED:
            continue
        recipients = [("commune", commune, None)]
        if cpas_support and cpas:
            recipients.append(("cpas", None, cpas))
        for recipient, commune_id, cpas_id in recipients:
            roll = rng.random()
            at = datetime.combine(issued_on, clock(11, 5), tzinfo=UTC)
            if recipient == "commune" and commune_id in without_address:
                dispatch_status = Dispatch.Status.NEEDS_ADDRESS if roll < 0.3 else "sent"
            elif roll < 0.012:
                dispatch_status = Dispatch.Status.FAILED
            elif roll < 0.015 and (today - issued_on).days < 3:
                dispatch_status = Dispatch.Status.QUEUED
            else:
                dispatch_status = Dispatch.Status.SENT
            failed = dispatch_status == Dispatch.Status.FAILED
            dispatches.append(
                {
                    "purpose": Dispatch.Purpose.ATTESTATION_COPY,
                    "attestation_id": att_id,
                    "recipient_kind": recipient,
                    "channel": "email",
                    "commune_id": commune_id,
                    "cpas_id": cpas_id,
                    "to_address": (emails.get(commune_id) or "") if commune_id else "",
                    "status": dispatch_status,
                    "attempts": 5 if failed else 1 if dispatch_status == "sent" else 0,
                    "attempts_allowed": 5,
                    "last_error": "550 Mailbox unavailable" if failed else "",
                    "created_at": at,
                    "sent_at": at + timedelta(minutes=1) if dispatch_status == "sent" else None,
                    "message_id": "",
                }
            )
    for chunk in _chunks(dispatches):
        copy_dicts(Dispatch, chunk)
    return {"attestations": len(rows), "copies": len(dispatches)}


# --- Appointments -------------------------------------------------------------------------


def _appointments(wanted: int, staff: Staff, rng: random.Random, today: date) -> dict[str, int]:
    """Individual appointments at the desks of caseworkers (and, for the short « autre »
    kind, receptionists), five years back and three months ahead; a weekly rights and
    duties session per office with its seats."""
    kinds = {t.code: t for t in AppointmentType.objects.all()}
    individual = [
        (kinds["welcome"], 3),
        (kinds["social_assessment"], 2),
        (kinds["evaluation"], 4),
        (kinds["isp_followup"], 2),
        (kinds["other"], 1),
    ]
    session_kind = kinds["rights_duties"]
    first = today - timedelta(days=365 * YEARS - FUTURE_DAYS)
    last = today + timedelta(days=FUTURE_DAYS)
    holidays: set[date] = set()
    for year in range(first.year, last.year + 1):
        holidays |= set(public_holidays(year))
    hours: dict[int, dict[int, list[tuple[clock, clock]]]] = defaultdict(lambda: defaultdict(list))
    for office_id, weekday, opens, closes in OpeningHours.objects.filter(
        kind=OpeningHours.Kind.RECEPTION
    ).values_list("office_id", "weekday", "opens", "closes"):
        hours[office_id][weekday].append((opens, closes))
    files: dict[int, list[int]] = defaultdict(list)
    for bid, office_id in Beneficiary.objects.values_list("id", "office_id"):
        files[office_id].append(bid)
    meeting_room: dict[int, int] = {}  # the largest room of each office
    for office_id, room_id in (
        Room.objects.exclude(name__startswith="Poste ")
        .order_by("office_id", "-capacity", "id")
        .values_list("office_id", "id")
    ):
        meeting_room.setdefault(office_id, room_id)
    # What the demo already booked (seed_demo's few appointments): kept clear of.
    busy: dict[tuple[int, date], list[tuple[datetime, datetime]]] = defaultdict(list)
    person_days: set[tuple[int, date]] = set()
    rooms_busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for staff_id, room_id, bid, during in Appointment.objects.filter(
        status__in=["booked", "arrived", "done"]
    ).values_list("staff_id", "room_id", "beneficiary_id", "during"):
        day = timezone.localtime(during.lower).date()
        busy[(staff_id, day)].append((during.lower, during.upper))
        if room_id:
            rooms_busy[room_id].append((during.lower, during.upper))
        if bid:
            person_days.add((bid, day))

    def clear(intervals: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
        return all(end <= s or start >= e for s, e in intervals)

    creator = {o: (staff.reception[o] or staff.caseworkers[o]) for o in staff.caseworkers}
    rows: list[dict[str, Any]] = []
    sessions: list[tuple[int, date, dict[str, Any]]] = []
    day = first
    step = timedelta(minutes=30)
    while day <= last:
        if day.weekday() >= 5 or day in holidays:
            day += timedelta(days=1)
            continue
        ahead = (day - today).days
        fill = 0.86 if ahead < 0 else 0.8 if ahead < 7 else 0.55 if ahead < 14 else 0.25 if (
            ahead < 35
        ) else 0.08  # fmt: skip
        weekday = day.weekday()
        for office_id, weekly in hours.items():
            windows = weekly.get(weekday, [])
            if not windows or not staff.caseworkers[office_id]:
                continue
            # The week's session: the first window of Tuesday (or the first open day).
            open_days = sorted(weekly)
            if weekday != (1 if 1 in open_days else open_days[0]):
                continue
            here = [
                s
                for s in staff.caseworkers[office_id]
                if staff.where.get((s, weekday)) == office_id
            ]
            if not here:
                continue
            holder = here[day.isocalendar()[1] % len(here)]
            start = local(day, windows[0][0])
            end = start + timedelta(minutes=session_kind.duration_minutes)
            room = meeting_room.get(office_id)
            if clear(busy[(holder, day)], start, end) and clear(
                rooms_busy[room] if room else [], start, end
            ):
                busy[(holder, day)].append((start, end))
                session = _appointment(
                    session_kind, office_id, holder, room, None, start, end, ahead,
                    rng.choice(creator[office_id]), rng,
                )  # fmt: skip
                session["status"] = "done" if ahead < 0 else "booked"
                sessions.append((office_id, day, session))
        for home, people in files.items():
            holders = [(s, False) for s in staff.caseworkers[home]] + [
                (s, True) for s in staff.reception[home]
            ]
            for staff_id, receptionist in holders:
                where = staff.where.get((staff_id, weekday))
                if where is None:
                    continue
                office_id = where
                taken = busy[(staff_id, day)]
                for opens, closes in hours[office_id].get(weekday, []):
                    cursor = local(day, opens)
                    window_end = local(day, closes)
                    while cursor < window_end:
                        if rng.random() >= (fill * 0.35 if receptionist else fill):
                            cursor += step
                            continue
                        kind = kinds["other"] if receptionist else _weighted(individual, rng)
                        end = cursor + timedelta(minutes=kind.duration_minutes)
                        if end > window_end or not clear(taken, cursor, end):
                            cursor += step
                            continue
                        bid = rng.choice(people)
                        if (bid, day) in person_days:
                            bid = rng.choice(people)
                            if (bid, day) in person_days:
                                cursor += step
                                continue
                        row = _appointment(
                            kind, office_id, staff_id, staff.desk.get((staff_id, office_id)),
                            bid, cursor, end, ahead, rng.choice(creator[office_id]), rng,
                        )  # fmt: skip
                        if row["status"] != "cancelled":
                            person_days.add((bid, day))
                            taken.append((cursor, end))
                        rows.append(row)
                        cursor = end
        day += timedelta(days=1)
    # Trim to the volume asked for, leaving gaps in the past (what cancellations and
    # no-shows leave anyway); the coming weeks stay as booked.
    past = [r for r in rows if r["_ahead"] < 0]
    excess = len(rows) + len(sessions) - wanted
    if excess > 0:
        drop = set(rng.sample(range(len(past)), min(excess, len(past))))
        keep = [r for n, r in enumerate(past) if n not in drop]
        rows = keep + [r for r in rows if r["_ahead"] >= 0]
    for row in rows:
        del row["_ahead"]
    for chunk in _chunks(rows):
        copy_dicts(Appointment, chunk)
    session_rows = [s for _o, _d, s in sessions]
    for row in session_rows:
        del row["_ahead"]
    copy_dicts(Appointment, session_rows)
    # Seats: eight people per session, present or not in the past, booked ahead.
    seats = []
    session_ids = Appointment.objects.filter(type=session_kind).values_list(
        "id", "office_id", "during", "status", "created_by_id"
    )
    for session_id, office_id, during, status, by in session_ids:
        for bid in rng.sample(files[office_id], min(8, len(files[office_id]))):
            if status == "booked":
                seat_status = Seat.Status.BOOKED
            else:
                seat_status = Seat.Status.ARRIVED if rng.random() < 0.85 else Seat.Status.NO_SHOW
            seats.append(
                {
                    "session_id": session_id,
                    "beneficiary_id": bid,
                    "status": seat_status,
                    "interpreter_language": "",
                    "created_by_id": by,
                    "created_at": during.lower - timedelta(days=10),
                }
            )
    copy_dicts(Seat, seats)
    return {"appointments": len(rows) + len(session_rows), "seats": len(seats)}


def _weighted(choices: list[tuple[AppointmentType, int]], rng: random.Random) -> AppointmentType:
    return rng.choices([c for c, _w in choices], [w for _c, w in choices])[0]


def _appointment(
    kind: AppointmentType,
    office_id: int,
    staff_id: int,
    room_id: int | None,
    bid: int | None,
    start: datetime,
    end: datetime,
    ahead: int,
    by: int,
    rng: random.Random,
) -> dict[str, Any]:
    roll = rng.random()
    if ahead < 0:
        status = (
            "done" if roll < 0.8 else "no_show" if roll < 0.87 else "cancelled" if roll < 0.95
            else "missed"
        )  # fmt: skip
    elif ahead == 0:
        status = "arrived" if roll < 0.3 else "done" if roll < 0.5 else "booked"
    else:
        status = "cancelled" if roll < 0.05 else "booked"
    interpreter = rng.random() < 0.12
    return {
        "type_id": kind.pk,
        "office_id": office_id,
        "staff_id": staff_id,
        "room_id": room_id,
        "beneficiary_id": bid,
        "during": f"[{start.isoformat()},{end.isoformat()})",
        "status": status,
        "interpreter_language": "ar" if interpreter else "",
        "interpreter": "confirmed" if interpreter else "",
        "notes": "",
        "reason": "Empêchement" if status == "cancelled" else "",
        "created_by_id": by,
        "created_at": start - timedelta(days=rng.randint(3, 30)),
        "_ahead": ahead,
    }


# --- Offers -------------------------------------------------------------------------------


def _offers(rng: random.Random) -> int:
    """A province's catalogue: 30 operators with five offers each (beside the demo's)."""
    if Operator.objects.filter(name__startswith="Opérateur du banc").exists():
        return Offer.objects.count()
    communes = list(Commune.objects.values_list("id", flat=True))
    operators = Operator.objects.bulk_create(
        Operator(
            name=f"Opérateur du banc {n:02d}",
            kind=rng.choice(["ili", "school", "public", "education"]),
            families=["french", "citizenship"],
            languages=["fr"],
        )
        for n in range(OPERATORS)
    )
    today = timezone.localdate()
    offers = []
    for operator in operators:
        for n in range(5):
            axis = rng.choice(["french", "citizenship", "orientation"])
            start = today + timedelta(days=rng.randint(-60, 120))
            capacity = rng.randint(8, 20)
            offers.append(
                Offer(
                    operator=operator,
                    title=f"{dict(AxisKind.choices).get(axis, axis)} — groupe {n + 1}",
                    axis=axis,
                    level=rng.choice(["", "A1", "A2"]) if axis == "french" else "",
                    languages=["fr"],
                    schedule="mardi et jeudi 9 h–12 h",
                    hours=Decimal(60 if axis == "citizenship" else 120),
                    start_on=start,
                    end_on=start + timedelta(days=120),
                    capacity=capacity,
                    taken=rng.randint(0, capacity),
                )
            )
    created = Offer.objects.bulk_create(offers)
    through = Offer.communes.through
    through.objects.bulk_create(
        through(offer_id=offer.pk, commune_id=commune)
        for offer in created
        for commune in rng.sample(communes, 4)
    )
    return Offer.objects.count()
