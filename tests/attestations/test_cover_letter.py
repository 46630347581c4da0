"""The letter handed over with the attestation: French with the person's language beside
it, which copies left (commune, and CPAS when it helps the person), how to verify; none
for a revoked attestation; only for staff who edit the file."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf
import pytest
from django.urls import reverse

from attestations.letters import cover_snapshot
from attestations.models import Attestation
from attestations.services import attestation_issue, attestation_revoke
from cainamur.models import ReadEvent, User
from parcours.models import Parcours
from tests.factories import BeneficiaryFactory, complete_path, give_addresses, obliged_file


def _letter(client: Any, attestation: Attestation) -> tuple[int, str]:
    url = reverse("attestations:cover-letter", args=[attestation.beneficiary_id, attestation.pk])
    response = client.get(url)
    if response.status_code != 200:
        return response.status_code, ""
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return 200, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_letter_in_french_and_ukrainian_names_the_copies(
    login_client: Any,
    caseworker: User,
    completed: Parcours,
    django_capture_on_commit_callbacks: Any,
) -> None:
    person: Any = completed.beneficiary
    person.contact_language = "uk"
    person.save()
    with django_capture_on_commit_callbacks(execute=True):
        attestation = attestation_issue(parcours=completed, by=caseworker)
    status, text = _letter(login_client(caseworker), attestation)
    assert status == 200
    assert "Votre attestation de fin de parcours" in text
    assert f"n° {attestation.number}, délivrée le {attestation.issued_on:%d/%m/%Y}" in text
    # Obliged and helped by the CPAS: both copies left, the letter says so.
    assert "à votre commune et à votre CPAS" in text
    assert "Seule l'attestation en français a une valeur officielle" in text
    assert f"/verifier/?n={attestation.number}" in text
    # The link opens the verification form with the number filled in.
    page = login_client(caseworker).get(f"/verifier/?n={attestation.number}").content.decode()
    assert f'value="{attestation.number}"' in page
    assert "Ваш сертифікат про завершення курсу" in text
    assert "комуни та до вашого CPAS" in text
    read = ReadEvent.objects.filter(beneficiary=person).latest("pk")
    assert read.what == f"lettre d'accompagnement de l'attestation {attestation.number}"


def test_a_voluntary_path_names_no_copies_and_arabic_isolates_the_number(
    caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    person = BeneficiaryFactory(first_names="Amal", contact_language="ar")
    parcours: Any = complete_path(person, caseworker, voluntary=True)
    with django_capture_on_commit_callbacks(execute=True):
        attestation = attestation_issue(parcours=parcours, by=caseworker)
    assert attestation.kind == "voluntary" and not attestation.dispatches.exists()
    snapshot = cover_snapshot(attestation, on=attestation.issued_on)
    assert not any(key.startswith("copies") for key in snapshot["french"])
    assert snapshot["rtl"] and snapshot["language_name"] == "arabe"
    assert f"\u2068{attestation.number}\u2069" in snapshot["translated"]["body"]
    assert re.search("[\u0600-\u06ff]", snapshot["translated"]["title"])


def test_an_obliged_person_without_cpas_support_is_told_of_the_communes_copy(
    caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    give_addresses()
    person = obliged_file(caseworker, cpas_support=False)
    parcours: Any = complete_path(person, caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        attestation = attestation_issue(parcours=parcours, by=caseworker)
    french = cover_snapshot(attestation, on=attestation.issued_on)["french"]
    assert "copies_commune" in french and "copies_commune_cpas" not in french
    assert french["copies_commune"].endswith("à votre commune.")


def test_no_letter_for_a_revoked_attestation_nor_for_reception_or_another_office(
    login_client: Any,
    caseworker: User,
    reception: User,
    outsider: User,
    completed: Parcours,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        attestation = attestation_issue(parcours=completed, by=caseworker)
    assert _letter(login_client(reception), attestation)[0] == 403
    assert _letter(login_client(outsider), attestation)[0] == 404
    with django_capture_on_commit_callbacks(execute=True):
        attestation_revoke(attestation=attestation, by=caseworker, reason="Heures erronées")
    assert _letter(login_client(caseworker), attestation)[0] == 404


def test_the_arabic_text_runs_right_to_left_on_paper(
    caseworker: User, completed: Parcours, django_capture_on_commit_callbacks: Any, tmp_path: Any
) -> None:
    """Read off the page (pdftotext's word boxes): the French contact line ends with its
    full stop on the right; the Arabic one, written right to left, on the left. (With
    the Arabic paragraphs laid out left to right, the stop went to the right.)"""
    import os
    import shutil
    import subprocess
    import xml.etree.ElementTree as ElementTree

    from parcours.letters import letter_pdf

    if shutil.which("pdftotext") is None:
        # Debian's poppler-utils; CI installs it (CAI_REQUIRE_BROWSER: never skipped there).
        assert os.environ.get("CAI_REQUIRE_BROWSER") != "1", "pdftotext is missing"
        pytest.skip("pdftotext (poppler-utils) is not installed")

    person: Any = completed.beneficiary
    person.contact_language = "ar"
    person.save()
    with django_capture_on_commit_callbacks(execute=True):
        attestation = attestation_issue(parcours=completed, by=caseworker)
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(letter_pdf(cover_snapshot(attestation, on=attestation.issued_on)))
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    namespace = {"x": "http://www.w3.org/1999/xhtml"}
    stops = []
    for line in ElementTree.fromstring(xhtml).iterfind(".//x:line", namespace):
        words = sorted(line.iterfind("x:word", namespace), key=lambda w: float(w.get("xMin", 0)))
        texts = [word.text or "" for word in words]
        if "081" in texts and any("5000" in text for text in texts):  # the contact line
            stops.append(next(i for i, text in enumerate(texts) if "." in text) / len(texts))
    assert len(stops) == 2, stops
    french, arabic = stops
    assert french > 0.9 and arabic < 0.1, stops
