"""On a phone-sized screen, a caseworker records a person's consent to SMS reminders, then
its withdrawal (confirmed first)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from beneficiaries.models import ConsentPurpose
from beneficiaries.selectors import has_consent
from cainamur.models import User
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.factories import PASSWORD, BeneficiaryFactory


@pytest.mark.django_db(transaction=True)
def test_record_and_withdraw_a_consent_at_390_px(page: Any, caseworker: User) -> None:
    from playwright.sync_api import expect

    person = BeneficiaryFactory(last_name="Haddad", phone="+32471234567")
    today = timezone.localdate().isoformat()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, caseworker.username, PASSWORD)
    page.goto(f"/dossiers/{person.pk}/#consentements")
    consents = page.locator("#consentements")
    expect(consents).to_contain_text("Aucun consentement enregistré")

    page.get_by_label("Consentement à").select_option(ConsentPurpose.SMS_REMINDERS)
    page.get_by_label("Donné le").fill(today)
    page.get_by_label("Recueilli").select_option("paper")
    page.get_by_role("button", name="Enregistrer le consentement").click()
    expect(page.get_by_role("status").first).to_contain_text("Consentement enregistré")
    expect(page.get_by_test_id("consent-active")).to_contain_text("Rappels de rendez-vous par SMS")
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits), "the file page scrolls sideways at 390 px"
    assert has_consent(person, ConsentPurpose.SMS_REMINDERS)

    page.get_by_test_id("consent-active").locator("summary", has_text="Retirer").click()
    page.get_by_label("Retiré le").fill(today)
    page.get_by_label("Exprimé").select_option("oral")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#consentements").screenshot(path=str(ARTIFACTS / "consents-390.png"))
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Confirmer le retrait").click()
    expect(page.get_by_test_id("consent-withdrawn")).to_contain_text("Retiré le")
    assert asked and "Plus aucun SMS de rendez-vous" in asked[0]
    assert page.evaluate(fits)
    assert not has_consent(person, ConsentPurpose.SMS_REMINDERS)
