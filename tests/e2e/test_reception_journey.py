"""Issue 5's reception journey: book a person in two clicks, reschedule, check in."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from appointments.models import Appointment
from cainamur.models import User
from offices.models import Office, StaffAvailability
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, BeneficiaryFactory


@pytest.mark.django_db(transaction=True)
def test_reception_books_reschedules_and_checks_in(
    page: Any, reception: User, caseworker: User
) -> None:
    from playwright.sync_api import expect

    namur = Office.objects.get(code="namur")
    for weekday in range(7):  # present every day, so that a slot exists today or tomorrow
        StaffAvailability.objects.create(
            staff=caseworker, office=namur, weekday=weekday, starts=time(0, 0), ends=time(23, 59)
        )
    namur.hours.filter(kind="reception").delete()
    for weekday in range(7):
        namur.hours.create(kind="reception", weekday=weekday, opens=time(0, 0), closes=time(23, 59))
    person = BeneficiaryFactory(last_name="Haddad", first_names="Yasmine")

    log_in(page, reception.username, PASSWORD)
    page.goto(f"/dossiers/{person.pk}/")
    page.get_by_test_id("book-appointment").click()
    page.get_by_label("Type de rendez-vous").select_option(label="Bilan social")
    page.get_by_role("button", name="Voir les créneaux libres").click()
    page.locator("label.btn").first.click()  # first click: the slot
    page.get_by_test_id("book").click()  # second click: book
    expect(page.get_by_text("Rendez-vous « Bilan social »")).to_be_visible()
    first = Appointment.objects.get()
    expect(page.get_by_test_id("file-appointment")).to_contain_text("Bilan social")

    # Reschedule from the file: another slot, with a reason.
    page.get_by_role("link", name="Reporter").click()
    page.locator("label.btn").nth(3).click()
    page.get_by_label("Motif du report").fill("La personne travaille ce jour-là")
    page.get_by_test_id("book").click()
    first.refresh_from_db()
    assert first.status == "cancelled"
    moved = Appointment.objects.get(status="booked")
    assert moved.rescheduled_from == first

    # Check in from the day agenda.
    day = moved.during.lower.astimezone().date().isoformat()
    page.goto(f"/rendez-vous/?bureau={namur.pk}&jour={day}")
    row = page.locator(f"#rdv-{moved.pk}")
    row.get_by_role("button", name="Arrivé·e").click()
    expect(page.locator(f"#rdv-{moved.pk}").get_by_test_id("agenda-status")).to_have_text(
        "arrivé·e"
    )
    moved.refresh_from_db()
    assert moved.status == "arrived" and moved.arrived_at is not None
