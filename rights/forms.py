from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rights.models import LegalHold


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la conservation"),
        max_length=LegalHold._meta.get_field("reason").max_length,
        help_text=_("Par ex. « recours devant le tribunal du travail, réf. 24/1234 »."),
    )


class AnonymiseForm(forms.Form):
    """The file number typed again: an anonymisation cannot be undone."""

    file_number = forms.CharField(label=_("Numéro du dossier, pour confirmer"), max_length=20)

    def __init__(self, *args: Any, expected: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_file_number(self) -> str:
        value = str(self.cleaned_data["file_number"]).strip().upper()
        if value != self.expected:
            raise forms.ValidationError(
                _("Tapez exactement le numéro du dossier (%(number)s) pour confirmer."),
                params={"number": self.expected},
            )
        return value
