"""Phone numbers as people type them, stored in E.164 (phonenumbers)."""

from __future__ import annotations

import phonenumbers
from django import forms
from django.utils.translation import gettext as _


def phone_normalise(raw: str) -> str:
    """« 0471 23 45 67 » → « +32471234567 »; empty stays empty; refuses an invalid number."""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "BE")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(
            _("Ce numéro de téléphone n'est pas valide (ex. 0471 23 45 67 ou +32 81 71 35 18).")
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(phone: str) -> bool:
    """Whether a stored number can receive an SMS."""
    try:
        number = phonenumbers.parse(phone, "BE")
    except phonenumbers.NumberParseException:
        return False
    kinds = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return phonenumbers.number_type(number) in kinds
