"""Every form of the product, walked: a text says the same maximum in the HTML as in the
model field it fills, and a text too long is refused on its field; every decimal (hours,
amounts) refuses NaN, infinity and a third decimal on its field. The text inputs written
by hand in the templates are held to the same maximum."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.db.models import Field

from attestations.services import AttestationError, attestation_issue, attestation_revoke
from beneficiaries.models import Beneficiary
from beneficiaries.services import consent_record
from cainamur.models import User
from offices.models import Office
from operators.models import Offer, Operator
from operators.services import OrientationError, orientation_move, orientation_propose
from parcours.services import PathError, axis_set_operator, hours_record, parcours_change_status
from tests.conftest import PROJECT_APPS
from tests.factories import BeneficiaryFactory, complete_path, obliged_file


@dataclass(frozen=True)
class NoRule:
    """Why a text input fills no model field (a look-up, a code, a password...)."""

    why: str


#: Text fields of the forms that are not a ModelForm's own field: the model field each
#: one fills (same maximum), or why none. A ModelForm's own fields are checked against
#: their model field without being listed.
TEXT_FIELDS: dict[str, str | NoRule] = {
    "beneficiaries.forms.BeneficiaryForm.national_number": NoRule(
        "typed with dots and dashes (85.07.30-033.28), kept as its 11 digits, encrypted"
    ),
    "beneficiaries.forms.BeneficiaryForm.postal_code": "beneficiaries.Beneficiary.postal_code",
    "beneficiaries.forms.ConsentForm.recipient": "beneficiaries.Consent.recipient",
    "parcours.forms.ConventionForm.amendment_reason": "parcours.Convention.amendment_reason",
    "parcours.forms.HoursForm.note": "parcours.HoursEntry.note",
    "parcours.forms.StatusForm.reason": "parcours.Suspension.reason",
    "compliance.forms.SentForm.sent_to": "compliance.NonCompliance.sent_to",
    "compliance.forms.SentForm.sent_reference": "compliance.NonCompliance.sent_reference",
    "compliance.forms.OutcomeForm.note": "compliance.NonCompliance.outcome_note",
    "attestations.forms.ReasonForm.reason": "attestations.Attestation.revocation_reason",
    "attestations.forms.RecipientEmailForm.email": "beneficiaries.Commune.population_email",
    "attestations.forms.VerifyForm.number": NoRule(
        "the number printed on an attestation, looked up (spaces removed), never stored"
    ),
    "attestations.forms.VerifyForm.code": NoRule(
        "the code printed under the QR code, compared, never stored"
    ),
    "appointments.forms.BookForm.slot": NoRule(
        "the slot the page offered (staff and start), parsed, never stored as typed"
    ),
    "appointments.forms.BookForm.notes": "appointments.Appointment.notes",
    "appointments.forms.BookForm.reason": "appointments.Appointment.reason",
    "appointments.forms.ReasonForm.reason": "appointments.Appointment.reason",
    "reception.forms.AttemptForm.note": "reception.CallbackAttempt.note",
    "reception.forms.ArrivalForm.file_number": "beneficiaries.Beneficiary.file_number",
    "reception.forms.ArrivalForm.name": "reception.QueueTicket.name",
    "reception.forms.ArrivalForm.phone": "reception.QueueTicket.phone",
    "reception.forms.OutcomeForm.note": "reception.QueueTicket.note",
    "rights.forms.LegalHoldForm.reason": "rights.LegalHold.reason",
    "rights.forms.AnonymiseForm.file_number": "beneficiaries.Beneficiary.file_number",
    "cainamur.second_factor_views.CodeForm.code": NoRule("a one-time code, never stored"),
    "bulk.forms.BulkForm.selection": NoRule(
        "the ids of the files selected (hidden), each checked against the user's files"
    ),
    "cainamur.admin.StaffCreationForm.password1": NoRule("a password, stored hashed"),
    "cainamur.admin.StaffCreationForm.password2": NoRule("the password again, compared"),
}

TEXT_INPUT_TYPES = frozenset({"text", "email", "url", "search", "tel", "password"})


def project_forms() -> list[type[forms.BaseForm]]:
    """Every form class defined in the project's packages (migrations and management
    commands aside), except a ModelForm without a model (a mixin) or on a swapped model
    (the admin's forms for the staff, which the admin builds on ``cainamur.User``)."""
    found: dict[str, type[forms.BaseForm]] = {}
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for module_info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if {"migrations", "management"} & set(module_info.name.split(".")):
                continue
            module = importlib.import_module(module_info.name)
            for obj in vars(module).values():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, forms.BaseForm)
                    and obj.__module__.split(".")[0] in PROJECT_APPS
                    and not (
                        issubclass(obj, forms.BaseModelForm)
                        and (
                            obj._meta.model is None  # type: ignore[attr-defined]
                            or obj._meta.model._meta.swapped  # type: ignore[attr-defined]
                        )
                    )
                ):
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[name] for name in sorted(found)]


@pytest.fixture
def constructors(caseworker: User) -> dict[str, Callable[[], dict[str, Any]]]:
    """What each form needs besides its data (the forms not listed need nothing)."""
    person = BeneficiaryFactory()
    consent = consent_record(
        beneficiary=person,
        purpose="sms_reminders",
        recipient="",
        given_on=person.created_at.date(),
        channel="paper",
        by=caseworker,
    )
    return {
        "beneficiaries.forms.BeneficiaryForm": lambda: {"user": caseworker},
        "beneficiaries.forms.ExemptionForm": lambda: {
            "beneficiary": person,
            "may_see_health": True,
        },
        "beneficiaries.forms.PermitRenewalForm": lambda: {"beneficiary": person},
        "beneficiaries.forms.ConsentForm": lambda: {"beneficiary": person},
        "beneficiaries.forms.ConsentWithdrawForm": lambda: {"consent": consent},
        "parcours.forms.HoursForm": lambda: {"axes": [], "user": caseworker},
        "parcours.forms.StatusForm": lambda: {"actions": []},
        "parcours.forms.ForceMajeureForm": lambda: {"beneficiary": person},
        "appointments.forms.SlotSearchForm": lambda: {"offices": Office.objects.all()},
        "reception.forms.CallbackForm": lambda: {"offices": Office.objects.all()},
        "reception.forms.ArrivalForm": lambda: {"files": Beneficiary.objects.all()},
        "rights.forms.AnonymiseForm": lambda: {"expected": person.file_number},
        "reporting.forms.PilotageForm": lambda: {"user": caseworker, "today": date.today()},  # noqa: DTZ011
        "imports.forms.ColumnsForm": lambda: {"headers": ["Nom", "Prénom", "Sexe"]},
        "bulk.forms.BulkForm": lambda: {
            "user": caseworker,
            "kind": "invite",
            "office_ids": set(caseworker.office_ids),
        },
    }


def _name(form_class: type[forms.BaseForm]) -> str:
    return f"{form_class.__module__}.{form_class.__qualname__}"


def _build(
    form_class: type[forms.BaseForm],
    constructors: dict[str, Callable[[], dict[str, Any]]],
    data: dict[str, Any] | None = None,
) -> forms.BaseForm:
    kwargs = constructors.get(_name(form_class), dict)()
    try:
        return form_class(data, **kwargs) if data is not None else form_class(**kwargs)
    except TypeError as error:
        raise AssertionError(
            f"{_name(form_class)} needs arguments: add them to the constructors fixture"
        ) from error


def _is_text(field: forms.Field) -> bool:
    widget = field.widget
    return isinstance(field, forms.CharField) and (
        isinstance(widget, forms.Textarea)
        or getattr(widget, "input_type", None) in TEXT_INPUT_TYPES
    )


def _model_field(path: str) -> Field[Any, Any]:
    label, name = path.rsplit(".", 1)
    field = apps.get_model(label)._meta.get_field(name)
    assert isinstance(field, Field), path
    return field


def text_fields(
    form: forms.BaseForm,
) -> Iterator[tuple[str, Field[Any, Any] | NoRule]]:
    """Each text field of the form with the model field it fills, or why none."""
    form_name = _name(type(form))
    model = form._meta.model if isinstance(form, forms.BaseModelForm) else None  # type: ignore[attr-defined]
    for name, field in form.fields.items():
        if not _is_text(field):
            continue
        listed = TEXT_FIELDS.get(f"{form_name}.{name}")
        if listed is not None:
            yield name, listed if isinstance(listed, NoRule) else _model_field(listed)
            continue
        assert model is not None and name in {f.name for f in model._meta.get_fields()}, (
            f"{form_name}.{name}: a text field filling no model field of its form — "
            "name the model field it fills in TEXT_FIELDS, or say why none"
        )
        yield name, _model_field(f"{model._meta.label}.{name}")


def _html_maxlength(form: forms.BaseForm, name: str) -> int | None:
    found = re.search(r'maxlength="(\d+)"', str(form[name]))
    return int(found.group(1)) if found else None


def test_the_walk_finds_the_forms() -> None:
    names = {_name(form) for form in project_forms()}
    assert {
        "beneficiaries.forms.BeneficiaryForm",
        "parcours.forms.HoursForm",
        "reception.forms.ArrivalForm",
        "operators.views.OfferSearchForm",
    } <= names


@pytest.mark.django_db
def test_the_table_names_real_fields(constructors: dict[str, Callable[[], Any]]) -> None:
    forms_by_name = {_name(form): form for form in project_forms()}
    for key, target in TEXT_FIELDS.items():
        form_name, field_name = key.rsplit(".", 1)
        assert form_name in forms_by_name, f"stale entry: {key}"
        assert field_name in _build(forms_by_name[form_name], constructors).fields, key
        if not isinstance(target, NoRule):
            _model_field(target)


@pytest.mark.parametrize("form_class", project_forms(), ids=_name)
def test_a_text_says_the_models_maximum_and_refuses_more_on_its_field(
    form_class: type[forms.BaseForm], constructors: dict[str, Callable[[], Any]]
) -> None:
    form = _build(form_class, constructors)
    for name, target in text_fields(form):
        html = _html_maxlength(form, name)
        if not isinstance(target, NoRule):
            assert html == target.max_length, (
                f"{_name(form_class)}.{name}: maxlength {html} in the HTML, "
                f"{target.max_length} in {target.model._meta.label}.{target.name}"
            )
        if html is None:
            continue
        bound = _build(form_class, constructors, data={form.add_prefix(name): "x" * (html + 1)})
        assert not bound.is_valid()
        errors = [str(e) for e in bound.errors.get(name, [])]
        assert any(str(html) in e for e in errors), (
            f"{_name(form_class)}.{name}: {html + 1} characters should be refused on the "
            f"field, saying the maximum; errors: {bound.errors}"
        )


@pytest.mark.parametrize("form_class", project_forms(), ids=_name)
@pytest.mark.parametrize("typed", ["NaN", "Infinity", "-Infinity", "2.125", "1e400"])
def test_a_decimal_is_finite_with_two_decimals_at_most(
    form_class: type[forms.BaseForm], typed: str, constructors: dict[str, Callable[[], Any]]
) -> None:
    form = _build(form_class, constructors)
    for name, field in form.fields.items():
        if not isinstance(field, forms.DecimalField):
            continue
        assert field.decimal_places is not None and field.decimal_places <= 2, name
        bound = _build(form_class, constructors, data={form.add_prefix(name): typed})
        assert not bound.is_valid() and bound.errors.get(name), f"{_name(form_class)}.{name}"


# --- Text inputs written by hand in the templates -------------------------------------------

#: Each hand-written text input or textarea (template, name): the model field it fills,
#: or why none. Search boxes and read-only inputs are left out.
TEMPLATE_INPUTS: dict[tuple[str, str], str | NoRule] = {
    ("appointments/online_detail.html", "message"): "appointments.OnlineBooking.message",
    ("public/book_office.html", "code_postal"): "appointments.OnlineBooking.postal_code",
    ("attestations/_file.html", "reason"): "attestations.Attestation.revocation_reason",
    ("attestations/dispatches.html", "email"): "beneficiaries.Commune.population_email",
    ("reception/_queue.html", "note"): "reception.QueueTicket.note",
    ("reception/_queue.html", "file_number"): "beneficiaries.Beneficiary.file_number",
    ("operators/report.html", "h_{{ o.pk }}"): NoRule(
        "hours, a number (checked by plausible.hours_amount in the service)"
    ),
    ("operators/_file.html", "reason"): "operators.Orientation.reason",
    ("home/read_log.html", "dossier"): NoRule("a filter of the read log, never stored"),
    ("home/read_log.html", "personne"): NoRule("a filter of the read log, never stored"),
    ("home/file.html", "reason"): "rights.LegalHold.reason",
    ("parcours/_panel.html", "operator"): "parcours.Axis.operator",
    ("parcours/_panel.html", "reason"): "parcours.Suspension.reason",
    ("appointments/agenda.html", "reason"): "appointments.Appointment.reason",
}

TAG = re.compile(r"<(input|textarea)\b([^>]*)>", re.IGNORECASE)
SKIPPED_TYPES = frozenset(
    {"hidden", "checkbox", "radio", "submit", "button", "date", "file", "number", "search"}
)


def hand_written_inputs() -> Iterator[tuple[str, str, str]]:
    """(template, name, attributes) of each text input or textarea in the templates."""
    root = Path(settings.BASE_DIR) / "templates"
    for path in sorted(root.rglob("*.html")):
        for tag, attributes in TAG.findall(path.read_text()):
            kind = re.search(r'\btype="([^"]+)"', attributes)
            if tag.lower() == "input" and kind and kind.group(1) in SKIPPED_TYPES:
                continue
            if re.search(r"\breadonly\b", attributes):
                continue
            name = re.search(r'\bname="([^"]+)"', attributes)
            yield str(path.relative_to(root)), name.group(1) if name else "", attributes


def test_hand_written_inputs_say_the_models_maximum() -> None:
    seen = set()
    for template, name, attributes in hand_written_inputs():
        key = (template, name)
        seen.add(key)
        assert key in TEMPLATE_INPUTS, (
            f"{template}: a text input « {name} » — give it the maxlength of the model "
            "field it fills and list it in TEMPLATE_INPUTS (or say why none)"
        )
        target = TEMPLATE_INPUTS[key]
        if isinstance(target, NoRule):
            continue
        found = re.search(r'\bmaxlength="(\d+)"', attributes)
        assert found and int(found.group(1)) == _model_field(target).max_length, (
            f"{template} « {name} »: maxlength {found.group(1) if found else None}, "
            f"{_model_field(target).max_length} in {target}"
        )
    assert not TEMPLATE_INPUTS.keys() - seen, f"stale: {TEMPLATE_INPUTS.keys() - seen}"


# --- The services refuse a text too long (never cut it, never a database error) -------------


def test_services_refuse_a_text_longer_than_its_field(caseworker: User) -> None:
    person = obliged_file(caseworker)
    parcours = complete_path(person, caseworker)
    axis = parcours.axes.get(kind="citizenship")
    with pytest.raises(PathError, match="Au plus 300 caractères"):
        hours_record(
            axis=axis, on=date(2026, 5, 4), hours=Decimal("-1"), by=caseworker, note="x" * 301
        )
    with pytest.raises(PathError, match="Au plus 200 caractères"):
        axis_set_operator(axis=axis, operator="x" * 201, by=caseworker)
    with pytest.raises(PathError, match="Au plus 300 caractères"):
        parcours_change_status(parcours=parcours, to="suspended", by=caseworker, reason="x" * 301)
    attestation = attestation_issue(parcours=parcours, by=caseworker)
    with pytest.raises(AttestationError, match="Au plus 1000 caractères"):
        attestation_revoke(attestation=attestation, by=caseworker, reason="x" * 1001)
    operator = Operator.objects.create(name="ILI", kind="ili", families=["french"])
    offer = Offer.objects.create(operator=operator, title="FLE", axis="french", capacity=1)
    orientation = orientation_propose(beneficiary=person, offer=offer, by=caseworker)
    with pytest.raises(OrientationError, match="Au plus 300 caractères"):
        orientation_move(orientation=orientation, to="refused", by=caseworker, reason="x" * 301)
    parcours.refresh_from_db()
    attestation.refresh_from_db()
    orientation.refresh_from_db()
    assert (parcours.status, attestation.status, orientation.status) == (
        "attestation_issued",
        "valid",
        "proposed",
    )
