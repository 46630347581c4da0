from __future__ import annotations

from datetime import date
from typing import Any

import phonenumbers
from django import template
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from stdnum.be import nn

register = template.Library()

SOON_DAYS = 30


@register.inclusion_tag("includes/deadline.html")
def deadline(day: date | None, today: date | None = None) -> dict[str, object]:
    """A deadline with its days left, coloured: overdue, due within 30 days, or later."""
    if day is None:
        return {"day": None}
    today = today or timezone.localdate()
    left = (day - today).days
    if left < 0:
        tone, text = (
            "danger",
            ngettext("en retard d'%(n)d jour", "en retard de %(n)d jours", -left) % {"n": -left},
        )
    elif left == 0:
        tone, text = "danger", _("aujourd'hui")
    else:
        tone = "warning" if left <= SOON_DAYS else "secondary"
        text = ngettext("dans %(n)d jour", "dans %(n)d jours", left) % {"n": left}
    return {"day": day, "tone": tone, "text": text}


@register.filter
def phone(value: str | None) -> str:
    """+32471234567 -> 0471 23 45 67 (Belgian numbers), other countries in international form."""
    if not value:
        return "—"
    try:
        number = phonenumbers.parse(value, "BE")
    except phonenumbers.NumberParseException:
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 32
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


@register.filter
def national_number(value: str | None, show_all: bool = False) -> str:
    """85.07.30-033.28, or 85.07.30-***.** for roles that do not need the whole number."""
    if not value:
        return "—"
    formatted = nn.format(value)
    return formatted if show_all else formatted[:9] + "***.**"


@register.filter
def field_errors(bound_field: Any) -> str:
    """A field's errors under it, tied to it for screen readers (empty when valid)."""
    errors = getattr(bound_field, "errors", None)
    if not errors:
        return ""
    return format_html_join(
        "",
        '<div class="invalid-feedback d-block" role="alert">{}</div>',
        ((error,) for error in errors),
    )


STATUS_TONES = {
    "valid": "text-bg-success",
    "sent": "text-bg-success",
    "revoked": "text-bg-danger",
    "failed": "text-bg-danger",
    "needs_address": "text-bg-danger",
    "superseded": "text-bg-secondary",
    "cancelled": "text-bg-secondary",
}


@register.filter
def status_tone(status: str) -> str:
    """The badge colour of an attestation's or a copy's status (in progress: amber)."""
    return STATUS_TONES.get(status, "text-bg-warning")
