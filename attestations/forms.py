from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from attestations.models import Attestation
from beneficiaries.models import Commune


class ReasonForm(forms.Form):
    """Why an attestation is reissued or revoked (kept as its reissue or revocation
    reason: the same maximum)."""

    reason = forms.CharField(
        label=_("Motif"),
        max_length=Attestation._meta.get_field("revocation_reason").max_length,
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
        # Kept as the commune's or the CPAS's address (EmailField: 254 characters).
        max_length=Commune._meta.get_field("population_email").max_length,
        widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "off"}),
        error_messages={
            "required": _("Indiquez l'adresse e-mail."),
            "invalid": _("Cette adresse e-mail n'est pas valide."),
        },
    )
