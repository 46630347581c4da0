"""Confirmations and reminders to the person, by e-mail and SMS, through the outbox."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.core import mail
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.urls import reverse
from django.utils import timezone

import appointments.services as services
from appointments.models import Appointment, AppointmentType
from appointments.selectors import slot_search
from beneficiaries.models import ConsentPurpose
from beneficiaries.services import consent_record
from cainamur.lib.localtime import local
from cainamur.models import User
from offices.models import Office
from outbox.models import Dispatch
from outbox.services import dispatch_send
from tests.appointments.test_views import next_working_day
from tests.factories import BeneficiaryFactory


def book(present: User, namur: Office, kind: AppointmentType, person: Any, capture: Any) -> Any:
    day = next_working_day()
    slot = slot_search(office=namur, kind=kind, first=day, last=day + timedelta(days=6))[0]
    with capture(execute=True):
        return services.appointment_book(
            beneficiary=person,
            kind=kind,
            office=namur,
            staff_id=slot.staff_id,
            start=slot.start,
            by=present,
        )


def test_booking_confirms_by_email_and_sms_with_a_translated_line(
    present: User,
    namur: Office,
    welcome_type: AppointmentType,
    sms_in_memory: list[Any],
    django_capture_on_commit_callbacks: Any,
    login_client: Any,
) -> None:
    person = BeneficiaryFactory(
        first_names="Yasmine", email="yasmine@example.test", phone="+32471234567", languages=["ar"]
    )
    # SMS only with the person's consent (tests/beneficiaries/test_consents.py: without it).
    consent_record(
        beneficiary=person,
        purpose=ConsentPurpose.SMS_REMINDERS,
        recipient="",
        given_on=timezone.localdate(),
        channel="paper",
        by=present,
    )
    appointment = book(present, namur, welcome_type, person, django_capture_on_commit_callbacks)
    assert set(appointment.dispatches.values_list("channel", "status")) == {
        ("email", "sent"),
        ("sms", "sent"),
    }
    message = mail.outbox[0]
    assert message.to == ["yasmine@example.test"] and "Bonjour Yasmine" in message.body
    assert "Module d'accueil" in message.body and "081 71 35 18" in message.body
    assert "تأكيد" in message.body  # the Arabic line
    (sms,) = sms_in_memory
    assert sms.to == "+32471234567" and "CAI Namur : RDV" in sms.body and "تأكيد" in sms.body
    page = (
        login_client(present)
        .get(reverse("beneficiaries:detail", args=[person.pk]))
        .content.decode()
    )
    assert "Confirmation de rendez-vous (SMS) : <span" in page


def test_no_contact_no_message_and_landlines_get_no_sms(
    present: User,
    namur: Office,
    welcome_type: AppointmentType,
    sms_in_memory: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = BeneficiaryFactory(email="", phone="+3281713518")  # a landline
    consent_record(
        beneficiary=person,
        purpose=ConsentPurpose.SMS_REMINDERS,
        recipient="",
        given_on=timezone.localdate(),
        channel="oral",
        by=present,
    )
    appointment = book(present, namur, welcome_type, person, django_capture_on_commit_callbacks)
    assert not appointment.dispatches.exists() and sms_in_memory == [] and mail.outbox == []


def test_reminders_go_the_day_before_once_and_not_for_cancelled(
    present: User,
    namur: Office,
    welcome_type: AppointmentType,
    django_capture_on_commit_callbacks: Any,
) -> None:
    day = next_working_day()
    common = {"type": welcome_type, "office": namur, "staff": present, "created_by": present}
    kept = Appointment.objects.create(
        beneficiary=BeneficiaryFactory(email="a@example.test", languages=["uk"]),
        during=DateTimeTZRange(local(day, time(9)), local(day, time(10))),
        **common,
    )
    Appointment.objects.create(
        beneficiary=BeneficiaryFactory(email="b@example.test"),
        during=DateTimeTZRange(local(day, time(10)), local(day, time(11))),
        status="cancelled",
        **common,
    )
    eve = day - timedelta(days=1)
    early = local(eve, time(8))
    assert services.reminders_queue(now=early) == 0  # before the reminder hour
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_queue(now=local(eve, time(10, 5))) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_queue(now=local(eve, time(10, 20))) == 0  # once
    reminder = kept.dispatches.get(purpose="reminder")
    assert reminder.status == "sent"
    assert mail.outbox[-1].subject.startswith("Rappel") and "Нагадування" in mail.outbox[-1].body


def test_a_cancelled_appointment_is_not_confirmed_late(
    present: User, namur: Office, welcome_type: AppointmentType
) -> None:
    from outbox.services import dispatch_send

    person = BeneficiaryFactory(email="c@example.test")
    day = next_working_day()
    slot = slot_search(office=namur, kind=welcome_type, first=day, last=day + timedelta(days=6))[0]
    appointment = services.appointment_book(  # its confirmation task has not run yet
        beneficiary=person,
        kind=welcome_type,
        office=namur,
        staff_id=slot.staff_id,
        start=slot.start,
        by=present,
    )
    services.appointment_move(appointment=appointment, to="cancelled", by=present, reason="Erreur")
    confirmation = Dispatch.objects.get(appointment=appointment)
    dispatch_send(confirmation.pk)
    confirmation.refresh_from_db()
    assert confirmation.status == "cancelled" and mail.outbox == []


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
