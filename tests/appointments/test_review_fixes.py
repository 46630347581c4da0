"""Edge cases found in review: every slot of the window, open-ended absences, undoing a
no-show over a slot taken since, group-session rules, late messages, tampered input."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.urls import reverse
from django.utils import timezone

import appointments.services as services
from appointments.models import Appointment, AppointmentType
from cainamur.lib.localtime import local
from cainamur.models import User
from offices.models import Absence, Office, Room
from outbox.models import Dispatch
from outbox.services import dispatch_send
from tests.appointments.test_views import booking_url, next_working_day
from tests.factories import BeneficiaryFactory, UserFactory


def test_the_booking_screen_shows_afternoons_and_the_whole_window(
    present: User, reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    page = login_client(reception).get(booking_url(BeneficiaryFactory().pk, welcome_type, namur))
    text = page.content.decode()
    assert "15:30" in text and text.count('data-testid="slot-day"') >= 9


def test_an_absence_needs_both_ends(present: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Absence.objects.create(
            staff=present, during=DateTimeTZRange(timezone.now(), None), reason="Maladie"
        )


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


def test_a_reminder_is_not_sent_on_the_day_itself(
    present: User, namur: Office, welcome_type: AppointmentType
) -> None:
    now = timezone.localtime()
    later_today = DateTimeTZRange(now + timedelta(minutes=30), now + timedelta(minutes=90))
    appointment = Appointment.objects.create(
        type=welcome_type,
        office=namur,
        staff=present,
        beneficiary=BeneficiaryFactory(email="d@example.test"),
        during=later_today,
        created_by=present,
    )
    reminder = Dispatch.objects.create(
        purpose="reminder", appointment=appointment, recipient_kind="person", channel="email"
    )
    dispatch_send(reminder.pk)
    reminder.refresh_from_db()
    assert reminder.status == "cancelled" and mail.outbox == []


def test_tampered_input_gets_404_or_a_message_never_a_500(
    present: User, reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    client = login_client(reception)
    url = reverse("appointments:book-confirm")
    assert client.post(url, {"dossier": "abc", "type": "1", "office": "1"}).status_code == 404
    person = BeneficiaryFactory()
    naive = client.post(
        url,
        {
            "dossier": person.pk,
            "type": welcome_type.pk,
            "office": namur.pk,
            "slot": f"{present.pk}|2030-01-07T09:00:00",
        },
        follow=True,
    )
    assert naive.status_code == 200 and "pas valable" in naive.content.decode()


def test_coordinators_pages_only_handle_attestation_copies(
    present: User,
    coordinator: User,
    namur: Office,
    welcome_type: AppointmentType,
    login_client: Any,
) -> None:
    appointment = Appointment.objects.create(
        type=welcome_type,
        office=namur,
        staff=present,
        beneficiary=BeneficiaryFactory(),
        during=DateTimeTZRange(
            timezone.now() + timedelta(days=2), timezone.now() + timedelta(days=2, hours=1)
        ),
        created_by=present,
    )
    message = Dispatch.objects.create(
        purpose="confirmation", appointment=appointment, recipient_kind="person", status="failed"
    )
    client = login_client(coordinator)
    assert (
        client.post(reverse("attestations:dispatch-resend", args=[message.pk])).status_code == 404
    )
    assert (
        client.post(
            reverse("attestations:dispatch-address", args=[message.pk]), {"email": "a@b.be"}
        ).status_code
        == 404
    )
