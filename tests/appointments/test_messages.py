"""Confirmations and reminders to the person, by e-mail and SMS, through the outbox."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.urls import reverse
from django.utils import timezone

import appointments.services as services
from appointments.messages import (
    TRANSLATED,
    appointment_compose,
    appointment_messages,
    when_in_words,
)
from appointments.models import Appointment, AppointmentType, Seat
from appointments.selectors import slot_search
from beneficiaries.contact_languages import translation_of
from beneficiaries.models import Beneficiary, ConsentPurpose
from beneficiaries.services import consent_record
from cainamur.lib.localtime import local
from cainamur.models import User
from offices.models import Office
from outbox.models import Dispatch
from outbox.services import dispatch_send
from outbox.sms import GSM_BASIC, Sms, gsm7, sms_segments
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
    # Still today when the suite runs just before midnight.
    start = min(now + timedelta(minutes=30), local(now.date(), time(23, 58)))
    later_today = DateTimeTZRange(start, start + timedelta(minutes=1))
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


def sms_consent(person: Beneficiary, by: User) -> None:
    consent_record(
        beneficiary=person,
        purpose=ConsentPurpose.SMS_REMINDERS,
        recipient="",
        given_on=timezone.localdate(),
        channel="paper",
        by=by,
    )


def test_a_confirmation_says_where_how_to_come_when_in_words_and_what_to_bring(
    present: User,
    namur: Office,
    welcome_type: AppointmentType,
    sms_in_memory: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    namur.street = "Rue Lelièvre 6"
    namur.access = "Bus 3 et 4, arrêt Gare ; entrée par la cour"
    namur.save()
    person = BeneficiaryFactory(email="e@example.test", phone="+32471234567")
    sms_consent(person, present)
    appointment = Appointment.objects.create(
        type=welcome_type,
        office=namur,
        staff=present,
        beneficiary=person,
        during=DateTimeTZRange(
            local(date(2031, 12, 1), time(9, 30)), local(date(2031, 12, 1), time(10, 30))
        ),
        created_by=present,
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_messages(purpose=Dispatch.Purpose.CONFIRMATION, appointment=appointment)
    (message,) = mail.outbox
    assert message.subject == "Votre rendez-vous au CAI le lundi 1er décembre 2031"
    body = message.body
    assert "« Module d'accueil » est fixé le lundi 1er décembre 2031 à 9 h 30." in body
    assert "Adresse : Rue Lelièvre 6, 5000 Namur (bureau de Namur)." in body
    assert "Comment venir : Bus 3 et 4, arrêt Gare ; entrée par la cour" in body
    assert "Apportez votre titre de séjour" in body  # the type's default (data migration)
    assert "remplace" not in body
    html = str(message.alternatives[0][0])  # type: ignore[attr-defined]
    assert "<strong>lundi 1er décembre 2031 à 9 h 30</strong>" in html
    assert "Comment venir : Bus 3 et 4, arrêt Gare ; entrée par la cour" in html
    assert welcome_type.bring.replace("'", "&#x27;") in html
    (sms,) = sms_in_memory
    assert sms.body == (
        "CAI Namur : RDV Module d'accueil le lundi 1er décembre à 9 h 30, Rue Lelièvre 6, "
        "Namur. Pour changer : 081 71 35 18."
    )
    assert sms_segments(sms.body) == 1
    # The reminder, the day before: « demain » and the same facts.
    reminder = Dispatch(
        purpose=Dispatch.Purpose.REMINDER,
        appointment=appointment,
        recipient_kind="person",
        to_address="e@example.test",
    )
    text = appointment_compose(reminder).body
    assert "« Module d'accueil » demain, lundi 1er décembre 2031 à 9 h 30." in text
    assert "Rue Lelièvre 6, 5000 Namur" in text and "Comment venir : Bus 3" in text
    assert "Apportez votre titre de séjour" in text


def test_after_a_reschedule_the_messages_say_the_old_appointment_is_cancelled(
    present: User,
    namur: Office,
    welcome_type: AppointmentType,
    sms_in_memory: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = BeneficiaryFactory(email="f@example.test", phone="+32471234567")
    sms_consent(person, present)
    old = book(present, namur, welcome_type, person, django_capture_on_commit_callbacks)
    day = timezone.localtime(old.during.lower).date()
    later = slot_search(
        office=namur, kind=welcome_type, first=day + timedelta(days=1), last=day + timedelta(days=8)
    )[0]
    with django_capture_on_commit_callbacks(execute=True):
        new = services.appointment_reschedule(
            appointment=old, staff_id=later.staff_id, start=later.start, by=present, reason="Malade"
        )
    assert set(new.dispatches.values_list("channel", "status")) == {
        ("email", "sent"),
        ("sms", "sent"),
    }
    words = when_in_words(old.during.lower)
    assert str(old.during.lower.year) in words and " à " in words
    assert f"Il remplace votre rendez-vous du {words}, qui est annulé." in mail.outbox[-1].body
    assert when_in_words(new.during.lower) in mail.outbox[-1].body
    first, moved = sms_in_memory
    assert "annulé" not in first.body
    assert f"RDV du {when_in_words(old.during.lower, year=False)} annulé." in moved.body
    assert sms_segments(moved.body) <= 2


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2037, 9, 30), time(10, 30)),  # the longest weekday and month in words
        (date(2027, 8, 18), time(14, 45)),  # « août »: its û is not in the GSM alphabet
    ],
)
@pytest.mark.parametrize("language", ["", "en", "ar", "uk", "ru", "es", "tr", "ti"])
def test_sms_stay_short_for_every_type(
    present: User, namur: Office, day: date, start: time, language: str
) -> None:
    """Composed without sending (unsaved rows): every type, both purposes, with and
    without a replaced appointment still to come, with a long street name. In the GSM
    alphabet two segments; a line in Arabic, Ukrainian, Russian or Turkish (« ı ») makes
    it Unicode (70 characters a segment instead of 160): four at most. Tigrinya has no
    translation yet: the French text goes alone."""
    namur.street = "Chaussée de Charleroi 123, bâtiment B (2e étage)"
    person = Beneficiary(first_names="Yasmine", languages=[language] if language else [])
    during = DateTimeTZRange(local(day, start), local(day, start) + timedelta(hours=2))
    earlier = day - timedelta(days=2)
    before = Appointment(during=DateTimeTZRange(local(earlier, time(9)), local(earlier, time(10))))
    unicode = language in ("ar", "uk", "ru", "tr", "ti")
    for kind in AppointmentType.objects.all():
        for purpose in (Dispatch.Purpose.CONFIRMATION, Dispatch.Purpose.REMINDER):
            for replaced in (None, before):
                meeting = Appointment(type=kind, office=namur, during=during, beneficiary=person)
                if kind.is_group:
                    row = Dispatch(purpose=purpose, seat=Seat(session=meeting, beneficiary=person))
                else:
                    meeting.rescheduled_from = replaced
                    row = Dispatch(purpose=purpose, appointment=meeting)
                row.channel = Dispatch.Channel.SMS
                row.to_address = "+32471234567"
                sms = appointment_compose(row)
                assert isinstance(sms, Sms)
                line = translation_of(TRANSLATED[purpose], language)
                assert bool(line) is (language != "")
                head = re.split("[:፦]", line)[0]  # « Напоминание », « تذكير », « ምርግጋጽ »…
                assert gsm7(head) in sms.body
                says_replaced = "annulé" in sms.body
                assert says_replaced is (replaced is not None and not kind.is_group)
                limit = 4 if unicode else 2
                assert sms_segments(sms.body) <= limit, (len(sms.body), sms.body)
                assert "mercredi 30 septembre" in sms.body or "mercredi 18 aout" in sms.body
                if not unicode:
                    assert set(sms.body) <= GSM_BASIC, sms.body


def test_an_sms_leaves_out_a_replaced_appointment_already_past(
    present: User, namur: Office, welcome_type: AppointmentType
) -> None:
    """The person can no longer go to it; the e-mail still says it was cancelled."""
    now = timezone.now()
    missed = Appointment(during=DateTimeTZRange(now - timedelta(hours=2), now - timedelta(hours=1)))
    meeting = Appointment(
        type=welcome_type,
        office=namur,
        beneficiary=Beneficiary(first_names="Ali"),
        during=DateTimeTZRange(now + timedelta(days=1), now + timedelta(days=1, hours=1)),
        rescheduled_from=missed,
    )
    sms = appointment_compose(
        Dispatch(purpose="confirmation", appointment=meeting, channel="sms", to_address="+32")
    )
    mail_body = appointment_compose(
        Dispatch(purpose="confirmation", appointment=meeting, to_address="a@example.test")
    ).body
    assert "annulé" not in sms.body and "qui est annulé" in mail_body


@pytest.mark.parametrize(
    ("contact", "says", "not_said"),
    [
        ("", "تأكيد", "appointment"),  # none chosen: the first of their languages
        ("en", "appointment at the CAI", "تأكيد"),  # chosen on the file: only it
        ("ti", "ምርግጋጽ", "تأكيد"),  # chosen on the file: Tigrinya
    ],
)
def test_the_file_s_contact_language_decides_the_translated_line(
    present: User,
    namur: Office,
    welcome_type: AppointmentType,
    contact: str,
    says: str,
    not_said: str,
) -> None:
    now = timezone.now()
    person = Beneficiary(first_names="Ali", languages=["ar", "en"], contact_language=contact)
    meeting = Appointment(
        type=welcome_type,
        office=namur,
        beneficiary=person,
        during=DateTimeTZRange(now + timedelta(days=1), now + timedelta(days=1, hours=1)),
    )
    for channel, address in (("sms", "+32471234567"), ("email", "a@example.test")):
        body = appointment_compose(
            Dispatch(
                purpose="confirmation", appointment=meeting, channel=channel, to_address=address
            )
        ).body
        assert says in body and not_said not in body, body
