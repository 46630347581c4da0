"""A coordinator opens « Pilotage », changes the period, clicks a figure and lands on the
files behind it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from beneficiaries.services import beneficiary_presented
from cainamur.models import User
from offices.models import Office
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, obliged_file


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_follows_a_figure_to_its_files(
    page: Any, coordinator: User, caseworker: User
) -> None:
    from playwright.sync_api import expect

    dinant = Office.objects.get(code="dinant")
    winter = [obliged_file(caseworker, last_name=name) for name in ("Haddad", "Karimi")]
    winter.append(obliged_file(caseworker, last_name="Mbala", office=dinant))
    for person, day in zip(
        winter, (date(2026, 1, 14), date(2026, 2, 3), date(2026, 3, 30)), strict=True
    ):
        beneficiary_presented(beneficiary=person, on=day, by=caseworker)
    spring = obliged_file(caseworker, last_name="Novak")
    beneficiary_presented(beneficiary=spring, on=date(2026, 5, 6), by=caseworker)

    log_in(page, coordinator.username, PASSWORD)
    page.get_by_role("link", name="Pilotage").click()
    expect(page.get_by_test_id("period-label")).to_have_text("Année 2026")
    expect(page.get_by_test_id("headline-1")).to_contain_text("4")

    page.get_by_label("Période", exact=True).select_option("trimestre")
    page.get_by_label("Année", exact=True).select_option("2026")
    page.get_by_label("Trimestre", exact=True).select_option("1")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_test_id("period-label")).to_have_text("1er trimestre 2026")
    expect(page.get_by_test_id("headline-1")).to_contain_text("3")

    page.get_by_test_id("headline-1").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Personnes reçues (premier contact) · 1er trimestre 2026"
    )
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    for person in winter:
        expect(page.locator("table")).to_contain_text(person.file_number)
    expect(page.locator("table")).not_to_contain_text(spring.file_number)

    # Back to the same dashboard, at a phone's width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Retour au pilotage").click()
    expect(page.get_by_test_id("period-label")).to_have_text("1er trimestre 2026")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
