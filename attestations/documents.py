"""The attestation as a document: a data snapshot frozen at issue, and a pure function
from that snapshot to PDF bytes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.db.models import Sum
from django.urls import reverse

from attestations.models import Attestation
from cainamur.crypto import decrypt_text, encrypt_text
from cainamur.models import Centre, User
from cainamur.pdf import centre_snapshot, pdf_store, render_pdf
from cainamur.templatetags.cai import national_number
from parcours.models import Axis, Parcours


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def initials(first_names: str, last_name: str) -> str:
    """« A. B. » from the first given name and the surname: all a verifier may learn."""
    parts = [p for p in (first_names.split()[:1] + last_name.split()[:1]) if p]
    return " ".join(f"{p[0].upper()}." for p in parts)


def verification_url(number: str, code: str) -> str:
    query = urlencode({"n": number, "c": code})
    return f"{settings.CAI_PUBLIC_URL}{reverse('attestations:verify')}?{query}"


def attestation_snapshot(
    parcours: Parcours,
    *,
    number: str,
    code: str,
    issued_on: date,
    centre: Centre,
    issued_by: User | None = None,
    replaces: Attestation | None = None,
    reissue_reason: str = "",
) -> dict[str, Any]:
    """Everything the attestation shows, as display-ready strings (frozen at issue)."""
    beneficiary = parcours.beneficiary
    welcome = parcours.welcome
    convention = parcours.conventions.order_by("-version").first()
    first = parcours.conventions.order_by("version").first()
    axes = [
        {
            "label": str(axis.get_kind_display()),
            "required": _hours(axis.required_hours),
            "done": _hours(axis.total or Decimal("0")),
            "operator": axis.operator,
            "completed_on": _day(axis.completed_on),
        }
        for axis in parcours.axes.exclude(status=Axis.Status.NOT_REQUIRED)
        .annotate(total=Sum("hours__hours"))
        .order_by("id")
    ]
    return {
        "number": number,
        "code": code,
        "verify_url": verification_url(number, code),
        "issued_on": _day(issued_on),
        "centre": centre_snapshot(centre),
        "full_name": beneficiary.full_name,
        "initials": initials(beneficiary.first_names, beneficiary.last_name),
        "birth_date": _day(beneficiary.birth_date),
        "nationality": str(beneficiary.nationality.name) if beneficiary.nationality else "",
        # Encrypted like the file's own (the snapshot is a database row); the PDF shows it.
        "national_number_encrypted": (
            encrypt_text(national_number(beneficiary.national_number))
            if beneficiary.national_number
            else ""
        ),
        "file_number": beneficiary.file_number,
        # Who prepared it, named on the document beside the centre's signatory.
        "issued_by": (issued_by.get_full_name() or issued_by.username) if issued_by else "",
        "issued_by_function": getattr(issued_by, "function", "") if issued_by else "",
        "kind": parcours.kind,
        "kind_label": str(parcours.get_kind_display()),
        "regime": parcours.regime,
        "welcome": {
            "social_assessment_on": _day(welcome.social_assessment_on),
            "rights_duties_on": _day(welcome.rights_duties_on),
            "french_test_on": _day(welcome.french_test_on),
        },
        "convention": {
            "signed_on": _day(first.signed_on) if first else "",
            "start_on": _day(first.start_on) if first else "",
            "version": convention.version if convention else None,
            "last_signed_on": _day(convention.signed_on) if convention else "",
        },
        "axes": axes,
        "replaces": replaces.number if replaces else "",
        "replaces_issued_on": _day(replaces.issued_on) if replaces else "",
        "reissue_reason": reissue_reason,
    }


def qr_code_uri(url: str) -> str:
    """The QR code as a PNG data URI (a PNG draws faster than an SVG path)."""
    return str(segno.make(url, error="m").png_data_uri(scale=4, border=0))


def attestation_render(snapshot: dict[str, Any]) -> bytes:
    """The PDF of an attestation: a pure function of its snapshot."""
    token = snapshot.get("national_number_encrypted")
    context = {
        **snapshot,
        "national_number": decrypt_text(token) if token else "",
        "qr": qr_code_uri(snapshot["verify_url"]),
        "verify_url_base": snapshot["verify_url"].split("?", 1)[0],
    }
    return render_pdf("pdf/attestation.html", context, stylesheet="attestation.css")


def attestation_pdf_store(attestation_id: int) -> bool:
    return pdf_store(
        Attestation,
        attestation_id,
        render=lambda a: attestation_render(a.snapshot),
        filename=lambda a: f"{a.number}.pdf",
    )
