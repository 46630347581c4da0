"""Documents of the path: data snapshots and their storage."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from cainamur.pdf import render_pdf, sha256
from parcours import path_rules
from parcours.models import AxisKind, Convention, FrenchLevel


def attestation_deadline(convention: Convention) -> Any:
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


def convention_pdf_store(*, convention_id: int) -> None:
    with transaction.atomic():
        # Lock the row: a second delivery of the task waits, then finds the PDF stored.
        Convention.objects.select_for_update().filter(pk=convention_id).exists()
        convention = Convention.objects.select_related(
            "parcours__beneficiary__commune", "parcours__welcome", "signed_by"
        ).get(pk=convention_id)
        if convention.pdf:
            return  # already rendered: a task delivered twice does nothing
        content = render_pdf("pdf/convention.html", convention_snapshot(convention))
        number = convention.parcours.beneficiary.file_number
        name = f"{number}-convention-v{convention.version}.pdf"
        convention.pdf.save(name, ContentFile(content), save=False)
        convention.pdf_sha256 = sha256(content)
        convention.save(update_fields=["pdf", "pdf_sha256"])
