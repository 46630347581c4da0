"""« Manquements » in the browser: a caseworker records a force majeure with its
certificate (the presentation deadline moves); a coordinator finds a late person in the
list, prepares the report (PDF read), records its sending and the fine decided."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from beneficiaries.models import Beneficiary
from cainamur.models import User
from compliance.models import NonCompliance
from parcours.services import obligation_assess
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, BeneficiaryFactory


def _late(caseworker: User, name: str) -> Beneficiary:
    ten_months = timezone.localdate() - timedelta(days=305)
    person = BeneficiaryFactory(
        last_name=name, first_registration_on=ten_months, permit_ordered_on=ten_months
    )
    obligation_assess(beneficiary=person, by=caseworker, trigger="test")
    person.refresh_from_db()
    return person


@pytest.mark.django_db(transaction=True)
def test_force_majeure_then_the_report_its_sending_and_the_fine(
    page: Any, caseworker: User, coordinator: User, settings: Any, tmp_path: Any
) -> None:
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    excused, late = _late(caseworker, "Excusée"), _late(caseworker, "Tardif")
    before = excused.presentation_deadline
    assert before is not None

    # The caseworker records a force majeure with its certificate: the deadline moves.
    log_in(page, caseworker.username, PASSWORD)
    page.goto(f"/dossiers/{excused.pk}/")
    page.get_by_text("Enregistrer une force majeure dûment attestée").click()
    page.get_by_label("Du", exact=True).fill((today - timedelta(days=280)).isoformat())
    page.get_by_label("Au (inclus)").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Motif").fill("Hospitalisation")
    page.get_by_role("button", name="Enregistrer la force majeure").click()
    # Refused without the certificate, what was typed is kept.
    expect(page.get_by_text("Joignez l'attestation")).to_be_visible()
    expect(page.get_by_label("Motif")).to_have_value("Hospitalisation")
    page.get_by_label("Attestation (PDF ou image)").set_input_files(
        files=[
            {
                "name": "certificat.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n%%EOF\n",
            }
        ]
    )
    page.get_by_role("button", name="Enregistrer la force majeure").click()
    expect(page.get_by_text("le délai de présentation suit")).to_be_visible()
    expect(page.get_by_test_id("force-majeure")).to_contain_text("Hospitalisation")
    excused.refresh_from_db()
    assert excused.presentation_deadline is not None and excused.presentation_deadline > today
    page.context.clear_cookies()

    # The coordinator sees the late person only, and prepares the report.
    log_in(page, coordinator.username, PASSWORD)
    expect(page.get_by_test_id("breaches")).to_contain_text("1")
    page.get_by_role("link", name="Manquements").first.click()
    expect(page.get_by_test_id(f"breach-{late.pk}-presentation")).to_be_visible()
    expect(page.get_by_test_id(f"breach-{excused.pk}-presentation")).to_have_count(0)
    page.get_by_role("button", name=f"Préparer le rapport pour {late.full_name}").click()
    expect(page.get_by_test_id("case-stage")).to_have_text("rapport à préparer")
    response = page.request.get(page.get_by_test_id("report-pdf").get_attribute("href"))
    assert response.status == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert late.file_number in text and "Pas présenté·e dans le délai" in text

    page.get_by_label("Preuve d'envoi").fill("RR 1234 5678 9BE")
    page.get_by_role("button", name="Enregistrer l'envoi").click()
    expect(page.get_by_test_id("sent")).to_contain_text("RR 1234 5678 9BE")
    page.get_by_label("Suite", exact=True).select_option("fine")
    page.get_by_label("Montant de l'amende (€)").fill("3000")
    page.get_by_role("button", name="Enregistrer la suite").click()
    expect(page.get_by_text("de 100 à 2500")).to_be_visible()
    page.get_by_label("Montant de l'amende (€)").fill("250")
    page.get_by_role("button", name="Enregistrer la suite").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("250,00 €")
    case = NonCompliance.objects.get()
    assert (case.beneficiary_id, case.outcome, case.sent_reference) == (
        late.pk,
        "fine",
        "RR 1234 5678 9BE",
    )
