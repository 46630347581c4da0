"""Anonymisation of one file (GDPR art. 17, and the end of a retention period).

Removed: identity, contact, the register number, free-text notes and reasons everywhere,
documents (uploaded and generated, from the disk too), addresses of outgoing messages,
the same values in the history rows and in the frozen snapshots (convention, attestation,
non-compliance report). Kept for the statistics: year of birth, sex, nationality, commune,
office, obligation outcome, path dates and hours; an issued attestation keeps its number,
date and status in the register, its person becomes « anonymisé ».

The frozen rows (snapshots, audit trail) are rewritten with their triggers ignored: this
is the one change they allow, recorded as such.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

import pgtrigger
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from stdnum.be import nn

from appointments.models import Appointment, BookingLink, OnlineBooking
from attestations.models import Attestation

# The history models are made by django-pghistory at start-up: mypy cannot see them.
from beneficiaries.models import (  # type: ignore[attr-defined]
    Beneficiary,
    BeneficiaryEvent,
    Exemption,
    ExemptionEvent,
    PersonalPageLink,
)
from cainamur import audit
from cainamur.lib.triggers import triggers_of
from cainamur.models import AuditEvent, User
from compliance.models import NonCompliance
from operators.models import Orientation
from outbox.models import Dispatch
from parcours.models import (
    Convention,
    Evaluation,
    EvaluationInvitation,
    Extension,
    ForceMajeure,
    HoursEntry,
    ObligationAssessment,
    Suspension,
    WelcomeModule,
)
from reception.models import Callback, CallbackAttempt, QueueTicket
from rights.models import Anonymisation

ANONYMISED: Final = "anonymisé"
DELETED_PDF: Final = "Document supprimé : dossier anonymisé."

#: Identity fields of the file and of its history rows: the value they take.
IDENTITY: Final[dict[str, Any]] = {
    "last_name": ANONYMISED.upper(),
    "birth_name": "",
    "first_names": ANONYMISED,
    "birth_place": "",
    "national_number": None,
    "national_number_index": None,
    "street": "",
    "postal_code": "",
    "phone": "",
    "email": "",
    "notes": "",
    "eu_family_proof": "",
}

#: Free text and contact, per model, with the path from the model to the file.
BLANKED: Final[list[tuple[type[models.Model], str, dict[str, Any]]]] = [
    (Exemption, "beneficiary", {"notes": "", "proof": ""}),
    (ExemptionEvent, "beneficiary", {"notes": "", "proof": ""}),
    (Appointment, "beneficiary", {"notes": "", "reason": ""}),
    (Callback, "beneficiary", {"name": ANONYMISED, "phone": "", "subject": ""}),
    (
        OnlineBooking,
        "beneficiary",
        {
            "first_names": ANONYMISED,
            "last_name": ANONYMISED,
            "phone": "",
            "email": "anonyme@invalid.invalid",
            "national_number": None,
            "postal_code": "",
            "message": "",
        },
    ),
    (CallbackAttempt, "callback__beneficiary", {"note": ""}),
    (QueueTicket, "beneficiary", {"name": ANONYMISED, "phone": "", "note": ""}),
    (WelcomeModule, "parcours__beneficiary", {"needs": "", "notes": ""}),
    (
        Convention,
        "parcours__beneficiary",
        {"amendment_reason": "", "pdf": "", "pdf_status": "failed", "pdf_error": DELETED_PDF},
    ),
    (HoursEntry, "axis__parcours__beneficiary", {"note": ""}),
    (Extension, "parcours__beneficiary", {"reason": "", "document": ""}),
    (Suspension, "parcours__beneficiary", {"reason": ""}),
    (Evaluation, "parcours__beneficiary", {"absences": "", "programme_changes": "", "notes": ""}),
    (EvaluationInvitation, "evaluation__parcours__beneficiary", {"proof_number": ""}),
    (ForceMajeure, "beneficiary", {"reason": "", "document": ""}),
    (Orientation, "beneficiary", {"reason": ""}),
    (NonCompliance, "beneficiary", {"sent_reference": "", "outcome_note": ""}),
    (
        Attestation,
        "beneficiary",
        {
            "reissue_reason": "",
            "revocation_reason": "",
            "pdf": "",
            "pdf_status": "failed",
            "pdf_error": DELETED_PDF,
        },
    ),
]

#: Stored documents, per model: their file is deleted from the disk.
DOCUMENTS: Final[list[tuple[type[models.Model], str, str]]] = [
    (Beneficiary, "pk", "eu_family_proof"),
    (BeneficiaryEvent, "pgh_obj", "eu_family_proof"),  # a proof replaced since
    (Exemption, "beneficiary", "proof"),
    (ExemptionEvent, "beneficiary", "proof"),
    (Convention, "parcours__beneficiary", "pdf"),
    (Extension, "parcours__beneficiary", "document"),
    (ForceMajeure, "beneficiary", "document"),
    (Attestation, "beneficiary", "pdf"),
]

#: JSON snapshots scrubbed of every identifying value.
SNAPSHOTS: Final[list[tuple[type[models.Model], str, str]]] = [
    (Convention, "parcours__beneficiary", "snapshot"),
    (Attestation, "beneficiary", "snapshot"),
    (NonCompliance, "beneficiary", "report"),
    (ObligationAssessment, "beneficiary", "facts"),
    (AuditEvent, "beneficiary", "data"),
]

#: Snapshot keys replaced outright (whatever they hold).
SNAPSHOT_KEYS: Final[dict[str, Any]] = {
    "full_name": ANONYMISED,
    "initials": "—",
    "national_number_encrypted": "",
    "national_number": "",
    "reason": "",
    "amendment_reason": "",
    "reissue_reason": "",
    "revocation_reason": "",
    "notes": "",
    "needs": "",
    "outcome_note": "",
    "phone": "",
    "email": "",
    "street": "",
}


class AnonymisationError(Exception):
    pass


def identifying_values(beneficiary: Beneficiary) -> list[str]:
    """What could name the person in a text: names, contact, number, birth date (as the
    documents print it), as the file holds them now and as its history rows held them."""
    values: list[str] = []
    for version in [beneficiary, *BeneficiaryEvent.objects.filter(pgh_obj=beneficiary.pk)]:
        values += _values_of(version)
    return sorted({v for v in values if len(v) >= 3}, key=len, reverse=True)


def _values_of(beneficiary: Any) -> list[str]:
    values = [
        beneficiary.last_name,
        beneficiary.first_names,
        beneficiary.birth_name,
        f"{beneficiary.last_name.upper()} {beneficiary.first_names}",
        beneficiary.birth_place,
        beneficiary.street,
        beneficiary.email,
        beneficiary.phone,
        *beneficiary.first_names.split(),
    ]
    if beneficiary.phone.startswith("+32"):
        values.append("0" + beneficiary.phone[3:])
    number = beneficiary.national_number
    if number:
        values += [number, nn.format(number)]
    birth = beneficiary.birth_date
    values += [birth.isoformat(), f"{birth:%d/%m/%Y}"]
    return [str(v) for v in values if v]


def scrub(value: Any, secrets: list[str], *, year: int) -> Any:
    """The value with every identifying string replaced (recursively in JSON)."""
    if isinstance(value, dict):
        return {
            key: SNAPSHOT_KEYS[key]
            if key in SNAPSHOT_KEYS
            else _birth(item, year)
            if key == "birth_date"
            else scrub(item, secrets, year=year)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub(item, secrets, year=year) for item in value]
    if isinstance(value, str) and value:
        text = value
        for secret in secrets:
            text = re.sub(re.escape(secret), _replacement(secret, year), text, flags=re.IGNORECASE)
        return text
    return value


def _birth(value: Any, year: int) -> Any:
    """A birth date in a snapshot, whatever it was: the 1st of January, same format."""
    if isinstance(value, str) and re.fullmatch(r"\d{2}/\d{2}/\d{4}", value):
        return f"01/01/{year}"
    if isinstance(value, str) and value:
        return f"{year}-01-01"
    return value


def _replacement(secret: str, year: int) -> str:
    """A birth date becomes the 1st of January of its year (as on the file); anything else
    « anonymisé »."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", secret):
        return f"{year}-01-01"
    if re.fullmatch(r"\d{2}/\d{2}/\d{4}", secret):
        return f"01/01/{year}"
    return ANONYMISED


def _rows(model: type[models.Model], path: str, beneficiary: Beneficiary) -> models.QuerySet[Any]:
    return model._default_manager.filter(**{path: beneficiary.pk})


def beneficiary_anonymise(
    *, beneficiary: Beneficiary, by: User | None, cause: str = Anonymisation.Cause.REQUEST
) -> Anonymisation:
    """Anonymise one file (see the module). Refused while a legal hold is set."""
    if hasattr(beneficiary, "legal_hold"):
        raise AnonymisationError(
            _("Ce dossier est conservé pour une raison légale : levez d'abord la conservation.")
        )
    if Anonymisation.objects.filter(beneficiary=beneficiary).exists():
        raise AnonymisationError(_("Ce dossier est déjà anonymisé."))
    secrets = identifying_values(beneficiary)
    typed = [
        *Callback.objects.filter(beneficiary=beneficiary).values_list("name", flat=True),
        *QueueTicket.objects.filter(beneficiary=beneficiary).values_list("name", flat=True),
    ]  # the name as reception typed it
    secrets = sorted({*secrets, *(n for n in typed if len(n) >= 3)}, key=len, reverse=True)
    year = beneficiary.birth_date.year
    touched = [Beneficiary, BeneficiaryEvent, *(m for m, _p, _f in BLANKED)]
    touched += [m for m, _p, _f in SNAPSHOTS]
    documents: list[str] = []
    with transaction.atomic(), pgtrigger.ignore(*triggers_of(touched)):
        for model, path, field in DOCUMENTS:
            documents += [
                name
                for name in _rows(model, path, beneficiary).values_list(field, flat=True)
                if name
            ]
        for model, path, field in SNAPSHOTS:
            for pk, data in _rows(model, path, beneficiary).values_list("pk", field):
                cleaned = scrub(data, secrets, year=year)
                if cleaned != data:
                    model._default_manager.filter(pk=pk).update(**{field: cleaned})
        for model, path, values in BLANKED:
            _rows(model, path, beneficiary).update(**values)
        # The private links to the person's page and bookings stop working.
        PersonalPageLink.objects.filter(beneficiary=beneficiary).delete()
        BookingLink.objects.filter(booking__beneficiary=beneficiary).delete()
        messages = Dispatch.objects.filter(
            Q(attestation__beneficiary=beneficiary)
            | Q(appointment__beneficiary=beneficiary)
            | Q(seat__beneficiary=beneficiary)
            | Q(bulk_item__beneficiary=beneficiary)
            | Q(beneficiary=beneficiary)
        )
        # What has not gone yet never goes (its address is gone).
        messages.exclude(status=Dispatch.Status.SENT).update(status=Dispatch.Status.CANCELLED)
        messages.update(to_address="", last_error="")
        for event in AuditEvent.objects.filter(beneficiary=beneficiary.pk).only("pk", "summary"):
            summary = scrub(event.summary, secrets, year=year)
            if summary != event.summary:
                AuditEvent.objects.filter(pk=event.pk).update(summary=summary)
        identity = {**IDENTITY, "birth_date": date(year, 1, 1)}
        BeneficiaryEvent.objects.filter(pgh_obj=beneficiary.pk).update(**identity)
        Beneficiary.objects.filter(pk=beneficiary.pk).update(**identity)
        record = Anonymisation.objects.create(beneficiary=beneficiary, cause=cause, by=by)
        audit.record(
            action="rights.beneficiary_anonymise",
            beneficiary=beneficiary,
            obj=record,
            by=by,
            summary=_("Dossier anonymisé (%(cause)s)") % {"cause": record.get_cause_display()},
        )
        transaction.on_commit(lambda: _delete_files(documents))
    return record


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
