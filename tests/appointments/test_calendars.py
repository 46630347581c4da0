"""Week views and the private iCal feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import icalendar
import pytest
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.urls import reverse
from django.utils import timezone

import appointments.services as services
from appointments.models import AppointmentType, CalendarFeed
from appointments.selectors import slot_search
from cainamur.models import User
from offices.models import Absence, Office
from tests.appointments.test_views import next_working_day
from tests.factories import BeneficiaryFactory


def book_one(present: User, namur: Office, kind: AppointmentType) -> Any:
    day = next_working_day()
    slot = slot_search(office=namur, kind=kind, first=day, last=day + timedelta(days=6))[0]
    return services.appointment_book(
        beneficiary=BeneficiaryFactory(last_name="Semaine"),
        kind=kind,
        office=namur,
        staff_id=slot.staff_id,
        start=slot.start,
        by=present,
    )


def test_week_per_office_and_per_staff_member(
    present: User, reception: User, namur: Office, welcome_type: AppointmentType, login_client: Any
) -> None:
    booked = book_one(present, namur, welcome_type)
    monday = booked.during.lower.date() - timedelta(days=booked.during.lower.weekday())
    client = login_client(reception)
    by_office = client.get(
        reverse("appointments:week") + f"?bureau={namur.pk}&semaine={monday.isoformat()}"
    ).content.decode()
    assert "SEMAINE" in by_office and by_office.count('data-testid="week-day"') == 6
    by_staff = client.get(
        reverse("appointments:week") + f"?personne={present.pk}&semaine={monday.isoformat()}"
    ).content.decode()
    assert "SEMAINE" in by_staff


def test_the_ical_feed_is_private_shown_once_and_regenerable(
    present: User, namur: Office, welcome_type: AppointmentType, login_client: Any, client: Any
) -> None:
    booked = book_one(present, namur, welcome_type)
    me = login_client(present)
    me.post(reverse("appointments:ical-regenerate"))
    page = me.get(reverse("appointments:mine")).content.decode()
    url = page.split('data-testid="ical-url"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert "/rendez-vous/ical/" in url
    assert url not in me.get(reverse("appointments:mine")).content.decode()  # shown once
    path = url.split("8000", 1)[1]
    feed = client.get(path)  # no login: a calendar application
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert len(events) == 1
    summary = str(events[0]["summary"])
    assert booked.beneficiary.file_number in summary and "SEMAINE" not in summary.upper()
    assert events[0].decoded("dtstart") == booked.during.lower
    assert CalendarFeed.objects.get().token_sha256 not in url  # only the hash is stored
    me.post(reverse("appointments:ical-regenerate"))
    assert client.get(path).status_code == 404  # the old address no longer works
    me.post(reverse("appointments:ical-revoke"))
    assert not CalendarFeed.objects.exists()
    assert client.get("/rendez-vous/ical/n-importe-quoi.ics").status_code == 404


def test_an_absence_needs_both_ends(present: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Absence.objects.create(
            staff=present, during=DateTimeTZRange(timezone.now(), None), reason="Maladie"
        )
