from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.forms import DateInput
from beneficiaries.models import Beneficiary
from cainamur.lib import plausible
from cainamur.models import User
from parcours import path_rules
from parcours.models import (
    Axis,
    Convention,
    Evaluation,
    EvaluationInvitation,
    Extension,
    ForceMajeure,
    HoursEntry,
    WelcomeModule,
    convention_date_problems,
)
from parcours.services import (
    REASON_LENGTH,
    axis_total,
    hours_line_problems,
    may_confirm_hours,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class WelcomeForm(forms.ModelForm):
    class Meta:
        model = WelcomeModule
        fields = (
            "social_assessment_on",
            "needs",
            "wants_orientation",
            "rights_duties_on",
            "french_test_on",
            "french_level",
            "notes",
        )
        widgets = {
            "social_assessment_on": DateInput(),
            "rights_duties_on": DateInput(),
            "french_test_on": DateInput(),
            "needs": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data
        level = cleaned.get("french_level")
        if level and level != "not_needed" and not cleaned.get("french_test_on"):
            self.add_error("french_test_on", _("Indiquez la date du test de français."))
        # The dates have happened: the model's rule (WelcomeModule.clean), on each field.
        return cleaned


def _hours_field(label: StrOrPromise, initial: Decimal | int) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, initial=initial, max_digits=6, decimal_places=2, min_value=Decimal("0")
    )


class ConventionForm(forms.Form):
    signed_on = forms.DateField(label=_("Signée le"), widget=DateInput())
    start_on = forms.DateField(label=_("Début"), widget=DateInput())
    citizenship_hours = _hours_field(_("Heures de citoyenneté"), path_rules.CITIZENSHIP_HOURS)
    french_required = forms.BooleanField(label=_("Français requis"), required=False)
    french_hours = _hours_field(_("Heures de français"), path_rules.FRENCH_HOURS)
    orientation_required = forms.BooleanField(label=_("Orientation requise"), required=False)
    orientation_hours = _hours_field(_("Heures d'orientation"), path_rules.ORIENTATION_HOURS)
    amendment_reason = forms.CharField(
        label=_("Motif de l'avenant"),
        required=False,
        max_length=Convention._meta.get_field("amendment_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data
        if cleaned.get("citizenship_hours") is not None and cleaned["citizenship_hours"] <= 0:
            self.add_error("citizenship_hours", _("La citoyenneté est toujours requise."))
        for axis in ("french", "orientation"):
            hours = cleaned.get(f"{axis}_hours")
            if cleaned.get(f"{axis}_required") and hours is not None and hours <= 0:
                self.add_error(f"{axis}_hours", _("Un axe requis demande des heures."))
        # The model's rule (Convention.clean), on each field.
        for name, problem in convention_date_problems(
            signed_on=cleaned.get("signed_on"),
            start_on=cleaned.get("start_on"),
            today=timezone.localdate(),
        ).items():
            self.add_error(name, problem)
        return cleaned


class AxisChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Axis) -> str:
        return str(obj.get_kind_display())


class HoursForm(forms.Form):
    """One line of hours: the service's rules (``hours_line_problems``) on each field; a
    coordinator may confirm hours beyond the required ones and the tolerance."""

    axis = AxisChoiceField(label=_("Axe"), queryset=Axis.objects.none(), empty_label=None)
    on = forms.DateField(label=_("Date"), widget=DateInput())
    hours = forms.DecimalField(
        label=_("Heures"),
        max_digits=6,
        decimal_places=2,
        help_text=_("Négatif pour corriger une saisie."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=HoursEntry._meta.get_field("note").max_length
    )
    excess_confirmed = forms.BooleanField(
        label=_("Je confirme ces heures au-delà des heures requises (coordination)."),
        required=False,
    )

    def __init__(
        self, *args: Any, axes: list[Axis], user: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        axis_field = self.fields["axis"]
        assert isinstance(axis_field, AxisChoiceField)
        axis_field.queryset = Axis.objects.filter(pk__in=[a.pk for a in axes])
        #: Hours past the tolerance were typed: a coordinator sees the box to confirm them.
        self.asks_excess_confirmation = False
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None
        axis, on, hours = cleaned.get("axis"), cleaned.get("on"), cleaned.get("hours")
        if axis is None or on is None or hours is None:
            return cleaned
        problems = hours_line_problems(
            axis=axis,
            on=on,
            hours=hours,
            note=cleaned.get("note", ""),
            by=self.user,
            excess_confirmed=cleaned.get("excess_confirmed", False),
        )
        self.asks_excess_confirmation = (
            may_confirm_hours(self.user)
            and hours > 0
            and plausible.hours_over_tolerance(
                axis_total(axis) + hours,
                required=axis.required_hours,
                tolerance_percent=settings.CAI_HOURS_TOLERANCE_PERCENT,
            )
        )
        for name, problem in problems.items():
            self.add_error(name, problem)
        return cleaned


class StatusForm(forms.Form):
    to = forms.ChoiceField(choices=())
    reason = forms.CharField(label=_("Motif"), required=False, max_length=REASON_LENGTH)

    def __init__(self, *args: Any, actions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_field = self.fields["to"]
        assert isinstance(to_field, forms.ChoiceField)
        to_field.choices = actions


class ExtensionForm(forms.ModelForm):
    class Meta:
        model = Extension
        fields = ("deadline", "decided_on", "new_end_on", "reason", "document")
        widgets = {
            "decided_on": DateInput(),
            "new_end_on": DateInput(),
            "reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


#: The interview's outcome as one choice: (attended, absence_justified).
PRESENCE: dict[str, tuple[bool, bool | None]] = {
    "present": (True, None),
    "absent_justified": (False, True),
    "absent_unjustified": (False, False),
}


class EvaluationForm(forms.ModelForm):
    presence = forms.ChoiceField(
        label=_("Présence"),
        choices=[
            ("present", _("présent·e")),
            ("absent_justified", _("absent·e avec un motif valable")),
            ("absent_unjustified", _("absent·e sans motif valable")),
        ],
    )

    class Meta:
        model = Evaluation
        fields = ("held_on", "absences", "programme_changes", "notes")
        widgets = {
            "held_on": DateInput(),
            "absences": forms.Textarea(attrs={"rows": 2}),
            "programme_changes": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].required = True
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None
        presence = cleaned.pop("presence", None)
        if presence in PRESENCE:
            cleaned["attended"], cleaned["absence_justified"] = PRESENCE[presence]
            if presence == "absent_justified" and not (cleaned.get("absences") or "").strip():
                self.add_error(
                    "absences", _("Indiquez le motif de l'absence : il justifie l'absence.")
                )
        return cleaned


class InvitationForm(forms.ModelForm):
    class Meta:
        model = EvaluationInvitation
        fields = ("channel", "sent_on", "proof_number")
        widgets = {"sent_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None
        registered = cleaned.get("channel") == EvaluationInvitation.Channel.REGISTERED_LETTER
        if registered and not (cleaned.get("proof_number") or "").strip():
            self.add_error(
                "proof_number", _("Indiquez le numéro du recommandé : c'est la preuve d'envoi.")
            )
        return cleaned


class ForceMajeureForm(forms.ModelForm):
    class Meta:
        model = ForceMajeure
        fields = ("start_on", "end_on", "reason", "document")
        widgets = {
            "start_on": DateInput(),
            "end_on": DateInput(),
            "reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, beneficiary: Beneficiary, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.beneficiary = beneficiary
        # Its dates are the model's rules (ForceMajeure.clean), which read the arrival.
        self.instance.beneficiary = beneficiary
        self.fields["document"].error_messages["required"] = _(
            "Joignez l'attestation : une force majeure doit être dûment attestée."
        )
        _bootstrap(self)
