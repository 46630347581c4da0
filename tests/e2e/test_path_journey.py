"""The main journey of issue 3: register a person, see the assessment, run the welcome
module, sign the convention (PDF stored and readable), record hours until complete."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from beneficiaries.models import Beneficiary
from cainamur.models import User
from parcours.models import Convention, Parcours
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_from_registration_to_completed_path(
    page: Any, caseworker: User, settings: Any, tmp_path: Any
) -> None:
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    iso = today.isoformat()
    registered = (today - timedelta(days=40)).isoformat()
    ARTIFACTS.mkdir(exist_ok=True)

    log_in(page, caseworker.username, PASSWORD)
    page.goto("/dossiers/nouveau/")
    page.get_by_label(re.compile(r"^\s*Nom\*?\s*$")).fill("Kovalenko")
    page.get_by_label("Prénoms").fill("Olena")
    page.get_by_label("Sexe").select_option("F")
    page.get_by_label("Date de naissance").fill("1988-05-03")
    page.get_by_label(re.compile(r"^\s*Nationalité")).select_option("MA")
    page.get_by_label("Code postal").fill("5000")
    page.get_by_label("Première inscription en région de langue française").fill(registered)
    page.get_by_label("Premier titre commandé le").fill(registered)
    page.get_by_role("button", name="Ouvrir le dossier").click()
    expect(page.get_by_test_id("obligation-outcome")).to_contain_text("Obligé·e")

    page.get_by_role("button", name="Ouvrir le parcours").click()
    expect(page.get_by_test_id("path-status")).to_contain_text("Module d'accueil")

    page.get_by_label("Bilan social le").fill(iso)
    page.get_by_label("Séance droits et devoirs le").fill(iso)
    page.get_by_label("Test de français le").fill(iso)
    page.get_by_label("Niveau de français").select_option("a2_plus")
    page.get_by_role("button", name="Enregistrer le module d'accueil").click()
    expect(page.get_by_test_id("axes-proposal")).to_contain_text("français non requis")

    # The form proposes what the welcome module found: French not required.
    expect(page.get_by_label("Français requis", exact=True)).not_to_be_checked()
    page.get_by_label("Citoyenneté (h)").fill("60")
    # Started last week: its hours are recorded day by day (10 hours a day at most).
    page.get_by_label("Début", exact=True).fill((today - timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Signer la convention").click()
    expect(page.get_by_test_id("path-status")).to_contain_text("Convention signée")
    pdf_link = page.get_by_test_id("convention-pdf")
    expect(pdf_link).to_be_visible()
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    assert "Convention du parcours d'intégration" in text and "60 heures" in text
    convention = Convention.objects.get()
    assert convention.pdf_sha256 and not convention.french_required

    for days_ago in range(6):
        page.get_by_label("Axe", exact=True).select_option(label="Formation à la citoyenneté")
        page.get_by_label("Date", exact=True).fill((today - timedelta(days=days_ago)).isoformat())
        page.get_by_label("Heures", exact=True).fill("10")
        page.get_by_role("button", name="Enregistrer les heures").click()
        expect(page.get_by_text("Heures enregistrées").first).to_be_visible()
    expect(page.get_by_test_id("axis-total-citizenship")).to_have_text("60")
    expect(page.get_by_test_id("path-status")).to_contain_text("Terminé")
    expect(page.get_by_text("Toutes les heures sont atteintes")).to_be_visible()
    expect(page.get_by_test_id("issue-attestation")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "path-completed.png"), full_page=True)
    parcours = Parcours.objects.get(beneficiary=Beneficiary.objects.get(last_name="Kovalenko"))
    assert parcours.status == "completed"
    # Logged in with the second factor, under the Content-Security-Policy: not one console
    # error along the whole journey (issue 12, « Done when »).
    csp = page.request.get("/").headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert page.console_errors == []
