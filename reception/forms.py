from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from beneficiaries.languages import LANGUAGE_CHOICES
from beneficiaries.models import Beneficiary
from cainamur.lib.name_order import by_name
from cainamur.lib.phones import phone_normalise
from offices.models import Office
from reception.models import Callback, CallbackAttempt, QueueTicket


class CallbackForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_l("Langue"), choices=[("", "—"), *LANGUAGE_CHOICES], required=False
    )

    class Meta:
        model = Callback
        fields = ("name", "phone", "language", "subject", "office", "urgency", "assigned_to")
        widgets = {"subject": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {"required": _l("Indiquez le nom de la personne.")},
            "phone": {"required": _l("Indiquez le numéro à rappeler.")},
            "subject": {"required": _l("Indiquez l'objet du message.")},
            "office": {"required": _l("Choisissez le bureau.")},
        }

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        office_field, assigned_field = self.fields["office"], self.fields["assigned_to"]
        assert isinstance(office_field, forms.ModelChoiceField)
        assert isinstance(assigned_field, forms.ModelChoiceField)
        office_field.queryset = offices
        assigned_field.queryset = (
            get_user_model()
            .objects.filter(is_active=True, offices__in=offices, groups__isnull=False)
            .distinct()
            .order_by(*by_name("last_name", "first_name"), "id")
        )
        assigned_field.empty_label = _("— Le bureau —")
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data["phone"])


class AttemptForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_l("Résultat"),
        choices=CallbackAttempt.Outcome.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=_l("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    done = forms.BooleanField(label=_l("Traité (plus rien à faire)"), required=False)


class ArrivalForm(forms.Form):
    file_number = forms.CharField(
        label=_l("Numéro de dossier (s'il en a un)"),
        max_length=Beneficiary._meta.get_field("file_number").max_length,
        required=False,
    )
    # The ticket keeps what is typed: the same maximum as its fields.
    name = forms.CharField(
        label=_l("Nom et prénom"),
        max_length=QueueTicket._meta.get_field("name").max_length,
        required=False,
    )
    phone = forms.CharField(
        label=_l("Téléphone"),
        max_length=QueueTicket._meta.get_field("phone").max_length,
        required=False,
    )

    def __init__(self, *args: Any, files: QuerySet[Beneficiary], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files_in_scope = files
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = (cleaned.get("file_number") or "").strip().upper()
        cleaned["beneficiary"] = None
        if number:
            beneficiary = self.files_in_scope.filter(file_number=number).first()
            if beneficiary is None:
                self.add_error("file_number", _("Aucun dossier de vos bureaux ne porte ce numéro."))
            cleaned["beneficiary"] = beneficiary
        elif not (cleaned.get("name") or "").strip():
            self.add_error("name", _("Indiquez le nom, ou le numéro de dossier."))
        return cleaned


class OutcomeForm(forms.Form):
    topic = forms.ChoiceField(
        label=_l("Sujet"),
        choices=[("", "—"), *QueueTicket.Topic.choices],
        error_messages={"required": _l("Choisissez le sujet de l'entretien.")},
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=_l("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
