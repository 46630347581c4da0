"""The letter inviting a person to the evaluation interview: French, with the same text
in the person's language beside it where a translation exists (docs/domain.md,
« Evaluations »). A pure function from a snapshot to PDF bytes."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from beneficiaries.contact_languages import (
    BY_CODE,
    for_person,
    languages_written_to,
    whole_translation,
)
from cainamur.models import Centre
from cainamur.pdf import centre_snapshot, render_pdf
from parcours.models import Evaluation, Parcours
from parcours.rules import LEGAL_REFERENCES

#: The letter's paragraphs, in French: each is also the key of its translation in the
#: person's language (locale/). Placeholders: {due} (date), {phone}, {office},
#: {address}, {reference} (the legal basis). « obliged » is printed for an obliged path.
PARAGRAPHS: Final[dict[str, str]] = {
    "title": for_person("Invitation à l'entretien d'évaluation"),
    "body": for_person(
        "Dans le cadre de votre parcours d'intégration, nous vous invitons à un entretien "
        "d'évaluation avec votre référent·e. Vous ferez ensemble le point sur vos "
        "formations (citoyenneté, français, orientation socioprofessionnelle) et sur ce "
        "dont vous avez besoin."
    ),
    "when": for_person(
        "Merci de prendre rendez-vous avant le {due} : par téléphone au {phone} ou en "
        "passant au bureau de {office} ({address})."
    ),
    "obliged": for_person(
        "Le parcours d'intégration est obligatoire pour vous ({reference}). Si vous ne "
        "pouvez pas venir, prévenez-nous et indiquez-en le motif : une absence sans motif "
        "valable peut être signalée à l'administration régionale."
    ),
    "free": for_person("L'entretien est gratuit. Un·e interprète peut être présent·e sur demande."),
}


def _paragraphs(obliged: bool) -> dict[str, str]:
    return {key: text for key, text in PARAGRAPHS.items() if obliged or key != "obliged"}


def _filled(texts: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    return {key: text.format(**values) for key, text in texts.items()}


def invitation_snapshot(evaluation: Evaluation, *, on: date) -> dict[str, Any]:
    """What the letter shows, as plain values."""
    parcours: Parcours = evaluation.parcours
    beneficiary = parcours.beneficiary
    office = beneficiary.office
    obliged = parcours.kind == Parcours.Kind.OBLIGED
    address = ", ".join(
        part for part in (office.street, f"{office.postal_code} {office.city}") if part.strip()
    )
    values = {
        "reference": LEGAL_REFERENCES["obligation"],
        "due": f"{evaluation.due_on:%d/%m/%Y}",
        "phone": office.phone or Centre.current().phone,
        "office": office.name,
        "address": address,
    }
    language, translated = whole_translation(
        _paragraphs(obliged),
        languages_written_to(beneficiary),
    )
    rtl = bool(language) and BY_CODE[language].rtl
    if rtl:
        # Dates, numbers and names stay in their own direction inside the Arabic text.
        translated = _filled(
            translated, {key: f"\u2068{value}\u2069" for key, value in values.items()}
        )
    else:
        translated = _filled(translated, values)
    return {
        "centre": centre_snapshot(),
        "on": f"{on:%d/%m/%Y}",
        "file_number": beneficiary.file_number,
        "person": {
            "full_name": beneficiary.full_name,
            "street": beneficiary.street,
            "city": f"{beneficiary.postal_code} {beneficiary.commune.name}".strip(),
        },
        "french": _filled(_paragraphs(obliged), values),
        "language": language,
        "language_name": str(BY_CODE[language].french) if language else "",
        "rtl": rtl,
        "translated": translated,
    }


def invitation_pdf(snapshot: dict[str, Any]) -> bytes:
    return render_pdf("pdf/invitation.html", snapshot)
