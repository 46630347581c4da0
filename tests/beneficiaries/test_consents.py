"""Consents (GDPR art. 6(1)(a)): recorded and withdrawn on the file page, and what stops
with them (SMS about appointments)."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.messages import appointment_messages
from appointments.models import Appointment, AppointmentType
from appointments.services import reminders_queue
from beneficiaries.models import Beneficiary, Consent, ConsentPurpose
from beneficiaries.selectors import has_consent
from beneficiaries.services import consent_record, consent_withdraw
from cainamur.lib.localtime import local
from cainamur.models import AuditEvent, User
from offices.models import Office
from outbox.models import Dispatch
from outbox.services import dispatch_send
from tests.appointments.test_views import next_working_day
from tests.factories import BeneficiaryFactory

SMS = ConsentPurpose.SMS_REMINDERS
SHARING = ConsentPurpose.OPERATOR_SHARING


def give(beneficiary: Beneficiary, by: User, purpose: str = SMS, **extra: Any) -> Consent:
    values: dict[str, Any] = {
        "recipient": "",
        "given_on": timezone.localdate() - timedelta(days=10),
        "channel": "paper",
    }
    values.update(extra)
    return consent_record(beneficiary=beneficiary, purpose=purpose, by=by, **values)


def page_of(client: Any, beneficiary: Beneficiary) -> str:
    response = client.get(reverse("beneficiaries:detail", args=[beneficiary.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def consents_section(page: str) -> str:
    match = re.search(r'<section class="card mb-3" id="consentements".*?</section>', page, re.S)
    assert match, "the file page has a « Consentements » section"
    return match.group(0)


@pytest.fixture
def person(db: None) -> Beneficiary:
    return BeneficiaryFactory(
        first_names="Yasmine", phone="+32471234567", email="yasmine@example.test"
    )


# Services


def test_a_consent_holds_until_withdrawn_and_both_are_in_the_history(
    person: Beneficiary, caseworker: User, coordinator: User
) -> None:
    consent = give(person, caseworker, given_on=date(2026, 3, 2), channel="oral")
    assert has_consent(person, SMS) and not has_consent(person, ConsentPurpose.PHOTO)
    consent_withdraw(
        consent=consent, withdrawn_on=date(2026, 4, 1), channel="email", by=coordinator
    )
    consent.refresh_from_db()
    assert not has_consent(person, SMS)
    assert (consent.withdrawn_on, consent.withdrawn_channel) == (date(2026, 4, 1), "email")
    assert consent.withdrawn_by == coordinator and consent.withdrawn_at is not None
    history = list(
        AuditEvent.objects.filter(beneficiary=person.pk)
        .order_by("at", "id")
        .values_list("action", "summary", "actor")
    )
    assert history[-2:] == [
        (
            "beneficiaries.consent_record",
            "Consentement donné le 02/03/2026 (oralement, en présence) : "
            "Rappels de rendez-vous par SMS",
            caseworker.pk,
        ),
        (
            "beneficiaries.consent_withdraw",
            "Consentement retiré le 01/04/2026 (par e-mail) : Rappels de rendez-vous par SMS",
            coordinator.pk,
        ),
    ]
    # Given again later: a new row; the withdrawn one stays as evidence.
    give(person, caseworker)
    assert has_consent(person, SMS) and person.consents.count() == 2


def test_the_same_consent_is_not_recorded_twice_nor_withdrawn_twice(
    person: Beneficiary, caseworker: User
) -> None:
    consent = give(person, caseworker)
    with pytest.raises(ValidationError, match="déjà enregistré"):
        give(person, caseworker)
    consent_withdraw(
        consent=consent, withdrawn_on=timezone.localdate(), channel="oral", by=caseworker
    )
    with pytest.raises(ValidationError, match="déjà été retiré"):
        consent_withdraw(
            consent=consent, withdrawn_on=timezone.localdate(), channel="oral", by=caseworker
        )


def test_a_sharing_names_its_operator_and_only_a_sharing_does(
    person: Beneficiary, caseworker: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        give(person, caseworker, SHARING)
    assert refused.value.message_dict == {"recipient": ["Nommez l'opérateur avec qui partager."]}
    with pytest.raises(ValidationError) as refused:
        give(person, caseworker, SMS, recipient="ILI Namur")
    assert "recipient" in refused.value.message_dict
    give(person, caseworker, SHARING, recipient="ILI Namur-Ville")
    give(person, caseworker, SHARING, recipient="Maison de l'emploi de Dinant")
    with pytest.raises(ValidationError, match="déjà enregistré"):
        give(person, caseworker, SHARING, recipient="ili namur-ville")  # any case
    assert has_consent(person, SHARING, recipient="ILI NAMUR-VILLE")
    assert not has_consent(person, SHARING, recipient="Une autre association")
    assert not has_consent(person, SMS)


def test_dates_must_have_happened_and_a_withdrawal_follows_the_consent(
    person: Beneficiary, caseworker: User
) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError, match="dans le futur"):
        give(person, caseworker, given_on=tomorrow)
    consent = give(person, caseworker, given_on=date(2026, 3, 2))
    with pytest.raises(ValidationError, match="ne peut précéder le consentement"):
        consent_withdraw(
            consent=consent, withdrawn_on=date(2026, 3, 1), channel="oral", by=caseworker
        )
    with pytest.raises(ValidationError, match="dans le futur"):
        consent_withdraw(consent=consent, withdrawn_on=tomorrow, channel="oral", by=caseworker)
    assert has_consent(person, SMS)


def test_the_database_refuses_incoherent_rows(person: Beneficiary, caseworker: User) -> None:
    """Whatever writes the rows (a bulk load, a later script): the constraints hold."""
    common = {"beneficiary": person, "given_on": date(2026, 3, 2), "recorded_by": caseworker}
    Consent.objects.create(purpose=SMS, channel="paper", **common)
    for values in (
        {"purpose": SMS, "channel": "oral"},  # twice at once
        {"purpose": SHARING, "channel": "oral"},  # a sharing with nobody
        {"purpose": "photo", "channel": "oral", "withdrawn_on": date(2026, 4, 1)},  # half
        {
            "purpose": "photo",
            "channel": "oral",
            "withdrawn_on": date(2026, 3, 1),  # before it was given
            "withdrawn_channel": "oral",
            "withdrawn_by": caseworker,
            "withdrawn_at": timezone.now(),
        },
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Consent.objects.create(**common, **values)


# The file page


def test_caseworker_records_a_consent_and_sees_it_on_the_file(
    login_client: Any, person: Beneficiary, caseworker: User
) -> None:
    client = login_client(caseworker)
    url = reverse("beneficiaries:consent-add", args=[person.pk])
    response = client.post(
        url,
        {
            "purpose": "operator_sharing",
            "recipient": "ILI Namur-Ville",
            "given_on": "2026-03-02",
            "channel": "paper",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#consentements")
    section = consents_section(page_of(client, person))
    assert "Partage avec un opérateur nommé, au-delà des besoins du parcours — ILI Namur-Ville" in (
        section
    )
    assert "Donné le 02/03/2026 (formulaire signé), enregistré par Claire" in section
    assert "Retirer" in section and "data-confirm" in section
    # Without an SMS consent, the page says that appointments go by e-mail only.
    assert "ne partent que par e-mail" in section


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"purpose": "sms_reminders", "given_on": "2099-01-01"}, "given_on", "dans le futur"),
        ({"purpose": "operator_sharing", "recipient": ""}, "recipient", "Nommez l&#x27;opérateur"),
        ({"purpose": "photo", "recipient": "ILI Namur"}, "recipient", "ne se nomme que pour"),
        ({"purpose": "", "channel": ""}, "purpose", "Ce champ est obligatoire."),
    ],
)
def test_a_refused_consent_keeps_what_was_typed_and_says_why_on_the_field(
    login_client: Any,
    person: Beneficiary,
    caseworker: User,
    typed: dict[str, str],
    field: str,
    message: str,
) -> None:
    data = {"purpose": "", "recipient": "", "given_on": "2026-03-02", "channel": "oral"}
    data.update(typed)
    response = login_client(caseworker).post(
        reverse("beneficiaries:consent-add", args=[person.pk]), data
    )
    assert response.status_code == 400
    section = consents_section(response.content.decode())
    # The error sits under its field (in the field's column), which keeps what was typed.
    column = section[section.index(f'id="consent_{field}"') :].split('<div class="col')[0]
    assert "invalid-feedback" in column and message in column
    assert f'value="{data["given_on"]}"' in section
    if data["recipient"]:
        assert f'value="{data["recipient"]}"' in section
    assert not Consent.objects.exists()


def test_a_consent_already_held_is_refused_with_its_date(
    login_client: Any, person: Beneficiary, caseworker: User
) -> None:
    give(person, caseworker, given_on=date(2026, 3, 2))
    response = login_client(caseworker).post(
        reverse("beneficiaries:consent-add", args=[person.pk]),
        {"purpose": "sms_reminders", "given_on": "2026-03-05", "channel": "oral"},
    )
    assert response.status_code == 400
    assert "déjà enregistré (donné le 02/03/2026)" in response.content.decode()
    assert person.consents.count() == 1


def test_withdrawing_asks_when_and_how_and_keeps_the_consent_as_withdrawn(
    login_client: Any, person: Beneficiary, caseworker: User
) -> None:
    consent = give(person, caseworker, given_on=date(2026, 3, 2))
    client = login_client(caseworker)
    section = consents_section(page_of(client, person))
    assert "Plus aucun SMS de rendez-vous ne partira" in section  # the confirmation asked
    url = reverse("beneficiaries:consent-withdraw", args=[person.pk, consent.pk])
    assert f'action="{url}"' in section
    refused = client.post(url, {"withdrawn_on": "2026-03-01", "withdrawn_channel": "oral"})
    assert refused.status_code == 400
    section = consents_section(refused.content.decode())
    assert "Le retrait ne peut précéder le consentement (donné le 02/03/2026)." in section
    assert '<details class="mt-2" open>' in section and 'value="2026-03-01"' in section
    assert has_consent(person, SMS)
    response = client.post(url, {"withdrawn_on": "2026-04-01", "withdrawn_channel": "oral"})
    assert response.status_code == 302 and not has_consent(person, SMS)
    section = consents_section(page_of(client, person))
    assert "Retiré le 01/04/2026 (oralement, en présence), enregistré par Claire" in section
    assert "Donné le 02/03/2026" in section and "Confirmer le retrait" not in section
    again = client.post(url, {"withdrawn_on": "2026-04-02", "withdrawn_channel": "oral"})
    assert again.status_code == 302  # sent twice: said, not changed
    consent.refresh_from_db()
    assert consent.withdrawn_on == date(2026, 4, 1)


def test_reception_reads_the_consents_but_cannot_change_them(
    login_client: Any, person: Beneficiary, caseworker: User, reception: User
) -> None:
    consent = give(person, caseworker, given_on=date(2026, 3, 2))
    client = login_client(reception)
    section = consents_section(page_of(client, person))
    assert "Rappels de rendez-vous par SMS" in section and "Donné le 02/03/2026" in section
    assert "<form" not in section and "Retirer" not in section
    add = reverse("beneficiaries:consent-add", args=[person.pk])
    withdraw = reverse("beneficiaries:consent-withdraw", args=[person.pk, consent.pk])
    data = {"purpose": "photo", "given_on": "2026-03-02", "channel": "oral"}
    assert client.post(add, data).status_code == 403
    assert (
        client.post(
            withdraw, {"withdrawn_on": "2026-04-01", "withdrawn_channel": "oral"}
        ).status_code
        == 403
    )
    assert has_consent(person, SMS) and person.consents.count() == 1


def test_who_may_record_and_withdraw(
    client: Any,
    login_client: Any,
    person: Beneficiary,
    caseworker: User,
    personas: dict[str, User],
) -> None:
    consent = give(person, caseworker)
    other_file = BeneficiaryFactory()
    add = reverse("beneficiaries:consent-add", args=[person.pk])
    withdraw = reverse("beneficiaries:consent-withdraw", args=[person.pk, consent.pk])
    data = {"purpose": "photo", "given_on": "2026-03-02", "channel": "oral"}
    withdrawal = {"withdrawn_on": timezone.localdate().isoformat(), "withdrawn_channel": "oral"}
    assert client.post(add, data)["Location"].startswith(reverse("login"))  # anonymous
    assert login_client(personas["administrator"]).post(add, data).status_code == 403
    outsider = login_client(personas["outsider"])  # another office's caseworker
    assert outsider.post(add, data).status_code == 404
    assert outsider.post(withdraw, withdrawal).status_code == 404
    assert outsider.get(reverse("beneficiaries:detail", args=[person.pk])).status_code == 404
    coordinator = login_client(personas["coordinator"])
    assert coordinator.get(add).status_code == 405
    # A consent reached through another file's address does not exist.
    elsewhere = reverse("beneficiaries:consent-withdraw", args=[other_file.pk, consent.pk])
    assert coordinator.post(elsewhere, withdrawal).status_code == 404
    assert coordinator.post(add, data).status_code == 302
    assert coordinator.post(withdraw, withdrawal).status_code == 302
    assert has_consent(person, ConsentPurpose.PHOTO) and not has_consent(person, SMS)


def test_file_page_query_count_does_not_grow_with_consents(
    login_client: Any, person: Beneficiary, caseworker: User
) -> None:
    client = login_client(caseworker)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            page_of(client, person)
        return len(queries)

    withdrawn = give(person, caseworker)
    consent_withdraw(
        consent=withdrawn, withdrawn_on=timezone.localdate(), channel="oral", by=caseworker
    )
    give(person, caseworker)
    first = count()
    for name in ("ILI Namur-Ville", "Lire et Écrire Namur", "CPAS de Namur"):
        give(person, caseworker, SHARING, recipient=name)
    give(person, caseworker, ConsentPurpose.PHOTO)
    assert count() == first


# What stops with the consent: SMS about appointments


@pytest.fixture
def tomorrow_appointment(person: Beneficiary, caseworker: User, namur: Office) -> Appointment:
    day = next_working_day()
    return Appointment.objects.create(
        type=AppointmentType.objects.get(code="welcome"),
        office=namur,
        staff=caseworker,
        beneficiary=person,
        during=DateTimeTZRange(local(day, time(9)), local(day, time(10))),
        created_by=caseworker,
    )


def test_without_consent_appointments_go_by_email_only(
    login_client: Any,
    tomorrow_appointment: Appointment,
    caseworker: User,
    sms_in_memory: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        appointment_messages(
            purpose=Dispatch.Purpose.CONFIRMATION, appointment=tomorrow_appointment
        )
    assert list(tomorrow_appointment.dispatches.values_list("channel", "status")) == [
        ("email", "sent")
    ]
    assert sms_in_memory == [] and mail.outbox[0].to == ["yasmine@example.test"]
    page = page_of(login_client(caseworker), tomorrow_appointment.beneficiary)
    assert "Confirmation de rendez-vous (e-mail)" in page
    assert "Confirmation de rendez-vous (SMS)" not in page


def test_with_consent_appointments_also_go_by_sms(
    person: Beneficiary,
    tomorrow_appointment: Appointment,
    caseworker: User,
    sms_in_memory: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    give(person, caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_messages(
            purpose=Dispatch.Purpose.CONFIRMATION, appointment=tomorrow_appointment
        )
    assert set(tomorrow_appointment.dispatches.values_list("channel", "status")) == {
        ("email", "sent"),
        ("sms", "sent"),
    }
    (sms,) = sms_in_memory
    assert sms.to == "+32471234567" and sms.body.startswith("CAI Namur : RDV")


def test_after_withdrawal_no_sms_goes_not_even_one_already_queued(
    person: Beneficiary,
    tomorrow_appointment: Appointment,
    caseworker: User,
    sms_in_memory: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    consent = give(person, caseworker)
    eve = timezone.localtime(tomorrow_appointment.during.lower).date() - timedelta(days=1)
    # The reminders are written (e-mail and SMS) but their sending has not run yet...
    assert reminders_queue(now=local(eve, time(10, 5))) == 2
    queued = tomorrow_appointment.dispatches.get(purpose="reminder", channel="sms")
    assert queued.status == "queued"
    # ...when the person withdraws their consent.
    consent_withdraw(
        consent=consent, withdrawn_on=timezone.localdate(), channel="oral", by=caseworker
    )
    for dispatch in tomorrow_appointment.dispatches.filter(purpose="reminder"):
        dispatch_send(dispatch.pk)
    queued.refresh_from_db()
    assert queued.status == "cancelled" and sms_in_memory == []
    assert mail.outbox[-1].subject.startswith("Rappel")  # the e-mail still goes
    # The next message about an appointment has no SMS at all.
    with django_capture_on_commit_callbacks(execute=True):
        appointment_messages(
            purpose=Dispatch.Purpose.CONFIRMATION, appointment=tomorrow_appointment
        )
    assert list(
        tomorrow_appointment.dispatches.filter(purpose="confirmation").values_list(
            "channel", flat=True
        )
    ) == ["email"]
    assert sms_in_memory == []
