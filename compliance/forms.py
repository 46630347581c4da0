from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.forms import DateInput
from cainamur.lib import plausible
from cainamur.lib.text import max_length
from compliance.models import NonCompliance

#: Where the report goes by default (the Region's administration, not the commune).
SANCTIONING_OFFICER = "Fonctionnaire sanctionnateur — SPW Intérieur et Action sociale"


def _not_future(value: date) -> date:
    if problem := plausible.past_or_today(value, today=timezone.localdate()):
        raise forms.ValidationError(problem)
    return value


def _max(name: str) -> int | None:
    """The form says the same maximum as the model field it fills."""
    return max_length(NonCompliance, name)


class _Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            if self.errors.get(name):
                field.widget.attrs["class"] += " is-invalid"


class SentForm(_Styled):
    sent_on = forms.DateField(label=_("Envoyé le"), widget=DateInput())
    sent_to = forms.CharField(
        label=_("Envoyé à"), max_length=_max("sent_to"), initial=SANCTIONING_OFFICER
    )
    sent_reference = forms.CharField(
        label=_("Preuve d'envoi"),
        max_length=_max("sent_reference"),
        help_text=_("Numéro du recommandé, référence du courrier ou de l'e-mail."),
        error_messages={"required": _("Indiquez la preuve d'envoi (n° du recommandé…).")},
    )

    def clean_sent_on(self) -> date:
        return _not_future(self.cleaned_data["sent_on"])


OUTCOME_CHOICES = [c for c in NonCompliance.Outcome.choices if c[0] != "pending"]


class OutcomeForm(_Styled):
    outcome = forms.ChoiceField(label=_("Suite"), choices=OUTCOME_CHOICES)
    outcome_on = forms.DateField(label=_("Décision du"), widget=DateInput())
    fine_amount = forms.DecimalField(
        label=_("Montant de l'amende (€)"),
        required=False,
        max_digits=7,
        decimal_places=2,
        min_value=0,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=_max("outcome_note"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, allowed: frozenset[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allowed is not None:  # only what may follow the current outcome
            field = self.fields["outcome"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [c for c in OUTCOME_CHOICES if c[0] in allowed]

    def clean_outcome_on(self) -> date:
        return _not_future(self.cleaned_data["outcome_on"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None
        if cleaned.get("outcome") == "fine" and cleaned.get("fine_amount") is None:
            self.add_error("fine_amount", _("Indiquez le montant de l'amende."))
        return cleaned
