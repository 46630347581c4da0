"""Issuing, re-issuing, revoking: what the register and the file show afterwards."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from django.db import InternalError, connection, transaction
from django.db.models import ProtectedError
from pypdf import PdfReader

from attestations.models import Attestation
from attestations.services import (
    AttestationError,
    attestation_issue,
    attestation_reissue,
    attestation_revoke,
    normalise_code,
)
from beneficiaries.models import Beneficiary
from cainamur.models import Centre, User
from outbox.models import Dispatch
from parcours.models import Parcours
from parcours.services import obligation_assess
from tests.factories import BeneficiaryFactory, complete_path


def pdf_text(attestation: Attestation) -> str:
    with attestation.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def issue(parcours: Parcours, by: User, capture: Any) -> Attestation:
    with capture(execute=True):
        attestation = attestation_issue(parcours=parcours, by=by)
    attestation.refresh_from_db()
    return attestation


def test_issue_renders_the_pdf_and_mails_both_copies(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    centre = Centre.current()
    centre.signatory_name = "Marie Dupont"
    centre.signatory_function = "Directrice du CAI"
    centre.save()
    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)

    assert attestation.number == "CAI-ATT-2026-00001" or attestation.number.startswith("CAI-ATT-")
    assert attestation.pdf_status == "ready" and len(attestation.pdf_sha256) == 64
    text = pdf_text(attestation)
    for expected in (
        "Attestation de fréquentation",
        attestation.number,
        attestation.verification_code,
        "BENALI Amina",
        "17/05/1990",
        "Maroc",
        "85.07.30-***.**",
        "Obligatoire",
        "02/03/2026",  # welcome: social assessment
        "16/03/2026",  # convention
        "Formation à la citoyenneté",
        "Marie Dupont",
        "Directrice du CAI",
        "Fait à Namur",
        "Centre d'Action Interculturelle",
    ):
        assert expected in text, expected
    assert "03328" not in text  # the register number is masked

    completed.refresh_from_db()
    assert completed.status == Parcours.Status.ATTESTATION_ISSUED

    copies = {d.recipient_kind: d for d in attestation.dispatches.all()}
    assert set(copies) == {"commune", "cpas"}
    assert all(d.status == Dispatch.Status.SENT and d.attempts == 1 for d in copies.values())
    assert sorted(m.to[0] for m in mail.outbox) == [
        "population@ville.namur.test",
        "social@cpas.namur.test",
    ]
    for message in mail.outbox:
        assert attestation.number in message.subject and "BENALI Amina" in message.subject
        assert "BENALI Amina" in message.body
        name, content, mimetype = message.attachments[0]
        assert name == f"{attestation.number}.pdf" and mimetype == "application/pdf"
        assert content.startswith(b"%PDF")
    cpas_mail = next(m for m in mail.outbox if m.to == ["social@cpas.namur.test"])
    assert "aide de votre CPAS" in cpas_mail.body


def test_volunteers_get_their_attestation_but_no_copies(
    caseworker: User, addresses: Any, django_capture_on_commit_callbacks: Any
) -> None:
    beneficiary = BeneficiaryFactory(commune=addresses, cpas_support=True)
    parcours = complete_path(beneficiary, caseworker, voluntary=True)
    attestation = issue(parcours, caseworker, django_capture_on_commit_callbacks)  # type: ignore[arg-type]
    assert attestation.kind == "voluntary" and attestation.pdf_status == "ready"
    assert not attestation.dispatches.exists() and mail.outbox == []
    assert "Volontaire" in pdf_text(attestation)


def test_an_incomplete_path_is_refused_with_what_is_missing(
    helped: Beneficiary, caseworker: User
) -> None:
    from parcours.services import parcours_open

    parcours = parcours_open(beneficiary=helped, by=caseworker)
    with pytest.raises(AttestationError) as refused:
        attestation_issue(parcours=parcours, by=caseworker)
    message = str(refused.value)
    assert "doit être terminé" in message and "Aucune convention" in message
    assert not Attestation.objects.exists() and not Dispatch.objects.exists()


def test_no_address_leaves_the_copy_waiting_for_one(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    from beneficiaries.models import Cpas

    Cpas.objects.update(email="")
    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    statuses = {d.recipient_kind: d.status for d in attestation.dispatches.all()}
    assert statuses == {"commune": "sent", "cpas": "needs_address"}
    assert [m.to for m in mail.outbox] == [["population@ville.namur.test"]]


def test_numbers_follow_each_other_within_the_year(
    caseworker: User, addresses: Any, django_capture_on_commit_callbacks: Any
) -> None:
    numbers = []
    for _i in range(3):
        parcours = complete_path(BeneficiaryFactory(commune=addresses), caseworker, voluntary=True)
        numbers.append(issue(parcours, caseworker, django_capture_on_commit_callbacks).sequence)  # type: ignore[arg-type]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_reissue_supersedes_and_sends_the_new_copies(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    first = issue(completed, caseworker, django_capture_on_commit_callbacks)
    helped = completed.beneficiary
    helped.first_names = "Aminata"
    helped.save()
    with pytest.raises(AttestationError):
        attestation_reissue(attestation=first, by=caseworker, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        second = attestation_reissue(
            attestation=first, by=caseworker, reason="Prénom mal orthographié."
        )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "superseded" and second.status == "valid"
    assert second.replaces == first and second.number != first.number
    text = pdf_text(second)
    assert "BENALI Aminata" in text and first.number in text and "Prénom mal orthographié" in text
    assert "BENALI Amina\n" not in pdf_text(first) or "Aminata" not in pdf_text(first)
    assert len(mail.outbox) == 4  # two copies of each
    with pytest.raises(AttestationError):
        attestation_reissue(attestation=first, by=caseworker, reason="Encore")


def test_revocation_needs_a_reason_and_reopens_the_path(
    completed: Parcours,
    caseworker: User,
    coordinator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    with pytest.raises(AttestationError):
        attestation_revoke(attestation=attestation, by=coordinator, reason="")
    attestation_revoke(attestation=attestation, by=coordinator, reason="Délivrée par erreur.")
    attestation.refresh_from_db()
    completed.refresh_from_db()
    assert attestation.status == "revoked" and attestation.revoked_by == coordinator
    assert completed.status == "completed" and completed.closed_on is None
    with pytest.raises(AttestationError):
        attestation_revoke(attestation=attestation, by=coordinator, reason="Encore")
    # A new attestation can then be issued; the revoked one stays in the register.
    again = issue(completed, caseworker, django_capture_on_commit_callbacks)
    assert again.status == "valid" and Attestation.objects.count() == 2


def test_nobody_can_delete_or_rewrite_an_attestation(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    raw_delete = "DELETE FROM attestations_attestation WHERE id = %s"
    with (
        pytest.raises(InternalError, match="attestation_never_deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(raw_delete, [attestation.pk])
    with pytest.raises(ProtectedError), transaction.atomic():  # its copies are PROTECTed
        Attestation.objects.filter(pk=attestation.pk).delete()
    with pytest.raises(InternalError, match="attestation_content_frozen"), transaction.atomic():
        Attestation.objects.filter(pk=attestation.pk).update(number="CAI-ATT-2026-99999")
    with pytest.raises(InternalError, match="attestation_content_frozen"), transaction.atomic():
        Attestation.objects.filter(pk=attestation.pk).update(snapshot={"full_name": "X"})
    with pytest.raises(InternalError, match="attestation_pdf_final"), transaction.atomic():
        Attestation.objects.filter(pk=attestation.pk).update(pdf_sha256="0" * 64)
    with transaction.atomic():
        Attestation.objects.filter(pk=attestation.pk).update(
            status="revoked", revoked_at="2026-11-01T10:00Z", revocation_reason="x"
        )
    with pytest.raises(InternalError, match="attestation_status_final"), transaction.atomic():
        Attestation.objects.filter(pk=attestation.pk).update(status="valid")
    with pytest.raises(InternalError, match="attestation_revocation_final"), transaction.atomic():
        Attestation.objects.filter(pk=attestation.pk).update(revocation_reason="autre")
    with pytest.raises(InternalError, match="attestation_pdf_final"), transaction.atomic():
        Attestation.objects.filter(pk=attestation.pk).update(pdf_status="failed")
    # ...nor through the file or the path.
    with pytest.raises(ProtectedError), transaction.atomic():  # PROTECT
        Beneficiary.objects.filter(pk=completed.beneficiary_id).delete()
    assert Attestation.objects.filter(pk=attestation.pk).exists()


def test_the_admin_cannot_delete_either(
    completed: Parcours,
    caseworker: User,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.contrib.admin.sites import site

    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    model_admin = site._registry[Attestation]
    request = type("R", (), {"user": admin_user})()
    assert not model_admin.has_delete_permission(request, attestation)  # type: ignore[arg-type]
    assert not model_admin.has_change_permission(request, attestation)  # type: ignore[arg-type]


def test_codes_are_typed_back_leniently() -> None:
    assert normalise_code(" 7kq2 m9xd ") == "7KQ2-M9XD"
    assert normalise_code("7KQ2-M9XD") == "7KQ2-M9XD"


def test_obliged_status_is_taken_at_issue(
    caseworker: User, addresses: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import date

    beneficiary = BeneficiaryFactory(
        commune=addresses,
        first_registration_on=date(2026, 1, 12),
        permit_ordered_on=date(2026, 1, 20),
    )
    obligation_assess(beneficiary=beneficiary, by=caseworker, trigger="test")
    parcours = complete_path(beneficiary, caseworker)
    attestation = issue(parcours, caseworker, django_capture_on_commit_callbacks)  # type: ignore[arg-type]
    assert [d.recipient_kind for d in attestation.dispatches.all()] == ["commune"]


def test_copies_not_yet_sent_are_cancelled_with_their_attestation(
    completed: Parcours,
    caseworker: User,
    coordinator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from beneficiaries.models import Cpas
    from outbox.services import DispatchError, dispatch_resend

    Cpas.objects.update(email="")
    first = issue(completed, caseworker, django_capture_on_commit_callbacks)
    waiting = first.dispatches.get(recipient_kind="cpas")
    assert waiting.status == "needs_address"
    Cpas.objects.update(email="social@cpas.namur.test")
    with django_capture_on_commit_callbacks(execute=True):
        second = attestation_reissue(attestation=first, by=caseworker, reason="Correction")
    waiting.refresh_from_db()
    assert waiting.status == "cancelled"  # the void attestation never reaches the CPAS
    with pytest.raises(DispatchError):
        dispatch_resend(dispatch=waiting, by=coordinator)
    assert {d.recipient_kind: d.status for d in second.dispatches.all()} == {
        "commune": "sent",
        "cpas": "sent",
    }
    sent_to = [m.to[0] for m in mail.outbox]
    assert sent_to.count("social@cpas.namur.test") == 1  # only the new one


def test_a_revoked_attestation_whose_copies_left_sends_notices(
    completed: Parcours,
    caseworker: User,
    coordinator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from attestations.services import attestation_revoke

    attestation = issue(completed, caseworker, django_capture_on_commit_callbacks)
    assert set(attestation.dispatches.values_list("status", flat=True)) == {"sent"}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        attestation_revoke(attestation=attestation, by=coordinator, reason="Dépression sévère")
    notices = attestation.dispatches.filter(purpose="revocation_notice")
    assert {(d.recipient_kind, d.status) for d in notices} == {
        ("commune", "sent"),
        ("cpas", "sent"),
    }
    assert sorted(m.to[0] for m in mail.outbox) == [
        "population@ville.namur.test",
        "social@cpas.namur.test",
    ]
    for message in mail.outbox:
        assert attestation.number in message.subject and "révoquée" in message.subject
        assert "n'est plus valable" in message.body
        assert "Dépression" not in message.body  # the reason stays at the centre
        assert not message.attachments


def test_a_reissued_copy_says_which_attestation_it_replaces(
    completed: Parcours, caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    first = issue(completed, caseworker, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second = attestation_reissue(attestation=first, by=caseworker, reason="Nom corrigé")
    assert {d.status for d in second.dispatches.all()} == {"sent"}
    for message in mail.outbox:
        assert second.number in message.subject
        assert f"Elle remplace l'attestation n° {first.number}" in message.body
