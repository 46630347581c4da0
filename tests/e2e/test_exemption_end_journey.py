"""On a phone-sized screen, a caseworker records that a person's job ends next month: the
file announces the day the obligation begins; the end comes forward to yesterday and the
person is obliged at once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from beneficiaries.services import exemption_record
from cainamur.models import User
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.factories import PASSWORD, obliged_file


@pytest.mark.django_db(transaction=True)
def test_record_the_end_of_an_exemption_at_390_px(
    page: Any, caseworker: User, reference_data: None
) -> None:
    from playwright.sync_api import expect

    today = timezone.localdate()
    person = obliged_file(caseworker, last_name="Haddad", office=caseworker.offices.first())
    exemption_record(
        beneficiary=person, code="employment", proven_on=date(2026, 2, 1), by=caseworker
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, caseworker.username, PASSWORD)
    page.goto(f"/dossiers/{person.pk}/#dispenses")
    row = page.get_by_test_id("exemption-employment")
    expect(row.get_by_test_id("exemption-validity")).to_have_text("Sans date de fin.")
    fits = "document.documentElement.scrollWidth <= window.innerWidth"

    # A date before the proof: refused on its field, the date typed still there.
    row.locator("summary", has_text="Indiquer la fin").click()
    row.get_by_label("Dernier jour couvert").fill("2026-01-15")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Enregistrer").click()
    row = page.get_by_test_id("exemption-employment")
    expect(row).to_contain_text("avant la date de sa preuve")
    expect(row.get_by_label("Dernier jour couvert")).to_have_value("2026-01-15")
    assert page.evaluate(fits), "the refused form scrolls sideways at 390 px"

    last_day = today + timedelta(days=30)
    row.get_by_label("Dernier jour couvert").fill(last_day.isoformat())
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").first).to_contain_text("Fin de dispense enregistrée")
    assert asked and "la dispense ne compte plus" in asked[0]
    row = page.get_by_test_id("exemption-employment")
    expect(row.get_by_test_id("exemption-validity")).to_have_text(
        f"Valable jusqu'au {last_day:%d/%m/%Y} inclus."
    )
    becomes = last_day + timedelta(days=1)
    expect(page.get_by_test_id("obliged-after-exemption")).to_contain_text(
        f"Deviendra obligé·e le {becomes:%d/%m/%Y}"
    )
    expect(page.get_by_test_id("obligation-outcome")).to_contain_text("Dispensé")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#dispenses").screenshot(path=str(ARTIFACTS / "exemption-end-390.png"))
    assert page.evaluate(fits)

    # The job ended yesterday after all: obliged from today.
    yesterday = today - timedelta(days=1)
    row.locator("summary", has_text="Changer la date de fin").click()
    row.get_by_label("Dernier jour couvert").fill(yesterday.isoformat())
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_test_id("obligation-outcome")).to_contain_text("Obligé")
    expect(page.get_by_test_id("exemption-employment")).to_contain_text(
        f"A pris fin le {yesterday:%d/%m/%Y}"
    )
    page.screenshot(path=str(ARTIFACTS / "exemption-ended-390.png"), full_page=True)
    assert page.evaluate(fits)
