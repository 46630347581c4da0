"""A caseworker registers a newcomer, sees the assessment, adds an exemption."""

from __future__ import annotations

import re
from typing import Any

import pytest

from beneficiaries.models import Beneficiary
from cainamur.models import User
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_register_and_assess(page: Any, caseworker: User) -> None:
    from playwright.sync_api import expect

    log_in(page, caseworker.username, PASSWORD)
    page.get_by_role("link", name="Dossiers", exact=True).click()
    page.get_by_role("link", name="Nouveau dossier").click()
    page.get_by_label(re.compile(r"^\s*Nom\*?\s*$")).fill("Haddad")
    page.get_by_label("Prénoms").fill("Nour")
    page.get_by_label("Sexe").select_option("F")
    page.get_by_label("Date de naissance").fill("1994-02-11")
    page.get_by_label(re.compile(r"^\s*Nationalité")).select_option("SY")
    page.get_by_label("Numéro de registre national ou BIS").fill("85.07.30-033.28")
    page.get_by_label("Code postal").fill("5000")
    page.get_by_label("Téléphone").fill("0471 23 45 67")
    page.get_by_label("Première inscription en région de langue française").fill("2026-09-01")
    page.get_by_label("Titre de séjour").select_option("A")
    page.get_by_label("Premier titre commandé le").fill("2026-09-15")
    page.get_by_role("button", name="Ouvrir le dossier").click()
    # The number says a man born on 30 July 1985: an error until the caseworker confirms.
    expect(page.get_by_text("une naissance le 30/07/1985, pas le 11/02/1994")).to_be_visible()
    page.get_by_label(re.compile("Je confirme le numéro")).check()
    page.get_by_role("button", name="Ouvrir le dossier").click()

    expect(page.get_by_role("status").first).to_contain_text(
        re.compile(r"Dossier CAI-\d{4}-\d{5} ouvert")
    )
    expect(page.get_by_test_id("obligation-outcome")).to_contain_text(
        "Obligé·e de suivre le parcours d'intégration"
    )
    expect(page.get_by_text("15/09/2029")).to_be_visible()  # 2024 regime: 3 years
    # Presentation: 3 months after the later of the registration and the permit order.
    expect(page.get_by_text("15/12/2026")).to_be_visible()
    # The register number is masked until asked for (the read log records the reveal).
    expect(page.get_by_test_id("national-number")).to_contain_text("85.07.30-***.**")
    page.get_by_test_id("reveal-number").click()
    expect(page.get_by_test_id("national-number")).to_have_text("85.07.30-033.28")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "file-obliged.png"), full_page=True)

    page.get_by_label(re.compile(r"^\s*Dispense\*?\s*$")).select_option("employment")
    page.get_by_label("Preuve datée du").fill("2026-10-01")
    page.get_by_role("button", name="Ajouter la dispense").click()
    expect(page.get_by_test_id("obligation-outcome")).to_contain_text("Dispensé")
    expect(page.get_by_text("Travail à mi-temps au moins", exact=False).first).to_be_visible()
    beneficiary = Beneficiary.objects.get(last_name="Haddad")
    assert beneficiary.obligation_status == "exempt"
    assert re.fullmatch(r"CAI-\d{4}-\d{5}", beneficiary.file_number)
    page.screenshot(path=str(ARTIFACTS / "file-exempt.png"), full_page=True)
