from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from stdnum.be import bis, nn

from beneficiaries.languages import LANGUAGE_CHOICES
from beneficiaries.models import (
    PERMIT_IMPLIES,
    Beneficiary,
    Commune,
    Consent,
    ConsentChannel,
    ConsentPurpose,
    Cpas,
    Exemption,
    ExemptionCode,
    PermitRenewal,
    consent_problems,
)
from cainamur.lib import plausible
from cainamur.lib.name_order import by_name
from cainamur.lib.phones import phone_normalise
from cainamur.models import User
from cainamur.roles import GROUP_NAMES, Role
from offices.models import Office


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def compact_national_number(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


class FreeMovementSelect(forms.NullBooleanSelect):
    """Yes / no / not recorded, in the words of the question."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [
            ("unknown", _("— Non renseigné —")),
            ("true", _("Oui : il ou elle a vécu dans un autre État de l'Union")),
            ("false", _("Non : un·e Belge qui n'a jamais quitté la Belgique")),
        ]


class BeneficiaryForm(forms.ModelForm):
    """Registration and edition of a file (health data is not here: see ExemptionForm)."""

    national_number = forms.CharField(
        label=_("Numéro de registre national ou BIS"),
        required=False,
        max_length=20,
        help_text=_("11 chiffres, avec ou sans points et tirets : 85.07.30-033.28."),
    )
    postal_code = forms.CharField(
        label=_("Code postal"),
        max_length=4,
        min_length=4,
        help_text=_("Le code postal choisit la commune (province de Namur)."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Langues parlées"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Ctrl+clic pour en choisir plusieurs."),
    )
    interpreter_language = forms.ChoiceField(
        label=_("Langue d'interprétation"),
        choices=[("", "—"), *LANGUAGE_CHOICES],
        required=False,
    )
    # Shown with the error when the number says another birth date or sex than typed.
    confirm_register_number = forms.BooleanField(
        label=_("Je confirme le numéro, la date de naissance et le sexe tels qu'ils sont saisis."),
        required=False,
    )

    class Meta:
        model = Beneficiary
        fields = (
            "last_name",
            "birth_name",
            "first_names",
            "sex",
            "birth_date",
            "birth_place",
            "nationality",
            "second_nationality",
            "national_number",
            "street",
            "postal_code",
            "phone",
            "email",
            "languages",
            "interpreter_needed",
            "interpreter_language",
            "contact_language",
            "stay_started_on",
            "first_registration_on",
            "permit_type",
            "permit_ordered_on",
            "permit_issued_on",
            "permit_valid_until",
            "permit_over_3_months",
            "protection_applicant",
            "temporary_protection",
            "eu_family_member",
            "eu_family_free_movement",
            "eu_family_proof",
            "cpas_support",
            "cpas",
            "office",
            "caseworker",
            "notes",
        )
        widgets = {
            "birth_date": DateInput(),
            "stay_started_on": DateInput(),
            "first_registration_on": DateInput(),
            "eu_family_free_movement": FreeMovementSelect(),
            "permit_ordered_on": DateInput(),
            "permit_issued_on": DateInput(),
            "permit_valid_until": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        offices = Office.objects.filter(is_active=True)
        if not user.sees_all_offices:
            offices = offices.filter(id__in=user.office_ids)
        office_field, caseworker_field, cpas_field = (
            self.fields["office"],
            self.fields["caseworker"],
            self.fields["cpas"],
        )
        assert isinstance(office_field, forms.ModelChoiceField)
        assert isinstance(caseworker_field, forms.ModelChoiceField)
        assert isinstance(cpas_field, forms.ModelChoiceField)
        office_field.queryset = offices
        office_field.required = False
        office_field.help_text = _("Par défaut : le bureau de la commune.")
        caseworker_field.queryset = (
            get_user_model()
            .objects.filter(
                is_active=True, groups__name=GROUP_NAMES[Role.CASEWORKER], offices__in=offices
            )
            .distinct()
            .order_by(*by_name("last_name", "first_name"), "id")
        )
        cpas_field.queryset = Cpas.objects.all()
        cpas_field.required = False
        cpas_field.help_text = _("Par défaut : le CPAS de la commune.")
        if self.instance.pk and self.instance.national_number:
            self.initial["national_number"] = nn.format(self.instance.national_number)
        self.commune: Commune | None = None
        #: What the register number says against the birth date and sex typed.
        self.number_disagreements: list[str] = []
        # An explicit empty choice: nobody's nationality is picked by default.
        nationality_field = self.fields["nationality"]
        assert isinstance(nationality_field, forms.ChoiceField)
        nationality_field.choices = [
            ("", _("— Choisir —")),
            # django-stubs types the getter as wide as the setter; Django returns a list.
            *list(nationality_field.choices),  # type: ignore[arg-type]
        ]
        second_field = self.fields["second_nationality"]
        assert isinstance(second_field, forms.ChoiceField)
        second_field.choices = [
            ("", _("— Aucune —")),
            *[c for c in list(second_field.choices) if c[0]],  # type: ignore[arg-type]
        ]

    def clean_national_number(self) -> str | None:
        raw = self.cleaned_data["national_number"].strip()
        if not raw:
            return None
        number = compact_national_number(raw)
        if len(number) != 11:
            raise forms.ValidationError(_("Le numéro doit compter 11 chiffres."))
        if not (nn.is_valid(number) or bis.is_valid(number)):
            raise forms.ValidationError(
                _(
                    "Ce numéro n'est pas un numéro de registre national ni un numéro BIS "
                    "valide (chiffres de contrôle incorrects)."
                )
            )
        existing = (
            Beneficiary.objects.with_national_number(number).exclude(pk=self.instance.pk).first()
        )
        if existing is not None:
            if Beneficiary.objects.visible_to(self.user).filter(pk=existing.pk).exists():
                raise forms.ValidationError(
                    format_html(
                        str(_('Ce numéro est déjà celui du dossier <a href="{}">{}</a>.')),
                        reverse("beneficiaries:detail", args=[existing.pk]),
                        existing.file_number,
                    )
                )
            # Outside the user's offices: that a file exists, not where (nor whose).
            raise forms.ValidationError(
                _(
                    "Ce numéro est déjà enregistré dans un dossier existant ailleurs : appelez "
                    "la coordination."
                )
            )
        return number

    def clean_postal_code(self) -> str:
        code = self.cleaned_data["postal_code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("Le code postal compte 4 chiffres."))
        self.commune = (
            Commune.objects.select_related("office", "cpas")
            .filter(postal_codes__contains=[code])
            .first()
        )
        if self.commune is None:
            raise forms.ValidationError(
                _("Le code postal %(code)s n'est pas celui d'une commune de la province de Namur."),
                params={"code": code},
            )
        return code

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data
        if cleaned.get("interpreter_needed") and not cleaned.get("interpreter_language"):
            self.add_error("interpreter_language", _("Précisez la langue de l'interprète."))
        implied = PERMIT_IMPLIES.get(cleaned.get("permit_type") or "")
        if implied:
            # The card says it (an A card « protection temporaire », an F card...).
            cleaned[implied] = True
        if cleaned.get("eu_family_member") and cleaned.get("eu_family_free_movement") is None:
            self.add_error(
                "eu_family_free_movement",
                _(
                    "Indiquez si ce citoyen a exercé sa libre circulation : c'est ce qui décide "
                    "de l'obligation."
                ),
            )
        claimed = {"eu_family_member", "eu_family_free_movement"} & set(self.changed_data)
        if (
            cleaned.get("eu_family_member")
            and cleaned.get("eu_family_free_movement")
            and not cleaned.get("eu_family_proof")
            and (self.instance.pk is None or claimed)
        ):
            # Asked when the status is claimed, not on every later edit of an older file
            # (the file page then says « preuve du lien familial manquante »).
            self.add_error(
                "eu_family_proof",
                _(
                    "Joignez la preuve du lien familial : c'est elle qui dispense de "
                    "l'obligation, comme le justificatif d'une dispense."
                ),
            )
        # The dates themselves: the model's rules (Beneficiary.clean), on each field.
        self._check_register_number(cleaned)
        if cleaned.get("cpas") and not cleaned.get("cpas_support"):
            cleaned["cpas"] = None
        if self.commune is not None:
            if not cleaned.get("office"):
                office = self.commune.office
                if not (self.user.sees_all_offices or office.id in self.user.office_ids):
                    self.add_error("office", _("Choisissez un de vos bureaux."))
                cleaned["office"] = office
            if cleaned.get("cpas_support") and not cleaned.get("cpas"):
                cleaned["cpas"] = self.commune.cpas
        return cleaned

    def _check_register_number(self, cleaned: dict[str, Any]) -> None:
        """The number encodes a birth date and a sex: a disagreement with what is typed is
        an error until the caseworker confirms it (when the number, the date or the sex
        is new; an older file is not asked again at each edit)."""
        number, birth, sex = (
            cleaned.get("national_number"),
            cleaned.get("birth_date"),
            cleaned.get("sex") or "",
        )
        instance = self.instance
        if not number or (
            instance.pk
            and (number, birth, sex)
            == (instance.national_number, instance.birth_date, instance.sex)
        ):
            return
        self.number_disagreements = plausible.register_number_disagreements(
            number, birth=birth, sex=sex
        )
        if self.number_disagreements and not cleaned.get("confirm_register_number"):
            self.add_error(
                "national_number",
                " ".join(
                    [
                        *self.number_disagreements,
                        str(
                            _(
                                "Vérifiez le numéro, la date de naissance et le sexe ; s'ils "
                                "sont justes, cochez « Je confirme » sous ce champ."
                            )
                        ),
                    ]
                ),
            )

    @property
    def asks_number_confirmation(self) -> bool:
        return bool(self.number_disagreements)


class ExemptionForm(forms.ModelForm):
    class Meta:
        model = Exemption
        fields = ("code", "proven_on", "valid_until", "proof", "notes")
        widgets = {
            "proven_on": DateInput(),
            "valid_until": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self, *args: Any, beneficiary: Beneficiary, may_see_health: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.beneficiary = beneficiary
        self.instance.beneficiary = beneficiary
        taken = set(beneficiary.exemptions.values_list("code", flat=True))
        code_field = self.fields["code"]
        assert isinstance(code_field, forms.ChoiceField)
        code_field.choices = [("", _("— Choisir —"))] + [
            (code, label)
            for code, label in ExemptionCode.choices
            if code not in taken and (may_see_health or code != ExemptionCode.MEDICAL)
        ]
        self.fields["code"].widget.attrs["class"] = "form-select"
        for name in ("proven_on", "valid_until", "proof", "notes"):
            self.fields[name].widget.attrs["class"] = "form-control"


class ExemptionEndForm(forms.ModelForm):
    """The last day of a recorded exemption (the job, the certificate or the studies ended,
    or will end): from the next day on it no longer counts."""

    class Meta:
        model = Exemption
        fields = ("valid_until",)
        widgets = {"valid_until": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["valid_until"]
        field.required = True
        field.help_text = ""
        field.widget.attrs["class"] = "form-control form-control-sm"


class PermitRenewalForm(forms.ModelForm):
    """A renewal of the permit: recorded apart, it never replaces the first permit order."""

    class Meta:
        model = PermitRenewal
        fields = ("permit_type", "ordered_on", "valid_until")
        widgets = {"ordered_on": DateInput(), "valid_until": DateInput()}

    def __init__(self, *args: Any, beneficiary: Beneficiary, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.beneficiary = beneficiary
        # The model's rules (PermitRenewal.clean) read the first permit of this file.
        self.instance.beneficiary = beneficiary
        self.fields["permit_type"].widget.attrs["class"] = "form-select form-select-sm"
        for name in ("ordered_on", "valid_until"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"


class ConsentForm(forms.Form):
    """A consent the person gives (the file page's « Consentements »)."""

    purpose = forms.ChoiceField(
        label=_("Consentement à"), choices=[("", _("— Choisir —")), *ConsentPurpose.choices]
    )
    recipient = forms.CharField(
        label=_("Opérateur (pour un partage)"),
        required=False,
        max_length=Consent._meta.get_field("recipient").max_length,
        help_text=_("Seulement pour un partage avec un opérateur : son nom."),
    )
    given_on = forms.DateField(label=_("Donné le"), widget=DateInput())
    channel = forms.ChoiceField(
        label=_("Recueilli"), choices=[("", _("— Choisir —")), *ConsentChannel.choices]
    )

    def __init__(self, *args: Any, beneficiary: Beneficiary, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "consent_%s")
        super().__init__(*args, **kwargs)
        self.beneficiary = beneficiary
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field, forms.ChoiceField)
                else "form-control form-control-sm"
            )
            if name == "recipient":
                field.widget.attrs["aria-describedby"] = "consent_recipient_help"
        self.fields["given_on"].widget.attrs["max"] = f"{timezone.localdate():%Y-%m-%d}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None
        purpose, given_on = cleaned.get("purpose"), cleaned.get("given_on")
        recipient = cleaned.get("recipient", "")
        if not purpose:
            return cleaned
        # The model's own rules (dates that have happened, an operator for a sharing only).
        problems = consent_problems(purpose=purpose, recipient=recipient, given_on=given_on)
        if problems:
            self.add_error(None, ValidationError(problems))
            return cleaned
        held = (
            Consent.objects.active()
            .filter(beneficiary=self.beneficiary, purpose=purpose, recipient__iexact=recipient)
            .first()
        )
        if held is not None:
            self.add_error(
                "purpose",
                _("Ce consentement est déjà enregistré (donné le %(date)s) : il tient toujours.")
                % {"date": f"{held.given_on:%d/%m/%Y}"},
            )
        return cleaned


class ConsentWithdrawForm(forms.Form):
    """The person withdraws a consent: when, and how they said it."""

    withdrawn_on = forms.DateField(label=_("Retiré le"), widget=DateInput())
    withdrawn_channel = forms.ChoiceField(
        label=_("Exprimé"), choices=[("", _("— Choisir —")), *ConsentChannel.choices]
    )

    def __init__(self, *args: Any, consent: Consent, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"withdraw_{consent.pk}_%s")
        kwargs.setdefault("initial", {"withdrawn_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.consent = consent
        self.fields["withdrawn_on"].widget.attrs.update(
            {
                "class": "form-control form-control-sm",
                "min": f"{consent.given_on:%Y-%m-%d}",
                "max": f"{timezone.localdate():%Y-%m-%d}",
            }
        )
        self.fields["withdrawn_channel"].widget.attrs["class"] = "form-select form-select-sm"

    def clean_withdrawn_on(self) -> date:
        withdrawn_on: date = self.cleaned_data["withdrawn_on"]
        problems = consent_problems(
            purpose=self.consent.purpose,
            recipient=self.consent.recipient,
            given_on=self.consent.given_on,
            withdrawn_on=withdrawn_on,
        )
        if "withdrawn_on" in problems:
            raise forms.ValidationError(problems["withdrawn_on"])
        return withdrawn_on
