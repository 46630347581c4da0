"""Reception's screens: booking with the slot finder, the day agenda, status buttons."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import appointments.services as services
from appointments.models import Appointment, AppointmentType
from appointments.selectors import slot_search
from appointments.services import appointments_mark_missed
from cainamur.lib.localtime import local
from cainamur.models import User
from offices.holidays import is_public_holiday
from offices.models import Office, Room
from tests.beneficiaries.test_file import registration
from tests.factories import BeneficiaryFactory


def next_working_day() -> date:

    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() >= 5 or is_public_holiday(day):
        day += timedelta(days=1)
    return day


def booking_url(beneficiary_pk: int, kind: AppointmentType, office: Office) -> str:
    return (
        reverse("appointments:book")
        + f"?dossier={beneficiary_pk}&type={kind.pk}&office={office.pk}"
    )


def test_reception_books_in_two_clicks(
    present: User, reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    person = BeneficiaryFactory(interpreter_needed=True, interpreter_language="ar")
    client = login_client(reception)
    page = client.get(booking_url(person.pk, welcome_type, namur)).content.decode()
    assert 'name="slot"' in page and 'value="ar" selected' in page
    slot = slot_search(
        office=namur,
        kind=welcome_type,
        first=timezone.localdate(),
        last=timezone.localdate() + timedelta(days=13),
        beneficiary=person,
    )[0]
    response = client.post(
        reverse("appointments:book-confirm"),
        {
            "dossier": person.pk,
            "type": welcome_type.pk,
            "office": namur.pk,
            "slot": f"{slot.staff_id}|{slot.start.isoformat()}",
            "interpreter_language": "ar",
        },
        follow=True,
    )
    text = response.content.decode()
    assert (
        "Rendez-vous « Module d&#x27;accueil »" in text
        or "Rendez-vous « Module d'accueil »" in text
    )
    appointment = Appointment.objects.get()
    assert appointment.interpreter == "requested" and appointment.created_by == reception
    assert 'data-testid="file-appointment"' in text  # the file lists it


def test_a_lost_race_says_so_and_shows_fresh_slots(
    present: User, reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    first, second = BeneficiaryFactory(), BeneficiaryFactory()
    slot = slot_search(
        office=namur,
        kind=welcome_type,
        first=timezone.localdate(),
        last=timezone.localdate() + timedelta(days=13),
    )[0]
    services.appointment_book(
        beneficiary=first,
        kind=welcome_type,
        office=namur,
        staff_id=slot.staff_id,
        start=slot.start,
        by=present,
    )
    response = login_client(reception).post(
        reverse("appointments:book-confirm"),
        {
            "dossier": second.pk,
            "type": welcome_type.pk,
            "office": namur.pk,
            "slot": f"{slot.staff_id}|{slot.start.isoformat()}",
            "notes": "Apporter le titre de séjour",
        },
    )
    # The booking page again (400): the error on the slots, the remark as typed.
    assert response.status_code == 400
    text = response.content.decode()
    assert "vient d&#x27;être pris" in text or "vient d'être pris" in text
    assert 'value="Apporter le titre de séjour"' in text
    assert "Voici les créneaux encore libres" in text and 'name="slot"' in text
    assert Appointment.objects.count() == 1


def test_booking_is_scoped_and_needs_a_role(
    present: User,
    outsider: User,
    administrator: User,
    namur: Office,
    welcome_type: AppointmentType,
    login_client: Any,
    client: Any,
) -> None:
    person = BeneficiaryFactory()  # Namur
    url = booking_url(person.pk, welcome_type, namur)
    assert client.get(url).status_code == 302  # to login
    assert login_client(administrator).get(url).status_code == 403
    assert login_client(outsider).get(url).status_code == 404
    confirm = {
        "dossier": person.pk,
        "type": welcome_type.pk,
        "office": namur.pk,
        "slot": "1|2030-01-07T09:00:00+01:00",
    }
    assert (
        login_client(outsider).post(reverse("appointments:book-confirm"), confirm).status_code
        == 404
    )


def test_the_day_agenda_and_its_buttons(
    present: User,
    reception: User,
    outsider: User,
    namur: Office,
    welcome_type: AppointmentType,
    login_client: Any,
) -> None:
    day = next_working_day()
    found = slot_search(office=namur, kind=welcome_type, first=day, last=day)
    booked = [
        services.appointment_book(
            beneficiary=BeneficiaryFactory(),
            kind=welcome_type,
            office=namur,
            staff_id=s.staff_id,
            start=s.start,
            by=present,
        )
        for s in found[:1]
    ]
    client = login_client(reception)
    url = reverse("appointments:agenda") + f"?bureau={namur.pk}&jour={day.isoformat()}"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = queries()
    for slot in slot_search(office=namur, kind=welcome_type, first=day, last=day)[4:12:4]:
        booked.append(
            services.appointment_book(
                beneficiary=BeneficiaryFactory(),
                kind=welcome_type,
                office=namur,
                staff_id=slot.staff_id,
                start=slot.start,
                by=present,
            )
        )
    assert len(booked) == 3 and queries() == one  # pinned: no query per appointment
    page = client.get(url).content.decode()
    assert page.count('data-testid="agenda-row"') == 3
    status_url = reverse("appointments:status", args=[booked[0].pk])
    client.post(status_url, {"to": "arrived"})
    booked[0].refresh_from_db()
    assert booked[0].status == "arrived" and booked[0].arrived_at is not None
    refused = client.post(
        reverse("appointments:status", args=[booked[1].pk]), {"to": "cancelled"}, follow=True
    )
    assert "motif" in refused.content.decode()
    client.post(
        reverse("appointments:status", args=[booked[1].pk]), {"to": "cancelled", "reason": "Malade"}
    )
    booked[1].refresh_from_db()
    assert booked[1].status == "cancelled"
    # Another office's staff cannot touch Namur's appointments.
    assert login_client(outsider).post(status_url, {"to": "done"}).status_code == 404


def test_group_session_seats_from_the_booking_screen(
    present: User, reception: User, namur: Office, login_client: Any
) -> None:

    kind = AppointmentType.objects.get(code="rights_duties")
    day = next_working_day()

    session = services.session_create(
        kind=kind,
        office=namur,
        staff_id=present.pk,
        room=Room.objects.get(office=namur, name="Salle de réunion"),
        start=local(day, time(13, 30)),
        by=present,
    )
    person = BeneficiaryFactory()
    client = login_client(reception)
    page = client.get(booking_url(person.pk, kind, namur)).content.decode()
    assert "0 / 12 places" in page
    client.post(reverse("appointments:seat", args=[session.pk]), {"dossier": person.pk})
    assert session.seats.filter(beneficiary=person).exists()
    page = client.get(booking_url(person.pk, kind, namur)).content.decode()
    assert "1 / 12 places" in page
    seat = session.seats.get(beneficiary=person)
    client.post(reverse("appointments:seat-status", args=[seat.pk]), {"to": "arrived"})
    seat.refresh_from_db()
    assert seat.status == "arrived"
    agenda = client.get(
        reverse("appointments:agenda") + f"?bureau={namur.pk}&jour={day.isoformat()}"
    ).content.decode()
    assert "présent·e</span>" in agenda


def test_reception_home_lists_today_and_the_night_marks_the_missed(
    present: User, reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:

    today = timezone.localdate()
    person = BeneficiaryFactory()
    common = {"type": welcome_type, "office": namur, "staff": present, "created_by": present}
    Appointment.objects.create(
        beneficiary=BeneficiaryFactory(last_name="Aujourdhui"),
        during=DateTimeTZRange(local(today, time(23, 0)), local(today, time(23, 30))),
        **common,
    )
    appointment = Appointment.objects.create(  # yesterday, never checked in
        beneficiary=person,
        during=DateTimeTZRange(
            local(today - timedelta(days=1), time(10)), local(today - timedelta(days=1), time(11))
        ),
        **common,
    )
    page = login_client(reception).get(reverse("home-reception")).content.decode()
    assert 'data-testid="today-agenda"' in page and "AUJOURDHUI" in page
    # The nightly run (02:15) marks yesterday's, whatever the hour the test runs at.
    assert appointments_mark_missed(now=local(today, time(2, 15))) == 1
    appointment.refresh_from_db()
    assert appointment.status == "missed"
    file_page = login_client(reception).get(reverse("beneficiaries:detail", args=[person.pk]))
    assert "Non pointé" in file_page.content.decode()


def test_rescheduling_from_the_agenda(
    present: User, reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    day = next_working_day()
    found = slot_search(office=namur, kind=welcome_type, first=day, last=day + timedelta(days=7))
    person = BeneficiaryFactory()
    booked = services.appointment_book(
        beneficiary=person,
        kind=welcome_type,
        office=namur,
        staff_id=found[0].staff_id,
        start=found[0].start,
        by=present,
    )
    client = login_client(reception)
    page = client.get(reverse("appointments:book") + f"?reporter={booked.pk}").content.decode()
    assert "Report du rendez-vous" in page and 'name="reason"' in page
    later = found[-1]
    response = client.post(
        reverse("appointments:book-confirm"),
        {
            "dossier": person.pk,
            "type": welcome_type.pk,
            "office": namur.pk,
            "reporter": booked.pk,
            "slot": f"{later.staff_id}|{later.start.isoformat()}",
            "reason": "Empêchement",
        },
        follow=True,
    )
    assert response.status_code == 200
    booked.refresh_from_db()
    assert booked.status == "cancelled" and booked.reason == "Empêchement"
    assert booked.rescheduled_to.during.lower == later.start  # type: ignore[attr-defined]


def test_the_interpreter_is_confirmed_from_the_agenda(
    present: User, reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    day = next_working_day()
    slot = slot_search(office=namur, kind=welcome_type, first=day, last=day + timedelta(days=6))[0]
    booked = services.appointment_book(
        beneficiary=BeneficiaryFactory(),
        kind=welcome_type,
        office=namur,
        staff_id=slot.staff_id,
        start=slot.start,
        by=present,
        interpreter_language="ps",
    )
    client = login_client(reception)
    url = reverse("appointments:status", args=[booked.pk])
    client.post(url, {"to": "interpreter_confirmed"})
    booked.refresh_from_db()
    assert booked.interpreter == "confirmed"
    again = client.post(url, {"to": "interpreter_confirmed"}, follow=True).content.decode()
    assert "Aucun interprète" in again


def test_booking_starts_by_finding_or_opening_the_file(reception: User, login_client: Any) -> None:
    person = BeneficiaryFactory(last_name="Kowalska", first_names="Anna")
    client = login_client(reception)
    page = client.get(reverse("appointments:book")).content.decode()
    assert "Retrouver le dossier" in page and "?suite=rendez-vous" in page
    found = client.post(reverse("appointments:book"), {"q": "kowalsk"}).content.decode()
    assert f"?dossier={person.pk}" in found

    response = client.post(
        reverse("beneficiaries:create") + "?suite=rendez-vous",
        registration(last_name="Nouvelle", first_names="Personne"),
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("appointments:book") + "?dossier=")


def test_daylight_saving_weeks_display_local_times(
    present: User, reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:

    # Monday after the switch to summer time (29 March 2026) and after the return to
    # winter time (25 October 2026): 9:00 in Namur is 7:00 and 8:00 UTC respectively.
    client = login_client(reception)
    for day in (date(2026, 3, 30), date(2026, 10, 26)):
        Appointment.objects.create(
            type=welcome_type,
            office=namur,
            staff=present,
            beneficiary=BeneficiaryFactory(),
            during=DateTimeTZRange(local(day, time(9)), local(day, time(10))),
            created_by=present,
        )
        page = client.get(
            reverse("appointments:agenda") + f"?bureau={namur.pk}&jour={day.isoformat()}"
        ).content.decode()
        assert "09:00–10:00" in page


def test_caseworkers_plan_a_group_session_from_the_booking_screen(
    present: User, reception: User, namur: Office, login_client: Any
) -> None:
    kind = AppointmentType.objects.get(code="rights_duties")
    person = BeneficiaryFactory()
    assert (
        "Planifier une nouvelle séance"
        not in login_client(reception).get(booking_url(person.pk, kind, namur)).content.decode()
    )  # reception signs people up; caseworkers plan sessions
    client = login_client(present)
    page = client.get(booking_url(person.pk, kind, namur)).content.decode()
    value = page.split('name="slot" id="session-slot">')[1].split('value="')[1].split('"')[0]
    client.post(
        reverse("appointments:session-plan"),
        {"dossier": person.pk, "type": kind.pk, "office": namur.pk, "slot": value},
    )
    session = Appointment.objects.get(type=kind)
    assert session.beneficiary is None and session.room is not None
    assert "0 / 12 places" in client.get(booking_url(person.pk, kind, namur)).content.decode()
    assert (
        login_client(reception)
        .post(
            reverse("appointments:session-plan"),
            {"dossier": person.pk, "type": kind.pk, "office": namur.pk, "slot": value},
        )
        .status_code
        == 403
    )


def test_the_booking_screen_shows_afternoons_and_the_whole_window(
    present: User, reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    page = login_client(reception).get(booking_url(BeneficiaryFactory().pk, welcome_type, namur))
    text = page.content.decode()
    assert "15:30" in text and text.count('data-testid="slot-day"') >= 9


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
    # The booking page again (400), the error on the slots.
    assert naive.status_code == 400 and "pas valable" in naive.content.decode()
