from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("Indiquez le motif.")},
    )


class VerifyForm(forms.Form):
    number = forms.CharField(
        label=_("Numéro de l'attestation"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "placeholder": "CAI-ATT-2026-00042",
                "autocomplete": "off",
            }
        ),
        error_messages={"required": _("Indiquez le numéro imprimé sur l'attestation.")},
    )
    code = forms.CharField(
        label=_("Code de vérification"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "ABCD-2345", "autocomplete": "off"}
        ),
        error_messages={"required": _("Indiquez le code imprimé sous le QR code.")},
    )

    def clean_number(self) -> str:
        return "".join(self.cleaned_data["number"].split()).upper()


class RecipientEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail du destinataire"),
        widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "off"}),
        error_messages={
            "required": _("Indiquez l'adresse e-mail."),
            "invalid": _("Cette adresse e-mail n'est pas valide."),
        },
    )
