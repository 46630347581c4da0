"""The invitation letter to the evaluation interview: French, and the person's language
beside it where a translation exists; the obligation paragraph only for an obliged path."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pypdf
from django.urls import reverse

from cainamur.models import User
from parcours.letters import invitation_snapshot
from parcours.models import Parcours


def _letter_text(client: Any, parcours: Parcours) -> str:
    response = client.get(reverse("parcours:invitation-letter", args=[parcours.beneficiary_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_letter_in_french_and_ukrainian(
    login_client: Any, caseworker: User, welcomed: Parcours
) -> None:
    welcomed.evaluations.create(due_on="2027-03-15")
    beneficiary = welcomed.beneficiary
    beneficiary.languages = ["uk", "ru"]
    beneficiary.save()
    text = _letter_text(login_client(caseworker), welcomed)
    assert "Invitation à l'entretien d'évaluation" in text
    assert "avant le 15/03/2027" in text.replace("\n", " ")
    assert "CWASS, art. 152/7" in text  # obliged: the obligation and its basis
    assert "Запрошення на оцінювальну співбесіду" in text
    assert beneficiary.file_number in text


def test_a_voluntary_path_gets_no_obligation_paragraph_and_french_only(
    login_client: Any, caseworker: User, welcomed: Parcours
) -> None:
    Parcours.objects.filter(pk=welcomed.pk).update(kind="voluntary")
    welcomed.evaluations.create(due_on="2027-03-15")
    text = _letter_text(login_client(caseworker), welcomed)
    assert "Invitation à l'entretien d'évaluation" in text
    assert "obligatoire" not in text and "Запрошення" not in text


def test_without_an_interview_to_come_there_is_no_letter(
    login_client: Any, caseworker: User, welcomed: Parcours
) -> None:
    url = reverse("parcours:invitation-letter", args=[welcomed.beneficiary_id])
    assert login_client(caseworker).get(url).status_code == 404


def test_the_letter_follows_the_contact_language_and_is_never_half_translated(
    welcomed: Parcours,
) -> None:
    """The letter in the first of the person's languages whose catalogue has all of it,
    or in the file's contact language alone (French alone when it has not all of it)."""
    evaluation = welcomed.evaluations.create(due_on=date(2027, 3, 15))
    beneficiary = welcomed.beneficiary
    beneficiary.languages = ["de", "uk"]
    snapshot = invitation_snapshot(evaluation, on=date(2027, 2, 1))
    assert snapshot["language"] == "uk" and not snapshot["rtl"]
    beneficiary.contact_language = "ru"
    snapshot = invitation_snapshot(evaluation, on=date(2027, 2, 1))
    assert snapshot["language"] == "ru" and snapshot["translated"]
    beneficiary.contact_language = "de"  # not a language the centre writes in
    snapshot = invitation_snapshot(evaluation, on=date(2027, 2, 1))
    assert snapshot["language"] == "" and snapshot["translated"] == {}
    beneficiary.contact_language = "ar"
    snapshot = invitation_snapshot(evaluation, on=date(2027, 2, 1))
    assert snapshot["language"] == "ar" and snapshot["rtl"]
    assert snapshot["language_name"] == "arabe"
    assert snapshot["translated"]["title"] == "دعوة إلى مقابلة التقييم"
    # The date keeps its own direction inside the Arabic sentence.
    assert "\u206815/03/2027\u2069" in snapshot["translated"]["when"]
    assert "CWASS, art. 152/7" in snapshot["french"]["obliged"]
    assert "CWASS, art. 152/7" in snapshot["translated"]["obliged"]
