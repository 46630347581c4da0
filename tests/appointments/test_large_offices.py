"""A large office's day and week: hundreds of appointments stay readable and quick (the
day agenda by pages, the week as a count per staff member), with a fixed number of
queries; the slot finder reads no further than it needs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments import slots
from appointments.calendars import WEEK_ROWS_SHOWN
from appointments.models import Appointment, AppointmentType
from appointments.selectors import AGENDA_PER_PAGE
from cainamur.lib.localtime import local
from cainamur.models import User
from cainamur.roles import Role
from offices.models import Office, StaffAvailability
from tests.appointments.test_views import next_working_day
from tests.conftest import make_staff
from tests.factories import BeneficiaryFactory


def fill_day(
    day: date, *, office: Office, kind: AppointmentType, staff: list[User], per_person: int
) -> list[Appointment]:
    """``per_person`` half-hour appointments for each staff member, from 9:00 on."""
    rows = []
    for person in staff:
        for n in range(per_person):
            start = local(day, time(9)) + timedelta(minutes=30 * n)
            rows.append(
                Appointment(
                    type=kind,
                    office=office,
                    staff=person,
                    beneficiary=BeneficiaryFactory(),
                    during=DateTimeTZRange(start, start + timedelta(minutes=30)),
                    created_by=person,
                )
            )
    return Appointment.objects.bulk_create(rows)


def colleagues(count: int) -> list[User]:
    """Caseworkers at Namur every weekday."""
    staff = [
        make_staff(f"collegue{n}", [Role.CASEWORKER], ["namur"], last_name=f"Collègue {n:02d}")
        for n in range(count)
    ]
    namur = Office.objects.get(code="namur")
    StaffAvailability.objects.bulk_create(
        StaffAvailability(staff=person, office=namur, weekday=d, starts=time(9), ends=time(17))
        for person in staff
        for d in range(5)
    )
    return staff


def test_the_day_agenda_comes_by_pages_with_the_same_queries(
    reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    day = next_working_day()
    staff = colleagues(6)
    fill_day(day, office=namur, kind=welcome_type, staff=staff[:1], per_person=3)
    client = login_client(reception)
    url = reverse("appointments:agenda") + f"?bureau={namur.pk}&jour={day.isoformat()}"

    def queries(address: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(address)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    few, page = queries(url)
    assert page.count('data-testid="agenda-row"') == 3 and "Plus tard" not in page
    fill_day(day, office=namur, kind=welcome_type, staff=staff[1:], per_person=12)
    many, page = queries(url)
    assert many == few  # pinned: the same queries for 3 and 63 appointments
    assert page.count('data-testid="agenda-row"') == AGENDA_PER_PAGE
    assert "63 rendez-vous" in page and "Plus tard" in page
    _queries, rest = queries(url + "&page=2")
    assert rest.count('data-testid="agenda-row"') == 63 - AGENDA_PER_PAGE and "Plus tôt" in rest


def test_a_button_on_a_later_page_brings_back_to_that_page(
    reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    day = next_working_day()
    booked = fill_day(day, office=namur, kind=welcome_type, staff=colleagues(5), per_person=12)
    last = max(booked, key=lambda a: (a.during.lower, a.pk))
    response = login_client(reception).post(
        reverse("appointments:status", args=[last.pk]), {"to": "cancelled", "reason": "Malade"}
    )
    assert response.status_code == 302
    assert "page=2" in response["Location"] and response["Location"].endswith(f"#rdv-{last.pk}")


def test_a_busy_office_week_counts_per_staff_member(
    reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    day = next_working_day()
    monday = day - timedelta(days=day.weekday())
    staff = colleagues(11)
    fill_day(day, office=namur, kind=welcome_type, staff=staff[:1], per_person=2)
    client = login_client(reception)
    url = reverse("appointments:week") + f"?bureau={namur.pk}&semaine={monday.isoformat()}"

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    _few, page = queries()
    row = '<li class="list-group-item small">'
    assert 'data-testid="week-summary"' not in page and page.count(row) == 2
    fill_day(day, office=namur, kind=welcome_type, staff=staff[1:], per_person=15)
    assert WEEK_ROWS_SHOWN < 2 + 10 * 15
    many, page = queries()
    assert 'data-testid="week-summary"' in page
    assert "Collègue 05" in page and ">15<" in page  # that day's appointments of one person
    fill_day(day + timedelta(days=7), office=namur, kind=welcome_type, staff=staff, per_person=1)
    assert queries()[0] == many  # the same queries however many appointments
    person = staff[3]
    mine = client.get(url.replace(f"bureau={namur.pk}", f"personne={person.pk}")).content.decode()
    assert 'data-testid="week-summary"' not in mine and mine.count(row) == 15


def test_the_slot_finder_reads_no_calendar_it_does_not_need() -> None:
    day = date(2030, 1, 7)
    opening = [(local(day, time(9)), local(day, time(10)))]

    def calendars() -> Iterator[slots.StaffCalendar]:
        yield slots.StaffCalendar(staff_id=1, presence=opening, busy=[])
        raise AssertionError("read beyond the first calendar: every start time had someone")

    found = slots.find_slots(
        office_open=opening,
        staff=calendars(),
        duration=timedelta(minutes=30),
        not_before=datetime(2030, 1, 1, tzinfo=opening[0][0].tzinfo),
        limit=10,
    )
    assert [s.staff_id for s in found] == [1, 1, 1]  # 9:00, 9:15, 9:30
