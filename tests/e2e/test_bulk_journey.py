"""A coordinator filters the file list, ticks files, invites them to the welcome module,
confirms, watches the action run, downloads the letters as one PDF and sees the e-mails
that went through the outbox; the result reads on a phone. A double click on « Confirmer
et lancer » asks for one action."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from bulk.models import BulkAction
from cainamur.models import User
from outbox.models import Dispatch
from parcours.services import parcours_open
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, BeneficiaryFactory, obliged_file


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_invites_people_to_the_welcome_module(
    page: Any, coordinator: User, caseworker: User
) -> None:
    from playwright.sync_api import expect

    people = []
    for last, first, email in (
        ("Haddadi", "Amina", "amina@example.test"),
        ("Haddad", "Karim", ""),
        ("Haddou", "Nour", "nour@example.test"),
    ):
        person = obliged_file(
            caseworker,
            last_name=last,
            first_names=first,
            street="Rue de Fer 12",
            postal_code="5000",
            email=email,
        )
        parcours_open(beneficiary=person, by=caseworker)
        people.append(person)
    BeneficiaryFactory(last_name="Lambert", first_names="Jean")  # not in the search

    log_in(page, coordinator.username, PASSWORD)
    page.get_by_role("link", name="Dossiers", exact=True).click()
    page.get_by_label("Nom ou numéro de dossier").press_sequentially("hadd", delay=40)
    expect(page.locator("#results tbody tr")).to_have_count(3)
    page.get_by_label("Tout sélectionner sur cette page").check()
    page.get_by_label(f"Sélectionner HADDOU Nour ({people[2].file_number})").uncheck()
    expect(page.locator("[data-bulk-count]")).to_have_text("(2 dossiers)")
    page.get_by_role("button", name="Inviter au module d'accueil").click()

    expect(page.get_by_text("2 dossiers sélectionnés")).to_be_visible()
    page.get_by_label("Lettres et e-mails").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Inviter 2 personnes au module d'accueil ?"
    )
    # « Confirmer et lancer » is sent once: the first click disables the buttons
    # (static/js/bulk.js), a second click sends nothing. The page keeps the submission
    # here while the test looks (the server would also find the action the form's
    # one-time token already asked for).
    page.evaluate(
        """() => {
          window.submits = 0;
          window.holdSubmit = true;
          document.querySelector("form[data-bulk-once]").addEventListener("submit", (e) => {
            window.submits += 1;
            if (window.holdSubmit) { e.preventDefault(); }
          });
        }"""
    )
    launch = page.get_by_role("button", name="Confirmer et lancer")
    launch.click()
    expect(launch).to_be_disabled()
    expect(page.get_by_role("button", name="Modifier")).to_be_disabled()
    launch.click(force=True)  # a second click, on the disabled button
    assert page.evaluate("window.submits") == 1
    # Let it go, as when the page comes back from the browser's cache (« précédent »).
    page.evaluate(
        """() => {
          window.holdSubmit = false;
          const form = document.querySelector("form[data-bulk-once]");
          form.removeAttribute("data-sent");
          form.querySelectorAll("button").forEach((b) => {
            b.disabled = false;
            b.removeAttribute("aria-disabled");
          });
        }"""
    )
    launch.click()
    expect(page.get_by_test_id("bulk-status")).to_have_text("terminée")
    assert BulkAction.objects.count() == 1
    expect(page.get_by_test_id("bulk-counts")).to_have_text("2 dossiers : 2 faits, 0 refusés.")
    rows = page.get_by_test_id("bulk-item")
    expect(rows).to_have_count(2)
    amina = rows.filter(has_text="HADDADI Amina")
    expect(amina).to_contain_text("Invité·e : lettre et e-mail.")
    expect(rows.filter(has_text="HADDAD Karim")).to_contain_text(
        "Invité·e : lettre (pas d'adresse e-mail)."
    )
    # The e-mail as the outbox has it (sent at once here: tasks run in-process).
    expect(amina.get_by_test_id("bulk-email")).to_have_text("envoyée")

    with page.expect_download() as download_info:
        page.get_by_test_id("bulk-letters").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == 2
    # One page per person, in the list's order (the search ranks the closest name first).
    assert "HADDAD Karim" in texts[0] and "HADDADI Amina" in texts[1]
    assert all("Invitation au module d'accueil" in text for text in texts)
    assert Dispatch.objects.filter(purpose="welcome_invitation").count() == 1

    page.get_by_role("link", name="Actions groupées", exact=True).first.click()
    expect(page.get_by_test_id("bulk-action")).to_have_count(1)
    expect(page.get_by_test_id("bulk-action")).to_contain_text("2 : 2 faits, 0 refusés")
    page.get_by_role("link", name="Inviter au module d'accueil").click()
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_test_id("bulk-item")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
