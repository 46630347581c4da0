"""Uploads are data, never markup (issue 12, finding 1): only PDF, JPEG and PNG recognised
by their content, the size limit checked as the upload streams, random names on disk, and
downloads as attachments with their validated type, nosniff and a sandboxing CSP.

Each upload form is exercised through its real view: exemption proof, Minister's decision,
force majeure certificate, family proof."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from beneficiaries.models import Beneficiary, Exemption
from cainamur.models import User
from cainamur.uploads import RandomName, detect
from tests.factories import BeneficiaryFactory

HTML = b"<!doctype html><script>fetch('/attestations/').then(r=>r.text())</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "accepted"),
    [
        (PDF, "application/pdf"),
        (png(), "image/png"),
        (jpeg(), "image/jpeg"),
        (HTML, None),
        (SVG, None),
        (b"%PDF-1.4 truncated", None),  # a PDF without its end
        (png()[:40], None),  # a broken image
        (b"GIF89a" + b"\x00" * 40, None),
        (b"", None),
    ],
)
def test_detect_reads_the_content(content: bytes, accepted: str | None) -> None:
    assert detect(io.BytesIO(content)) == accepted


def _exemption(client: Any, beneficiary: Beneficiary, name: str, content: bytes, kind: str) -> Any:
    return client.post(
        reverse("beneficiaries:exemption-add", args=[beneficiary.pk]),
        {
            "code": "employment",
            "proven_on": "2026-08-01",
            "notes": "Contrat à durée indéterminée",
            "proof": SimpleUploadedFile(name, content, kind),
        },
    )


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("decision.html", HTML, "text/html"),
        ("contrat.pdf", HTML, "application/pdf"),  # the name and type lie: the content says
        ("photo.png", SVG, "image/png"),
        ("dessin.svg", SVG, "image/svg+xml"),
    ],
)
def test_markup_is_refused_and_what_was_typed_kept(
    login_client: Any,
    caseworker: User,
    settings: Any,
    tmp_path: Path,
    name: str,
    content: bytes,
    kind: str,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    beneficiary = BeneficiaryFactory()
    response = _exemption(login_client(caseworker), beneficiary, name, content, kind)
    assert response.status_code == 400
    page = response.content.decode()
    assert "pas un PDF, un JPEG ni un PNG" in page
    assert "Contrat à durée indéterminée" in page  # the notes typed are kept
    assert not Exemption.objects.exists()
    assert not any(tmp_path.rglob("*"))  # nothing stored


def test_a_document_is_stored_under_a_random_name_and_served_as_an_attachment(
    login_client: Any, caseworker: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    beneficiary = BeneficiaryFactory(last_name="Haddad")
    client = login_client(caseworker)
    response = _exemption(client, beneficiary, "Contrat Haddad.png", png(), "image/png")
    assert response.status_code == 302
    exemption = Exemption.objects.get()
    stored = exemption.proof.name
    assert stored.startswith("exemptions/") and stored.endswith(".png")
    assert "Haddad" not in stored and "Contrat" not in stored
    download = client.get(
        reverse("beneficiaries:exemption-proof", args=[beneficiary.pk, exemption.pk])
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(download.streaming_content) == png()


def test_a_stored_file_that_is_not_a_document_is_served_as_opaque_bytes(
    login_client: Any, caseworker: User, settings: Any, tmp_path: Path
) -> None:
    """A file stored before these checks (or put there by hand) is never sent as HTML."""
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    beneficiary = BeneficiaryFactory()
    exemption = Exemption(
        beneficiary=beneficiary, code="employment", proven_on="2026-08-01", recorded_by=caseworker
    )
    exemption.proof.save("old.html", ContentFile(HTML), save=True)
    download = login_client(caseworker).get(
        reverse("beneficiaries:exemption-proof", args=[beneficiary.pk, exemption.pk])
    )
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    b"".join(download.streaming_content)


def test_the_size_limit_is_checked_while_the_upload_streams(
    login_client: Any, caseworker: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.CAI_UPLOAD_MAX_MB = 1
    beneficiary = BeneficiaryFactory()
    big = PDF[:-6] + b" " * (1024 * 1024 + 10) + b"%%EOF\n"
    response = _exemption(login_client(caseworker), beneficiary, "gros.pdf", big, "application/pdf")
    assert response.status_code == 400
    assert "Le fichier dépasse 1 Mo." in response.content.decode()
    assert not Exemption.objects.exists()


def test_every_upload_form_refuses_markup(
    login_client: Any, caseworker: User, settings: Any, tmp_path: Path
) -> None:
    """The Minister's decision, the force majeure certificate and the family proof too."""
    from datetime import date

    from parcours.services import obligation_assess, parcours_open

    settings.MEDIA_ROOT = tmp_path
    client = login_client(caseworker)
    person = BeneficiaryFactory(
        first_registration_on=date(2026, 6, 2), permit_ordered_on=date(2026, 6, 20)
    )
    obligation_assess(beneficiary=person, by=caseworker, trigger="test")
    parcours_open(beneficiary=person, by=caseworker)
    html = SimpleUploadedFile("x.pdf", HTML, "application/pdf")
    extension = client.post(
        reverse("parcours:extension", args=[person.pk]),
        {
            "deadline": "attestation",
            "decided_on": "2026-10-01",
            "new_end_on": "2028-12-31",
            "reason": "Décision",
            "document": html,
        },
    )
    assert extension.status_code == 400 and "pas un PDF" in extension.content.decode()
    html.seek(0)
    force = client.post(
        reverse("parcours:force-majeure", args=[person.pk]),
        {"start_on": "2026-07-01", "end_on": "2026-07-31", "reason": "x", "document": html},
    )
    assert force.status_code == 400 and "pas un PDF" in force.content.decode()
    assert not any(tmp_path.rglob("*.*"))


def test_random_names_keep_only_an_accepted_extension() -> None:
    name = RandomName("exemptions")
    assert name(None, "Contrat de Mme X.PDF").endswith(".pdf")
    assert name(None, "page.html").rsplit("/", 1)[-1].isalnum()
    assert name(None, "photo.jpeg").endswith(".jpeg")


def test_every_uploaded_file_field_is_a_document_field() -> None:
    """A new upload field cannot slip in as a plain FileField: only generated PDFs (written
    by the app) and the centre's logo (an ImageField, Pillow-checked, admin only) are."""
    from django.apps import apps
    from django.db import models

    from cainamur.uploads import DocumentField, DocumentFileField
    from tests.conftest import PROJECT_APPS

    generated = {
        ("attestations", "pdf"),
        ("parcours", "pdf"),
        ("reporting", "pdf"),  # the activity report, written by its task
        ("reporting", "xlsx"),
        ("bulk", "letters"),  # the invitations of a bulk action, one PDF written by its task
        # A commune's list: a CSV or XLSX table checked by imports.forms.TableFileField,
        # written by imports.services under a random name (never served back).
        ("imports", "source"),
        ("cainamur", "logo"),
        ("cainamur", "file"),  # an export, written by its task (cainamur/exports.py)
    }
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.FileField):
                continue
            if (model._meta.app_label, field.name) in generated:
                continue
            assert isinstance(field, DocumentFileField), (model, field.name)
            assert isinstance(field.formfield(), DocumentField), (model, field.name)
