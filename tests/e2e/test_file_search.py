"""Results update as the user types (htmx), without leaving the page."""

from __future__ import annotations

from typing import Any

import pytest

from cainamur.models import User
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.factories import PASSWORD, BeneficiaryFactory


@pytest.mark.django_db(transaction=True)
def test_search_as_you_type(page: Any, reception: User, namur: Any, dinant: Any) -> None:
    from playwright.sync_api import expect

    BeneficiaryFactory(office=namur, last_name="Haddad", first_names="Nour")
    BeneficiaryFactory(office=namur, last_name="Kovalenko", first_names="Olena")
    BeneficiaryFactory(office=dinant, last_name="Hamdan", first_names="Omar")  # not theirs
    log_in(page, reception.username, PASSWORD)
    page.get_by_role("link", name="Dossiers").click()
    expect(page.get_by_text("2 dossiers")).to_be_visible()
    page.evaluate("window.__same_page = true")
    page.get_by_label("Nom ou numéro de dossier").press_sequentially("ha", delay=60)
    expect(page.get_by_text("1 dossier", exact=True)).to_be_visible()
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("HADDAD")
    assert page.evaluate("window.__same_page") is True  # no full reload
    assert "ha" not in page.url.split("/dossiers/")[1]  # names never go into the URL
    page.get_by_label("Nom ou numéro de dossier").fill("zzz")
    expect(page.get_by_text("Aucun dossier ne correspond à ces critères.")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "file-search-empty.png"), full_page=True)
