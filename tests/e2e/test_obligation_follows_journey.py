"""A changed obligation follows through, as people see it: a caseworker's edit or exemption
turns the path obligatory or voluntary, which decides whether the commune gets a copy of
the attestation; a coordinator's revocation tells the commune; the nightly run turns an
18th birthday into an obligation. PDFs and mails go through a real Celery worker (Redis
broker) and a real SMTP server on localhost."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from email.header import decode_header, make_header
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from attestations.models import Attestation
from attestations.services import attestation_issue
from beneficiaries.models import Beneficiary
from cainamur.celery import app
from cainamur.models import PdfStatus, User
from outbox.models import Dispatch
from parcours.models import Parcours
from parcours.services import obligation_assess
from parcours.tasks import obligations_nightly
from tests.e2e.conftest import log_in
from tests.factories import (
    PASSWORD,
    BeneficiaryFactory,
    complete_path,
    give_addresses,
    obliged_file,
)
from tests.smtp import Inbox, Received, smtp_server
from tests.workers import running_worker, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMUNE_MAIL = "population@ville.namur.test"


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    """Mails leave through SMTP to a server on localhost; retries come fast."""
    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        settings.CAI_RETRY_BASE_SECONDS = 0.05
        yield inbox


def subject(received: Received) -> str:
    return str(make_header(decode_header(received.message["Subject"])))


def text_body(received: Received) -> str:
    for part in received.message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    return ""


def pdf_ready(attestation: Attestation) -> bool:
    attestation.refresh_from_db()
    return attestation.pdf_status == PdfStatus.READY


def new_file(**fields: object) -> Beneficiary:
    beneficiary = BeneficiaryFactory(**fields)
    assert isinstance(beneficiary, Beneficiary)
    return beneficiary


def eighteen_years_before(today: date) -> date:
    """The birth date of someone who turns 18 today (on 29 February, born on 28 February:
    the 18th birthday was yesterday, which the nightly run catches up)."""
    if (today.month, today.day) == (2, 29):
        return date(today.year - 18, 2, 28)
    return today.replace(year=today.year - 18)


def issue_in_browser(page: Any) -> Attestation:
    """Click « Délivrer l'attestation », accept the confirmation, wait for the message."""
    from playwright.sync_api import expect

    page.once("dialog", lambda dialog: dialog.accept())  # "Délivrer l'attestation ?"
    page.get_by_test_id("issue-attestation").click()
    expect(page.get_by_role("status").first).to_contain_text(
        re.compile(r"Attestation CAI-ATT-\d{4}-\d{5} délivrée")
    )
    return Attestation.objects.get()


def test_a_voluntary_path_turned_obliged_sends_the_commune_its_copy(
    page: Any, caseworker: User, inbox: Inbox
) -> None:
    from playwright.sync_api import expect

    # Declared as the family of an EU citizen who lived in another Member State: not
    # concerned; she follows the whole path voluntarily.
    person = new_file(
        last_name="Alaoui",
        first_names="Samira",
        commune=give_addresses(),
        street="Rue de Fer 12",
        postal_code="5000",
        nationality="MA",
        first_registration_on=date(2026, 1, 12),
        permit_ordered_on=date(2026, 1, 20),
        eu_family_member=True,
        eu_family_free_movement=True,
    )
    obligation_assess(beneficiary=person, by=caseworker, trigger="Ouverture du dossier")
    complete_path(person, caseworker, voluntary=True)

    log_in(page, caseworker.username, PASSWORD)
    page.goto(f"/dossiers/{person.pk}/")
    expect(page.get_by_test_id("path-status")).to_have_text("Volontaire · Terminé")
    expect(page.get_by_test_id("obligation-outcome")).to_contain_text("Pas concerné·e")

    # Her spouse turns out to be a Belgian who never left Belgium: obliged after all.
    page.get_by_role("link", name="Modifier le dossier").click()
    page.get_by_label("Ce citoyen a exercé sa libre circulation").select_option("false")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").first).to_contain_text("Dossier mis à jour.")
    expect(page.get_by_test_id("obligation-outcome")).to_contain_text("Obligé·e")
    expect(page.get_by_test_id("path-status")).to_have_text("Obligatoire · Terminé")
    expect(page.locator("#attestation")).to_contain_text("Une copie partira vers la commune")

    with running_worker():
        attestation = issue_in_browser(page)
        assert attestation.kind == Parcours.Kind.OBLIGED
        assert wait_for(lambda: inbox.count() == 1), "the commune's copy never arrived"
        page.reload()
        card = page.get_by_test_id(f"attestation-{attestation.number}")
        expect(card.get_by_test_id("copy-commune").get_by_test_id("copy-status")).to_have_text(
            "envoyée"
        )
        expect(card.get_by_test_id("copy-cpas")).to_have_count(0)

    (received,) = inbox.received
    assert received.recipients == [COMMUNE_MAIL]
    assert attestation.number in subject(received)
    ((name, mimetype, content),) = received.attachments()
    assert (name, mimetype) == (f"{attestation.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")


def test_a_job_found_mid_path_finishes_voluntarily_without_copies(
    page: Any, caseworker: User, inbox: Inbox
) -> None:
    from playwright.sync_api import expect

    person = obliged_file(
        caseworker, last_name="Mensah", first_names="Ama", commune=give_addresses()
    )
    complete_path(person, caseworker)

    log_in(page, caseworker.username, PASSWORD)
    page.goto(f"/dossiers/{person.pk}/")
    expect(page.get_by_test_id("path-status")).to_have_text("Obligatoire · Terminé")

    page.get_by_label(re.compile(r"^\s*Dispense\*?\s*$")).select_option("employment")
    page.get_by_label("Preuve datée du").fill("2026-09-01")
    page.get_by_label("Justificatif (PDF ou image)").set_input_files(
        files=[
            {
                "name": "contrat-de-travail.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n% contrat a mi-temps\n%%EOF\n",
            }
        ]
    )
    page.get_by_role("button", name="Ajouter la dispense").click()
    expect(page.get_by_role("status").first).to_contain_text("Dispense enregistrée")
    expect(page.get_by_test_id("obligation-outcome")).to_contain_text("Dispensé·e")
    expect(page.locator("#dispenses").get_by_role("link", name="Justificatif")).to_be_visible()
    expect(page.get_by_test_id("path-status")).to_have_text("Volontaire · Terminé")
    expect(page.locator("#attestation")).to_contain_text(
        "Parcours volontaire : aucune copie n'est envoyée."
    )

    with running_worker():
        attestation = issue_in_browser(page)
        assert wait_for(lambda: pdf_ready(attestation)), "the PDF was never rendered"
        assert not wait_for(lambda: inbox.count() > 0, timeout=2)
    page.reload()
    card = page.get_by_test_id(f"attestation-{attestation.number}")
    expect(card.get_by_test_id("attestation-pdf")).to_be_visible()
    expect(card).to_contain_text("Parcours volontaire : pas de copie à la commune ni au CPAS.")
    assert attestation.kind == Parcours.Kind.VOLUNTARY
    assert not Dispatch.objects.exists()
    assert inbox.count() == 0


def test_a_revoked_attestation_sends_the_commune_a_notice(
    page: Any, caseworker: User, coordinator: User, inbox: Inbox
) -> None:
    from playwright.sync_api import expect

    person = obliged_file(
        caseworker, last_name="Petrenko", first_names="Iryna", commune=give_addresses()
    )
    parcours: Parcours = complete_path(person, caseworker)  # type: ignore[assignment]

    with running_worker():
        attestation = attestation_issue(parcours=parcours, by=caseworker)
        assert wait_for(lambda: inbox.count() == 1), "the commune's copy never arrived"
        assert inbox.received[0].recipients == [COMMUNE_MAIL]

        log_in(page, coordinator.username, PASSWORD)
        page.goto(f"/dossiers/{person.pk}/")
        card = page.get_by_test_id(f"attestation-{attestation.number}")
        expect(card.get_by_test_id("copy-commune").get_by_test_id("copy-status")).to_have_text(
            "envoyée"
        )
        card.get_by_text("Corriger ou révoquer").click()
        card.get_by_label("Motif de la révocation").fill("Présences falsifiées")
        page.once("dialog", lambda dialog: dialog.accept())  # "Révoquer cette attestation ?"
        card.get_by_role("button", name="Révoquer").click()
        expect(page.get_by_role("status").first).to_contain_text(
            f"Attestation {attestation.number} révoquée."
        )
        expect(card.get_by_test_id("attestation-status")).to_have_text("révoquée")
        expect(card).to_contain_text("Présences falsifiées")
        assert wait_for(lambda: inbox.count() == 2), "no revocation notice arrived"

    notice = inbox.received[1]
    assert notice.recipients == [COMMUNE_MAIL]
    assert attestation.number in subject(notice) and "révoquée" in subject(notice)
    body = text_body(notice)
    assert attestation.number in body and "révoquée : elle n'est plus valable" in body
    assert "falsifiées" not in body  # the reason stays at the centre
    assert not notice.attachments()
    assert Dispatch.objects.get(purpose="revocation_notice").status == Dispatch.Status.SENT


def test_the_nightly_run_turns_an_18th_birthday_into_an_obligation(
    page: Any, caseworker: User
) -> None:
    from playwright.sync_api import expect

    today = timezone.localdate()
    teenager = new_file(
        last_name="Diallo",
        first_names="Aminata",
        birth_date=eighteen_years_before(today),
        nationality="MA",
        first_registration_on=today - timedelta(days=90),
        permit_ordered_on=today - timedelta(days=75),
        permit_over_3_months=True,
    )
    obligation_assess(
        beneficiary=teenager,
        by=caseworker,
        trigger="Ouverture du dossier",
        on=today - timedelta(30),
    )
    teenager.refresh_from_db()
    assert teenager.obligation_status == "exempt"

    log_in(page, caseworker.username, PASSWORD)
    page.goto(f"/dossiers/{teenager.pk}/")
    expect(page.get_by_test_id("obligation-outcome")).to_contain_text("Dispensé·e")

    # What beat sends at night, by the name in its schedule.
    task_name = django_settings.CELERY_BEAT_SCHEDULE["obligations-nightly"]["task"]
    assert task_name == obligations_nightly.name
    with running_worker():
        app.tasks[task_name].delay()
        assert wait_for(
            lambda: Beneficiary.objects.get(pk=teenager.pk).obligation_status == "obliged"
        ), "the nightly run did not assess the file again"

    page.reload()
    expect(page.get_by_test_id("obligation-outcome")).to_contain_text(
        "Obligé·e de suivre le parcours d'intégration"
    )
    expect(page.locator("#obligation")).to_contain_text(
        "par système (Réévaluation de nuit : anniversaire)."
    )
    expect(page.locator("#obligation")).to_contain_text(f"Évalué le {today:%d/%m/%Y}")
