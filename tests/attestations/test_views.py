"""The attestation on the file page, the coordinators' register and copies page, and the
public verification page."""

from __future__ import annotations

import csv
import io
from datetime import date
from html import unescape
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attestations.models import Attestation
from attestations.services import attestation_issue, attestation_reissue, attestation_revoke
from attestations.views import DISPATCHES_PER_PAGE
from beneficiaries.models import Commune, Cpas
from cainamur.models import User
from outbox.models import Dispatch
from parcours.models import Parcours
from tests.factories import BeneficiaryFactory, complete_path


def detail(beneficiary_pk: int) -> str:
    return reverse("beneficiaries:detail", args=[beneficiary_pk])


def issued(parcours: Parcours, by: User, capture: Any) -> Attestation:
    with capture(execute=True):
        attestation = attestation_issue(parcours=parcours, by=by)
    attestation.refresh_from_db()
    return attestation


def test_caseworker_issues_from_the_file_and_sees_the_copies_sent(
    completed: Parcours,
    caseworker: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login_client(caseworker)
    page = client.get(detail(completed.beneficiary_id)).content.decode()
    assert "Délivrer l&#x27;attestation" in page or "Délivrer l'attestation" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("attestations:issue", args=[completed.beneficiary_id]))
    page = client.get(detail(completed.beneficiary_id)).content.decode()
    attestation = Attestation.objects.get()
    assert f"Attestation {attestation.number} délivrée" in page  # the flash message
    assert page.count("envoyée") >= 2 and "population@ville.namur.test" in page
    pdf = client.get(reverse("attestations:pdf", args=[completed.beneficiary_id, attestation.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # A second click does not issue twice.
    response = client.post(
        reverse("attestations:issue", args=[completed.beneficiary_id]), follow=True
    )
    assert "déjà été délivrée" in response.content.decode()
    assert Attestation.objects.count() == 1 and len(mail.outbox) == 2


def test_an_incomplete_path_says_what_is_missing(
    helped: Any, caseworker: User, login_client: Any
) -> None:
    from parcours.services import parcours_open

    parcours_open(beneficiary=helped, by=caseworker)
    client = login_client(caseworker)
    page = client.get(detail(helped.pk)).content.decode()
    assert "se délivre quand le parcours est terminé" in page
    response = client.post(reverse("attestations:issue", args=[helped.pk]), follow=True)
    assert "ne peut pas encore être délivrée" in response.content.decode()
    assert not Attestation.objects.exists()


def test_reception_sees_the_status_but_no_actions(
    completed: Parcours,
    caseworker: User,
    reception: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attestation = issued(completed, caseworker, django_capture_on_commit_callbacks)
    page = login_client(reception).get(detail(completed.beneficiary_id)).content.decode()
    assert attestation.number in page
    assert reverse("attestations:pdf", args=[completed.beneficiary_id, attestation.pk]) not in page
    assert "Rééditer" not in page


def test_a_failed_copy_is_resent_from_the_file(
    completed: Parcours,
    caseworker: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attestation = issued(completed, caseworker, django_capture_on_commit_callbacks)
    copy = attestation.dispatches.get(recipient_kind="cpas")
    Dispatch.objects.filter(pk=copy.pk).update(status="failed", last_error="SMTP 451")
    mail.outbox.clear()
    client = login_client(caseworker)
    page = client.get(detail(completed.beneficiary_id)).content.decode()
    assert "SMTP 451" in page and "Relancer" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("attestations:resend", args=[completed.beneficiary_id, copy.pk]), follow=True
        )
    assert "relancée" in response.content.decode()
    copy.refresh_from_db()
    assert copy.status == "sent" and copy.attempts == 2
    assert [m.to for m in mail.outbox] == [["social@cpas.namur.test"]]
    # A copy already sent cannot be resent.
    response = client.post(
        reverse("attestations:resend", args=[completed.beneficiary_id, copy.pk]), follow=True
    )
    assert "ne peut pas être relancé" in response.content.decode() and len(mail.outbox) == 1


def test_the_coordinator_fixes_a_missing_address_and_the_copy_leaves(
    completed: Parcours,
    caseworker: User,
    coordinator: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    Cpas.objects.update(email="")
    attestation = issued(completed, caseworker, django_capture_on_commit_callbacks)
    copy = attestation.dispatches.get(recipient_kind="cpas")
    assert copy.status == "needs_address"
    client = login_client(coordinator)
    home = client.get(reverse("home-coordinator")).content.decode()
    assert "attestation à vérifier" in home
    page = client.get(reverse("attestations:dispatches")).content.decode()
    assert attestation.number in page and "adresse manquante" in page
    url = reverse("attestations:dispatch-address", args=[copy.pk])
    refused = client.post(url, {"email": "pas-une-adresse"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "pas valide" in text and 'value="pas-une-adresse"' in text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "aide@cpas.namur.test"})
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.status == "sent" and copy.to_address == "aide@cpas.namur.test"
    assert Cpas.objects.get(commune__name="Namur").email == "aide@cpas.namur.test"
    assert (
        "Toutes les copies sont parties"
        in client.get(reverse("attestations:dispatches")).content.decode()
    )


def test_relancer_without_an_address_says_who_types_it_caseworker(
    completed: Parcours,
    caseworker: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    Cpas.objects.update(email="")
    attestation = issued(completed, caseworker, django_capture_on_commit_callbacks)
    copy = attestation.dispatches.get(recipient_kind="cpas")
    assert copy.status == "needs_address"
    mail.outbox.clear()
    client = login_client(caseworker)
    resend = reverse("attestations:resend", args=[completed.beneficiary_id, copy.pk])
    said = (
        "Adresse manquante : la coordination doit saisir l'adresse e-mail du CPAS "
        "(CPAS de Namur) avant de relancer."
    )
    page = unescape(client.get(detail(completed.beneficiary_id)).content.decode())
    # No button that pretends to resend, no link to a page the caseworker cannot open.
    assert said in page and resend not in page
    assert reverse("attestations:dispatches") not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend, follow=True)
    text = unescape(response.content.decode())
    assert said in text and "relancée" not in text
    copy.refresh_from_db()
    assert copy.status == "needs_address" and mail.outbox == []


def test_relancer_without_an_address_links_the_coordinator_to_the_form(
    completed: Parcours,
    caseworker: User,
    coordinator: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    Commune.objects.filter(name="Namur").update(population_email="")
    attestation = issued(completed, caseworker, django_capture_on_commit_callbacks)
    copy = attestation.dispatches.get(recipient_kind="commune")
    assert copy.status == "needs_address"
    mail.outbox.clear()
    client = login_client(coordinator)
    form_at = f"{reverse('attestations:dispatches')}#address-{copy.pk}"
    resend = reverse("attestations:resend", args=[completed.beneficiary_id, copy.pk])
    page = unescape(client.get(detail(completed.beneficiary_id)).content.decode())
    assert (
        f'Adresse manquante : <a href="{form_at}">saisissez l\'adresse e-mail de la '
        "commune de Namur</a>." in page
    )
    assert resend not in page
    said = (
        "Adresse manquante : saisissez l'adresse e-mail de la commune de Namur. "
        f'<a href="{form_at}">Saisir l\'adresse</a>'
    )
    for url, back in (
        (resend, detail(completed.beneficiary_id)),
        (reverse("attestations:dispatch-resend", args=[copy.pk]), form_at.split("#")[0]),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(back)
        raw = client.get(response["Location"]).content.decode()
        assert said in unescape(raw) and f'<a href="{form_at}">Saisir' in raw  # a real link
    copy.refresh_from_db()
    assert copy.status == "needs_address" and mail.outbox == []
    # Where the link leads: the row's address field, and no « Relancer » for that row.
    listing = client.get(form_at.split("#")[0]).content.decode()
    assert f'id="address-{copy.pk}"' in listing
    assert reverse("attestations:dispatch-resend", args=[copy.pk]) not in listing
    # Typed in the admin meanwhile: « Relancer » is back and sends it.
    Commune.objects.filter(name="Namur").update(population_email="etat.civil@namur.test")
    page = client.get(detail(completed.beneficiary_id)).content.decode()
    assert resend in page and "saisie depuis" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(resend)
    copy.refresh_from_db()
    assert copy.status == "sent" and [m.to for m in mail.outbox] == [["etat.civil@namur.test"]]


def test_a_failed_copy_whose_address_was_removed_gets_the_address_form(
    completed: Parcours,
    caseworker: User,
    coordinator: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attestation = issued(completed, caseworker, django_capture_on_commit_callbacks)
    copy = attestation.dispatches.get(recipient_kind="cpas")
    Dispatch.objects.filter(pk=copy.pk).update(status="failed", last_error="SMTP 550")
    Cpas.objects.update(email="")
    mail.outbox.clear()
    client = login_client(coordinator)
    listing = unescape(client.get(reverse("attestations:dispatches")).content.decode())
    assert f'id="address-{copy.pk}"' in listing and "n'a plus d'adresse" in listing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("attestations:dispatch-address", args=[copy.pk]),
            {"email": "aide@cpas.namur.test"},
        )
    copy.refresh_from_db()
    assert copy.status == "sent" and [m.to for m in mail.outbox] == [["aide@cpas.namur.test"]]


def test_caseworkers_cannot_use_the_coordinators_pages(
    completed: Parcours,
    caseworker: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attestation = issued(completed, caseworker, django_capture_on_commit_callbacks)
    copy = attestation.dispatches.first()
    client = login_client(caseworker)
    assert client.post(reverse("attestations:dispatch-resend", args=[copy.pk])).status_code == 403
    assert (
        client.post(
            reverse("attestations:dispatch-address", args=[copy.pk]), {"email": "a@b.be"}
        ).status_code
        == 403
    )


def test_register_search_filters_and_csv(
    completed: Parcours,
    caseworker: User,
    coordinator: User,
    addresses: Commune,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = issued(completed, caseworker, django_capture_on_commit_callbacks)
    other = complete_path(
        BeneficiaryFactory(last_name="Kowalski", first_names="Jan", commune=addresses),
        caseworker,
        voluntary=True,
    )
    second = issued(other, caseworker, django_capture_on_commit_callbacks)  # type: ignore[arg-type]
    with django_capture_on_commit_callbacks(execute=True):
        attestation_revoke(attestation=second, by=coordinator, reason="Erreur de dossier")
    client = login_client(coordinator)
    page = client.get(reverse("attestations:register")).content.decode()
    assert first.number in page and second.number in page and "2 attestations" in page
    page = client.post(reverse("attestations:register"), {"q": "kowalsky"}).content.decode()
    assert second.number in page and first.number not in page  # a typo still finds him
    page = client.post(reverse("attestations:register"), {"status": "valid"}).content.decode()
    assert first.number in page and second.number not in page
    page = client.post(reverse("attestations:register"), {"copies": "none"}).content.decode()
    assert second.number in page and first.number not in page
    response = client.post(reverse("attestations:register"), {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    content = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][0] == "Numéro" and len(rows) == 3
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[second.number][1] == "révoquée"
    assert by_number[second.number][10] == "Erreur de dossier"
    assert by_number[first.number][11] == "envoyée" and by_number[first.number][12] == "envoyée"
    # The name searched never went into a URL: the export and the search are POSTs.
    assert "kowalsky" not in response.request.get("QUERY_STRING", "")


def test_register_query_count_does_not_grow(
    caseworker: User,
    coordinator: User,
    addresses: Commune,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login_client(coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("attestations:register")).status_code == 200
        return len(queries)

    def one_more() -> None:
        beneficiary = BeneficiaryFactory(
            commune=addresses,
            cpas_support=True,
            first_registration_on=date(2026, 1, 12),
            permit_ordered_on=date(2026, 1, 20),
        )
        parcours = complete_path(beneficiary, caseworker)
        issued(parcours, caseworker, django_capture_on_commit_callbacks)  # type: ignore[arg-type]

    one_more()
    one = count()
    for _i in range(3):
        one_more()
    assert count() == one


@pytest.mark.parametrize("state", ["valid", "superseded", "revoked", "unknown"])
def test_verification_page(
    state: str,
    completed: Parcours,
    caseworker: User,
    coordinator: User,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attestation = issued(completed, caseworker, django_capture_on_commit_callbacks)
    code = attestation.verification_code
    if state == "superseded":
        with django_capture_on_commit_callbacks(execute=True):
            attestation_reissue(attestation=attestation, by=caseworker, reason="Correction")
    elif state == "revoked":
        attestation_revoke(attestation=attestation, by=coordinator, reason="Erreur")
    elif state == "unknown":
        code = "ZZZZ-ZZZZ"
    # As typed by hand (lower case, spaces), without logging in.
    response = client.get(
        reverse("attestations:verify"),
        {"number": attestation.number.lower(), "code": code.lower().replace("-", " ")},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-state="{state}"' in page
    # Only the initials and the issue date: never the name nor the file number.
    assert "Benali" not in page and "BENALI" not in page and "Amina" not in page
    assert completed.beneficiary.file_number not in page
    if state != "unknown":
        assert "A. B." in page and attestation.issued_on.strftime("%d/%m/%Y") in page


def test_the_qr_code_link_checks_directly(
    completed: Parcours, caseworker: User, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    attestation = issued(completed, caseworker, django_capture_on_commit_callbacks)
    url = attestation.snapshot["verify_url"]
    assert url.startswith("http://") and "/verifier/?n=" in url
    response = client.get(url.split("8000", 1)[1])
    assert 'data-state="valid"' in response.content.decode()


def test_verification_is_rate_limited(client: Any, settings: Any, db: None) -> None:
    settings.CAI_VERIFY_RATE = "3/m"
    from django.core.cache import cache

    cache.clear()
    url = reverse("attestations:verify")
    answers = [
        client.get(url, {"number": "CAI-ATT-2026-00001", "code": "AAAA-BBBB"}).status_code
        for _i in range(5)
    ]
    assert answers == [200, 200, 200, 429, 429]
    assert "Trop de vérifications" in client.get(url).content.decode()
    cache.clear()


def test_an_empty_verification_form_explains_itself(client: Any, db: None) -> None:
    from django.core.cache import cache

    cache.clear()
    page = client.get(reverse("attestations:verify"), {"number": "", "code": ""}).content.decode()
    assert "Indiquez le numéro" in page and "Indiquez le code" in page


def test_after_the_attestation_nothing_is_due_any_more(
    completed: Parcours,
    caseworker: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    issued(completed, caseworker, django_capture_on_commit_callbacks)
    page = login_client(caseworker).get(detail(completed.beneficiary_id)).content.decode()
    assert "Obligation remplie : attestation délivrée le" in page
    assert "en retard" not in page and "Prochain entretien" not in page


def test_after_a_revocation_a_new_attestation_can_be_issued_from_the_file(
    completed: Parcours,
    caseworker: User,
    coordinator: User,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attestation = issued(completed, caseworker, django_capture_on_commit_callbacks)
    client = login_client(coordinator)
    client.post(
        reverse("attestations:revoke", args=[completed.beneficiary_id, attestation.pk]),
        {"reason": "Heures mal saisies"},
    )
    page = client.get(detail(completed.beneficiary_id)).content.decode()
    assert "révoquée" in page and 'data-testid="issue-attestation"' in page
    assert "plus d&#x27;attestation valide" in page or "plus d'attestation valide" in page


def test_the_csv_never_carries_a_formula(
    caseworker: User,
    coordinator: User,
    addresses: Commune,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    beneficiary = BeneficiaryFactory(
        last_name='=HYPERLINK("http://x")', first_names="@Evil", commune=addresses
    )
    parcours = complete_path(beneficiary, caseworker, voluntary=True)
    issued(parcours, caseworker, django_capture_on_commit_callbacks)  # type: ignore[arg-type]
    response = login_client(coordinator).post(reverse("attestations:register"), {"export": "1"})
    content = response.content.decode("utf-8-sig")
    name = next(csv.reader(io.StringIO(content.splitlines()[1]), delimiter=";"))[4]
    assert name.startswith("'=") and "HYPERLINK" in name


def test_many_failed_copies_come_by_pages_oldest_first(
    caseworker: User, coordinator: User, login_client: Any
) -> None:
    """However many copies wait, the page shows fifty (oldest first) with the count, and
    the rest on the next pages."""
    commune = Commune.objects.get(name="Namur")
    rows = []
    for n in range(DISPATCHES_PER_PAGE + 5):
        beneficiary = BeneficiaryFactory(commune=commune)
        parcours = Parcours.objects.create(
            beneficiary=beneficiary,
            kind=Parcours.Kind.OBLIGED,
            status=Parcours.Status.ATTESTATION_ISSUED,
            opened_on=date(2025, 1, 6),
            opened_by=caseworker,
        )
        attestation = Attestation.objects.create(
            number=f"CAI-ATT-2025-{n + 1:05d}",
            year=2025,
            sequence=n + 1,
            verification_code="abcdef123456",
            parcours=parcours,
            beneficiary=beneficiary,
            kind=Parcours.Kind.OBLIGED,
            issued_on=date(2025, 6, 2),
            issued_by=caseworker,
            snapshot={"initials": "A. B."},
        )
        rows.append(
            Dispatch(
                purpose=Dispatch.Purpose.ATTESTATION_COPY,
                attestation=attestation,
                recipient_kind=Dispatch.Recipient.COMMUNE,
                commune=commune,
                to_address="population@namur.be",
                status=Dispatch.Status.FAILED,
                attempts=5,
                last_error="550 Mailbox unavailable",
            )
        )
    Dispatch.objects.bulk_create(rows)
    client = login_client(coordinator)
    first = client.get(reverse("attestations:dispatches")).content.decode()
    assert f"{DISPATCHES_PER_PAGE + 5} copies" in first
    assert first.count('data-testid="dispatch-') == DISPATCHES_PER_PAGE
    assert "CAI-ATT-2025-00001" in first and "CAI-ATT-2025-00055" not in first
    second = client.get(reverse("attestations:dispatches"), {"page": 2}).content.decode()
    assert second.count('data-testid="dispatch-') == 5 and "CAI-ATT-2025-00055" in second
