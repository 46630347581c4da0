"""The right of access (GDPR art. 15): everything the centre holds on one file, as a ZIP.

* ``resume.pdf``: a readable summary in French (identity, stay, obligation, path, hours,
  appointments, messages, documents, who saw the file);
* ``donnees.json``: every row held, table by table (identity, stay, assessments, path,
  hours, documents, appointments, messages sent, copies, audit trail and read log);
* ``documents/``: the documents themselves, decrypted.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any, Final

from cryptography.fernet import InvalidToken
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from stdnum.be import nn

from appointments.models import Appointment, Seat
from attestations.models import Attestation

# The history models are made by django-pghistory at start-up: mypy cannot see them.
from beneficiaries.models import (  # type: ignore[attr-defined]
    Beneficiary,
    BeneficiaryEvent,
    Exemption,
    ExemptionEvent,
    PermitRenewal,
)
from cainamur.crypto import decrypt_text
from cainamur.models import AuditEvent, ReadEvent
from cainamur.pdf import centre_snapshot, render_pdf
from compliance.models import NonCompliance
from operators.models import CreditedPeriod, Orientation
from outbox.models import Dispatch
from parcours.models import (
    Axis,
    Convention,
    Evaluation,
    EvaluationInvitation,
    Extension,
    ForceMajeure,
    HoursEntry,
    ObligationAssessment,
    Parcours,
    Suspension,
    WelcomeModule,
)
from reception.models import Callback, CallbackAttempt, QueueTicket

#: Columns that say nothing about the person (keys, fingerprints, search helpers), or
#: that are about others (the other files a search returned, staff addresses).
LEFT_OUT: Final = {
    "national_number_index",
    "search_text",
    "pdf_sha256",
    "token_sha256",
    "files",
    "ip",
}


def _value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return PurePosixPath(value.name).name if value.name else ""
    if hasattr(value, "lower") and hasattr(value, "upper") and not isinstance(value, str):
        return [_value(value.lower), _value(value.upper)]  # a range
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def rows(queryset: Iterable[models.Model]) -> list[dict[str, Any]]:
    result = []
    for obj in queryset:
        row = {}
        for field in obj._meta.concrete_fields:
            if field.name in LEFT_OUT:
                continue
            if field.is_relation:  # the related row's id
                row[field.attname] = _value(getattr(obj, field.attname))
            else:
                row[field.name] = _value(getattr(obj, field.name))
        result.append(row)
    return result


def tables(beneficiary: Beneficiary) -> dict[str, list[dict[str, Any]]]:
    """Every row held about the file, by table (French names a reader understands)."""
    pk = beneficiary.pk
    paths = Parcours.objects.filter(beneficiary=pk)
    held: dict[str, Iterable[models.Model]] = {
        "dossier": [beneficiary],
        "titres_de_sejour_renouveles": PermitRenewal.objects.filter(beneficiary=pk),
        "dispenses": Exemption.objects.filter(beneficiary=pk),
        "evaluations_de_l_obligation": ObligationAssessment.objects.filter(beneficiary=pk),
        "force_majeure": ForceMajeure.objects.filter(beneficiary=pk),
        "parcours": paths,
        "module_d_accueil": WelcomeModule.objects.filter(parcours__in=paths),
        "conventions": Convention.objects.filter(parcours__in=paths),
        "axes": Axis.objects.filter(parcours__in=paths),
        "heures": HoursEntry.objects.filter(axis__parcours__in=paths),
        "prolongations": Extension.objects.filter(parcours__in=paths),
        "suspensions": Suspension.objects.filter(parcours__in=paths),
        "evaluations": Evaluation.objects.filter(parcours__in=paths),
        "invitations": EvaluationInvitation.objects.filter(evaluation__parcours__in=paths),
        "orientations": Orientation.objects.filter(beneficiary=pk),
        "periodes_creditees": CreditedPeriod.objects.filter(orientation__beneficiary=pk),
        "manquements": NonCompliance.objects.filter(beneficiary=pk),
        "rendez_vous": Appointment.objects.filter(beneficiary=pk),
        "seances_de_groupe": Seat.objects.filter(beneficiary=pk),
        "demandes_de_rappel": Callback.objects.filter(beneficiary=pk),
        "appels": CallbackAttempt.objects.filter(callback__beneficiary=pk),
        "permanences": QueueTicket.objects.filter(beneficiary=pk),
        "attestations": Attestation.objects.filter(beneficiary=pk),
        "messages_envoyes": Dispatch.objects.filter(
            Q(attestation__beneficiary=pk)
            | Q(appointment__beneficiary=pk)
            | Q(seat__beneficiary=pk)
            | Q(bulk_item__beneficiary=pk)
        ),
        "historique": AuditEvent.objects.filter(beneficiary=pk).order_by("at", "id"),
        "journal_des_consultations": ReadEvent.objects.filter(
            Q(beneficiary=pk) | Q(files__contains=[pk])
        ).order_by("at", "id"),
    }
    consents = getattr(beneficiary, "consents", None)
    if consents is not None:
        held["consentements"] = consents.all()
    held["historique_du_dossier"] = BeneficiaryEvent.objects.filter(pgh_obj=pk).order_by("pgh_id")
    held["historique_des_dispenses"] = ExemptionEvent.objects.filter(beneficiary=pk).order_by(
        "pgh_id"
    )
    data = {name: rows(queryset) for name, queryset in held.items()}
    for row in data["attestations"]:  # the number as printed, not its ciphertext
        snapshot = row.get("snapshot") or {}
        token = snapshot.pop("national_number_encrypted", "")
        snapshot["national_number"] = decrypt_text(token) if token else ""
    return data


def documents(beneficiary: Beneficiary) -> list[tuple[str, FieldFile]]:
    """The stored documents of the file, with the name they get in the ZIP."""
    found: list[tuple[str, FieldFile]] = []
    pk = beneficiary.pk
    if beneficiary.eu_family_proof:
        found.append(("preuve-lien-familial", beneficiary.eu_family_proof))
    seen = {beneficiary.eu_family_proof.name}
    sources: list[tuple[str, Iterable[Any], str]] = [
        ("dispense", Exemption.objects.filter(beneficiary=pk), "proof"),
        ("force-majeure", ForceMajeure.objects.filter(beneficiary=pk), "document"),
        ("prolongation", Extension.objects.filter(parcours__beneficiary=pk), "document"),
        ("convention", Convention.objects.filter(parcours__beneficiary=pk), "pdf"),
        ("attestation", Attestation.objects.filter(beneficiary=pk), "pdf"),
    ]
    for label, queryset, field in sources:
        for obj in queryset:
            document = getattr(obj, field)
            if document:
                found.append((f"{label}-{obj.pk}", document))
                seen.add(document.name)
    # Documents replaced since, still held through the history rows.
    history: list[tuple[str, Iterable[Any], str]] = [
        (
            "ancienne-preuve-lien-familial",
            BeneficiaryEvent.objects.filter(pgh_obj=pk),
            "eu_family_proof",
        ),
        ("ancienne-dispense", ExemptionEvent.objects.filter(beneficiary=pk), "proof"),
    ]
    for label, queryset, field in history:
        for obj in queryset:
            document = getattr(obj, field)
            if document and document.name not in seen and document.storage.exists(document.name):
                found.append((f"{label}-{obj.pgh_id}", document))
                seen.add(document.name)
    return found


def summary_pdf(beneficiary: Beneficiary, data: dict[str, list[dict[str, Any]]]) -> bytes:
    number = beneficiary.national_number
    context = {
        "centre": centre_snapshot(),
        "beneficiary": beneficiary,
        "national_number": nn.format(number) if number else "",
        "prepared_on": timezone.localdate(),
        "paths": Parcours.objects.filter(beneficiary=beneficiary).prefetch_related("axes"),
        "counts": [(name.replace("_", " "), len(items)) for name, items in data.items()],
        "appointments": Appointment.objects.filter(beneficiary=beneficiary)
        .select_related("type", "office")
        .order_by("during"),
        "documents": [name for name, _doc in documents(beneficiary)],
        "attestations": Attestation.objects.filter(beneficiary=beneficiary).order_by("issued_on"),
        "hours": HoursEntry.objects.filter(axis__parcours__beneficiary=beneficiary)
        .select_related("axis")
        .order_by("on", "id"),
        "messages": Dispatch.objects.filter(
            Q(attestation__beneficiary=beneficiary)
            | Q(appointment__beneficiary=beneficiary)
            | Q(seat__beneficiary=beneficiary)
            | Q(bulk_item__beneficiary=beneficiary)
        ).order_by("created_at"),
        "reads": ReadEvent.objects.filter(beneficiary=beneficiary)
        .select_related("actor")
        .order_by("-at")[:200],
    }
    return render_pdf("pdf/access_export.html", context)


def access_export(beneficiary: Beneficiary) -> bytes:
    """The ZIP of everything held about the file."""
    data = tables(beneficiary)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("resume.pdf", summary_pdf(beneficiary, data))
        archive.writestr(
            "donnees.json",
            json.dumps(
                {
                    "dossier": beneficiary.file_number,
                    "exporte_le": timezone.now().isoformat(),
                    "tables": data,
                },
                ensure_ascii=False,
                indent=2,
            ),
        )
        unreadable = []
        for name, document in documents(beneficiary):
            try:
                with document.open("rb") as handle:
                    content = handle.read()
            except (OSError, InvalidToken):  # missing or damaged on disk: said, not fatal
                unreadable.append(name)
                continue
            extension = PurePosixPath(document.name or "").suffix
            archive.writestr(f"documents/{name}{extension}", content)
        if unreadable:
            archive.writestr(
                "documents/ILLISIBLES.txt",
                "Documents enregistrés mais illisibles sur le disque (à signaler) :\n"
                + "\n".join(unreadable)
                + "\n",
            )
    return buffer.getvalue()
