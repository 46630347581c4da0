"""A small centre's year, made the way the staff make it (the services): files in Namur
and in Dinant, first contacts by appointment and at the permanence, paths at every stage,
hours from the centre and from an operator, attestations and their copies, a waiting
list, appointments and their outcomes, call-backs — and a few things of the year before.

Only what no screen can do is written directly: a file opened last year (its creation
date) and a wait that began weeks ago (the day it began)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from appointments import services as booking
from appointments.models import Appointment, AppointmentType
from appointments.selectors import slot_search
from attestations.services import attestation_issue, attestation_revoke
from beneficiaries.models import Beneficiary, Commune
from beneficiaries.services import beneficiary_presented
from cainamur.lib.localtime import local
from cainamur.models import User
from offices.models import Office, Room, StaffAvailability
from operators import services as orienting
from operators.models import Offer, Operator, Orientation
from parcours.models import Parcours
from parcours.services import (
    axis_set_operator,
    extension_record,
    hours_record,
    obligation_assess,
    parcours_change_status,
    parcours_open,
)
from reception import services as desk
from reception.models import Callback, Permanence, QueueTicket
from tests.factories import (
    BeneficiaryFactory,
    complete_path,
    give_addresses,
    obliged_file,
    signed_path,
)


@dataclass
class World:
    files: dict[str, Beneficiary] = field(default_factory=dict)
    paths: dict[str, Parcours] = field(default_factory=dict)


def _obliged(by: User, **fields: Any) -> Beneficiary:
    return obliged_file(by, **fields)


def _slot(office: Office, kind: AppointmentType, day: date, person: Beneficiary) -> Any:
    found = slot_search(
        office=office,
        kind=kind,
        first=day,
        last=day + timedelta(days=6),
        beneficiary=person,
        now=local(day, time(7)),
    )
    return found[0]


def _book(
    person: Beneficiary, staff: User, office: Office, day: date, *, language: str = ""
) -> Appointment:
    kind = AppointmentType.objects.get(code="welcome")
    slot = _slot(office, kind, day, person)
    return booking.appointment_book(
        beneficiary=person,
        kind=kind,
        office=office,
        staff_id=slot.staff_id,
        start=slot.start,
        by=staff,
        interpreter_language=language,
        now=local(day, time(7)),
    )


def _available(staff: User, office: Office) -> None:
    for weekday in range(5):
        for starts, ends in ((time(9), time(12, 30)), (time(13, 30), time(16, 30))):
            StaffAvailability.objects.create(
                staff=staff, office=office, weekday=weekday, starts=starts, ends=ends
            )


@pytest.fixture
def world(
    caseworker: User,
    outsider: User,
    coordinator: User,
    namur: Office,
    dinant: Office,
    django_capture_on_commit_callbacks: Any,
) -> World:
    w = World()
    give_addresses("Namur")
    _available(caseworker, namur)
    _available(outsider, dinant)
    namur_commune = Commune.objects.get(name="Namur")
    jambes = Commune.objects.filter(office=namur).exclude(pk=namur_commune.pk).first()
    dinant_commune = Commune.objects.get(name="Dinant")

    # A path from first contact to attestation (copies to the commune and the CPAS).
    done = _obliged(
        caseworker,
        commune=namur_commune,
        nationality="SY",
        sex="M",
        birth_date=date(1988, 4, 2),
        cpas_support=True,
        caseworker=caseworker,
    )
    done.cpas = namur_commune.cpas
    done.save(update_fields=["cpas"])
    visit = _book(done, caseworker, namur, date(2026, 2, 9), language="ar")
    booking.appointment_move(appointment=visit, to="arrived", by=caseworker)
    booking.appointment_move(appointment=visit, to="done", by=caseworker)
    path: Any = complete_path(done, caseworker, start=date(2026, 3, 2))
    w.paths["done"] = path
    w.files["done"] = done
    with django_capture_on_commit_callbacks(execute=True):  # its PDF, then the copies
        attestation_issue(parcours=path, by=caseworker, on=date(2026, 6, 15))

    # A path under way: hours from an operator named on the axis, then a pause.
    running = _obliged(caseworker, commune=jambes, nationality="AF", sex="F", caseworker=caseworker)
    beneficiary_presented(beneficiary=running, on=date(2026, 3, 20), by=caseworker)
    path = signed_path(running, caseworker, start=date(2026, 4, 1))
    french = path.axes.get(kind="french")
    axis_set_operator(axis=french, operator="Lire et Écrire Namur", by=caseworker)
    hours_record(
        axis=french,
        on=date(2026, 6, 1),
        first_day=date(2026, 4, 15),
        hours=Decimal("50"),
        by=caseworker,
    )
    hours_record(axis=french, on=date(2026, 6, 8), hours=Decimal("-2"), by=caseworker, note="x")
    parcours_change_status(
        parcours=path, to="suspended", by=caseworker, reason="Maternité", on=date(2026, 9, 1)
    )
    w.paths["running"], w.files["running"] = path, running

    # Abandoned and transferred paths; a voluntary path to its attestation.
    for key, ending, closed in (
        ("abandoned", "abandoned", date(2026, 7, 1)),
        ("transferred", "transferred", date(2026, 8, 3)),
    ):
        person = _obliged(caseworker, nationality="CD", sex="F", birth_date=date(1979, 1, 1))
        beneficiary_presented(beneficiary=person, on=date(2026, 1, 20), by=caseworker)
        path = parcours_open(beneficiary=person, by=caseworker, on=date(2026, 2, 2))
        parcours_change_status(parcours=path, to=ending, by=caseworker, reason="Raison", on=closed)
        w.files[key], w.paths[key] = person, path
    volunteer = BeneficiaryFactory(
        nationality="FR", first_registration_on=date(2026, 1, 5), permit_ordered_on=date(2026, 1, 6)
    )
    obligation_assess(beneficiary=volunteer, by=caseworker, trigger="test")
    beneficiary_presented(beneficiary=volunteer, on=date(2026, 4, 28), by=caseworker)
    path = complete_path(volunteer, caseworker, voluntary=True, start=date(2026, 5, 4))
    attestation_issue(parcours=path, by=caseworker, on=date(2026, 8, 20))
    w.files["volunteer"], w.paths["volunteer"] = volunteer, path

    # Exempt (65 and over; temporary protection), to complete, late to present, soon due.
    w.files["senior"] = _obliged(caseworker, birth_date=date(1955, 2, 1), sex="F")
    w.files["ukraine"] = _obliged(caseworker, nationality="UA", temporary_protection=True)
    w.files["incomplete"] = _obliged(caseworker, first_registration_on=None, permit_ordered_on=None)
    w.files["late"] = _obliged(caseworker, nationality="MA", sex="F")  # due 20 April, never came
    came_late = _obliged(caseworker, nationality="MA", birth_date=date(2001, 7, 7))
    beneficiary_presented(beneficiary=came_late, on=date(2026, 5, 6), by=caseworker)
    w.files["came_late"] = came_late
    w.files["due_soon"] = _obliged(
        caseworker,
        nationality="GN",
        first_registration_on=date(2026, 9, 15),
        permit_ordered_on=date(2026, 9, 20),
    )  # due 20 December 2026

    # Attestation deadlines of 2026 (permits of 2024, « régime 18 mois »): one met, one
    # missed, one moved into 2026 by the Minister's extension.
    met = _obliged(
        caseworker, first_registration_on=date(2024, 9, 1), permit_ordered_on=date(2024, 9, 10)
    )
    beneficiary_presented(beneficiary=met, on=date(2024, 10, 1), by=caseworker)
    path = complete_path(met, caseworker, start=date(2025, 6, 2))
    attestation_issue(parcours=path, by=caseworker, on=date(2026, 2, 1))
    w.files["deadline_met"], w.paths["deadline_met"] = met, path
    missed = _obliged(
        caseworker, first_registration_on=date(2024, 8, 1), permit_ordered_on=date(2024, 8, 10)
    )
    beneficiary_presented(beneficiary=missed, on=date(2024, 9, 2), by=caseworker)
    w.paths["deadline_missed"] = signed_path(missed, caseworker, start=date(2025, 3, 3))
    w.files["deadline_missed"] = missed
    extended = _obliged(
        caseworker, first_registration_on=date(2024, 3, 1), permit_ordered_on=date(2024, 3, 1)
    )
    beneficiary_presented(beneficiary=extended, on=date(2024, 4, 2), by=caseworker)
    path = signed_path(extended, caseworker, start=date(2025, 1, 6))
    extension_record(
        parcours=path,
        deadline="attestation",
        decided_on=date(2025, 8, 1),
        new_end_on=date(2026, 6, 30),
        reason="Décision du Ministre",
        by=caseworker,
    )
    w.files["deadline_extended"], w.paths["deadline_extended"] = extended, path
    # An attestation issued, then revoked (its path is « terminé » again).
    revoked = _obliged(caseworker, nationality="ER")
    beneficiary_presented(beneficiary=revoked, on=date(2026, 2, 3), by=caseworker)
    path = complete_path(revoked, caseworker, start=date(2026, 3, 2))
    issued = attestation_issue(parcours=path, by=caseworker, on=date(2026, 7, 1))
    attestation_revoke(attestation=issued, by=coordinator, reason="Erreur de dossier")
    w.files["revoked"], w.paths["revoked"] = revoked, path

    # A waiting list: one place, taken; the next person waits since 1 October.
    operator = Operator.objects.create(name="ILI Citoyenneté Namur", kind="ili")
    offer = Offer.objects.create(
        operator=operator, title="Citoyenneté (jour)", axis="citizenship", capacity=1
    )
    first = orienting.orientation_propose(beneficiary=running, offer=offer, by=caseworker)
    orienting.orientation_move(orientation=first, to="enrolled", by=caseworker)
    waiting = orienting.orientation_propose(beneficiary=w.files["late"], offer=offer, by=caseworker)
    with pytest.raises(orienting.NoPlace):
        orienting.orientation_move(orientation=waiting, to="enrolled", by=caseworker)
    Orientation.objects.filter(pk=waiting.pk).update(
        waiting_since=datetime(2026, 10, 1, 8, tzinfo=UTC)
    )
    w.files["waiting"] = w.files["late"]

    # Appointments: a no-show, a cancellation; a group session with two places.
    absent = _book(w.files["senior"], caseworker, namur, date(2026, 3, 16))
    booking.appointment_move(appointment=absent, to="no_show", by=caseworker)
    cancelled = _book(w.files["ukraine"], caseworker, namur, date(2026, 3, 16))
    booking.appointment_move(appointment=cancelled, to="cancelled", by=caseworker, reason="Malade")
    group = AppointmentType.objects.get(code="rights_duties")
    session = booking.session_create(
        kind=group,
        office=namur,
        staff_id=caseworker.pk,
        room=Room.objects.filter(office=namur).first(),
        # Places are taken before a session starts: one this very day.
        start=timezone.now().replace(microsecond=0) + timedelta(hours=1),
        by=caseworker,
    )
    present_seat = booking.seat_book(
        session=session, beneficiary=running, by=caseworker, interpreter_language="ps"
    )
    booking.seat_move(seat=present_seat, to="arrived", by=caseworker)
    away_seat = booking.seat_book(session=session, beneficiary=came_late, by=caseworker)
    booking.seat_move(seat=away_seat, to="no_show", by=caseworker)

    # Walk-ins at the ISP permanence in Namur: one with a file (its first contact), one
    # without, one who left.
    permanence = Permanence.objects.get(office=namur)
    wednesday = date(2026, 3, 4)
    with_file = _obliged(caseworker, nationality="IQ", sex="M")
    desk.ticket_register(permanence=permanence, on=wednesday, by=caseworker, beneficiary=with_file)
    desk.ticket_register(permanence=permanence, on=wednesday, by=caseworker, name="Sans Dossier")
    desk.ticket_register(permanence=permanence, on=wednesday, by=caseworker, name="Parti Vite")
    for topic in ("cv", "job_search"):
        ticket = desk.ticket_call_next(permanence=permanence, on=wednesday, by=caseworker)
        assert ticket is not None
        desk.ticket_finish(ticket=ticket, by=caseworker, topic=topic)
    last = QueueTicket.objects.get(permanence=permanence, on=wednesday, number=3)
    desk.ticket_left(ticket=last, by=caseworker)
    w.files["walk_in"] = with_file

    # Call-backs: Namur (one done, one linked to a file and open), Dinant.
    for office, person, close in (
        (namur, None, True),
        (namur, running, False),
        (dinant, None, True),
    ):
        callback = desk.callback_log(
            callback=Callback(
                name="Appel",
                phone="0470000000",
                subject="Rappeler",
                office=office,
                beneficiary=person,
            ),
            by=caseworker,
        )
        if close:
            desk.callback_close(callback=callback, by=caseworker)

    # Dinant: a file the Namur caseworker never sees.
    far = _obliged(outsider, office=dinant, commune=dinant_commune, nationality="SY")
    beneficiary_presented(beneficiary=far, on=date(2026, 3, 3), by=outsider)
    w.paths["dinant"] = parcours_open(beneficiary=far, by=outsider, on=date(2026, 3, 10))
    w.files["dinant"] = far

    # Last year: a file opened and received in 2025.
    old = _obliged(
        caseworker, first_registration_on=date(2025, 9, 1), permit_ordered_on=date(2025, 9, 2)
    )
    beneficiary_presented(beneficiary=old, on=date(2025, 11, 3), by=caseworker)
    Beneficiary.objects.filter(pk=old.pk).update(created_at=datetime(2025, 10, 20, 9, tzinfo=UTC))
    w.files["old"] = old
    assert timezone.localdate() >= date(2026, 12, 1), "the world is the year 2026, seen after"
    return w
