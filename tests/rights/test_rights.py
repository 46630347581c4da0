"""Data-subject rights (issue 13): access export, anonymisation, legal hold, retention."""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pgtrigger
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from stdnum.be import nn

from attestations.documents import attestation_pdf_store
from attestations.models import Attestation
from attestations.services import attestation_issue
from beneficiaries.models import Beneficiary
from beneficiaries.services import beneficiary_update, exemption_record
from cainamur import audit
from cainamur.models import AuditEvent, ReadEvent, User
from outbox.models import Dispatch
from parcours.services import force_majeure_record
from reception.models import Callback
from rights import retention
from rights.anonymise import AnonymisationError, beneficiary_anonymise
from rights.models import Anonymisation, LegalHold, RetentionRule
from rights.services import legal_hold_set
from tests.cainamur.test_protection_at_rest import text_columns_holding
from tests.factories import complete_path, obliged_file

NRN = "85073003328"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def full_file(caseworker: User, **extra: Any) -> Beneficiary:
    """A file with everything a file can hold that names the person."""
    person = obliged_file(
        caseworker,
        last_name="Zyrnavska",
        first_names="Olenka Mariya",
        national_number=NRN,
        phone="+32471998877",
        email="olenka.zyrnavska@example.test",
        street="Rue des Glycines 77",
        birth_place="Kharkivzyr",
        **extra,
    )
    beneficiary_update(beneficiary=person, data={"notes": "Note privée XQNOTEQX"}, by=caseworker)
    parcours = complete_path(person, caseworker)
    attestation = attestation_issue(parcours=parcours, by=caseworker)
    attestation_pdf_store(attestation.pk)
    exemption_record(
        beneficiary=person,
        code="medical",
        proven_on=date(2026, 2, 1),
        proof=SimpleUploadedFile("certificat.pdf", PDF, content_type="application/pdf"),
        notes="Certificat du Dr X, XQHEALTHQX",
        by=caseworker,
    )
    Callback.objects.create(
        name="Olenka Zyrnavska",
        phone="+32471998877",
        subject="Rappeler XQSUBJECTQX",
        office=caseworker.offices.first(),
        created_by=caseworker,
        beneficiary=person,
    )
    audit.record(
        by=caseworker,
        action="test.note",
        summary="Appel de Olenka Zyrnavska",
        beneficiary=person,
        reason="raison XQREASONQX",
    )
    person.refresh_from_db()
    return person


TRACES = [
    "Zyrnavska",
    "Olenka",
    NRN,
    nn.format(NRN),
    "471998877",
    "olenka.zyrnavska@example.test",
    "Glycines",
    "Kharkivzyr",
    "XQNOTEQX",
    "XQHEALTHQX",
    "XQSUBJECTQX",
    "XQREASONQX",
]


def test_anonymisation_leaves_no_trace_in_any_table_nor_on_disk(
    caseworker: User, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    person = full_file(caseworker)
    assert set(text_columns_holding(TRACES)) >= {
        "beneficiaries_beneficiary",
        "beneficiaries_beneficiaryevent",
        "reception_callback",
        "cainamur_auditevent",
    }  # the scan sees them before
    media = Path(settings.MEDIA_ROOT)
    stored = [p for p in media.rglob("*") if p.is_file()]
    assert len(stored) == 2  # the certificate and the attestation's PDF
    attestation = Attestation.objects.get(beneficiary=person)

    with django_capture_on_commit_callbacks(execute=True):
        beneficiary_anonymise(beneficiary=person, by=caseworker)

    assert text_columns_holding(TRACES) == {}
    assert not [p for p in media.rglob("*") if p.is_file()]
    person.refresh_from_db()
    # What statistics need stays.
    assert person.birth_date == date(1990, 1, 1) and person.sex == "F"
    assert person.nationality == "MA" and person.commune.name
    assert person.obligation_status == "exempt" and person.paths.get().status
    # The register keeps the attestation's number, date and status; its person is gone.
    attestation.refresh_from_db()
    assert attestation.number and attestation.issued_on and attestation.status == "valid"
    assert attestation.snapshot["full_name"] == "anonymisé"
    assert Anonymisation.objects.get(beneficiary=person).by == caseworker
    assert AuditEvent.objects.filter(action="rights.beneficiary_anonymise").exists()
    with pytest.raises(AnonymisationError, match="déjà anonymisé"):
        beneficiary_anonymise(beneficiary=person, by=caseworker)


def test_a_legal_hold_protects_the_file(caseworker: User, coordinator: User) -> None:
    person = obliged_file(caseworker, last_name="Tenu")
    legal_hold_set(beneficiary=person, reason="Recours en cours, réf. 24/1", by=coordinator)
    with pytest.raises(AnonymisationError, match="raison légale"):
        beneficiary_anonymise(beneficiary=person, by=coordinator)


def test_access_export_holds_everything_and_is_fast_and_logged(
    caseworker: User, coordinator: User, login_client: Any
) -> None:
    person = full_file(caseworker)
    # Ten documents with the certificate and the attestation.
    for code in ("belgian_diploma", "employment", "studies", "prior_attestation"):
        exemption_record(
            beneficiary=person,
            code=code,
            proven_on=date(2026, 2, 1),
            proof=SimpleUploadedFile(f"{code}.pdf", PDF, content_type="application/pdf"),
            by=caseworker,
        )
    for index in range(4):
        force_majeure_record(
            beneficiary=person,
            start_on=date(2026, 2, 1 + index),
            end_on=date(2026, 2, 2 + index),
            reason="Hospitalisation",
            document=SimpleUploadedFile(f"fm{index}.pdf", PDF, content_type="application/pdf"),
            by=caseworker,
        )
    AuditEvent.objects.bulk_create(
        AuditEvent(actor=caseworker, action="test.row", summary=f"Ligne {n}", beneficiary=person)
        for n in range(500)
    )
    client = login_client(coordinator)
    url = reverse("rights:export", args=[person.pk])
    assert "Télécharger le ZIP" in client.get(url).content.decode()
    started = time.monotonic()
    response = client.post(url)
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed < 60
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert "resume.pdf" in names and "donnees.json" in names
    documents = [n for n in names if n.startswith("documents/")]
    assert len(documents) == 10
    assert all(archive.read(n).startswith(b"%PDF") for n in documents)  # decrypted
    data = json.loads(archive.read("donnees.json"))["tables"]
    assert data["dossier"][0]["national_number"] == NRN
    assert data["dossier"][0]["last_name"] == "Zyrnavska"
    assert len(data["historique"]) >= 500
    assert data["attestations"] and data["heures"] and data["demandes_de_rappel"]
    assert "national_number_index" not in data["dossier"][0]
    summary = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(archive.read("resume.pdf"))).pages
    )
    assert "ZYRNAVSKA Olenka Mariya" in summary and "85.07.30-033.28" in summary
    assert ReadEvent.objects.filter(beneficiary=person, kind="export").count() == 1


def test_rights_screens_are_for_coordinators(
    caseworker: User, reception: User, coordinator: User, login_client: Any
) -> None:
    person = obliged_file(caseworker, last_name="Écran")
    for user in (caseworker, reception):
        client = login_client(user)
        for name in ("rights:export", "rights:anonymise"):
            assert client.get(reverse(name, args=[person.pk])).status_code == 403
        assert client.get(reverse("rights:retention")).status_code == 403
    client = login_client(coordinator)
    page = client.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    assert "Exporter les données" in page and "Anonymiser" in page
    assert client.get(reverse("rights:export", args=[999999])).status_code == 404
    # Anonymising asks for the file number typed again; a wrong one keeps the file.
    url = reverse("rights:anonymise", args=[person.pk])
    refused = client.post(url, {"file_number": "CAI-0000-00000"})
    assert refused.status_code == 400 and "Tapez exactement" in refused.content.decode()
    assert not Anonymisation.objects.exists()
    # A legal hold is set with its reason, shown, and lifted.
    held = client.post(reverse("rights:legal-hold", args=[person.pk]), {"reason": "Recours"})
    assert held.status_code == 302 and LegalHold.objects.get().reason == "Recours"
    assert "Recours" in client.get(held["Location"]).content.decode()
    blocked = client.post(url, {"file_number": person.file_number})
    assert "raison légale" in blocked.content.decode() and not Anonymisation.objects.exists()
    client.post(reverse("rights:legal-hold-lift", args=[person.pk]))
    assert not LegalHold.objects.exists()
    done = client.post(url, {"file_number": person.file_number.lower()})
    assert done.status_code == 302 and Anonymisation.objects.filter(beneficiary=person).exists()


def age(files: list[Beneficiary], *, days: int) -> None:
    """Make files (and what was written about them) look ``days`` old."""
    then = timezone.now() - timedelta(days=days)
    ids = [f.pk for f in files]
    Beneficiary.objects.filter(pk__in=ids).update(updated_at=then)
    with pgtrigger.ignore("cainamur.AuditEvent:audit_append_only"):
        AuditEvent.objects.filter(beneficiary__in=ids).update(at=then)


def test_retention_dry_run_and_real_run_agree(
    caseworker: User, coordinator: User, login_client: Any
) -> None:
    now = timezone.now()
    # An old registration never followed (not concerned), another under a legal hold,
    # a recent one: only the first is due.
    old = obliged_file(caseworker, last_name="Ancien", nationality="FR")
    held = obliged_file(caseworker, last_name="Tenu", nationality="FR")
    recent = obliged_file(caseworker, last_name="Récent", nationality="FR")
    assert old.obligation_status == "not_concerned"
    age([old, held], days=400)
    legal_hold_set(beneficiary=held, reason="Litige", by=coordinator)
    Callback.objects.create(
        name="Vieux rappel",
        phone="+32470000000",
        subject="x",
        office=caseworker.offices.first(),
        created_by=caseworker,
    )
    Callback.objects.filter(name="Vieux rappel").update(created_at=now - timedelta(days=800))
    ReadEvent.objects.create(actor=caseworker, kind="file", beneficiary=recent)
    with pgtrigger.ignore("cainamur.ReadEvent:read_log_append_only"):
        ReadEvent.objects.filter(beneficiary=recent).update(at=now - timedelta(days=6 * 366))

    out = io.StringIO()
    call_command("retention", "--dry-run", stdout=out)
    planned = retention.run(dry_run=True)
    assert planned["unfollowed_file"] == 1 and planned["callback"] == 1
    assert planned["read_log"] == 1 and planned["closed_file"] == 0
    assert "Inscriptions sans parcours" in out.getvalue() and ": 1 à traiter" in out.getvalue()
    page = login_client(coordinator).get(reverse("rights:retention")).content.decode()
    assert "Litige" in page and "Ce que ferait le prochain passage" in page

    done = retention.run()
    assert done == planned
    assert Anonymisation.objects.get().beneficiary_id == old.pk
    assert not Anonymisation.objects.filter(beneficiary=held).exists()
    assert Callback.objects.get(phone="").name == "anonymisé"
    assert not ReadEvent.objects.filter(beneficiary=recent).exists()
    assert all(count == 0 for count in retention.run(dry_run=True).values())
    # Administrators set the periods: a shorter one for call-backs applies at once.
    RetentionRule.objects.filter(record_type="callback").update(months=1)
    assert {d.record_type: d.months for d in retention.due()}["callback"] == 1


def test_scrub_keeps_dates_readable() -> None:
    from rights.anonymise import scrub

    secrets = ["1990-05-17", "17/05/1990", "Zyrnavska"]
    data = {"birth_date": "1990-05-17", "text": "Né le 17/05/1990, M. ZYRNAVSKA", "full_name": "x"}
    assert scrub(data, secrets, year=1990) == {
        "birth_date": "1990-01-01",
        "text": "Né le 01/01/1990, M. anonymisé",
        "full_name": "anonymisé",
    }


def test_retention_never_takes_a_file_still_followed(caseworker: User, coordinator: User) -> None:
    """Due only when nothing happened since the cut-off: a recent write, a coming
    appointment, a second path closed recently or a pending breach keep the file."""
    from appointments.models import Appointment, AppointmentType
    from parcours.models import Parcours

    quiet = obliged_file(caseworker, last_name="Calme", nationality="FR")
    booked = obliged_file(caseworker, last_name="Attendu", nationality="FR")
    written = obliged_file(caseworker, last_name="Écrit", nationality="FR")
    age([quiet, booked, written], days=400)
    start = timezone.now() + timedelta(days=3)
    Appointment.objects.create(
        type=AppointmentType.objects.first(),
        office=booked.office,
        staff=caseworker,
        during=(start, start + timedelta(minutes=30)),
        beneficiary=booked,
        created_by=caseworker,
    )
    audit.record(by=caseworker, action="test.edit", summary="Modifié", beneficiary=written)
    due = {f.pk for f in retention._rows("unfollowed_file", retention._before(12, timezone.now()))}
    assert due == {quiet.pk}

    # Two finished paths, the second closed last month: not due for ten more years.
    person = full_file(caseworker)
    first = person.paths.get()
    Parcours.objects.filter(pk=first.pk).update(closed_on=date(2010, 1, 1))
    age([person], days=11 * 366)
    with pgtrigger.ignore("attestations.Attestation:attestation_content_frozen"):
        Attestation.objects.filter(beneficiary=person).update(issued_on=date(2010, 1, 1))
    cutoff = retention._before(120, timezone.now())
    assert person.pk in {f.pk for f in retention._rows("closed_file", cutoff)}
    second = Parcours.objects.create(
        beneficiary=person,
        kind=first.kind,
        status="completed",
        opened_on=date(2025, 1, 1),
        opened_by=caseworker,
        closed_on=timezone.localdate() - timedelta(days=30),
    )
    assert second.pk and person.pk not in {f.pk for f in retention._rows("closed_file", cutoff)}


def test_anonymisation_reaches_history_and_unsent_messages(
    caseworker: User, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    """A birth date or a proof corrected since, a reason in a convention's snapshot, a
    copy still waiting to go: all gone."""
    from parcours.models import Convention

    person = full_file(caseworker, birth_date=date(1988, 4, 3))
    beneficiary_update(
        beneficiary=person,
        data={"birth_date": date(1990, 5, 17)},
        by=caseworker,
        number_confirmed=True,  # the number says 1985: the caseworker confirms the date
    )
    with pgtrigger.ignore("parcours.Convention:convention_snapshot_frozen"):
        Convention.objects.filter(parcours__beneficiary=person).update(
            snapshot={"birth_date": "1988-04-03", "amendment_reason": "XQAMENDQX"}
        )
    dispatch = Dispatch.objects.filter(attestation__beneficiary=person).first()
    assert dispatch is not None
    Dispatch.objects.filter(pk=dispatch.pk).update(status="needs_address")
    with django_capture_on_commit_callbacks(execute=True):
        beneficiary_anonymise(beneficiary=person, by=caseworker)
    assert text_columns_holding([*TRACES, "1988-04-03", "03/04/1988", "XQAMENDQX"]) == {}
    dispatch.refresh_from_db()
    assert dispatch.status == "cancelled" and dispatch.to_address == ""
    attestation = Attestation.objects.get(beneficiary=person)
    assert attestation.pdf_status == "failed" and "anonymisé" in attestation.pdf_error
