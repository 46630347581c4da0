"""The letter handed over or posted with the attestation: what it is, what it serves for,
who else received a copy. In French (the attestation in French is the only one with legal
value) and in the person's language beside it where the catalogues have all of it."""

from __future__ import annotations

from datetime import date
from typing import Any, Final
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext

from attestations.models import Attestation
from beneficiaries.contact_languages import for_person
from outbox.models import Dispatch
from parcours.letters import letter_snapshot, office_values

#: The letter's paragraphs in French, each the key of its translation. Placeholders:
#: {first_names}, {number}, {issued} (date), {verify} (the verification page), {phone},
#: {office}, {address}. Only one of the « copies » paragraphs is printed, when copies left.
COVER: Final[dict[str, str]] = {
    "title": for_person("Votre attestation de fin de parcours"),
    "greeting": for_person("Bonjour {first_names},"),
    "body": for_person(
        "Félicitations : vous avez terminé votre parcours d'intégration. Voici votre "
        "attestation de fréquentation n° {number}, délivrée le {issued}."
    ),
    "use": for_person(
        "Gardez-la précieusement avec vos documents importants. Elle peut vous être "
        "demandée pour devenir belge, pour faire reconnaître un diplôme ou pour "
        "renouveler votre titre de séjour."
    ),
    "copies_commune": for_person(
        "Le parcours étant obligatoire pour vous, le CAI envoie aussi une copie de "
        "l'attestation à votre commune."
    ),
    "copies_commune_cpas": for_person(
        "Le parcours étant obligatoire pour vous, le CAI envoie aussi une copie de "
        "l'attestation à votre commune et à votre CPAS."
    ),
    "legal": for_person(
        "Seule l'attestation en français a une valeur officielle. Une administration peut "
        "vérifier qu'elle est authentique sur {verify}, avec le numéro et le code imprimés "
        "sur l'attestation."
    ),
    "contact": for_person(
        "Une question ? Appelez le {phone} ou passez au bureau de {office} ({address})."
    ),
}


def _copies_key(attestation: Attestation) -> str:
    """Which « copies » paragraph the letter prints: those owed when it was issued."""
    sent_to = set(
        attestation.dispatches.filter(purpose=Dispatch.Purpose.ATTESTATION_COPY).values_list(
            "recipient_kind", flat=True
        )
    )
    if Dispatch.Recipient.CPAS in sent_to:
        return "copies_commune_cpas"
    return "copies_commune" if Dispatch.Recipient.COMMUNE in sent_to else ""


def cover_snapshot(attestation: Attestation, *, on: date) -> dict[str, Any]:
    """The cover letter of this attestation, as plain values."""
    beneficiary = attestation.beneficiary
    copies = _copies_key(attestation)
    paragraphs = {
        key: text for key, text in COVER.items() if not key.startswith("copies_") or key == copies
    }
    values = {
        "first_names": beneficiary.first_names,
        "number": attestation.number,
        "issued": f"{attestation.issued_on:%d/%m/%Y}",
        # The verification page with the number filled in (the code is on the attestation).
        "verify": f"{settings.CAI_PUBLIC_URL}{reverse('attestations:verify')}?"
        + urlencode({"n": attestation.number}),
        **office_values(beneficiary),
    }
    return letter_snapshot(
        beneficiary,
        paragraphs,
        values,
        on=on,
        label=gettext("lettre d'accompagnement de l'attestation %(number)s")
        % {"number": attestation.number},
        strong=("body",),
    )
