"""Each persona logs in through the real login page and lands on their home page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from beneficiaries.models import Beneficiary
from cainamur.models import User
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.factories import PASSWORD, BeneficiaryFactory

HOMES = {
    "reception": ("/accueil/", "Bonjour Léa", "Retrouver un dossier"),
    "caseworker": ("/accompagnement/", "Bonjour Claire", "Mes dossiers récemment modifiés"),
    "coordinator": ("/coordination/", "Coordination", "Dossiers par bureau"),
    "administrator": ("/administration/", "Administration", "Ouvrir l'administration"),
}


@pytest.fixture
def some_files(caseworker: User, namur: Any) -> list[Beneficiary]:
    return BeneficiaryFactory.create_batch(3, office=namur, caseworker=caseworker)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", list(HOMES))
def test_persona_logs_in_and_lands_home(
    page: Any, personas: dict[str, User], some_files: list[Beneficiary], key: str
) -> None:
    from playwright.sync_api import expect

    path, heading, landmark = HOMES[key]
    log_in(page, personas[key].username, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(page.get_by_text(landmark).first).to_be_visible()
    if key == "caseworker":
        for beneficiary in some_files:
            expect(page.get_by_text(beneficiary.file_number)).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{key}.png"), full_page=True)
    # The user menu is reachable and logs out.
    page.get_by_role("button", name=re.compile(personas[key].first_name)).click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion/$"))


@pytest.mark.django_db(transaction=True)
def test_wrong_password_keeps_the_username(page: Any, caseworker: User) -> None:
    from playwright.sync_api import expect

    log_in(page, caseworker.username, "pas-le-bon")
    expect(page.get_by_role("alert")).to_contain_text("mot de passe valides")
    expect(page.get_by_label("Nom d’utilisateur")).to_have_value(caseworker.username)
