"""Issue 4's journey: a caseworker issues the attestation of a completed path, sees both
copies marked sent, downloads the PDF; anyone checks it on the public page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail

from attestations.models import Attestation
from cainamur.models import User
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, complete_path, give_addresses, obliged_file


@pytest.mark.django_db(transaction=True)
def test_caseworker_issues_and_sees_both_copies_sent(
    page: Any, browser: Any, live_server: Any, caseworker: User, settings: Any, tmp_path: Any
) -> None:
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    beneficiary = obliged_file(
        caseworker,
        last_name="Kovalenko",
        first_names="Olena",
        commune=give_addresses(),
        cpas_support=True,
    )
    complete_path(beneficiary, caseworker)

    log_in(page, caseworker.username, PASSWORD)
    page.goto(f"/dossiers/{beneficiary.pk}/")
    expect(page.get_by_test_id("path-status")).to_contain_text("Terminé")
    page.once("dialog", lambda dialog: dialog.accept())  # "Délivrer l'attestation ?"
    page.get_by_test_id("issue-attestation").click()

    attestation = Attestation.objects.get()
    card = page.get_by_test_id(f"attestation-{attestation.number}")
    expect(card.get_by_test_id("attestation-status")).to_have_text("valide")
    expect(card.get_by_test_id("copy-commune").get_by_test_id("copy-status")).to_have_text(
        "envoyée"
    )
    expect(card.get_by_test_id("copy-cpas").get_by_test_id("copy-status")).to_have_text("envoyée")
    expect(page.get_by_test_id("path-status")).to_contain_text("Attestation délivrée")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "population@ville.namur.test",
        "social@cpas.namur.test",
    ]

    # The PDF link, fetched with the caseworker's session.
    pdf_link = card.get_by_test_id("attestation-pdf")
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert attestation.number in text and "KOVALENKO Olena" in text

    # Anyone (not logged in) checks it with the number and the code.
    visitor = browser.new_context(base_url=live_server.url, locale="fr-BE").new_page()
    visitor.goto("/verifier/")
    visitor.get_by_label("Numéro de l'attestation").fill(attestation.number)
    visitor.get_by_label("Code de vérification").fill(attestation.verification_code.lower())
    visitor.get_by_role("button", name="Vérifier").click()
    expect(visitor.get_by_test_id("verify-result")).to_contain_text("Attestation valide")
    expect(visitor.get_by_test_id("verify-result")).to_contain_text("O. K.")
    visitor.context.close()
