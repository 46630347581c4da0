from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment, AppointmentType
from beneficiaries.languages import LANGUAGE_CHOICES
from cainamur.lib.text import max_length
from offices.models import Office


class SlotSearchForm(forms.Form):
    """What to book, where (GET: only ids and a date)."""

    type = forms.ModelChoiceField(
        label=_("Type de rendez-vous"),
        queryset=AppointmentType.objects.filter(is_active=True),
        empty_label=_("— Choisir —"),
        error_messages={"required": _("Choisissez le type de rendez-vous.")},
    )
    office = forms.ModelChoiceField(
        label=_("Bureau"),
        queryset=Office.objects.none(),
        empty_label=_("— Choisir —"),
        error_messages={"required": _("Choisissez le bureau.")},
    )
    since = forms.DateField(label=_("À partir du"), required=False)

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        office_field = self.fields["office"]
        assert isinstance(office_field, forms.ModelChoiceField)
        office_field.queryset = offices
        for name in ("type", "office"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["since"].widget = forms.DateInput(
            attrs={"type": "date", "class": "form-control"}
        )


INTERPRETER_CHOICES = [("", _("— Pas d'interprète —"))] + [
    (code, name) for code, name in LANGUAGE_CHOICES if code != "fr"
]


class BookForm(forms.Form):
    """The chosen slot (staff member and start) and the practical details; for a
    reschedule, its reason."""

    slot = forms.CharField(error_messages={"required": _("Choisissez un créneau.")})
    interpreter_language = forms.ChoiceField(
        label=_("Interprète"),
        choices=INTERPRETER_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    notes = forms.CharField(
        label=_("Remarque"),
        max_length=max_length(Appointment, "notes"),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "aria-describedby": "notes-hint"}),
    )
    reason = forms.CharField(
        label=_("Motif du report"),
        max_length=max_length(Appointment, "reason"),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "aria-describedby": "reason-hint"}),
    )

    def __init__(self, *args: Any, moving: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if moving:
            reason = self.fields["reason"]
            reason.required = True
            reason.error_messages["required"] = _("Indiquez le motif du report.")

    def clean_slot(self) -> tuple[int, datetime]:
        value = self.cleaned_data["slot"]
        try:
            staff, start = value.split("|", 1)
            moment = datetime.fromisoformat(start)
            if moment.tzinfo is None:
                raise ValueError(start)
            return int(staff), moment
        except ValueError as error:
            raise forms.ValidationError(_("Ce créneau n'est pas valable.")) from error


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=300,
        error_messages={"required": _("Indiquez le motif.")},
    )
