"""The sheet explaining the convention to the person in plain words: French (the legal
text) with the same text in the person's contact language beside it; only the axes the
convention requires; the deadline and its consequence only for an obliged path."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pypdf
from django.urls import reverse

from cainamur.models import ReadEvent, User
from parcours.letters import explanation_snapshot
from parcours.models import Parcours
from tests.factories import signed_path

START = date(2026, 9, 1)


def _sheet(client: Any, parcours: Parcours) -> tuple[int, str]:
    url = reverse("parcours:convention-sheet", args=[parcours.beneficiary_id])
    response = client.get(url)
    if response.status_code != 200:
        return response.status_code, ""
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return 200, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_sheet_in_french_and_arabic_for_an_obliged_path(
    login_client: Any, caseworker: User, obliged: Any
) -> None:
    obliged.contact_language = "ar"
    obliged.save()
    parcours: Any = signed_path(obliged, caseworker, start=START)
    status, text = _sheet(login_client(caseworker), parcours)
    assert status == 200
    assert "Votre convention d'intégration, expliquée" in text
    assert "Citoyenneté : 60 heures, à suivre dans les 4 mois" in text
    assert "Français : 120 heures de cours" in text
    # Orientation is not required by this convention: not explained.
    assert "Orientation socioprofessionnelle" not in text
    deadline = parcours.attestation_deadline
    assert f"avant le {deadline:%d/%m/%Y}" in text and "amende" in text
    assert "Le même texte en arabe suit le texte français." in text
    # The Arabic text (its letters in the PDF's text layer are shaped presentation forms).
    assert len(re.findall("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]", text)) > 300
    snapshot = explanation_snapshot(parcours, on=START)
    assert (
        snapshot["rtl"] and snapshot["translated"]["title"] == "اتفاقية الاندماج الخاصة بك، مشروحة"
    )
    # Dates keep their own direction inside the Arabic sentences.
    assert f"\u2068{deadline:%d/%m/%Y}\u2069" in snapshot["translated"]["deadline"]
    read = ReadEvent.objects.filter(beneficiary=obliged).latest("pk")
    assert read.what == "fiche d'explication de la convention"


def test_a_voluntary_path_has_no_deadline_and_an_unwritten_language_gets_french_alone(
    login_client: Any, caseworker: User, obliged: Any
) -> None:
    obliged.contact_language = ""
    obliged.languages = ["de"]
    obliged.save()
    parcours: Any = signed_path(obliged, caseworker, voluntary=True, start=START)
    Parcours.objects.filter(pk=parcours.pk).update(kind=Parcours.Kind.VOLUNTARY)
    status, text = _sheet(login_client(caseworker), parcours)
    assert status == 200
    assert "Votre convention d'intégration, expliquée" in text
    assert "amende" not in text and "obligatoire" not in text
    assert "Le même texte en" not in text


def test_only_staff_who_edit_the_file_print_it(
    login_client: Any, caseworker: User, reception: User, outsider: User, obliged: Any
) -> None:
    parcours: Any = signed_path(obliged, caseworker, start=START)
    assert _sheet(login_client(reception), parcours)[0] == 403
    assert _sheet(login_client(outsider), parcours)[0] == 404


def test_after_an_extension_the_sheet_gives_the_new_deadline_and_the_persons_signature(
    login_client: Any, caseworker: User, obliged: Any
) -> None:
    """The extension makes a version 2 nobody signed: the sheet still dates the person's
    own signature, and gives the deadline in force (the extended one)."""
    from parcours.services import extension_record

    parcours: Any = signed_path(obliged, caseworker, start=START)
    extension_record(
        parcours=parcours,
        deadline="attestation",
        decided_on=date(2026, 11, 2),
        new_end_on=date(2029, 12, 31),
        reason="Décision du Ministre",
        by=caseworker,
    )
    assert parcours.conventions.count() == 2
    status, text = _sheet(login_client(caseworker), parcours)
    assert status == 200
    assert "Le 15/09/2026, vous avez signé" in text  # v1, signed on the 14th day
    assert "avant le 31/12/2029" in text
    assert "02/11/2026" not in text
