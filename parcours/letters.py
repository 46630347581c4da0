"""Paper for the person, in French with the same text in their language beside it where
the catalogues have all of it (the French is the legal text): the letter inviting them to
the evaluation interview (docs/domain.md, « Evaluations ») and the sheet explaining their
convention in plain words. Snapshots of plain values, rendered by a pure function."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.utils.translation import gettext

from beneficiaries.contact_languages import bilingual, for_person
from beneficiaries.models import Beneficiary
from cainamur.models import Centre
from cainamur.pdf import centre_snapshot, render_pdf
from parcours import path_rules
from parcours.models import DeadlineKind, Evaluation, Parcours
from parcours.rules import LEGAL_REFERENCES
from parcours.selectors import path_panel

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


def office_values(beneficiary: Beneficiary) -> dict[str, str]:
    """How to reach the person's office, for a letter's placeholders."""
    office = beneficiary.office
    address = ", ".join(
        part for part in (office.street, f"{office.postal_code} {office.city}") if part.strip()
    )
    return {
        "phone": office.phone or Centre.current().phone,
        "office": office.name,
        "address": address,
    }


def letter_snapshot(
    beneficiary: Beneficiary,
    paragraphs: dict[str, str],
    values: dict[str, str],
    *,
    on: date,
    label: str,
    strong: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A letter to the person (``pdf/letter.html``) as plain values: the centre, the
    addressee, and the paragraphs in French and in the person's language."""
    return {
        "centre": centre_snapshot(),
        "on": f"{on:%d/%m/%Y}",
        "file_number": beneficiary.file_number,
        "person": {
            "full_name": beneficiary.full_name,
            "street": beneficiary.street,
            "city": f"{beneficiary.postal_code} {beneficiary.commune.name}".strip(),
        },
        "label": label,
        "strong": list(strong),
        **bilingual(paragraphs, values, beneficiary),
    }


def invitation_snapshot(evaluation: Evaluation, *, on: date) -> dict[str, Any]:
    """What the letter shows, as plain values."""
    parcours: Parcours = evaluation.parcours
    beneficiary = parcours.beneficiary
    values = {
        "reference": LEGAL_REFERENCES["obligation"],
        "due": f"{evaluation.due_on:%d/%m/%Y}",
        **office_values(beneficiary),
    }
    return letter_snapshot(
        beneficiary,
        _paragraphs(parcours.kind == Parcours.Kind.OBLIGED),
        values,
        on=on,
        label=gettext("invitation à l'entretien d'évaluation"),
        strong=("when",),
    )


#: The sheet explaining the convention, in French: each paragraph is also the key of its
#: translation. Placeholders: {first_names}, {signed} and {deadline} (dates),
#: {citizenship}, {french}, {orientation} (hours), {citizenship_months}, {french_months},
#: {phone}, {office}, {address}. An axis not required, or the deadline of a voluntary
#: path, is left out.
EXPLANATION: Final[dict[str, str]] = {
    "title": for_person("Votre convention d'intégration, expliquée"),
    "greeting": for_person("Bonjour {first_names},"),
    "intro": for_person(
        "Le {signed}, vous avez signé votre convention d'intégration avec le Centre "
        "d'Action Interculturelle. Cette fiche explique ce qu'elle contient, en mots "
        "simples. Seule la convention en français fait foi."
    ),
    "trainings": for_person("Les formations que vous suivez :"),
    "citizenship": for_person(
        "Citoyenneté : {citizenship} heures, à suivre dans les {citizenship_months} mois. "
        "Vous y apprenez comment fonctionnent la Belgique et la Wallonie, vos droits et "
        "vos devoirs."
    ),
    "french": for_person(
        "Français : {french} heures de cours, à suivre dans les {french_months} mois, à "
        "votre niveau."
    ),
    "orientation": for_person(
        "Orientation socioprofessionnelle : {orientation} heures, pour préparer un emploi, "
        "une formation ou des études."
    ),
    "deadline": for_person(
        "Le parcours est obligatoire pour vous : vous devez obtenir l'attestation de fin "
        "de parcours avant le {deadline}. Sans attestation à cette date, le CAI doit le "
        "signaler à l'administration régionale, qui peut donner une amende."
    ),
    "commitments": for_person(
        "Vous vous engagez à suivre ces formations et à prévenir le CAI si vous changez "
        "d'adresse ou si vous ne pouvez pas venir. Le CAI vous oriente vers les "
        "organismes de formation, vous accompagne et vous revoit au moins tous les six "
        "mois."
    ),
    "free": for_person("Tout le parcours est gratuit, l'interprète aussi."),
    "contact": for_person(
        "Une question ? Appelez le {phone} ou passez au bureau de {office} ({address})."
    ),
}


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def explanation_snapshot(parcours: Parcours, *, on: date) -> dict[str, Any] | None:
    """The sheet explaining the path's convention as it stands (its latest version), as
    plain values; None before a convention is signed. The date is the person's own
    signature (the first version: a later one may be an extension nobody signed), the
    deadline the one in force, as on the file page and the person's page."""
    convention = parcours.conventions.order_by("-version").first()
    if convention is None:
        return None
    first = parcours.conventions.order_by("version").first()
    beneficiary = parcours.beneficiary
    hours = convention.required_hours()
    deadline = next(
        (
            d.effective
            for d in path_panel(parcours, today=on)["deadlines"]
            if d.kind == DeadlineKind.ATTESTATION
        ),
        None,
    )
    left_out = {kind for kind in ("citizenship", "french", "orientation") if kind not in hours}
    if parcours.kind != Parcours.Kind.OBLIGED or deadline is None:
        left_out.add("deadline")
    values = {
        "first_names": beneficiary.first_names,
        "signed": f"{(first or convention).signed_on:%d/%m/%Y}",
        "deadline": f"{deadline:%d/%m/%Y}" if deadline else "",
        "citizenship_months": str(path_rules.CITIZENSHIP_MONTHS),
        "french_months": str(path_rules.FRENCH_MONTHS),
        **{
            kind: _hours(hours.get(kind, Decimal(0)))
            for kind in ("citizenship", "french", "orientation")
        },
        **office_values(beneficiary),
    }
    paragraphs = {key: text for key, text in EXPLANATION.items() if key not in left_out}
    return letter_snapshot(
        beneficiary,
        paragraphs,
        values,
        on=on,
        label=gettext("fiche d'explication de la convention v%(version)s")
        % {"version": convention.version},
        strong=("deadline",),
    )


def letter_pdf(snapshot: dict[str, Any]) -> bytes:
    return render_pdf("pdf/letter.html", snapshot)
