"""Documents of the path: data snapshots and their storage."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from cainamur.pdf import centre_snapshot, pdf_store, render_pdf
from parcours import path_rules
from parcours.models import AxisKind, Convention, FrenchLevel


def attestation_deadline(convention: Convention) -> date | None:
    """The attestation deadline as of this version: the latest extension decided on or
    before its signature, else the one from the rules."""
    extension = (
        convention.parcours.extensions.filter(
            deadline="attestation", decided_on__lte=convention.signed_on
        )
        .order_by("-decided_on", "-id")
        .first()
    )
    return extension.new_end_on if extension else convention.parcours.attestation_deadline


def convention_snapshot(convention: Convention) -> dict[str, Any]:
    """Everything the convention PDF shows, as plain values (the rendering is pure)."""
    parcours = convention.parcours
    beneficiary = parcours.beneficiary
    welcome = parcours.welcome
    months = {
        AxisKind.CITIZENSHIP: path_rules.CITIZENSHIP_MONTHS,
        AxisKind.FRENCH: path_rules.FRENCH_MONTHS,
    }
    axes = [
        {
            "label": str(AxisKind(kind).label),
            "hours": f"{hours.normalize():f}",
            "months": months.get(AxisKind(kind)),
        }
        for kind, hours in convention.required_hours().items()
    ]
    return {
        "centre": centre_snapshot(),
        "file_number": beneficiary.file_number,
        "full_name": beneficiary.full_name,
        "birth_date": beneficiary.birth_date,
        "nationality": str(beneficiary.nationality.name),
        "commune": beneficiary.commune.name,
        "kind": parcours.get_kind_display(),
        "version": convention.version,
        "social_assessment_on": welcome.social_assessment_on,
        "rights_duties_on": welcome.rights_duties_on,
        "french_test_on": welcome.french_test_on,
        "french_level": (
            str(FrenchLevel(welcome.french_level).label) if welcome.french_level else ""
        ),
        "axes": axes,
        "start_on": convention.start_on,
        "signed_on": convention.signed_on,
        "signed_by": str(convention.signed_by),
        "signed_by_function": convention.signed_by.function,
        "attestation_deadline": attestation_deadline(convention),
        "amendment_reason": convention.amendment_reason,
    }


DATE_FIELDS = (
    "birth_date",
    "social_assessment_on",
    "rights_duties_on",
    "french_test_on",
    "start_on",
    "signed_on",
    "attestation_deadline",
)


def convention_freeze(convention: Convention) -> None:
    """Freeze what the convention says at its signature (like an attestation's content):
    its PDF, rendered now or again later, shows the facts as they were when signed. A
    database trigger refuses any later change of the snapshot."""
    snapshot = json.loads(json.dumps(convention_snapshot(convention), cls=DjangoJSONEncoder))
    convention.snapshot = snapshot
    convention.save(update_fields=["snapshot"])


def convention_render(snapshot: dict[str, Any]) -> bytes:
    """The PDF of a convention: a pure function of its snapshot."""
    values = {
        **snapshot,
        **{
            name: date.fromisoformat(snapshot[name]) if snapshot.get(name) else None
            for name in DATE_FIELDS
        },
    }
    return render_pdf("pdf/convention.html", values)


def convention_pdf_render(convention: Convention) -> bytes:
    # Conventions signed before snapshots existed have none: their content is read now.
    if not convention.snapshot:
        return render_pdf("pdf/convention.html", convention_snapshot(convention))
    return convention_render(convention.snapshot)


def convention_pdf_store(*, convention_id: int) -> bool:
    return pdf_store(
        Convention,
        convention_id,
        render=convention_pdf_render,
        filename=lambda c: f"{c.parcours.beneficiary.file_number}-convention-v{c.version}.pdf",
        related=("parcours__beneficiary__commune", "parcours__welcome", "signed_by"),
    )
