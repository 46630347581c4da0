"""Booking through the services: the finder's slots, the database's refusal of double
bookings, group-session capacity, status changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

import appointments.services as services
from appointments.models import Appointment, AppointmentType
from appointments.selectors import day_agenda, slot_search
from cainamur.lib.localtime import BRUSSELS, local
from cainamur.models import User
from offices.models import Closure, Office, Room
from tests.appointments.test_views import next_working_day
from tests.factories import BeneficiaryFactory, UserFactory

NOW = datetime(2026, 1, 2, 12, tzinfo=UTC)  # a Friday; Monday 5 January is a working day
MONDAY = date(2026, 1, 5)


def first_slots(office: Office, kind: AppointmentType, person: Any = None, **kw: Any) -> list[Any]:
    return slot_search(
        office=office,
        kind=kind,
        first=MONDAY,
        last=date(2026, 1, 16),
        beneficiary=person,
        now=NOW,
        **kw,
    )


def test_the_finder_proposes_the_next_free_slots(
    present: User, namur: Office, welcome_type: AppointmentType
) -> None:
    found = first_slots(namur, welcome_type)
    assert found[0].start == local(MONDAY, time(9)) and found[0].staff_id == present.pk
    assert found[0].room_id in set(Room.objects.filter(office=namur).values_list("id", flat=True))


def test_booking_takes_the_slot_and_the_database_refuses_a_second_one(
    present: User, namur: Office, welcome_type: AppointmentType, monkeypatch: Any
) -> None:
    first, second = BeneficiaryFactory(), BeneficiaryFactory()
    slot = first_slots(namur, welcome_type, first)[0]
    booked = services.appointment_book(
        beneficiary=first,
        kind=welcome_type,
        office=namur,
        staff_id=slot.staff_id,
        start=slot.start,
        by=present,
        now=NOW,
    )
    assert booked.during.lower == slot.start and booked.status == "booked"
    # The finder no longer proposes it...
    assert first_slots(namur, welcome_type, second)[0].start != slot.start
    # ...and when two requests both saw it free (a race), the database decides.
    monkeypatch.setattr(services, "_still_free", lambda **kw: slot)
    with pytest.raises(services.SlotTaken, match="vient d'être pris"):
        services.appointment_book(
            beneficiary=second,
            kind=welcome_type,
            office=namur,
            staff_id=slot.staff_id,
            start=slot.start,
            by=present,
            now=NOW,
        )
    assert Appointment.objects.count() == 1


def test_overlaps_are_refused_by_the_database_itself(
    present: User, namur: Office, welcome_type: AppointmentType
) -> None:
    person = BeneficiaryFactory()
    room = Room.objects.filter(office=namur).first()
    during = DateTimeTZRange(local(MONDAY, time(9)), local(MONDAY, time(10)))
    common = {"type": welcome_type, "office": namur, "created_by": present}
    Appointment.objects.create(
        staff=present, room=room, beneficiary=person, during=during, **common
    )
    later = DateTimeTZRange(local(MONDAY, time(9, 30)), local(MONDAY, time(10, 30)))
    other = BeneficiaryFactory()
    for clash in (
        {"staff": present, "beneficiary": other},  # same staff member
        {"staff": present, "beneficiary": other, "room": room},  # same room
        {"staff": User.objects.exclude(pk=present.pk).first() or present, "beneficiary": person},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.create(during=later, **{**common, **clash})
    # A cancelled appointment frees the time.
    Appointment.objects.update(status="cancelled")
    Appointment.objects.create(staff=present, room=room, beneficiary=other, during=later, **common)


def test_closures_holidays_and_absences_leave_no_slot(
    present: User, namur: Office, welcome_type: AppointmentType
) -> None:
    Closure.objects.create(office=namur, start_on=MONDAY, end_on=MONDAY, reason="Formation")
    assert first_slots(namur, welcome_type)[0].start.astimezone(BRUSSELS).date() == date(2026, 1, 6)
    christmas = slot_search(
        office=namur, kind=welcome_type, first=date(2026, 12, 25), last=date(2026, 12, 25), now=NOW
    )
    assert christmas == []


def test_group_sessions_fill_up_under_a_lock(present: User, namur: Office) -> None:
    kind = AppointmentType.objects.get(code="rights_duties")
    kind.capacity = 2
    kind.save()
    room = Room.objects.get(office=namur, name="Salle de réunion")
    from tests.appointments.test_views import next_working_day

    day = next_working_day()
    session = services.session_create(
        kind=kind,
        office=namur,
        staff_id=present.pk,
        room=room,
        start=local(day, time(13, 30)),
        by=present,
    )
    people = [BeneficiaryFactory() for _i in range(3)]
    services.seat_book(session=session, beneficiary=people[0], by=present)
    with pytest.raises(services.BookingError, match="déjà inscrite"):
        services.seat_book(session=session, beneficiary=people[0], by=present)
    services.seat_book(session=session, beneficiary=people[1], by=present)
    with pytest.raises(services.SlotTaken, match="complète"):
        services.seat_book(session=session, beneficiary=people[2], by=present)
    agenda = day_agenda(namur, day)
    assert [a.seats_taken for a in agenda] == [2]  # type: ignore[attr-defined]


def test_status_changes_cancel_reschedule_and_missed(
    present: User, namur: Office, welcome_type: AppointmentType
) -> None:
    person = BeneficiaryFactory()
    slots = first_slots(namur, welcome_type, person)
    booked = services.appointment_book(
        beneficiary=person,
        kind=welcome_type,
        office=namur,
        staff_id=present.pk,
        start=slots[0].start,
        by=present,
        now=NOW,
    )
    with pytest.raises(services.BookingError, match="motif"):
        services.appointment_move(appointment=booked, to="cancelled", by=present)
    moved = services.appointment_reschedule(
        appointment=booked,
        staff_id=present.pk,
        start=slots[3].start,
        by=present,
        reason="Malade",
        now=NOW,
    )
    booked.refresh_from_db()
    assert booked.status == "cancelled" and booked.reason == "Malade"
    assert moved.rescheduled_from == booked and moved.during.lower == slots[3].start
    services.appointment_move(appointment=moved, to="arrived", by=present)
    services.appointment_move(appointment=moved, to="done", by=present)
    with pytest.raises(services.BookingError):
        services.appointment_move(appointment=moved, to="no_show", by=present)
    other = services.appointment_book(
        beneficiary=BeneficiaryFactory(),
        kind=welcome_type,
        office=namur,
        staff_id=present.pk,
        start=first_slots(namur, welcome_type)[0].start,
        by=present,
        now=NOW,
    )
    assert services.appointments_mark_missed(now=datetime(2026, 2, 1, tzinfo=UTC)) == 1
    other.refresh_from_db()
    assert other.status == "missed"


def test_daylight_saving_monday_books_at_nine_local(
    present: User, namur: Office, welcome_type: AppointmentType
) -> None:
    found = slot_search(
        office=namur,
        kind=welcome_type,
        first=date(2026, 3, 30),
        last=date(2026, 3, 30),
        now=datetime(2026, 3, 27, tzinfo=UTC),
    )
    assert found[0].start == datetime(2026, 3, 30, 7, tzinfo=UTC)  # 9:00 summer time
    friday = slot_search(
        office=namur,
        kind=welcome_type,
        first=date(2026, 3, 27),
        last=date(2026, 3, 27),
        now=datetime(2026, 3, 20, tzinfo=UTC),
    )
    assert friday[0].start == datetime(2026, 3, 27, 8, tzinfo=UTC)  # 9:00 winter time


def test_undoing_a_no_show_over_a_taken_slot_is_refused_clearly(
    present: User, namur: Office, welcome_type: AppointmentType
) -> None:
    day = next_working_day()
    during = DateTimeTZRange(local(day, time(9)), local(day, time(10)))
    common = {"type": welcome_type, "office": namur, "staff": present, "created_by": present}
    absent = Appointment.objects.create(
        beneficiary=BeneficiaryFactory(), during=during, status="no_show", **common
    )
    Appointment.objects.create(beneficiary=BeneficiaryFactory(), during=during, **common)
    with pytest.raises(services.SlotTaken, match="réservé entre-temps"):
        services.appointment_move(appointment=absent, to="booked", by=present)


def test_group_sessions_refuse_the_past_and_double_bookings_and_cancel_with_their_seats(
    present: User, namur: Office, welcome_type: AppointmentType
) -> None:
    kind = AppointmentType.objects.get(code="rights_duties")
    room = Room.objects.get(office=namur, name="Salle de réunion")
    day = next_working_day()
    session = services.session_create(
        kind=kind,
        office=namur,
        staff_id=present.pk,
        room=room,
        start=local(day, time(13, 30)),
        by=present,
    )
    person = BeneficiaryFactory()
    other_staff_appointment = DateTimeTZRange(local(day, time(14)), local(day, time(14, 30)))
    Appointment.objects.create(
        type=welcome_type,
        office=namur,
        staff=UserFactory(),  # a colleague: the person is busy, not the session's staff
        beneficiary=person,
        during=other_staff_appointment,
        created_by=present,
    )
    with pytest.raises(services.BookingError, match="déjà un rendez-vous"):
        services.seat_book(session=session, beneficiary=person, by=present)
    seat = services.seat_book(session=session, beneficiary=BeneficiaryFactory(), by=present)
    services.appointment_move(
        appointment=session, to="cancelled", by=present, reason="Formatrice malade"
    )
    seat.refresh_from_db()
    assert seat.status == "cancelled"
    past = services.session_create(
        kind=kind,
        office=namur,
        staff_id=present.pk,
        room=room,
        start=local(timezone.localdate() - timedelta(days=3), time(9)),
        by=present,
    )
    with pytest.raises(services.BookingError, match="n'accepte plus"):
        services.seat_book(session=past, beneficiary=BeneficiaryFactory(), by=present)
