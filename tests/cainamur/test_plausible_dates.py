"""Every date of the product is plausible: each ``DateField`` of each model is listed here
with the rule its forms and services apply (``cainamur/lib/plausible.py``), or why none
applies. A new date field fails this test until it is placed in the table; then, for one
field of each kind of rule, the form says it on the field and the service refuses it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pghistory.models
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from beneficiaries.forms import BeneficiaryForm, ExemptionForm, PermitRenewalForm
from beneficiaries.models import Beneficiary, Commune
from beneficiaries.services import (
    beneficiary_register,
    exemption_record,
    permit_renewal_record,
)
from cainamur.lib import plausible
from cainamur.lib.plausible import (
    AFTER,
    BIRTH_DATE,
    NOT_RETROACTIVE,
    PAST_OR_TODAY,
    WITHIN_A_YEAR,
    WITHIN_OFFER,
)
from cainamur.models import User
from offices.models import Office
from operators import services as orientations
from operators.models import Offer, Operator
from parcours.forms import ConventionForm, EvaluationForm, HoursForm
from parcours.models import Parcours
from parcours.services import (
    PathError,
    convention_sign,
    evaluation_record,
    hours_record,
    obligation_assess,
)
from tests.conftest import PROJECT_APPS
from tests.factories import obliged_file, signed_path


@dataclass(frozen=True)
class NoRule:
    """Why no plausibility rule applies to a date (set by the system, planned ahead...)."""

    why: str


COMPUTED = NoRule("computed by the rules or the services from other dates, never typed")
SYSTEM_TODAY = NoRule("set by the service to the day it runs (today), never typed")

#: Every DateField of the project's models: the rules its forms and services apply.
DATE_FIELDS: dict[str, tuple[str, ...] | NoRule] = {
    "offices.Closure.start_on": NoRule(
        "a closure is planned ahead (future dates are its point), entered in the admin"
    ),
    "offices.Closure.end_on": NoRule("the end of a planned closure, as its start"),
    "reception.QueueTicket.on": SYSTEM_TODAY,
    "beneficiaries.Beneficiary.birth_date": (BIRTH_DATE,),
    "beneficiaries.Beneficiary.stay_started_on": (PAST_OR_TODAY, AFTER),
    "beneficiaries.Beneficiary.presented_on": (PAST_OR_TODAY,),
    "beneficiaries.Beneficiary.first_registration_on": (PAST_OR_TODAY, AFTER),
    "beneficiaries.Beneficiary.permit_ordered_on": (PAST_OR_TODAY, AFTER),
    "beneficiaries.Beneficiary.permit_issued_on": (PAST_OR_TODAY, AFTER),
    "beneficiaries.Beneficiary.permit_valid_until": (AFTER,),
    "beneficiaries.Beneficiary.presentation_deadline": COMPUTED,
    "beneficiaries.Exemption.proven_on": (PAST_OR_TODAY, NOT_RETROACTIVE),
    "beneficiaries.Exemption.valid_until": (AFTER,),
    "beneficiaries.PermitRenewal.ordered_on": (PAST_OR_TODAY, AFTER),
    "beneficiaries.PermitRenewal.valid_until": (AFTER,),
    "beneficiaries.Consent.given_on": (PAST_OR_TODAY,),
    "beneficiaries.Consent.withdrawn_on": (PAST_OR_TODAY, AFTER),
    "parcours.RulesConfig.regime_2024_start": NoRule(
        "a legal setting the administrator enters; a regime may be announced ahead"
    ),
    "parcours.ObligationAssessment.assessed_on": NoRule(
        "the day the rules ran for (today, or the nightly run's day)"
    ),
    "parcours.ObligationAssessment.regime_2024_start": NoRule(
        "a copy of the setting the rules applied"
    ),
    "parcours.ObligationAssessment.presentation_deadline": COMPUTED,
    "parcours.ObligationAssessment.attestation_deadline": COMPUTED,
    "parcours.Parcours.opened_on": (PAST_OR_TODAY,),
    "parcours.Parcours.closed_on": SYSTEM_TODAY,
    "parcours.Parcours.presentation_deadline": COMPUTED,
    "parcours.Parcours.attestation_deadline": COMPUTED,
    "parcours.WelcomeModule.social_assessment_on": (PAST_OR_TODAY,),
    "parcours.WelcomeModule.rights_duties_on": (PAST_OR_TODAY,),
    "parcours.WelcomeModule.french_test_on": (PAST_OR_TODAY,),
    "parcours.Convention.start_on": (WITHIN_A_YEAR,),
    "parcours.Convention.signed_on": (PAST_OR_TODAY,),
    "parcours.Axis.started_on": NoRule(
        "set by the services: the first hours, or the start of the offer the person is "
        "enrolled in (which may lie ahead)"
    ),
    "parcours.Axis.completed_on": NoRule("the day of the line that completes the axis"),
    "parcours.HoursEntry.on": (PAST_OR_TODAY, AFTER, WITHIN_OFFER),
    "parcours.Extension.decided_on": (PAST_OR_TODAY,),
    "parcours.Extension.new_end_on": (AFTER,),
    "parcours.Suspension.start_on": NoRule(
        "a personal suspension starts the day it is recorded (the service); a general one "
        "(e.g. 18 March 2020) is the Region's decision, entered in the admin"
    ),
    "parcours.Suspension.end_on": NoRule(
        "open (31/12/9999) until the path resumes, then the day before; the database keeps "
        "it after the start"
    ),
    "parcours.Evaluation.due_on": COMPUTED,
    "parcours.Evaluation.held_on": (PAST_OR_TODAY,),
    "parcours.EvaluationInvitation.sent_on": (PAST_OR_TODAY,),
    "parcours.ForceMajeure.start_on": (PAST_OR_TODAY,),
    "parcours.ForceMajeure.end_on": (AFTER, WITHIN_A_YEAR),
    "operators.Offer.start_on": NoRule("an offer is planned ahead, entered in the admin"),
    "operators.Offer.end_on": NoRule(
        "planned ahead as its start; the database keeps it after the start"
    ),
    "operators.ReportSubmission.period_start": (WITHIN_OFFER,),
    "operators.ReportSubmission.period_end": (PAST_OR_TODAY, WITHIN_OFFER),
    "attestations.Attestation.issued_on": SYSTEM_TODAY,
    "compliance.NonCompliance.breach_on": COMPUTED,
    "compliance.NonCompliance.sent_on": (PAST_OR_TODAY,),
    "compliance.NonCompliance.outcome_on": (PAST_OR_TODAY,),
    "reporting.ActivityReport.period_start": NoRule(
        "copied from the dashboard's period, checked by its form (reporting/periods.py: from "
        "2016, not starting after today, at most five years)"
    ),
    "reporting.ActivityReport.period_end": NoRule("the end of that checked period"),
    "reporting.HoursSummary.start": NoRule(
        "the first day of a month, quarter or year of a ledger line's date, written by a "
        "database trigger (reporting migration 0002), never typed"
    ),
    "reporting.AppointmentDay.day": NoRule(
        "the day an appointment starts, written by a database trigger (reporting migration "
        "0004), never typed"
    ),
    **{
        f"reporting.FileFacts.{name}": NoRule(
            "a copy of the file's own date (checked there), written by a database trigger "
            "(reporting migration 0005), never typed"
        )
        for name in ("birth_date", "presented_on", "presentation_deadline")
    },
}


def project_date_fields() -> set[str]:
    """``app.Model.field`` of every DateField (not DateTimeField: timestamps the system
    sets) of the project's models; the history tables pghistory derives are left out."""
    found = set()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or issubclass(model, pghistory.models.Event):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
                found.add(f"{model._meta.label}.{field.name}")
    return found


def test_every_date_field_has_its_rule_or_says_why_not() -> None:
    fields = project_date_fields()
    missing = sorted(fields - DATE_FIELDS.keys())
    stale = sorted(DATE_FIELDS.keys() - fields)
    assert not missing, f"Date fields without a plausibility rule in the table: {missing}"
    assert not stale, f"The table names date fields that no longer exist: {stale}"


def test_the_table_names_only_known_rules_and_gives_reasons() -> None:
    for name, entry in DATE_FIELDS.items():
        if isinstance(entry, NoRule):
            assert entry.why.strip(), name
        else:
            assert entry, name
            unknown = set(entry) - plausible.DATE_RULES.keys()
            assert not unknown, f"{name}: unknown rules {unknown}"


# --- For each kind of rule, one field: the form says it, the service refuses it -----------


def tomorrow() -> date:
    """Read when the test runs (not when it is collected: a run may cross midnight)."""
    return timezone.localdate() + timedelta(days=1)


def _signed_path(by: User) -> Parcours:
    """A path under convention since 16 March 2026 (60 h citizenship, 400 h French)."""
    parcours: Parcours = signed_path(obliged_file(by), by, french_hours=Decimal("400"))
    return parcours


def past_or_today(caseworker: User, **_: Any) -> None:
    """Hours of tomorrow: the hours form, the ledger; a proof of tomorrow: the exemption
    form, its service; an interview of tomorrow: the evaluation form, its service."""
    parcours = _signed_path(caseworker)
    axis = parcours.axes.get(kind="citizenship")
    form = HoursForm(
        {"axis": axis.pk, "on": tomorrow().isoformat(), "hours": "3"}, axes=[axis], user=caseworker
    )
    assert not form.is_valid() and "futur" in form.errors["on"][0]
    with pytest.raises(PathError, match="futur"):
        hours_record(axis=axis, on=tomorrow(), hours=Decimal("3"), by=caseworker)

    person = parcours.beneficiary
    exemption = ExemptionForm(
        {"code": "employment", "proven_on": tomorrow().isoformat()},
        beneficiary=person,
        may_see_health=True,
    )
    assert not exemption.is_valid() and "futur" in exemption.errors["proven_on"][0]
    with pytest.raises(ValidationError, match="futur"):
        exemption_record(beneficiary=person, code="employment", proven_on=tomorrow(), by=caseworker)

    evaluation = parcours.evaluations.get(held_on__isnull=True)
    interview = EvaluationForm(
        {"held_on": tomorrow().isoformat(), "presence": "present"}, instance=evaluation
    )
    assert not interview.is_valid() and "futur" in interview.errors["held_on"][0]
    with pytest.raises(ValidationError, match="futur"):
        evaluation_record(
            evaluation=evaluation,
            held_on=tomorrow(),
            attended=True,
            absences="",
            programme_changes="",
            notes="",
            by=caseworker,
        )
    assert not parcours.evaluations.filter(held_on__isnull=False).exists()


def birth_date(caseworker: User, **_: Any) -> None:
    """Born in 1900 or tomorrow: the file form, the registration."""
    for born in (date(1900, 1, 1), tomorrow()):
        form = BeneficiaryForm(
            {
                "last_name": "Haddad",
                "first_names": "Amina",
                "sex": "F",
                "birth_date": born.isoformat(),
                "nationality": "MA",
                "postal_code": "5000",
            },
            user=caseworker,
        )
        assert not form.is_valid() and "birth_date" in form.errors
        with pytest.raises(ValidationError) as refused:
            beneficiary_register(
                data={
                    "last_name": "Haddad",
                    "first_names": "Amina",
                    "sex": "F",
                    "birth_date": born,
                    "nationality": "MA",
                    "commune": Commune.objects.get(name="Namur"),
                    "office": Office.objects.get(code="namur"),
                },
                by=caseworker,
            )
        assert "birth_date" in refused.value.message_dict
    assert not Beneficiary.objects.filter(last_name="Haddad").exists()


def after(caseworker: User, **_: Any) -> None:
    """A renewal valid until before its order: the renewal form, its service."""
    person = obliged_file(caseworker)
    form = PermitRenewalForm(
        {"permit_type": "A", "ordered_on": "2026-06-01", "valid_until": "2026-05-01"},
        beneficiary=person,
    )
    assert not form.is_valid() and "suit la commande" in form.errors["valid_until"][0]
    with pytest.raises(ValidationError, match="suit la commande"):
        permit_renewal_record(
            beneficiary=person,
            permit_type="A",
            ordered_on=date(2026, 6, 1),
            valid_until=date(2026, 5, 1),
            by=caseworker,
        )
    assert not person.permit_renewals.exists()


def within_a_year(caseworker: User, **_: Any) -> None:
    """A convention starting two years after its signature: the form, the signature."""
    parcours = _signed_path(caseworker)
    data = {
        "signed_on": "2026-04-01",
        "start_on": "2028-04-01",
        "citizenship_hours": "60",
        "french_hours": "400",
        "orientation_hours": "4",
        "amendment_reason": "Changement",
    }
    form = ConventionForm(data)
    assert not form.is_valid() and "Plus d'un an" in form.errors["start_on"][0]
    with pytest.raises(ValidationError, match="Plus d'un an"):
        convention_sign(
            parcours=parcours,
            signed_on=date(2026, 4, 1),
            start_on=date(2028, 4, 1),
            by=caseworker,
            citizenship_hours=Decimal("60"),
            french_required=False,
            french_hours=Decimal("400"),
            orientation_required=False,
            orientation_hours=Decimal("4"),
            amendment_reason="Changement",
        )
    assert parcours.conventions.count() == 1


def within_offer(caseworker: User, coordinator: User, client: Any, **_: Any) -> None:
    """An operator declaring hours before its offer started: the page, the service."""
    parcours = _signed_path(caseworker)
    person = parcours.beneficiary
    operator = Operator.objects.create(name="ILI Namur", kind="ili", families=["citizenship"])
    today = timezone.localdate()
    offer = Offer.objects.create(
        operator=operator,
        title="Citoyenneté",
        axis="citizenship",
        capacity=10,
        start_on=today - timedelta(days=10),
        end_on=today + timedelta(days=60),
    )
    offer.communes.set(Commune.objects.filter(name="Namur"))
    orientation = orientations.orientation_propose(beneficiary=person, offer=offer, by=caseworker)
    orientations.orientation_move(orientation=orientation, to="enrolled", by=caseworker)
    link, token = orientations.link_create(offer=offer, by=coordinator)
    early = today - timedelta(days=20)
    page = client.post(
        reverse("operators:report", args=[token]),
        {
            "period_start": early.isoformat(),
            "period_end": today.isoformat(),
            f"h_{orientation.pk}": "6",
        },
    )
    assert page.status_code == 400 and "dates de la formation" in page.content.decode()
    with pytest.raises(orientations.OrientationError, match="dates de la formation"):
        orientations.report_submit(
            link=link,
            period_start=early,
            period_end=today,
            lines={orientation.pk: (Decimal("6"), False)},
            ip="127.0.0.1",
        )
    assert not parcours.axes.get(kind="citizenship").hours.exists()


def not_retroactive(caseworker: User, **_: Any) -> None:
    """A proof dated 1 March makes the person exempt from 1 March on, not before."""
    person = obliged_file(caseworker)
    form = ExemptionForm(
        {"code": "employment", "proven_on": "2026-03-01"}, beneficiary=person, may_see_health=True
    )
    assert form.is_valid(), form.errors  # a past proof is plausible
    exemption_record(
        beneficiary=person, code="employment", proven_on=date(2026, 3, 1), by=caseworker
    )
    before = obligation_assess(
        beneficiary=person, by=caseworker, trigger="test", on=date(2026, 2, 28)
    )
    since = obligation_assess(
        beneficiary=person, by=caseworker, trigger="test", on=date(2026, 3, 1)
    )
    assert before.status == "obliged" and since.status == "exempt"


#: One case per kind of rule the table uses.
CASES: dict[str, Callable[..., None]] = {
    PAST_OR_TODAY: past_or_today,
    BIRTH_DATE: birth_date,
    AFTER: after,
    WITHIN_A_YEAR: within_a_year,
    WITHIN_OFFER: within_offer,
    NOT_RETROACTIVE: not_retroactive,
}


def test_each_kind_of_rule_has_its_case() -> None:
    used = {
        rule for entry in DATE_FIELDS.values() if not isinstance(entry, NoRule) for rule in entry
    }
    assert used <= CASES.keys() and set(plausible.DATE_RULES) == CASES.keys()


@pytest.mark.parametrize("rule", sorted(CASES))
def test_the_form_and_the_service_refuse_an_implausible_date(
    rule: str, caseworker: User, coordinator: User, client: Any
) -> None:
    CASES[rule](caseworker=caseworker, coordinator=coordinator, client=client)
