"""Languages by their French names in templates: ``{{ callback.language|language_name }}``,
``{{ offer.languages|language_names }}`` (codes never reach a screen)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from beneficiaries.languages import LANGUAGE_NAMES

register = template.Library()


@register.filter
def language_name(code: str | None) -> str:
    """« uk » -> « ukrainien »; an empty value stays empty."""
    if not code:
        return ""
    return str(LANGUAGE_NAMES.get(code, code))


@register.filter
def language_names(codes: Iterable[str] | None) -> str:
    """["fr", "ar"] -> « français, arabe »."""
    return ", ".join(language_name(code) for code in codes or () if code)
