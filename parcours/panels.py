"""The file page's obligation and path panel (composed by ``home``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from beneficiaries.models import Beneficiary, ExemptionCode
from cainamur.models import User
from cainamur.permissions import EDIT_ROLES, may_see_health
from parcours import path_rules, rules
from parcours.forms import (
    ConventionForm,
    EvaluationForm,
    ExtensionForm,
    ForceMajeureForm,
    HoursForm,
    InvitationForm,
    WelcomeForm,
)
from parcours.models import OPEN_STATUSES, SIGNABLE, UNDER_CONVENTION, ObligationAssessment
from parcours.selectors import current_path, path_panel


def panel(beneficiary: Beneficiary, user: User) -> dict[str, Any]:
    assessments = list(
        ObligationAssessment.objects.filter(beneficiary=beneficiary).select_related("assessed_by")[
            :10
        ]
    )
    latest = assessments[0] if assessments else None
    include_medical = may_see_health(user)
    editable = user.has_role(*EDIT_ROLES)
    force_majeure = list(beneficiary.force_majeure.all())
    return {
        # That a force majeure exists may itself say something about health: only for
        # those who see health data (the deadline it moved is shown to everyone).
        "force_majeure": force_majeure if include_medical else [],
        "force_majeure_form": (
            ForceMajeureForm(beneficiary=beneficiary, auto_id="force_majeure_%s")
            if editable and latest is not None and latest.status == "obliged"
            else None
        ),
        "assessment": latest,
        "reason_labels": latest.reason_labels(include_medical=include_medical) if latest else [],
        **explanation(beneficiary, latest, include_medical=include_medical),
        "older_assessments": assessments[1:],
        **path_context(beneficiary, editable=editable),
    }


def explanation(
    beneficiary: Beneficiary, latest: ObligationAssessment | None, *, include_medical: bool
) -> dict[str, Any]:
    """Why an obliged person is obliged (the facts the rules read); when an exempt person
    becomes obliged: a minor's 18th birthday, or the day after an exemption's last day
    (not told to those who may not know that a medical exemption is the one ending)."""
    if latest is None or latest.status not in (rules.OBLIGED, rules.EXEMPT):
        return {}
    facts = facts_of(latest.facts)
    if facts is None:
        return {}  # an assessment recorded before its facts were kept
    if latest.status == rules.OBLIGED:
        name = str(beneficiary.nationality.name) if beneficiary.nationality else ""
        grounds = rules.obligation_grounds(facts, latest.assessed_on, nationality_name=name)
        return {"obligation_grounds": grounds}
    result = rules.Assessment(latest.status, tuple(latest.reasons), None, None, None)
    if (birthday := rules.becomes_obliged_on(facts, result)) is not None:
        return {"obliged_from": birthday}
    ends = dict(
        beneficiary.exemptions.filter(
            code__in=facts.exemptions, valid_until__gte=latest.assessed_on
        ).values_list("code", "valid_until")
    )
    if not ends or (ExemptionCode.MEDICAL in ends and not include_medical):
        return {}
    day = rules.obliged_when_exemptions_end(
        facts,
        latest.assessed_on,
        ends,
        regime_2024_start=latest.regime_2024_start,
        standstill_nationalities=frozenset(latest.standstill_nationalities),
    )
    return {"obliged_after_exemption": day} if day is not None else {}


def facts_of(data: dict[str, Any]) -> rules.PersonFacts | None:
    """The facts an assessment kept (JSON), back as the rules read them."""
    try:
        values: dict[str, Any] = {
            key: date.fromisoformat(value)
            if key in DATE_FACTS and isinstance(value, str) and value
            else value
            for key, value in data.items()
            if key in rules.PersonFacts.__dataclass_fields__
        }
        values["exemptions"] = frozenset(values.get("exemptions") or ())
        return rules.PersonFacts(**values)
    except (TypeError, ValueError):
        return None


DATE_FACTS = ("birth_date", "first_registration_on", "permit_ordered_on", "stay_started_on")


def path_context(beneficiary: Beneficiary, *, editable: bool) -> dict[str, Any]:
    parcours = current_path(beneficiary)
    if parcours is None:
        return {"parcours": None}
    today = timezone.localdate()
    panel = path_panel(parcours, today=today)
    if not editable:
        return panel
    # Each form gets its own id prefix: several forms share field names on this page.
    panel["welcome_form"] = WelcomeForm(instance=panel["welcome"], auto_id="welcome_%s")
    signable = parcours.status in SIGNABLE
    if signable and (panel["convention"] or panel["welcome"].is_complete):
        previous = panel["convention"]
        proposal = panel["proposal"]
        panel["convention_form"] = ConventionForm(
            auto_id="convention_%s",
            initial={
                "signed_on": today,
                "start_on": previous.start_on if previous else today,
                "citizenship_hours": (
                    previous.citizenship_hours if previous else path_rules.CITIZENSHIP_HOURS
                ),
                "french_required": (
                    previous.french_required if previous else proposal.french_required
                ),
                "french_hours": previous.french_hours if previous else path_rules.FRENCH_HOURS,
                "orientation_required": (
                    previous.orientation_required if previous else proposal.orientation_required
                ),
                "orientation_hours": (
                    previous.orientation_hours if previous else path_rules.ORIENTATION_HOURS
                ),
            },
        )
    if panel["next_evaluation"] is not None:
        panel["invitation_form"] = InvitationForm(
            initial={"sent_on": today}, auto_id="invitation_%s"
        )
        panel["evaluation_form"] = EvaluationForm(
            initial={"held_on": today, "presence": "present"}, auto_id="evaluation_%s"
        )
    if parcours.kind == "obliged" and parcours.status in OPEN_STATUSES:
        panel["extension_form"] = ExtensionForm(auto_id="extension_%s")
    if panel["required_axes"] and parcours.status in UNDER_CONVENTION:
        panel["hours_form"] = HoursForm(
            axes=panel["required_axes"], initial={"on": today}, auto_id="hours_%s"
        )
    return panel
