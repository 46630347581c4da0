"""The public pages' forms, in the person's language. Robots are kept out without any
third party: a field people never see (a honeypot) must stay empty, and the form must
come back no sooner than ``CAI_PUBLIC_MIN_SECONDS`` after it was shown (a signed time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone
from stdnum.be import bis, nn

from appointments import slots
from beneficiaries.contact_languages import CONTACT_LANGUAGES, person_text
from cainamur.lib.localtime import BRUSSELS
from cainamur.lib.phones import phone_normalise
from offices.models import Office

SIGNER_SALT = "public-form-shown"
#: A form older than this must be shown again (its slots may be gone anyway).
MAX_AGE = 4 * 60 * 60
LANGUAGE_CHOICES = [(language.code, language.name) for language in CONTACT_LANGUAGES]


def shown_now() -> str:
    return signing.TimestampSigner(salt=SIGNER_SALT).sign(str(int(timezone.now().timestamp())))


def styled(form: forms.Form) -> None:
    """Bootstrap's classes on each widget (the templates render plain fields)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class GuardedForm(forms.Form):
    """A public form with its honeypot and its signed display time."""

    # Hidden from people (CSS and aria-hidden); a robot filling every field fills it.
    website = forms.CharField(
        label=person_text("Ne remplissez pas ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shown"].initial = shown_now()
        self.robot = False
        styled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            self.robot = True
            raise forms.ValidationError(
                person_text("Votre envoi n'a pas pu être accepté. Réessayez."), code="robot"
            )
        try:
            shown = int(
                signing.TimestampSigner(salt=SIGNER_SALT).unsign(
                    data.get("shown", ""), max_age=MAX_AGE
                )
            )
        except (signing.BadSignature, ValueError):
            raise forms.ValidationError(
                person_text(
                    "Cette page était ouverte depuis trop longtemps : vérifiez et envoyez."
                ),
                code="stale",
            ) from None
        if timezone.now().timestamp() - shown < settings.CAI_PUBLIC_MIN_SECONDS:
            self.robot = True
            raise forms.ValidationError(
                person_text("Envoi trop rapide : vérifiez vos réponses et envoyez à nouveau."),
                code="too_fast",
            )
        return data


def _phone(raw: str) -> str:
    try:
        return phone_normalise(raw)
    except forms.ValidationError:
        raise forms.ValidationError(
            person_text("Ce numéro de téléphone n'est pas valide (par exemple 0471 23 45 67)."),
            code="phone",
        ) from None


class ContactFields(forms.Form):
    first_names = forms.CharField(label=person_text("Prénom(s)"), max_length=150)
    last_name = forms.CharField(label=person_text("Nom"), max_length=150)
    phone = forms.CharField(
        label=person_text("Numéro de téléphone (GSM)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(label=person_text("Votre langue"), choices=LANGUAGE_CHOICES)
    interpreter = forms.BooleanField(
        label=person_text("J'ai besoin d'un·e interprète"), required=False
    )

    def clean_phone(self) -> str:
        return _phone(self.cleaned_data.get("phone", ""))


class BookingForm(GuardedForm, ContactFields):
    slot = forms.ChoiceField(
        label=person_text("Choisissez un moment"), widget=forms.RadioSelect, choices=()
    )
    email = forms.EmailField(
        label=person_text("Adresse e-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    sms = forms.BooleanField(
        label=person_text("Recevoir la confirmation et le rappel par SMS"),
        required=False,
        initial=True,
    )
    national_number = forms.CharField(
        label=person_text("Numéro de registre national ou BIS (si vous le connaissez)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    field_order = [
        "slot",
        "first_names",
        "last_name",
        "phone",
        "sms",
        "email",
        "language",
        "interpreter",
        "national_number",
    ]

    def __init__(self, *args: Any, offered: list[slots.Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = offered
        field = self.fields["slot"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(slot_value(s.start), s.start.isoformat()) for s in offered]
        field.error_messages["invalid_choice"] = person_text(
            "Ce moment n'est plus libre : choisissez-en un autre."
        )

    def clean_slot(self) -> datetime:
        return datetime.fromisoformat(self.cleaned_data["slot"])

    def clean_national_number(self) -> str:
        raw = "".join(c for c in self.cleaned_data.get("national_number", "") if c.isdigit())
        if raw and not (nn.is_valid(raw) or bis.is_valid(raw)):
            raise forms.ValidationError(
                person_text("Ce numéro n'est pas valide : vérifiez-le ou laissez la case vide."),
                code="register_number",
            )
        return raw

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not (data.get("phone") or data.get("email")):
            self.add_error(
                "phone",
                person_text(
                    "Donnez un numéro de téléphone ou une adresse e-mail pour la confirmation."
                ),
            )
        return data


def slot_value(start: datetime) -> str:
    return timezone.localtime(start, BRUSSELS).isoformat()


class CallbackForm(GuardedForm, ContactFields):
    office = forms.ModelChoiceField(
        label=person_text("Le bureau le plus proche de chez vous"),
        queryset=Office.objects.none(),
        empty_label=None,
    )
    subject = forms.CharField(
        label=person_text("Quand pouvons-nous vous appeler ? Pour quelle question ?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = [
        "office",
        "first_names",
        "last_name",
        "phone",
        "language",
        "interpreter",
        "subject",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = True
        office = self.fields["office"]
        assert isinstance(office, forms.ModelChoiceField)
        office.queryset = Office.objects.filter(is_active=True)


class RenewForm(GuardedForm):
    contact = forms.CharField(
        label=person_text("Votre numéro de téléphone ou votre adresse e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "tel email"}),
    )

    def clean_contact(self) -> dict[str, str]:
        raw = self.cleaned_data["contact"].strip()
        if "@" in raw:
            try:
                forms.EmailField().clean(raw)
            except forms.ValidationError:
                raise forms.ValidationError(
                    person_text("Cette adresse e-mail n'est pas valide."), code="email"
                ) from None
            return {"email": raw.lower()}
        return {"phone": _phone(raw)}


class SlotForm(forms.Form):
    """Moving an appointment: another moment at the same office."""

    slot = forms.ChoiceField(
        label=person_text("Choisissez un autre moment"), widget=forms.RadioSelect, choices=()
    )

    def __init__(self, *args: Any, offered: list[slots.Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = offered
        field = self.fields["slot"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(slot_value(s.start), s.start.isoformat()) for s in offered]
        field.error_messages["invalid_choice"] = person_text(
            "Ce moment n'est plus libre : choisissez-en un autre."
        )

    def clean_slot(self) -> datetime:
        return datetime.fromisoformat(self.cleaned_data["slot"])
